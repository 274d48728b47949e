use std::collections::BTreeMap;

use super::super::LOOKBACK_MS;
use super::*;
use crate::recording::prometheus::tsdb::{RawSample, RawSeries, Series};
use crate::recording::prometheus::{Sample, SampleValue};

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `n` samples every 15 s from 0, value `v0 + k·dv`.
fn run(pairs: &[(&str, &str)], v0: f64, dv: f64, n: u32) -> Series {
    Series::compile(
        &RawSeries {
            metric: labels(pairs),
            samples: vec![RawSample::Run(0.0, v0, n, dv)],
        },
        0,
        15.0,
    )
    .expect("series")
}

fn fixture() -> Vec<Series> {
    vec![
        // Counters growing 1/s and 2/s for 20 minutes.
        run(
            &[("__name__", "req_total"), ("job", "api"), ("instance", "a")],
            0.0,
            15.0,
            81,
        ),
        run(
            &[("__name__", "req_total"), ("job", "api"), ("instance", "b")],
            0.0,
            30.0,
            81,
        ),
        run(
            &[("__name__", "req_total"), ("job", "web"), ("instance", "c")],
            100.0,
            0.0,
            81,
        ),
        // Gauges.
        run(
            &[("__name__", "temp"), ("instance", "a"), ("room", "x")],
            20.0,
            0.0,
            81,
        ),
        run(
            &[("__name__", "temp"), ("instance", "b"), ("room", "y")],
            30.0,
            0.0,
            81,
        ),
        run(
            &[("__name__", "info"), ("instance", "a"), ("pool", "infra")],
            1.0,
            0.0,
            81,
        ),
        run(
            &[("__name__", "info"), ("instance", "b"), ("pool", "apps")],
            1.0,
            0.0,
            81,
        ),
        // A histogram: 10 observations/s below 0.1, 10 more below 0.5.
        run(&[("__name__", "lat_bucket"), ("le", "0.1")], 0.0, 150.0, 81),
        run(&[("__name__", "lat_bucket"), ("le", "0.5")], 0.0, 300.0, 81),
        run(
            &[("__name__", "lat_bucket"), ("le", "+Inf")],
            0.0,
            300.0,
            81,
        ),
        // A series that ends with a staleness marker at 5 min.
        Series::compile(
            &RawSeries {
                metric: labels(&[("__name__", "gone")]),
                samples: vec![
                    RawSample::Run(0.0, 1.0, 10, 0.0),
                    RawSample::One(Sample(300.0, SampleValue::Stale)),
                ],
            },
            0,
            15.0,
        )
        .expect("series"),
    ]
}

fn instant(q: &str, t: i64) -> Result<Value, EvalError> {
    let series = fixture();
    let expr = parse(q)?;
    Engine::new(&series, LOOKBACK_MS).instant(&expr, t)
}

fn vector(q: &str, t: i64) -> Vec<(Labels, f64)> {
    match instant(q, t).unwrap_or_else(|e| panic!("{q}: {e:?}")) {
        Value::Vector(v) => {
            let mut out: Vec<_> = v.into_iter().map(|e| (e.labels, e.v)).collect();
            out.sort_by(|a, b| a.0.cmp(&b.0));
            out
        }
        other => panic!("{q}: not a vector: {other:?}"),
    }
}

fn values(q: &str, t: i64) -> Vec<f64> {
    vector(q, t).into_iter().map(|(_, v)| v).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 || (a.is_nan() && b.is_nan())
}

const T: i64 = 600_000;

#[test]
fn selectors_matchers_offset_and_at() {
    assert_eq!(values("req_total", T).len(), 3);
    assert_eq!(values(r#"req_total{job="api"}"#, T).len(), 2);
    assert_eq!(values(r#"req_total{job!="api"}"#, T), vec![100.0]);
    assert_eq!(values(r#"req_total{instance=~"a|c"}"#, T).len(), 2);
    assert_eq!(values(r#"req_total{instance!~"a|c"}"#, T), vec![1200.0]);
    assert_eq!(
        values(r#"{__name__=~"temp|info",instance="b"}"#, T).len(),
        2
    );
    assert_eq!(
        values(r#"req_total{instance="a"} offset 5m"#, T),
        vec![300.0]
    );
    assert_eq!(values(r#"req_total{instance="a"} @ 60"#, T), vec![60.0]);
    // Lookback: the last sample is at 1200 s; 5 minutes later nothing is left.
    assert_eq!(values("temp", 1_200_000 + 299_000).len(), 2);
    assert!(values("temp", 1_200_000 + 300_000).is_empty());
    // A staleness marker ends a series at once.
    assert_eq!(values("gone", 299_000), vec![1.0]);
    assert!(values("gone", 300_000).is_empty());
}

#[test]
fn range_functions() {
    let v = vector("rate(req_total[5m])", T);
    assert_eq!(v.len(), 3);
    assert!(v.iter().all(|(l, _)| !l.contains_key(NAME)));
    let rates: Vec<f64> = v.iter().map(|x| x.1).collect();
    assert!(
        close(rates[0], 1.0) && close(rates[1], 2.0) && close(rates[2], 0.0),
        "{rates:?}"
    );
    assert!(close(
        values(r#"increase(req_total{instance="a"}[5m])"#, T)[0],
        300.0
    ));
    assert!(close(
        values(r#"irate(req_total{instance="b"}[1m])"#, T)[0],
        2.0
    ));
    assert!(close(values(r#"delta(temp{room="x"}[5m])"#, T)[0], 0.0));
    assert!(close(
        values(r#"idelta(req_total{instance="a"}[1m])"#, T)[0],
        15.0
    ));
    assert!(close(
        values(r#"deriv(req_total{instance="a"}[5m])"#, T)[0],
        1.0
    ));
    assert!(close(
        values(r#"predict_linear(req_total{instance="a"}[5m], 60)"#, T)[0],
        660.0
    ));
    assert_eq!(
        values(r#"count_over_time(temp{room="x"}[1m])"#, T),
        vec![4.0]
    );
    assert_eq!(
        values(r#"sum_over_time(temp{room="x"}[1m])"#, T),
        vec![80.0]
    );
    assert_eq!(
        values(r#"avg_over_time(req_total{instance="a"}[1m])"#, T),
        vec![577.5]
    );
    assert_eq!(
        values(r#"min_over_time(req_total{instance="a"}[1m])"#, T),
        vec![555.0]
    );
    assert_eq!(
        values(r#"max_over_time(req_total{instance="a"}[1m])"#, T),
        vec![600.0]
    );
    let last = vector(r#"last_over_time(temp{room="x"}[1m])"#, T);
    assert_eq!(last[0].0.get(NAME).map(String::as_str), Some("temp"));
    assert!(close(
        values(r#"stddev_over_time(req_total{instance="a"}[1m])"#, T)[0],
        (281.25f64).sqrt() * 1.0
    ));
    assert_eq!(
        values(r#"quantile_over_time(0.5, req_total{instance="a"}[1m])"#, T),
        vec![577.5]
    );
}

#[test]
fn aggregations() {
    let by_job = vector("sum by (job) (rate(req_total[5m]))", T);
    assert_eq!(by_job.len(), 2);
    assert_eq!(by_job[0].0, labels(&[("job", "api")]));
    assert!(close(by_job[0].1, 3.0));
    let without = vector("sum without (instance) (req_total)", T);
    assert_eq!(without[0].0, labels(&[("job", "api")]));
    assert_eq!(values("avg(temp)", T), vec![25.0]);
    assert_eq!(values("min(temp)", T), vec![20.0]);
    assert_eq!(values("max(temp)", T), vec![30.0]);
    assert_eq!(values("count(req_total)", T), vec![3.0]);
    assert_eq!(values("stddev(temp)", T), vec![5.0]);
    assert_eq!(values("stdvar(temp)", T), vec![25.0]);
    assert_eq!(values("group(temp)", T), vec![1.0]);
    assert_eq!(values("quantile(0.5, temp)", T), vec![25.0]);
    let top = vector("topk(1, req_total)", T);
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].0.get("instance").map(String::as_str), Some("b"));
    assert_eq!(top[0].0.get(NAME).map(String::as_str), Some("req_total"));
    assert_eq!(values("bottomk(1, temp)", T), vec![20.0]);
    assert_eq!(vector("topk by (job) (1, req_total)", T).len(), 2);
    let cv = vector(r#"count_values("v", temp)"#, T);
    assert_eq!(cv[0].0, labels(&[("v", "20")]));
}

#[test]
fn binary_operators_and_matching() {
    assert_eq!(values("temp * 2", T), vec![40.0, 60.0]);
    assert_eq!(values("100 - temp", T), vec![80.0, 70.0]);
    assert_eq!(values("temp > 25", T), vec![30.0]);
    assert_eq!(
        values("25 < temp", T),
        vec![30.0],
        "a vector keeps its value on the right"
    );
    assert_eq!(values("temp > bool 25", T), vec![0.0, 1.0]);
    assert!(
        vector("temp > bool 25", T)
            .iter()
            .all(|(l, _)| !l.contains_key(NAME))
    );
    assert!(
        vector("temp > 25", T)
            .iter()
            .all(|(l, _)| l.contains_key(NAME))
    );
    match instant("2 ^ 3 + 1", T).expect("scalar") {
        Value::Scalar(v) => assert_eq!(v, 9.0),
        other => panic!("{other:?}"),
    }
    match instant("1 > bool 2", T).expect("scalar") {
        Value::Scalar(v) => assert_eq!(v, 0.0),
        other => panic!("{other:?}"),
    }
    // One-to-one on the instance.
    let v = vector("temp / on (instance) info", T);
    assert_eq!(
        v,
        vec![
            (labels(&[("instance", "a")]), 20.0),
            (labels(&[("instance", "b")]), 30.0)
        ]
    );
    // Many-to-one with labels from the one side.
    let v = vector(
        r#"rate(req_total{job="api"}[5m]) * on (instance) group_left (pool) info"#,
        T,
    );
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].0.get("pool").map(String::as_str), Some("infra"));
    assert_eq!(v[0].0.get("job").map(String::as_str), Some("api"));
    // group_right: the right side is the many side.
    let v = vector(
        r#"info * on (instance) group_right (pool) req_total{job="api"}"#,
        T,
    );
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].0.get("pool").map(String::as_str), Some("apps"));
    // ignoring.
    assert_eq!(values("temp - ignoring (room) temp", T), vec![0.0, 0.0]);
    // Duplicates on the one side are an execution error.
    let e = instant("info * on () group_left temp", T).unwrap_err();
    assert_eq!(e.kind, "execution", "{e:?}");
    // Set operators.
    assert_eq!(
        values(r#"temp and on (instance) info{pool="infra"}"#, T),
        vec![20.0]
    );
    assert_eq!(
        values(r#"temp unless on (instance) info{pool="infra"}"#, T),
        vec![30.0]
    );
    assert_eq!(values(r#"count(nothing) or vector(0)"#, T), vec![0.0]);
}

#[test]
fn functions() {
    assert_eq!(values("abs(-temp)", T), vec![20.0, 30.0]);
    assert_eq!(values("ceil(temp / 7)", T), vec![3.0, 5.0]);
    assert_eq!(values("floor(temp / 7)", T), vec![2.0, 4.0]);
    assert_eq!(values("round(temp / 7)", T), vec![3.0, 4.0]);
    assert_eq!(values("round(temp, 8)", T), vec![24.0, 32.0]);
    assert_eq!(values("clamp_min(temp, 25)", T), vec![25.0, 30.0]);
    assert_eq!(values("clamp_max(temp, 25)", T), vec![20.0, 25.0]);
    assert_eq!(values("clamp(temp, 21, 29)", T), vec![21.0, 29.0]);
    match instant("scalar(temp)", T).expect("scalar") {
        Value::Scalar(v) => assert!(v.is_nan(), "two elements: NaN"),
        other => panic!("{other:?}"),
    }
    match instant("time()", T).expect("scalar") {
        Value::Scalar(v) => assert_eq!(v, 600.0),
        other => panic!("{other:?}"),
    }
    assert_eq!(values(r#"vector(scalar(temp{room="x"}))"#, T), vec![20.0]);
    let lr = vector(
        r#"label_replace(temp, "where", "room-$1", "room", "(.*)")"#,
        T,
    );
    assert_eq!(lr[0].0.get("where").map(String::as_str), Some("room-x"));
    assert_eq!(lr[0].0.get(NAME).map(String::as_str), Some("temp"));
    let lj = vector(r#"label_join(temp, "id", "/", "instance", "room")"#, T);
    assert_eq!(lj[0].0.get("id").map(String::as_str), Some("a/x"));
    assert!(values("absent(temp)", T).is_empty());
    assert_eq!(
        vector(r#"absent(nothing{job="x", a=~"y"})"#, T),
        vec![(labels(&[("job", "x")]), 1.0)]
    );
    assert_eq!(values("absent_over_time(nothing[5m])", T), vec![1.0]);
    let hq = values(
        "histogram_quantile(0.75, sum by (le) (rate(lat_bucket[5m])))",
        T,
    );
    assert!(close(hq[0], 0.3), "{hq:?}");
    match instant("sort_desc(temp)", T).expect("vector") {
        Value::Vector(v) => assert_eq!(v[0].v, 30.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn range_queries_step_and_shape() {
    let series = fixture();
    let expr = parse(r#"sum by (job) (rate(req_total[1m]))"#).expect("parses");
    let out = Engine::new(&series, LOOKBACK_MS)
        .range(&expr, 60_000, 300_000, 60_000)
        .expect("range");
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].points.len(), 5);
    assert!(
        out[0].points.iter().all(|p| close(p.1, 3.0)),
        "{:?}",
        out[0]
    );
    let json = matrix_json(&out);
    assert!(
        json.starts_with(r#"[{"metric":{"job":"api"},"values":[[60,""#),
        "{json}"
    );
    // A range vector is not a range query's result.
    let e = Engine::new(&series, LOOKBACK_MS)
        .range(&parse("temp[5m]").expect("parses"), 0, 60_000, 15_000)
        .unwrap_err();
    assert_eq!(e.kind, "bad_data");
    assert!(e.message.contains("range vector"), "{e:?}");
}

#[test]
fn unsupported_is_said() {
    let e = instant("rate(temp[5m:1m])", T).unwrap_err();
    assert_eq!(e.kind, "bad_data");
    assert!(e.message.contains("does not support subqueries"), "{e:?}");
    let e = instant("holt_winters(temp[5m], 0.5, 0.5)", T).unwrap_err();
    assert!(e.message.contains("holt_winters"), "{e:?}");
    let e = parse("sum(").unwrap_err();
    assert_eq!(e.kind, "bad_data");
    let _ = BTreeMap::<String, String>::new();
}

#[test]
fn instant_json_shapes() {
    assert_eq!(
        instant_json(&Value::Scalar(2.5), 1_500),
        r#"{"resultType":"scalar","result":[1.500,"2.5"]}"#
    );
    assert_eq!(
        instant_json(
            &Value::Vector(vec![Elem {
                labels: labels(&[("a", "b")]),
                v: f64::INFINITY
            }]),
            2_000
        ),
        r#"{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[2,"+Inf"]}]}"#
    );
}
