//! Template expansion: `$namespace`, `${namespace}`, `${namespace:format}`, `[[namespace]]`,
//! the built-ins `$__interval`, `$__rate_interval`, `$__range`, `$__range_s`,
//! `$__auto_interval_<name>`; legends `{{pod}}`. Multi-value and All selections go out as
//! Grafana's Prometheus data source sends them: `(a|b)` with regex characters escaped, or
//! the variable's `allValue`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::axis::{SCRAPE_INTERVAL, format_duration, rate_interval};

/// A variable's selection as expansion needs it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VarValue {
    /// The selected values (every option when All is selected without an `allValue`).
    pub values: Vec<String>,
    /// "All" is selected.
    pub all: bool,
    /// What All stands for, when the variable says.
    pub all_value: Option<String>,
    /// The variable is multi-value or includes All: values go out regex-escaped.
    pub regex_context: bool,
}

impl VarValue {
    pub(crate) fn single(v: &str) -> VarValue {
        VarValue {
            values: vec![v.to_string()],
            ..VarValue::default()
        }
    }
}

/// The selected value of each variable and the built-ins' inputs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bindings {
    pub values: BTreeMap<String, VarValue>,
    pub step: Duration,
    pub range: Duration,
    /// `__auto_interval_<name>` → the interval `auto` stands for.
    pub autos: BTreeMap<String, Duration>,
}

/// Characters escaped in regex-context values (Grafana's `prometheusSpecialRegexEscape`).
pub(crate) fn regex_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if "\\^$*+?.()|{}[]".contains(c) {
            out.push('\\');
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Bindings {
    pub fn new(step: Duration, range: Duration) -> Bindings {
        Bindings {
            values: BTreeMap::new(),
            step,
            range,
            autos: BTreeMap::new(),
        }
    }

    /// Sets a single-valued variable.
    pub fn set(&mut self, name: &str, value: &str) {
        self.values
            .insert(name.to_string(), VarValue::single(value));
    }

    /// A copy with a repeated panel's own values.
    pub fn scoped(&self, scoped: &[(String, String)]) -> Bindings {
        let mut b = self.clone();
        for (k, v) in scoped {
            b.set(k, v);
        }
        b
    }

    fn builtin(&self, name: &str) -> Option<String> {
        Some(match name {
            "__interval" => format_duration(self.step),
            "__interval_ms" => self.step.as_millis().to_string(),
            "__rate_interval" => format_duration(rate_interval(self.step, SCRAPE_INTERVAL)),
            "__range" => format_duration(self.range),
            "__range_s" => self.range.as_secs().to_string(),
            "__range_ms" => self.range.as_millis().to_string(),
            n if n.starts_with("__auto_interval_") => format_duration(*self.autos.get(n)?),
            _ => return None,
        })
    }

    /// The text of `name` in `format` (`None`: a query's default).
    fn lookup(&self, name: &str, format: Option<&str>) -> Option<String> {
        if let Some(b) = self.builtin(name) {
            return Some(b);
        }
        let v = self.values.get(name)?;
        Some(format_value(name, v, format))
    }
}

fn format_value(name: &str, v: &VarValue, format: Option<&str>) -> String {
    let vals = &v.values;
    let join_quoted = |q: &str| {
        vals.iter()
            .map(|s| format!("{q}{s}{q}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    match format {
        Some("text") => {
            if v.all {
                "All".into()
            } else {
                vals.join(" + ")
            }
        }
        Some("pipe") => vals.join("|"),
        Some("csv" | "raw") => vals.join(","),
        Some("json") => serde_json::to_string(vals).unwrap_or_default(),
        Some("doublequote") => join_quoted("\""),
        Some("singlequote" | "sqlstring") => join_quoted("'"),
        Some("glob") if vals.len() > 1 => format!("{{{}}}", vals.join(",")),
        Some("glob") => vals.join(","),
        Some("lucene") if vals.len() > 1 => format!(
            "({})",
            vals.iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(" OR ")
        ),
        Some("queryparam") => vals
            .iter()
            .map(|s| format!("var-{name}={s}"))
            .collect::<Vec<_>>()
            .join("&"),
        Some("percentencode") => {
            url::form_urlencoded::byte_serialize(vals.join(",").as_bytes()).collect::<String>()
        }
        Some("regex") => {
            if v.all
                && let Some(a) = &v.all_value
            {
                return a.clone();
            }
            if vals.len() == 1 {
                regex_escape(&vals[0])
            } else {
                format!(
                    "({})",
                    vals.iter()
                        .map(|s| regex_escape(s))
                        .collect::<Vec<_>>()
                        .join("|")
                )
            }
        }
        _ => {
            if v.all
                && let Some(a) = &v.all_value
            {
                return a.clone();
            }
            match vals.len() {
                0 => String::new(),
                1 if !v.all => vals[0].clone(),
                _ if !v.regex_context && vals.len() == 1 => vals[0].clone(),
                _ => format!(
                    "({})",
                    vals.iter()
                        .map(|s| regex_escape(s))
                        .collect::<Vec<_>>()
                        .join("|")
                ),
            }
        }
    }
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The variable references in `text` (names only), for dependency order.
pub(crate) fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    scan(text, &mut |name, _| {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
        None
    });
    out
}

/// Walks `text`, replacing each reference for which `f(name, format)` answers.
fn scan(text: &str, f: &mut dyn FnMut(&str, Option<&str>) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['$', '[']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (name, format, len) = if let Some(t) = tail.strip_prefix("${") {
            match t.find('}') {
                Some(end) => {
                    let inner = &t[..end];
                    let (n, fmt) = match inner.split_once(':') {
                        Some((n, f)) => (n, Some(f)),
                        None => (inner, None),
                    };
                    (n, fmt, end + 3)
                }
                None => ("", None, 0),
            }
        } else if let Some(t) = tail.strip_prefix("[[") {
            match t.find("]]") {
                Some(end) => {
                    let inner = &t[..end];
                    let (n, fmt) = match inner.split_once(':') {
                        Some((n, f)) => (n, Some(f)),
                        None => (inner, None),
                    };
                    if n.chars().all(is_name) {
                        (n, fmt, end + 4)
                    } else {
                        ("", None, 0)
                    }
                }
                None => ("", None, 0),
            }
        } else if let Some(t) = tail.strip_prefix('$') {
            let end = t.find(|c| !is_name(c)).unwrap_or(t.len());
            (&t[..end], None, end + 1)
        } else {
            ("", None, 0)
        };
        let replaced = if len > 0 && !name.is_empty() && name.chars().all(is_name) {
            f(name, format)
        } else {
            None
        };
        match replaced {
            Some(v) => {
                out.push_str(&v);
                rest = &tail[len..];
            }
            None => {
                let c = tail.chars().next().map(char::len_utf8).unwrap_or(1);
                out.push_str(&tail[..c]);
                rest = &tail[c..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Expands variables in a query; unknown names stay as written (Prometheus then reports
/// them).
pub fn expand(expr: &str, b: &Bindings) -> String {
    scan(expr, &mut |name, format| b.lookup(name, format))
}

/// Expands variables in a title or legend: values as text (`a + b`, `All`).
pub(crate) fn expand_text(text: &str, b: &Bindings) -> String {
    scan(text, &mut |name, format| {
        b.lookup(name, Some(format.unwrap_or("text")))
    })
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
        b.set("namespace", "prod");
        b.values.insert(
            "pod".into(),
            VarValue {
                values: vec![],
                all: true,
                all_value: Some(".*".into()),
                regex_context: true,
            },
        );
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
        assert_eq!(expand("x[5m] $unknown", &b), "x[5m] $unknown");
        assert_eq!(expand("€ $namespace", &b), "€ prod");
        b.step = Duration::from_secs(600);
        assert_eq!(expand("[$__rate_interval]", &b), "[10m15s]");
        b.autos
            .insert("__auto_interval_iv".into(), Duration::from_secs(120));
        assert_eq!(expand("[$__auto_interval_iv]", &b), "[2m]");
    }

    #[test]
    fn multi_values_and_formats() {
        let mut b = Bindings::new(Duration::from_secs(30), Duration::from_secs(3600));
        b.values.insert(
            "inst".into(),
            VarValue {
                values: vec!["10.0.0.1:9100".into(), "b".into()],
                all: false,
                all_value: None,
                regex_context: true,
            },
        );
        assert_eq!(
            expand("up{instance=~\"$inst\"}", &b),
            "up{instance=~\"(10\\\\.0\\\\.0\\\\.1:9100|b)\"}"
        );
        assert_eq!(expand("${inst:pipe}", &b), "10.0.0.1:9100|b");
        assert_eq!(expand("${inst:csv}", &b), "10.0.0.1:9100,b");
        assert_eq!(expand("${inst:json}", &b), "[\"10.0.0.1:9100\",\"b\"]");
        assert_eq!(expand("${inst:glob}", &b), "{10.0.0.1:9100,b}");
        assert_eq!(
            expand("[[inst:doublequote]]", &b),
            "\"10.0.0.1:9100\",\"b\""
        );
        assert_eq!(expand_text("CPU $inst", &b), "CPU 10.0.0.1:9100 + b");
        // All without allValue: every option.
        b.values.get_mut("inst").unwrap().all = true;
        assert_eq!(expand_text("$inst", &b), "All");
        assert_eq!(expand("$inst", &b), "(10\\\\.0\\\\.0\\\\.1:9100|b)");
        assert_eq!(
            references("a{x=\"$job\",y=~\"${node:regex}\"} [[inst]] $__interval"),
            vec!["job", "node", "inst", "__interval"]
        );
        let s = b.scoped(&[("inst".into(), "n1".into())]);
        assert_eq!(expand("$inst", &s), "n1");
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
