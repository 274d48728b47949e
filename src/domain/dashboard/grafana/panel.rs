//! One Grafana panel: its type, Prometheus targets, field config (current `fieldConfig`,
//! and the legacy `fieldOptions` / `options.fieldOptions` of Grafana 6), overrides, value
//! mappings, legend, stacking, stat options, transformations and repeat.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::super::field::{
    Calc, ColorMode, FieldProps, Legend, LegendMode, Mapping, Matcher, Override, TextMode,
};
use super::super::model::{GRID_COLUMNS, Grid, Panel, PanelKind, Severity, Target, Threshold};
use super::super::table::Transform;
use super::super::units::Unit;
use super::{Imported, Skipped, text};

/// Adds panel `p` (in row `row`) to the import: drawn when it can be, a box saying why
/// when not.
pub(crate) fn add(p: &Value, row: Option<usize>, out: &mut Imported) {
    let title = text(p, "title");
    let ty = text(p, "type");
    let mut panel = Panel {
        title: title.clone(),
        grid: grid(p),
        ..Panel::default()
    };
    panel.options.row = row;
    panel.options.grafana_type = ty.clone();
    panel.options.repeat = Some(text(p, "repeat")).filter(|r| !r.is_empty());
    panel.options.repeat_vertical = text(p, "repeatDirection") == "v";
    panel.options.max_per_row = p
        .get("maxPerRow")
        .and_then(Value::as_u64)
        .map(|m| m.clamp(1, 24) as u16);
    match import_panel(p, &mut panel, &mut out.notes) {
        Ok(()) => {}
        Err(reason) => {
            panel.kind = PanelKind::Unsupported;
            panel.targets.clear();
            panel.options.text = reason.clone();
            out.skipped.push(Skipped {
                title,
                kind: ty,
                reason,
            });
        }
    }
    out.dashboard.panels.push(panel);
}

fn grid(p: &Value) -> Grid {
    let gp = p.get("gridPos");
    let g = |k: &str, d: u16| {
        gp.and_then(|g| g.get(k))
            .and_then(Value::as_u64)
            .map(|v| v.min(u64::from(u16::MAX / 4)) as u16)
            .unwrap_or(d)
    };
    let x = g("x", 0).min(GRID_COLUMNS - 1);
    let w = g("w", 12).clamp(1, GRID_COLUMNS - x);
    Grid {
        x,
        y: g("y", 0),
        w,
        h: g("h", 8).max(1),
    }
}

fn import_panel(p: &Value, panel: &mut Panel, notes: &mut Vec<String>) -> Result<(), String> {
    let title = panel.title.clone();
    panel.kind = match text(p, "type").as_str() {
        "timeseries" | "graph" | "trend" => PanelKind::Timeseries,
        "stat" | "singlestat" => PanelKind::Stat,
        "gauge" => PanelKind::Gauge,
        "bargauge" => PanelKind::Bar,
        "table" | "table-old" => PanelKind::Table,
        "text" => PanelKind::Text,
        "state-timeline" | "status-history" => PanelKind::StateTimeline,
        "heatmap" => PanelKind::Heatmap,
        "" => return Err("the panel has no type".into()),
        other => return Err(format!("not drawable in a terminal: {other}")),
    };
    if panel.kind == PanelKind::Text {
        let content = p
            .pointer("/options/content")
            .or_else(|| p.get("content"))
            .and_then(Value::as_str)
            .unwrap_or("");
        panel.options.text = content.to_string();
        return Ok(());
    }
    if let Some(ds) = p.pointer("/datasource/type").and_then(Value::as_str)
        && !matches!(ds, "prometheus" | "datasource" | "__expr__")
        && !ds.starts_with('$')
    {
        return Err(format!("data source {ds:?} is not Prometheus"));
    }
    let mut non_promql = 0;
    for t in p
        .get("targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ref_id = text(t, "refId");
        if t.get("hide").and_then(Value::as_bool) == Some(true) {
            notes.push(format!("panel {title:?}: hidden query {ref_id} left out"));
            continue;
        }
        let expr = text(t, "expr");
        if expr.trim().is_empty() {
            non_promql += 1;
            continue;
        }
        panel.targets.push(Target {
            expr,
            legend: text(t, "legendFormat"),
            ref_id,
        });
    }
    if panel.targets.is_empty() {
        return Err(if non_promql > 0 {
            "no PromQL query (queries without `expr`)".into()
        } else {
            "the panel has no query".into()
        });
    }
    field_config(p, panel, notes);
    options(p, panel, notes);
    Ok(())
}

/// The field defaults: `fieldConfig.defaults`, else Grafana 6's `options.fieldOptions
/// .defaults` or `fieldOptions.defaults`.
fn defaults(p: &Value) -> Vec<&Value> {
    [
        p.pointer("/fieldConfig/defaults"),
        p.pointer("/options/fieldOptions/defaults"),
        p.pointer("/fieldOptions/defaults"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn unit_of(id: &str, title: &str, notes: &mut Vec<String>) -> Unit {
    Unit::from_grafana(id).unwrap_or_else(|| {
        notes.push(format!(
            "panel {title:?}: unit {id:?} is shown as plain numbers"
        ));
        Unit::Short
    })
}

fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn color_of(v: &Value) -> Option<Severity> {
    match v {
        Value::String(s) if !s.is_empty() => Some(Severity::from_grafana(s)),
        Value::Object(o) => o
            .get("fixedColor")
            .and_then(Value::as_str)
            .map(Severity::from_grafana),
        _ => None,
    }
}

fn thresholds_of(v: &Value) -> Vec<Threshold> {
    let steps = v
        .get("steps")
        .and_then(Value::as_array)
        .or_else(|| v.as_array());
    let mut out: Vec<Threshold> = steps
        .into_iter()
        .flatten()
        .map(|s| Threshold {
            value: num(s.get("value")).unwrap_or(f64::NEG_INFINITY),
            color: Severity::from_grafana(&text(s, "color")),
        })
        .collect();
    out.sort_by(|a, b| a.value.total_cmp(&b.value));
    out
}

/// Current mappings (`[{type: "value", options: {...}}]`) and the older list form
/// (`[{type: 1, value, text}]`, singlestat `valueMaps`/`rangeMaps`).
fn mappings_of(v: &Value) -> Vec<Mapping> {
    let mut out = Vec::new();
    for m in v.as_array().into_iter().flatten() {
        let result = |r: Option<&Value>| {
            let r = r.unwrap_or(&Value::Null);
            (text(r, "text"), r.get("color").and_then(color_of))
        };
        match m.get("type") {
            Some(Value::String(t)) => {
                let opts = m.get("options").unwrap_or(&Value::Null);
                match t.as_str() {
                    "value" => {
                        for (value, r) in opts.as_object().into_iter().flatten() {
                            let (text, color) = result(Some(r));
                            out.push(Mapping::Value {
                                value: value.clone(),
                                text,
                                color,
                            });
                        }
                    }
                    "range" => {
                        let (text, color) = result(opts.get("result"));
                        out.push(Mapping::Range {
                            from: num(opts.get("from")),
                            to: num(opts.get("to")),
                            text,
                            color,
                        });
                    }
                    "special" => {
                        let (text, color) = result(opts.get("result"));
                        out.push(Mapping::Special {
                            what: super::text(opts, "match"),
                            text,
                            color,
                        });
                    }
                    "regex" => {
                        let (text, color) = result(opts.get("result"));
                        out.push(Mapping::Regex {
                            pattern: super::text(opts, "pattern"),
                            text,
                            color,
                        });
                    }
                    _ => {}
                }
            }
            // Grafana 7: 1 value, 2 range.
            Some(Value::Number(n)) if n.as_u64() == Some(2) => out.push(Mapping::Range {
                from: num(m.get("from")),
                to: num(m.get("to")),
                text: text(m, "text"),
                color: None,
            }),
            _ => {
                let value = text(m, "value");
                if value == "null" {
                    out.push(Mapping::Special {
                        what: "null".into(),
                        text: text(m, "text"),
                        color: None,
                    });
                } else if !value.is_empty() {
                    out.push(Mapping::Value {
                        value,
                        text: text(m, "text"),
                        color: None,
                    });
                } else if m.get("from").is_some() {
                    out.push(Mapping::Range {
                        from: num(m.get("from")),
                        to: num(m.get("to")),
                        text: text(m, "text"),
                        color: None,
                    });
                }
            }
        }
    }
    out
}

fn field_config(p: &Value, panel: &mut Panel, notes: &mut Vec<String>) {
    let title = panel.title.clone();
    let ds = defaults(p);
    let get = |k: &str| ds.iter().find_map(|d| d.get(k).filter(|v| !v.is_null()));
    let unit_id = get("unit")
        .and_then(Value::as_str)
        .or_else(|| p.pointer("/yaxes/0/format").and_then(Value::as_str))
        .or_else(|| p.get("format").and_then(Value::as_str))
        .unwrap_or("short");
    panel.unit = unit_of(unit_id, &title, notes);
    panel.decimals = num(get("decimals"))
        .or_else(|| num(p.get("decimals")))
        .map(|d| d.clamp(0.0, 6.0) as u8);
    panel.min = num(get("min")).or_else(|| {
        // Grafana 6 bar gauges and gauges kept min/max beside the defaults.
        num(p.pointer("/options/fieldOptions/min")).or_else(|| num(p.get("minValue")))
    });
    panel.max = num(get("max"))
        .or_else(|| num(p.pointer("/options/fieldOptions/max")).or_else(|| num(p.get("maxValue"))));
    // Singlestat gauges.
    if panel.min.is_none() && p.pointer("/gauge/show").and_then(Value::as_bool) == Some(true) {
        panel.min = num(p.pointer("/gauge/minValue"));
        panel.max = num(p.pointer("/gauge/maxValue"));
    }
    let mut thresholds = get("thresholds")
        .map(thresholds_of)
        .or_else(|| {
            p.pointer("/options/fieldOptions/thresholds")
                .map(thresholds_of)
        })
        .unwrap_or_default();
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
    panel.thresholds = thresholds;
    let mut mappings = get("mappings").map(mappings_of).unwrap_or_default();
    if mappings.is_empty() {
        mappings = p
            .pointer("/options/fieldOptions/mappings")
            .or_else(|| p.get("valueMaps"))
            .map(mappings_of)
            .unwrap_or_default();
        mappings.extend(p.get("rangeMaps").map(mappings_of).unwrap_or_default());
    }
    panel.options.mappings = mappings;
    // Overrides.
    for o in p
        .pointer("/fieldConfig/overrides")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = o
            .pointer("/matcher/id")
            .and_then(Value::as_str)
            .unwrap_or("");
        let arg = o
            .pointer("/matcher/options")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let matcher = match id {
            "byName" => Matcher::ByName(arg),
            "byRegexp" => Matcher::ByRegexp(arg.trim_matches('/').to_string()),
            "byFrameRefID" => Matcher::ByQuery(arg),
            other => {
                notes.push(format!(
                    "panel {title:?}: override matcher {other:?} ignored"
                ));
                continue;
            }
        };
        let mut props = FieldProps::default();
        for prop in o
            .get("properties")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let value = prop.get("value").unwrap_or(&Value::Null);
            match prop.get("id").and_then(Value::as_str).unwrap_or("") {
                "unit" => {
                    props.unit = value.as_str().map(|u| unit_of(u, &title, notes));
                }
                "decimals" => props.decimals = num(Some(value)).map(|d| d.clamp(0.0, 6.0) as u8),
                "min" => props.min = num(Some(value)),
                "max" => props.max = num(Some(value)),
                "color" => props.color = color_of(value),
                "displayName" | "displayNameFromDS" => {
                    props.display_name = value.as_str().map(str::to_string);
                }
                "custom.hidden" => props.hidden = value.as_bool().unwrap_or(false),
                "custom.hideFrom" => {
                    props.hidden = value.get("viz").and_then(Value::as_bool).unwrap_or(false);
                }
                "thresholds" => props.thresholds = Some(thresholds_of(value)),
                "mappings" => props.mappings = Some(mappings_of(value)),
                other => notes.push(format!(
                    "panel {title:?}: override property {other:?} ignored"
                )),
            }
        }
        panel.options.overrides.push(Override { matcher, props });
    }
    if p.get("seriesOverrides")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty())
    {
        notes.push(format!("panel {title:?}: legacy seriesOverrides ignored"));
    }
}

fn calcs(v: Option<&Value>) -> Vec<Calc> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(Calc::from_grafana)
        .collect()
}

fn options(p: &Value, panel: &mut Panel, notes: &mut Vec<String>) {
    let title = panel.title.clone();
    let o = &mut panel.options;
    // Legend: current options, else the graph panel's.
    if let Some(l) = p.pointer("/options/legend") {
        o.legend = Legend {
            mode: match (
                text(l, "displayMode").as_str(),
                l.get("showLegend").and_then(Value::as_bool),
            ) {
                (_, Some(false)) | ("hidden", _) => LegendMode::Hidden,
                ("table", _) => LegendMode::Table,
                _ => LegendMode::List,
            },
            calcs: calcs(l.get("calcs")),
        };
    } else if let Some(l) = p.get("legend").filter(|l| l.is_object()) {
        let flag = |k: &str| l.get(k).and_then(Value::as_bool).unwrap_or(false);
        let mut c = Vec::new();
        for (k, calc) in [
            ("current", Calc::LastNotNull),
            ("min", Calc::Min),
            ("max", Calc::Max),
            ("avg", Calc::Mean),
            ("total", Calc::Sum),
        ] {
            if flag("values") && flag(k) {
                c.push(calc);
            }
        }
        o.legend = Legend {
            mode: if l.get("show").and_then(Value::as_bool) == Some(false) {
                LegendMode::Hidden
            } else if flag("alignAsTable") {
                LegendMode::Table
            } else {
                LegendMode::List
            },
            calcs: c,
        };
    }
    let custom = p.pointer("/fieldConfig/defaults/custom");
    let cget = |k: &str| custom.and_then(|c| c.get(k));
    o.stack = cget("stacking")
        .and_then(|s| s.get("mode"))
        .and_then(Value::as_str)
        .is_some_and(|m| m != "none")
        || p.get("stack").and_then(Value::as_bool).unwrap_or(false);
    o.fill = num(cget("fillOpacity"))
        .or_else(|| num(p.get("fill")).map(|f| f * 10.0))
        .unwrap_or(0.0)
        .clamp(0.0, 100.0) as u8;
    if p.get("lines").and_then(Value::as_bool) == Some(false)
        && p.get("bars").and_then(Value::as_bool) != Some(true)
    {
        o.points = true;
    }
    o.points |= cget("drawStyle").and_then(Value::as_str) == Some("points")
        || cget("showPoints").and_then(Value::as_str) == Some("always")
        || p.get("points").and_then(Value::as_bool).unwrap_or(false);
    // Stat/gauge reduction.
    let reduce = calcs(p.pointer("/options/reduceOptions/calcs"))
        .into_iter()
        .next()
        .or_else(|| {
            calcs(p.pointer("/options/fieldOptions/calcs"))
                .into_iter()
                .next()
        })
        .or_else(|| {
            p.get("valueName")
                .and_then(Value::as_str)
                .and_then(Calc::from_grafana)
        });
    o.reduce = reduce.unwrap_or_default();
    o.text_mode = match p.pointer("/options/textMode").and_then(Value::as_str) {
        Some("value") => TextMode::Value,
        Some("value_and_name") => TextMode::ValueAndName,
        Some("name") => TextMode::Name,
        Some("none") => TextMode::None,
        _ => TextMode::Auto,
    };
    o.color_mode = match p.pointer("/options/colorMode").and_then(Value::as_str) {
        Some("background" | "background_solid") => ColorMode::Background,
        Some("none") => ColorMode::None,
        Some(_) => ColorMode::Value,
        None if p.get("colorBackground").and_then(Value::as_bool) == Some(true) => {
            ColorMode::Background
        }
        None => ColorMode::Value,
    };
    // Transformations.
    for t in p
        .get("transformations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if t.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let id = text(t, "id");
        let opts = t.get("options").unwrap_or(&Value::Null);
        let names = |k: &str| -> BTreeSet<String> {
            opts.get(k)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(_, v)| v.as_bool() == Some(true))
                .map(|(k, _)| k.clone())
                .collect()
        };
        o.transformations.push(match id.as_str() {
            "merge" | "seriesToColumns" | "joinByField" | "joinByLabels" => Transform::Join {
                field: Some(text(opts, "byField")).filter(|f| !f.is_empty()),
            },
            "organize" => Transform::Organize {
                exclude: names("excludeByName"),
                include: BTreeSet::new(),
                rename: opts
                    .get("renameByName")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect::<BTreeMap<_, _>>(),
                order: opts
                    .get("indexByName")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_i64()?)))
                    .collect(),
            },
            "filterFieldsByName" => Transform::Organize {
                exclude: BTreeSet::new(),
                include: opts
                    .pointer("/include/names")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                rename: BTreeMap::new(),
                order: BTreeMap::new(),
            },
            "reduce" => Transform::Reduce {
                calcs: calcs(opts.get("reducers")),
            },
            // Labels are already columns.
            "labelsToFields" => continue,
            other => {
                notes.push(format!("panel {title:?}: transformation {other:?} ignored"));
                Transform::Other(other.to_string())
            }
        });
    }
}
