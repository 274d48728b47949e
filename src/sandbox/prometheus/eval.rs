//! PromQL evaluated over a recording's raw series, with Prometheus's semantics: instant
//! selectors see the latest sample in `(t − 5m, t]` unless it is a staleness marker, range
//! selectors the samples in `(t − range, t]`, a range query is the instant evaluation at
//! every step, and the result is Prometheus's own JSON. Parsing is `promql-parser`'s
//! (GreptimeDB); what this evaluator does not implement is an error saying so.

mod aggregate;
mod binary;
mod functions;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use promql_parser::label::{MatchOp, Matchers};
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, AtModifier, Expr, Offset, VectorSelector};

use super::api::format_time;
use crate::recording::prometheus::format_value;
use crate::recording::prometheus::tsdb::Series;

pub(crate) type Labels = BTreeMap<String, String>;

pub(crate) const NAME: &str = "__name__";

/// Why a query has no answer: Prometheus's `errorType` (`bad_data` for what is not a valid
/// or supported query, `execution` for what fails while evaluating) and its message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EvalError {
    pub kind: &'static str,
    pub message: String,
}

impl EvalError {
    pub(crate) fn bad_data(message: impl Into<String>) -> Self {
        EvalError {
            kind: "bad_data",
            message: message.into(),
        }
    }
    pub(crate) fn execution(message: impl Into<String>) -> Self {
        EvalError {
            kind: "execution",
            message: message.into(),
        }
    }
    pub(crate) fn unsupported(what: impl std::fmt::Display) -> Self {
        Self::bad_data(format!(
            "the opsdeck sandbox's PromQL evaluator does not support {what} (see recordings/README.md, \"Evaluation\")"
        ))
    }
}

type R<T> = Result<T, EvalError>;

/// A sample of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Elem {
    pub labels: Labels,
    pub v: f64,
}

/// A series of a range vector or of a range query's result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ranged {
    pub labels: Labels,
    pub points: Vec<(i64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Scalar(f64),
    Str(String),
    Vector(Vec<Elem>),
    Matrix(Vec<Ranged>),
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Scalar(_) => "scalar",
            Value::Str(_) => "string",
            Value::Vector(_) => "instant vector",
            Value::Matrix(_) => "range vector",
        }
    }
}

/// Parses a query as Prometheus does (errors are `bad_data`).
pub(crate) fn parse(query: &str) -> R<Expr> {
    parser::parse(query).map_err(|e| EvalError::bad_data(e.trim().to_string()))
}

/// Evaluates queries over `series`.
pub(crate) struct Engine<'a> {
    series: &'a [Series],
    lookback: i64,
    /// The query's start and end (for `@ start()` and `@ end()`).
    start: i64,
    end: i64,
    /// Series indices matching a selector, by the selector's address.
    matched: RefCell<HashMap<usize, Vec<usize>>>,
}

impl<'a> Engine<'a> {
    pub(crate) fn new(series: &'a [Series], lookback: i64) -> Self {
        Engine {
            series,
            lookback,
            start: 0,
            end: 0,
            matched: RefCell::new(HashMap::new()),
        }
    }

    /// The value of `expr` at `t` (ms).
    pub(crate) fn instant(&mut self, expr: &Expr, t: i64) -> R<Value> {
        self.start = t;
        self.end = t;
        let v = self.eval(expr, t)?;
        if let Value::Vector(v) = &v {
            check_unique(v)?;
        }
        Ok(v)
    }

    /// `expr` at `start + k·step` up to `end`, as Prometheus's range query.
    pub(crate) fn range(&mut self, expr: &Expr, start: i64, end: i64, step: i64) -> R<Vec<Ranged>> {
        match expr.value_type() {
            ValueType::Scalar | ValueType::Vector => {}
            ValueType::Matrix => {
                return Err(EvalError::bad_data(
                    "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector",
                ));
            }
            ValueType::String => {
                return Err(EvalError::bad_data(
                    "invalid expression type \"string\" for range query, must be Scalar or instant Vector",
                ));
            }
        }
        self.start = start;
        self.end = end;
        let mut out: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
        let mut t = start;
        while t <= end {
            match self.eval(expr, t)? {
                Value::Scalar(v) => out.entry(Labels::new()).or_default().push((t, v)),
                Value::Vector(elems) => {
                    check_unique(&elems)?;
                    for e in elems {
                        out.entry(e.labels).or_default().push((t, e.v));
                    }
                }
                other => {
                    return Err(EvalError::bad_data(format!(
                        "invalid expression type {:?} for range query, must be Scalar or instant Vector",
                        other.type_name()
                    )));
                }
            }
            t += step;
        }
        Ok(out
            .into_iter()
            .map(|(labels, points)| Ranged { labels, points })
            .collect())
    }

    fn eval(&self, expr: &Expr, t: i64) -> R<Value> {
        match expr {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
            Expr::StringLiteral(s) => Ok(Value::Str(s.val.clone())),
            Expr::Paren(p) => self.eval(&p.expr, t),
            Expr::Unary(u) => Ok(match self.eval(&u.expr, t)? {
                Value::Scalar(v) => Value::Scalar(-v),
                Value::Vector(v) => Value::Vector(
                    v.into_iter()
                        .map(|mut e| {
                            e.labels.remove(NAME);
                            e.v = -e.v;
                            e
                        })
                        .collect(),
                ),
                other => {
                    return Err(EvalError::bad_data(format!(
                        "unary expression only allowed on expressions of type scalar or instant vector, got {:?}",
                        other.type_name()
                    )));
                }
            }),
            Expr::VectorSelector(vs) => Ok(Value::Vector(self.select(vs, t))),
            Expr::MatrixSelector(ms) => {
                let range = ms.range.as_millis() as i64;
                Ok(Value::Matrix(self.select_range(&ms.vs, t, range)))
            }
            Expr::Call(c) => self.call(c, t),
            Expr::Aggregate(a) => self.aggregate(a, t),
            Expr::Binary(b) => self.binary(b, t),
            Expr::Subquery(_) => Err(EvalError::unsupported("subqueries (`expr[range:step]`)")),
            Expr::Extension(_) => Err(EvalError::unsupported("this expression")),
        }
    }

    /// The evaluation time of a selector: `@` and `offset` applied.
    fn selector_time(&self, vs: &VectorSelector, t: i64) -> i64 {
        let base = match &vs.at {
            None => t,
            Some(AtModifier::Start) => self.start,
            Some(AtModifier::End) => self.end,
            Some(AtModifier::At(when)) => match when.duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => d.as_millis() as i64,
                Err(e) => -(e.duration().as_millis() as i64),
            },
        };
        match &vs.offset {
            None => base,
            Some(Offset::Pos(d)) => base - d.as_millis() as i64,
            Some(Offset::Neg(d)) => base + d.as_millis() as i64,
        }
    }

    /// Indices of the series a selector matches (computed once per query).
    fn matching(&self, vs: &VectorSelector) -> Vec<usize> {
        let key = vs as *const VectorSelector as usize;
        if let Some(found) = self.matched.borrow().get(&key) {
            return found.clone();
        }
        let found: Vec<usize> = self
            .series
            .iter()
            .enumerate()
            .filter(|(_, s)| selector_matches(vs, &s.labels))
            .map(|(i, _)| i)
            .collect();
        self.matched.borrow_mut().insert(key, found.clone());
        found
    }

    fn select(&self, vs: &VectorSelector, t: i64) -> Vec<Elem> {
        let at = self.selector_time(vs, t);
        self.matching(vs)
            .into_iter()
            .filter_map(|i| {
                let s = &self.series[i];
                match s.last_at(at)? {
                    (ts, Some(v)) if ts > at - self.lookback => Some(Elem {
                        labels: s.labels.clone(),
                        v,
                    }),
                    _ => None,
                }
            })
            .collect()
    }

    fn select_range(&self, vs: &VectorSelector, t: i64, range: i64) -> Vec<Ranged> {
        let at = self.selector_time(vs, t);
        self.matching(vs)
            .into_iter()
            .filter_map(|i| {
                let s = &self.series[i];
                let mut points = Vec::new();
                s.window(at - range, at, &mut points);
                (!points.is_empty()).then(|| Ranged {
                    labels: s.labels.clone(),
                    points,
                })
            })
            .collect()
    }

    fn vector(&self, expr: &Expr, t: i64) -> R<Vec<Elem>> {
        match self.eval(expr, t)? {
            Value::Vector(v) => Ok(v),
            other => Err(EvalError::bad_data(format!(
                "expected an instant vector, got {:?}",
                other.type_name()
            ))),
        }
    }

    fn scalar(&self, expr: &Expr, t: i64) -> R<f64> {
        match self.eval(expr, t)? {
            Value::Scalar(v) => Ok(v),
            other => Err(EvalError::bad_data(format!(
                "expected a scalar, got {:?}",
                other.type_name()
            ))),
        }
    }

    fn string(&self, expr: &Expr, t: i64) -> R<String> {
        match self.eval(expr, t)? {
            Value::Str(v) => Ok(v),
            other => Err(EvalError::bad_data(format!(
                "expected a string, got {:?}",
                other.type_name()
            ))),
        }
    }
}

/// Whether `labels` match a selector's name and matchers (and its `or` groups).
pub(crate) fn selector_matches(vs: &VectorSelector, labels: &Labels) -> bool {
    if let Some(name) = &vs.name
        && labels.get(NAME) != Some(name)
    {
        return false;
    }
    matchers_match(&vs.matchers, labels)
}

fn matchers_match(m: &Matchers, labels: &Labels) -> bool {
    let value = |n: &str| labels.get(n).map(String::as_str).unwrap_or("");
    let all = |ms: &[promql_parser::label::Matcher]| ms.iter().all(|m| m.is_match(value(&m.name)));
    all(&m.matchers) && (m.or_matchers.is_empty() || m.or_matchers.iter().any(|g| all(g)))
}

/// Labels an `absent()` answer carries: the selector's equality matchers.
fn absent_labels(expr: &Expr) -> Labels {
    let vs = match expr {
        Expr::VectorSelector(vs) => vs,
        Expr::MatrixSelector(ms) => &ms.vs,
        _ => return Labels::new(),
    };
    let mut out = Labels::new();
    let mut dup = std::collections::BTreeSet::new();
    for m in &vs.matchers.matchers {
        if m.name == NAME || !matches!(m.op, MatchOp::Equal) {
            continue;
        }
        if out.insert(m.name.clone(), m.value.clone()).is_some() {
            dup.insert(m.name.clone());
        }
    }
    for d in dup {
        out.remove(&d);
    }
    out
}

/// Prometheus refuses a vector with two samples of the same labels.
fn check_unique(v: &[Elem]) -> R<()> {
    let mut seen = std::collections::HashSet::with_capacity(v.len());
    for e in v {
        if !seen.insert(&e.labels) {
            return Err(EvalError::execution(
                "vector cannot contain metrics with the same labelset",
            ));
        }
    }
    Ok(())
}

fn labels_json(labels: &Labels) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "{}".into())
}

/// `data` of an instant query's answer, as Prometheus writes it.
pub(crate) fn instant_json(v: &Value, t: i64) -> String {
    let mut out = String::new();
    match v {
        Value::Scalar(x) => {
            let _ = write!(
                out,
                "{{\"resultType\":\"scalar\",\"result\":[{},\"{}\"]}}",
                format_time(t),
                format_value(*x)
            );
        }
        Value::Str(s) => {
            let _ = write!(
                out,
                "{{\"resultType\":\"string\",\"result\":[{},{}]}}",
                format_time(t),
                serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
            );
        }
        Value::Vector(elems) => {
            out.push_str("{\"resultType\":\"vector\",\"result\":[");
            for (i, e) in elems.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(
                    out,
                    "{{\"metric\":{},\"value\":[{},\"{}\"]}}",
                    labels_json(&e.labels),
                    format_time(t),
                    format_value(e.v)
                );
            }
            out.push_str("]}");
        }
        Value::Matrix(series) => {
            out.push_str("{\"resultType\":\"matrix\",\"result\":");
            out.push_str(&matrix_json(series));
            out.push('}');
        }
    }
    out
}

/// A matrix's `result` array.
pub(crate) fn matrix_json(series: &[Ranged]) -> String {
    let mut out = String::from("[");
    for (i, s) in series.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"metric\":{},\"values\":[", labels_json(&s.labels));
        for (j, (t, v)) in s.points.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let _ = write!(out, "[{},\"{}\"]", format_time(*t), format_value(*v));
        }
        out.push_str("]}");
    }
    out.push(']');
    out
}
