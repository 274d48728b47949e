//! Import of Grafana dashboard JSON: timeseries/graph, stat/singlestat, gauge, bargauge and
//! table panels with Prometheus targets (`expr`, `legendFormat`), units, thresholds, min/max,
//! decimals, `gridPos` (the same 24-column grid), collapsed rows' panels, and `templating`
//! variables (query, custom, interval, constant). Everything else is listed in
//! [`Imported::skipped`] with the reason, never silently dropped.

use serde_json::Value;

use super::model::{
    Dashboard, GRID_COLUMNS, Grid, Panel, PanelKind, Severity, Target, Threshold, Unit, Variable,
};

/// A panel the import could not render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub title: String,
    /// Grafana's panel type (`heatmap`, `text`, …).
    pub kind: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub dashboard: Dashboard,
    pub skipped: Vec<Skipped>,
    /// Things imported approximately (an unknown unit shown as plain numbers, a hidden
    /// target left out, …).
    pub notes: Vec<String>,
}

/// The JSON is not a Grafana dashboard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ImportError {
    pub line: usize,
    pub message: String,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// Imports a dashboard (also accepts the `{"dashboard": {...}}` wrapper of the HTTP API).
pub fn import(json: &str) -> Result<Imported, ImportError> {
    let root: Value = serde_json::from_str(json).map_err(|e| ImportError {
        line: e.line(),
        message: format!("not JSON: {e}"),
    })?;
    let root = root
        .get("dashboard")
        .filter(|d| d.is_object())
        .unwrap_or(&root);
    let Some(obj) = root.as_object() else {
        return Err(ImportError {
            line: 1,
            message: "a Grafana dashboard is a JSON object".into(),
        });
    };
    let mut out = Imported {
        dashboard: Dashboard {
            title: obj
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("Imported dashboard")
                .to_string(),
            description: text(root, "description"),
            range: import_range(root),
            refresh: root
                .get("refresh")
                .and_then(Value::as_str)
                .filter(|r| super::axis::parse_duration(r).is_some())
                .map(str::to_string),
            variables: Vec::new(),
            panels: Vec::new(),
        },
        skipped: Vec::new(),
        notes: Vec::new(),
    };
    if obj.get("panels").is_none() && obj.get("rows").is_some() {
        return Err(ImportError {
            line: 1,
            message: "a dashboard with `rows` (Grafana before 5.0, schemaVersion < 16) is not \
                      supported: open and save it in a current Grafana first"
                .into(),
        });
    }
    if let Some(list) = root.pointer("/templating/list").and_then(Value::as_array) {
        for v in list {
            if let Some(var) = import_variable(v, &mut out.notes) {
                out.dashboard.variables.push(var);
            }
        }
    }
    let mut panels = Vec::new();
    for p in obj
        .get("panels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if text(p, "type") == "row" {
            // A collapsed row keeps its panels inside it.
            panels.extend(
                p.get("panels")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        } else {
            panels.push(p);
        }
    }
    for p in panels {
        match import_panel(p, &mut out.notes) {
            Ok(panel) => out.dashboard.panels.push(panel),
            Err(reason) => out.skipped.push(Skipped {
                title: text(p, "title"),
                kind: text(p, "type"),
                reason,
            }),
        }
    }
    out.dashboard.panels.sort_by_key(|p| (p.grid.y, p.grid.x));
    Ok(out)
}

/// `now-6h` → `6h`.
fn import_range(root: &Value) -> String {
    let from = root
        .pointer("/time/from")
        .and_then(Value::as_str)
        .unwrap_or("");
    from.strip_prefix("now-")
        .filter(|d| super::axis::parse_duration(d).is_some())
        .unwrap_or("1h")
        .to_string()
}

fn import_variable(v: &Value, notes: &mut Vec<String>) -> Option<Variable> {
    let name = text(v, "name");
    let kind = text(v, "type");
    let current = v
        .pointer("/current/value")
        .and_then(|c| match c {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
            _ => None,
        })
        .map(|c| if c == "$__all" { "all".to_string() } else { c });
    let options: Vec<String> = v
        .get("options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|o| o.get("value").and_then(Value::as_str))
        .filter(|o| *o != "$__all")
        .map(str::to_string)
        .collect();
    let include_all = v
        .get("includeAll")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut var = Variable {
        name: name.clone(),
        label: text(v, "label"),
        query: None,
        values: Vec::new(),
        default: current,
        include_all,
    };
    match kind.as_str() {
        "query" => {
            let q = match v.get("query") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Object(o)) => o
                    .get("query")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                _ => String::new(),
            };
            if q.is_empty() {
                notes.push(format!(
                    "variable ${name}: no query; using its saved options"
                ));
            } else {
                var.query = Some(q);
            }
            var.values = options;
        }
        "custom" | "interval" => {
            var.values = if options.is_empty() {
                text(v, "query")
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            } else {
                options
            };
        }
        "constant" | "textbox" => {
            let q = text(v, "query");
            var.values = vec![q.clone()];
            var.default = Some(var.default.unwrap_or(q));
        }
        // The data source is the configured Prometheus.
        "datasource" => return None,
        other => {
            notes.push(format!("variable ${name}: type {other:?} is not supported"));
            return None;
        }
    }
    Some(var)
}

fn import_panel(p: &Value, notes: &mut Vec<String>) -> Result<Panel, String> {
    let title = text(p, "title");
    let kind = match text(p, "type").as_str() {
        "timeseries" | "graph" => PanelKind::Timeseries,
        "stat" | "singlestat" => PanelKind::Stat,
        "gauge" => PanelKind::Gauge,
        "bargauge" => PanelKind::Bar,
        "table" | "table-old" => PanelKind::Table,
        "" => return Err("the panel has no type".into()),
        other => {
            return Err(format!(
                "panel type {other:?} cannot be drawn in a terminal"
            ));
        }
    };
    if let Some(ds) = p.pointer("/datasource/type").and_then(Value::as_str)
        && ds != "prometheus"
        && !ds.starts_with("$")
    {
        return Err(format!("data source {ds:?} is not Prometheus"));
    }
    let mut targets = Vec::new();
    let mut non_promql = 0;
    for t in p
        .get("targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if t.get("hide").and_then(Value::as_bool) == Some(true) {
            notes.push(format!(
                "panel {title:?}: hidden target {} left out",
                text(t, "refId")
            ));
            continue;
        }
        let expr = text(t, "expr");
        if expr.trim().is_empty() {
            non_promql += 1;
            continue;
        }
        targets.push(Target {
            expr,
            legend: text(t, "legendFormat"),
        });
    }
    if targets.is_empty() {
        return Err(if non_promql > 0 {
            "no PromQL target (queries without `expr`)".into()
        } else {
            "the panel has no query".into()
        });
    }
    let defaults = p.pointer("/fieldConfig/defaults");
    let unit_id = defaults
        .and_then(|d| d.get("unit"))
        .and_then(Value::as_str)
        .or_else(|| p.pointer("/yaxes/0/format").and_then(Value::as_str))
        .or_else(|| p.get("format").and_then(Value::as_str))
        .unwrap_or("short");
    let unit = Unit::from_grafana(unit_id).unwrap_or_else(|| {
        notes.push(format!(
            "panel {title:?}: unit {unit_id:?} is shown as plain numbers"
        ));
        Unit::Short
    });
    let num = |key: &str| {
        defaults
            .and_then(|d| d.get(key))
            .or_else(|| p.get(key))
            .and_then(Value::as_f64)
    };
    let mut thresholds = Vec::new();
    for step in defaults
        .and_then(|d| d.pointer("/thresholds/steps"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        thresholds.push(Threshold {
            value: step
                .get("value")
                .and_then(Value::as_f64)
                .unwrap_or(f64::NEG_INFINITY),
            color: Severity::from_grafana(&text(step, "color")),
        });
    }
    // Legacy singlestat: `"thresholds": "80,90"` (warning, critical).
    if let Some(legacy) = p.get("thresholds").and_then(Value::as_str) {
        let colors = [Severity::Warn, Severity::Critical];
        for (v, color) in legacy
            .split(',')
            .filter_map(|v| v.trim().parse().ok())
            .zip(colors)
        {
            thresholds.push(Threshold { value: v, color });
        }
    }
    // Only the base step (no value) says nothing worth drawing.
    if thresholds.iter().all(|t| t.value == f64::NEG_INFINITY) {
        thresholds.clear();
    }
    let gp = p.get("gridPos");
    let g = |k: &str, d: u16| {
        gp.and_then(|g| g.get(k))
            .and_then(Value::as_u64)
            .map(|v| v.min(u64::from(u16::MAX)) as u16)
            .unwrap_or(d)
    };
    let x = g("x", 0).min(GRID_COLUMNS - 1);
    let w = g("w", 12).clamp(1, GRID_COLUMNS - x);
    Ok(Panel {
        title,
        kind,
        unit,
        decimals: num("decimals").map(|d| d.clamp(0.0, 6.0) as u8),
        min: num("min"),
        max: num("max"),
        grid: Grid {
            x,
            y: g("y", 0),
            w,
            h: g("h", 8).max(1),
        },
        thresholds,
        targets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_dashboard_and_errors() {
        let i = import(
            r#"{"title":"X","time":{"from":"now-6h","to":"now"},"panels":[
                {"type":"text","title":"Notes","gridPos":{"x":0,"y":0,"w":24,"h":2}},
                {"type":"graph","title":"Up","gridPos":{"x":0,"y":2,"w":30,"h":8},
                 "targets":[{"expr":"up","legendFormat":"{{job}}","refId":"A"}],
                 "yaxes":[{"format":"percentunit"}]}]}"#,
        )
        .unwrap();
        assert_eq!(i.dashboard.range, "6h");
        assert_eq!(i.dashboard.panels.len(), 1);
        let p = &i.dashboard.panels[0];
        assert_eq!(
            (p.kind, p.unit, p.grid.w),
            (PanelKind::Timeseries, Unit::PercentUnit, 24)
        );
        assert_eq!(i.skipped[0].kind, "text");
        assert!(i.skipped[0].reason.contains("cannot be drawn"));

        assert_eq!(import("{\n\"title\": }").unwrap_err().line, 2);
        assert!(
            import(r#"{"rows":[]}"#)
                .unwrap_err()
                .message
                .contains("rows")
        );
    }
}
