//! Panels drawn in character cells: text (markdown as plain text), tables (after their
//! transformations), state timelines (a line of coloured cells per series) and heatmaps
//! (buckets × time, shaded).

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::super::chart::{Palette, ellipsis};
use super::Frame;
use super::panel::{Shown, value_of};
use crate::domain::dashboard::field::{Calc, display, props_for};
use crate::domain::dashboard::model::{Panel, severity_of};
use crate::domain::dashboard::table::{Cell, Frame as TableFrame, build};

/// Markdown as plain text: headings, emphasis, code marks and link targets dropped, HTML
/// tags removed, list bullets kept.
pub(crate) fn markdown_text(md: &str) -> Vec<String> {
    let tag = regex::Regex::new(r"<[^>]+>").ok();
    let link = regex::Regex::new(r"!?\[([^\]]*)\]\([^)]*\)").ok();
    let mut out = Vec::new();
    for line in md.lines() {
        let mut l = line.trim_end().to_string();
        if let Some(t) = &tag {
            l = t.replace_all(&l, "").into_owned();
        }
        if let Some(r) = &link {
            l = r.replace_all(&l, "$1").into_owned();
        }
        let trimmed = l.trim_start();
        let l = if let Some(h) = trimmed.strip_prefix('#') {
            h.trim_start_matches('#').trim().to_string()
        } else {
            l.clone()
        };
        let l = l.replace("**", "").replace("__", "").replace('`', "");
        let l = l
            .replace("&nbsp;", " ")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
        // Consecutive blank lines collapse.
        if l.trim().is_empty() && out.last().is_some_and(|p: &String| p.is_empty()) {
            continue;
        }
        out.push(l.trim_end().to_string());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

pub(super) fn text(md: &str, palette: &Palette, area: Rect, buf: &mut Buffer) {
    let lines: Vec<Line> = markdown_text(md)
        .into_iter()
        .map(|l| Line::styled(l, palette.text))
        .collect();
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// A table: each query's series as rows of labels and a value column, joined and
/// organized by the panel's transformations; values in the column's unit (overrides by
/// column name) and coloured by thresholds.
pub(super) fn table(
    panel: &Panel,
    shown: &[Shown],
    frame: &Frame,
    palette: &Palette,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut frames: Vec<TableFrame> = Vec::new();
    for t in &panel.targets {
        frames.push(TableFrame {
            ref_id: t.ref_id.clone(),
            series: Vec::new(),
        });
    }
    if frames.is_empty() {
        frames.push(TableFrame {
            ref_id: String::new(),
            series: Vec::new(),
        });
    }
    for s in shown {
        let i = frames
            .iter()
            .position(|f| f.ref_id == s.series.ref_id)
            .unwrap_or(0);
        frames[i].series.push((
            s.series.name.clone(),
            s.series.labels.clone(),
            s.series.points.clone(),
        ));
    }
    let t = build(&frames, &panel.options.transformations);
    if t.rows.is_empty() {
        buf.set_stringn(
            area.x,
            area.y,
            "no data: the queries returned no series",
            usize::from(area.width),
            palette.muted,
        );
        return;
    }
    // Cell texts and colours.
    let now = Some(frame.now.as_second() as f64);
    let cells: Vec<Vec<(String, Style)>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&t.columns)
                .map(|(c, col)| match c {
                    Cell::Text(s) => (s.clone(), palette.text),
                    Cell::Empty => ("–".into(), palette.muted),
                    Cell::Num(v) => {
                        let props = props_for(&panel.options.overrides, col, "");
                        let unit = props.unit.unwrap_or(panel.unit);
                        let mappings = props.mappings.as_ref().unwrap_or(&panel.options.mappings);
                        let thresholds = props.thresholds.as_ref().unwrap_or(&panel.thresholds);
                        let d = display(
                            Some(*v),
                            unit,
                            props.decimals.or(panel.decimals),
                            mappings,
                            now,
                        );
                        let color = d
                            .color
                            .or_else(|| severity_of(thresholds, *v))
                            .map(|c| Style::default().fg(palette.severity(c)))
                            .unwrap_or(palette.label);
                        (d.text, color)
                    }
                })
                .collect()
        })
        .collect();
    let headers: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            props_for(&panel.options.overrides, c, "")
                .display_name
                .unwrap_or_else(|| c.clone())
        })
        .collect();
    let ncol = headers.len();
    let mut widths: Vec<usize> = (0..ncol)
        .map(|k| {
            cells
                .iter()
                .map(|r| r[k].0.chars().count())
                .chain(std::iter::once(headers[k].chars().count()))
                .max()
                .unwrap_or(1)
        })
        .collect();
    // Shrink the widest columns until the table fits (one space between columns).
    let avail = usize::from(area.width);
    while widths.iter().sum::<usize>() + ncol.saturating_sub(1) > avail {
        let Some((k, w)) = widths
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .map(|(k, w)| (k, *w))
        else {
            break;
        };
        if w <= 3 {
            break;
        }
        widths[k] = w - 1;
    }
    let numeric: Vec<bool> = (0..ncol)
        .map(|k| t.rows.iter().any(|r| matches!(r[k], Cell::Num(_))))
        .collect();
    let put_row = |buf: &mut Buffer, y: u16, texts: &[(String, Style)]| {
        let mut x = area.x;
        for (k, (text, style)) in texts.iter().enumerate() {
            let w = widths[k];
            if x >= area.right() {
                break;
            }
            let t = ellipsis(text, w);
            let t = if numeric[k] {
                format!("{t:>w$}")
            } else {
                format!("{t:<w$}")
            };
            buf.set_stringn(x, y, &t, usize::from(area.right() - x), *style);
            x = x.saturating_add(w as u16 + 1);
        }
    };
    let head: Vec<(String, Style)> = headers
        .iter()
        .map(|h| (h.clone(), palette.muted.add_modifier(Modifier::BOLD)))
        .collect();
    put_row(buf, area.y, &head);
    let rows = usize::from(area.height.saturating_sub(1));
    let overflow = cells.len() > rows;
    for (i, r) in cells.iter().enumerate().take(rows) {
        let y = area.y + 1 + i as u16;
        if overflow && i + 1 == rows {
            buf.set_string(
                area.x,
                y,
                format!("+{} more rows", cells.len() - i),
                palette.muted,
            );
            break;
        }
        put_row(buf, y, r);
    }
}

/// The value of `points` at time `t`: the last sample at or before it (within `step`).
fn value_at(points: &[(f64, f64)], t: f64, step: f64) -> Option<f64> {
    let i = points.partition_point(|p| p.0 <= t + 1e-9);
    let p = points.get(i.checked_sub(1)?)?;
    (t - p.0 <= step.max(1.0) * 1.5 && p.1.is_finite()).then_some(p.1)
}

/// A line per series: its name, then a cell per time column coloured by the value's
/// mapping or threshold (the mapped text of the latest value at the end when room).
pub(crate) fn state_timeline(
    panel: &Panel,
    shown: &[Shown],
    frame: &Frame,
    palette: &Palette,
    area: Rect,
    buf: &mut Buffer,
) {
    let name_w = shown
        .iter()
        .map(|s| s.series.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width / 4)) as u16;
    let cells_x = area.x + name_w + 1;
    let cells_w = area.right().saturating_sub(cells_x);
    if cells_w == 0 {
        return;
    }
    let span = (frame.end - frame.start).max(1.0);
    let col_t = |c: u16| frame.start + span * (f64::from(c) + 0.5) / f64::from(cells_w);
    let rows = usize::from(area.height);
    for (i, s) in shown.iter().enumerate() {
        let y = area.y + i as u16;
        if i >= rows {
            break;
        }
        if i + 1 == rows && shown.len() > rows {
            buf.set_string(
                area.x,
                y,
                format!("+{} more", shown.len() - i),
                palette.muted,
            );
            break;
        }
        buf.set_stringn(
            area.x,
            y,
            ellipsis(&s.series.name, usize::from(name_w)),
            usize::from(name_w),
            palette.text,
        );
        let step = (span / f64::from(cells_w)).max(frame.step);
        for c in 0..cells_w {
            let v = value_at(&s.series.points, col_t(c), step);
            let (sym, style) = match v {
                Some(v) => {
                    let (_, color) = value_of(panel, s, Some(v), frame, palette, i);
                    ("█", Style::default().fg(color))
                }
                None => ("·", palette.muted),
            };
            buf.set_string(cells_x + c, y, sym, style);
        }
        // The latest state in words over the end of the line.
        if let Some(v) = Calc::LastNotNull.reduce(&s.series.points) {
            let (text, color) = value_of(panel, s, Some(v), frame, palette, i);
            let t = format!(" {text} ");
            let w = t.chars().count() as u16;
            if w + 4 < cells_w {
                buf.set_string(
                    area.right() - w,
                    y,
                    &t,
                    Style::default().fg(color).add_modifier(Modifier::REVERSED),
                );
            }
        }
    }
}

/// Bucket series of a histogram: sorted by their `le` label and de-accumulated when
/// every series has one; otherwise as they are.
fn buckets(shown: &[Shown]) -> Vec<(String, Vec<(f64, f64)>)> {
    let le = |s: &Shown| {
        s.series.labels.get("le").map(|l| {
            if l == "+Inf" {
                f64::INFINITY
            } else {
                l.parse::<f64>().unwrap_or(f64::NAN)
            }
        })
    };
    if shown.is_empty() || !shown.iter().all(|s| le(s).is_some_and(|v| !v.is_nan())) {
        return shown
            .iter()
            .map(|s| (s.series.name.clone(), s.series.points.clone()))
            .collect();
    }
    let mut sorted: Vec<&Shown> = shown.iter().collect();
    sorted.sort_by(|a, b| le(a).unwrap_or(0.0).total_cmp(&le(b).unwrap_or(0.0)));
    let mut out = Vec::new();
    let mut prev: BTreeMap<i64, f64> = BTreeMap::new();
    for s in sorted {
        let mut pts = Vec::new();
        for &(t, v) in &s.series.points {
            let k = (t * 1000.0) as i64;
            let below = prev.get(&k).copied().unwrap_or(0.0);
            pts.push((t, (v - below).max(0.0)));
            prev.insert(k, v);
        }
        out.push((s.series.labels.get("le").cloned().unwrap_or_default(), pts));
    }
    out
}

/// A heatmap: a line per bucket (largest at the top), a cell per time column shaded by
/// the value against the largest one.
pub(crate) fn heatmap(
    shown: &[Shown],
    frame: &Frame,
    palette: &Palette,
    area: Rect,
    buf: &mut Buffer,
) {
    const SHADES: [&str; 5] = [" ", "░", "▒", "▓", "█"];
    let rows = buckets(shown);
    let name_w = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width / 4)) as u16;
    let cells_x = area.x + name_w + 1;
    let cells_w = area.right().saturating_sub(cells_x);
    if cells_w == 0 {
        return;
    }
    let max = rows
        .iter()
        .flat_map(|r| r.1.iter().map(|p| p.1))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let span = (frame.end - frame.start).max(1.0);
    let step = (span / f64::from(cells_w)).max(frame.step);
    let height = usize::from(area.height);
    // Largest buckets on top; when there are more buckets than lines, every k-th.
    let k = rows.len().div_ceil(height.max(1)).max(1);
    let picked: Vec<&(String, Vec<(f64, f64)>)> = rows.iter().rev().step_by(k).collect();
    let color = palette.series_color(0);
    for (i, (name, points)) in picked.iter().enumerate().take(height) {
        let y = area.y + i as u16;
        buf.set_stringn(
            area.x,
            y,
            ellipsis(name, usize::from(name_w)),
            usize::from(name_w),
            palette.label,
        );
        for c in 0..cells_w {
            let t = frame.start + span * (f64::from(c) + 0.5) / f64::from(cells_w);
            let v = value_at(points, t, step).unwrap_or(0.0);
            let level = if max > 0.0 {
                ((v / max) * 4.0).ceil().clamp(0.0, 4.0) as usize
            } else {
                0
            };
            buf.set_string(cells_x + c, y, SHADES[level], Style::default().fg(color));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_as_text() {
        let md = "# Node exporter\n\nSee **the docs** at [grafana](https://grafana.com).\n\n\n<br/>`code` &amp; more";
        assert_eq!(
            markdown_text(md),
            vec![
                "Node exporter",
                "",
                "See the docs at grafana.",
                "",
                "code & more"
            ]
        );
    }

    #[test]
    fn values_at_times() {
        let p = [(0.0, 1.0), (60.0, 2.0), (120.0, f64::NAN)];
        assert_eq!(value_at(&p, 30.0, 60.0), Some(1.0));
        assert_eq!(value_at(&p, 60.0, 60.0), Some(2.0));
        assert_eq!(value_at(&p, 130.0, 60.0), None);
        assert_eq!(value_at(&p, -5.0, 60.0), None);
    }
}
