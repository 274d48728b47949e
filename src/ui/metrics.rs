//! Dashboards on screen: panels laid out from Grafana's 24-column grid, each drawn with the
//! widgets of [`super::chart`] from data already in memory, with its state in the title
//! (loading, or the error and the age of the last data it still shows).

#[cfg(test)]
mod tests;
pub mod view;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::chart::{Bars, Gauge, Palette, Plotted, Stat, TimeSeriesChart, ValueTable};
use crate::domain::dashboard::model::{Dashboard, GRID_COLUMNS, Panel, PanelKind};

/// A panel's data state. Failures keep the last data.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelStatus {
    /// No answer yet.
    Loading,
    /// Answered at this time.
    Ready { at: Timestamp },
    /// The last refresh failed; `data_at` is when the data shown was fetched.
    Failed {
        error: String,
        data_at: Option<Timestamp>,
    },
}

/// What a panel draws: one named series per target result (legend applied).
#[derive(Debug, Clone, PartialEq)]
pub struct PanelData {
    pub series: Vec<Plotted>,
    pub status: PanelStatus,
    /// A refresh has been running longer than expected.
    pub slow: bool,
}

impl PanelData {
    pub fn loading() -> PanelData {
        PanelData {
            series: Vec::new(),
            status: PanelStatus::Loading,
            slow: false,
        }
    }
}

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

/// Terminal rows for grid row `y`: a grid row is 30 px in Grafana, about 1.5 text rows.
fn rows(y: u16) -> i32 {
    (i32::from(y) * 3).div_euclid(2)
}

/// Where a panel goes: columns from the 24-column grid, 1.5 terminal rows per grid row,
/// shifted up by `scroll` rows. `None` when it is scrolled out.
pub fn panel_rect(panel: &Panel, area: Rect, scroll: u16) -> Option<Rect> {
    let cols = u32::from(GRID_COLUMNS);
    let x0 = u32::from(area.width) * u32::from(panel.grid.x) / cols;
    let x1 = u32::from(area.width) * u32::from(panel.grid.x + panel.grid.w).min(cols) / cols;
    let top = rows(panel.grid.y) - i32::from(scroll);
    let bottom = rows(panel.grid.y + panel.grid.h) - i32::from(scroll);
    let top = top.max(0);
    let bottom = bottom.min(i32::from(area.height));
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

/// Rows the dashboard needs.
pub fn dashboard_height(d: &Dashboard) -> u16 {
    d.panels
        .iter()
        .map(|p| rows(p.grid.y + p.grid.h))
        .max()
        .unwrap_or(0)
        .clamp(0, i32::from(u16::MAX)) as u16
}

/// Draws every visible panel. `data[i]` belongs to `d.panels[i]`; `selected` is framed.
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
    for (i, panel) in d.panels.iter().enumerate() {
        if let Some(rect) = panel_rect(panel, area, scroll) {
            let loading = PanelData::loading();
            let pd = data.get(i).unwrap_or(&loading);
            draw_panel(panel, pd, frame, palette, selected == Some(i), rect, buf);
        }
    }
}

/// One panel in a frame titled with its name and state.
pub fn draw_panel(
    panel: &Panel,
    data: &PanelData,
    frame: &Frame,
    palette: &Palette,
    selected: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut title = vec![Span::styled(
        format!(" {} ", panel.title),
        if selected {
            palette
                .text
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            palette.text.add_modifier(Modifier::BOLD)
        },
    )];
    let warn = Style::default().fg(palette.warn);
    let crit = Style::default().fg(palette.critical);
    match &data.status {
        PanelStatus::Loading => title.push(Span::styled("loading… ", palette.muted)),
        PanelStatus::Ready { .. } if data.slow => {
            title.push(Span::styled("slow… ", warn));
        }
        PanelStatus::Ready { .. } => {}
        PanelStatus::Failed { data_at, .. } => {
            let text = match data_at {
                Some(t) => format!("! error, data {} old ", age(frame.now, *t)),
                None => "! error ".to_string(),
            };
            title.push(Span::styled(text, crit));
        }
    }
    let border = if selected { palette.text } else { palette.axis };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let mut body = inner;
    // An error without data fills the panel; with data, it takes the last line.
    if let PanelStatus::Failed { error, .. } = &data.status {
        if data.series.is_empty() {
            Paragraph::new(Span::styled(error.as_str(), crit))
                .wrap(Wrap { trim: true })
                .render(inner, buf);
            return;
        }
        if inner.height > 3 {
            let line = Rect {
                y: inner.bottom() - 1,
                height: 1,
                ..inner
            };
            Paragraph::new(Span::styled(error.as_str(), crit)).render(line, buf);
            body.height -= 1;
        }
    }
    let last_values = || -> Vec<(String, f64)> {
        data.series
            .iter()
            .filter_map(|s| s.points.last().map(|p| (s.name.clone(), p.1)))
            .collect()
    };
    // A chart needs three rows; a shorter time-series panel shows stats with sparklines.
    let kind = match panel.kind {
        PanelKind::Timeseries if body.height < 3 => PanelKind::Stat,
        k => k,
    };
    match kind {
        PanelKind::Timeseries => TimeSeriesChart {
            series: &data.series,
            start: frame.start,
            end: frame.end,
            step: frame.step,
            unit: panel.unit,
            min: panel.min,
            max: panel.max,
            thresholds: &panel.thresholds,
            tz: &frame.tz,
            palette,
            legend: body.height >= 6,
        }
        .render(body, buf),
        PanelKind::Stat => {
            // One stat per series, side by side.
            let n = data.series.len().max(1) as u16;
            let w = body.width / n;
            if data.series.is_empty() {
                Stat {
                    value: None,
                    history: &[],
                    unit: panel.unit,
                    decimals: panel.decimals,
                    thresholds: &panel.thresholds,
                    palette,
                }
                .render(body, buf);
            }
            for (i, s) in data.series.iter().enumerate() {
                let rect = Rect {
                    x: body.x + w * i as u16,
                    width: if i as u16 == n - 1 {
                        body.width - w * i as u16
                    } else {
                        w
                    },
                    ..body
                };
                let named = n > 1 && rect.height > 2;
                let stat_area = if named {
                    Paragraph::new(Span::styled(s.name.as_str(), palette.muted))
                        .centered()
                        .render(Rect { height: 1, ..rect }, buf);
                    Rect {
                        y: rect.y + 1,
                        height: rect.height - 1,
                        ..rect
                    }
                } else {
                    rect
                };
                Stat {
                    value: s.points.last().map(|p| p.1),
                    history: &s.points,
                    unit: panel.unit,
                    decimals: panel.decimals,
                    thresholds: &panel.thresholds,
                    palette,
                }
                .render(stat_area, buf);
            }
        }
        PanelKind::Gauge => Gauge {
            value: data
                .series
                .first()
                .and_then(|s| s.points.last())
                .map(|p| p.1),
            min: panel.min.unwrap_or(0.0),
            max: panel.max.unwrap_or(100.0),
            unit: panel.unit,
            decimals: panel.decimals,
            thresholds: &panel.thresholds,
            palette,
        }
        .render(body, buf),
        PanelKind::Bar => Bars {
            items: &last_values(),
            unit: panel.unit,
            decimals: panel.decimals,
            max: panel.max,
            thresholds: &panel.thresholds,
            palette,
        }
        .render(body, buf),
        PanelKind::Table => ValueTable {
            rows: &last_values(),
            unit: panel.unit,
            decimals: panel.decimals,
            thresholds: &panel.thresholds,
            palette,
        }
        .render(body, buf),
    }
}

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

/// The series of one target's answer, named by its legend format.
pub fn plotted(
    legend_format: &str,
    result: &crate::domain::dashboard::QueryResult,
) -> Vec<Plotted> {
    result
        .series
        .iter()
        .map(|s| Plotted {
            name: crate::domain::dashboard::template::legend(
                legend_format,
                &s.labels,
                &s.selector(),
            ),
            points: s.points.clone(),
        })
        .collect()
}
