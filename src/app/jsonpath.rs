//! A small JSONPath subset, enough for CRD `additionalPrinterColumns` and kubectl-style
//! columns: `.a.b`, `['a.b']`, `.a\.b`, `[0]`, `[-1]`, `[*]`, `.*`,
//! `[?(@.type=="Ready")]`, `[?(@.x!=1)]`, `[?(@.x)]`, optionally wrapped in `{…}`.

use crate::model::object::Value;

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Field(String),
    Index(i64),
    Wildcard,
    Filter { path: Vec<String>, test: Test },
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Exists,
    Eq(Value),
    Ne(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    segs: Vec<Seg>,
}

impl JsonPath {
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let mut s = text.trim();
        if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            s = inner.trim();
        }
        s = s.strip_prefix('$').unwrap_or(s);
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        let mut segs = Vec::new();
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    i += 1;
                    if i < chars.len() && chars[i] == '*' {
                        segs.push(Seg::Wildcard);
                        i += 1;
                        continue;
                    }
                    let mut name = String::new();
                    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                        if chars[i] == '\\' && i + 1 < chars.len() {
                            i += 1;
                        }
                        name.push(chars[i]);
                        i += 1;
                    }
                    if !name.is_empty() {
                        segs.push(Seg::Field(name));
                    }
                }
                '[' => {
                    let start = i + 1;
                    let mut depth = 0;
                    let mut quote: Option<char> = None;
                    let mut end = None;
                    for (j, c) in chars.iter().enumerate().skip(start) {
                        match (quote, *c) {
                            (Some(q), c) if c == q => quote = None,
                            (Some(_), _) => {}
                            (None, '\'' | '"') => quote = Some(*c),
                            (None, '[') => depth += 1,
                            (None, ']') if depth == 0 => {
                                end = Some(j);
                                break;
                            }
                            (None, ']') => depth -= 1,
                            _ => {}
                        }
                    }
                    let end = end.ok_or_else(|| format!("unclosed '[' in {text:?}"))?;
                    let inner: String = chars[start..end].iter().collect();
                    segs.push(parse_bracket(inner.trim(), text)?);
                    i = end + 1;
                }
                c if segs.is_empty() && (c.is_alphanumeric() || c == '_') => {
                    // a leading bare name, as in `metadata.name`
                    let mut name = String::new();
                    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                        name.push(chars[i]);
                        i += 1;
                    }
                    segs.push(Seg::Field(name));
                }
                c => return Err(format!("unexpected {c:?} in {text:?}")),
            }
        }
        Ok(JsonPath { segs })
    }

    /// The first field name, if the path starts with one.
    pub fn first_field(&self) -> Option<&str> {
        match self.segs.first() {
            Some(Seg::Field(f)) => Some(f),
            _ => None,
        }
    }

    /// Every value the path selects, in document order.
    pub fn eval<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![root];
        for seg in &self.segs {
            let mut next = Vec::new();
            for v in current {
                match seg {
                    Seg::Field(name) => {
                        if let Some(x) = v.get(name) {
                            next.push(x);
                        }
                    }
                    Seg::Index(n) => {
                        if let Some(arr) = v.as_array() {
                            let idx = if *n < 0 { arr.len() as i64 + n } else { *n };
                            if let Some(x) = usize::try_from(idx).ok().and_then(|i| arr.get(i)) {
                                next.push(x);
                            }
                        }
                    }
                    Seg::Wildcard => match v {
                        Value::Array(a) => next.extend(a.iter()),
                        Value::Object(o) => next.extend(o.values()),
                        _ => {}
                    },
                    Seg::Filter { path, test } => {
                        let items: Vec<&Value> = match v {
                            Value::Array(a) => a.iter().collect(),
                            other => vec![other],
                        };
                        for item in items {
                            let mut x = Some(item);
                            for p in path {
                                x = x.and_then(|x| x.get(p));
                            }
                            let keep = match (test, x) {
                                (Test::Exists, x) => x.is_some_and(|x| !x.is_null()),
                                (Test::Eq(want), Some(x)) => loose_eq(x, want),
                                (Test::Ne(want), Some(x)) => !loose_eq(x, want),
                                (Test::Ne(_), None) => true,
                                (Test::Eq(_), None) => false,
                            };
                            if keep {
                                next.push(item);
                            }
                        }
                    }
                }
            }
            current = next;
        }
        current
    }

    /// The selected values as kubectl prints them: scalars bare, several joined by commas.
    pub fn render(&self, root: &Value) -> String {
        self.eval(root)
            .into_iter()
            .map(scalar_text)
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    a == b || scalar_text(a) == scalar_text(b)
}

/// A value as text: strings without quotes, other values as compact JSON.
pub(crate) fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn parse_bracket(inner: &str, text: &str) -> Result<Seg, String> {
    if inner == "*" {
        return Ok(Seg::Wildcard);
    }
    if let Some(q) = inner.chars().next().filter(|c| *c == '\'' || *c == '"') {
        let name = inner
            .strip_prefix(q)
            .and_then(|r| r.strip_suffix(q))
            .ok_or_else(|| format!("bad quoted name in {text:?}"))?;
        return Ok(Seg::Field(name.to_string()));
    }
    if let Some(expr) = inner.strip_prefix("?(").and_then(|r| r.strip_suffix(')')) {
        let expr = expr.trim();
        let (lhs, test) = if let Some((l, r)) = expr.split_once("!=") {
            (l, Test::Ne(literal(r.trim())))
        } else if let Some((l, r)) = expr.split_once("==") {
            (l, Test::Eq(literal(r.trim())))
        } else {
            (expr, Test::Exists)
        };
        let lhs = lhs.trim();
        let rest = lhs
            .strip_prefix('@')
            .ok_or_else(|| format!("filter must start with @ in {text:?}"))?;
        let path = rest
            .split('.')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        return Ok(Seg::Filter { path, test });
    }
    inner
        .parse::<i64>()
        .map(Seg::Index)
        .map_err(|_| format!("unsupported [{inner}] in {text:?}"))
}

fn literal(s: &str) -> Value {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return Value::from(inner);
        }
    }
    serde_json::from_str(s).unwrap_or_else(|_| Value::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        Value::from(json!({
            "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
            "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "envoy"}], "replicas": 3},
            "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False"}],
                       "ok": true}
        }))
    }

    fn r(path: &str) -> String {
        JsonPath::parse(path).unwrap().render(&doc())
    }

    #[test]
    fn fields_indexes_wildcards() {
        assert_eq!(r(".metadata.name"), "web");
        assert_eq!(r("{.metadata.name}"), "web");
        assert_eq!(r("metadata.name"), "web");
        assert_eq!(r(".spec.replicas"), "3");
        assert_eq!(r(".status.ok"), "true");
        assert_eq!(r(".spec.containers[0].image"), "nginx");
        assert_eq!(r(".spec.containers[-1].name"), "b");
        assert_eq!(r(".spec.containers[*].name"), "a,b");
        assert_eq!(r(".spec.containers.*.image"), "nginx,envoy");
        assert_eq!(r(".missing.path"), "");
        assert_eq!(r(".spec.containers[9].name"), "");
    }

    #[test]
    fn dotted_keys() {
        assert_eq!(r(".metadata.labels['app.kubernetes.io/name']"), "web");
        assert_eq!(r(r".metadata.labels.app\.kubernetes\.io/name"), "web");
    }

    #[test]
    fn filters() {
        assert_eq!(
            r(r#".status.conditions[?(@.type=="Ready")].status"#),
            "True"
        );
        assert_eq!(r(".status.conditions[?(@.type=='Synced')].status"), "False");
        assert_eq!(
            r(r#".status.conditions[?(@.type!="Ready")].type"#),
            "Synced"
        );
        assert_eq!(r(".spec.containers[?(@.image)].name"), "a,b");
        assert_eq!(r(".spec.containers[?(@.name == b)].image"), "envoy");
    }

    #[test]
    fn parse_errors() {
        assert!(JsonPath::parse(".a[0").is_err());
        assert!(JsonPath::parse(".a[x]").is_err());
        assert!(JsonPath::parse(".a[?(x==1)]").is_err());
    }
}
