//! Light PromQL text handling without a full parser: a canonical form of a query for
//! matching recorded answers ([`normalize`]), a bracket/quote check that reports errors the
//! way Prometheus words them ([`check_syntax`]), and series selectors for `match[]`
//! ([`Selector`]).

use std::collections::BTreeMap;

/// The canonical form of a query, for looking up recorded answers:
/// - whitespace and `#` comments outside quotes are dropped, except one space between two
///   word characters (`sum by(node)` and `sum  by (node)` are the same query);
/// - the content of every `[...]` (range selectors, subqueries) becomes `_`, so `[5m]`,
///   `[1m0s]` and `[$__rate_interval]` expanded for any step all match.
///
/// Quoted strings are kept as written.
pub fn normalize(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut chars = expr.chars().peekable();
    let mut pending_space = false;
    let word = |c: char| c.is_alphanumeric() || matches!(c, '_' | ':' | '.');
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                flush_space(&mut out, &mut pending_space, c, word);
                out.push(c);
                while let Some(q) = chars.next() {
                    out.push(q);
                    if q == '\\' && c != '`' {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    } else if q == c {
                        break;
                    }
                }
            }
            '#' => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                pending_space = true;
            }
            '[' => {
                flush_space(&mut out, &mut pending_space, c, word);
                for n in chars.by_ref() {
                    if n == ']' {
                        break;
                    }
                }
                out.push_str("[_]");
            }
            c if c.is_whitespace() => pending_space = true,
            c => {
                flush_space(&mut out, &mut pending_space, c, word);
                out.push(c);
            }
        }
    }
    out
}

fn flush_space(out: &mut String, pending: &mut bool, next: char, word: impl Fn(char) -> bool) {
    if *pending && out.chars().next_back().is_some_and(&word) && word(next) {
        out.push(' ');
    }
    *pending = false;
}

/// Checks brackets, braces, parentheses and quotes; an error is Prometheus's own message
/// with its position, e.g. `1:16: parse error: unclosed left parenthesis` (line and
/// column are 1-based, columns count bytes, as Prometheus does).
pub(crate) fn check_syntax(expr: &str) -> Result<(), String> {
    let err = |line: usize, col: usize, msg: &str| Err(format!("{line}:{col}: parse error: {msg}"));
    if expr.trim().is_empty() {
        return err(1, 1, "no expression found in input");
    }
    let mut stack: Vec<char> = Vec::new();
    let (mut line, mut line_start) = (1usize, 0usize);
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let col = i - line_start + 1;
        match c {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'"' | b'\'' | b'`' => {
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None => return err(line, col, "unterminated quoted string"),
                        Some(b'\\') if c != b'`' => j += 2,
                        Some(&q) if q == c => break,
                        Some(b'\n') if c != b'`' => {
                            return err(line, col, "unterminated quoted string");
                        }
                        Some(_) => j += 1,
                    }
                }
                i = j;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'(' => stack.push('('),
            b'{' => stack.push('{'),
            b'[' => stack.push('['),
            // The guards pop: a matching closer falls through to `_`.
            b')' if stack.pop() != Some('(') => {
                return err(line, col + 1, "unexpected right parenthesis ')'");
            }
            b'}' if stack.pop() != Some('{') => return err(line, col, "unexpected character: '}'"),
            b']' if stack.pop() != Some('[') => {
                return err(line, col, "unexpected right bracket ']'");
            }
            b'$' if stack.last() == Some(&'{') => {
                return err(line, col, "unexpected character inside braces: '$'");
            }
            b'$' => return err(line, col, "unexpected character: '$'"),
            _ => {}
        }
        i += 1;
    }
    let end = expr.len() - line_start + 1;
    if stack.contains(&'(') {
        return err(line, end, "unclosed left parenthesis");
    }
    match stack.last() {
        Some('{') => err(line, end, "unexpected end of input inside braces"),
        Some('[') => err(line, end, "unclosed left bracket"),
        _ => Ok(()),
    }
}

/// A label matcher operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// One `label op "value"` of a selector.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    pub label: String,
    pub op: MatchOp,
    pub value: String,
    regex: Option<regex::Regex>,
}

impl Matcher {
    pub(crate) fn new(label: &str, op: MatchOp, value: &str) -> Result<Matcher, String> {
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(
                // Prometheus anchors label regexes at both ends.
                regex::Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("invalid regular expression {value:?}: {e}"))?,
            ),
            _ => None,
        };
        Ok(Matcher {
            label: label.to_string(),
            op,
            value: value.to_string(),
            regex,
        })
    }

    /// Whether a series' labels satisfy this matcher (a missing label is the empty string).
    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.label).map(String::as_str).unwrap_or("");
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => v == self.value,
            (MatchOp::NotEqual, _) => v != self.value,
            (MatchOp::Regex, Some(r)) => r.is_match(v),
            (MatchOp::NotRegex, Some(r)) => !r.is_match(v),
            _ => false,
        }
    }
}

/// A series selector as `match[]` takes it: `name`, `name{a="b", c=~"d.*"}`, `{__name__="x"}`.
#[derive(Debug, Clone)]
pub(crate) struct Selector {
    pub(crate) matchers: Vec<Matcher>,
}

impl Selector {
    /// Parses a selector; errors are Prometheus-style `1:N: parse error: …` messages.
    pub(crate) fn parse(text: &str) -> Result<Selector, String> {
        check_syntax(text)?;
        let text = text.trim();
        let perr = |col: usize, msg: &str| format!("1:{col}: parse error: {msg}");
        let (name, rest) = match text.find('{') {
            Some(i) => (text[..i].trim(), &text[i..]),
            None => (text, ""),
        };
        let mut matchers = Vec::new();
        if !name.is_empty() {
            if !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
            {
                return Err(perr(
                    1,
                    &format!("unexpected character in selector: {name:?}"),
                ));
            }
            matchers.push(Matcher::new("__name__", MatchOp::Equal, name)?);
        }
        if !rest.is_empty() {
            let inner = rest
                .strip_prefix('{')
                .and_then(|r| r.trim_end().strip_suffix('}'))
                .ok_or_else(|| perr(text.len() + 1, "unexpected input after selector"))?;
            let mut s = inner.trim_start();
            while !s.is_empty() {
                let lend = s
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(s.len());
                let label = &s[..lend];
                s = s[lend..].trim_start();
                let (op, len) = if s.starts_with("=~") {
                    (MatchOp::Regex, 2)
                } else if s.starts_with("!~") {
                    (MatchOp::NotRegex, 2)
                } else if s.starts_with("!=") {
                    (MatchOp::NotEqual, 2)
                } else if s.starts_with('=') {
                    (MatchOp::Equal, 1)
                } else {
                    return Err(perr(1, "unexpected label matcher in selector"));
                };
                s = s[len..].trim_start();
                let quote = s.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'));
                let Some(q) = quote else {
                    return Err(perr(1, "unexpected label value in selector"));
                };
                let (value, tail) =
                    unquote(s, q).ok_or_else(|| perr(1, "unterminated quoted string"))?;
                if label.is_empty() {
                    return Err(perr(1, "unexpected label matcher in selector"));
                }
                matchers.push(Matcher::new(label, op, &value)?);
                s = tail.trim_start();
                s = s.strip_prefix(',').unwrap_or(s).trim_start();
            }
        }
        if !matchers.iter().any(|m| !m.matches(&BTreeMap::new())) {
            return Err(perr(
                1,
                "vector selector must contain at least one non-empty matcher",
            ));
        }
        Ok(Selector { matchers })
    }

    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matchers.iter().all(|m| m.matches(labels))
    }
}

/// The string value at the start of `s` (opening quote `q`) and what follows it.
fn unquote(s: &str, q: char) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if q != '`' => {
                let (_, e) = chars.next()?;
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
            }
            c if c == q => return Some((out, &s[i + c.len_utf8()..])),
            c => out.push(c),
        }
    }
    None
}

/// Every query a recording answers for the built-in dashboards and the panes: each
/// dashboard target expanded with its variables' defaults (`all` is `.*`) at `step`, then
/// [`super::panes::ALL`]. Recorders capture these; tests check recordings against them.
pub fn builtin_queries(step: std::time::Duration) -> Vec<String> {
    use super::template::{Bindings, expand};
    let mut out = Vec::new();
    for loaded in super::load::builtin().into_iter().flatten() {
        let d = &loaded.dashboard;
        let range = super::axis::parse_duration(&d.range).unwrap_or(step);
        let mut b = Bindings::new(step, range);
        for v in &d.variables {
            let value = v
                .default
                .clone()
                .or_else(|| v.values.first().cloned())
                .unwrap_or_else(|| "all".into());
            b.values.insert(
                v.name.clone(),
                super::template::VarValue {
                    all: value == "all",
                    values: vec![value],
                    all_value: v.all_value.clone(),
                    regex_context: v.multi || v.include_all,
                },
            );
        }
        out.extend(
            d.panels
                .iter()
                .flat_map(|p| &p.targets)
                .map(|t| expand(&t.expr, &b)),
        );
    }
    out.extend(super::panes::ALL.iter().map(|q| q.to_string()));
    out
}

/// `(metric, label)` of every built-in dashboard variable written
/// `label_values(metric, label)`: the console asks `/api/v1/label/LABEL/values?match[]=metric`.
pub fn builtin_label_values() -> Vec<(String, String)> {
    super::load::builtin()
        .into_iter()
        .flatten()
        .flat_map(|l| l.dashboard.variables)
        .filter_map(|v| parse_label_values(v.query.as_deref()?))
        .collect()
}

/// `label_values(metric, label)` → `(metric, label)`.
pub(crate) fn parse_label_values(query: &str) -> Option<(String, String)> {
    let inner = query
        .trim()
        .strip_prefix("label_values(")?
        .strip_suffix(')')?;
    let (metric, label) = inner.rsplit_once(',')?;
    let (metric, label) = (metric.trim(), label.trim());
    (!metric.is_empty() && !label.is_empty()).then(|| (metric.to_string(), label.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_ignores_spacing_and_range_durations() {
        let a = r#"sum by (node) (rate(container_cpu_usage_seconds_total{container!="",image!=""}[5m]))"#;
        let b = "sum  by(node)(\n  rate(container_cpu_usage_seconds_total{container!=\"\", image!=\"\"}[1m0s])\n)";
        assert_eq!(normalize(a), normalize(b));
        assert_eq!(
            normalize("rate(x[$__rate_interval])"),
            normalize("rate(x[10m15s])")
        );
        assert_eq!(
            normalize("x * on (instance) group_left (pool) y"),
            "x*on(instance)group_left(pool)y"
        );
        assert_eq!(normalize("sum by (a) (x) # comment\n"), "sum by(a)(x)");
    }

    #[test]
    fn normalize_keeps_quoted_text_and_word_boundaries() {
        assert_ne!(normalize(r#"x{a="b  c"}"#), normalize(r#"x{a="b c"}"#));
        assert_eq!(normalize(r#"x{a="[5m]"}"#), r#"x{a="[5m]"}"#);
        assert_eq!(normalize("x   and   y"), "x and y");
        assert_ne!(normalize("x{a=\"1\"}"), normalize("x{a=\"2\"}"));
        assert_eq!(normalize(r#"x{a="q\"  [b]"}"#), r#"x{a="q\"  [b]"}"#);
    }

    #[test]
    fn syntax_errors_are_worded_and_placed_like_prometheus() {
        // Positions and words checked against Prometheus 2.42's answers.
        let cases = [
            (
                "sum(rate(x[5m])",
                "1:16: parse error: unclosed left parenthesis",
            ),
            (
                "x{a=\"b\"",
                "1:8: parse error: unexpected end of input inside braces",
            ),
            ("x{a=\"b}", "1:5: parse error: unterminated quoted string"),
            (
                "sum(x))",
                "1:8: parse error: unexpected right parenthesis ')'",
            ),
            ("x}", "1:2: parse error: unexpected character: '}'"),
            ("", "1:1: parse error: no expression found in input"),
            ("x[5m", "1:5: parse error: unclosed left bracket"),
            ("x]", "1:2: parse error: unexpected right bracket ']'"),
            ("sum(x[5m", "1:9: parse error: unclosed left parenthesis"),
            (
                "sum(\n  rate(x[5m])",
                "2:14: parse error: unclosed left parenthesis",
            ),
            (
                "x{a=\"b\",\n c=\"d\"",
                "2:7: parse error: unexpected end of input inside braces",
            ),
            (
                "rate(x{a=~$pool}[5m])",
                "1:11: parse error: unexpected character inside braces: '$'",
            ),
        ];
        for (q, want) in cases {
            assert_eq!(check_syntax(q), Err(want.to_string()), "{q:?}");
        }
        assert_eq!(check_syntax(r#"rate(x{a=~"$pool"}[5m]) # (("#), Ok(()));
        assert_eq!(check_syntax(r#"x{a="\")"}"#), Ok(()));
    }

    #[test]
    fn selectors_match_label_sets() {
        let labels: BTreeMap<String, String> = [
            ("__name__", "kube_node_labels"),
            ("label_eks_amazonaws_com_nodegroup", "infra"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let yes = [
            "kube_node_labels",
            r#"kube_node_labels{label_eks_amazonaws_com_nodegroup=~"inf.*"}"#,
            r#"{__name__="kube_node_labels", missing=""}"#,
            r#"kube_node_labels{label_eks_amazonaws_com_nodegroup!~"apps|database"}"#,
        ];
        for s in yes {
            assert!(Selector::parse(s).expect(s).matches(&labels), "{s}");
        }
        let no = [
            "up",
            r#"kube_node_labels{label_eks_amazonaws_com_nodegroup="apps"}"#,
            r#"kube_node_labels{label_eks_amazonaws_com_nodegroup=~"inf"}"#,
        ];
        for s in no {
            assert!(!Selector::parse(s).expect(s).matches(&labels), "{s}");
        }
        assert!(
            Selector::parse("up{")
                .unwrap_err()
                .contains("1:4: parse error")
        );
        assert!(Selector::parse(r#"{a=""}"#).is_err());
    }

    #[test]
    fn builtin_queries_cover_dashboards_and_panes() {
        let qs = builtin_queries(std::time::Duration::from_secs(60));
        assert!(qs.iter().all(|q| !q.contains('$')), "{qs:?}");
        assert!(qs.iter().any(|q| q.contains(r#"=~".*""#)));
        for p in super::super::panes::ALL {
            assert!(qs.iter().any(|q| q == p));
        }
        assert_eq!(
            parse_label_values("label_values(kube_node_labels, label_eks_amazonaws_com_nodegroup)"),
            Some((
                "kube_node_labels".into(),
                "label_eks_amazonaws_com_nodegroup".into()
            ))
        );
        assert!(builtin_label_values().contains(&("cnpg_collector_up".into(), "cluster".into())));
    }
}
