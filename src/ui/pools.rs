//! The node pools pane: a table of pools above a detail area for the selected pool
//! (labels, warnings in words, the EKS node group). Reads the model the app computed.

mod detail;
mod table;

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::layout;
use crate::app::App;
use crate::app::columns::Tone;
use crate::app::pools::PoolsView;
use crate::domain::pools::Pool;

/// Rows of the pools table that fit (the detail area gets the rest of the body).
pub(crate) fn table_rows(size: (u16, u16), prompt: bool) -> usize {
    let body = layout::areas(Rect::new(0, 0, size.0, size.1), prompt).body;
    crate::app::pools::table_rows_in(body.height)
}

fn pct(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.0}%", part / whole * 100.0)
    } else {
        "–".into()
    }
}

/// Zones with node counts; zones sharing a prefix are folded: `eu-west-1{a:1,b:1,c:1}`.
fn zones_compact(zones: &BTreeMap<String, usize>) -> String {
    let names: Vec<&String> = zones.keys().collect();
    let prefix = match names.as_slice() {
        [] => return "–".into(),
        [_] => String::new(),
        [first, rest @ ..] => {
            let mut len = first.len();
            for n in rest {
                len = len.min(
                    first
                        .bytes()
                        .zip(n.bytes())
                        .take_while(|(a, b)| a == b)
                        .count(),
                );
            }
            first.get(..len).unwrap_or("").to_string()
        }
    };
    let suffixes: Vec<&str> = names
        .iter()
        .map(|z| z.get(prefix.len()..).unwrap_or(z.as_str()))
        .collect();
    // Fold only zone letters/numbers under a shared region (`eu-west-1{a,b}`).
    if prefix.is_empty() || suffixes.iter().any(|s| s.is_empty() || s.len() > 3) {
        zones
            .iter()
            .map(|(z, n)| format!("{z}:{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        let items: Vec<String> = suffixes
            .iter()
            .zip(zones.values())
            .map(|(s, n)| format!("{s}:{n}"))
            .collect();
        format!("{prefix}{{{}}}", items.join(","))
    }
}

fn zones_full(zones: &BTreeMap<String, usize>) -> String {
    if zones.is_empty() {
        return "–".into();
    }
    zones
        .iter()
        .map(|(z, n)| format!("{z}:{n}"))
        .collect::<Vec<_>>()
        .join("  ")
}

fn types_text(pool: &Pool) -> String {
    match (pool.instance_types.len(), &pool.eks) {
        (0, Some(g)) => g.instance_types.join(","),
        (1, _) => pool.instance_types.keys().cloned().collect(),
        _ => pool
            .instance_types
            .iter()
            .map(|(t, n)| format!("{t}:{n}"))
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn ratio_tone(part: f64, whole: f64) -> Tone {
    if whole > 0.0 && part / whole > crate::domain::pools::OVERCOMMIT_RATIO {
        Tone::Warn
    } else {
        Tone::Normal
    }
}

fn eks_tone(status: &str) -> Tone {
    match status {
        "ACTIVE" => Tone::Ok,
        "CREATING" | "UPDATING" | "DELETING" => Tone::Warn,
        _ => Tone::Error,
    }
}
pub(crate) fn render(app: &App, v: &PoolsView, f: &mut Frame, area: Rect) {
    let rows = v
        .pools
        .len()
        .clamp(1, table_rows(app.viewport.size, app.prompt.is_some()));
    let table_h = (rows + 3) as u16;
    let [top, bottom] =
        Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(area);
    table::draw_table(app, v, f, top);
    if bottom.height > 2 {
        detail::draw_detail(app, v, f, bottom);
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn zones_fold_under_a_shared_region_only() {
        let z = |names: &[(&str, usize)]| -> BTreeMap<String, usize> {
            names.iter().map(|(n, c)| (n.to_string(), *c)).collect()
        };
        assert_eq!(
            zones_compact(&z(&[("eu-west-1a", 2), ("eu-west-1b", 1)])),
            "eu-west-1{a:2,b:1}"
        );
        assert_eq!(zones_compact(&z(&[("eu-west-1a", 2)])), "eu-west-1a:2");
        assert_eq!(
            zones_compact(&z(&[("us-east-1a", 1), ("us-west-2b", 1)])),
            "us-east-1a:1 us-west-2b:1"
        );
        assert_eq!(zones_compact(&z(&[])), "–");
        assert_eq!(zones_full(&z(&[])), "–");
    }
}
