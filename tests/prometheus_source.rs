//! The Prometheus source against the real Prometheus server started by `scripts/test`
//! (`OPSDECK_TEST_PROMETHEUS_URL`, data directory `OPSDECK_TEST_PROMETHEUS_DATA`), with
//! history this test generates as OpenMetrics and backfills with
//! `promtool tsdb create-blocks-from openmetrics` (`OPSDECK_TEST_PROMTOOL`).
//!
//! Prometheus loads new blocks from its data directory about once a minute, so the first
//! test waits (with a generous deadline) until the backfilled series answer.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use jiff::Timestamp;
use opsdeck::domain::dashboard::ResultKind;
use opsdeck::sources::prometheus::{PromAuth, PromClient, PromError, PromSettings, Secret};

/// Seconds between generated samples.
const STEP: i64 = 15;
/// Generated history: two hours.
const HISTORY: i64 = 2 * 3600;
/// The gap in the `room="b"` series: from 60 to 40 minutes before the end.
const GAP: (i64, i64) = (60 * 60, 40 * 60);

struct Backfill {
    url: String,
    /// Distinguishes this run's series from earlier runs against the same server.
    run: String,
    /// First and last sample time (Unix seconds).
    start: i64,
    end: i64,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run this test through scripts/test, which starts Prometheus")
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The OpenMetrics text: a counter growing 1/s, a gauge equal to its sample index, and a
/// gauge with a 20-minute gap.
fn openmetrics(run: &str, start: i64, end: i64) -> String {
    let mut out = String::new();
    out.push_str("# HELP opsdeck_test_requests Requests served.\n");
    out.push_str("# TYPE opsdeck_test_requests counter\n");
    for t in (start..=end).step_by(STEP as usize) {
        out.push_str(&format!(
            "opsdeck_test_requests_total{{run=\"{run}\",service=\"api\"}} {} {t}\n",
            t - start
        ));
    }
    out.push_str("# HELP opsdeck_test_temperature A gauge.\n");
    out.push_str("# TYPE opsdeck_test_temperature gauge\n");
    for t in (start..=end).step_by(STEP as usize) {
        out.push_str(&format!(
            "opsdeck_test_temperature{{room=\"a\",run=\"{run}\"}} {} {t}\n",
            (t - start) / STEP
        ));
    }
    for t in (start..=end).step_by(STEP as usize) {
        if t > end - GAP.0 && t < end - GAP.1 {
            continue;
        }
        out.push_str(&format!(
            "opsdeck_test_temperature{{room=\"b\",run=\"{run}\"}} 20.5 {t}\n"
        ));
    }
    out.push_str("# EOF\n");
    out
}

/// Generates, backfills and waits until Prometheus serves the history (once per binary).
fn backfilled() -> &'static Backfill {
    static BACKFILL: OnceLock<Backfill> = OnceLock::new();
    BACKFILL.get_or_init(|| {
        let url = env("OPSDECK_TEST_PROMETHEUS_URL");
        let data = PathBuf::from(env("OPSDECK_TEST_PROMETHEUS_DATA"));
        let promtool = std::env::var("OPSDECK_TEST_PROMTOOL").unwrap_or_else(|_| "promtool".into());
        let now = Timestamp::now().as_second();
        let end = now - now % STEP - 60;
        let start = end - HISTORY;
        let run = format!("r{}", Timestamp::now().as_nanosecond());

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("history.om");
        std::fs::write(&file, openmetrics(&run, start, end)).unwrap();
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
        let mut moved = 0;
        for entry in std::fs::read_dir(&blocks).unwrap() {
            let entry = entry.unwrap();
            let target = data.join(entry.file_name());
            if std::fs::rename(entry.path(), &target).is_err() {
                copy_dir(&entry.path(), &target);
            }
            moved += 1;
        }
        assert!(moved > 0, "promtool wrote no block");

        // Prometheus picks new blocks up on its periodic reload (every minute).
        let client = PromClient::new(&PromSettings::new(&url)).unwrap();
        let query = format!("count(opsdeck_test_temperature{{run=\"{run}\"}})");
        let deadline = std::time::Instant::now() + Duration::from_secs(240);
        let rt = runtime();
        loop {
            let at = Timestamp::from_second(end).unwrap();
            let answer = rt.block_on(client.instant(&query, Some(at)));
            if let Ok(r) = &answer
                && r.series.first().and_then(|s| s.last()) == Some(2.0)
            {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "Prometheus at {url} did not load the backfilled blocks (last answer: {answer:?})"
            );
            std::thread::sleep(Duration::from_secs(2));
        }
        Backfill {
            url,
            run,
            start,
            end,
        }
    })
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

#[test]
fn range_query_over_backfilled_history() {
    let b = backfilled();
    let client = PromClient::new(&PromSettings::new(&b.url)).unwrap();
    let rt = runtime();

    // The gauge equals its sample index: every minute over the last hour.
    let q = format!("opsdeck_test_temperature{{run=\"{}\",room=\"a\"}}", b.run);
    let from = b.end - 3600;
    let r = rt
        .block_on(client.range(&q, ts(from), ts(b.end), Duration::from_secs(60)))
        .unwrap();
    assert_eq!(r.kind, ResultKind::Matrix);
    assert_eq!(r.series.len(), 1);
    let s = &r.series[0];
    assert_eq!(s.labels.get("room").map(String::as_str), Some("a"));
    assert_eq!(
        s.labels.get("__name__").map(String::as_str),
        Some("opsdeck_test_temperature")
    );
    assert_eq!(s.points.len(), 61);
    for (t, v) in &s.points {
        assert_eq!(*v, ((*t as i64) - b.start) as f64 / STEP as f64, "at {t}");
    }

    // A counter growing 1/s has a rate of 1.
    let q = format!("rate(opsdeck_test_requests_total{{run=\"{}\"}}[5m])", b.run);
    let r = rt
        .block_on(client.range(&q, ts(from), ts(b.end), Duration::from_secs(300)))
        .unwrap();
    assert_eq!(r.series.len(), 1);
    assert_eq!(r.series[0].points.len(), 13);
    for (t, v) in &r.series[0].points {
        assert!((v - 1.0).abs() < 1e-9, "rate {v} at {t}");
    }
    assert!(!r.series[0].labels.contains_key("__name__"));
}

#[test]
fn range_query_shows_the_gap() {
    let b = backfilled();
    let client = PromClient::new(&PromSettings::new(&b.url)).unwrap();
    let q = format!("opsdeck_test_temperature{{run=\"{}\",room=\"b\"}}", b.run);
    let r = runtime()
        .block_on(client.range(
            &q,
            ts(b.end - 7200 + 60),
            ts(b.end),
            Duration::from_secs(60),
        ))
        .unwrap();
    let times: Vec<i64> = r.series[0].points.iter().map(|p| p.0 as i64).collect();
    // No sample for 20 minutes: after the 5-minute lookback, points are missing.
    let missing = (b.end - GAP.0 + 5 * 60 + 60..b.end - GAP.1)
        .step_by(60)
        .filter(|t| !times.contains(t))
        .count();
    assert!(missing >= 10, "expected a gap, got {times:?}");
    assert!(times.contains(&(b.end - GAP.0 - 60)));
    assert!(times.contains(&b.end));
}

#[test]
fn instant_query_at_the_last_sample() {
    let b = backfilled();
    let client = PromClient::new(&PromSettings::new(&b.url)).unwrap();
    let q = format!("sort(opsdeck_test_temperature{{run=\"{}\"}}) ", b.run);
    let r = runtime()
        .block_on(client.instant(&q, Some(ts(b.end))))
        .unwrap();
    assert_eq!(r.kind, ResultKind::Vector);
    let values: Vec<(String, f64)> = r
        .series
        .iter()
        .map(|s| (s.labels["room"].clone(), s.points[0].1))
        .collect();
    assert_eq!(
        values,
        vec![
            ("b".to_string(), 20.5),
            ("a".to_string(), (HISTORY / STEP) as f64)
        ]
    );
    assert_eq!(r.series[0].points[0].0 as i64, b.end);

    // Scalars come back as one unlabeled series.
    let r = runtime()
        .block_on(client.instant("1 + 1", Some(ts(b.end))))
        .unwrap();
    assert_eq!(r.kind, ResultKind::Scalar);
    assert_eq!(r.series[0].last(), Some(2.0));
}

#[test]
fn bad_query_carries_prometheus_message_and_position() {
    let url = env("OPSDECK_TEST_PROMETHEUS_URL");
    let client = PromClient::new(&PromSettings::new(&url)).unwrap();
    let err = runtime()
        .block_on(client.instant("sum(rate(http_requests_total[5m])", None))
        .unwrap_err();
    let PromError::Query {
        error_type,
        message,
    } = &err
    else {
        panic!("expected a query error, got {err:?}");
    };
    assert_eq!(error_type, "bad_data");
    assert!(message.contains("parse error"), "{message}");
    let (line, col) = err.position().expect("a position");
    assert_eq!(line, 1, "{message}");
    assert!(col >= 1, "{message}");
    assert!(err.is_bad_query());
    assert!(err.to_string().starts_with("bad_data: "), "{err}");

    // A query over two lines: the position names the second line.
    let err = runtime()
        .block_on(client.instant("sum by (pod) (\n  rate(x[5m]) +\n)", None))
        .unwrap_err();
    assert_eq!(err.position().map(|p| p.0), Some(3), "{err}");
}

#[test]
fn unreachable_server_is_typed() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let client = PromClient::new(&PromSettings::new(&url)).unwrap();
    let err = runtime().block_on(client.instant("up", None)).unwrap_err();
    assert!(
        matches!(&err, PromError::Unreachable { url: u, .. } if *u == url),
        "{err:?}"
    );
    assert!(err.to_string().contains("unreachable"), "{err}");
}

#[test]
fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accepts and never answers.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let mut settings = PromSettings::new(&url);
    settings.timeout = Duration::from_secs(1);
    let client = PromClient::new(&settings).unwrap();
    let err = runtime().block_on(client.instant("up", None)).unwrap_err();
    assert!(matches!(err, PromError::Timeout { .. }), "{err:?}");
}

#[test]
fn bearer_token_is_sent_as_authorization() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 8192];
        let n = s.read(&mut buf).unwrap();
        let body =
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"3"]}}"#;
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    });
    let mut settings = PromSettings::new(&url);
    settings.auth = PromAuth::Bearer(Secret::new("tok-123"));
    let client = PromClient::new(&settings).unwrap();
    let r = runtime().block_on(client.instant("up", None)).unwrap();
    assert_eq!(r.series[0].last(), Some(3.0));
    let request = seen.join().unwrap().to_ascii_lowercase();
    assert!(
        request.contains("authorization: bearer tok-123"),
        "{request}"
    );
    assert!(!format!("{client:?}").contains("tok-123"));
}
