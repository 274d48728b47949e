//! Drawing. `render` only reads the [`App`]: no I/O, no awaits, no state changes. Only
//! visible rows are turned into cells.

pub mod chart;
mod chrome;
pub(crate) use chrome::fit_spans;
mod cnpg;
mod dialog;
mod help;
/// The install wizard's screens (its state and update live in `install::tui`).
pub(crate) mod install;
pub(crate) mod layout;
mod logs;
pub mod metrics;
mod panel;
mod pf;
pub(crate) mod pools;
mod replay;
mod table;
mod text;
pub(crate) mod waves;

use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::Span;

use crate::app::App;
use crate::app::columns::Tone;
use crate::app::view::View;
use crate::config::Slot;

/// Draws the whole screen.
pub fn render(app: &App, f: &mut Frame) {
    let a = layout::areas(f.area(), app.prompt.is_some());
    chrome::header(app, f, a.header);
    chrome::crumbs(app, f, a.crumbs);
    if let (Some(area), Some(p)) = (a.prompt, &app.prompt) {
        chrome::prompt(app, p, f, area);
    }
    match app.top() {
        Some(View::Table(t)) => table::resources(app, t, f, a.body),
        Some(View::Containers(c)) => table::containers(app, c, f, a.body),
        Some(View::Contexts(c)) => table::contexts(app, c, f, a.body),
        Some(View::Forwards(v)) => pf::render(app, v, f, a.body),
        Some(View::Text(t)) => text::render(app, t, f, a.body),
        Some(View::Logs(l)) => logs::render(app, l, f, a.body),
        Some(View::Help(h)) => help::render(app, h, f, a.body),
        Some(View::Pools(p)) => pools::render(app, p, f, a.body),
        Some(View::Waves(w)) => waves::render(app, w, f, a.body),
        Some(View::WaveApp(d)) => waves::detail(app, d, f, a.body),
        Some(View::Cnpg(v)) => cnpg::list(app, v, f, a.body),
        Some(View::CnpgDetail(v)) => cnpg::detail(app, v, f, a.body),
        Some(View::Metrics(m)) => metrics::view::render(app, m, f, a.body),
        Some(View::Editor(e)) => metrics::view::editor(app, e, f, a.body),
        Some(View::Panel(p)) => panel::render(app, p, f, a.body),
        None => {}
    }
    chrome::hints(app, f, a.hints);
    chrome::flash(app, f, a.flash);
    if let Some(d) = &app.dialog {
        dialog::render(app, d, f, f.area());
    }
}

pub(crate) fn style(app: &App, slot: Slot) -> Style {
    app.config.theme.style(slot)
}

pub(crate) fn tone_slot(tone: Tone) -> Slot {
    match tone {
        Tone::Normal => Slot::text,
        Tone::Ok => Slot::ok,
        Tone::Warn => Slot::warn,
        Tone::Error => Slot::error,
        Tone::Muted => Slot::muted,
    }
}

/// Splits `line` into spans, highlighting case-insensitive occurrences of `needle`.
pub(crate) fn highlighted<'a>(
    line: &'a str,
    needle: Option<&str>,
    base: Style,
    mark: Style,
) -> Vec<Span<'a>> {
    let Some(needle) = needle.filter(|n| !n.is_empty()) else {
        return vec![Span::styled(line, base)];
    };
    let lower = line.to_lowercase();
    let needle = needle.to_lowercase();
    // Lowercasing may change byte lengths for some scripts; then do not highlight.
    if lower.len() != line.len() {
        return vec![Span::styled(line, base)];
    }
    let mut spans = Vec::new();
    let mut pos = 0;
    while let Some(found) = lower[pos..].find(&needle) {
        let start = pos + found;
        let end = start + needle.len();
        if !line.is_char_boundary(start) || !line.is_char_boundary(end) {
            break;
        }
        if start > pos {
            spans.push(Span::styled(&line[pos..start], base));
        }
        spans.push(Span::styled(&line[start..end], mark));
        pos = end;
    }
    if pos < line.len() {
        spans.push(Span::styled(&line[pos..], base));
    }
    spans
}

#[cfg(test)]
mod tests;
