//! Function calls: range functions (`rate`, `irate`, `increase`, `delta`, `idelta`, `deriv`,
//! `predict_linear`, `changes`, `resets`, `*_over_time`), math on instant vectors, `scalar`,
//! `vector`, `time`, `label_replace`, `label_join`, `absent`, `absent_over_time`, `sort`,
//! `sort_desc`, `histogram_quantile`.

use promql_parser::parser::{Call, Expr};

use super::aggregate::mean_var;
use super::{Elem, Engine, EvalError, Labels, NAME, R, Ranged, Value, absent_labels};

const RANGE_FUNCTIONS: &[&str] = &[
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "deriv",
    "predict_linear",
    "changes",
    "resets",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "last_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "present_over_time",
    "quantile_over_time",
];

const MATH: &[&str] = &[
    "abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sgn", "deg", "rad", "sin",
    "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
];

/// Prometheus's `quantile` (linear interpolation between closest ranks).
pub(super) fn quantile(q: f64, mut values: Vec<f64>) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

/// Prometheus's `extrapolatedRate` for `rate`, `increase` and `delta`.
fn extrapolated(
    points: &[(i64, f64)],
    range_start: i64,
    range_end: i64,
    counter: bool,
    rate: bool,
    range_s: f64,
) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let (first_t, first_v) = points[0];
    let (last_t, last_v) = points[points.len() - 1];
    let mut result = last_v - first_v;
    if counter {
        let mut prev = 0.0;
        for &(_, v) in points {
            if v < prev {
                result += prev;
            }
            prev = v;
        }
    }
    let mut to_start = (first_t - range_start) as f64 / 1000.0;
    let mut to_end = (range_end - last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let avg_between = sampled / (points.len() - 1) as f64;
    let threshold = avg_between * 1.1;
    if to_start >= threshold {
        to_start = avg_between / 2.0;
    }
    if counter && result > 0.0 && first_v >= 0.0 {
        let to_zero = sampled * (first_v / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = avg_between / 2.0;
    }
    let mut factor = (sampled + to_start + to_end) / sampled;
    if rate {
        factor /= range_s;
    }
    Some(result * factor)
}

/// Least-squares slope and intercept at `intercept_t` (Prometheus's `linearRegression`).
fn regression(points: &[(i64, f64)], intercept_t: i64) -> (f64, f64) {
    let (mut n, mut sx, mut sy, mut sxy, mut sx2) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let first = points[0].1;
    let constant = points.iter().all(|p| p.1 == first);
    for &(t, v) in points {
        let x = (t - intercept_t) as f64 / 1000.0;
        n += 1.0;
        sx += x;
        sy += v;
        sxy += x * v;
        sx2 += x * x;
    }
    if constant {
        return (0.0, first);
    }
    let cov = sxy - sx * sy / n;
    let var = sx2 - sx * sx / n;
    let slope = cov / var;
    (slope, sy / n - slope * sx / n)
}

/// Prometheus's `bucketQuantile` over `(upper bound, cumulative count)` buckets.
fn bucket_quantile(q: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    if buckets.last().is_none_or(|b| b.0 != f64::INFINITY) {
        return f64::NAN;
    }
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for b in buckets {
        match merged.last_mut() {
            Some(last) if last.0 == b.0 => last.1 += b.1,
            _ => merged.push(b),
        }
    }
    let mut max = f64::NEG_INFINITY;
    for b in &mut merged {
        if b.1 > max {
            max = b.1;
        } else {
            b.1 = max;
        }
    }
    if merged.len() < 2 {
        return f64::NAN;
    }
    let observations = merged[merged.len() - 1].1;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let last = merged.len() - 1;
    let b = merged[..last].partition_point(|x| x.1 < rank);
    if b == last {
        return merged[last - 1].0;
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let (mut start, end, mut count) = (0.0, merged[b].0, merged[b].1);
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

fn parse_le(s: &str) -> Option<f64> {
    match s.trim() {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

fn math(name: &str, v: f64) -> f64 {
    match name {
        "abs" => v.abs(),
        "ceil" => v.ceil(),
        "floor" => v.floor(),
        "exp" => v.exp(),
        "sqrt" => v.sqrt(),
        "ln" => v.ln(),
        "log2" => v.log2(),
        "log10" => v.log10(),
        "sgn" => {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                v
            }
        }
        "deg" => v.to_degrees(),
        "rad" => v.to_radians(),
        "sin" => v.sin(),
        "cos" => v.cos(),
        "tan" => v.tan(),
        "asin" => v.asin(),
        "acos" => v.acos(),
        "atan" => v.atan(),
        "sinh" => v.sinh(),
        "cosh" => v.cosh(),
        "tanh" => v.tanh(),
        "asinh" => v.asinh(),
        "acosh" => v.acosh(),
        _ => v.atanh(),
    }
}

fn map_drop_name(v: Vec<Elem>, f: impl Fn(f64) -> f64) -> Vec<Elem> {
    v.into_iter()
        .map(|mut e| {
            e.labels.remove(NAME);
            e.v = f(e.v);
            e
        })
        .collect()
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Engine<'_> {
    fn arg<'e>(&self, c: &'e Call, i: usize) -> R<&'e Expr> {
        c.args.args.get(i).map(|b| b.as_ref()).ok_or_else(|| {
            EvalError::bad_data(format!("{}: missing argument {}", c.func.name, i + 1))
        })
    }

    pub(super) fn call(&self, c: &Call, t: i64) -> R<Value> {
        let name = c.func.name;
        if RANGE_FUNCTIONS.contains(&name) {
            return self.range_function(c, t).map(Value::Vector);
        }
        if MATH.contains(&name) {
            let v = self.vector(self.arg(c, 0)?, t)?;
            return Ok(Value::Vector(map_drop_name(v, |x| math(name, x))));
        }
        Ok(match name {
            "time" => Value::Scalar(t as f64 / 1000.0),
            "pi" => Value::Scalar(std::f64::consts::PI),
            "vector" => Value::Vector(vec![Elem {
                labels: Labels::new(),
                v: self.scalar(self.arg(c, 0)?, t)?,
            }]),
            "scalar" => {
                let v = self.vector(self.arg(c, 0)?, t)?;
                Value::Scalar(if v.len() == 1 { v[0].v } else { f64::NAN })
            }
            "round" => {
                let v = self.vector(self.arg(c, 0)?, t)?;
                let to = match c.args.args.get(1) {
                    Some(e) => self.scalar(e, t)?,
                    None => 1.0,
                };
                let inv = 1.0 / to;
                Value::Vector(map_drop_name(v, |x| (x * inv + 0.5).floor() / inv))
            }
            "clamp" => {
                let v = self.vector(self.arg(c, 0)?, t)?;
                let lo = self.scalar(self.arg(c, 1)?, t)?;
                let hi = self.scalar(self.arg(c, 2)?, t)?;
                if hi < lo {
                    Value::Vector(vec![])
                } else {
                    Value::Vector(map_drop_name(v, |x| x.max(lo).min(hi)))
                }
            }
            "clamp_min" | "clamp_max" => {
                let v = self.vector(self.arg(c, 0)?, t)?;
                let b = self.scalar(self.arg(c, 1)?, t)?;
                let min = name == "clamp_min";
                Value::Vector(map_drop_name(v, |x| {
                    if x.is_nan() || b.is_nan() {
                        f64::NAN
                    } else if min {
                        x.max(b)
                    } else {
                        x.min(b)
                    }
                }))
            }
            "sort" | "sort_desc" => {
                let mut v = self.vector(self.arg(c, 0)?, t)?;
                let desc = name == "sort_desc";
                v.sort_by(|a, b| {
                    let o = if desc {
                        b.v.partial_cmp(&a.v)
                    } else {
                        a.v.partial_cmp(&b.v)
                    };
                    o.unwrap_or_else(|| a.v.is_nan().cmp(&b.v.is_nan()))
                });
                Value::Vector(v)
            }
            "absent" => {
                let arg = self.arg(c, 0)?;
                let v = self.vector(arg, t)?;
                Value::Vector(if v.is_empty() {
                    vec![Elem {
                        labels: absent_labels(arg),
                        v: 1.0,
                    }]
                } else {
                    vec![]
                })
            }
            "absent_over_time" => {
                let arg = self.arg(c, 0)?;
                let m = self.matrix(arg, t)?;
                Value::Vector(if m.is_empty() {
                    vec![Elem {
                        labels: absent_labels(arg),
                        v: 1.0,
                    }]
                } else {
                    vec![]
                })
            }
            "label_replace" => Value::Vector(self.label_replace(c, t)?),
            "label_join" => Value::Vector(self.label_join(c, t)?),
            "histogram_quantile" => Value::Vector(self.histogram_quantile(c, t)?),
            other => return Err(EvalError::unsupported(format!("the function {other}()"))),
        })
    }

    fn matrix(&self, e: &Expr, t: i64) -> R<Vec<Ranged>> {
        match self.eval(e, t)? {
            Value::Matrix(m) => Ok(m),
            other => Err(EvalError::bad_data(format!(
                "expected a range vector, got {:?}",
                other.type_name()
            ))),
        }
    }

    fn range_function(&self, c: &Call, t: i64) -> R<Vec<Elem>> {
        let name = c.func.name;
        let (matrix_arg, param) = match name {
            "quantile_over_time" => (self.arg(c, 1)?, Some(self.scalar(self.arg(c, 0)?, t)?)),
            "predict_linear" => (self.arg(c, 0)?, Some(self.scalar(self.arg(c, 1)?, t)?)),
            _ => (self.arg(c, 0)?, None),
        };
        let ms = match matrix_arg {
            Expr::MatrixSelector(ms) => ms,
            Expr::Subquery(_) => {
                return Err(EvalError::unsupported("subqueries (`expr[range:step]`)"));
            }
            _ => {
                return Err(EvalError::unsupported(format!(
                    "{name}() over anything but a range selector"
                )));
            }
        };
        let range = ms.range.as_millis() as i64;
        let at = self.selector_time(&ms.vs, t);
        let range_s = range as f64 / 1000.0;
        let mut out = Vec::new();
        for s in self.select_range(&ms.vs, t, range) {
            let p = &s.points;
            let v = match name {
                "rate" | "increase" | "delta" => {
                    extrapolated(p, at - range, at, name != "delta", name == "rate", range_s)
                }
                "irate" | "idelta" => {
                    if p.len() < 2 {
                        None
                    } else {
                        let (t1, v1) = p[p.len() - 2];
                        let (t2, v2) = p[p.len() - 1];
                        let mut d = v2 - v1;
                        if name == "irate" {
                            if v2 < v1 {
                                d = v2;
                            }
                            let dt = (t2 - t1) as f64 / 1000.0;
                            if dt == 0.0 { None } else { Some(d / dt) }
                        } else {
                            Some(d)
                        }
                    }
                }
                "deriv" => (p.len() >= 2).then(|| regression(p, p[0].0).0),
                "predict_linear" => (p.len() >= 2).then(|| {
                    let (slope, intercept) = regression(p, at);
                    slope * param.unwrap_or(0.0) + intercept
                }),
                "changes" | "resets" => Some(
                    p.windows(2)
                        .filter(|w| {
                            if name == "changes" {
                                w[0].1 != w[1].1 && !(w[0].1.is_nan() && w[1].1.is_nan())
                            } else {
                                w[1].1 < w[0].1
                            }
                        })
                        .count() as f64,
                ),
                "avg_over_time" => Some(p.iter().map(|x| x.1).sum::<f64>() / p.len() as f64),
                "sum_over_time" => Some(p.iter().map(|x| x.1).sum()),
                "min_over_time" => Some(
                    p.iter()
                        .map(|x| x.1)
                        .fold(f64::NAN, |m, v| if m.is_nan() || v < m { v } else { m }),
                ),
                "max_over_time" => Some(
                    p.iter()
                        .map(|x| x.1)
                        .fold(f64::NAN, |m, v| if m.is_nan() || v > m { v } else { m }),
                ),
                "count_over_time" => Some(p.len() as f64),
                "last_over_time" => p.last().map(|x| x.1),
                "present_over_time" => Some(1.0),
                "stddev_over_time" => Some(mean_var(p.iter().map(|x| x.1)).1.sqrt()),
                "stdvar_over_time" => Some(mean_var(p.iter().map(|x| x.1)).1),
                _ => Some(quantile(
                    param.unwrap_or(f64::NAN),
                    p.iter().map(|x| x.1).collect(),
                )),
            };
            if let Some(v) = v {
                let mut labels = s.labels;
                if name != "last_over_time" {
                    labels.remove(NAME);
                }
                out.push(Elem { labels, v });
            }
        }
        Ok(out)
    }

    fn label_replace(&self, c: &Call, t: i64) -> R<Vec<Elem>> {
        let v = self.vector(self.arg(c, 0)?, t)?;
        let dst = self.string(self.arg(c, 1)?, t)?;
        let repl = self.string(self.arg(c, 2)?, t)?;
        let src = self.string(self.arg(c, 3)?, t)?;
        let re_text = self.string(self.arg(c, 4)?, t)?;
        let re = regex::Regex::new(&format!("^(?s:{re_text})$")).map_err(|e| {
            EvalError::execution(format!(
                "invalid regular expression in label_replace(): {re_text}: {e}"
            ))
        })?;
        if !valid_label_name(&dst) {
            return Err(EvalError::execution(format!(
                "invalid destination label name in label_replace(): {dst}"
            )));
        }
        Ok(v.into_iter()
            .map(|mut e| {
                let value = e.labels.get(&src).cloned().unwrap_or_default();
                if let Some(caps) = re.captures(&value) {
                    let mut res = String::new();
                    caps.expand(&repl, &mut res);
                    if res.is_empty() {
                        e.labels.remove(&dst);
                    } else {
                        e.labels.insert(dst.clone(), res);
                    }
                }
                e
            })
            .collect())
    }

    fn label_join(&self, c: &Call, t: i64) -> R<Vec<Elem>> {
        let v = self.vector(self.arg(c, 0)?, t)?;
        let dst = self.string(self.arg(c, 1)?, t)?;
        let sep = self.string(self.arg(c, 2)?, t)?;
        let mut srcs = Vec::new();
        for a in c.args.args.iter().skip(3) {
            srcs.push(self.string(a, t)?);
        }
        if !valid_label_name(&dst) {
            return Err(EvalError::execution(format!(
                "invalid destination label name in label_join(): {dst}"
            )));
        }
        Ok(v.into_iter()
            .map(|mut e| {
                let joined = srcs
                    .iter()
                    .map(|s| e.labels.get(s).cloned().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(&sep);
                if joined.is_empty() {
                    e.labels.remove(&dst);
                } else {
                    e.labels.insert(dst.clone(), joined);
                }
                e
            })
            .collect())
    }

    fn histogram_quantile(&self, c: &Call, t: i64) -> R<Vec<Elem>> {
        let q = self.scalar(self.arg(c, 0)?, t)?;
        let v = self.vector(self.arg(c, 1)?, t)?;
        let mut groups: std::collections::BTreeMap<Labels, Vec<(f64, f64)>> = Default::default();
        for e in v {
            let Some(le) = e.labels.get("le").and_then(|s| parse_le(s)) else {
                continue;
            };
            let mut labels = e.labels;
            labels.remove("le");
            labels.remove(NAME);
            groups.entry(labels).or_default().push((le, e.v));
        }
        Ok(groups
            .into_iter()
            .map(|(labels, buckets)| Elem {
                labels,
                v: bucket_quantile(q, buckets),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_as_prometheus() {
        assert_eq!(quantile(0.5, vec![1.0, 2.0, 3.0, 4.0]), 2.5);
        assert_eq!(quantile(0.0, vec![3.0, 1.0]), 1.0);
        assert_eq!(quantile(2.0, vec![1.0]), f64::INFINITY);
        let b = vec![(0.1, 10.0), (0.5, 20.0), (f64::INFINITY, 20.0)];
        assert!((bucket_quantile(0.5, b.clone()) - 0.1).abs() < 1e-12);
        assert!((bucket_quantile(0.75, b.clone()) - 0.3).abs() < 1e-12);
        assert_eq!(
            bucket_quantile(1.0, b),
            0.5,
            "the +Inf bucket answers the highest bound"
        );
        assert!(
            bucket_quantile(0.5, vec![(1.0, 2.0)]).is_nan(),
            "no +Inf bucket"
        );
    }

    #[test]
    fn rate_extrapolates_as_prometheus() {
        // A counter growing 1/s sampled every 15 s inside a 60 s window ending 5 s after
        // its last sample: the rate is 1 whatever the alignment.
        let pts: Vec<(i64, f64)> = (0..4)
            .map(|k| (5_000 + k * 15_000, (5 + k * 15) as f64))
            .collect();
        let r = extrapolated(&pts, 0, 60_000, true, true, 60.0).expect("rate");
        assert!((r - 1.0).abs() < 1e-9, "{r}");
        // A reset adds the value before it.
        let pts = [(0, 10.0), (15_000, 25.0), (30_000, 5.0), (45_000, 20.0)];
        let inc = extrapolated(&pts, -1, 45_000, true, false, 45.0).expect("increase");
        assert!(inc > 35.0 - 1e-9, "{inc}");
        assert_eq!(extrapolated(&pts[..1], 0, 1, true, true, 1.0), None);
    }
}
