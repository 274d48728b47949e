//! Drawing the wizard from `&WizardScreen` (no I/O, no side effects): the step list on the
//! left, the page on the right (form, plan preview, progress with the log, result, summary),
//! key hints at the bottom; help, generated from the keymap, over the body while open.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::ui::fit_spans;

use crate::app::HelpLine;
use crate::app::wizard::form::{FieldId, FieldKind, Probe};
use crate::app::wizard::{Page, Phase, WizardScreen, strings};
use crate::config::Slot;
use crate::model::install::{ChangeKind, ClusterMode, PRESETS, Plan, StepId, StepStatus};

const LABEL_WIDTH: u16 = 19;

fn st(s: &WizardScreen, slot: Slot) -> Style {
    s.theme.style(slot)
}

/// An option of a choice list: selected and focused, selected, or not.
fn choice_style(s: &WizardScreen, on: bool, focused: bool) -> Style {
    if on && focused {
        st(s, Slot::selection)
    } else if on {
        st(s, Slot::text)
    } else {
        st(s, Slot::muted)
    }
}

pub(crate) fn render(s: &WizardScreen, f: &mut Frame) {
    let [title, body, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let id = match &s.context {
        Some(c) => format!("· {c}"),
        None => String::new(),
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" {} ", strings::TITLE), st(s, Slot::crumb_active)),
            Span::styled(format!(" {} ", strings::TITLE_FLOW), st(s, Slot::muted)),
            Span::styled(id, st(s, Slot::info)),
        ])),
        title,
    );
    // Narrow terminals give the form the room: the step list needs about 20 columns.
    let list_w = if body.width < 110 { 20 } else { 28 };
    let [list, page] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(20)]).areas(body);
    if let Some(scroll) = s.help {
        render_help(s, f, body, scroll);
    } else {
        render_steps(s, f, list);
        match s.page {
            Page::Step(step) => render_step(s, f, page, step),
            Page::Summary => render_summary(s, f, page),
        }
    }
    render_keys(s, f, keys);
}

/// Help over the body: the wizard's bindings and the global ones it honours (from the
/// keymap), and how typing works.
fn render_help(s: &WizardScreen, f: &mut Frame, area: Rect, scroll: usize) {
    let lines: Vec<Line> = s
        .help_lines()
        .into_iter()
        .skip(scroll)
        .map(|l| match l {
            HelpLine::Section(t) => Line::from(Span::styled(t, st(s, Slot::header))),
            HelpLine::Binding { keys, desc, action } => Line::from(vec![
                Span::styled(format!("  {keys:<22}"), st(s, Slot::key)),
                Span::styled(format!("{desc:<46}"), st(s, Slot::text)),
                Span::styled(action, st(s, Slot::muted)),
            ]),
            HelpLine::Text(a, b) => Line::from(vec![
                Span::styled(format!("  {a:<22}"), st(s, Slot::key)),
                Span::styled(b, st(s, Slot::text)),
            ]),
            HelpLine::Problem(p) => Line::from(Span::styled(format!("  {p}"), st(s, Slot::error))),
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(page_block(s, format!("{} wizard", strings::HELP_TITLE))),
        area,
    );
}

fn render_steps(s: &WizardScreen, f: &mut Frame, area: Rect) {
    let mut lines = vec![Line::from("")];
    for step in StepId::ALL {
        let current = s.page == Page::Step(step);
        let status = s.status(step);
        let (mark, slot) = match status {
            StepStatus::Done => ("✓", Slot::ok),
            StepStatus::Failed => ("✗", Slot::error),
            _ if current => ("▶", Slot::title),
            StepStatus::Pending => ("·", Slot::muted),
            _ => ("…", Slot::warn),
        };
        let name_style = if current {
            st(s, Slot::selection)
        } else {
            st(s, Slot::text)
        };
        let mut spans = vec![
            Span::styled(format!(" {mark} "), st(s, slot)),
            Span::styled(format!("{} {:<9}", step.number(), step.title()), name_style),
        ];
        if !matches!(status, StepStatus::Pending) {
            spans.push(Span::styled(format!(" {}", status.label()), st(s, slot)));
        }
        lines.push(Line::from(spans));
    }
    let all_done = StepId::ALL.iter().all(|x| s.status(*x) == StepStatus::Done);
    let (mark, slot) = if s.page == Page::Summary {
        ("▶", Slot::title)
    } else if all_done {
        ("✓", Slot::ok)
    } else {
        ("·", Slot::muted)
    };
    lines.push(Line::from(vec![
        Span::styled(format!(" {mark} "), st(s, slot)),
        Span::styled(
            format!("  {}", strings::SUMMARY),
            if s.page == Page::Summary {
                st(s, Slot::selection)
            } else {
                st(s, Slot::text)
            },
        ),
    ]));
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(Span::styled(
                    format!(" {} ", strings::STEPS),
                    st(s, Slot::title),
                ))
                .border_style(st(s, Slot::border)),
        ),
        area,
    );
}

fn page_block<'a>(s: &WizardScreen, title: String) -> Block<'a> {
    Block::bordered()
        .title(Span::styled(format!(" {title} "), st(s, Slot::title)))
        .border_style(st(s, Slot::border_focused))
}

fn render_step(s: &WizardScreen, f: &mut Frame, area: Rect, step: StepId) {
    let v = s.view(step);
    let what = match &v.phase {
        Phase::Form => "answers",
        Phase::Checking => "check",
        Phase::Preview(_) => "plan preview",
        Phase::Applying => "apply",
        Phase::Done(_) => "result",
        Phase::Failed(_) => "failed",
    };
    let block = page_block(s, strings::step_header(step.number(), step.title(), what));
    let inner = block.inner(area);
    f.render_widget(block, area);
    match &v.phase {
        Phase::Form => render_form(s, f, inner, step),
        Phase::Checking => render_progress(s, f, inner, strings::CHECKING, Slot::info, &v.log),
        Phase::Applying => render_progress(s, f, inner, strings::APPLYING, Slot::info, &v.log),
        Phase::Preview(plan) => render_plan(s, f, inner, plan, v.scroll),
        Phase::Done(m) => render_progress(
            s,
            f,
            inner,
            &format!("✓ {}: {m}", strings::RESULT_OK),
            Slot::ok,
            &v.log,
        ),
        Phase::Failed(e) => render_progress(
            s,
            f,
            inner,
            &format!(
                "✗ {}: {e}\n{}",
                strings::RESULT_FAILED,
                strings::ANSWERS_KEPT
            ),
            Slot::error,
            &v.log,
        ),
    }
}

/// Rows a field takes.
fn field_height(s: &WizardScreen, id: FieldId) -> u16 {
    match id {
        FieldId::Context => (s.form.contexts.len().clamp(1, 6) as u16) + 1,
        FieldId::EksPreset => 1 + s.form.preset_groups().len() as u16 + 1,
        FieldId::Apps => s.form.apps.len() as u16 + 2,
        _ => 2,
    }
}

fn render_form(s: &WizardScreen, f: &mut Frame, area: Rect, step: StepId) {
    let [notes, fields_area, flash] = Layout::vertical([
        Constraint::Length(if s.interrupted(step).is_some() { 2 } else { 1 }),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    if let Some(note) = s.interrupted(step) {
        f.render_widget(
            Paragraph::new(Span::styled(format!(" {note}"), st(s, Slot::warn))),
            notes,
        );
    }
    let fields = s.form.fields(step);
    let focus = fields.iter().position(|x| *x == s.form.focus).unwrap_or(0);
    let heights: Vec<u16> = fields.iter().map(|x| field_height(s, *x)).collect();
    // Scroll so the focused field is visible.
    let mut start = 0;
    while start < focus && heights[start..=focus].iter().sum::<u16>() > fields_area.height {
        start += 1;
    }
    let mut y = fields_area.y;
    for (i, id) in fields.iter().enumerate().skip(start) {
        let h = heights[i];
        if y + h > fields_area.y + fields_area.height {
            break;
        }
        render_field(s, f, Rect::new(fields_area.x, y, fields_area.width, h), *id);
        y += h;
    }
    if let Some((ok, m)) = &s.flash {
        f.render_widget(
            Paragraph::new(Span::styled(
                format!(" {m}"),
                st(s, if *ok { Slot::ok } else { Slot::error }),
            )),
            flash,
        );
    }
}

fn label<'a>(s: &WizardScreen, id: FieldId) -> Span<'a> {
    let focused = s.form.focus == id;
    Span::styled(
        format!(
            "{}{:<w$}",
            if focused { "▸ " } else { "  " },
            id.label(),
            w = LABEL_WIDTH as usize - 2
        ),
        if focused {
            st(s, Slot::title)
        } else {
            st(s, Slot::text)
        },
    )
}

/// The line under a field: its problem, else a status or a hint.
fn message_line<'a>(s: &WizardScreen, id: FieldId) -> Line<'a> {
    let pad = " ".repeat(LABEL_WIDTH as usize);
    if let Some(p) = s.problem(id) {
        return Line::from(vec![
            Span::raw(pad),
            Span::styled(format!("✗ {p}"), st(s, Slot::error)),
        ]);
    }
    if id == FieldId::Context {
        return match &s.form.probe {
            Probe::Checking(c) => Line::from(vec![
                Span::raw(pad),
                Span::styled(strings::probing(c), st(s, Slot::muted)),
            ]),
            Probe::Reachable { detail, .. } => Line::from(vec![
                Span::raw(pad),
                Span::styled(format!("✓ {}", strings::reachable(detail)), st(s, Slot::ok)),
            ]),
            _ => Line::from(""),
        };
    }
    Line::from(vec![
        Span::raw(pad),
        Span::styled(strings::hint(id), st(s, Slot::muted)),
    ])
}

fn render_field(s: &WizardScreen, f: &mut Frame, area: Rect, id: FieldId) {
    let focused = s.form.focus == id;
    let row = |i: u16| Rect::new(area.x, area.y + i, area.width, 1);
    let input_rect = Rect::new(
        area.x + LABEL_WIDTH,
        area.y,
        area.width.saturating_sub(LABEL_WIDTH + 1),
        1,
    );
    match id.kind() {
        FieldKind::Text => {
            f.render_widget(Paragraph::new(label(s, id)), row(0));
            if let Some(t) = s.form.text_area(id) {
                f.render_widget(t, input_rect);
            }
        }
        FieldKind::Choice if id == FieldId::Mode => {
            let mut spans = vec![label(s, id)];
            for eks in [false, true] {
                let on = (s.form.mode == ClusterMode::Eks) == eks;
                spans.push(Span::styled(
                    format!(
                        "({}) {}",
                        if on { "•" } else { " " },
                        strings::mode_label(eks)
                    ),
                    choice_style(s, on, focused),
                ));
                spans.push(Span::raw("   "));
            }
            f.render_widget(
                Paragraph::new(Line::from(fit_spans(spans, area.width as usize))),
                row(0),
            );
        }
        FieldKind::Choice if id == FieldId::Context => {
            let shown = s.form.contexts.len().clamp(1, 6);
            let first = s.form.context.saturating_sub(shown - 1);
            if s.form.contexts.is_empty() {
                f.render_widget(Paragraph::new(label(s, id)), row(0));
            }
            for (i, name) in s.form.contexts.iter().enumerate().skip(first).take(shown) {
                let on = i == s.form.context;
                let lead = if i == first {
                    label(s, id)
                } else {
                    Span::raw(" ".repeat(LABEL_WIDTH as usize))
                };
                f.render_widget(
                    Paragraph::new(Line::from(vec![
                        lead,
                        Span::styled(
                            format!("({}) {name}", if on { "•" } else { " " }),
                            choice_style(s, on, focused),
                        ),
                    ])),
                    row((i - first) as u16),
                );
            }
        }
        FieldKind::Choice => {
            let mut spans = vec![label(s, id)];
            for (i, p) in PRESETS.iter().enumerate() {
                let on = i == s.form.preset;
                spans.push(Span::styled(
                    format!("({}) {p}", if on { "•" } else { " " }),
                    choice_style(s, on, focused),
                ));
                spans.push(Span::raw("   "));
            }
            f.render_widget(
                Paragraph::new(Line::from(fit_spans(spans, area.width as usize))),
                row(0),
            );
            for (i, g) in s.form.preset_groups().iter().enumerate() {
                f.render_widget(
                    Paragraph::new(Line::from(vec![
                        Span::raw(" ".repeat(LABEL_WIDTH as usize + 2)),
                        Span::styled(g.clone(), st(s, Slot::info)),
                    ])),
                    row(1 + i as u16),
                );
            }
        }
        FieldKind::Checklist => {
            f.render_widget(
                Paragraph::new(Line::from(vec![
                    label(s, id),
                    Span::styled(
                        format!("{:<4} {:<23} {:>5}  ", "", "app", "wave"),
                        st(s, Slot::header),
                    ),
                ])),
                row(0),
            );
            for (i, a) in s.form.apps.iter().enumerate() {
                let cursor = focused && i == s.form.app_cursor;
                let line_style = if cursor {
                    st(s, Slot::selection)
                } else if a.enabled {
                    st(s, Slot::text)
                } else {
                    st(s, Slot::muted)
                };
                let spans = vec![
                    Span::raw(" ".repeat(LABEL_WIDTH as usize)),
                    Span::styled(
                        format!(
                            "[{}]  {:<23} {:>5}  ",
                            if a.enabled { "x" } else { " " },
                            a.name,
                            a.wave
                        ),
                        line_style,
                    ),
                    Span::styled(a.description, st(s, Slot::muted)),
                ];
                f.render_widget(
                    Paragraph::new(Line::from(fit_spans(spans, area.width as usize))),
                    row(1 + i as u16),
                );
            }
        }
    }
    let last = area.height.saturating_sub(1);
    let message = message_line(s, id).spans;
    f.render_widget(
        Paragraph::new(Line::from(fit_spans(message, area.width as usize))),
        row(last),
    );
}

fn render_log(s: &WizardScreen, f: &mut Frame, area: Rect, log: &[String]) {
    let block = Block::bordered()
        .title(Span::styled(
            format!(" {} ", strings::LOG),
            st(s, Slot::title),
        ))
        .border_style(st(s, Slot::border));
    let inner = block.inner(area);
    let skip = log.len().saturating_sub(inner.height as usize);
    let lines: Vec<Line> = log
        .iter()
        .skip(skip)
        .map(|l| Line::from(Span::styled(l.clone(), st(s, Slot::text))))
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}

fn render_progress(
    s: &WizardScreen,
    f: &mut Frame,
    area: Rect,
    headline: &str,
    slot: Slot,
    log: &[String],
) {
    let head_lines = headline.lines().count() as u16 + 2;
    let [head, log_area] =
        Layout::vertical([Constraint::Length(head_lines.min(8)), Constraint::Min(3)]).areas(area);
    let lines: Vec<Line> = headline
        .lines()
        .map(|l| Line::from(Span::styled(format!(" {l}"), st(s, slot))))
        .collect();
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), head);
    render_log(s, f, log_area, log);
}

fn render_plan(s: &WizardScreen, f: &mut Frame, area: Rect, plan: &Plan, scroll: usize) {
    let mut lines = Vec::new();
    if !plan.found.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(" {}", strings::FOUND),
            st(s, Slot::header),
        )));
        for x in &plan.found {
            lines.push(Line::from(Span::styled(
                format!("   {x}"),
                st(s, Slot::info),
            )));
        }
    }
    if let Some(q) = &plan.question {
        lines.push(Line::from(Span::styled(
            format!(" ? {}", q.prompt),
            st(s, Slot::warn),
        )));
        for (i, (answer, what)) in q.options.iter().enumerate() {
            lines.push(Line::from(vec![
                Span::styled(format!("   <{}> {answer}", i + 1), st(s, Slot::key)),
                Span::styled(format!(": {what}"), st(s, Slot::muted)),
            ]));
        }
    }
    lines.push(Line::from(Span::styled(
        format!(" {} ({})", strings::CHANGES, plan.summary()),
        st(s, Slot::header),
    )));
    for c in &plan.changes {
        let slot = match c.kind {
            ChangeKind::Create => Slot::ok,
            ChangeKind::Update | ChangeKind::Keep => Slot::warn,
            ChangeKind::Unchanged => Slot::muted,
            ChangeKind::Conflict => Slot::error,
        };
        lines.push(Line::from(Span::styled(
            format!("   {} {:<9} {}", c.kind.symbol(), c.kind.word(), c.target),
            st(s, slot),
        )));
        for d in &c.detail {
            lines.push(Line::from(Span::styled(
                format!("       {d}"),
                st(s, Slot::muted),
            )));
        }
    }
    let lines: Vec<Line> = lines.into_iter().skip(scroll).collect();
    f.render_widget(Paragraph::new(lines), area);
}

fn render_summary(s: &WizardScreen, f: &mut Frame, area: Rect) {
    let block = page_block(s, strings::SUMMARY.to_string());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [text, save, flash] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    let mut lines = Vec::new();
    for step in StepId::ALL {
        let (mark, slot, m) = match &s.view(step).phase {
            Phase::Done(m) => ("✓", Slot::ok, m.clone()),
            Phase::Failed(m) => ("✗", Slot::error, m.clone()),
            _ => ("·", Slot::muted, StepStatus::Pending.label().to_string()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} {:<9} ", step.title()), st(s, slot)),
            Span::styled(m, st(s, Slot::text)),
        ]));
    }
    for (title, items) in &s.summary {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(" {title}"),
            st(s, Slot::header),
        )));
        for i in items {
            lines.push(Line::from(Span::styled(
                format!("   {i}"),
                st(s, Slot::text),
            )));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    let [row0, _] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(save);
    f.render_widget(Paragraph::new(label(s, FieldId::SavePath)), row0);
    if let Some(t) = s.form.text_area(FieldId::SavePath) {
        f.render_widget(
            t,
            Rect::new(
                row0.x + LABEL_WIDTH,
                row0.y,
                row0.width.saturating_sub(LABEL_WIDTH + 1),
                1,
            ),
        );
    }
    if let Some((ok, m)) = &s.flash {
        f.render_widget(
            Paragraph::new(Span::styled(
                format!(" {m}"),
                st(s, if *ok { Slot::ok } else { Slot::error }),
            )),
            flash,
        );
    }
}

fn render_keys(s: &WizardScreen, f: &mut Frame, area: Rect) {
    if let Some(reason) = &s.confirm_close {
        let spans = vec![
            Span::styled(
                format!(" {} ", strings::close_question(reason)),
                st(s, Slot::warn),
            ),
            Span::styled(" <y>", st(s, Slot::key)),
            Span::styled(" close ", st(s, Slot::muted)),
            Span::styled(" <n/esc>", st(s, Slot::key)),
            Span::styled(" stay ", st(s, Slot::muted)),
        ];
        f.render_widget(
            Paragraph::new(Line::from(fit_spans(spans, area.width as usize))),
            area,
        );
        return;
    }
    let question = match s.page {
        Page::Step(step) => match &s.view(step).phase {
            Phase::Preview(plan) => plan.question.clone(),
            _ => None,
        },
        Page::Summary => None,
    };
    let mut spans = Vec::new();
    if let Some(q) = &question {
        for (i, (answer, _)) in q.options.iter().enumerate() {
            spans.push(Span::styled(format!(" <{}>", i + 1), st(s, Slot::key)));
            spans.push(Span::styled(format!(" {answer} "), st(s, Slot::muted)));
        }
    }
    for (k, d) in s.hints() {
        spans.push(Span::styled(format!(" <{k}>"), st(s, Slot::key)));
        spans.push(Span::styled(format!(" {d} "), st(s, Slot::muted)));
    }
    f.render_widget(
        Paragraph::new(Line::from(fit_spans(spans, area.width as usize))),
        area,
    );
}
