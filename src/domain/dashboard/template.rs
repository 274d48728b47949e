//! Template expansion: `$namespace`, `${namespace}`, `[[namespace]]`, the built-ins
//! `$__interval`, `$__rate_interval`, `$__range`, `$__range_s`; legends `{{pod}}`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::axis::{SCRAPE_INTERVAL, format_duration, rate_interval};

/// The selected value of each variable; `All` becomes `.*` (for `=~` matchers).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bindings {
    pub values: BTreeMap<String, String>,
    pub step: Duration,
    pub range: Duration,
}

impl Bindings {
    pub fn new(step: Duration, range: Duration) -> Bindings {
        Bindings {
            values: BTreeMap::new(),
            step,
            range,
        }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        Some(match name {
            "__interval" => format_duration(self.step),
            "__interval_ms" => self.step.as_millis().to_string(),
            "__rate_interval" => format_duration(rate_interval(self.step, SCRAPE_INTERVAL)),
            "__range" => format_duration(self.range),
            "__range_s" => self.range.as_secs().to_string(),
            _ => {
                let v = self.values.get(name)?;
                if v == "all" { ".*".into() } else { v.clone() }
            }
        })
    }
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Expands variables in `expr`; unknown names stay as written (Prometheus then reports them).
pub fn expand(expr: &str, b: &Bindings) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(i) = rest.find(['$', '[']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (name, len) = if let Some(t) = tail.strip_prefix("${") {
            match t.find('}') {
                // `${var:regex}` formats are treated as the plain value.
                Some(end) => (t[..end].split(':').next().unwrap_or(""), end + 3),
                None => ("", 0),
            }
        } else if let Some(t) = tail.strip_prefix("[[") {
            match t.find("]]") {
                Some(end) if t[..end].chars().all(is_name) => (&t[..end], end + 4),
                _ => ("", 0),
            }
        } else if let Some(t) = tail.strip_prefix('$') {
            let end = t.find(|c| !is_name(c)).unwrap_or(t.len());
            (&t[..end], end + 1)
        } else {
            ("", 0)
        };
        match (len, b.lookup(name)) {
            (l, Some(v)) if l > 0 && !name.is_empty() => {
                out.push_str(&v);
                rest = &tail[l..];
            }
            _ => {
                let c = tail.chars().next().map(char::len_utf8).unwrap_or(1);
                out.push_str(&tail[..c]);
                rest = &tail[c..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The legend of a series: `{{pod}} on {{ node }}` filled from its labels; an empty format
/// gives the series selector.
pub fn legend(format: &str, labels: &BTreeMap<String, String>, fallback: &str) -> String {
    if format.trim().is_empty() || format == "__auto" {
        return fallback.to_string();
    }
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let t = &rest[i + 2..];
        match t.find("}}") {
            Some(end) => {
                let key = t[..end].trim();
                out.push_str(labels.get(key).map(String::as_str).unwrap_or(""));
                rest = &t[end + 2..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_variables_and_builtins() {
        let mut b = Bindings::new(Duration::from_secs(30), Duration::from_secs(3600));
        b.values.insert("namespace".into(), "prod".into());
        b.values.insert("pod".into(), "all".into());
        assert_eq!(
            expand(
                r#"sum(rate(x{namespace="$namespace", pod=~"${pod}"}[$__rate_interval])) by (pod)"#,
                &b
            ),
            r#"sum(rate(x{namespace="prod", pod=~".*"}[1m])) by (pod)"#
        );
        assert_eq!(
            expand("avg_over_time(y[$__interval])", &b),
            "avg_over_time(y[30s])"
        );
        assert_eq!(
            expand("z{ns=\"[[namespace]]\"}[$__range]", &b),
            "z{ns=\"prod\"}[1h]"
        );
        assert_eq!(
            expand("x[5m] $unknown ${ns:regex}", &b),
            "x[5m] $unknown ${ns:regex}"
        );
        assert_eq!(expand("€ $namespace", &b), "€ prod");
        b.step = Duration::from_secs(600);
        assert_eq!(expand("[$__rate_interval]", &b), "[10m15s]");
    }

    #[test]
    fn legends() {
        let labels: BTreeMap<String, String> = [("pod", "web-1"), ("node", "n1")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            legend("{{pod}} on {{ node }}", &labels, "sel"),
            "web-1 on n1"
        );
        assert_eq!(legend("", &labels, "sel"), "sel");
        assert_eq!(legend("{{missing}}x", &labels, "sel"), "x");
    }
}
