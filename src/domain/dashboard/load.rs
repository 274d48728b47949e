//! Loading dashboards: built-in ones embedded from `dashboards/*.toml`, user ones from
//! `dashboards/*.toml` (TOML) and `dashboards/*.json` (Grafana) in the config directory.
//! TOML is parsed strictly: unknown fields, wrong types and invalid layouts are errors with
//! file, line and field.

use serde::Deserialize;
use toml::Spanned;

use super::grafana;
use super::model::{Dashboard, GRID_COLUMNS, Panel};

/// Built-in dashboards: (id, TOML text).
pub(crate) const BUILTIN: [(&str, &str); 4] = [
    (
        "cluster-overview",
        include_str!("../../../dashboards/cluster-overview.toml"),
    ),
    (
        "node-pool",
        include_str!("../../../dashboards/node-pool.toml"),
    ),
    ("cnpg", include_str!("../../../dashboards/cnpg.toml")),
    ("argocd", include_str!("../../../dashboards/argocd.toml")),
];

/// A dashboard file that could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {field}{message}")]
pub struct DashboardError {
    pub file: String,
    /// 1-based; 0 when unknown.
    pub line: usize,
    /// `panel[2].grid: ` or empty.
    pub field: String,
    pub message: String,
}

/// A loaded dashboard and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// `cluster-overview`, or the file stem of a user dashboard.
    pub id: String,
    /// `built-in`, or the file path.
    pub(crate) origin: String,
    pub dashboard: Dashboard,
    /// Panels an import could not render, and why.
    pub skipped: Vec<grafana::Skipped>,
    /// What an import approximated or ignored (units, options, variable types).
    pub notes: Vec<String>,
}

impl Loaded {
    /// The import report of this dashboard: skipped panels, then notes.
    pub fn report(&self) -> Vec<String> {
        self.skipped
            .iter()
            .map(|s| format!("panel {:?} ({}): {}", s.title, s.kind, s.reason))
            .chain(self.notes.iter().cloned())
            .collect()
    }
}

/// The same fields as [`Dashboard`] but panels keep their position in the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDashboard {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    range: Option<String>,
    #[serde(default)]
    refresh: Option<String>,
    #[serde(default, rename = "variable")]
    variables: Vec<super::model::Variable>,
    #[serde(default, rename = "panel")]
    panels: Vec<Spanned<Panel>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses one TOML dashboard strictly.
pub(crate) fn parse_toml(file: &str, text: &str) -> Result<Dashboard, DashboardError> {
    let raw: RawDashboard = toml::from_str(text).map_err(|e| DashboardError {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
        field: String::new(),
        message: e.message().trim().to_string(),
    })?;
    let err = |line: usize, field: String, message: String| DashboardError {
        file: file.to_string(),
        line,
        field,
        message,
    };
    let range = raw.range.unwrap_or_else(|| "1h".into());
    if super::axis::parse_duration(&range).is_none() {
        return Err(err(
            0,
            "range: ".into(),
            format!("not a duration: {range:?}"),
        ));
    }
    if let Some(r) = &raw.refresh
        && r != "off"
        && super::axis::parse_duration(r).is_none()
    {
        return Err(err(0, "refresh: ".into(), format!("not a duration: {r:?}")));
    }
    let mut panels = Vec::new();
    for (i, sp) in raw.panels.into_iter().enumerate() {
        let line = line_of(text, sp.span().start);
        let p = sp.into_inner();
        let field = |f: &str| format!("panel[{i}] {:?}.{f}: ", p.title);
        if p.grid.w == 0 || p.grid.x + p.grid.w > GRID_COLUMNS {
            return Err(err(
                line,
                field("grid"),
                format!(
                    "x + w must be within 1..={GRID_COLUMNS} columns (x = {}, w = {})",
                    p.grid.x, p.grid.w
                ),
            ));
        }
        if p.grid.h == 0 {
            return Err(err(line, field("grid.h"), "must be at least 1".into()));
        }
        if p.targets.is_empty() {
            return Err(err(line, field("target"), "a panel needs a target".into()));
        }
        if let Some(t) = p.targets.iter().find(|t| t.expr.trim().is_empty()) {
            return Err(err(
                line,
                field("target.expr"),
                format!("empty expression (legend {:?})", t.legend),
            ));
        }
        if p.thresholds.windows(2).any(|w| w[1].value < w[0].value) {
            return Err(err(
                line,
                field("threshold"),
                "thresholds must be in ascending order".into(),
            ));
        }
        panels.push(p);
    }
    for v in &raw.variables {
        if v.name.is_empty()
            || !v
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(err(
                0,
                "variable.name: ".into(),
                format!("{:?} is not a variable name", v.name),
            ));
        }
    }
    // In TOML dashboards "All" is a regex that matches every value, also new ones.
    let mut variables = raw.variables;
    for v in &mut variables {
        if v.include_all && v.all_value.is_none() {
            v.all_value = Some(".*".into());
        }
    }
    Ok(Dashboard {
        title: raw.title,
        description: raw.description,
        range,
        refresh: raw.refresh,
        variables,
        panels,
        rows: Vec::new(),
    })
}

/// The built-in dashboards; an error here is a bug caught by the tests.
pub(crate) fn builtin() -> Vec<Result<Loaded, DashboardError>> {
    BUILTIN
        .iter()
        .map(|(id, text)| {
            parse_toml(&format!("dashboards/{id}.toml"), text).map(|dashboard| Loaded {
                id: (*id).to_string(),
                origin: "built-in".into(),
                dashboard,
                skipped: Vec::new(),
                notes: Vec::new(),
            })
        })
        .collect()
}

/// One dashboard file's text (TOML, or Grafana JSON when `json`), named `file` in errors;
/// `id` is the file's stem.
pub(crate) fn parse_file(
    file: &str,
    id: &str,
    json: bool,
    text: &str,
) -> Result<Loaded, DashboardError> {
    let file = file.to_string();
    let id = id.to_string();
    if json {
        let imported = grafana::import(text).map_err(|e| DashboardError {
            file: file.clone(),
            line: e.line,
            field: String::new(),
            message: e.message,
        })?;
        Ok(Loaded {
            id,
            origin: file,
            dashboard: imported.dashboard,
            skipped: imported.skipped,
            notes: imported.notes,
        })
    } else {
        Ok(Loaded {
            id,
            origin: file.clone(),
            dashboard: parse_toml(&file, text)?,
            skipped: Vec::new(),
            notes: Vec::new(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        for d in builtin() {
            let d = d.unwrap();
            assert!(!d.dashboard.panels.is_empty(), "{}", d.id);
        }
    }

    pub(crate) const GOOD: &str = r#"
title = "T"

[[panel]]
title = "CPU"
kind = "timeseries"
unit = "percent"
grid = { x = 0, y = 0, w = 12, h = 8 }
[[panel.target]]
expr = "up"
"#;

    #[test]
    fn strict_errors_name_file_line_and_field() {
        assert!(parse_toml("d.toml", GOOD).is_ok());
        let bad = GOOD.replace("unit = \"percent\"", "unit = \"furlongs\"");
        let e = parse_toml("d.toml", &bad).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("d.toml", 7), "{e}");
        assert!(e.message.contains("furlongs"), "{e}");

        let bad = GOOD.replace("kind = ", "colour = \"red\"\nkind = ");
        let e = parse_toml("d.toml", &bad).unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("unknown field `colour`"), "{e}");

        let bad = GOOD
            .replace("w = 12", "w = 20, x = 8")
            .replace("x = 0, ", "");
        let e = parse_toml("d.toml", &bad).unwrap_err();
        assert_eq!(e.field, "panel[0] \"CPU\".grid: ", "{e}");
        assert_eq!(e.line, 4, "{e}");
        assert!(
            e.to_string()
                .starts_with("d.toml:4: panel[0] \"CPU\".grid: x + w"),
            "{e}"
        );

        let bad = GOOD.replace("expr = \"up\"", "expr = \"\"");
        assert!(
            parse_toml("d.toml", &bad)
                .unwrap_err()
                .field
                .contains("target.expr")
        );
        let bad = GOOD.replace("title = \"T\"", "title = \"T\"\nrange = \"forever\"");
        assert!(
            parse_toml("d.toml", &bad)
                .unwrap_err()
                .message
                .contains("forever")
        );
    }
}
