//! The sandbox's PromQL evaluator against the real Prometheus started by `scripts/test`
//! (`OPSDECK_TEST_PROMETHEUS_URL`, data directory `OPSDECK_TEST_PROMETHEUS_DATA`): the same
//! samples are backfilled into Prometheus (`promtool tsdb create-blocks-from openmetrics`,
//! `OPSDECK_TEST_PROMTOOL`) and given to the sandbox's Prometheus API as a recording's raw
//! series; every query of the list below (each function and operator the evaluator
//! supports) is asked of both, as instant queries at several times and as range queries,
//! and the answers must be the same JSON (values within a float tolerance).
//!
//! Samples sit 7 s off the minute and queries on whole minutes, so no sample is on a window
//! boundary (Prometheus 2 closes windows on the left, Prometheus 3 opens them).

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use jiff::Timestamp;
use opsdeck::recording::prometheus::tsdb::{RawSample, RawSeries, SeriesEntry};
use opsdeck::recording::prometheus::{PromRecording, Sample, SampleValue};
use opsdeck::sandbox::prometheus::{PromState, api};
use opsdeck::sandbox::server::Shared;
use serde_json::Value;

const STEP: i64 = 15;
/// Samples are this many seconds after a multiple of STEP.
const SKEW: i64 = 7;
const HISTORY: i64 = 2 * 3600;
/// The gap of `dt_gap`: from 50 to 30 minutes before the end.
const GAP: (i64, i64) = (50 * 60, 30 * 60);

type Labels = BTreeMap<String, String>;

/// A series: labels and samples (t seconds, value).
type Points = (Labels, Vec<(i64, f64)>);

struct Data {
    /// OpenMetrics families: name, type, series.
    families: Vec<(String, &'static str, Vec<Points>)>,
}

fn labels(run: &str, name: &str, pairs: &[(&str, &str)]) -> Labels {
    let mut l: Labels = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    l.insert("__name__".into(), name.into());
    l.insert("run".into(), run.into());
    l
}

/// Counters with changing rates and a reset, gauges (waves), an info metric, a histogram
/// and a gauge with a gap.
fn data(run: &str, start: i64, end: i64) -> Data {
    let times: Vec<i64> = (start..=end).step_by(STEP as usize).collect();
    let mut families = Vec::new();
    let mut req = Vec::new();
    for (job, inst, base) in [("api", "a", 1.0), ("api", "b", 2.5), ("web", "c", 0.0)] {
        let mut c = 10_000.0 + base * 1000.0;
        let mut pts = Vec::new();
        for (k, &t) in times.iter().enumerate() {
            let rate = base * (1.0 + 0.5 * ((k as f64) / 40.0).sin());
            c += rate * STEP as f64;
            if inst == "b" && k == times.len() / 2 {
                c = 50.0; // a counter reset (process restart)
            }
            pts.push((t, (c * 1000.0_f64).round() / 1000.0));
        }
        req.push((
            labels(
                run,
                "dt_requests_total",
                &[("job", job), ("instance", inst)],
            ),
            pts,
        ));
    }
    families.push(("dt_requests".to_string(), "counter", req));
    let mut temp = Vec::new();
    for (inst, room, base) in [("a", "x", 20.0), ("b", "y", 23.0)] {
        let pts = times
            .iter()
            .enumerate()
            .map(|(k, &t)| {
                let v = base + 3.0 * ((k as f64) / 17.0 + base).sin();
                (t, (v * 1000.0_f64).round() / 1000.0)
            })
            .collect();
        temp.push((
            labels(run, "dt_temp", &[("instance", inst), ("room", room)]),
            pts,
        ));
    }
    families.push(("dt_temp".to_string(), "gauge", temp));
    let info = [("a", "infra"), ("b", "apps")]
        .iter()
        .map(|(inst, pool)| {
            (
                labels(run, "dt_info", &[("instance", inst), ("pool", pool)]),
                times.iter().map(|&t| (t, 1.0)).collect(),
            )
        })
        .collect();
    families.push(("dt_info".to_string(), "gauge", info));
    let gap = vec![(
        labels(run, "dt_gap", &[]),
        times
            .iter()
            .filter(|&&t| !(t > end - GAP.0 && t < end - GAP.1))
            .map(|&t| (t, 42.5))
            .collect(),
    )];
    families.push(("dt_gap".to_string(), "gauge", gap));
    // A histogram: cumulative bucket counters, +Inf equal to the count.
    let bounds = ["0.1", "0.5", "1", "+Inf"];
    let shares = [0.3, 0.7, 0.9, 1.0];
    let mut hist = Vec::new();
    for (i, le) in bounds.iter().enumerate() {
        let mut c = 5000.0 * shares[i];
        let mut pts = Vec::new();
        for (k, &t) in times.iter().enumerate() {
            let wobble = 1.0 + 0.3 * ((k as f64) / 23.0).cos() * (i as f64 + 1.0) / 4.0;
            c += 4.0 * shares[i] * wobble.min(1.0 / shares[i]) * STEP as f64 * 0.5;
            pts.push((t, c.round()));
        }
        hist.push((labels(run, "dt_lat_bucket", &[("le", le)]), pts));
    }
    // Keep buckets cumulative.
    for k in 0..times.len() {
        for i in 1..hist.len() {
            let below = hist[i - 1].1[k].1;
            if hist[i].1[k].1 < below {
                hist[i].1[k].1 = below;
            }
        }
    }
    let count = hist[hist.len() - 1].1.clone();
    let sum: Vec<(i64, f64)> = count.iter().map(|&(t, v)| (t, v * 0.3)).collect();
    hist.push((labels(run, "dt_lat_count", &[]), count));
    hist.push((labels(run, "dt_lat_sum", &[]), sum));
    families.push(("dt_lat".to_string(), "histogram", hist));
    Data { families }
}

fn openmetrics(d: &Data) -> String {
    let mut out = String::new();
    for (family, kind, series) in &d.families {
        out.push_str(&format!("# TYPE {family} {kind}\n"));
        if *kind == "histogram" {
            // One timestamp at a time: every bucket, the count, the sum.
            let n = series[0].1.len();
            for k in 0..n {
                for (l, pts) in series {
                    out.push_str(&format!("{} {} {}\n", om_series(l), pts[k].1, pts[k].0));
                }
            }
            continue;
        }
        for (l, pts) in series {
            for (t, v) in pts {
                out.push_str(&format!("{} {v} {t}\n", om_series(l)));
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

fn om_series(l: &Labels) -> String {
    let inner: Vec<String> = l
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    format!("{}{{{}}}", l["__name__"], inner.join(","))
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run this test through scripts/test, which starts Prometheus")
    })
}

struct Backfill {
    url: String,
    run: String,
    start: i64,
    end: i64,
    state: PromState,
}

fn http_get(url: &str) -> (u16, Value) {
    // A blocking GET without a client library: the test runs outside an async runtime.
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest.split_once('/').expect("path");
    let mut stream = std::net::TcpStream::connect(host).expect("connect to Prometheus");
    write!(
        stream,
        "GET /{path} HTTP/1.0\r\nHost: {host}\r\nAccept: application/json\r\n\r\n"
    )
    .expect("write");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    let (head, body) = text.split_once("\r\n\r\n").expect("response");
    let code: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    (code, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn backfilled() -> &'static Backfill {
    static B: OnceLock<Backfill> = OnceLock::new();
    B.get_or_init(|| {
        let url = env("OPSDECK_TEST_PROMETHEUS_URL");
        let data_dir = PathBuf::from(env("OPSDECK_TEST_PROMETHEUS_DATA"));
        let promtool = std::env::var("OPSDECK_TEST_PROMTOOL").unwrap_or_else(|_| "promtool".into());
        let now = Timestamp::now().as_second();
        let end = now - now % 60 - 120 + SKEW;
        let start = end - HISTORY;
        let run = format!("d{}", Timestamp::now().as_nanosecond());
        let d = data(&run, start, end);

        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("history.om");
        std::fs::write(&file, openmetrics(&d)).expect("write");
        let blocks = dir.path().join("blocks");
        let out = std::process::Command::new(&promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&file)
            .arg(&blocks)
            .output()
            .unwrap_or_else(|e| panic!("running {promtool}: {e}"));
        assert!(
            out.status.success(),
            "promtool failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for entry in std::fs::read_dir(&blocks).expect("blocks") {
            let entry = entry.expect("entry");
            let target = data_dir.join(entry.file_name());
            if std::fs::rename(entry.path(), &target).is_err() {
                copy_dir(&entry.path(), &target);
            }
        }
        let probe = format!("count(dt_temp{{run=\"{run}\"}})");
        let deadline = std::time::Instant::now() + Duration::from_secs(240);
        loop {
            let (_, body) = http_get(&format!(
                "{url}/api/v1/query?query={}&time={}",
                urlencode(&probe),
                end
            ));
            if body["data"]["result"][0]["value"][1] == "2" {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "Prometheus at {url} did not load the backfilled blocks: {body}"
            );
            std::thread::sleep(Duration::from_secs(2));
        }

        // The same samples as a recording's raw series (offsets from 0: absolute times).
        let series = d
            .families
            .iter()
            .flat_map(|(_, _, s)| s.iter())
            .map(|(l, pts)| {
                SeriesEntry::Raw(RawSeries {
                    metric: l.clone(),
                    samples: pts
                        .iter()
                        .map(|&(t, v)| RawSample::One(Sample(t as f64, SampleValue::Value(v))))
                        .collect(),
                })
            })
            .collect();
        let rec = PromRecording {
            series,
            ..PromRecording::default()
        };
        rec.validate().expect("valid section");
        let shared = Arc::new(Shared {
            store: opsdeck::sandbox::store::Store::new(),
            logs: Default::default(),
            kubernetes_version: "v1.31.0".into(),
            server_address: "127.0.0.1:0".into(),
        });
        let state = PromState::new(rec, "differential", 0, shared);
        Backfill {
            url,
            run,
            start,
            end,
            state,
        }
    })
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn sandbox_get(st: &PromState, path: &str, query: &str) -> (u16, Value) {
    let resp = api::serve(
        st,
        &Method::GET,
        path,
        Some(query),
        &HeaderMap::new(),
        &Bytes::new(),
    );
    let code = resp.status().as_u16();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let body = rt
        .block_on(axum::body::to_bytes(resp.into_body(), usize::MAX))
        .expect("body");
    (code, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The queries: `R` stands for this run's matcher.
const QUERIES: &[&str] = &[
    // Selectors, matchers, offset, @.
    "dt_temp{R}",
    "dt_temp{R,room=\"x\"}",
    "dt_temp{R,room!=\"x\"}",
    "dt_temp{R,room=~\"x|y\"}",
    "dt_temp{R,room!~\"x\"}",
    "{R,__name__=~\"dt_temp|dt_info\",instance=\"b\"}",
    "dt_temp{R} offset 10m",
    "dt_temp{R} @ end()",
    "dt_gap{R}",
    // Range functions.
    "rate(dt_requests_total{R}[5m])",
    "rate(dt_requests_total{R}[1m])",
    "irate(dt_requests_total{R}[5m])",
    "increase(dt_requests_total{R}[10m])",
    "delta(dt_temp{R}[10m])",
    "idelta(dt_temp{R}[5m])",
    "deriv(dt_temp{R}[10m])",
    "predict_linear(dt_temp{R}[10m], 600)",
    "changes(dt_temp{R}[10m])",
    "resets(dt_requests_total{R}[2h])",
    "avg_over_time(dt_temp{R}[10m])",
    "min_over_time(dt_temp{R}[10m])",
    "max_over_time(dt_temp{R}[10m])",
    "sum_over_time(dt_temp{R}[10m])",
    "count_over_time(dt_gap{R}[30m])",
    "last_over_time(dt_temp{R}[10m])",
    "stddev_over_time(dt_temp{R}[10m])",
    "stdvar_over_time(dt_temp{R}[10m])",
    "quantile_over_time(0.9, dt_temp{R}[10m])",
    "present_over_time(dt_gap{R}[10m])",
    // Aggregations.
    "sum(dt_temp{R})",
    "avg(dt_temp{R})",
    "min(dt_temp{R})",
    "max(dt_temp{R})",
    "count(dt_temp{R})",
    "stddev(dt_temp{R})",
    "stdvar(dt_temp{R})",
    "group(dt_temp{R})",
    "sum by (job) (rate(dt_requests_total{R}[5m]))",
    "sum without (instance) (rate(dt_requests_total{R}[5m]))",
    "avg by (job) (rate(dt_requests_total{R}[5m]))",
    "topk(1, dt_temp{R})",
    "bottomk(1, dt_temp{R})",
    "topk by (job) (1, rate(dt_requests_total{R}[5m]))",
    "quantile(0.5, dt_temp{R})",
    "count_values(\"v\", dt_info{R})",
    // Arithmetic and comparison.
    "dt_temp{R} * 2",
    "100 - dt_temp{R}",
    "dt_temp{R} / 3",
    "dt_temp{R} % 7",
    "dt_temp{R} ^ 2",
    "dt_temp{R} > 21",
    "dt_temp{R} > bool 21",
    "21 < dt_temp{R}",
    "dt_temp{R} == dt_temp{R}",
    "dt_temp{R} != bool dt_temp{R}",
    "1 + 2 * 3",
    "2 > bool 1",
    // Vector matching.
    "dt_temp{R} / on (instance) dt_info{R}",
    "dt_temp{R} / ignoring (room, pool) dt_info{R}",
    "rate(dt_requests_total{R,job=\"api\"}[5m]) * on (instance) group_left (pool) dt_info{R}",
    "dt_info{R} * on (instance) group_right (pool) rate(dt_requests_total{R,job=\"api\"}[5m])",
    "dt_temp{R} - ignoring (room) dt_temp{R}",
    "dt_temp{R} and on (instance) dt_info{R,pool=\"infra\"}",
    "dt_temp{R} or dt_info{R}",
    "dt_temp{R} unless on (instance) dt_info{R,pool=\"infra\"}",
    "count(dt_nothing{R}) or vector(0)",
    // Functions.
    "abs(dt_temp{R} - 22)",
    "ceil(dt_temp{R})",
    "floor(dt_temp{R})",
    "round(dt_temp{R})",
    "round(dt_temp{R}, 0.5)",
    "clamp_min(dt_temp{R}, 21)",
    "clamp_max(dt_temp{R}, 21)",
    "clamp(dt_temp{R}, 20, 22)",
    "sqrt(dt_temp{R})",
    "exp(dt_temp{R} / 10)",
    "ln(dt_temp{R})",
    "log2(dt_temp{R})",
    "log10(dt_temp{R})",
    "sgn(dt_temp{R} - 22)",
    "scalar(dt_temp{R,room=\"x\"})",
    "vector(1)",
    "time()",
    "label_replace(dt_temp{R}, \"where\", \"room-$1\", \"room\", \"(.*)\")",
    "label_join(dt_temp{R}, \"id\", \"/\", \"instance\", \"room\")",
    "absent(dt_nothing{R,job=\"x\"})",
    "absent(dt_temp{R})",
    "absent_over_time(dt_nothing{R}[5m])",
    "histogram_quantile(0.9, sum by (le) (rate(dt_lat_bucket{R}[5m])))",
    "histogram_quantile(0.5, rate(dt_lat_bucket{R}[5m]))",
    "sort_desc(dt_temp{R})",
    "sort(rate(dt_requests_total{R}[5m]))",
];

fn expand(q: &str, run: &str) -> String {
    q.replace("{R}", &format!("{{run=\"{run}\"}}"))
        .replace("{R,", &format!("{{run=\"{run}\","))
}

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(x), Ok(y)) => {
                (x.is_nan() && y.is_nan())
                    || x == y
                    || (x - y).abs() <= 1e-9_f64.max(1e-6 * x.abs().max(y.abs()))
            }
            _ => x == y,
        },
        _ => a == b,
    }
}

/// Compares two `data` objects: result type, series (by labels, in order for sort), points.
fn same(a: &Value, b: &Value, ordered: bool) -> Result<(), String> {
    if a["resultType"] != b["resultType"] {
        return Err(format!(
            "resultType {} vs {}",
            a["resultType"], b["resultType"]
        ));
    }
    let pair = |x: &Value, y: &Value| -> Result<(), String> {
        let (xs, ys) = (
            x.as_array().cloned().unwrap_or_default(),
            y.as_array().cloned().unwrap_or_default(),
        );
        if xs.len() != ys.len()
            || !xs
                .iter()
                .zip(&ys)
                .all(|(p, q)| p[0] == q[0] && close(&p[1], &q[1]))
        {
            return Err(format!("{x} vs {y}"));
        }
        Ok(())
    };
    match a["resultType"].as_str() {
        Some("scalar") | Some("string") => {
            if a["result"][0] == b["result"][0] && close(&a["result"][1], &b["result"][1]) {
                Ok(())
            } else {
                Err(format!("{} vs {}", a["result"], b["result"]))
            }
        }
        _ => {
            let mut xs = a["result"].as_array().cloned().unwrap_or_default();
            let mut ys = b["result"].as_array().cloned().unwrap_or_default();
            if xs.len() != ys.len() {
                return Err(format!(
                    "{} series vs {}: {} vs {}",
                    xs.len(),
                    ys.len(),
                    a["result"],
                    b["result"]
                ));
            }
            if !ordered {
                let key = |v: &Value| v["metric"].to_string();
                xs.sort_by_key(key);
                ys.sort_by_key(key);
            }
            for (x, y) in xs.iter().zip(&ys) {
                if x["metric"] != y["metric"] {
                    return Err(format!("labels {} vs {}", x["metric"], y["metric"]));
                }
                if x.get("value").is_some() {
                    let (p, q) = (&x["value"], &y["value"]);
                    if !(p[0] == q[0] && close(&p[1], &q[1])) {
                        return Err(format!("{}: {p} vs {q}", x["metric"]));
                    }
                } else {
                    pair(&x["values"], &y["values"])
                        .map_err(|e| format!("{}: {e}", x["metric"]))?;
                }
            }
            Ok(())
        }
    }
}

#[test]
fn instant_queries_answer_as_prometheus() {
    let b = backfilled();
    let minute = |t: i64| t - t.rem_euclid(60);
    let times = [
        minute(b.end),
        minute(b.start + 40 * 60),
        minute(b.end - GAP.0 + 2 * 60),
        minute(b.end - GAP.0 + 10 * 60),
        minute(b.end) + 4 * 60,
    ];
    let mut failures = Vec::new();
    for q in QUERIES {
        let q = expand(q, &b.run);
        for t in times {
            let params = format!("query={}&time={t}", urlencode(&q));
            let (pc, prom) = http_get(&format!("{}/api/v1/query?{params}", b.url));
            let (sc, sand) = sandbox_get(&b.state, "api/v1/query", &params);
            if pc != sc || prom["status"] != sand["status"] {
                failures.push(format!("{q} @ {t}: {pc} {prom} vs {sc} {sand}"));
                continue;
            }
            if let Err(e) = same(&prom["data"], &sand["data"], q.starts_with("sort")) {
                failures.push(format!("{q} @ {t}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn range_queries_answer_as_prometheus() {
    let b = backfilled();
    let end = b.end - b.end.rem_euclid(60) + 120;
    let mut failures = Vec::new();
    for q in QUERIES {
        let q = expand(q, &b.run);
        // Query times on whole minutes, never on a sample (7 s past).
        let first = b.start - b.start.rem_euclid(60) - 600;
        for (from, step) in [(end - 3600, 60), (first, 300)] {
            let params = format!("query={}&start={from}&end={end}&step={step}", urlencode(&q));
            let (pc, prom) = http_get(&format!("{}/api/v1/query_range?{params}", b.url));
            let (sc, sand) = sandbox_get(&b.state, "api/v1/query_range", &params);
            if pc != sc || prom["status"] != sand["status"] {
                failures.push(format!("{q} [{step}s]: {pc} {prom} vs {sc} {sand}"));
                continue;
            }
            if prom["status"] == "error" {
                if prom["errorType"] != sand["errorType"] {
                    failures.push(format!("{q}: {prom} vs {sand}"));
                }
                continue;
            }
            if let Err(e) = same(&prom["data"], &sand["data"], false) {
                failures.push(format!("{q} [{step}s]: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn errors_have_prometheus_shape() {
    let b = backfilled();
    for (q, code) in [("sum(", 400), ("rate(dt_temp[5m] offset", 400)] {
        let params = format!("query={}&time={}", urlencode(q), b.end);
        let (pc, prom) = http_get(&format!("{}/api/v1/query?{params}", b.url));
        let (sc, sand) = sandbox_get(&b.state, "api/v1/query", &params);
        assert_eq!((pc, sc), (code, code), "{q}: {prom} vs {sand}");
        assert_eq!(prom["errorType"], sand["errorType"], "{q}");
        assert_eq!(sand["status"], "error");
    }
    // Duplicate series on the "one" side: an execution error in both.
    let q = expand("dt_info{R} * on () group_left dt_temp{R}", &b.run);
    let params = format!("query={}&time={}", urlencode(&q), b.end);
    let (pc, prom) = http_get(&format!("{}/api/v1/query?{params}", b.url));
    let (sc, sand) = sandbox_get(&b.state, "api/v1/query", &params);
    assert_eq!(pc, sc, "{prom} vs {sand}");
    assert_eq!(prom["errorType"], sand["errorType"], "{prom} vs {sand}");
}
