//! One panel in a frame titled with its name and state: time series (stacked, filled,
//! points, legend list or table), stat (reduction, text and colour modes, mappings), gauge
//! and bar gauge against min/max, and the cell-drawn kinds of [`super::cells`]. Overrides
//! (display name, hidden, colour, unit) are applied per series here.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline, Widget, Wrap};

use super::super::chart::{Palette, TimeSeriesChart, ellipsis};
use super::cells;
use super::{Frame, PanelData, PanelStatus, age};
use crate::app::metrics::panel::Plotted;
use crate::domain::dashboard::field::{
    ColorMode, FieldProps, LegendMode, TextMode, display, props_for,
};
use crate::domain::dashboard::model::{Panel, PanelKind, severity_of};
use crate::domain::dashboard::units::Unit;

/// Smallest inner size a panel draws in; below it says so.
const MIN_W: u16 = 6;

/// A series with its overrides applied.
pub(crate) struct Shown {
    pub series: Plotted,
    pub props: FieldProps,
}

/// The panel's series after overrides: renamed, recoloured, hidden ones left out.
pub(crate) fn shown_series(panel: &Panel, data: &PanelData, palette: &Palette) -> Vec<Shown> {
    data.series
        .iter()
        .filter_map(|s| {
            let props = props_for(&panel.options.overrides, &s.name, &s.ref_id);
            if props.hidden {
                return None;
            }
            let mut series = s.clone();
            // A series without labels or legend is named after its panel, as in Grafana.
            if series.name.is_empty() || series.name == "{}" {
                series.name = panel.title.clone();
            }
            if let Some(n) = &props.display_name {
                series.name = n.clone();
            }
            if let Some(c) = props.color {
                series.color = Some(palette.severity(c));
            }
            Some(Shown { series, props })
        })
        .collect()
}

/// Cumulative sums across series at each timestamp (stacking).
fn stacked(series: &mut [Plotted]) {
    let mut acc: std::collections::BTreeMap<i64, f64> = Default::default();
    for s in series.iter_mut() {
        for p in &mut s.points {
            if p.1.is_finite() {
                let key = (p.0 * 1000.0).round() as i64;
                let total = acc.entry(key).or_insert(0.0);
                *total += p.1;
                p.1 = *total;
            }
        }
    }
}

/// One panel in a frame titled with its name and state.
pub(crate) fn draw_panel(
    panel: &Panel,
    data: &PanelData,
    frame: &Frame,
    palette: &Palette,
    selected: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let warn = Style::default().fg(palette.warn);
    let crit = Style::default().fg(palette.critical);
    let state = match &data.status {
        _ if !panel.kind.queries() => None,
        PanelStatus::Loading => Some(("loading… ".to_string(), palette.muted)),
        PanelStatus::Ready { .. } if data.slow => Some(("slow… ".to_string(), warn)),
        PanelStatus::Ready { .. } => None,
        PanelStatus::Failed { data_at, .. } => Some((
            match data_at {
                Some(t) => format!("! error, data {} old ", age(frame.now, *t)),
                None => "! error ".to_string(),
            },
            crit,
        )),
    };
    let state_w = state.as_ref().map_or(0, |s| s.0.chars().count());
    let room = usize::from(area.width).saturating_sub(4 + state_w);
    let mut title = vec![Span::styled(
        format!(" {} ", ellipsis(&panel.title, room.max(1))),
        if selected {
            palette
                .text
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            palette.text.add_modifier(Modifier::BOLD)
        },
    )];
    if let Some((text, style)) = state {
        title.push(Span::styled(text, style));
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
    if inner.width < MIN_W || (inner.height < 1) {
        Paragraph::new(Span::styled(
            ellipsis("too small", usize::from(inner.width)),
            palette.muted,
        ))
        .render(inner, buf);
        return;
    }
    match panel.kind {
        PanelKind::Unsupported => {
            let text = if panel.options.text.is_empty() {
                format!("not drawable in a terminal: {}", panel.options.grafana_type)
            } else {
                panel.options.text.clone()
            };
            let mid = Rect {
                y: inner.y + inner.height.saturating_sub(1) / 2,
                height: inner.height - inner.height.saturating_sub(1) / 2,
                ..inner
            };
            Paragraph::new(Span::styled(text, palette.muted))
                .centered()
                .wrap(Wrap { trim: true })
                .render(mid, buf);
            return;
        }
        PanelKind::Text => return cells::text(&panel.options.text, palette, inner, buf),
        _ => {}
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
            Paragraph::new(Span::styled(
                ellipsis(error, usize::from(inner.width)),
                crit,
            ))
            .render(line, buf);
            body.height -= 1;
        }
    }
    let shown = shown_series(panel, data, palette);
    let ready = matches!(data.status, PanelStatus::Ready { .. });
    if ready && shown.iter().all(|s| s.series.points.is_empty()) && panel.kind != PanelKind::Table {
        let why = if data.series.is_empty() {
            "no data: the query returned no series"
        } else {
            "no data: every series is hidden by an override"
        };
        Paragraph::new(Span::styled(why, palette.muted))
            .centered()
            .wrap(Wrap { trim: true })
            .render(
                Rect {
                    y: body.y + body.height.saturating_sub(1) / 2,
                    height: 1.max(body.height - body.height.saturating_sub(1) / 2),
                    ..body
                },
                buf,
            );
        return;
    }
    // A chart needs three rows; a shorter time-series panel shows stats with sparklines.
    let kind = match panel.kind {
        PanelKind::Timeseries if body.height < 3 || body.width < 14 => PanelKind::Stat,
        k => k,
    };
    match kind {
        PanelKind::Timeseries => {
            let mut series: Vec<Plotted> = shown.into_iter().map(|s| s.series).collect();
            if panel.options.stack {
                stacked(&mut series);
            }
            let o = &panel.options;
            TimeSeriesChart {
                series: &series,
                start: frame.start,
                end: frame.end,
                step: frame.step,
                unit: panel.unit,
                min: panel.min,
                max: panel.max,
                thresholds: &panel.thresholds,
                tz: &frame.tz,
                palette,
                legend: body.height >= 6 && o.legend.mode != LegendMode::Hidden,
                legend_calcs: &o.legend.calcs,
                legend_table: o.legend.mode == LegendMode::Table,
                // Braille cells hold one colour: a fill is readable for one series only.
                fill: o.fill > 0 && series.len() == 1,
                points: o.points,
            }
            .render(body, buf)
        }
        PanelKind::Stat => stats(panel, &shown, frame, palette, body, buf),
        PanelKind::Gauge | PanelKind::Bar => bars(panel, &shown, frame, palette, body, buf),
        PanelKind::Table => cells::table(panel, &shown, frame, palette, body, buf),
        PanelKind::StateTimeline => cells::state_timeline(panel, &shown, frame, palette, body, buf),
        PanelKind::Heatmap => cells::heatmap(&shown, frame, palette, body, buf),
        PanelKind::Text | PanelKind::Unsupported => {}
    }
}

/// A series' value as shown: text (mapped or formatted) and colour.
pub(crate) fn value_of(
    panel: &Panel,
    s: &Shown,
    v: Option<f64>,
    frame: &Frame,
    palette: &Palette,
    index: usize,
) -> (String, Color) {
    let unit = s.props.unit.unwrap_or(panel.unit);
    let decimals = s.props.decimals.or(panel.decimals);
    let mappings = s.props.mappings.as_ref().unwrap_or(&panel.options.mappings);
    let thresholds = s.props.thresholds.as_ref().unwrap_or(&panel.thresholds);
    let shown = display(
        v,
        unit,
        decimals,
        mappings,
        Some(frame.now.as_second() as f64),
    );
    let color = shown
        .color
        .or_else(|| v.and_then(|v| severity_of(thresholds, v)))
        .map(|c| palette.severity(c))
        .or(s.series.color)
        .unwrap_or_else(|| palette.series_color(index));
    (shown.text, color)
}

/// Stat: one value per series side by side, reduced by the panel's calculation.
fn stats(
    panel: &Panel,
    shown: &[Shown],
    frame: &Frame,
    palette: &Palette,
    body: Rect,
    buf: &mut Buffer,
) {
    if shown.is_empty() {
        Paragraph::new(Span::styled("no data", palette.muted))
            .centered()
            .render(body, buf);
        return;
    }
    // As many as fit at 8 columns each; the rest are counted at the right.
    let fit = usize::from((body.width / 8).max(1));
    let n = shown.len().min(fit);
    let more = (shown.len() > n).then(|| format!(" +{} more", shown.len() - n));
    let more_w = more.as_ref().map_or(0, |m| m.chars().count() as u16);
    let body_all = body;
    let body = Rect {
        width: body.width.saturating_sub(more_w).max(1),
        ..body
    };
    let w = body.width / n as u16;
    let o = &panel.options;
    for (i, s) in shown.iter().take(n).enumerate() {
        let last = i == n - 1;
        let rect = Rect {
            x: body.x + w * i as u16,
            width: if last { body.width - w * i as u16 } else { w },
            ..body
        };
        let v = o.reduce.reduce(&s.series.points);
        let (text, color) = value_of(panel, s, v, frame, palette, i);
        let name_shown = match o.text_mode {
            TextMode::Auto => shown.len() > 1 && rect.height > 2,
            TextMode::ValueAndName | TextMode::Name => true,
            TextMode::Value | TextMode::None => false,
        };
        let background = o.color_mode == ColorMode::Background;
        if background {
            buf.set_style(rect, Style::default().bg(color).fg(Color::Black));
        }
        let value_style = match o.color_mode {
            ColorMode::Value => Style::default().fg(color).add_modifier(Modifier::BOLD),
            ColorMode::Background => Style::default()
                .bg(color)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
            ColorMode::None => palette.text.add_modifier(Modifier::BOLD),
        };
        let mut y = rect.y;
        let width = usize::from(rect.width.saturating_sub(1)).max(1);
        if name_shown || o.text_mode == TextMode::Name {
            let style = if background {
                value_style
            } else {
                palette.muted
            };
            Paragraph::new(Span::styled(ellipsis(&s.series.name, width), style))
                .centered()
                .render(
                    Rect {
                        y,
                        height: 1,
                        ..rect
                    },
                    buf,
                );
            y += 1;
        }
        if y < rect.bottom() && !matches!(o.text_mode, TextMode::Name | TextMode::None) {
            Paragraph::new(Span::styled(ellipsis(&text, width), value_style))
                .centered()
                .render(
                    Rect {
                        y,
                        height: 1,
                        ..rect
                    },
                    buf,
                );
            y += 1;
        }
        if y < rect.bottom()
            && s.series.points.len() > 1
            && !s.props.unit.unwrap_or(panel.unit).is_textual()
        {
            sparkline(
                &s.series.points,
                color,
                Rect {
                    y,
                    height: rect.bottom() - y,
                    ..rect
                },
                buf,
            );
        }
    }
    if let Some(more) = more {
        let x = body_all.right().saturating_sub(more_w);
        let y = body_all.y + body_all.height.saturating_sub(1) / 2;
        buf.set_stringn(x, y, &more, usize::from(more_w), palette.muted);
    }
}

fn sparkline(points: &[(f64, f64)], color: Color, area: Rect, buf: &mut Buffer) {
    let vals: Vec<f64> = points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .collect();
    if vals.len() < 2 || area.height == 0 {
        return;
    }
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let width = usize::from(area.width);
    let data: Vec<u64> = (0..width.min(vals.len()))
        .map(|i| {
            let v = vals[i * (vals.len() - 1) / (width.min(vals.len()) - 1).max(1)];
            if hi > lo {
                (1.0 + (v - lo) / (hi - lo) * 99.0) as u64
            } else {
                50
            }
        })
        .collect();
    Sparkline::default()
        .data(&data)
        .max(100)
        .style(Style::default().fg(color))
        .render(area, buf);
}

/// The min and max a gauge or bar measures against: the panel's, else 0–100% for
/// percentages, else 0 to the largest value.
pub(super) fn bounds(panel: &Panel, unit: Unit, values: &[f64]) -> (f64, f64) {
    let min = panel.min.unwrap_or(0.0);
    let max = panel.max.unwrap_or(match unit {
        Unit::PercentUnit => 1.0,
        Unit::Percent => 100.0,
        _ => values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max)
            .max(min + f64::EPSILON),
    });
    (min, max)
}

/// Gauges and bar gauges: `name ███████░░░ value` per series, the bar the value's share
/// of min..max.
fn bars(
    panel: &Panel,
    shown: &[Shown],
    frame: &Frame,
    palette: &Palette,
    body: Rect,
    buf: &mut Buffer,
) {
    if shown.is_empty() {
        Paragraph::new(Span::styled("no data", palette.muted))
            .centered()
            .render(body, buf);
        return;
    }
    let values: Vec<Option<f64>> = shown
        .iter()
        .map(|s| panel.options.reduce.reduce(&s.series.points))
        .collect();
    let finite: Vec<f64> = values.iter().flatten().copied().collect();
    let (min, max) = bounds(panel, panel.unit, &finite);
    let texts: Vec<(String, Color)> = shown
        .iter()
        .zip(&values)
        .enumerate()
        .map(|(i, (s, v))| value_of(panel, s, *v, frame, palette, i))
        .collect();
    let one = shown.len() == 1;
    // A single gauge: the value centred above a full-width bar.
    if one && body.height >= 2 {
        let (text, color) = &texts[0];
        let mid = body.y + body.height.saturating_sub(2) / 2;
        Paragraph::new(Span::styled(
            ellipsis(text, usize::from(body.width)),
            Style::default().fg(*color).add_modifier(Modifier::BOLD),
        ))
        .centered()
        .render(
            Rect {
                y: mid,
                height: 1,
                ..body
            },
            buf,
        );
        let ratio = values[0].map_or(0.0, |v| ratio(v, min, max));
        bar(
            buf,
            body.x,
            mid + 1,
            body.width,
            ratio,
            *color,
            palette.axis,
        );
        return;
    }
    let name_w = shown
        .iter()
        .map(|s| s.series.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(usize::from(body.width / 3)) as u16;
    let value_w = texts.iter().map(|t| t.0.chars().count()).max().unwrap_or(0) as u16;
    let value_w = value_w.min(body.width / 3);
    let bar_w = body.width.saturating_sub(name_w + value_w + 2);
    let rows = usize::from(body.height);
    let overflow = shown.len() > rows;
    for (row, (s, ((text, color), v))) in shown.iter().zip(texts.iter().zip(&values)).enumerate() {
        let y = body.y + row as u16;
        if y >= body.bottom() {
            break;
        }
        if overflow && row + 1 == rows {
            buf.set_string(
                body.x,
                y,
                format!("+{} more", shown.len() - row),
                palette.muted,
            );
            break;
        }
        buf.set_stringn(
            body.x,
            y,
            ellipsis(&s.series.name, usize::from(name_w)),
            usize::from(name_w),
            palette.text,
        );
        bar(
            buf,
            body.x + name_w + 1,
            y,
            bar_w,
            v.map_or(0.0, |v| ratio(v, min, max)),
            *color,
            palette.axis,
        );
        let t = ellipsis(text, usize::from(value_w));
        let x = body.right().saturating_sub(t.chars().count() as u16);
        buf.set_string(x, y, &t, palette.label);
    }
}

fn ratio(v: f64, min: f64, max: f64) -> f64 {
    if max > min && v.is_finite() {
        ((v - min) / (max - min)).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// `████████░░░░` of `width` cells, eighth-blocks for the partial cell.
fn bar(buf: &mut Buffer, x: u16, y: u16, width: u16, ratio: f64, color: Color, rest: Style) {
    const EIGHTHS: [&str; 8] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let eighths = (ratio * f64::from(width) * 8.0).round() as u32;
    for i in 0..width {
        let filled = eighths.saturating_sub(u32::from(i) * 8).min(8);
        let (sym, style) = match filled {
            8 => ("█", Style::default().fg(color)),
            0 => ("░", rest),
            n => (EIGHTHS[n as usize], Style::default().fg(color)),
        };
        buf.set_string(x + i, y, sym, style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_gauge_bounds_follow_min_max_and_percent_units() {
        let mut p = Panel {
            unit: Unit::PercentUnit,
            ..Panel::default()
        };
        assert_eq!(bounds(&p, Unit::PercentUnit, &[0.54]), (0.0, 1.0));
        assert!((ratio(0.54, 0.0, 1.0) - 0.54).abs() < 1e-9);
        p.min = Some(0.0);
        p.max = Some(30.0);
        assert_eq!(bounds(&p, Unit::Seconds, &[3.0]), (0.0, 30.0));
        p.max = None;
        assert_eq!(bounds(&p, Unit::Short, &[3.0, 7.0]), (0.0, 7.0));
    }

    #[test]
    fn stacking_adds_series_at_each_time() {
        let mut s = vec![
            Plotted {
                points: vec![(1.0, 1.0), (2.0, 2.0)],
                ..Plotted::default()
            },
            Plotted {
                points: vec![(1.0, 10.0), (2.0, f64::NAN)],
                ..Plotted::default()
            },
        ];
        stacked(&mut s);
        assert_eq!(s[1].points[0], (1.0, 11.0));
        assert!(s[1].points[1].1.is_nan());
    }
}
