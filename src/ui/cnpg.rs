//! The CloudNativePG pane: the cluster list and the cluster detail (in `cnpg/detail.rs`).
//! Everything drawn is read from the views' models, computed in `update()`.

mod detail;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

pub(super) use detail::render as detail;

use super::style;
use super::table::{block, fitted_table, status_span};
use crate::app::cnpg::{ClusterRow, CnpgListView, strings};
use crate::app::columns::{Cell, Tone, age};
use crate::app::view::Cursor;
use crate::app::{App, WatchStatus};
use crate::config::Slot;
use crate::domain::cnpg::{PrimaryChange, Severity};

pub(crate) fn severity_tone(s: Severity) -> Tone {
    match s {
        Severity::Ok => Tone::Ok,
        Severity::Warn => Tone::Warn,
        Severity::Error => Tone::Error,
    }
}

/// A header row and cell rows in `area`, the selected row highlighted; `empty` shows
/// when there are no rows.
pub(crate) fn grid(
    app: &App,
    f: &mut Frame,
    area: Rect,
    header: &[&str],
    rows: Vec<Vec<Cell>>,
    selected: Option<usize>,
    empty: &str,
) {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    fitted_table(app, f, area, &header, rows, selected, None, empty);
}

fn list_cells(app: &App, r: &ClusterRow) -> Vec<Cell> {
    let s = &r.summary;
    let primary_tone = match s.primary_change {
        PrimaryChange::None => Tone::Normal,
        PrimaryChange::FailoverStarting => Tone::Error,
        PrimaryChange::SwitchingTo(_) | PrimaryChange::Initializing(_) => Tone::Warn,
    };
    let ready_tone = if s.ready_instances < s.requested_instances {
        Tone::Warn
    } else {
        Tone::Normal
    };
    let warnings = match r.warnings.first() {
        None => Cell::new(""),
        Some(w) => Cell::toned(
            strings::warning_marker(r.warnings.len(), &w.message()),
            r.warnings
                .iter()
                .map(|w| severity_tone(w.severity()))
                .max_by_key(|t| match t {
                    Tone::Error => 2,
                    Tone::Warn => 1,
                    _ => 0,
                })
                .unwrap_or(Tone::Warn),
        ),
    };
    vec![
        Cell::new(s.namespace.clone()),
        Cell::new(s.name.clone()),
        Cell::toned(
            if s.phase.is_empty() { "-" } else { &s.phase },
            severity_tone(s.severity),
        ),
        Cell::toned(s.instances_text(), ready_tone),
        Cell::toned(s.primary_text(), primary_tone),
        Cell::new(s.timeline_id.map_or("-".to_string(), |t| t.to_string())),
        Cell::new(
            s.last_promotion
                .map_or("-".to_string(), |t| age(t, app.now)),
        ),
        warnings,
    ]
}

/// Rows visible from the cursor's offset.
fn visible<T>(items: &[T], cursor: Cursor, height: usize) -> (&[T], Option<usize>) {
    let start = cursor.offset.min(items.len());
    let end = (start + height).min(items.len());
    let sel = cursor
        .selected
        .checked_sub(start)
        .filter(|s| *s < end - start);
    (&items[start..end], sel)
}

pub(super) fn list(app: &App, v: &CnpgListView, f: &mut Frame, area: Rect) {
    let title = vec![
        Span::raw(" "),
        Span::styled(strings::LIST_TITLE, style(app, Slot::title)),
        Span::styled("(all)", style(app, Slot::info)),
        Span::styled(format!("[{}] ", v.rows.len()), style(app, Slot::title)),
    ];
    let status = app.watches.get(&v.watches.clusters.key).map(|w| &w.status);
    let loading = !app.cnpg.clusters_loaded();
    let b = block(app, title, status_span(app, status));
    let inner = b.inner(area);
    f.render_widget(b, area);
    let (rows, sel) = visible(&v.rows, v.cursor, app.list_height());
    let cells: Vec<Vec<Cell>> = rows.iter().map(|r| list_cells(app, r)).collect();
    // A list that fails before its first answer says why in the body (e.g. RBAC: the
    // user may not list Clusters at the cluster scope), not "loading" for ever.
    let empty = match status {
        Some(WatchStatus::Stale { error, .. }) if loading => error.clone(),
        _ if loading => crate::app::strings::LOADING.to_string(),
        _ => strings::NO_CLUSTERS.to_string(),
    };
    grid(app, f, inner, &strings::LIST_COLUMNS, cells, sel, &empty);
}

#[cfg(test)]
mod tests;
