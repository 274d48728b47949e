//! The pools table: one row per pool; columns that do not fit are dropped (cheap ones
//! first), the taints column comes last and is shortened before more important ones go.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use super::super::table::{block, status_span};
use super::super::{style, tone_slot};
use super::{eks_tone, pct, ratio_tone, types_text, zones_compact};
use crate::app::columns::{Cell, Tone, age};
use crate::app::pane::Pane as _;
use crate::app::pools::{EksState, PoolsView, strings};
use crate::app::{App, WatchStatus};
use crate::config::Slot;
use crate::domain::pools::{Pool, WarningKind};
use crate::domain::quantity::{format_bytes, format_cpu};

/// Columns dropped first when the table is too wide (the detail area shows them all).
const CHEAP: &[usize] = &[5, 1, 4, 10];
/// Dropped next, when even a shortened taints column does not fit.
const COSTLY: &[usize] = &[9, 8, 3, 7, 12, 6, 11];
/// CPU USE and MEM USE: shown only when Prometheus answered.
const USAGE: &[usize] = &[8, 9];
/// Index of TAINTS: last on screen, shortened before costly columns go.
const TAINTS: usize = 13;
const MIN_TAINTS: usize = 12;
const SPACING: usize = 2;

fn eks_cell(eks: &EksState, pool: &Pool) -> Cell {
    match &pool.eks {
        Some(g) => Cell::toned(
            format!(
                "{} {}/{}/{}",
                g.status, g.min_size, g.desired_size, g.max_size
            ),
            eks_tone(&g.status),
        ),
        None if eks.cluster.is_some() && eks.status == WatchStatus::Loading => {
            Cell::toned("…", Tone::Muted)
        }
        None => Cell::toned("–", Tone::Muted),
    }
}

/// The cells of one pool, in [`strings::COLUMNS`] order.
fn cells(eks: &EksState, pool: &Pool) -> Vec<Cell> {
    let total = pool.nodes.len();
    let ready = pool.ready();
    let single_zone = pool
        .warnings
        .iter()
        .any(|w| matches!(w.kind, WarningKind::SingleZone | WarningKind::SingleNode));
    let (cpu_r, cpu_a) = (pool.cpu_requested(), pool.cpu_allocatable());
    let (mem_r, mem_a) = (pool.memory_requested(), pool.memory_allocatable());
    let warnings = pool.warnings.len();
    vec![
        Cell::new(pool.name.clone()),
        Cell::new(pool.provider.label()),
        Cell::toned(
            format!("{ready}/{total}"),
            if ready < total {
                Tone::Warn
            } else {
                Tone::Normal
            },
        ),
        Cell::toned(
            zones_compact(&pool.zones),
            if single_zone {
                Tone::Warn
            } else {
                Tone::Normal
            },
        ),
        Cell::new(types_text(pool)),
        Cell::new(
            pool.capacity_types
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(","),
        ),
        Cell::toned(
            format!(
                "{}/{} {}",
                format_cpu(cpu_r),
                format_cpu(cpu_a),
                pct(cpu_r, cpu_a)
            ),
            ratio_tone(cpu_r, cpu_a),
        ),
        Cell::toned(
            format!(
                "{}/{} {}",
                format_bytes(mem_r),
                format_bytes(mem_a),
                pct(mem_r, mem_a)
            ),
            ratio_tone(mem_r, mem_a),
        ),
        match pool.cpu_used() {
            Some(used) => Cell::toned(
                format!("{} {}", format_cpu(used), pct(used, cpu_a)),
                ratio_tone(used, cpu_a),
            ),
            None => Cell::toned("–", Tone::Muted),
        },
        match pool.memory_used() {
            Some(used) => Cell::toned(
                format!("{} {}", format_bytes(used), pct(used, mem_a)),
                ratio_tone(used, mem_a),
            ),
            None => Cell::toned("–", Tone::Muted),
        },
        Cell::new(format!("{}/{}", pool.pods(), pool.pods_allocatable())),
        eks_cell(eks, pool),
        Cell::toned(
            warnings.to_string(),
            if warnings > 0 {
                Tone::Warn
            } else {
                Tone::Muted
            },
        ),
        if pool.taints.is_empty() {
            Cell::toned(strings::NO_TAINTS, Tone::Muted)
        } else {
            Cell::new(pool.taints.join(", "))
        },
    ]
}

/// Which columns fit in `avail` and the width of each (taints last, filling the rest).
fn fit_columns(widths: &[usize], avail: usize, hidden: &[usize]) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..widths.len()).filter(|i| !hidden.contains(i)).collect();
    let total = |shown: &[usize], taints: usize| -> usize {
        shown
            .iter()
            .map(|i| if *i == TAINTS { taints } else { widths[*i] })
            .sum::<usize>()
            + SPACING * shown.len().saturating_sub(1)
    };
    for i in CHEAP {
        if total(&shown, widths[TAINTS]) <= avail {
            break;
        }
        shown.retain(|c| c != i);
    }
    for i in COSTLY {
        if total(&shown, MIN_TAINTS.min(widths[TAINTS])) <= avail {
            break;
        }
        shown.retain(|c| c != i);
    }
    shown
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let cut: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn title_spans<'a>(app: &App, v: &PoolsView) -> Vec<Span<'a>> {
    let mut title = vec![
        Span::raw(" "),
        Span::styled(strings::TITLE, style(app, Slot::title)),
        Span::styled(format!("[{}]", v.pools.len()), style(app, Slot::title)),
    ];
    if let Some(l) = &v.pool_label {
        title.push(Span::styled(
            format!(" {}", strings::by_label(l)),
            style(app, Slot::muted),
        ));
    }
    if let Some(c) = &app.eks.cluster {
        title.push(Span::styled(
            format!(" {}", strings::eks_cluster(c)),
            style(app, Slot::info),
        ));
    }
    title.push(Span::raw(" "));
    title
}

/// Loading/stale of the node and pod watches, else a stale EKS source.
fn status<'a>(app: &App, v: &PoolsView) -> Option<Span<'a>> {
    let watch = v
        .watches()
        .into_iter()
        .filter_map(|s| app.watches.get(&s.key).map(|w| &w.status))
        .find(|s| **s != WatchStatus::Ready);
    let missing = v
        .watches()
        .iter()
        .any(|s| !app.watches.contains_key(&s.key));
    if missing {
        return status_span(app, Some(&WatchStatus::Loading));
    }
    if watch.is_some() {
        return status_span(app, watch);
    }
    match (&app.eks.cluster, &app.eks.status) {
        (Some(_), WatchStatus::Stale { error, since }) => Some(Span::styled(
            strings::eks_stale(
                &crate::domain::text::one_line(error, super::super::table::STALE_CHARS),
                &age(*since, app.now),
            ),
            style(app, Slot::error),
        )),
        _ => None,
    }
}

pub(super) fn draw_table(app: &App, v: &PoolsView, f: &mut Frame, area: Rect) {
    let b = block(app, title_spans(app, v), status(app, v));
    let inner = b.inner(area);
    f.render_widget(b, area);
    let rows: Vec<Vec<Cell>> = v.pools.iter().map(|p| cells(&app.eks, p)).collect();
    let mut widths: Vec<usize> = strings::COLUMNS.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.text.chars().count());
        }
    }
    let usage = v
        .pools
        .iter()
        .any(|p| p.cpu_used().is_some() || p.memory_used().is_some());
    let hidden = if usage { &[][..] } else { USAGE };
    let shown = fit_columns(&widths, usize::from(inner.width), hidden);
    let constraints: Vec<Constraint> = shown
        .iter()
        .map(|i| {
            if *i == TAINTS {
                Constraint::Fill(1)
            } else {
                Constraint::Length(widths[*i] as u16)
            }
        })
        .collect();
    let taints_w = usize::from(inner.width).saturating_sub(
        shown
            .iter()
            .filter(|i| **i != TAINTS)
            .map(|i| widths[*i] + SPACING)
            .sum(),
    );
    let head = Row::new(
        shown
            .iter()
            .map(|i| Span::styled(strings::COLUMNS[*i], style(app, Slot::header))),
    );
    if rows.is_empty() {
        f.render_widget(
            Table::new(Vec::<Row>::new(), constraints.clone())
                .header(head)
                .column_spacing(SPACING as u16),
            inner,
        );
        if inner.height > 1 {
            let status = app.watches.get(&v.nodes.key).map(|w| &w.status);
            let empty = match status {
                None | Some(WatchStatus::Loading) => crate::app::strings::LOADING.to_string(),
                Some(WatchStatus::Stale { error, .. }) => strings::nodes_failed(error),
                _ => strings::NO_POOLS.to_string(),
            };
            let msg = Rect::new(inner.x, inner.y + 1, inner.width, 1);
            f.render_widget(
                Paragraph::new(Span::styled(empty, style(app, Slot::muted)))
                    .alignment(Alignment::Center),
                msg,
            );
        }
        return;
    }
    let height = usize::from(inner.height.saturating_sub(1));
    let selected_in_view = v.cursor.selected.saturating_sub(v.cursor.offset);
    let body: Vec<Row> = rows
        .into_iter()
        .skip(v.cursor.offset)
        .take(height)
        .enumerate()
        .map(|(n, mut cells)| {
            let is_sel = n == selected_in_view;
            let line: Vec<Line> = shown
                .iter()
                .map(|i| {
                    let c = std::mem::replace(&mut cells[*i], Cell::new(""));
                    let text = if *i == TAINTS {
                        truncate(&c.text, taints_w)
                    } else {
                        c.text
                    };
                    let st = if is_sel {
                        Style::default()
                    } else {
                        style(app, tone_slot(c.tone))
                    };
                    Line::from(Span::styled(text, st))
                })
                .collect();
            let row = Row::new(line);
            if is_sel {
                row.style(style(app, Slot::selection))
            } else {
                row
            }
        })
        .collect();
    f.render_widget(
        Table::new(body, constraints)
            .header(head)
            .column_spacing(SPACING as u16),
        inner,
    );
}
