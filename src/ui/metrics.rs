//! Dashboards on screen: panels laid out from Grafana's 24-column grid, each drawn with the
//! widgets of [`super::chart`] from data already in memory, with its state in the title
//! (loading, or the error and the age of the last data it still shows).

mod cells;
#[cfg(test)]
mod fixture_tests;
mod panel;
#[cfg(test)]
mod tests;
pub(crate) mod view;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

use super::chart::{Palette, ellipsis};
use crate::app::metrics::panel::{PanelData, PanelStatus, plotted};
use crate::domain::dashboard::layout::{self, Item, Placed, arrange};
use crate::domain::dashboard::model::{Dashboard, GRID_COLUMNS, Row};

/// The time window all panels share.
#[derive(Debug, Clone)]
pub struct Frame {
    pub start: f64,
    pub end: f64,
    pub step: f64,
    pub now: Timestamp,
    pub tz: TimeZone,
}

/// `3m`, `2h`, `1d` since `t`.
pub fn age(now: Timestamp, t: Timestamp) -> String {
    let s = (now.as_second() - t.as_second()).max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

/// Where placed item `p` goes in `area`, shifted up by `scroll` rows; `None` when it is
/// scrolled out. Partly visible panels are cut at the edges.
pub(crate) fn placed_rect(p: &Placed, area: Rect, scroll: u16) -> Option<Rect> {
    let cols = u32::from(GRID_COLUMNS);
    let x0 = u32::from(area.width) * u32::from(p.x) / cols;
    let x1 = u32::from(area.width) * u32::from(p.x + p.w).min(cols) / cols;
    let top = i64::from(p.y) - i64::from(scroll);
    let bottom = i64::from(p.y + p.h) - i64::from(scroll);
    let top = top.max(0);
    let bottom = bottom.min(i64::from(area.height));
    if bottom <= top || x1 <= x0 {
        return None;
    }
    Some(Rect {
        x: area.x + x0 as u16,
        y: area.y + top as u16,
        width: (x1 - x0) as u16,
        height: (bottom - top) as u16,
    })
}

/// Rows the dashboard needs with its rows as saved.
pub fn dashboard_height(d: &Dashboard) -> u16 {
    layout::height(&arrange(d, &[])).min(u32::from(u16::MAX)) as u16
}

/// Draws every visible item with the rows as saved. `data[i]` belongs to `d.panels[i]`;
/// `selected` (an index into the placed items, top to bottom) is framed.
#[allow(clippy::too_many_arguments)]
pub fn draw_dashboard(
    d: &Dashboard,
    data: &[PanelData],
    frame: &Frame,
    palette: &Palette,
    selected: Option<usize>,
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut items = arrange(d, &[]);
    items.sort_by_key(|p| (p.y, p.x));
    draw_items(d, &items, data, frame, palette, selected, scroll, area, buf);
}

/// Draws placed items (row headers and panels).
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_items(
    d: &Dashboard,
    items: &[Placed],
    data: &[PanelData],
    frame: &Frame,
    palette: &Palette,
    selected: Option<usize>,
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
) {
    for (k, p) in items.iter().enumerate() {
        let Some(rect) = placed_rect(p, area, scroll) else {
            continue;
        };
        let is_selected = selected == Some(k);
        match p.item {
            Item::Row(r) => {
                let Some(row) = d.rows.get(r) else { continue };
                let members: Vec<usize> = (0..d.panels.len())
                    .filter(|&i| d.panels[i].options.row == Some(r))
                    .collect();
                let open = items
                    .iter()
                    .any(|x| matches!(x.item, Item::Panel(i) if members.contains(&i)));
                draw_row(row, members.len(), !open, palette, is_selected, rect, buf);
            }
            Item::Panel(i) => {
                let loading = PanelData::loading();
                let pd = data.get(i).unwrap_or(&loading);
                if let Some(panel) = d.panels.get(i) {
                    draw_panel(panel, pd, frame, palette, is_selected, rect, buf);
                }
            }
        }
    }
}

/// A row header: `▸ Title (3 panels) ────` closed, `▾ Title ────` open.
fn draw_row(
    row: &Row,
    count: usize,
    collapsed: bool,
    palette: &Palette,
    selected: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let mark = if collapsed { "▸" } else { "▾" };
    let what = if collapsed {
        format!(" ({count} panel{})", if count == 1 { "" } else { "s" })
    } else {
        String::new()
    };
    let title = if row.title.is_empty() {
        "Row"
    } else {
        &row.title
    };
    let text = ellipsis(&format!("{mark} {title}{what} "), usize::from(area.width));
    let style = if selected {
        palette
            .text
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    } else {
        palette.text.add_modifier(Modifier::BOLD)
    };
    let w = text.chars().count() as u16;
    buf.set_stringn(area.x, area.y, &text, usize::from(area.width), style);
    for x in area.x + w.min(area.width)..area.right() {
        buf.set_string(x, area.y, "─", palette.axis);
    }
}

pub(crate) use self::panel::draw_panel;

/// Buffer contents as text (tests and snapshots).
pub fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
