//! The `:metrics` pane and the PromQL editor on screen: a status line (dashboard, range,
//! refresh, variables, where Prometheus is), then the panel grid (or one panel zoomed).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::super::chart::Palette;
use super::super::chart::ellipsis;
use super::super::style;
use super::{Frame as Window, PanelData, PanelStatus, draw_items, draw_panel, plotted};
use crate::app::App;
use crate::app::metrics::editor::{EditorStatus, EditorView, ResultMode, result_panel};
use crate::app::metrics::{MetricsView, Shown, strings};
use crate::config::{Slot, Theme};

/// Chart colours from the theme (NO_COLOR keeps every series in the default colour).
pub(crate) fn palette(theme: &Theme) -> Palette {
    let fg = |slot: Slot, default: Color| theme.style(slot).fg.unwrap_or(default);
    let mut p = Palette::default();
    if theme.no_color() {
        p.series = vec![Color::Reset];
    }
    p.axis = theme.style(Slot::border);
    p.label = theme.style(Slot::muted);
    p.muted = theme.style(Slot::muted);
    p.text = theme.style(Slot::text);
    p.ok = fg(Slot::ok, p.ok);
    p.warn = fg(Slot::warn, p.warn);
    p.critical = fg(Slot::error, p.critical);
    p.info = fg(Slot::info, p.info);
    p
}

fn window(app: &App, shown: Option<&Shown>) -> Window {
    let (start, end, step) = match shown {
        Some(s) => (s.start, s.end, s.step),
        None => {
            let end = app.now.as_second() as f64;
            (end - 3600.0, end, 60.0)
        }
    };
    Window {
        start,
        end,
        step,
        now: app.now,
        tz: app.metrics.tz.clone(),
    }
}

fn status_lines(app: &App, m: &MetricsView) -> Vec<Line<'static>> {
    let muted = style(app, Slot::muted);
    let bold = style(app, Slot::text).add_modifier(Modifier::BOLD);
    let total = app.metrics.dashboards.len();
    let pos = app
        .metrics
        .dashboards
        .iter()
        .position(|d| d.id == m.id)
        .map_or(0, |i| i + 1);
    let mut l1 = vec![
        Span::styled(format!(" {} ", m.dashboard.title), style(app, Slot::title)),
        Span::styled(format!("({pos}/{total})  "), muted),
        Span::styled(m.range.label(), bold),
        Span::styled("  ", muted),
    ];
    if m.paused {
        l1.push(Span::styled(strings::PAUSED, style(app, Slot::warn)));
    } else {
        l1.push(Span::styled(strings::refresh_label(m.refresh), muted));
    }
    if m.refreshing() {
        l1.push(Span::styled(format!("  {}", strings::RUNNING), muted));
    } else if !m.vars_ready() {
        l1.push(Span::styled(format!("  {}", strings::RESOLVING), muted));
    }
    let problems = app.metrics.problems.len();
    if !m.notes.is_empty() || problems > 0 {
        let mut parts = Vec::new();
        if !m.notes.is_empty() {
            parts.push(format!("{} import notes", m.notes.len()));
        }
        if problems > 0 {
            parts.push(format!("{problems} dashboards failed"));
        }
        l1.push(Span::styled(
            format!("  {} (n)", parts.join(", ")),
            if problems > 0 {
                style(app, Slot::error)
            } else {
                style(app, Slot::warn)
            },
        ));
    }
    l1.push(Span::styled("  ", muted));
    let source = strings::source_line(&app.metrics.backend);
    let source_style = match app.metrics.backend {
        crate::model::BackendState::Missing(_) => style(app, Slot::error),
        _ => muted,
    };
    l1.push(Span::styled(source, source_style));
    let mut l2 = vec![Span::raw(" ")];
    for (i, v) in m.vars.iter().enumerate() {
        if v.hide >= 2 {
            continue;
        }
        let focus = i == m.var_focus;
        if v.hide == 0 {
            l2.push(Span::styled(format!("{} ", v.label), muted));
        }
        let value_style = if focus {
            style(app, Slot::selection)
        } else {
            bold
        };
        let value = if v.resolved {
            ellipsis(&v.shown(), 40)
        } else {
            "…".into()
        };
        l2.push(Span::styled(format!(" {value} "), value_style));
        if let Some(e) = &v.error {
            l2.push(Span::styled(format!(" ! {e}"), style(app, Slot::error)));
        }
        l2.push(Span::raw("   "));
    }
    if !m.dashboard.description.is_empty() {
        l2.push(Span::styled(m.dashboard.description.clone(), muted));
    }
    vec![Line::from(l1), Line::from(l2)]
}

/// The one error every panel failed with (two panels or more), when the backend itself
/// is unreachable: shown once as a banner instead of in each panel.
pub(crate) fn backend_down(panels: &[PanelData]) -> Option<&str> {
    let mut errors = panels.iter().map(|p| match &p.status {
        PanelStatus::Failed { error, .. } => Some(error.as_str()),
        _ => None,
    });
    let first = errors.next()??;
    (panels.len() >= 2 && errors.all(|e| e == Some(first))).then_some(first)
}

pub(crate) fn render(app: &App, m: &MetricsView, f: &mut Frame, area: Rect) {
    let [top, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
    let mut status = status_lines(app, m);
    let banner = backend_down(&m.panels);
    let shortened: Vec<PanelData>;
    let panels: &[PanelData] = match banner {
        Some(error) => {
            // One banner line instead of the same error in every panel.
            status[1] = Line::from(Span::styled(
                format!(" ✖ {}", strings::backend_down(error)),
                style(app, Slot::error).add_modifier(Modifier::BOLD),
            ));
            shortened = m
                .panels
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    if let PanelStatus::Failed { error, .. } = &mut p.status {
                        *error = strings::SEE_BANNER.to_string();
                    }
                    p
                })
                .collect();
            &shortened
        }
        None => &m.panels,
    };
    f.render_widget(Paragraph::new(status), top);
    let pal = palette(&app.config.theme);
    let win = window(app, m.shown.as_ref());
    if m.show_notes {
        f.render_widget(
            Paragraph::new(notes_lines(app, m)).wrap(Wrap { trim: false }),
            body,
        );
        return;
    }
    let buf = f.buffer_mut();
    if m.zoom
        && let Some(i) = m.selected_panel()
        && let (Some(panel), Some(data)) = (m.dashboard.panels.get(i), panels.get(i))
    {
        draw_panel(panel, data, &win, &pal, true, body, buf);
        return;
    }
    let items = m.items();
    let height = crate::domain::dashboard::layout::height(&items).min(u32::from(u16::MAX)) as u16;
    let scroll = m.scroll.min(height.saturating_sub(body.height));
    draw_items(
        &m.dashboard,
        &items,
        panels,
        &win,
        &pal,
        Some(m.selected),
        scroll,
        body,
        buf,
    );
}

/// The import report: dashboards that failed to load (all of them), then what this
/// dashboard's import skipped or approximated.
fn notes_lines(app: &App, m: &MetricsView) -> Vec<Line<'static>> {
    let muted = style(app, Slot::muted);
    let title = style(app, Slot::title);
    let err = style(app, Slot::error);
    let mut out = vec![Line::styled(
        format!(" {} — {} ", strings::NOTES_TITLE, m.dashboard.title),
        title,
    )];
    if !app.metrics.problems.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(format!(" {}", strings::FAILED_HEADER), err));
        for p in &app.metrics.problems {
            out.push(Line::styled(format!("   {p}"), err));
        }
    }
    out.push(Line::raw(""));
    if m.notes.is_empty() {
        out.push(Line::styled(format!(" {}", strings::NO_NOTES), muted));
    }
    for n in &m.notes {
        out.push(Line::raw(format!("   {n}")));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(" n or esc: back to the panels", muted));
    out
}

/// The editor's answer as panel data.
fn answer(e: &EditorView) -> PanelData {
    let series = e
        .result
        .as_ref()
        .map(|r| plotted("", r))
        .unwrap_or_default();
    let status = match &e.status {
        EditorStatus::Done { at } => PanelStatus::Ready { at: *at },
        EditorStatus::Failed { error, .. } => PanelStatus::Failed {
            error: error.clone(),
            data_at: None,
        },
        EditorStatus::Idle | EditorStatus::Running { .. } => PanelStatus::Loading,
    };
    PanelData {
        series,
        status,
        slow: false,
    }
}

pub(crate) fn editor(app: &App, e: &EditorView, f: &mut Frame, area: Rect) {
    let lines = e.textarea.lines().len() as u16;
    let input_h = (lines + 2).clamp(5, area.height / 2);
    let error_h = match &e.status {
        EditorStatus::Failed { .. } => 3,
        _ => 1,
    };
    let [input, message, result] = Layout::vertical([
        Constraint::Length(input_h),
        Constraint::Length(error_h),
        Constraint::Min(0),
    ])
    .areas(area);
    let mut textarea = e.textarea.clone();
    let mode = match e.mode {
        ResultMode::Chart => "chart",
        ResultMode::Table => "table",
    };
    textarea.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(style(app, Slot::border_focused))
            .title(Span::styled(
                format!(" PromQL ({mode}, {}) ", e.range.label()),
                style(app, Slot::title),
            )),
    );
    textarea.set_cursor_line_style(Style::default());
    textarea.set_line_number_style(style(app, Slot::muted));
    f.render_widget(&textarea, input);
    let muted = style(app, Slot::muted);
    let err = style(app, Slot::error);
    let text: Vec<Line> = match &e.status {
        EditorStatus::Idle if e.text().trim().is_empty() => {
            let key = app
                .config
                .keymap
                .key_for(
                    crate::model::action::Context::Editor,
                    crate::model::action::Action::RunQuery,
                )
                .map(|k| k.to_string())
                .unwrap_or_else(|| "run".into());
            vec![Line::styled(
                format!(" {}", strings::empty_hint(&key)),
                muted,
            )]
        }
        EditorStatus::Idle => vec![Line::styled(" run the query to see its answer", muted)],
        EditorStatus::Running { .. } => vec![Line::styled(format!(" {}", strings::RUNNING), muted)],
        EditorStatus::Done { .. } => {
            let n = e.result.as_ref().map_or(0, |r| r.series.len());
            let line = if n == 0 {
                format!(" {}", strings::NO_DATA)
            } else {
                format!(" {n} series")
            };
            vec![Line::styled(line, muted)]
        }
        EditorStatus::Failed { error, position } => {
            let mut out = Vec::new();
            if let Some((line, col)) = position {
                let src = e.ran.lines().nth(line.saturating_sub(1)).unwrap_or("");
                let shown: String = src
                    .chars()
                    .take(usize::from(area.width.saturating_sub(12)))
                    .collect();
                out.push(Line::from(vec![
                    Span::styled(format!(" {line:>3}:{col:<3} "), muted),
                    Span::raw(shown),
                ]));
                out.push(Line::from(vec![
                    Span::raw(" ".repeat(9 + col.saturating_sub(1))),
                    Span::styled("^", err),
                ]));
            }
            out.push(Line::styled(format!(" {error}"), err));
            out
        }
    };
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), message);
    if result.height < 3 {
        return;
    }
    let pal = palette(&app.config.theme);
    let win = window(app, e.shown.as_ref());
    let panel = result_panel(e.mode);
    let data = answer(e);
    draw_panel(&panel, &data, &win, &pal, false, result, f.buffer_mut());
}
