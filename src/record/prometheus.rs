//! The `prometheus:` section `opsdeck record` writes when a Prometheus is configured: at the
//! end of a clean stop, the answers of the built-in dashboards (variables at their
//! defaults) and of the panes' queries as range queries over [start − 1h, end] every 60 s,
//! plus the values of the dashboards' `label_values(metric, label)` variables.

use std::time::Duration;

use jiff::Timestamp;

use crate::domain::dashboard::promql;
use crate::sandbox::prometheus::{PromService, RecordedQuery, RecordedSeries, Sample, SampleValue};
use crate::sources::prometheus::PromClient;

/// Resolution of the recorded answers.
pub const STEP: Duration = Duration::from_secs(60);
/// History recorded before the recording started.
pub const HISTORY: Duration = Duration::from_secs(3600);

/// What the capture got.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Captured {
    pub queries: Vec<RecordedQuery>,
    pub series: Vec<std::collections::BTreeMap<String, String>>,
    /// Queries or variables that failed, with Prometheus's reason (not recorded).
    pub failed: Vec<String>,
}

/// Turns range-query points into samples relative to `recorded_at`, with a staleness
/// marker one step after a series' last point wherever it stops before `end` (so the
/// sandbox's 5-minute lookback does not stretch it).
fn to_samples(points: &[(f64, f64)], recorded_at: f64, end: f64, step: f64) -> Vec<Sample> {
    let mut out = Vec::with_capacity(points.len() + 1);
    for (i, &(t, v)) in points.iter().enumerate() {
        out.push(Sample(round_ms(t - recorded_at), SampleValue::Value(v)));
        let next = points.get(i + 1).map(|p| p.0).unwrap_or(f64::INFINITY);
        if next - t > step * 1.5 && t + step <= end {
            out.push(Sample(round_ms(t + step - recorded_at), SampleValue::Stale));
        }
    }
    out
}

fn round_ms(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

/// Runs the queries and label lookups against `client`.
pub async fn capture(client: &PromClient, recorded_at: Timestamp, end: Timestamp) -> Captured {
    let mut out = Captured::default();
    let start = recorded_at - jiff::SignedDuration::from_secs(HISTORY.as_secs() as i64);
    let mut seen = std::collections::HashSet::new();
    let base = recorded_at.as_millisecond() as f64 / 1000.0;
    let end_s = end.as_millisecond() as f64 / 1000.0;
    for query in promql::builtin_queries(STEP) {
        if !seen.insert(promql::normalize(&query)) {
            continue;
        }
        match client.range(&query, start, end, STEP).await {
            Ok(result) => out.queries.push(RecordedQuery {
                query,
                result: result
                    .series
                    .into_iter()
                    .map(|s| RecordedSeries {
                        samples: to_samples(&s.points, base, end_s, STEP.as_secs_f64()),
                        metric: s.labels,
                    })
                    .filter(|s| !s.samples.is_empty())
                    .collect(),
            }),
            Err(e) => out.failed.push(format!("{query}: {e}")),
        }
    }
    for (metric, label) in promql::builtin_label_values() {
        match client
            .label_values_matching(&label, std::slice::from_ref(&metric))
            .await
        {
            // Only the labels the variable reads: enough for /label/LABEL/values?match[]=metric.
            Ok(values) => out.series.extend(values.into_iter().map(|v| {
                [("__name__".to_string(), metric.clone()), (label.clone(), v)]
                    .into_iter()
                    .collect()
            })),
            Err(e) => out
                .failed
                .push(format!("label_values({metric}, {label}): {e}")),
        }
    }
    out
}

/// Services of the recorded objects through which the cluster's Prometheus is reached:
/// `prometheus-operated`, or a Service named like Prometheus with a web port.
pub fn prometheus_services(services: &[serde_json::Value]) -> Vec<PromService> {
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

/// The section's YAML text (`prometheus:` and what follows), compact: JSON flow lines, one
/// per series.
pub fn render(captured: &Captured, services: &[PromService]) -> String {
    let mut out = String::from("prometheus:\n");
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
    } else {
        out.push('\n');
        for s in &captured.series {
            out.push_str(&format!("    - {}\n", j(s)));
        }
    }
    out.push_str("  queries:");
    if captured.queries.is_empty() {
        out.push_str(" []\n");
        return out;
    }
    out.push('\n');
    for q in &captured.queries {
        out.push_str(&format!("    - query: {}\n", j(&q.query)));
        if q.result.is_empty() {
            out.push_str("      result: []\n");
            continue;
        }
        out.push_str("      result:\n");
        for s in &q.result {
            out.push_str(&format!("        - metric: {}\n", j(&s.metric)));
            out.push_str(&format!("          samples: {}\n", j(&s.samples)));
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
        let pts = [(100.0, 1.0), (160.0, 2.0), (340.0, 3.0), (400.0, 4.0)];
        let s = to_samples(&pts, 100.0, 520.0, 60.0);
        let stale: Vec<f64> = s
            .iter()
            .filter(|p| p.1 == SampleValue::Stale)
            .map(|p| p.0)
            .collect();
        assert_eq!(stale, vec![120.0, 360.0]);
        assert_eq!(s[0], Sample(0.0, SampleValue::Value(1.0)));
        // A series that lasts until the end gets no marker.
        let s = to_samples(&[(100.0, 1.0), (160.0, 2.0)], 0.0, 200.0, 60.0);
        assert!(s.iter().all(|p| p.1 != SampleValue::Stale));
    }

    #[test]
    fn rendered_section_parses_back() {
        let captured = Captured {
            queries: vec![RecordedQuery {
                query: r#"sum by (node) (rate(x{a="b"}[5m]))"#.into(),
                result: vec![RecordedSeries {
                    metric: [("node".to_string(), "n1".to_string())]
                        .into_iter()
                        .collect(),
                    samples: vec![
                        Sample(-60.0, SampleValue::Value(0.5)),
                        Sample(0.0, SampleValue::Value(f64::NAN)),
                        Sample(60.0, SampleValue::Stale),
                    ],
                }],
            }],
            series: vec![
                [("__name__".to_string(), "up".to_string())]
                    .into_iter()
                    .collect(),
            ],
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
            prometheus: crate::sandbox::prometheus::PromRecording,
        }
        let doc: Doc = serde_saphyr::from_str(&text).expect(&text);
        assert_eq!(doc.prometheus.services, services);
        assert_eq!(doc.prometheus.queries[0].query, captured.queries[0].query);
        let samples = &doc.prometheus.queries[0].result[0].samples;
        assert_eq!(samples[2].1, SampleValue::Stale);
        assert!(matches!(samples[1].1, SampleValue::Value(v) if v.is_nan()));
    }
}
