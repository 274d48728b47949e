//! Import of Grafana dashboard JSON (schema 16+, and the older `rows` layout): rows
//! (collapsed or open, repeated), panels ([`panel`]), template variables of every kind
//! (query, custom, constant, interval with auto, textbox, datasource) with their regex,
//! sort, All/multi and hide settings. What cannot be drawn becomes a framed box on screen
//! and an entry in [`Imported::skipped`]; what is approximated is listed in
//! [`Imported::notes`]. Nothing is dropped silently.

pub(crate) mod panel;

use serde_json::Value;

use super::model::{Dashboard, GRID_COLUMNS, Row, VarKind, Variable};

/// A panel the import could not render (it is drawn as a box saying so).
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
    /// target left out, an option ignored, …).
    pub notes: Vec<String>,
}

/// The JSON is not a Grafana dashboard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ImportError {
    pub line: usize,
    pub message: String,
}

pub(crate) fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
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
    if obj.get("panels").is_none() && obj.get("rows").is_none() {
        return Err(ImportError {
            line: 1,
            message: "not a Grafana dashboard: it has neither `panels` nor `rows`".into(),
        });
    }
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
            rows: Vec::new(),
        },
        skipped: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(list) = root.pointer("/templating/list").and_then(Value::as_array) {
        for v in list {
            if let Some(var) = import_variable(v, &mut out.notes) {
                out.dashboard.variables.push(var);
            }
        }
    }
    if let Some(panels) = obj.get("panels").and_then(Value::as_array) {
        let mut row = None;
        for p in panels {
            if text(p, "type") == "row" {
                let r = import_row(p, &mut out);
                row = Some(r);
                for inner in p
                    .get("panels")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    panel::add(inner, Some(r), &mut out);
                }
            } else {
                panel::add(p, row, &mut out);
            }
        }
    } else if let Some(rows) = obj.get("rows").and_then(Value::as_array) {
        import_legacy_rows(rows, &mut out);
    }
    Ok(out)
}

fn import_row(p: &Value, out: &mut Imported) -> usize {
    out.dashboard.rows.push(Row {
        title: text(p, "title"),
        collapsed: p.get("collapsed").and_then(Value::as_bool).unwrap_or(false),
        repeat: Some(text(p, "repeat")).filter(|r| !r.is_empty()),
        scoped: Vec::new(),
    });
    out.dashboard.rows.len() - 1
}

/// Grafana before 5.0: `rows[]` with `panels[]` sized by `span` (of 12) and the row's
/// pixel `height`.
fn import_legacy_rows(rows: &[Value], out: &mut Imported) {
    for (ri, r) in rows.iter().enumerate() {
        let titled = r.get("showTitle").and_then(Value::as_bool).unwrap_or(false)
            || r.get("collapse").and_then(Value::as_bool).unwrap_or(false);
        let row = if titled || ri > 0 {
            Some(import_row(
                &serde_json::json!({
                    "title": r.get("title").cloned().unwrap_or(Value::Null),
                    "collapsed": r.get("collapse").cloned().unwrap_or(Value::Bool(false)),
                    "repeat": r.get("repeat").cloned().unwrap_or(Value::Null),
                }),
                out,
            ))
        } else {
            None
        };
        let height = |v: Option<&Value>| -> Option<u64> {
            match v? {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim_end_matches("px").trim().parse().ok(),
                _ => None,
            }
        };
        let row_h = height(r.get("height")).unwrap_or(250);
        let mut x = 0u64;
        let mut y = 0u64;
        for p in r
            .get("panels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let span = p.get("span").and_then(Value::as_f64).unwrap_or(12.0);
            let w = ((span * 2.0).round() as u64).clamp(1, u64::from(GRID_COLUMNS));
            if x + w > u64::from(GRID_COLUMNS) {
                x = 0;
                y += 1;
            }
            let h = (height(p.get("height")).unwrap_or(row_h) / 30).max(2);
            let mut p = p.clone();
            if let Some(o) = p.as_object_mut() {
                o.insert(
                    "gridPos".into(),
                    serde_json::json!({ "x": x, "y": y * h, "w": w, "h": h }),
                );
            }
            panel::add(&p, row, out);
            x += w;
        }
    }
    out.notes.push(
        "the dashboard uses the pre-5.0 `rows` layout: panel sizes converted from spans".into(),
    );
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

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// Splits a custom variable's `a,b, c` (and `key : value` pairs) into values.
fn custom_values(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in q.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => {
                out.push(std::mem::take(&mut cur));
            }
            c => {
                escaped = false;
                cur.push(c);
            }
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| match s.split_once(" : ") {
            Some((_, v)) => v.trim().to_string(),
            None => s.trim().to_string(),
        })
        .filter(|s| !s.is_empty())
        .collect()
}

fn import_variable(v: &Value, notes: &mut Vec<String>) -> Option<Variable> {
    let name = text(v, "name");
    if name.is_empty() {
        notes.push("a variable without a name was left out".into());
        return None;
    }
    let kind = text(v, "type");
    let current: Vec<String> = strings(v.pointer("/current/value"))
        .into_iter()
        .map(|c| if c == "$__all" { "all".to_string() } else { c })
        .collect();
    let options: Vec<String> = v
        .get("options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|o| o.get("value").and_then(Value::as_str))
        .filter(|o| *o != "$__all")
        .map(str::to_string)
        .collect();
    let mut var = Variable::new(&name);
    var.label = text(v, "label");
    var.default = current.first().cloned();
    var.defaults = current;
    var.include_all = v
        .get("includeAll")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    var.all_value = v
        .get("allValue")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    var.multi = v.get("multi").and_then(Value::as_bool).unwrap_or(false);
    var.regex = text(v, "regex");
    var.sort = v.get("sort").and_then(Value::as_u64).unwrap_or(0).min(8) as u8;
    var.hide = v.get("hide").and_then(Value::as_u64).unwrap_or(0).min(2) as u8;
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
            let q = if q.trim().is_empty() {
                text(v, "definition")
            } else {
                q
            };
            var.kind = VarKind::Query;
            if q.trim().is_empty() {
                notes.push(format!(
                    "variable ${name}: no query; using its saved options"
                ));
                var.kind = VarKind::Custom;
            } else {
                if q.trim_start().starts_with("label_names") {
                    notes.push(format!(
                        "variable ${name}: label_names() is not supported; using its saved options"
                    ));
                    var.kind = VarKind::Custom;
                } else {
                    var.query = Some(q);
                }
            }
            var.values = options;
        }
        "custom" => {
            var.kind = VarKind::Custom;
            var.values = if options.is_empty() {
                custom_values(&text(v, "query"))
            } else {
                options
            };
        }
        "interval" => {
            var.kind = VarKind::Interval;
            var.values = custom_values(&text(v, "query"));
            if var.values.is_empty() {
                var.values = options.into_iter().filter(|o| o != "auto").collect();
            }
            var.values.retain(|o| !o.starts_with("$__auto_interval"));
            var.auto = v.get("auto").and_then(Value::as_bool).unwrap_or(false);
            var.auto_count = v
                .get("auto_count")
                .and_then(Value::as_u64)
                .map(|c| c.min(u64::from(u32::MAX)) as u32);
            var.auto_min = Some(text(v, "auto_min")).filter(|m| !m.is_empty());
            if var.auto {
                var.values.insert(0, "auto".into());
            }
            if var
                .default
                .as_deref()
                .is_some_and(|d| d.starts_with("$__auto_interval"))
            {
                var.default = Some("auto".into());
                var.defaults = vec!["auto".into()];
            }
        }
        "constant" | "textbox" => {
            var.kind = if kind == "constant" {
                VarKind::Constant
            } else {
                VarKind::Textbox
            };
            let q = text(v, "query");
            var.values = vec![q.clone()];
            if var.default.as_deref().is_none_or(str::is_empty) || kind == "constant" {
                var.default = Some(q.clone());
                var.defaults = vec![q];
            }
        }
        // The data source is the configured Prometheus: its name is the one value.
        "datasource" => {
            var.kind = VarKind::Datasource;
            let q = text(v, "query");
            if !q.is_empty() && q != "prometheus" {
                notes.push(format!(
                    "variable ${name}: data source type {q:?}; the configured Prometheus is used"
                ));
            }
            var.values = vec!["Prometheus".into()];
            var.default = Some("Prometheus".into());
            var.defaults = vec!["Prometheus".into()];
            var.hide = var.hide.max(1);
        }
        other => {
            notes.push(format!("variable ${name}: type {other:?} is not supported"));
            return None;
        }
    }
    Some(var)
}

#[cfg(test)]
mod tests;
