//! The `prometheus:` section of a recording: raw series the sandbox evaluates PromQL over
//! ([`tsdb`] decodes them), the Services it is reached through, and (older recordings)
//! recorded answers.

pub mod tsdb;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::domain::dashboard::promql;

/// The `prometheus:` section of a recording.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PromRecording {
    /// Version reported by `/api/v1/status/buildinfo` (`3.7.3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Services through which the in-cluster Prometheus is reached (service proxy).
    #[serde(default)]
    pub services: Vec<PromService>,
    /// Seconds between the samples of a run (`[offset, value, count, delta]`); default 15.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrape_interval: Option<f64>,
    /// Raw series (labels and samples) the sandbox evaluates PromQL over; bare label sets
    /// (older recordings) only answer `/api/v1/series`, `/labels` and `/label/NAME/values`.
    #[serde(default)]
    pub series: Vec<tsdb::SeriesEntry>,
    /// Recorded answers, one per query (older recordings; answered before evaluating).
    #[serde(default)]
    pub queries: Vec<RecordedQuery>,
}

/// A Service in front of Prometheus: `namespace/name`, and the service port (its name, or
/// its number when unnamed) the proxy path must name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PromService {
    pub namespace: String,
    pub name: String,
    pub port: String,
}

/// One recorded query and its result series.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecordedQuery {
    pub query: String,
    #[serde(default)]
    pub result: Vec<RecordedSeries>,
}

/// A result series: labels and samples `[offset, value]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecordedSeries {
    #[serde(default)]
    pub metric: BTreeMap<String, String>,
    pub samples: Vec<Sample>,
}

/// `[offset, value]`: seconds from `metadata.recordedAt` (negative before it), and the
/// value (a number, `NaN`, `+Inf`, `-Inf`, or `stale`: the series ends there).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Sample(pub f64, pub SampleValue);

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleValue {
    Value(f64),
    /// A staleness marker: the series disappeared at this time.
    Stale,
}

impl Serialize for SampleValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SampleValue::Value(v) if v.is_finite() => s.serialize_f64(*v),
            SampleValue::Value(v) => s.serialize_str(&format_value(*v)),
            SampleValue::Stale => s.serialize_str("stale"),
        }
    }
}

impl<'de> Deserialize<'de> for SampleValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SampleValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, NaN, +Inf, -Inf or stale")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<SampleValue, E> {
                Ok(SampleValue::Value(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SampleValue, E> {
                Ok(SampleValue::Value(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SampleValue, E> {
                Ok(SampleValue::Value(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SampleValue, E> {
                match v {
                    "stale" => Ok(SampleValue::Stale),
                    "NaN" => Ok(SampleValue::Value(f64::NAN)),
                    "+Inf" | "Inf" => Ok(SampleValue::Value(f64::INFINITY)),
                    "-Inf" => Ok(SampleValue::Value(f64::NEG_INFINITY)),
                    other => other.parse::<f64>().map(SampleValue::Value).map_err(|_| {
                        E::custom(format!(
                            "sample value {other:?}: expected a number, NaN, +Inf, -Inf or stale"
                        ))
                    }),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl PromRecording {
    /// Seconds between the samples of a run.
    pub(crate) fn scrape_interval(&self) -> f64 {
        self.scrape_interval
            .unwrap_or(tsdb::DEFAULT_SCRAPE_INTERVAL_S)
    }

    /// Checks what serde cannot; errors name the entry (`prometheus.queries[3].query`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (i, s) in self.services.iter().enumerate() {
            for (field, v) in [
                ("namespace", &s.namespace),
                ("name", &s.name),
                ("port", &s.port),
            ] {
                if v.trim().is_empty() {
                    return Err((
                        format!("prometheus.services[{i}].{field}"),
                        "required".into(),
                    ));
                }
            }
        }
        let every = self.scrape_interval();
        if !(every > 0.0 && every.is_finite()) {
            return Err((
                "prometheus.scrapeInterval".into(),
                "must be a positive number of seconds".into(),
            ));
        }
        for (i, s) in self.series.iter().enumerate() {
            if let tsdb::SeriesEntry::Raw(raw) = s {
                if raw.metric.get("__name__").is_none_or(|n| n.is_empty()) {
                    return Err((
                        format!("prometheus.series[{i}].metric"),
                        "a raw series needs a __name__ label".into(),
                    ));
                }
                if let Err((j, msg)) = tsdb::Series::compile(raw, 0, every) {
                    return Err((format!("prometheus.series[{i}].samples[{j}]"), msg));
                }
            }
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, q) in self.queries.iter().enumerate() {
            let at = format!("prometheus.queries[{i}].query");
            if q.query.trim().is_empty() {
                return Err((at, "required".into()));
            }
            if let Err(e) = promql::check_syntax(&q.query) {
                return Err((at, format!("not a valid query: {e}")));
            }
            if let Some(first) = seen.insert(promql::normalize(&q.query), i) {
                return Err((
                    at,
                    format!(
                        "the same query as prometheus.queries[{first}] (queries are compared without spacing and range durations)"
                    ),
                ));
            }
            for (j, s) in q.result.iter().enumerate() {
                if s.samples.iter().any(|p| !p.0.is_finite()) {
                    return Err((
                        format!("prometheus.queries[{i}].result[{j}].samples"),
                        "sample offsets must be finite numbers of seconds".into(),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Prometheus's text for a sample value (Go's `FormatFloat(v, 'f', -1, 64)`).
pub(crate) fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}
