//! Help, generated from the active keymap for the view it was opened from.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::style;
use super::table::block;
use crate::app::App;
use crate::app::HelpLine;
use crate::app::view::HelpView;
use crate::config::Slot;

pub(super) fn render(app: &App, h: &HelpView, f: &mut Frame, area: Rect) {
    let height = app.text_height();
    let lines: Vec<Line> = app
        .help_lines(h.context)
        .into_iter()
        .skip(h.scroll)
        .take(height)
        .map(|l| match l {
            HelpLine::Section(s) => Line::from(Span::styled(s, style(app, Slot::header))),
            HelpLine::Binding { keys, desc, action } => Line::from(vec![
                Span::styled(format!("  {keys:<22}"), style(app, Slot::key)),
                Span::styled(format!("{desc:<22}"), style(app, Slot::text)),
                Span::styled(action, style(app, Slot::muted)),
            ]),
            HelpLine::Text(a, b) => Line::from(vec![
                Span::styled(format!("  {a:<32}"), style(app, Slot::key)),
                Span::styled(b, style(app, Slot::text)),
            ]),
            HelpLine::Problem(p) => {
                Line::from(Span::styled(format!("  {p}"), style(app, Slot::error)))
            }
        })
        .collect();
    let title = vec![
        Span::raw(" "),
        Span::styled("help", style(app, Slot::title)),
        Span::styled(format!(" {} ", h.context.name()), style(app, Slot::info)),
    ];
    f.render_widget(Paragraph::new(lines).block(block(app, title, None)), area);
}
