//! The Prometheus HTTP API subset served from the recording's `prometheus:` section: PromQL
//! evaluated over the recording's raw series ([`eval`] over [`tsdb`]), with Prometheus's
//! own JSON, error types and codes.
//!
//! Served twice on the sandbox's port: under `/prometheus/api/v1/…` (for
//! `--prometheus http://127.0.0.1:PORT/prometheus`) and through the Kubernetes service proxy
//! path `/api/v1/namespaces/NS/services/NAME:PORT/proxy/api/v1/…` of the Services the
//! section lists, as a cluster's own Prometheus is reached. Older recordings' recorded
//! answers (`queries`) still answer their own queries (compared after
//! [`promql::normalize`]); every other query is evaluated, and what the evaluator does not
//! support is a Prometheus-style error saying so.

pub mod api;
pub(crate) mod eval;
pub(crate) mod proxy;

use std::collections::{BTreeMap, HashMap};

use std::sync::Arc;

use axum::Router;
use axum::routing::any;

use super::server::Shared;
use crate::domain::dashboard::promql;
use crate::recording::prometheus::{PromRecording, PromService, Sample, SampleValue, tsdb};

/// Prometheus's default lookback: an instant query sees the latest sample at most this old.
pub(crate) const LOOKBACK_MS: i64 = 5 * 60 * 1000;
/// Prometheus refuses range queries with more points per series than this.
pub(crate) const MAX_POINTS: i64 = 11_000;
/// Reported by `/api/v1/status/buildinfo` when the section names no version.
pub(crate) const DEFAULT_VERSION: &str = "0.0.0";

/// A result series ready to evaluate: absolute times in ms, sorted.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub labels: BTreeMap<String, String>,
    /// `(unix ms, value)`; `None` is a staleness marker.
    pub points: Vec<(i64, Option<f64>)>,
}

impl Compiled {
    /// The value at `t` with Prometheus's lookback: the latest sample in `(t − 5m, t]`,
    /// unless it is a staleness marker.
    pub(crate) fn at(&self, t: i64) -> Option<f64> {
        let i = self.points.partition_point(|p| p.0 <= t);
        let (ts, v) = *self.points.get(i.checked_sub(1)?)?;
        if ts <= t - LOOKBACK_MS {
            return None;
        }
        v
    }
}

/// Everything the API serves, shared by both mounts.
pub struct PromState {
    pub(crate) version: String,
    pub(crate) services: Vec<PromService>,
    /// Bare label sets (no samples), listed by the metadata endpoints only.
    pub(crate) label_sets: Vec<BTreeMap<String, String>>,
    /// Raw series the evaluator reads.
    pub(crate) raw: Vec<tsdb::Series>,
    pub(crate) answers: HashMap<String, Vec<Compiled>>,
    pub(crate) shared: Arc<Shared>,
}

impl PromState {
    /// `base_ms`: the absolute time of offset 0 (`recordedAt` moved by the time shift).
    /// `recording`: its name (kept for the callers' logs).
    pub fn new(rec: PromRecording, recording: &str, base_ms: i64, shared: Arc<Shared>) -> Self {
        tracing::debug!(recording, "prometheus: serving the recording's series");
        let every = rec.scrape_interval();
        let mut label_sets = Vec::new();
        let mut raw = Vec::new();
        for entry in rec.series {
            match entry {
                tsdb::SeriesEntry::Labels(l) => label_sets.push(l),
                // Validated when the recording was loaded.
                tsdb::SeriesEntry::Raw(r) => {
                    if let Ok(s) = tsdb::Series::compile(&r, base_ms, every) {
                        raw.push(s);
                    }
                }
            }
        }
        let answers = rec
            .queries
            .into_iter()
            .map(|q| {
                let series = q
                    .result
                    .into_iter()
                    .map(|s| {
                        let mut points: Vec<(i64, Option<f64>)> = s
                            .samples
                            .iter()
                            .map(|Sample(off, v)| {
                                let t = base_ms + (off * 1000.0).round() as i64;
                                match v {
                                    SampleValue::Value(x) => (t, Some(*x)),
                                    SampleValue::Stale => (t, None),
                                }
                            })
                            .collect();
                        points.sort_by_key(|p| p.0);
                        Compiled {
                            labels: s.metric,
                            points,
                        }
                    })
                    .collect();
                (promql::normalize(&q.query), series)
            })
            .collect();
        PromState {
            version: rec.version.unwrap_or_else(|| DEFAULT_VERSION.to_string()),
            services: rec.services,
            label_sets,
            raw,
            answers,
            shared,
        }
    }
}

/// Routes of both mounts; merged into the sandbox's router (they take precedence over the
/// Kubernetes API's fallback).
pub(crate) fn router(state: Arc<PromState>) -> Router {
    Router::new()
        .route("/prometheus/{*rest}", any(api::direct))
        .route(
            "/api/v1/namespaces/{ns}/services/{svc}/proxy",
            any(proxy::root),
        )
        .route(
            "/api/v1/namespaces/{ns}/services/{svc}/proxy/{*rest}",
            any(proxy::proxied),
        )
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::prometheus::RecordedQuery;

    fn compiled(points: &[(i64, Option<f64>)]) -> Compiled {
        Compiled {
            labels: BTreeMap::new(),
            points: points.to_vec(),
        }
    }

    #[test]
    fn lookback_and_staleness() {
        let s = compiled(&[(0, Some(1.0)), (60_000, Some(2.0)), (120_000, None)]);
        assert_eq!(s.at(-1), None);
        assert_eq!(s.at(0), Some(1.0));
        assert_eq!(s.at(59_999), Some(1.0));
        assert_eq!(s.at(60_000), Some(2.0));
        assert_eq!(s.at(119_000), Some(2.0));
        assert_eq!(s.at(120_000), None, "stale marker ends the series");
        let s = compiled(&[(0, Some(1.0))]);
        assert_eq!(s.at(LOOKBACK_MS - 1), Some(1.0));
        assert_eq!(s.at(LOOKBACK_MS), None, "lookback is (t - 5m, t]");
    }

    #[test]
    fn section_parses_compactly_and_validates() {
        let text = r#"
version: 3.7.3
services:
  - {namespace: monitoring, name: prometheus-operated, port: http-web}
series:
  - {__name__: up, job: node}
queries:
  - query: 'sum by (node) (rate(x[5m]))'
    result:
      - metric: {node: n1}
        samples: [[-60, 0.5], [0, 1], [30, "+Inf"], [60, stale]]
"#;
        let rec: PromRecording = serde_saphyr::from_str(text).expect("parses");
        rec.validate().expect("valid");
        let s = &rec.queries[0].result[0].samples;
        assert_eq!(s[0], Sample(-60.0, SampleValue::Value(0.5)));
        assert_eq!(s[2].1, SampleValue::Value(f64::INFINITY));
        assert_eq!(s[3].1, SampleValue::Stale);
        let mut dup = rec.clone();
        dup.queries.push(RecordedQuery {
            query: "sum by(node)(rate(x[1m]))".into(),
            result: vec![],
        });
        let (at, msg) = dup.validate().unwrap_err();
        assert_eq!(at, "prometheus.queries[1].query");
        assert!(msg.contains("queries[0]"), "{msg}");
        let bad = text.replace("stale]", "later]");
        let err = serde_saphyr::from_str::<PromRecording>(&bad).unwrap_err();
        assert!(err.to_string().contains("later"), "{err}");
        let unknown = text.replace("version:", "versoin:");
        let err = serde_saphyr::from_str::<PromRecording>(&unknown).unwrap_err();
        assert!(err.to_string().contains("versoin"), "{err}");
    }
}
