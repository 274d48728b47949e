//! The `prometheus:` section `opsdeck record` writes when a Prometheus is configured: at the
//! end of a clean stop, the raw samples over [start − 1h, end] of every metric the built-in
//! dashboards and the panes read (each fetched as a range selector `{__name__="m"}[…]`, so
//! the samples are Prometheus's own, not resampled), with a staleness marker where a series
//! stops. The sandbox evaluates any PromQL over them.

use std::collections::BTreeSet;
use std::time::Duration;

use jiff::Timestamp;
use promql_parser::parser::Expr;

use crate::domain::dashboard::promql;
use crate::recording::prometheus::tsdb::{RawSample, RawSeries, SeriesEntry};
use crate::recording::prometheus::{PromService, Sample, SampleValue};
use crate::sources::prometheus::PromClient;

/// History recorded before the recording started.
pub const HISTORY: Duration = Duration::from_secs(3600);

/// What the capture got.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Captured {
    /// Raw series with their samples.
    pub series: Vec<SeriesEntry>,
    /// Seconds between the samples of the runs (the interval most series are scraped at).
    pub(crate) scrape_interval: Option<f64>,
    /// Metrics whose samples could not be read, with Prometheus's reason (not recorded).
    pub failed: Vec<String>,
}

/// Metric names the built-in dashboards, their variables and the panes select.
pub fn builtin_metrics() -> Vec<String> {
    fn walk(e: &Expr, out: &mut BTreeSet<String>) {
        match e {
            Expr::VectorSelector(vs) => {
                if let Some(n) = &vs.name {
                    out.insert(n.clone());
                }
            }
            Expr::MatrixSelector(ms) => {
                if let Some(n) = &ms.vs.name {
                    out.insert(n.clone());
                }
            }
            Expr::Aggregate(a) => {
                walk(&a.expr, out);
                if let Some(p) = &a.param {
                    walk(p, out);
                }
            }
            Expr::Unary(u) => walk(&u.expr, out),
            Expr::Binary(b) => {
                walk(&b.lhs, out);
                walk(&b.rhs, out);
            }
            Expr::Paren(p) => walk(&p.expr, out),
            Expr::Subquery(s) => walk(&s.expr, out),
            Expr::Call(c) => c.args.args.iter().for_each(|a| walk(a, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for q in promql::builtin_queries(Duration::from_secs(60)) {
        if let Ok(e) = promql_parser::parser::parse(&q) {
            walk(&e, &mut out);
        }
    }
    out.extend(promql::builtin_label_values().into_iter().map(|(m, _)| m));
    out.into_iter().collect()
}

/// Merges samples exactly `every` seconds apart whose values change by the same delta into
/// runs `[offset, value, count, delta]` (a steady counter or an unchanged gauge).
fn compress(samples: Vec<RawSample>, every: f64) -> Vec<RawSample> {
    let mut out: Vec<RawSample> = Vec::with_capacity(samples.len());
    for s in samples {
        let RawSample::One(Sample(t, SampleValue::Value(v))) = s else {
            out.push(s);
            continue;
        };
        let merged = match out.last().copied() {
            Some(RawSample::Run(t0, v0, n, dv)) => {
                let next_t = t0 + every * f64::from(n);
                (t - next_t).abs() < 1e-6 && v == v0 + dv * f64::from(n)
            }
            Some(RawSample::One(Sample(t0, SampleValue::Value(v0)))) => {
                (t - t0 - every).abs() < 1e-6 && v0 + (v - v0) == v
            }
            _ => false,
        };
        match (merged, out.last_mut()) {
            (true, Some(RawSample::Run(_, _, n, _))) => *n += 1,
            (true, Some(last)) => {
                if let RawSample::One(Sample(t0, SampleValue::Value(v0))) = *last {
                    *last = RawSample::Run(t0, v0, 2, v - v0);
                }
            }
            _ => out.push(s),
        }
    }
    out
}

/// The interval most series are scraped at (their median spacing), in seconds.
fn common_interval(series: &[Vec<(f64, f64)>]) -> Option<f64> {
    let mut counts: std::collections::BTreeMap<i64, usize> = Default::default();
    for points in series {
        let mut gaps: Vec<i64> = points
            .windows(2)
            .map(|w| ((w[1].0 - w[0].0) * 1000.0).round() as i64)
            .collect();
        gaps.sort_unstable();
        if let Some(g) = gaps.get(gaps.len() / 2).filter(|g| **g > 0) {
            *counts.entry(*g).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(g, n)| (*n, -*g))
        .map(|(g, _)| g as f64 / 1000.0)
}

/// Raw points into samples relative to `recorded_at`, with a staleness marker one typical
/// interval after a series' last point wherever it stops (a gap of more than twice the
/// median interval, or before `end`), so the sandbox's 5-minute lookback does not stretch it.
fn to_samples(points: &[(f64, f64)], recorded_at: f64, end: f64) -> Vec<RawSample> {
    let mut gaps: Vec<f64> = points.windows(2).map(|w| w[1].0 - w[0].0).collect();
    gaps.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let interval = gaps.get(gaps.len() / 2).copied().unwrap_or(60.0).max(1.0);
    let mut out = Vec::with_capacity(points.len() + 1);
    for (i, &(t, v)) in points.iter().enumerate() {
        out.push(RawSample::One(Sample(
            round_ms(t - recorded_at),
            SampleValue::Value(v),
        )));
        let next = points.get(i + 1).map(|p| p.0).unwrap_or(f64::INFINITY);
        if next - t > interval * 2.0 && t + interval * 2.0 <= end {
            out.push(RawSample::One(Sample(
                round_ms(t + interval - recorded_at),
                SampleValue::Stale,
            )));
        }
    }
    out
}

fn round_ms(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

/// Reads the raw samples of the built-in metrics from `client`.
pub async fn capture(client: &PromClient, recorded_at: Timestamp, end: Timestamp) -> Captured {
    let mut out = Captured::default();
    let start = recorded_at - jiff::SignedDuration::from_secs(HISTORY.as_secs() as i64);
    let window = (end.as_second() - start.as_second()).max(1);
    let base = recorded_at.as_millisecond() as f64 / 1000.0;
    let end_s = end.as_millisecond() as f64 / 1000.0;
    let mut raw = Vec::new();
    for metric in builtin_metrics() {
        let query = format!("{{__name__=\"{metric}\"}}[{window}s]");
        match client.instant(&query, Some(end)).await {
            Ok(result) => raw.extend(result.series.into_iter().filter(|s| !s.points.is_empty())),
            Err(e) => out.failed.push(format!("{metric}: {e}")),
        }
    }
    let points: Vec<Vec<(f64, f64)>> = raw.iter().map(|s| s.points.clone()).collect();
    out.scrape_interval = common_interval(&points);
    out.series = raw
        .into_iter()
        .map(|s| {
            let samples = to_samples(&s.points, base, end_s);
            SeriesEntry::Raw(RawSeries {
                samples: match out.scrape_interval {
                    Some(every) => compress(samples, every),
                    None => samples,
                },
                metric: s.labels,
            })
        })
        .collect();
    out
}

/// Services of the recorded objects through which the cluster's Prometheus is reached:
/// `prometheus-operated`, or a Service named like Prometheus with a web port.
pub(crate) fn prometheus_services(services: &[serde_json::Value]) -> Vec<PromService> {
    let typed: Vec<k8s_openapi::api::core::v1::Service> = services
        .iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect();
    crate::sources::prometheus::discover::candidates(&typed)
        .into_iter()
        .map(|s| PromService {
            namespace: s.namespace,
            name: s.name,
            port: s.port,
        })
        .collect()
}

/// The section's YAML text (`prometheus:` and what follows), compact: JSON flow lines, a
/// line of labels and a line of samples per series.
pub fn render(captured: &Captured, services: &[PromService]) -> String {
    let mut out = String::from("prometheus:\n");
    if let Some(every) = captured.scrape_interval {
        out.push_str(&format!("  scrapeInterval: {every}\n"));
    }
    out.push_str("  services:");
    if services.is_empty() {
        out.push_str(" []\n");
    } else {
        out.push('\n');
        for s in services {
            out.push_str(&format!("    - {}\n", j(s)));
        }
    }
    out.push_str("  series:");
    if captured.series.is_empty() {
        out.push_str(" []\n");
        return out;
    }
    out.push('\n');
    for s in &captured.series {
        match s {
            SeriesEntry::Raw(r) => {
                out.push_str(&format!("    - metric: {}\n", j(&r.metric)));
                out.push_str(&format!("      samples: {}\n", j(&r.samples)));
            }
            SeriesEntry::Labels(l) => out.push_str(&format!("    - {}\n", j(l))),
        }
    }
    out
}

/// JSON text (JSON is YAML).
fn j<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_get_staleness_markers() {
        let pts = [
            (100.0, 1.0),
            (115.0, 2.0),
            (130.0, 3.0),
            (400.0, 4.0),
            (415.0, 5.0),
        ];
        let s = to_samples(&pts, 100.0, 520.0);
        let stale: Vec<f64> = s
            .iter()
            .filter_map(|p| match p {
                RawSample::One(Sample(t, SampleValue::Stale)) => Some(*t),
                _ => None,
            })
            .collect();
        assert_eq!(stale, vec![45.0, 330.0], "{s:?}");
        assert_eq!(s[0], RawSample::One(Sample(0.0, SampleValue::Value(1.0))));
        // A series that lasts until the end gets no marker.
        let s = to_samples(&[(100.0, 1.0), (115.0, 2.0)], 0.0, 120.0);
        assert!(
            s.iter()
                .all(|p| !matches!(p, RawSample::One(Sample(_, SampleValue::Stale))))
        );
    }

    #[test]
    fn steady_samples_become_runs() {
        let one = |t: f64, v: f64| RawSample::One(Sample(t, SampleValue::Value(v)));
        let samples = vec![
            one(0.0, 1.0),
            one(15.0, 3.0),
            one(30.0, 5.0),
            one(45.0, 7.0),
            one(61.0, 9.0),
            RawSample::One(Sample(76.0, SampleValue::Stale)),
        ];
        let c = compress(samples, 15.0);
        assert_eq!(
            c,
            vec![
                RawSample::Run(0.0, 1.0, 4, 2.0),
                one(61.0, 9.0),
                RawSample::One(Sample(76.0, SampleValue::Stale)),
            ]
        );
        let every = common_interval(&[
            vec![(0.0, 1.0), (15.0, 1.0), (30.0, 1.0)],
            vec![(0.0, 1.0), (15.0, 1.0)],
            vec![(0.0, 1.0), (30.0, 1.0)],
        ]);
        assert_eq!(every, Some(15.0));
    }

    #[test]
    fn builtin_metrics_cover_dashboards_and_panes() {
        let m = builtin_metrics();
        for want in [
            "node_cpu_seconds_total",
            "kube_node_labels",
            "container_cpu_usage_seconds_total",
            "cnpg_collector_up",
            "argocd_app_reconcile_bucket",
        ] {
            assert!(m.iter().any(|x| x == want), "{want} missing from {m:?}");
        }
    }

    #[test]
    fn rendered_section_parses_back() {
        let captured = Captured {
            series: vec![SeriesEntry::Raw(RawSeries {
                metric: [("__name__".to_string(), "up".to_string())]
                    .into_iter()
                    .collect(),
                samples: vec![
                    RawSample::One(Sample(-60.0, SampleValue::Value(0.5))),
                    RawSample::One(Sample(0.0, SampleValue::Value(f64::NAN))),
                    RawSample::One(Sample(60.0, SampleValue::Stale)),
                ],
            })],
            scrape_interval: Some(15.0),
            failed: vec![],
        };
        let services = [PromService {
            namespace: "monitoring".into(),
            name: "prometheus-operated".into(),
            port: "http-web".into(),
        }];
        let text = render(&captured, &services);
        #[derive(serde::Deserialize)]
        struct Doc {
            prometheus: crate::recording::prometheus::PromRecording,
        }
        let doc: Doc = serde_saphyr::from_str(&text).expect(&text);
        assert_eq!(doc.prometheus.services, services);
        doc.prometheus.validate().expect("valid");
        let SeriesEntry::Raw(r) = &doc.prometheus.series[0] else {
            panic!("raw series expected");
        };
        assert_eq!(
            r.samples[2],
            RawSample::One(Sample(60.0, SampleValue::Stale))
        );
        assert!(matches!(
            r.samples[1],
            RawSample::One(Sample(_, SampleValue::Value(v))) if v.is_nan()
        ));
    }
}
