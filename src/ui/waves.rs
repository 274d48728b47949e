//! The sync waves pane: the rollout in words with the traps (top left), the app-of-apps tree
//! (top right) and the wave lanes, lowest wave first (below). The app detail is in
//! [`detail`]. Everything drawn here was computed in `update`; this only lays it out.

mod detail;
#[cfg(test)]
mod tests;

pub(crate) use detail::detail;

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::style;
use super::table::{block, status_span};
use crate::app::App;
use crate::app::columns::age;
use crate::app::waves::layout::waves_top;
pub(crate) use crate::app::waves::layout::{
    app_mark, health_slot, phase_slot, sync_slot, width, wrapped,
};
use crate::app::waves::strings;
use crate::app::waves::{WaveRow, WavesView};
use crate::config::Slot;
use crate::domain::waves::{AppSummary, Blocker, BlockerState, HealthCode, RolloutState};

/// Pads or cuts (with `…`) to exactly `width` columns.
pub(crate) fn fit(text: &str, max: usize) -> String {
    let w = width(text);
    if w <= max {
        return format!("{text}{}", " ".repeat(max - w));
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let cw = width(c.encode_utf8(&mut [0; 4]));
        if used + cw + 1 > max {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    format!("{out}{}", " ".repeat(max.saturating_sub(used + 1)))
}

struct Areas {
    summary: Rect,
    tree: Rect,
    lanes: Rect,
}

fn areas(w: &WavesView, body: Rect) -> Areas {
    let (summary_w, top_h) = waves_top(w, body.width, body.height);
    let [top, lanes] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(0)]).areas(body);
    let [summary, tree] =
        Layout::horizontal([Constraint::Length(summary_w), Constraint::Min(0)]).areas(top);
    Areas {
        summary,
        tree,
        lanes,
    }
}

pub(crate) fn render(app: &App, w: &WavesView, f: &mut Frame, area: Rect) {
    let a = areas(w, area);
    summary(app, w, f, a.summary);
    tree(app, w, f, a.tree);
    lanes(app, w, f, a.lanes);
}

fn summary(app: &App, w: &WavesView, f: &mut Frame, area: Rect) {
    let state = match w.rollout().map(|r| &r.state) {
        Some(RolloutState::InProgress { wave, blockers, .. }) => match degraded(blockers) {
            Some(b) => strings::wave_blocked(*wave, &b.app.name, &HealthCode::Degraded.to_string()),
            None => strings::wave_in_progress(*wave),
        },
        Some(RolloutState::Done) => strings::ROLLOUT_DONE.to_string(),
        Some(RolloutState::Empty) | None => strings::ROLLOUT_EMPTY.to_string(),
    };
    let title = vec![
        Span::raw(" "),
        Span::styled(
            fit(
                &strings::rollout_title(w.root.as_ref(), &state),
                (area.width as usize).saturating_sub(4),
            )
            .trim_end()
            .to_string(),
            style(app, Slot::title),
        ),
        Span::raw(" "),
    ];
    let b = block(app, title, None);
    let inner = b.inner(area);
    let lines: Vec<Line> = wrapped(&w.summary(), inner.width as usize)
        .into_iter()
        .take(inner.height as usize)
        .map(|(t, slot)| Line::from(Span::styled(t, style(app, slot))))
        .collect();
    f.render_widget(Paragraph::new(lines).block(b), area);
}

fn tree(app: &App, w: &WavesView, f: &mut Frame, area: Rect) {
    let title = vec![
        Span::raw(" "),
        Span::styled(strings::TREE, style(app, Slot::title)),
        Span::raw(" "),
    ];
    let b = block(app, title, None);
    let inner = b.inner(area);
    let items = w.tree();
    let h = inner.height as usize;
    let selected = w.selected_app();
    let pos = items
        .iter()
        .position(|(_, _, k)| k.as_ref() == selected)
        .unwrap_or(0);
    let start = if pos >= h { pos + 1 - h } else { 0 };
    let lines: Vec<Line> = items
        .iter()
        .skip(start)
        .take(h)
        .map(|(text, slot, key)| {
            let mut s = style(app, *slot);
            if key.is_some() && key.as_ref() == w.root.as_ref() {
                s = s.patch(style(app, Slot::title));
            }
            if key.is_some() && key.as_ref() == selected {
                s = style(app, Slot::highlight);
            }
            Line::from(Span::styled(fit(text, inner.width as usize), s))
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(b), area);
}

/// Between the lanes list's columns.
const LANE_GAP: &str = "  ";

/// The first blocker of a wave that is Degraded: the wave cannot finish by waiting.
fn degraded(blockers: &[Blocker]) -> Option<&Blocker> {
    blockers
        .iter()
        .find(|b| b.state == BlockerState::Unhealthy(HealthCode::Degraded))
}

/// Column widths of the lanes list; the message takes the rest.
fn lane_widths(w: &WavesView, total: usize) -> [usize; 10] {
    let name = w
        .name_width()
        .clamp(width(strings::LANE_COLUMNS[0]) + 2, 34);
    let mut widths = [name, 9, 11, 10, 8, 9, 15, 3, 3, 0];
    // Narrow screens drop the least useful columns whole (a width of 0) rather than cut
    // the message: auto-sync policy, then revision, last sync and the operation.
    let used = |w: &[usize; 10]| {
        let shown = w[..9].iter().filter(|x| **x > 0).count();
        w.iter().sum::<usize>() + LANE_GAP.len() * shown
    };
    for drop in [6, 4, 5, 3] {
        if used(&widths) + MIN_MESSAGE <= total {
            break;
        }
        widths[drop] = 0;
    }
    widths[9] = total.saturating_sub(used(&widths)).max(1);
    widths
}

/// The message column keeps at least this much before columns drop.
const MIN_MESSAGE: usize = 16;

/// Joins cells at their widths (a width of 0 hides the column and its gap).
fn join_cells<'a>(cells: Vec<Span<'a>>, widths: [usize; 10], gap: Style) -> Vec<Span<'a>> {
    let mut out = Vec::new();
    for (j, (cell, wd)) in cells.into_iter().zip(widths).enumerate() {
        if wd == 0 {
            continue;
        }
        if j > 0 && !out.is_empty() {
            out.push(Span::styled(LANE_GAP, gap));
        }
        out.push(cell);
    }
    out
}

/// The cells of an app row, with their slots.
fn app_cells(w: &WavesView, a: &AppSummary, parent: bool, now: Timestamp) -> Vec<(String, Slot)> {
    let dash = || ("–".to_string(), Slot::muted);
    let name = if parent {
        format!("{} {}", a.key.name, strings::ROOT_LABEL)
    } else {
        format!("  {}", a.key.name)
    };
    let (_, name_slot) = app_mark(a);
    let name_slot = if name_slot == Slot::ok {
        Slot::text
    } else {
        name_slot
    };
    if !a.exists {
        return vec![
            (name, Slot::muted),
            (a.sync.to_string(), Slot::muted),
            (a.health.to_string(), Slot::muted),
            dash(),
            dash(),
            dash(),
            dash(),
            dash(),
            dash(),
            (strings::NOT_CREATED.to_string(), Slot::muted),
        ];
    }
    let operation = match (&a.operation, &a.requested_operation) {
        (Some(op), _) if op.phase.is_active() && op.retry_count > 0 => (
            format!("{} #{}", op.phase, op.retry_count),
            phase_slot(&op.phase),
        ),
        (Some(op), _) if op.phase.is_active() => (op.phase.to_string(), phase_slot(&op.phase)),
        (_, Some(_)) => ("Requested".to_string(), Slot::warn),
        (Some(op), None) => (op.phase.to_string(), phase_slot(&op.phase)),
        (None, None) => dash(),
    };
    let auto = if a.auto_sync.enabled {
        let mut s = "auto".to_string();
        if a.auto_sync.prune {
            s.push_str(" prune");
        }
        if a.auto_sync.self_heal {
            s.push_str(" heal");
        }
        (s, Slot::text)
    } else {
        ("manual".to_string(), Slot::muted)
    };
    let count = |n: usize, bad: Slot| (n.to_string(), if n > 0 { bad } else { Slot::muted });
    let (message, message_slot) = message_of(a);
    let _ = w;
    vec![
        (name, name_slot),
        (a.sync.to_string(), sync_slot(&a.sync)),
        (a.health.to_string(), health_slot(&a.health)),
        operation,
        a.revision
            .clone()
            .map(|r| (r, Slot::text))
            .unwrap_or_else(dash),
        a.last_synced
            .map(|t| (age(t, now), Slot::text))
            .unwrap_or_else(dash),
        auto,
        count(a.out_of_sync, Slot::warn),
        a.unhealthy
            .map(|n| count(n, Slot::error))
            .unwrap_or_else(dash),
        (message, message_slot),
    ]
}

/// What an app says about itself: an error condition, its operation, its health message.
pub(crate) fn message_of(a: &AppSummary) -> (String, Slot) {
    if let Some(c) = a.error_conditions().next() {
        return (format!("{}: {}", c.kind, c.message), Slot::error);
    }
    if let Some(op) = &a.operation
        && (op.phase.is_active() || op.phase.is_failure())
        && let Some(m) = &op.message
    {
        return (m.clone(), phase_slot(&op.phase));
    }
    if let Some(m) = &a.health_message {
        return (m.clone(), health_slot(&a.health));
    }
    (String::new(), Slot::muted)
}

fn lanes(app: &App, w: &WavesView, f: &mut Frame, area: Rect) {
    let choices = w.root_choices();
    let position = choices.iter().position(|c| *c == w.root).unwrap_or(0) + 1;
    let title = vec![
        Span::raw(" "),
        Span::styled(
            strings::waves_title(w.root.as_ref(), position, choices.len()),
            style(app, Slot::title),
        ),
        Span::raw(" "),
    ];
    let status = app.watches.get(&w.apps.key).map(|x| &x.status);
    let b = block(app, title, status_span(app, status)).title_bottom(Line::from(vec![
        Span::raw(" "),
        Span::styled(
            fit(
                strings::LANE_LEGEND,
                (area.width as usize).saturating_sub(4),
            ),
            style(app, Slot::muted),
        ),
        Span::raw(" "),
    ]));
    let inner = b.inner(area);
    f.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    let widths = lane_widths(w, inner.width as usize);
    let header: Vec<Span> = strings::LANE_COLUMNS
        .iter()
        .zip(widths)
        .map(|(h, wd)| Span::styled(fit(h, wd), style(app, Slot::header)))
        .collect();
    let mut lines = vec![Line::from(join_cells(header, widths, Style::default()))];
    if w.rows.is_empty() {
        let no_argo =
            app.catalog.discovered && app.catalog.resolve(&w.apps.kind.full_name()).is_none();
        let text = match status {
            _ if no_argo => strings::NO_ARGO,
            None | Some(crate::app::WatchStatus::Loading) => crate::app::strings::LOADING,
            _ => strings::NO_APPS,
        };
        f.render_widget(Paragraph::new(lines), inner);
        if inner.height > 2 {
            let msg = Rect::new(inner.x, inner.y + 2, inner.width, 1);
            f.render_widget(
                Paragraph::new(Span::styled(text, style(app, Slot::muted)))
                    .alignment(Alignment::Center),
                msg,
            );
        }
        return;
    }
    let h = (inner.height as usize).saturating_sub(1);
    let in_progress = w.rollout().and_then(|r| r.wave_in_progress());
    let blocked = w.rollout().is_some_and(|r| match &r.state {
        RolloutState::InProgress { blockers, .. } => degraded(blockers).is_some(),
        _ => false,
    });
    let sel = style(app, Slot::selection);
    for (i, row) in w.rows.iter().enumerate().skip(w.cursor.offset).take(h) {
        let selected = i == w.cursor.selected;
        let line = match row {
            WaveRow::Lane(l) => {
                let Some(lane) = w.lanes.get(*l) else {
                    continue;
                };
                let (state, slot) = if lane.done {
                    (strings::LANE_DONE, Slot::ok)
                } else if Some(lane.wave) == in_progress && blocked {
                    (strings::LANE_BLOCKED, Slot::error)
                } else if Some(lane.wave) == in_progress {
                    (strings::LANE_IN_PROGRESS, Slot::warn)
                } else {
                    (strings::LANE_PENDING, Slot::muted)
                };
                let text = format!(
                    "▾ {}",
                    strings::lane_heading(lane.wave, state, lane.apps.len())
                );
                Line::from(Span::styled(
                    fit(&text, inner.width as usize),
                    style(app, slot)
                        .patch(style(app, Slot::header))
                        .patch(style(app, slot)),
                ))
            }
            WaveRow::Parent(k) | WaveRow::App(k) => {
                let Some(a) = w.app(k) else { continue };
                let cells = app_cells(w, a, matches!(row, WaveRow::Parent(_)), app.now);
                let spans: Vec<Span> = cells
                    .into_iter()
                    .zip(widths)
                    .map(|((text, slot), wd)| {
                        let base = if selected { sel } else { style(app, slot) };
                        Span::styled(fit(&text, wd), base)
                    })
                    .collect();
                let gap = if selected { sel } else { Style::default() };
                Line::from(join_cells(spans, widths, gap))
            }
        };
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
}
