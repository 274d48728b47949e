//! List views: resource tables, a pod's containers, contexts. Only visible rows become cells.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table};

use super::{highlighted, style, tone_slot};
use crate::app::columns::{Cell, Tone, age};
use crate::app::view::{ContainersView, ContextsView, Cursor, TableView};
use crate::app::{App, WatchStatus, strings};
use crate::config::Slot;

const MAX_COL: usize = 60;

pub(crate) fn block<'a>(app: &App, title: Vec<Span<'a>>, status: Option<Span<'a>>) -> Block<'a> {
    let mut b = Block::bordered()
        .border_style(style(app, Slot::border_focused))
        .title(Line::from(title));
    if let Some(s) = status {
        b = b.title_top(
            Line::from(vec![Span::raw(" "), s, Span::raw(" ")]).alignment(Alignment::Right),
        );
    }
    b
}

/// The longest error a stale mark shows (the whole text is in the log file).
pub(crate) const STALE_CHARS: usize = 60;

/// The right-hand status of a watched view: loading, or stale with its age.
pub(crate) fn status_span<'a>(app: &App, status: Option<&WatchStatus>) -> Option<Span<'a>> {
    match status? {
        WatchStatus::Loading => Some(Span::styled(strings::LOADING, style(app, Slot::warn))),
        WatchStatus::Ready => None,
        WatchStatus::Stale { error, since } => Some(Span::styled(
            // Bounded, so that the table's own title stays readable.
            strings::stale(
                &crate::sources::explain::one_line(error, STALE_CHARS),
                &age(*since, app.now),
            ),
            style(app, Slot::error),
        )),
    }
}

/// What a list shows: header, the visible rows' cells, the cursor, a highlight.
struct List<'a> {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    cursor: Cursor,
    highlight: Option<&'a str>,
    empty: &'a str,
}

/// Draws a list with a header row.
/// Column widths from the header and the visible rows (capped), the last column filling.
pub(crate) fn column_constraints<S: AsRef<str>>(
    header: &[S],
    rows: &[Vec<Cell>],
) -> Vec<Constraint> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.as_ref().chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.text.chars().count()).min(MAX_COL);
            }
        }
    }
    let n = widths.len();
    widths
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i + 1 == n {
                Constraint::Fill(1)
            } else {
                Constraint::Length(*w as u16)
            }
        })
        .collect()
}

fn draw_rows(app: &App, f: &mut Frame, area: Rect, block: Block<'_>, list: List<'_>) {
    let List {
        header,
        rows,
        cursor,
        highlight,
        empty,
    } = list;
    let inner = block.inner(area);
    f.render_widget(block, area);
    let constraints = column_constraints(&header, &rows);
    let head = Row::new(
        header
            .iter()
            .map(|h| Span::styled(h.clone(), style(app, Slot::header))),
    );
    if rows.is_empty() {
        let t = Table::new(Vec::<Row>::new(), constraints)
            .header(head)
            .column_spacing(2);
        f.render_widget(t, inner);
        if inner.height > 2 {
            let msg = Rect::new(inner.x, inner.y + 2, inner.width, 1);
            f.render_widget(
                Paragraph::new(Span::styled(empty.to_string(), style(app, Slot::muted)))
                    .alignment(Alignment::Center),
                msg,
            );
        }
        return;
    }
    let sel = style(app, Slot::selection);
    let mark = style(app, Slot::highlight);
    let selected_in_view = cursor.selected.saturating_sub(cursor.offset);
    let body: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(i, cells)| {
            let is_sel = i == selected_in_view;
            let cells: Vec<Line> = cells
                .into_iter()
                .map(|c| {
                    let base = if is_sel {
                        Style::default()
                    } else {
                        style(app, tone_slot(c.tone))
                    };
                    let text: String = c.text.chars().take(MAX_COL).collect();
                    Line::from(
                        highlighted(&text, highlight, base, mark)
                            .into_iter()
                            .map(|s| Span::styled(s.content.into_owned(), s.style))
                            .collect::<Vec<_>>(),
                    )
                })
                .collect();
            let row = Row::new(cells);
            if is_sel { row.style(sel) } else { row }
        })
        .collect();
    let t = Table::new(body, constraints).header(head).column_spacing(2);
    f.render_widget(t, inner);
}

pub fn resources(app: &App, t: &TableView, f: &mut Frame, area: Rect) {
    let h = app.list_height();
    let visible = t.rows.iter().skip(t.cursor.offset).take(h);
    let rows: Vec<Vec<Cell>> = visible
        .map(|o| t.columns.iter().map(|c| c.cell(o, app.now)).collect())
        .collect();
    let ns = match &t.spec.key.namespace {
        Some(ns) => ns.clone(),
        None if t.kind().namespaced => "all".into(),
        None => String::new(),
    };
    let count = if t.filter.is_none() {
        format!("[{}]", t.rows.len())
    } else {
        format!("[{}/{}]", t.rows.len(), t.total)
    };
    let mut title = vec![
        Span::raw(" "),
        Span::styled(t.kind().plural.clone(), style(app, Slot::title)),
    ];
    if !ns.is_empty() {
        title.push(Span::styled(format!("({ns})"), style(app, Slot::info)));
    }
    title.push(Span::styled(count, style(app, Slot::title)));
    if let Some(l) = &t.spec.key.labels {
        title.push(Span::styled(format!(" -l {l}"), style(app, Slot::muted)));
    }
    if let Some(fl) = &t.spec.key.fields {
        title.push(Span::styled(format!(" {fl}"), style(app, Slot::muted)));
    }
    if !t.filter.is_none() {
        title.push(Span::styled(
            format!(" </{}>", t.filter_text),
            style(app, Slot::highlight),
        ));
    }
    title.push(Span::raw(" "));
    let status = app.watches.get(&t.spec.key).map(|w| &w.status);
    let empty = match status {
        None | Some(WatchStatus::Loading) => strings::LOADING,
        _ if t.total > 0 => strings::NO_MATCH,
        _ => strings::NO_ROWS,
    };
    let block = block(app, title, status_span(app, status));
    let header: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
    draw_rows(
        app,
        f,
        area,
        block,
        List {
            header,
            rows,
            cursor: t.cursor,
            highlight: t.filter.highlight(),
            empty,
        },
    );
}

pub fn containers(app: &App, c: &ContainersView, f: &mut Frame, area: Rect) {
    let h = app.list_height();
    let rows: Vec<Vec<Cell>> = c
        .rows
        .iter()
        .skip(c.cursor.offset)
        .take(h)
        .map(|r| {
            let state_tone = match r.state.as_str() {
                "Running" => Tone::Ok,
                "Completed" => Tone::Muted,
                s if s.contains("BackOff") || s == "Error" || s == "OOMKilled" => Tone::Error,
                _ => Tone::Warn,
            };
            vec![
                Cell::new(if r.init {
                    format!("{} (init)", r.name)
                } else {
                    r.name.clone()
                }),
                Cell::new(r.image.clone()),
                Cell::toned(
                    if r.ready { "true" } else { "false" },
                    if r.ready { Tone::Ok } else { Tone::Warn },
                ),
                Cell::toned(r.state.clone(), state_tone),
                Cell::toned(
                    r.restarts.to_string(),
                    if r.restarts > 0 {
                        Tone::Warn
                    } else {
                        Tone::Normal
                    },
                ),
            ]
        })
        .collect();
    let mut title = vec![
        Span::raw(" "),
        Span::styled("containers", style(app, Slot::title)),
        Span::styled(
            format!(
                "({}/{})",
                c.source.namespace.clone().unwrap_or_default(),
                c.source.name
            ),
            style(app, Slot::info),
        ),
        Span::styled(format!("[{}] ", c.rows.len()), style(app, Slot::title)),
    ];
    if c.missing {
        title.push(Span::styled(
            format!("{} ", strings::OBJECT_GONE),
            style(app, Slot::warn),
        ));
    }
    let status = app.watches.get(&c.source.spec.key).map(|w| &w.status);
    let header: Vec<String> = ["NAME", "IMAGE", "READY", "STATE", "RESTARTS"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let block = block(app, title, status_span(app, status));
    draw_rows(
        app,
        f,
        area,
        block,
        List {
            header,
            rows,
            cursor: c.cursor,
            highlight: None,
            empty: strings::LOADING,
        },
    );
}

pub fn contexts(app: &App, c: &ContextsView, f: &mut Frame, area: Rect) {
    let h = app.list_height();
    let rows: Vec<Vec<Cell>> = c
        .names
        .iter()
        .skip(c.cursor.offset)
        .take(h)
        .map(|n| {
            let current = *n == c.current;
            vec![
                Cell::toned(if current { "*" } else { "" }, Tone::Ok),
                Cell::new(n.clone()),
            ]
        })
        .collect();
    let title = vec![
        Span::raw(" "),
        Span::styled("contexts", style(app, Slot::title)),
        Span::styled(format!("[{}] ", c.names.len()), style(app, Slot::title)),
    ];
    let header = vec!["CURRENT".to_string(), "NAME".to_string()];
    draw_rows(
        app,
        f,
        area,
        block(app, title, None),
        List {
            header,
            rows,
            cursor: c.cursor,
            highlight: None,
            empty: strings::NO_ROWS,
        },
    );
}
