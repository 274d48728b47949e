//! The dashboard model: panels on a 24-column grid (as Grafana), targets, units,
//! thresholds, template variables. Deserialized strictly from TOML (`deny_unknown_fields`).

use serde::{Deserialize, Serialize};

/// Width of the layout grid, in columns (Grafana's).
pub(crate) const GRID_COLUMNS: u16 = 24;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) description: String,
    /// Default time range, e.g. `1h`.
    #[serde(default = "default_range")]
    pub range: String,
    /// Default auto refresh, e.g. `30s` (`off` or absent: manual).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
    #[serde(default, rename = "variable", skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
    #[serde(default, rename = "panel")]
    pub panels: Vec<Panel>,
    /// Grafana rows (imported only): headers that group the panels whose
    /// [`PanelOptions::row`] names them.
    #[serde(skip)]
    pub rows: Vec<Row>,
}

/// A Grafana row: a header line above its panels, collapsed or open, maybe repeated for
/// each value of a variable.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    pub title: String,
    pub collapsed: bool,
    pub repeat: Option<String>,
    /// The variable values of a repeated copy (`$node` = `n1`).
    pub scoped: Vec<(String, String)>,
}

fn default_range() -> String {
    "1h".into()
}

/// A template variable (`$namespace`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Where values come from: `label_values(metric, label)`, `label_values(label)` or a
    /// PromQL query whose series' first label gives values. Absent: `values` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Fixed values (Grafana's "custom" variables), or the first values before a query ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Selected at start; `all` when `include_all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Offer "All": substituted as `all_value` when set, else as every value (`(a|b)`).
    #[serde(default)]
    pub include_all: bool,
    /// What "All" stands for (`.*`, `.+`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_value: Option<String>,
    /// Several values can be selected; they go out as `(a|b)` in regex matchers.
    #[serde(default)]
    pub multi: bool,
    /// The selection at start of a multi-value variable (`default` holds the first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub defaults: Vec<String>,
    /// Where values come from; by default `query` when there is one, else `custom`.
    #[serde(default)]
    pub kind: VarKind,
    /// Grafana's variable regex (`/.*instance="([^"]+)".*/`): keeps matching values, the
    /// first capture group (or the `value`/`text` named groups) becomes the value.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub regex: String,
    /// Grafana's sort: 0 none, 1/2 alphabetical asc/desc, 3/4 numerical, 5/6 alphabetical
    /// case-insensitive, 7/8 natural. TOML dashboards sort alphabetically by default.
    #[serde(default = "default_sort")]
    pub sort: u8,
    /// 0 shown, 1 value without label, 2 hidden.
    #[serde(default)]
    pub hide: u8,
    /// Interval variables: offer `auto` (the range divided into `auto_count` steps, at
    /// least `auto_min`).
    #[serde(default)]
    pub auto: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auto_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auto_min: Option<String>,
}

fn default_sort() -> u8 {
    1
}

/// Kinds of template variables (Grafana's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VarKind {
    /// `query` when the variable has one, else `custom`.
    #[default]
    Auto,
    Query,
    Custom,
    Constant,
    Interval,
    Textbox,
    Datasource,
}

impl Variable {
    /// The kind, `Auto` resolved.
    pub fn kind(&self) -> VarKind {
        match self.kind {
            VarKind::Auto if self.query.is_some() => VarKind::Query,
            VarKind::Auto => VarKind::Custom,
            k => k,
        }
    }

    pub fn new(name: &str) -> Variable {
        Variable {
            name: name.to_string(),
            label: String::new(),
            query: None,
            values: Vec::new(),
            default: None,
            include_all: false,
            all_value: None,
            multi: false,
            defaults: Vec::new(),
            kind: VarKind::Auto,
            regex: String::new(),
            sort: 0,
            hide: 0,
            auto: false,
            auto_count: None,
            auto_min: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    #[default]
    Timeseries,
    Stat,
    Gauge,
    Bar,
    Table,
    /// Markdown or plain text, drawn as text (no query).
    Text,
    /// One line of coloured cells per series over time.
    #[serde(rename = "state-timeline")]
    StateTimeline,
    /// Buckets × time as shaded cells.
    Heatmap,
    /// A Grafana panel type with no terminal drawing: a framed box says so
    /// ([`PanelOptions::grafana_type`] names it).
    #[serde(skip)]
    Unsupported,
}

impl PanelKind {
    pub fn name(self) -> &'static str {
        match self {
            PanelKind::Timeseries => "timeseries",
            PanelKind::Stat => "stat",
            PanelKind::Gauge => "gauge",
            PanelKind::Bar => "bar",
            PanelKind::Table => "table",
            PanelKind::Text => "text",
            PanelKind::StateTimeline => "state-timeline",
            PanelKind::Heatmap => "heatmap",
            PanelKind::Unsupported => "unsupported",
        }
    }

    /// Whether the panel needs history (a range query) or only the latest value.
    pub fn needs_range(self) -> bool {
        // Stat panels draw a sparkline.
        matches!(
            self,
            PanelKind::Timeseries | PanelKind::Stat | PanelKind::StateTimeline | PanelKind::Heatmap
        )
    }

    /// Whether the panel queries Prometheus at all.
    pub fn queries(self) -> bool {
        !matches!(self, PanelKind::Text | PanelKind::Unsupported)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub title: String,
    pub kind: PanelKind,
    #[serde(default, skip_serializing_if = "is_default_unit")]
    pub unit: Unit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) decimals: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    pub grid: Grid,
    #[serde(default, rename = "threshold", skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    #[serde(rename = "target", default)]
    pub targets: Vec<Target>,
    /// What Grafana imports add (field config, options, rows, repeats).
    #[serde(skip)]
    pub options: super::field::PanelOptions,
}

fn is_default_unit(u: &Unit) -> bool {
    *u == Unit::Short
}

/// Position on the 24-column grid; `h` in rows of about one text line pair (Grafana's
/// grid height units, 30 px each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub expr: String,
    /// `{{pod}} on {{node}}`; empty: the series selector.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub legend: String,
    /// Grafana's `refId` (`A`, `B`): names the value column of a table (`Value #A`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) ref_id: String,
}

/// A threshold step: from `value` upwards the panel is drawn in `color`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub value: f64,
    pub color: Severity,
}

/// Threshold colours by meaning; the theme maps them to terminal colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Info,
    Warn,
    Critical,
}

impl Severity {
    /// Grafana's colour names (`green`, `#F2495C`, `semi-dark-red`) by meaning.
    pub(crate) fn from_grafana(color: &str) -> Severity {
        let c = color.to_ascii_lowercase();
        if let Some(hex) = c.strip_prefix('#') {
            return Severity::from_hue(hex);
        }
        if c.contains("red") {
            Severity::Critical
        } else if c.contains("orange") || c.contains("yellow") {
            Severity::Warn
        } else if c.contains("blue") || c.contains("purple") {
            Severity::Info
        } else {
            Severity::Ok
        }
    }

    /// `#EAB839` → warn, by hue: red critical, orange/yellow warn, green ok, blue info.
    fn from_hue(hex: &str) -> Severity {
        let channel = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .map(|v| f64::from(v) / 255.0)
                .unwrap_or(0.0)
        };
        let (r, g, b) = (channel(0), channel(2), channel(4));
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        if max - min < 1e-9 {
            return Severity::Info;
        }
        let d = max - min;
        let h = if max == r {
            60.0 * ((g - b) / d).rem_euclid(6.0)
        } else if max == g {
            60.0 * ((b - r) / d + 2.0)
        } else {
            60.0 * ((r - g) / d + 4.0)
        };
        match h {
            h if !(15.0..345.0).contains(&h) => Severity::Critical,
            h if h < 70.0 => Severity::Warn,
            h if h < 170.0 => Severity::Ok,
            _ => Severity::Info,
        }
    }
}

/// The severity of `value` against ascending `thresholds` (the highest step it reaches).
pub(crate) fn severity_of(thresholds: &[Threshold], value: f64) -> Option<Severity> {
    let mut out = None;
    for t in thresholds {
        if value >= t.value {
            out = Some(t.color);
        }
    }
    out
}

pub use super::units::Unit;
