//! Describe and YAML views: scrollable, searchable, matches highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::table::{block, status_span};
use super::{highlighted, style};
use crate::app::view::{TextMode, TextView};
use crate::app::{App, strings};
use crate::config::Slot;

/// A YAML line with its key coloured.
fn yaml_line<'a>(app: &App, line: &'a str, search: Option<&str>) -> Line<'a> {
    let mark = style(app, Slot::highlight);
    let text = style(app, Slot::text);
    if search.is_none() {
        let trimmed = line.trim_start_matches([' ', '-']);
        if let Some(colon) = trimmed.find(':') {
            let key_start = line.len() - trimmed.len();
            let key_end = key_start + colon;
            if !trimmed[..colon].contains(' ') {
                return Line::from(vec![
                    Span::styled(&line[..key_start], text),
                    Span::styled(&line[key_start..key_end], style(app, Slot::info)),
                    Span::styled(&line[key_end..], text),
                ]);
            }
        }
    }
    Line::from(highlighted(line, search, text, mark))
}

pub(super) fn render(app: &App, t: &TextView, f: &mut Frame, area: Rect) {
    let h = app.text_height();
    let what = match &t.source.namespace {
        Some(ns) => format!("{} {ns}/{}", t.source.kind().singular, t.source.name),
        None => format!("{} {}", t.source.kind().singular, t.source.name),
    };
    let mode = match t.mode {
        TextMode::Describe => "describe",
        TextMode::Yaml => "yaml",
    };
    let mut title = vec![
        Span::raw(" "),
        Span::styled(mode, style(app, Slot::title)),
        Span::styled(format!(" {what} "), style(app, Slot::info)),
    ];
    if let Some(s) = &t.search {
        let pos = if t.matches.is_empty() {
            0
        } else {
            t.current_match + 1
        };
        title.push(Span::styled(
            format!("/{s} [{pos}/{}] ", t.matches.len()),
            style(app, Slot::highlight),
        ));
    }
    if t.missing {
        title.push(Span::styled(
            format!("{} ", strings::OBJECT_GONE),
            style(app, Slot::warn),
        ));
    }
    let status = app.watches.get(&t.source.spec.key).map(|w| &w.status);
    let block = block(app, title, status_span(app, status));
    let search = t.search.as_deref();
    let lines: Vec<Line> = if t.lines.is_empty() {
        vec![Line::from(Span::styled(
            strings::LOADING,
            style(app, Slot::muted),
        ))]
    } else {
        t.lines
            .iter()
            .skip(t.scroll)
            .take(h)
            .map(|l| match t.mode {
                TextMode::Yaml => yaml_line(app, l, search),
                TextMode::Describe => Line::from(highlighted(
                    l,
                    search,
                    style(app, Slot::text),
                    style(app, Slot::highlight),
                )),
            })
            .collect()
    };
    let mut p = Paragraph::new(lines).block(block);
    if t.wrap {
        p = p.wrap(Wrap { trim: false });
    }
    f.render_widget(p, area);
}
