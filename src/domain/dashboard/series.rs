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

    /// The latest value of each series keyed by one label, for panes that show a metric
    /// beside their own rows: CPU/memory use per node pool (`by
    /// (label_eks_amazonaws_com_nodegroup)`), replication lag per CNPG pod (`by (pod)`).
    /// Series without the label or without a finite value are left out.
    pub(crate) fn latest_by(&self, label: &str) -> BTreeMap<String, f64> {
        self.series
            .iter()
            .filter_map(|s| {
                let key = s.labels.get(label)?;
                let v = s.points.iter().rev().map(|p| p.1).find(|v| v.is_finite())?;
                Some((key.clone(), v))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_by_label() {
        let r = QueryResult {
            kind: ResultKind::Matrix,
            series: vec![
                Series::new(&[("pod", "pg-1")], vec![(1.0, 0.5), (2.0, f64::NAN)]),
                Series::new(&[("pod", "pg-2")], vec![(1.0, 3.0), (2.0, 4.0)]),
                Series::new(&[("node", "x")], vec![(1.0, 9.0)]),
                Series::new(&[("pod", "pg-3")], vec![]),
            ],
        };
        let m = r.latest_by("pod");
        assert_eq!(m.len(), 2);
        assert_eq!((m["pg-1"], m["pg-2"]), (0.5, 4.0));
        assert_eq!(
            Series::new(&[("__name__", "up"), ("job", "a")], vec![]).selector(),
            "up{job=\"a\"}"
        );
    }
}
