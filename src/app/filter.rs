//! The `/` filter of tables and logs: a substring (case-insensitive), `!` to invert, or
//! `-l key=value,…` for a label selector (`k=v`, `k==v`, `k!=v`, `k`, `!k`).

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelReq {
    Eq(String, String),
    Ne(String, String),
    Exists(String),
    Absent(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    None,
    Text {
        needle: String,
        invert: bool,
    },
    Labels(Vec<LabelReq>),
}

impl Filter {
    pub fn parse(input: &str) -> Result<Filter, String> {
        let s = input.trim();
        if s.is_empty() {
            return Ok(Filter::None);
        }
        if let Some(sel) = s
            .strip_prefix("-l")
            .filter(|r| r.is_empty() || r.starts_with(' '))
        {
            return parse_selector(sel.trim()).map(Filter::Labels);
        }
        if let Some(rest) = s.strip_prefix('!') {
            if rest.is_empty() {
                return Ok(Filter::None);
            }
            return Ok(Filter::Text {
                needle: rest.to_lowercase(),
                invert: true,
            });
        }
        Ok(Filter::Text {
            needle: s.to_lowercase(),
            invert: false,
        })
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Filter::None)
    }

    /// Whether a row with this text and these labels passes.
    pub fn matches(&self, text: &str, labels: Option<&BTreeMap<String, String>>) -> bool {
        match self {
            Filter::None => true,
            Filter::Text { needle, invert } => {
                text.to_lowercase().contains(needle.as_str()) != *invert
            }
            Filter::Labels(reqs) => reqs.iter().all(|r| label_matches(r, labels)),
        }
    }

    /// Whether matching needs the row's text (label filters do not).
    pub fn needs_text(&self) -> bool {
        matches!(self, Filter::Text { .. })
    }

    /// The substring to highlight, if any.
    pub fn highlight(&self) -> Option<&str> {
        match self {
            Filter::Text {
                needle,
                invert: false,
            } => Some(needle),
            _ => None,
        }
    }
}

fn label_matches(req: &LabelReq, labels: Option<&BTreeMap<String, String>>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k));
    match req {
        LabelReq::Eq(k, v) => get(k) == Some(v),
        LabelReq::Ne(k, v) => get(k) != Some(v),
        LabelReq::Exists(k) => get(k).is_some(),
        LabelReq::Absent(k) => get(k).is_none(),
    }
}

pub(crate) fn parse_selector(sel: &str) -> Result<Vec<LabelReq>, String> {
    if sel.is_empty() {
        return Err("-l needs a selector such as app=web".into());
    }
    sel.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let valid = |k: &str| !k.is_empty() && !k.contains(char::is_whitespace);
            if let Some((k, v)) = part.split_once("!=") {
                let k = k.trim();
                return if valid(k) {
                    Ok(LabelReq::Ne(k.into(), v.trim().into()))
                } else {
                    Err(format!("bad selector {part:?}"))
                };
            }
            if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                let k = k.trim();
                return if valid(k) {
                    Ok(LabelReq::Eq(k.into(), v.trim().into()))
                } else {
                    Err(format!("bad selector {part:?}"))
                };
            }
            if let Some(k) = part.strip_prefix('!') {
                return if valid(k.trim()) {
                    Ok(LabelReq::Absent(k.trim().into()))
                } else {
                    Err(format!("bad selector {part:?}"))
                };
            }
            if valid(part) {
                Ok(LabelReq::Exists(part.into()))
            } else {
                Err(format!("bad selector {part:?}"))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses() {
        assert_eq!(Filter::parse("  ").unwrap(), Filter::None);
        assert_eq!(
            Filter::parse("Web").unwrap(),
            Filter::Text {
                needle: "web".into(),
                invert: false
            }
        );
        assert_eq!(
            Filter::parse("!web").unwrap(),
            Filter::Text {
                needle: "web".into(),
                invert: true
            }
        );
        assert_eq!(
            Filter::parse("-l app=web, tier!=db,canary,!legacy").unwrap(),
            Filter::Labels(vec![
                LabelReq::Eq("app".into(), "web".into()),
                LabelReq::Ne("tier".into(), "db".into()),
                LabelReq::Exists("canary".into()),
                LabelReq::Absent("legacy".into()),
            ])
        );
        assert!(Filter::parse("-l").is_err());
        assert!(Filter::parse("-l =x").is_err());
        assert_eq!(
            Filter::parse("-lx").unwrap(),
            Filter::Text {
                needle: "-lx".into(),
                invert: false
            }
        );
    }

    #[test]
    fn matches() {
        let f = Filter::parse("nginx").unwrap();
        assert!(f.matches("default nginx-1 Running", None));
        assert!(!f.matches("default redis Running", None));
        let f = Filter::parse("!nginx").unwrap();
        assert!(!f.matches("nginx-1", None));
        let f = Filter::parse("-l app=web,!legacy").unwrap();
        assert!(f.matches("", Some(&labels(&[("app", "web")]))));
        assert!(!f.matches("", Some(&labels(&[("app", "web"), ("legacy", "1")]))));
        assert!(!f.matches("", None));
    }
}
