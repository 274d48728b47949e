//! Metric widgets: a time-series chart (time axis with aligned ticks and labels, y axis in
//! the panel's unit, legend, several series, threshold lines, gaps), stat with sparkline,
//! gauge, bar and table. They draw plain data handed to them; nothing here queries.
//!
//! ratatui's `Chart` has no automatic bounds or ticks and misplaces more than three axis
//! labels, so the axes are drawn here and only the lines go through a braille `Canvas`.

use jiff::tz::TimeZone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::widgets::Widget;
use ratatui::widgets::canvas::{Canvas, Line, Points};
// The stat, gauge, bar and table widgets below are drawn only by this module's tests.
#[cfg(test)]
use ratatui::{
    style::Modifier,
    text::{Line as TextLine, Span},
    widgets::{Paragraph, Sparkline},
};

use crate::app::metrics::panel::Plotted;
use crate::domain::dashboard::axis::{time_ticks, value_ticks};
use crate::domain::dashboard::field::Calc;
#[cfg(test)]
use crate::domain::dashboard::model::severity_of;
use crate::domain::dashboard::model::{Severity, Threshold, Unit};
use crate::domain::dashboard::units::format_value;

/// Colours of the widgets (from the theme).
#[derive(Debug, Clone)]
pub struct Palette {
    pub series: Vec<Color>,
    pub axis: Style,
    pub label: Style,
    pub text: Style,
    pub(crate) muted: Style,
    pub ok: Color,
    pub info: Color,
    pub(crate) warn: Color,
    pub(crate) critical: Color,
}

impl Default for Palette {
    fn default() -> Palette {
        Palette {
            series: vec![
                Color::Green,
                Color::Yellow,
                Color::Cyan,
                Color::Magenta,
                Color::Blue,
                Color::LightRed,
                Color::LightGreen,
                Color::LightCyan,
            ],
            axis: Style::default().fg(Color::DarkGray),
            label: Style::default().fg(Color::Gray),
            text: Style::default(),
            muted: Style::default().fg(Color::DarkGray),
            ok: Color::Green,
            info: Color::Blue,
            warn: Color::Yellow,
            critical: Color::Red,
        }
    }
}

impl Palette {
    pub fn severity(&self, s: Severity) -> Color {
        match s {
            Severity::Ok => self.ok,
            Severity::Info => self.info,
            Severity::Warn => self.warn,
            Severity::Critical => self.critical,
        }
    }

    pub(crate) fn series_color(&self, i: usize) -> Color {
        self.series
            .get(i % self.series.len().max(1))
            .copied()
            .unwrap_or(Color::Reset)
    }
}

/// `text` cut to `width` characters, ending with `…` when cut.
pub(crate) fn ellipsis(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Splits points into runs without gaps: a gap is a non-finite value or a jump in time
/// larger than 1.5 × `step` (Prometheus leaves steps out where a series had no sample).
pub fn runs(points: &[(f64, f64)], step: f64) -> Vec<&[(f64, f64)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..points.len() {
        let broken = !points[i].1.is_finite()
            || (i > start && step > 0.0 && points[i].0 - points[i - 1].0 > step * 1.5);
        if broken {
            if i > start {
                out.push(&points[start..i]);
            }
            start = if points[i].1.is_finite() { i } else { i + 1 };
        }
    }
    if start < points.len() {
        out.push(&points[start..]);
    }
    out
}

/// A time-series chart.
pub(crate) struct TimeSeriesChart<'a> {
    pub series: &'a [Plotted],
    /// Time window, Unix seconds.
    pub start: f64,
    pub end: f64,
    /// The query step, to recognise gaps.
    pub step: f64,
    pub unit: Unit,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub thresholds: &'a [Threshold],
    pub tz: &'a TimeZone,
    pub(crate) palette: &'a Palette,
    /// Draw the legend under the chart.
    pub legend: bool,
    /// Values beside each legend name (`Last`, `Max`, `Mean`); with `legend_table` the
    /// legend is a table with a column per value.
    pub(crate) legend_calcs: &'a [Calc],
    pub(crate) legend_table: bool,
    /// Fill the area under each line.
    pub(crate) fill: bool,
    /// Mark each sample.
    pub points: bool,
}

impl TimeSeriesChart<'_> {
    fn color(&self, i: usize) -> Color {
        self.series[i]
            .color
            .unwrap_or_else(|| self.palette.series_color(i))
    }
}

impl TimeSeriesChart<'_> {
    fn bounds(&self) -> (f64, f64) {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for s in self.series {
            for &(t, v) in &s.points {
                if v.is_finite() && t >= self.start && t <= self.end {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        (self.min.unwrap_or(lo), self.max.unwrap_or(hi))
    }
}

fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, style: Style, area: Rect) {
    if y < area.top() || y >= area.bottom() || x >= area.right() {
        return;
    }
    let width = (area.right() - x) as usize;
    buf.set_stringn(x, y, text, width, style);
}

impl Widget for TimeSeriesChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < 12 || area.height < 3 {
            return;
        }
        // Legend rows: as many names as fit on one line, then a second line; a table
        // legend has a line per series (and a header) up to a third of the panel.
        let table = self.legend && self.legend_table && !self.series.is_empty();
        let list_names: Vec<String> = self
            .series
            .iter()
            .map(|s| {
                let mut name = s.name.clone();
                for c in self.legend_calcs {
                    let v = c
                        .reduce(&s.points)
                        .map(|v| format_value(self.unit, v, None))
                        .unwrap_or_else(|| "–".into());
                    name.push_str(&format!(" {} {v}", c.label().to_lowercase()));
                }
                ellipsis(&name, usize::from(area.width.saturating_sub(4)))
            })
            .collect();
        let legend_lines = if table {
            let max = usize::from((area.height / 3).max(2)) - 1;
            let shown = self.series.len().min(max);
            let mut lines: Vec<Vec<usize>> = vec![Vec::new()];
            lines.extend((0..shown).map(|i| vec![i]));
            lines
        } else if self.legend && !self.series.is_empty() {
            legend_rows(&list_names, area.width, 2)
        } else {
            Vec::new()
        };
        let legend_h = (legend_lines.len() as u16).min(area.height.saturating_sub(3));
        let plot_h = area.height - legend_h - 1;
        let (lo, hi) = self.bounds();
        let max_ticks = usize::from(plot_h / 2 + 1).clamp(2, 6);
        let (lo, hi, yticks) = value_ticks(lo, hi, max_ticks, self.unit);
        let label_w = yticks
            .iter()
            .map(|t| t.label.chars().count())
            .max()
            .unwrap_or(1) as u16;
        let plot = Rect {
            x: area.x + label_w + 1,
            y: area.y,
            width: area.width.saturating_sub(label_w + 1),
            height: plot_h,
        };
        if plot.width < 4 || plot.height < 1 {
            return;
        }
        let row_of = |v: f64| -> u16 {
            let frac = if hi > lo { (hi - v) / (hi - lo) } else { 0.0 };
            plot.y
                + ((frac * f64::from(plot.height - 1)).round().max(0.0) as u16).min(plot.height - 1)
        };
        let col_of = |t: f64| -> u16 {
            let frac = (t - self.start) / (self.end - self.start);
            plot.x
                + ((frac * f64::from(plot.width - 1)).round().max(0.0) as u16).min(plot.width - 1)
        };
        // Y axis: labels right-aligned, `┤` at each tick.
        for y in plot.top()..plot.bottom() {
            put(buf, plot.x - 1, y, "│", self.palette.axis, area);
        }
        let mut used_rows = Vec::new();
        for t in &yticks {
            let row = row_of(t.value);
            if used_rows.contains(&row) {
                continue;
            }
            used_rows.push(row);
            let w = t.label.chars().count() as u16;
            put(
                buf,
                area.x + label_w - w,
                row,
                &t.label,
                self.palette.label,
                area,
            );
            put(buf, plot.x - 1, row, "┤", self.palette.axis, area);
        }
        // X axis: a rule with `┬` at ticks and labels centred under them, never overlapping.
        let axis_y = plot.bottom();
        put(buf, plot.x - 1, axis_y, "└", self.palette.axis, area);
        for x in plot.left()..plot.right() {
            put(buf, x, axis_y, "─", self.palette.axis, area);
        }
        let mut next_free = plot.left();
        for t in time_ticks(self.start, self.end, plot.width, self.tz) {
            let col = col_of(t.value);
            let w = t.label.chars().count() as u16;
            let x = col
                .saturating_sub(w / 2)
                .max(plot.left())
                .min(plot.right().saturating_sub(w));
            if x < next_free {
                continue;
            }
            put(buf, col, axis_y, "┬", self.palette.axis, area);
            // Labels go on the rule itself (one row saved), with a space on each side.
            put(buf, x, axis_y, &t.label, self.palette.label, area);
            next_free = x + w + 1;
        }
        // Lines through a braille canvas on the plot area.
        let (start, end) = (self.start, self.end);
        let canvas = Canvas::default()
            .marker(Marker::Braille)
            .x_bounds([start, end])
            .y_bounds([lo, hi])
            .paint(|ctx| {
                for th in self
                    .thresholds
                    .iter()
                    .filter(|t| t.value > lo && t.value < hi)
                {
                    ctx.draw(&Line {
                        x1: start,
                        y1: th.value,
                        x2: end,
                        y2: th.value,
                        color: self.palette.severity(th.color),
                    });
                }
                ctx.layer();
                if self.fill {
                    let base = 0f64.clamp(lo, hi);
                    for (i, s) in self.series.iter().enumerate() {
                        let color = self.color(i);
                        for &(t, v) in s.points.iter().filter(|p| p.1.is_finite()) {
                            ctx.draw(&Line {
                                x1: t,
                                y1: base,
                                x2: t,
                                y2: v.clamp(lo, hi),
                                color,
                            });
                        }
                    }
                    ctx.layer();
                }
                for (i, s) in self.series.iter().enumerate() {
                    let color = self.color(i);
                    for run in runs(&s.points, self.step) {
                        if run.len() == 1 || self.points {
                            ctx.draw(&Points { coords: run, color });
                        }
                        for w in run.windows(2) {
                            ctx.draw(&Line {
                                x1: w[0].0,
                                y1: w[0].1.clamp(lo, hi),
                                x2: w[1].0,
                                y2: w[1].1.clamp(lo, hi),
                                color,
                            });
                        }
                    }
                }
            });
        canvas.render(plot, buf);
        let has_data = self
            .series
            .iter()
            .any(|s| s.points.iter().any(|p| p.1.is_finite()));
        if !has_data {
            let msg = "no data";
            let x = plot.x + plot.width.saturating_sub(msg.len() as u16) / 2;
            put(
                buf,
                x,
                plot.y + plot.height / 2,
                msg,
                self.palette.muted,
                area,
            );
        }
        // Legend.
        let hidden = self.series.len()
            - legend_lines
                .iter()
                .map(|l| l.len())
                .sum::<usize>()
                .min(self.series.len());
        let values = |i: usize| -> Vec<String> {
            self.legend_calcs
                .iter()
                .map(|c| {
                    c.reduce(&self.series[i].points)
                        .map(|v| format_value(self.unit, v, None))
                        .unwrap_or_else(|| "–".into())
                })
                .collect()
        };
        if table {
            // Columns: name, then one per calculation, right-aligned.
            let cols: Vec<Vec<String>> = (0..self.series.len()).map(values).collect();
            let widths: Vec<usize> = (0..self.legend_calcs.len())
                .map(|k| {
                    cols.iter()
                        .map(|c| c[k].chars().count())
                        .chain(std::iter::once(self.legend_calcs[k].label().len()))
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let values_w: usize = widths.iter().map(|w| w + 2).sum();
            let name_w = usize::from(area.width).saturating_sub(values_w + 2).max(4);
            for (row, line) in legend_lines.iter().take(legend_h as usize).enumerate() {
                let y = axis_y + 1 + row as u16;
                let mut x = area.x + 2 + name_w as u16;
                if line.is_empty() {
                    for (k, c) in self.legend_calcs.iter().enumerate() {
                        let w = widths[k];
                        put(
                            buf,
                            x,
                            y,
                            &format!("  {:>w$}", c.label()),
                            self.palette.muted,
                            area,
                        );
                        x += (w + 2) as u16;
                    }
                    continue;
                }
                let i = line[0];
                let last_row = row + 1 == legend_h as usize && hidden > 0;
                put(
                    buf,
                    area.x,
                    y,
                    "━ ",
                    Style::default().fg(self.color(i)),
                    area,
                );
                let name = if last_row {
                    format!("+{} more", hidden + 1)
                } else {
                    ellipsis(&self.series[i].name, name_w)
                };
                put(buf, area.x + 2, y, &name, self.palette.text, area);
                if !last_row {
                    for (k, v) in cols[i].iter().enumerate() {
                        let w = widths[k];
                        put(buf, x, y, &format!("  {v:>w$}"), self.palette.label, area);
                        x += (w + 2) as u16;
                    }
                }
            }
            return;
        }
        for (row, line) in legend_lines.iter().take(legend_h as usize).enumerate() {
            let y = axis_y + 1 + row as u16;
            let mut x = area.x;
            for &i in line {
                let name = &list_names[i];
                put(buf, x, y, "━ ", Style::default().fg(self.color(i)), area);
                put(buf, x + 2, y, name, self.palette.text, area);
                x += 2 + name.chars().count() as u16 + 2;
            }
            if row + 1 == legend_lines.len().min(legend_h as usize) && hidden > 0 {
                let more = format!("+{hidden} more");
                let at = x.min(area.right().saturating_sub(more.len() as u16));
                put(buf, at, y, &more, self.palette.muted, area);
            }
        }
    }
}

/// Series indices per legend line, at most `max_lines`; names that do not fit are left
/// out (the last line then ends with `+N more`, room for which is kept).
fn legend_rows(series: &[String], width: u16, max_lines: usize) -> Vec<Vec<usize>> {
    let mut lines: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0u16;
    for (i, s) in series.iter().enumerate() {
        let w = (2 + s.chars().count() as u16 + 2).min(width);
        let last_line = lines.len() == max_lines;
        // On the last line, keep room for "+N more" unless this is the last series.
        let reserve = if last_line && i + 1 < series.len() {
            10
        } else {
            0
        };
        if used + w + reserve > width && !lines.last().is_some_and(Vec::is_empty) {
            if lines.len() == max_lines {
                break;
            }
            lines.push(Vec::new());
            used = 0;
        }
        if let Some(l) = lines.last_mut() {
            l.push(i);
        }
        used += w;
    }
    lines
}

/// The big number of a stat panel with a sparkline of its history.
#[cfg(test)]
pub(crate) struct Stat<'a> {
    pub value: Option<f64>,
    pub(crate) history: &'a [(f64, f64)],
    pub unit: Unit,
    pub(crate) decimals: Option<u8>,
    pub thresholds: &'a [Threshold],
    pub(crate) palette: &'a Palette,
}

#[cfg(test)]
impl Widget for Stat<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let color = self
            .value
            .and_then(|v| severity_of(self.thresholds, v))
            .map(|s| self.palette.severity(s))
            .unwrap_or(self.palette.series_color(0));
        let text = self
            .value
            .map(|v| format_value(self.unit, v, self.decimals))
            .unwrap_or_else(|| "no data".into());
        let style = Style::default().fg(color).add_modifier(Modifier::BOLD);
        Paragraph::new(TextLine::from(Span::styled(text, style)))
            .centered()
            .render(Rect { height: 1, ..area }, buf);
        if area.height > 1 && self.history.len() > 1 {
            let vals: Vec<f64> = self
                .history
                .iter()
                .map(|p| p.1)
                .filter(|v| v.is_finite())
                .collect();
            let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // Scale into 0..=100 above the minimum so small changes show.
            let data: Vec<u64> = vals
                .iter()
                .map(|v| {
                    if hi > lo {
                        (1.0 + (v - lo) / (hi - lo) * 99.0) as u64
                    } else {
                        50
                    }
                })
                .collect();
            let width = usize::from(area.width);
            let data = if data.len() > width {
                resample(&data, width)
            } else {
                data
            };
            Sparkline::default()
                .data(&data)
                .max(100)
                .style(Style::default().fg(color))
                .render(
                    Rect {
                        y: area.y + 1,
                        height: area.height - 1,
                        ..area
                    },
                    buf,
                );
        }
    }
}

/// Picks `n` evenly spaced samples (the last one included).
#[cfg(test)]
fn resample(data: &[u64], n: usize) -> Vec<u64> {
    if n == 0 || data.is_empty() {
        return Vec::new();
    }
    (0..n)
        .map(|i| data[(i * (data.len() - 1)) / (n - 1).max(1)])
        .collect()
}

/// A horizontal gauge: the value as a share of min..max, coloured by thresholds.
#[cfg(test)]
pub(crate) struct Gauge<'a> {
    pub value: Option<f64>,
    pub min: f64,
    pub max: f64,
    pub unit: Unit,
    pub(crate) decimals: Option<u8>,
    pub thresholds: &'a [Threshold],
    pub(crate) palette: &'a Palette,
}

#[cfg(test)]
impl Widget for Gauge<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width < 4 {
            return;
        }
        let Some(v) = self.value else {
            Paragraph::new(Span::styled("no data", self.palette.muted))
                .centered()
                .render(area, buf);
            return;
        };
        let color = severity_of(self.thresholds, v)
            .map(|s| self.palette.severity(s))
            .unwrap_or(self.palette.series_color(0));
        let label = format_value(self.unit, v, self.decimals);
        let style = Style::default().fg(color).add_modifier(Modifier::BOLD);
        let mid = area.y + area.height.saturating_sub(2) / 2;
        Paragraph::new(Span::styled(label, style))
            .centered()
            .render(
                Rect {
                    y: mid,
                    height: 1,
                    ..area
                },
                buf,
            );
        if area.height >= 2 {
            let ratio = if self.max > self.min {
                ((v - self.min) / (self.max - self.min)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            bar(
                buf,
                area.x,
                mid + 1,
                area.width,
                ratio,
                color,
                self.palette.axis,
            );
        }
    }
}

/// `████████░░░░` of `width` cells, eighth-blocks for the partial cell.
#[cfg(test)]
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

/// Horizontal bars, one per series: `name ███████ value`.
#[cfg(test)]
pub(crate) struct Bars<'a> {
    pub items: &'a [(String, f64)],
    pub unit: Unit,
    pub(crate) decimals: Option<u8>,
    pub max: Option<f64>,
    pub thresholds: &'a [Threshold],
    pub(crate) palette: &'a Palette,
}

#[cfg(test)]
impl Widget for Bars<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < 10 || area.height == 0 {
            return;
        }
        let values: Vec<String> = self
            .items
            .iter()
            .map(|(_, v)| format_value(self.unit, *v, self.decimals))
            .collect();
        let name_w = self
            .items
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(0)
            .min(usize::from(area.width / 3)) as u16;
        let value_w = values.iter().map(|v| v.chars().count()).max().unwrap_or(0) as u16;
        let max = self.max.unwrap_or_else(|| {
            self.items
                .iter()
                .map(|i| i.1)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max)
        });
        let bar_w = area.width.saturating_sub(name_w + value_w + 2);
        for (row, ((name, v), text)) in self.items.iter().zip(&values).enumerate() {
            let y = area.y + row as u16;
            if y >= area.bottom() {
                break;
            }
            let color = severity_of(self.thresholds, *v)
                .map(|s| self.palette.severity(s))
                .unwrap_or(self.palette.series_color(row));
            buf.set_stringn(area.x, y, name, usize::from(name_w), self.palette.text);
            let ratio = if max > 0.0 {
                (v / max).clamp(0.0, 1.0)
            } else {
                0.0
            };
            bar(
                buf,
                area.x + name_w + 1,
                y,
                bar_w,
                ratio,
                color,
                Style::default(),
            );
            let x = area.right() - value_w;
            buf.set_string(
                x + value_w - text.chars().count() as u16,
                y,
                text,
                self.palette.label,
            );
        }
    }
}

/// Rows of `name  value`, values right-aligned.
#[cfg(test)]
pub(crate) struct ValueTable<'a> {
    pub rows: &'a [(String, f64)],
    pub unit: Unit,
    pub(crate) decimals: Option<u8>,
    pub thresholds: &'a [Threshold],
    pub(crate) palette: &'a Palette,
}

#[cfg(test)]
impl Widget for ValueTable<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 {
            return;
        }
        if self.rows.is_empty() {
            buf.set_stringn(
                area.x,
                area.y,
                "no series",
                usize::from(area.width),
                self.palette.muted,
            );
            return;
        }
        for (i, (name, v)) in self.rows.iter().enumerate() {
            let y = area.y + i as u16;
            if y >= area.bottom() {
                break;
            }
            let text = format_value(self.unit, *v, self.decimals);
            let style = severity_of(self.thresholds, *v)
                .map(|s| Style::default().fg(self.palette.severity(s)))
                .unwrap_or(self.palette.label);
            let vw = text.chars().count() as u16;
            let name_w = area.width.saturating_sub(vw + 1);
            buf.set_stringn(area.x, y, name, usize::from(name_w), self.palette.text);
            if vw < area.width {
                buf.set_string(area.right() - vw, y, &text, style);
            }
        }
    }
}

#[cfg(test)]
mod tests;
