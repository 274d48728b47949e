//! The detail of one Application: what it is and where its sync stands (top), then its
//! resources with kind, name, namespace, sync, health, hook and wave.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::style;
use super::super::table::{block, status_span};
use super::{fit, health_slot, sync_slot, width, wrapped};
use crate::app::App;
use crate::app::waves::layout::{detail_info_height, info_items};
use crate::app::waves::{ResourceRow, WaveAppView, strings};
use crate::config::Slot;
use crate::domain::waves::HealthCode;

/// Widest kind, name, namespace, sync, health, hook and wave columns; the message gets the rest.
const MAX_WIDTHS: [usize; 7] = [24, 30, 16, 9, 11, 8, 4];

struct Areas {
    info: Rect,
    resources: Rect,
}

fn areas(d: &WaveAppView, body: Rect, now: Timestamp) -> Areas {
    let info_h = detail_info_height(d, body.width, body.height, now);
    let [info, resources] =
        Layout::vertical([Constraint::Length(info_h), Constraint::Min(0)]).areas(body);
    Areas { info, resources }
}

pub(crate) fn detail(app: &App, d: &WaveAppView, f: &mut Frame, area: Rect) {
    let a = areas(d, area, app.now);
    let mut title = vec![
        Span::raw(" "),
        Span::styled(format!("application {}", d.key), style(app, Slot::title)),
        Span::raw(" "),
    ];
    if d.missing {
        title.push(Span::styled(
            format!("{} ", strings::APP_GONE),
            style(app, Slot::warn),
        ));
    }
    let status = app.watches.get(&d.apps.key).map(|w| &w.status);
    let b = block(app, title, status_span(app, status));
    let inner = b.inner(a.info);
    let lines: Vec<Line> = wrapped(&info_items(d, app.now), inner.width as usize)
        .into_iter()
        .take(inner.height as usize)
        .map(|(t, slot)| Line::from(Span::styled(t, style(app, slot))))
        .collect();
    let lines = if d.app.is_none() {
        vec![Line::from(Span::styled(
            crate::app::strings::LOADING,
            style(app, Slot::muted),
        ))]
    } else {
        lines
    };
    f.render_widget(Paragraph::new(lines).block(b), a.info);
    resources(app, d, f, a.resources);
}

fn cells(r: &ResourceRow) -> Vec<(String, Slot)> {
    let res = &r.res.resource;
    let health = match &r.res.health {
        Some(h) => (h.to_string(), health_slot(h)),
        None => ("–".to_string(), Slot::muted),
    };
    let bad_health = r
        .res
        .health
        .as_ref()
        .is_some_and(|h| h.badness() >= HealthCode::Missing.badness());
    let message_slot = if r.failed || bad_health {
        Slot::error
    } else {
        Slot::muted
    };
    vec![
        (res.kind.clone(), Slot::text),
        (res.name.clone(), Slot::text),
        (
            if res.namespace.is_empty() {
                "–".into()
            } else {
                res.namespace.clone()
            },
            Slot::muted,
        ),
        (r.res.sync.to_string(), sync_slot(&r.res.sync)),
        health,
        (r.hook.clone().unwrap_or_default(), Slot::info),
        (r.res.sync_wave.to_string(), Slot::text),
        (r.message.clone().unwrap_or_default(), message_slot),
    ]
}

/// Between the resources' columns.
const GAP: &str = "  ";
/// The message column keeps at least this much before names are cut.
const MIN_MESSAGE: usize = 24;

fn resources(app: &App, d: &WaveAppView, f: &mut Frame, area: Rect) {
    let title = vec![
        Span::raw(" "),
        Span::styled(
            format!("{}[{}]", strings::RESOURCES, d.resources.len()),
            style(app, Slot::title),
        ),
        Span::raw(" "),
    ];
    let mut b = block(app, title, None);
    // The selected resource's whole message, which the column may cut.
    if let Some(r) = d.selected()
        && let Some(m) = &r.message
    {
        let slot = cells(r).last().map_or(Slot::muted, |c| c.1);
        b = b.title_bottom(Line::from(vec![
            Span::raw(" "),
            Span::styled(
                format!("{} {}: {m}", r.res.resource.kind, r.res.resource.name),
                style(app, slot),
            ),
            Span::raw(" "),
        ]));
    }
    let inner = b.inner(area);
    f.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    let all: Vec<Vec<(String, Slot)>> = d.resources.iter().map(cells).collect();
    let mut widths: Vec<usize> = strings::RESOURCE_COLUMNS.iter().map(|h| width(h)).collect();
    for row in &all {
        for (i, (text, _)) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(text));
            }
        }
    }
    let last = widths.len() - 1;
    let gaps = GAP.len() * last;
    // Names are cut only when the message would otherwise get less than its minimum.
    let natural: usize = widths[..last].iter().sum::<usize>() + gaps;
    if natural + MIN_MESSAGE > inner.width as usize {
        for (w, cap) in widths.iter_mut().zip(MAX_WIDTHS) {
            *w = (*w).min(cap);
        }
    }
    let used: usize = widths[..last].iter().sum::<usize>() + gaps;
    widths[last] = (inner.width as usize).saturating_sub(used).max(7);
    let header: String = strings::RESOURCE_COLUMNS
        .iter()
        .zip(&widths)
        .map(|(h, w)| fit(h, *w))
        .collect::<Vec<_>>()
        .join(GAP);
    let mut lines = vec![Line::from(Span::styled(header, style(app, Slot::header)))];
    if all.is_empty() {
        f.render_widget(Paragraph::new(lines), inner);
        if inner.height > 2 {
            let msg = Rect::new(inner.x, inner.y + 2, inner.width, 1);
            f.render_widget(
                Paragraph::new(Span::styled(strings::NO_RESOURCES, style(app, Slot::muted)))
                    .alignment(Alignment::Center),
                msg,
            );
        }
        return;
    }
    let h = (inner.height as usize).saturating_sub(1);
    let sel = style(app, Slot::selection);
    for (i, row) in all.into_iter().enumerate().skip(d.cursor.offset).take(h) {
        let selected = i == d.cursor.selected;
        let mut spans = Vec::new();
        for (j, ((text, slot), w)) in row.into_iter().zip(&widths).enumerate() {
            if j > 0 {
                spans.push(Span::styled(
                    GAP,
                    if selected { sel } else { Style::default() },
                ));
            }
            let s = if selected { sel } else { style(app, slot) };
            spans.push(Span::styled(fit(&text, *w), s));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
