//! Template variable resolution, pure: where a variable's values come from
//! (`label_values`, `query_result`, `metrics`, custom lists, intervals), the order in which
//! chained variables resolve (`$job` → `$node` → `$instance`), Grafana's variable regex with
//! capture groups, sorting, and `auto` intervals.

use std::time::Duration;

use super::model::{VarKind, Variable};
use super::series::Series;
use super::template::references;

/// Where a query variable's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum VarSource {
    /// `label_values(label)` or `label_values(metric{…}, label)`.
    LabelValues { label: String, matches: Vec<String> },
    /// `metrics(regex)`: metric names matching a regex.
    Metrics(String),
    /// `query_result(expr)`: each series as `name{labels} value timestamp`.
    QueryResult(String),
    /// Any other query: the first label of each series (then the regex picks).
    Query(String),
}

/// Reads a variable's query.
pub fn var_source(query: &str) -> VarSource {
    let q = query.trim();
    let inner = |prefix: &str| {
        q.strip_prefix(prefix)
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('('))
            .and_then(|r| r.strip_suffix(')'))
            .map(str::trim)
    };
    if let Some(inner) = inner("label_values") {
        // The label is after the last top-level comma.
        let mut depth = 0i32;
        let mut split = None;
        for (i, c) in inner.char_indices() {
            match c {
                '(' | '{' | '[' => depth += 1,
                ')' | '}' | ']' => depth -= 1,
                ',' if depth == 0 => split = Some(i),
                _ => {}
            }
        }
        return match split {
            Some(i) => VarSource::LabelValues {
                label: inner[i + 1..].trim().to_string(),
                matches: vec![inner[..i].trim().to_string()],
            },
            None => VarSource::LabelValues {
                label: inner.to_string(),
                matches: Vec::new(),
            },
        };
    }
    if let Some(inner) = inner("query_result") {
        return VarSource::QueryResult(inner.to_string());
    }
    if let Some(inner) = inner("metrics") {
        return VarSource::Metrics(inner.to_string());
    }
    VarSource::Query(q.to_string())
}

/// The values a query answer gives a variable (before its regex).
pub fn values_from_series(source: &VarSource, series: &[Series]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in series {
        let v = match source {
            VarSource::QueryResult(_) => {
                let (t, v) = s.points.last().copied().unwrap_or((0.0, f64::NAN));
                Some(format!(
                    "{} {} {}",
                    s.selector(),
                    v,
                    (t * 1000.0).round() as i64
                ))
            }
            _ => s
                .labels
                .iter()
                .find(|(k, _)| k.as_str() != "__name__")
                .or_else(|| s.labels.iter().next())
                .map(|(_, v)| v.clone()),
        };
        if let Some(v) = v.filter(|v| !out.contains(v)) {
            out.push(v);
        }
    }
    out
}

/// Names of other variables `v` uses (in its query and regex).
pub(crate) fn dependencies(v: &Variable, all: &[Variable]) -> Vec<String> {
    let mut text = v.query.clone().unwrap_or_default();
    text.push(' ');
    text.push_str(&v.regex);
    references(&text)
        .into_iter()
        .filter(|n| *n != v.name && all.iter().any(|o| o.name == *n))
        .collect()
}

/// Variable indices in an order where each comes after those it uses; a cycle is broken
/// at the first variable left (in file order).
pub fn resolution_order(vars: &[Variable]) -> Vec<usize> {
    let deps: Vec<Vec<usize>> = vars
        .iter()
        .map(|v| {
            dependencies(v, vars)
                .iter()
                .filter_map(|n| vars.iter().position(|o| o.name == *n))
                .collect()
        })
        .collect();
    let mut done = vec![false; vars.len()];
    let mut out = Vec::new();
    while out.len() < vars.len() {
        let next = (0..vars.len())
            .find(|&i| !done[i] && deps[i].iter().all(|&d| done[d]))
            .or_else(|| (0..vars.len()).find(|&i| !done[i]));
        let Some(i) = next else { break };
        done[i] = true;
        out.push(i);
    }
    out
}

/// A Grafana regex `/pattern/flags` (or a bare pattern) as a Rust regex.
pub fn parse_regex(text: &str) -> Result<regex::Regex, String> {
    let t = text.trim();
    let (pattern, flags) = match t.strip_prefix('/').and_then(|r| r.rsplit_once('/')) {
        Some((p, f)) => (p, f),
        None => (t, ""),
    };
    let mut b = regex::RegexBuilder::new(pattern);
    b.case_insensitive(flags.contains('i'));
    b.multi_line(flags.contains('m'));
    b.dot_matches_new_line(flags.contains('s'));
    b.build().map_err(|e| format!("bad regex {text:?}: {e}"))
}

/// Keeps the values the regex matches; the `value` named group, else the first capture
/// group, else the whole value becomes the option. Duplicates are dropped.
pub fn apply_regex(regex: &str, values: Vec<String>) -> Result<Vec<String>, String> {
    if regex.trim().is_empty() {
        return Ok(values);
    }
    let re = parse_regex(regex)?;
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let Some(c) = re.captures(&v) else { continue };
        let picked = c
            .name("value")
            .or_else(|| c.name("text"))
            .or_else(|| c.get(1))
            .or_else(|| c.get(0))
            .map(|m| m.as_str().to_string());
        if let Some(p) = picked.filter(|p| !out.contains(p)) {
            out.push(p);
        }
    }
    Ok(out)
}

/// The leading number of a value (`10.0.0.1` → 10), for numerical sort.
fn number_of(v: &str) -> f64 {
    let s: String = v
        .chars()
        .skip_while(|c| !c.is_ascii_digit() && *c != '-')
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    s.parse().unwrap_or(f64::NAN)
}

/// Natural order: digits compared as numbers (`node-2` before `node-10`).
fn natural_key(v: &str) -> Vec<(u8, u64, String)> {
    let mut out = Vec::new();
    let mut chars = v.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(d);
                chars.next();
            }
            out.push((0, n.parse().unwrap_or(u64::MAX), String::new()));
        } else {
            let mut s = String::new();
            while let Some(&d) = chars.peek().filter(|d| !d.is_ascii_digit()) {
                s.push(d);
                chars.next();
            }
            out.push((1, 0, s));
        }
    }
    out
}

/// Grafana's variable sort.
pub fn sort_values(sort: u8, values: &mut [String]) {
    match sort {
        1 => values.sort(),
        2 => values.sort_by(|a, b| b.cmp(a)),
        3 => values.sort_by(|a, b| number_of(a).total_cmp(&number_of(b))),
        4 => values.sort_by(|a, b| number_of(b).total_cmp(&number_of(a))),
        5 => values.sort_by_key(|v| v.to_lowercase()),
        6 => values.sort_by_key(|v| std::cmp::Reverse(v.to_lowercase())),
        7 => values.sort_by_key(|v| natural_key(v)),
        8 => values.sort_by_key(|v| std::cmp::Reverse(natural_key(v))),
        _ => {}
    }
}

/// What `auto` stands for: the range in `count` steps (default 30), at least `min`
/// (default 10s), rounded to a whole second.
pub fn auto_interval(v: &Variable, range: Duration) -> Duration {
    let count = v.auto_count.unwrap_or(30).max(1);
    let min = v
        .auto_min
        .as_deref()
        .and_then(super::axis::parse_duration)
        .unwrap_or(Duration::from_secs(10));
    let d = Duration::from_secs((range.as_secs() / u64::from(count)).max(1));
    d.max(min)
}

/// Whether a variable's values come from Prometheus.
pub fn needs_query(v: &Variable) -> bool {
    v.kind() == VarKind::Query && v.query.as_deref().is_some_and(|q| !q.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, query: &str) -> Variable {
        let mut v = Variable::new(name);
        v.query = Some(query.into());
        v
    }

    #[test]
    fn sources() {
        assert_eq!(
            var_source("label_values(node_uname_info{job=\"$job\"}, nodename)"),
            VarSource::LabelValues {
                label: "nodename".into(),
                matches: vec!["node_uname_info{job=\"$job\"}".into()]
            }
        );
        assert_eq!(
            var_source("label_values(job)"),
            VarSource::LabelValues {
                label: "job".into(),
                matches: vec![]
            }
        );
        assert_eq!(
            var_source("query_result(up{a=\"b,c\"})"),
            VarSource::QueryResult("up{a=\"b,c\"}".into())
        );
        assert_eq!(
            var_source("metrics(node_.*)"),
            VarSource::Metrics("node_.*".into())
        );
        assert_eq!(
            var_source("label_values(rate(x{a=\"1\",b=\"2\"}[5m]), pod)"),
            VarSource::LabelValues {
                label: "pod".into(),
                matches: vec!["rate(x{a=\"1\",b=\"2\"}[5m])".into()]
            }
        );
    }

    #[test]
    fn chained_variables_resolve_in_dependency_order() {
        let vars = vec![
            var(
                "instance",
                "label_values(up{job=\"$job\",node=\"$node\"}, instance)",
            ),
            var(
                "node",
                "label_values(node_uname_info{job=~\"$job\"}, nodename)",
            ),
            var("job", "label_values(node_uname_info, job)"),
            var("other", "label_values(x, y)"),
        ];
        assert_eq!(dependencies(&vars[0], &vars), vec!["job", "node"]);
        assert_eq!(resolution_order(&vars), vec![2, 1, 0, 3]);
        // A cycle still gives every variable once.
        let cyc = vec![
            var("a", "label_values(x{b=\"$b\"}, a)"),
            var("b", "label_values(x{a=\"$a\"}, b)"),
        ];
        assert_eq!(resolution_order(&cyc), vec![0, 1]);
    }

    #[test]
    fn regex_with_capture_groups() {
        let vals = vec![
            "node_uname_info{instance=\"10.0.0.1:9100\",job=\"node\"} 1 1700000000000".to_string(),
            "node_uname_info{instance=\"10.0.0.2:9100\",job=\"node\"} 1 1700000000000".to_string(),
            "other".to_string(),
        ];
        assert_eq!(
            apply_regex("/.*instance=\"([^\"]+)\".*/", vals.clone()).unwrap(),
            vec!["10.0.0.1:9100", "10.0.0.2:9100"]
        );
        assert_eq!(
            apply_regex("/instance=\"(?<value>[^:]+):/", vals.clone()).unwrap(),
            vec!["10.0.0.1", "10.0.0.2"]
        );
        assert_eq!(
            apply_regex("/^OTHER$/i", vals.clone()).unwrap(),
            vec!["other"]
        );
        assert!(apply_regex("/(/", vals).is_err());
    }

    #[test]
    fn sorts() {
        let mut v: Vec<String> = ["node-10", "Node-2", "node-1"].map(String::from).to_vec();
        sort_values(7, &mut v);
        assert_eq!(v, vec!["Node-2", "node-1", "node-10"]);
        sort_values(5, &mut v);
        assert_eq!(v, vec!["node-1", "node-10", "Node-2"]);
        let mut n: Vec<String> = ["10", "9", "100"].map(String::from).to_vec();
        sort_values(3, &mut n);
        assert_eq!(n, vec!["9", "10", "100"]);
        sort_values(2, &mut n);
        assert_eq!(n, vec!["9", "100", "10"]);
    }

    #[test]
    fn auto_interval_divides_the_range() {
        let mut v = Variable::new("iv");
        v.auto = true;
        assert_eq!(
            auto_interval(&v, Duration::from_secs(3600)),
            Duration::from_secs(120)
        );
        v.auto_count = Some(10);
        v.auto_min = Some("10m".into());
        assert_eq!(
            auto_interval(&v, Duration::from_secs(3600)),
            Duration::from_secs(600)
        );
    }
}
