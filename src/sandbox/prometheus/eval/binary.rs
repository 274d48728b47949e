//! Binary operators: arithmetic, comparison (filtering or `bool`), `and`/`or`/`unless`, with
//! vector matching (`on`, `ignoring`, `group_left`, `group_right`) as Prometheus does.

use std::collections::{HashMap, HashSet};

use promql_parser::label::Labels as LabelNames;
use promql_parser::parser::{BinaryExpr, LabelModifier, VectorMatchCardinality};

use super::{Elem, Engine, EvalError, Labels, NAME, R, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    And,
    Or,
    Unless,
}

impl Op {
    fn parse(s: &str) -> R<Op> {
        Ok(match s {
            "+" => Op::Add,
            "-" => Op::Sub,
            "*" => Op::Mul,
            "/" => Op::Div,
            "%" => Op::Mod,
            "^" => Op::Pow,
            "atan2" => Op::Atan2,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            ">" => Op::Gt,
            "<" => Op::Lt,
            ">=" => Op::Ge,
            "<=" => Op::Le,
            "and" => Op::And,
            "or" => Op::Or,
            "unless" => Op::Unless,
            other => return Err(EvalError::unsupported(format!("the operator {other:?}"))),
        })
    }

    fn comparison(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Gt | Op::Lt | Op::Ge | Op::Le)
    }

    fn set(self) -> bool {
        matches!(self, Op::And | Op::Or | Op::Unless)
    }

    /// `(value, keep)` of `l op r` (comparisons keep the left value when true).
    fn apply(self, l: f64, r: f64) -> (f64, bool) {
        match self {
            Op::Add => (l + r, true),
            Op::Sub => (l - r, true),
            Op::Mul => (l * r, true),
            Op::Div => (l / r, true),
            Op::Mod => (go_mod(l, r), true),
            Op::Pow => (l.powf(r), true),
            Op::Atan2 => (l.atan2(r), true),
            Op::Eq => (l, l == r),
            Op::Ne => (l, l != r),
            Op::Gt => (l, l > r),
            Op::Lt => (l, l < r),
            Op::Ge => (l, l >= r),
            Op::Le => (l, l <= r),
            Op::And | Op::Or | Op::Unless => (l, true),
        }
    }
}

/// Go's `math.Mod`: the sign of the dividend (as Rust's `%` on floats).
fn go_mod(l: f64, r: f64) -> f64 {
    l % r
}

/// The key series are matched on: the `on` labels, or all but `ignoring`'s and the name.
fn signature(labels: &Labels, matching: Option<&LabelModifier>) -> String {
    let mut out = String::new();
    let mut push = |k: &str, v: &str| {
        out.push_str(k);
        out.push('\u{1}');
        out.push_str(v);
        out.push('\u{2}');
    };
    match matching {
        Some(LabelModifier::Include(on)) => {
            let mut names: Vec<&String> = on.labels.iter().collect();
            names.sort();
            names.dedup();
            for n in names {
                if let Some(v) = labels.get(n.as_str()) {
                    push(n, v);
                }
            }
        }
        Some(LabelModifier::Exclude(ign)) => {
            for (k, v) in labels {
                if k != NAME && !ign.labels.contains(k) {
                    push(k, v);
                }
            }
        }
        None => {
            for (k, v) in labels {
                if k != NAME {
                    push(k, v);
                }
            }
        }
    }
    out
}

impl Engine<'_> {
    pub(super) fn binary(&self, b: &BinaryExpr, t: i64) -> R<Value> {
        let op = Op::parse(&b.op.to_string())?;
        let modifier = b.modifier.as_ref();
        let return_bool = modifier.is_some_and(|m| m.return_bool);
        let lhs = self.eval(&b.lhs, t)?;
        let rhs = self.eval(&b.rhs, t)?;
        match (lhs, rhs) {
            (Value::Scalar(l), Value::Scalar(r)) => {
                let (v, keep) = op.apply(l, r);
                Ok(Value::Scalar(if op.comparison() {
                    f64::from(u8::from(keep))
                } else {
                    v
                }))
            }
            (Value::Vector(l), Value::Scalar(r)) => {
                Ok(Value::Vector(vector_scalar(op, l, r, false, return_bool)))
            }
            (Value::Scalar(l), Value::Vector(r)) => {
                Ok(Value::Vector(vector_scalar(op, r, l, true, return_bool)))
            }
            (Value::Vector(l), Value::Vector(r)) => {
                let matching = modifier.and_then(|m| m.matching.as_ref());
                if op.set() {
                    return Ok(Value::Vector(set_op(op, l, r, matching)));
                }
                let card = modifier
                    .map(|m| m.card.clone())
                    .unwrap_or(VectorMatchCardinality::OneToOne);
                vector_vector(op, l, r, matching, &card, return_bool).map(Value::Vector)
            }
            (l, r) => Err(EvalError::bad_data(format!(
                "binary expression must contain only scalar and instant vector types, got {:?} and {:?}",
                l.type_name(),
                r.type_name()
            ))),
        }
    }
}

fn vector_scalar(op: Op, v: Vec<Elem>, s: f64, swap: bool, return_bool: bool) -> Vec<Elem> {
    let drop_name = !op.comparison() || return_bool;
    v.into_iter()
        .filter_map(|mut e| {
            let (l, r) = if swap { (s, e.v) } else { (e.v, s) };
            let (mut value, mut keep) = op.apply(l, r);
            if op.comparison() && swap {
                value = r;
            }
            if return_bool {
                value = f64::from(u8::from(keep));
                keep = true;
            }
            if !keep {
                return None;
            }
            e.v = value;
            if drop_name {
                e.labels.remove(NAME);
            }
            Some(e)
        })
        .collect()
}

fn set_op(op: Op, l: Vec<Elem>, r: Vec<Elem>, matching: Option<&LabelModifier>) -> Vec<Elem> {
    let right: HashSet<String> = r.iter().map(|e| signature(&e.labels, matching)).collect();
    match op {
        Op::And => l
            .into_iter()
            .filter(|e| right.contains(&signature(&e.labels, matching)))
            .collect(),
        Op::Unless => l
            .into_iter()
            .filter(|e| !right.contains(&signature(&e.labels, matching)))
            .collect(),
        _ => {
            let left: HashSet<String> = l.iter().map(|e| signature(&e.labels, matching)).collect();
            let mut out = l;
            out.extend(
                r.into_iter()
                    .filter(|e| !left.contains(&signature(&e.labels, matching))),
            );
            out
        }
    }
}

fn vector_vector(
    op: Op,
    l: Vec<Elem>,
    r: Vec<Elem>,
    matching: Option<&LabelModifier>,
    card: &VectorMatchCardinality,
    return_bool: bool,
) -> R<Vec<Elem>> {
    let swapped = matches!(card, VectorMatchCardinality::OneToMany(_));
    let (many, one) = if swapped { (r, l) } else { (l, r) };
    let mut one_by_sig: HashMap<String, &Elem> = HashMap::with_capacity(one.len());
    for e in &one {
        if one_by_sig
            .insert(signature(&e.labels, matching), e)
            .is_some()
        {
            return Err(EvalError::execution(format!(
                "found duplicate series for the match group on the {} hand-side of the operation: many-to-many matching not allowed: matching labels must be unique on one side",
                if swapped { "left" } else { "right" }
            )));
        }
    }
    let include: Option<&LabelNames> = match card {
        VectorMatchCardinality::ManyToOne(ls) | VectorMatchCardinality::OneToMany(ls) => Some(ls),
        _ => None,
    };
    let mut matched: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for e in many {
        let sig = signature(&e.labels, matching);
        let Some(other) = one_by_sig.get(&sig) else {
            continue;
        };
        let (lv, rv) = if swapped {
            (other.v, e.v)
        } else {
            (e.v, other.v)
        };
        let (mut value, keep) = op.apply(lv, rv);
        if return_bool {
            value = f64::from(u8::from(keep));
        } else if !keep {
            continue;
        }
        let labels = result_labels(e.labels, &other.labels, op, matching, include, return_bool);
        if include.is_none() {
            if !matched.insert(sig) {
                return Err(EvalError::execution(
                    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                ));
            }
        } else if !matched.insert(super::labels_json(&labels)) {
            return Err(EvalError::execution(
                "multiple matches for labels: grouping labels must ensure unique matches",
            ));
        }
        out.push(Elem { labels, v: value });
    }
    Ok(out)
}

fn result_labels(
    mut l: Labels,
    r: &Labels,
    op: Op,
    matching: Option<&LabelModifier>,
    include: Option<&LabelNames>,
    return_bool: bool,
) -> Labels {
    if !op.comparison() || return_bool {
        l.remove(NAME);
    }
    match include {
        None => match matching {
            Some(LabelModifier::Include(on)) => l.retain(|k, _| on.labels.contains(k)),
            Some(LabelModifier::Exclude(ign)) => l.retain(|k, _| !ign.labels.contains(k)),
            None => {}
        },
        Some(names) => {
            for n in &names.labels {
                match r.get(n) {
                    Some(v) if !v.is_empty() => {
                        l.insert(n.clone(), v.clone());
                    }
                    _ => {
                        l.remove(n);
                    }
                }
            }
        }
    }
    l
}
