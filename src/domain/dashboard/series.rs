//! Query results as plain data: series with labels and `(t, v)` points, independent of the
//! Prometheus client, so dashboards, widgets and tests work without a server.

use std::collections::BTreeMap;

/// One series: its labels (`__name__` included when Prometheus returns it) and its points,
/// `t` in Unix seconds, sorted by time. `NaN` values are gaps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(f64, f64)>,
}

impl Series {
    pub fn new(labels: &[(&str, &str)], points: Vec<(f64, f64)>) -> Series {
        Series {
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            points,
        }
    }

    /// The last point's value.
    pub fn last(&self) -> Option<f64> {
        self.points.last().map(|p| p.1)
    }

    /// `name{a="1", b="2"}` as Prometheus prints a series.
    pub fn selector(&self) -> String {
        let name = self.labels.get("__name__").cloned().unwrap_or_default();
        let rest: Vec<String> = self
            .labels
            .iter()
            .filter(|(k, _)| k.as_str() != "__name__")
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        if rest.is_empty() {
            if name.is_empty() { "{}".into() } else { name }
        } else {
            format!("{name}{{{}}}", rest.join(", "))
        }
    }
}

/// What a query answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    /// An instant vector: one point per series.
    Vector,
    /// A range vector (range query): many points per series.
    Matrix,
    /// A single number (`1 + 1`, `time()`): one series without labels.
    Scalar,
}

/// A query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub kind: ResultKind,
    pub series: Vec<Series>,
}

impl QueryResult {
    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.points.is_empty())
    }
}
