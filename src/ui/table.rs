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
            // The sources already made the error one line of words.
            strings::stale(&ellipsize(error, STALE_CHARS), &age(*since, app.now)),
            style(app, Slot::error),
        )),
    }
}

/// What a list shows: header, the visible rows' cells, the cursor, a highlight.
pub(crate) struct List<'a> {
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<Cell>>,
    pub(crate) cursor: Cursor,
    pub(crate) highlight: Option<&'a str>,
    pub(crate) empty: &'a str,
}

/// How a column gives way when the table is too wide: the order in which columns drop
/// (lowest first, as kubectl's wide set goes before its narrow one), the width a column
/// may shrink to (with an ellipsis), or `None` for values that must never be cut (IPs,
/// numbers, ratios, ages): such a column is dropped whole instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ColumnRule {
    /// Dropped in ascending order; `u8::MAX` is never dropped (NAME).
    pub(crate) drop_rank: u8,
    /// The narrowest it may be cut to, or `None`: never cut.
    pub min: Option<usize>,
}

/// The rule of a column by its header name (kubectl's columns; others shrink).
pub(crate) fn column_rule(name: &str) -> ColumnRule {
    let (drop_rank, min) = match name {
        "NAME" => (u8::MAX, Some(12)),
        "NOMINATED NODE" => (5, Some(8)),
        "READINESS GATES" => (6, Some(8)),
        "IMAGES" | "SELECTOR" | "CONTAINERS" | "LABELS" => (10, Some(10)),
        "IP" | "CLUSTER-IP" | "INTERNAL-IP" => (30, None),
        "NODE" => (35, Some(10)),
        "AGE" => (40, None),
        "PORT(S)" | "PORTS" => (44, Some(8)),
        "ROLES" | "VERSION" => (45, Some(6)),
        // A service's type is one short word: never cut.
        "TYPE" => (46, Some(12)),
        // A load balancer's name keeps its room longest after NAME.
        "EXTERNAL-IP" | "IMAGE" => (50, Some(12)),
        "RESTARTS" => (60, None),
        "READY" | "UP-TO-DATE" | "AVAILABLE" | "DESIRED" | "CURRENT" | "COMPLETIONS" => (70, None),
        "NAMESPACE" => (80, Some(8)),
        // The name of the row where the table has no NAME column (CNPG instances).
        "POD" | "INSTANCE" => (95, Some(12)),
        "STATUS" | "STATE" => (90, Some(8)),
        _ => (50, Some(8)),
    };
    ColumnRule { drop_rank, min }
}

/// Whether a value reads as a number, ratio, IP address or quantity (never cut).
fn atomic_text(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 24
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() || ".:/%-".contains(c))
        && s.chars().any(|c| c.is_ascii_digit())
}

/// Cuts `text` to `width` characters, ending in `…` when it was longer.
pub(crate) fn ellipsize(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Which columns show and how wide, for `available` columns of space with `spacing`
/// between columns: every column at its natural width when it fits; else low-value
/// columns shrink (with an ellipsis) to their minimum, then drop, lowest rank first,
/// and NAME is cut last. Returns (column index, width) in display order.
pub(crate) fn fit_columns(
    natural: &[usize],
    rules: &[ColumnRule],
    available: usize,
    spacing: usize,
) -> Vec<(usize, usize)> {
    let mut shown: Vec<usize> = (0..natural.len()).collect();
    loop {
        let mut widths: Vec<usize> = shown.iter().map(|&i| natural[i]).collect();
        let gaps = spacing * shown.len().saturating_sub(1);
        let total = |w: &[usize]| w.iter().sum::<usize>() + gaps;
        // Shrink the cuttable columns, lowest rank first, NAME last.
        let mut order: Vec<usize> = (0..shown.len()).collect();
        order.sort_by_key(|&k| {
            (
                rules[shown[k]].drop_rank,
                std::cmp::Reverse(natural[shown[k]]),
            )
        });
        for &k in &order {
            let over = total(&widths).saturating_sub(available);
            if over == 0 {
                break;
            }
            let rule = rules[shown[k]];
            if rule.drop_rank == u8::MAX {
                continue;
            }
            if let Some(min) = rule.min {
                let give = widths[k].saturating_sub(min).min(over);
                widths[k] -= give;
            }
        }
        if total(&widths) <= available {
            return shown.into_iter().zip(widths).collect();
        }
        // Drop the lowest-ranked droppable column and start again from natural widths.
        let victim = shown
            .iter()
            .enumerate()
            .filter(|(_, i)| rules[**i].drop_rank != u8::MAX)
            .min_by_key(|(_, i)| rules[**i].drop_rank)
            .map(|(k, _)| k);
        match victim {
            Some(k) if shown.len() > 1 => {
                shown.remove(k);
            }
            _ => {
                // Only NAME (or one column) is left: cut it to the space there is.
                let gaps = spacing * shown.len().saturating_sub(1);
                let others: usize = widths.iter().skip(1).sum();
                if let Some(w) = widths.first_mut() {
                    *w = available.saturating_sub(gaps + others).max(1);
                }
                return shown.into_iter().zip(widths).collect();
            }
        }
    }
}

/// Natural widths (the header and the visible rows) and rules of a list's columns; a
/// column whose every visible value is a number, ratio or address is never cut.
pub(crate) fn column_plan<S: AsRef<str>>(
    header: &[S],
    rows: &[Vec<Cell>],
    available: usize,
) -> Vec<(usize, usize)> {
    let mut natural: Vec<usize> = header.iter().map(|h| h.as_ref().chars().count()).collect();
    let mut rules: Vec<ColumnRule> = header
        .iter()
        .map(|h| column_rule(h.as_ref().trim_end_matches(['▲', '▼'])))
        .collect();
    let mut all_atomic = vec![!rows.is_empty(); natural.len()];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = natural.get_mut(i) {
                *w = (*w).max(c.text.chars().count());
            }
            if let Some(a) = all_atomic.get_mut(i)
                && !(atomic_text(&c.text) || c.text.is_empty() || c.text == "<none>")
            {
                *a = false;
            }
        }
    }
    for ((rule, atomic), h) in rules.iter_mut().zip(all_atomic).zip(header) {
        if atomic && rule.drop_rank != u8::MAX {
            rule.min = None;
        }
        // A shrunk column still shows its whole heading (and the sort marker).
        if let Some(min) = rule.min.as_mut() {
            *min = (*min).max(h.as_ref().chars().count());
        }
    }
    fit_columns(&natural, &rules, available, SPACING)
}

const SPACING: usize = 2;

/// Constraints for a fitted plan: fixed widths, the last column filling the rest.
fn constraints_for(plan: &[(usize, usize)]) -> Vec<Constraint> {
    let n = plan.len();
    plan.iter()
        .enumerate()
        .map(|(k, (_, w))| {
            if k + 1 == n {
                Constraint::Fill(1)
            } else {
                Constraint::Length(*w as u16)
            }
        })
        .collect()
}

/// Draws a header and rows fitted to `area` (see [`fit_columns`]): columns shrink with an
/// ellipsis or drop, never cutting a value silently.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fitted_table(
    app: &App,
    f: &mut Frame,
    area: Rect,
    header: &[String],
    rows: Vec<Vec<Cell>>,
    selected: Option<usize>,
    highlight: Option<&str>,
    empty: &str,
) {
    let plan = column_plan(header, &rows, area.width as usize);
    let constraints = constraints_for(&plan);
    let head =
        Row::new(plan.iter().map(|(i, w)| {
            Span::styled(ellipsize(&header[*i], *w.max(&1)), style(app, Slot::header))
        }));
    if rows.is_empty() {
        let t = Table::new(Vec::<Row>::new(), constraints)
            .header(head)
            .column_spacing(SPACING as u16);
        f.render_widget(t, area);
        if area.height > 2 {
            // Long messages (an error with its retry time) wrap onto a few lines.
            let h = (area.height - 2).min(3);
            let msg = Rect::new(area.x, area.y + 2, area.width, h);
            f.render_widget(
                Paragraph::new(Span::styled(empty.to_string(), style(app, Slot::muted)))
                    .alignment(Alignment::Center)
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                msg,
            );
        }
        return;
    }
    let sel = style(app, Slot::selection);
    let mark = style(app, Slot::highlight);
    let last = plan.len().saturating_sub(1);
    let fill_width = {
        let used: usize = plan.iter().take(last).map(|(_, w)| w + SPACING).sum();
        (area.width as usize).saturating_sub(used)
    };
    let body: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(r, mut cells)| {
            let is_sel = Some(r) == selected;
            let cells: Vec<Line> = plan
                .iter()
                .enumerate()
                .map(|(k, (i, w))| {
                    let c = std::mem::replace(&mut cells[*i], Cell::new(""));
                    let base = if is_sel {
                        Style::default()
                    } else {
                        style(app, tone_slot(c.tone))
                    };
                    let width = if k == last { fill_width } else { *w };
                    let text = ellipsize(&c.text, width);
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
    let t = Table::new(body, constraints)
        .header(head)
        .column_spacing(SPACING as u16);
    f.render_widget(t, area);
}

pub(crate) fn draw_rows(app: &App, f: &mut Frame, area: Rect, block: Block<'_>, list: List<'_>) {
    let List {
        header,
        rows,
        cursor,
        highlight,
        empty,
    } = list;
    let inner = block.inner(area);
    f.render_widget(block, area);
    let selected = cursor.selected.checked_sub(cursor.offset);
    fitted_table(app, f, inner, &header, rows, selected, highlight, empty);
}

pub(crate) fn resources(app: &App, t: &TableView, f: &mut Frame, area: Rect) {
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
    let empty = empty_text(app, status, t.total);
    // The right-hand status never runs into the title (or over the corner).
    let title_w: usize = title.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(title_w + 6);
    let status =
        status_span(app, status).map(|s| Span::styled(ellipsize(&s.content, room), s.style));
    let block = block(app, title, status.filter(|_| room > 8));
    let header = t.header();
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
            empty: &empty,
        },
    );
}

/// What an empty table says: loading, the API server unreachable (in words, with the
/// retry), the watch failing, nothing matching the filter, or no objects.
fn empty_text(app: &App, status: Option<&WatchStatus>, total: usize) -> String {
    use crate::model::ConnState;
    if let ConnState::Unreachable { error, retry_at } = &app.conn {
        let secs = (retry_at.as_second() - app.now.as_second()).max(0);
        return strings::unreachable_body(error, secs);
    }
    match status {
        None | Some(WatchStatus::Loading) => strings::LOADING.to_string(),
        Some(WatchStatus::Stale { error, .. }) if total == 0 => strings::watch_failed_body(error),
        _ if total > 0 => strings::NO_MATCH.to_string(),
        _ => strings::NO_ROWS.to_string(),
    }
}

pub(super) fn containers(app: &App, c: &ContainersView, f: &mut Frame, area: Rect) {
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

pub(super) fn contexts(app: &App, c: &ContextsView, f: &mut Frame, area: Rect) {
    let h = app.list_height();
    let rows: Vec<Vec<Cell>> = c
        .names
        .iter()
        .skip(c.cursor.offset)
        .take(h)
        .map(|n| {
            let current = *n == c.current;
            let reach = match app.ctx.reach.get(n) {
                Some(r) => {
                    let (text, bad) = r.label();
                    Cell::toned(text, if bad { Tone::Error } else { Tone::Ok })
                }
                None => Cell::toned("", Tone::Muted),
            };
            vec![
                Cell::toned(if current { "*" } else { "" }, Tone::Ok),
                Cell::new(n.clone()),
                reach,
            ]
        })
        .collect();
    let title = vec![
        Span::raw(" "),
        Span::styled("contexts", style(app, Slot::title)),
        Span::styled(format!("[{}] ", c.names.len()), style(app, Slot::title)),
    ];
    let header = vec![
        "CURRENT".to_string(),
        "NAME".to_string(),
        "REACHABLE".to_string(),
    ];
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

#[cfg(test)]
mod fit_tests {
    use super::*;

    fn rules(names: &[&str]) -> Vec<ColumnRule> {
        names.iter().map(|n| column_rule(n)).collect()
    }

    #[test]
    fn everything_fits_at_natural_width() {
        let plan = fit_columns(&[20, 5, 10], &rules(&["NAME", "READY", "NODE"]), 80, 2);
        assert_eq!(plan, [(0, 20), (1, 5), (2, 10)]);
    }

    #[test]
    fn low_value_columns_shrink_then_drop_and_name_comes_last() {
        // NAME 30, READY 5, STATUS 16, IP 11, NODE 43, AGE 4 (+ 10 of spacing) in 80.
        let names = ["NAME", "READY", "STATUS", "IP", "NODE", "AGE"];
        let natural = [30, 5, 16, 11, 43, 4];
        let plan = fit_columns(&natural, &rules(&names), 80, 2);
        // NODE shrinks to make room; NAME keeps its 30; the IP is never cut.
        assert_eq!(plan[0], (0, 30));
        assert!(plan.iter().any(|&(i, w)| i == 3 && w == 11), "{plan:?}");
        assert!(plan.iter().any(|&(i, w)| i == 4 && w < 43), "{plan:?}");
        let total: usize = plan.iter().map(|(_, w)| w).sum::<usize>() + 2 * (plan.len() - 1);
        assert!(total <= 80, "{plan:?}");
        // Narrower: IP drops (never cut), then NODE, then AGE.
        let plan = fit_columns(&natural, &rules(&names), 60, 2);
        let shown: Vec<usize> = plan.iter().map(|(i, _)| *i).collect();
        assert!(!shown.contains(&3), "IP should drop first: {plan:?}");
        assert_eq!(plan[0], (0, 30));
        let plan = fit_columns(&natural, &rules(&names), 40, 2);
        let shown: Vec<usize> = plan.iter().map(|(i, _)| *i).collect();
        // … then AGE and READY; STATUS (shortened with an ellipsis) stays beside NAME.
        assert_eq!(shown, [0, 2], "{plan:?}");
        // Only NAME left: it is cut to the space there is.
        let plan = fit_columns(&natural, &rules(&names), 20, 2);
        assert_eq!(plan, [(0, 20)]);
    }

    #[test]
    fn cut_values_end_in_an_ellipsis() {
        assert_eq!(ellipsize("argocd-repo-server-c7f9", 10), "argocd-re…");
        assert_eq!(ellipsize("short", 10), "short");
        assert_eq!(ellipsize("abc", 0), "");
    }

    #[test]
    fn addresses_and_numbers_are_never_cut() {
        let header = ["NAME", "IP"];
        let rows = vec![vec![Cell::new("a".repeat(40)), Cell::new("10.0.26.116")]];
        let plan = column_plan(&header, &rows, 45);
        // The IP column does not fit whole: it is dropped, not cut to 10.0.26.11.
        assert_eq!(plan.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0]);
    }
}
