//! Aggregation operators: `sum`, `avg`, `min`, `max`, `count`, `group`, `stddev`, `stdvar`,
//! `topk`, `bottomk`, `quantile`, `count_values`, `by` or `without` labels.

use std::collections::BTreeMap;

use promql_parser::parser::{AggregateExpr, LabelModifier};

use super::functions::quantile;
use super::{Elem, Engine, EvalError, Labels, NAME, R, Value};

/// The labels of a sample's group.
fn group_labels(labels: &Labels, modifier: Option<&LabelModifier>) -> Labels {
    match modifier {
        None => Labels::new(),
        Some(LabelModifier::Include(by)) => labels
            .iter()
            .filter(|(k, _)| by.labels.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Some(LabelModifier::Exclude(without)) => labels
            .iter()
            .filter(|(k, _)| k.as_str() != NAME && !without.labels.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// Population mean and variance (Welford), as Prometheus computes `stddev`/`stdvar`.
pub(super) fn mean_var(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut n, mut mean, mut aux) = (0.0, 0.0, 0.0);
    for v in values {
        n += 1.0;
        let delta = v - mean;
        mean += delta / n;
        aux += delta * (v - mean);
    }
    (mean, aux / n)
}

impl Engine<'_> {
    pub(super) fn aggregate(&self, a: &AggregateExpr, t: i64) -> R<Value> {
        let op = a.op.to_string();
        let input = self.vector(&a.expr, t)?;
        let modifier = a.modifier.as_ref();
        // Groups in first-seen order of their labels (BTreeMap: sorted, deterministic).
        let mut groups: BTreeMap<Labels, Vec<Elem>> = BTreeMap::new();
        for e in input {
            groups
                .entry(group_labels(&e.labels, modifier))
                .or_default()
                .push(e);
        }
        let out =
            match op.as_str() {
                "sum" | "avg" | "min" | "max" | "count" | "group" | "stddev" | "stdvar" => groups
                    .into_iter()
                    .map(|(labels, elems)| {
                        let vals = elems.iter().map(|e| e.v);
                        let n = elems.len() as f64;
                        let v =
                            match op.as_str() {
                                "sum" => vals.sum(),
                                "avg" => vals.sum::<f64>() / n,
                                "min" => vals
                                    .fold(f64::NAN, |m, v| if m.is_nan() || v < m { v } else { m }),
                                "max" => vals
                                    .fold(f64::NAN, |m, v| if m.is_nan() || v > m { v } else { m }),
                                "count" => n,
                                "group" => 1.0,
                                "stddev" => mean_var(vals).1.sqrt(),
                                _ => mean_var(vals).1,
                            };
                        Elem { labels, v }
                    })
                    .collect(),
                "topk" | "bottomk" => {
                    let param = a.param.as_ref().ok_or_else(|| {
                        EvalError::bad_data(format!("{op}: a parameter is required"))
                    })?;
                    let k = self.scalar(param, t)?;
                    if k.is_nan() || k >= 9.223_372_036_854_776e18 || k <= -9.223_372_036_854_776e18
                    {
                        return Err(EvalError::execution(format!(
                            "Scalar value {k} overflows int64"
                        )));
                    }
                    let k = k as i64;
                    if k < 1 {
                        return Ok(Value::Vector(vec![]));
                    }
                    let top = op == "topk";
                    let mut out = Vec::new();
                    for (_, mut elems) in groups {
                        // NaN ranks last either way.
                        elems.sort_by(|x, y| {
                            let o = if top {
                                y.v.partial_cmp(&x.v)
                            } else {
                                x.v.partial_cmp(&y.v)
                            };
                            o.unwrap_or_else(|| x.v.is_nan().cmp(&y.v.is_nan()))
                        });
                        out.extend(elems.into_iter().take(k as usize));
                    }
                    out
                }
                "quantile" => {
                    let param = a
                        .param
                        .as_ref()
                        .ok_or_else(|| EvalError::bad_data("quantile: a parameter is required"))?;
                    let q = self.scalar(param, t)?;
                    groups
                        .into_iter()
                        .map(|(labels, elems)| Elem {
                            labels,
                            v: quantile(q, elems.iter().map(|e| e.v).collect()),
                        })
                        .collect()
                }
                "count_values" => {
                    let param = a.param.as_ref().ok_or_else(|| {
                        EvalError::bad_data("count_values: a parameter is required")
                    })?;
                    let label = self.string(param, t)?;
                    let mut counts: BTreeMap<Labels, f64> = BTreeMap::new();
                    for (labels, elems) in groups {
                        for e in elems {
                            let mut l = labels.clone();
                            l.insert(label.clone(), super::format_value(e.v));
                            *counts.entry(l).or_default() += 1.0;
                        }
                    }
                    counts
                        .into_iter()
                        .map(|(labels, v)| Elem { labels, v })
                        .collect()
                }
                other => return Err(EvalError::unsupported(format!("the aggregation {other}()"))),
            };
        Ok(Value::Vector(out))
    }
}
