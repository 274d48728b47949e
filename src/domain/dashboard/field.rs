//! Grafana's field config and panel options as the terminal uses them: value mappings,
//! overrides by series name or regex (unit, colour, display name, hidden, decimals,
//! min/max), reductions (`lastNotNull`, `mean`, …), legend, stacking, stat modes, rows,
//! repeats and table transformations.

use super::model::{Severity, Threshold};
use super::table::Transform;
use super::units::{Unit, format_value_at};

/// How a series is reduced to one value (Grafana's `reduceOptions.calcs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Calc {
    #[default]
    LastNotNull,
    Last,
    First,
    FirstNotNull,
    Mean,
    Max,
    Min,
    Sum,
    Count,
    Delta,
    Range,
    Diff,
}

impl Calc {
    pub(crate) fn from_grafana(id: &str) -> Option<Calc> {
        Some(match id {
            "lastNotNull" | "current" => Calc::LastNotNull,
            "last" => Calc::Last,
            "first" => Calc::First,
            "firstNotNull" => Calc::FirstNotNull,
            "mean" | "avg" => Calc::Mean,
            "max" => Calc::Max,
            "min" => Calc::Min,
            "sum" | "total" => Calc::Sum,
            "count" => Calc::Count,
            "delta" => Calc::Delta,
            "range" => Calc::Range,
            "diff" => Calc::Diff,
            _ => return None,
        })
    }

    /// Column header / legend name.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Calc::LastNotNull | Calc::Last => "Last",
            Calc::First | Calc::FirstNotNull => "First",
            Calc::Mean => "Mean",
            Calc::Max => "Max",
            Calc::Min => "Min",
            Calc::Sum => "Total",
            Calc::Count => "Count",
            Calc::Delta => "Delta",
            Calc::Range => "Range",
            Calc::Diff => "Diff",
        }
    }

    /// The reduced value of `points` (`None` when there is nothing to reduce).
    pub(crate) fn reduce(self, points: &[(f64, f64)]) -> Option<f64> {
        let finite = || points.iter().map(|p| p.1).filter(|v| v.is_finite());
        let n = finite().count();
        match self {
            Calc::Last => points.last().map(|p| p.1),
            Calc::LastNotNull => points.iter().rev().map(|p| p.1).find(|v| v.is_finite()),
            Calc::First => points.first().map(|p| p.1),
            Calc::FirstNotNull => finite().next(),
            Calc::Count => Some(n as f64),
            _ if n == 0 => None,
            Calc::Mean => Some(finite().sum::<f64>() / n as f64),
            Calc::Max => finite().reduce(f64::max),
            Calc::Min => finite().reduce(f64::min),
            Calc::Sum => Some(finite().sum()),
            Calc::Range => Some(finite().reduce(f64::max)? - finite().reduce(f64::min)?),
            Calc::Diff => {
                Some(points.iter().rev().map(|p| p.1).find(|v| v.is_finite())? - finite().next()?)
            }
            Calc::Delta => {
                // Increases only, counter resets counted from zero (Grafana's delta).
                let mut total = 0.0;
                let mut prev: Option<f64> = None;
                for v in finite() {
                    if let Some(p) = prev {
                        total += if v >= p { v - p } else { v };
                    }
                    prev = Some(v);
                }
                Some(total)
            }
        }
    }
}

/// A value mapping: a value, a range or a special value shown as text (and a colour).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mapping {
    Value {
        value: String,
        text: String,
        color: Option<Severity>,
    },
    Range {
        from: Option<f64>,
        to: Option<f64>,
        text: String,
        color: Option<Severity>,
    },
    /// `null`, `nan`, `null+nan`, `true`, `false`, `empty`.
    Special {
        what: String,
        text: String,
        color: Option<Severity>,
    },
    Regex {
        pattern: String,
        text: String,
        color: Option<Severity>,
    },
}

/// What a mapping made of a value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mapped {
    pub text: String,
    pub color: Option<Severity>,
}

/// The first mapping that matches `v` (its formatted text `shown` for regex mappings).
pub(crate) fn map_value(mappings: &[Mapping], v: Option<f64>, shown: &str) -> Option<Mapped> {
    for m in mappings {
        let hit = match (m, v) {
            (Mapping::Value { value, .. }, Some(v)) => value
                .trim()
                .parse::<f64>()
                .map(|x| x == v)
                .unwrap_or(value == shown),
            (Mapping::Range { from, to, .. }, Some(v)) => {
                v.is_finite() && from.is_none_or(|f| v >= f) && to.is_none_or(|t| v <= t)
            }
            (Mapping::Special { what, .. }, v) => match what.as_str() {
                "null" => v.is_none(),
                "nan" => v.is_some_and(f64::is_nan),
                "null+nan" => v.is_none_or(f64::is_nan),
                "true" => v == Some(1.0),
                "false" => v == Some(0.0),
                _ => false,
            },
            (Mapping::Regex { pattern, .. }, _) => {
                regex::Regex::new(pattern).is_ok_and(|r| r.is_match(shown))
            }
            _ => false,
        };
        if hit {
            let (text, color) = match m {
                Mapping::Value { text, color, .. }
                | Mapping::Range { text, color, .. }
                | Mapping::Special { text, color, .. }
                | Mapping::Regex { text, color, .. } => (text, color),
            };
            let text = if text.is_empty() { shown } else { text };
            return Some(Mapped {
                text: text.to_string(),
                color: *color,
            });
        }
    }
    None
}

/// Field properties an override (or the defaults) set.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct FieldProps {
    pub unit: Option<Unit>,
    pub(crate) decimals: Option<u8>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub color: Option<Severity>,
    pub(crate) display_name: Option<String>,
    pub(crate) hidden: bool,
    pub thresholds: Option<Vec<Threshold>>,
    pub(crate) mappings: Option<Vec<Mapping>>,
}

/// Which series an override applies to.
#[allow(
    clippy::enum_variant_names,
    reason = "Grafana names its matchers `byName`, `byRegexp`, …"
)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Matcher {
    ByName(String),
    ByRegexp(String),
    /// `byFrameRefID`: every series of one query.
    ByQuery(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Override {
    pub(crate) matcher: Matcher,
    pub props: FieldProps,
}

impl Override {
    pub(crate) fn matches(&self, name: &str, ref_id: &str) -> bool {
        match &self.matcher {
            Matcher::ByName(n) => n == name,
            Matcher::ByRegexp(r) => {
                regex::Regex::new(&format!("^(?:{r})$")).is_ok_and(|re| re.is_match(name))
            }
            Matcher::ByQuery(q) => q == ref_id,
        }
    }
}

/// The overrides for one series merged in order (later ones win).
pub(crate) fn props_for(overrides: &[Override], name: &str, ref_id: &str) -> FieldProps {
    let mut out = FieldProps::default();
    for o in overrides.iter().filter(|o| o.matches(name, ref_id)) {
        let p = &o.props;
        out.unit = p.unit.or(out.unit);
        out.decimals = p.decimals.or(out.decimals);
        out.min = p.min.or(out.min);
        out.max = p.max.or(out.max);
        out.color = p.color.or(out.color);
        if p.display_name.is_some() {
            out.display_name.clone_from(&p.display_name);
        }
        out.hidden |= p.hidden;
        if p.thresholds.is_some() {
            out.thresholds.clone_from(&p.thresholds);
        }
        if p.mappings.is_some() {
            out.mappings.clone_from(&p.mappings);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegendMode {
    #[default]
    List,
    Table,
    Hidden,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Legend {
    pub mode: LegendMode,
    /// Values shown beside each name (`last`, `max`, `mean`).
    pub(crate) calcs: Vec<Calc>,
}

/// What a stat panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum TextMode {
    #[default]
    Auto,
    Value,
    ValueAndName,
    Name,
    None,
}

/// What a stat panel colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ColorMode {
    #[default]
    Value,
    Background,
    None,
}

/// Everything an import adds to a panel beyond the TOML model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PanelOptions {
    pub(crate) mappings: Vec<Mapping>,
    pub(crate) overrides: Vec<Override>,
    pub legend: Legend,
    pub(crate) stack: bool,
    /// Area fill 0–100 (Grafana's `fillOpacity`, or `fill` × 10).
    pub(crate) fill: u8,
    pub points: bool,
    /// Stat, gauge, bar gauge: how each series becomes one value.
    pub(crate) reduce: Calc,
    /// Stat/gauge: one value for all series (`reduceOptions.values = false`) or each row.
    pub(crate) text_mode: TextMode,
    pub(crate) color_mode: ColorMode,
    pub(crate) transformations: Vec<Transform>,
    /// Repeat for each value of this variable.
    pub repeat: Option<String>,
    pub(crate) repeat_vertical: bool,
    pub(crate) max_per_row: Option<u16>,
    /// Text panels: their content; unsupported panels: Grafana's type.
    pub text: String,
    pub(crate) grafana_type: String,
    /// Index into [`super::model::Dashboard::rows`].
    pub row: Option<usize>,
    /// Variable values of a repeated copy.
    pub scoped: Vec<(String, String)>,
}

/// A value as a panel shows it: mapped text, or the number in its unit.
pub(crate) fn display(
    v: Option<f64>,
    unit: Unit,
    decimals: Option<u8>,
    mappings: &[Mapping],
    now: Option<f64>,
) -> Mapped {
    let shown = match v {
        Some(v) => format_value_at(unit, v, decimals, now),
        None => "–".into(),
    };
    map_value(mappings, v, &shown).unwrap_or(Mapped {
        text: shown,
        color: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions() {
        let p = [(1.0, 2.0), (2.0, 5.0), (3.0, f64::NAN), (4.0, 1.0)];
        assert_eq!(Calc::LastNotNull.reduce(&p), Some(1.0));
        assert!(Calc::Last.reduce(&[(1.0, f64::NAN)]).unwrap().is_nan());
        assert_eq!(Calc::Max.reduce(&p), Some(5.0));
        assert_eq!(Calc::Min.reduce(&p), Some(1.0));
        assert_eq!(Calc::Mean.reduce(&p), Some(8.0 / 3.0));
        assert_eq!(Calc::Sum.reduce(&p), Some(8.0));
        assert_eq!(Calc::Count.reduce(&p), Some(3.0));
        assert_eq!(Calc::Range.reduce(&p), Some(4.0));
        assert_eq!(Calc::Delta.reduce(&p), Some(3.0 + 1.0));
        assert_eq!(Calc::Max.reduce(&[]), None);
        assert_eq!(Calc::from_grafana("lastNotNull"), Some(Calc::LastNotNull));
    }

    #[test]
    fn mappings_apply_in_order() {
        let m = vec![
            Mapping::Value {
                value: "1".into(),
                text: "UP".into(),
                color: Some(Severity::Ok),
            },
            Mapping::Range {
                from: Some(2.0),
                to: Some(10.0),
                text: "some".into(),
                color: None,
            },
            Mapping::Special {
                what: "null".into(),
                text: "N/A".into(),
                color: None,
            },
        ];
        assert_eq!(display(Some(1.0), Unit::Short, None, &m, None).text, "UP");
        assert_eq!(
            display(Some(1.0), Unit::Short, None, &m, None).color,
            Some(Severity::Ok)
        );
        assert_eq!(display(Some(5.0), Unit::Short, None, &m, None).text, "some");
        assert_eq!(display(None, Unit::Short, None, &m, None).text, "N/A");
        assert_eq!(
            display(Some(0.5), Unit::PercentUnit, None, &m, None).text,
            "50%"
        );
    }

    #[test]
    fn overrides_by_name_and_regex() {
        let o = vec![
            Override {
                matcher: Matcher::ByRegexp("read.*".into()),
                props: FieldProps {
                    unit: Some(Unit::Bytes),
                    ..FieldProps::default()
                },
            },
            Override {
                matcher: Matcher::ByName("read sda".into()),
                props: FieldProps {
                    display_name: Some("Reads".into()),
                    hidden: true,
                    ..FieldProps::default()
                },
            },
        ];
        let p = props_for(&o, "read sda", "A");
        assert_eq!(p.unit, Some(Unit::Bytes));
        assert_eq!(p.display_name.as_deref(), Some("Reads"));
        assert!(p.hidden);
        let q = props_for(&o, "write sda", "A");
        assert_eq!(q, FieldProps::default());
    }
}
