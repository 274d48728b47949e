//! The confirmation dialog overlay: names the object, lists the keys to confirm or cancel.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::layout::centered;
use super::style;
use crate::app::{App, Dialog, strings};
use crate::config::Slot;
use crate::model::action::{Action, Context};

pub(super) fn render(app: &App, d: &Dialog, f: &mut Frame, area: Rect) {
    let width = (d.message.chars().count() as u16 + 6).clamp(40, 90);
    let height = if d.expect.is_some() { 8 } else { 7 };
    let rect = centered(area, width, height);
    f.render_widget(Clear, rect);
    let keys = |a: Action| -> String {
        app.config
            .keymap
            .binding(Context::Dialog, a)
            .map(|b| {
                b.keys
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    };
    let block = Block::bordered()
        .border_style(style(app, Slot::warn))
        .style(style(app, Slot::dialog))
        .title(Line::from(Span::styled(
            format!(" {} ", d.title),
            style(app, Slot::warn),
        )));
    let mut lines = vec![
        Line::from(""),
        Line::from(Span::styled(d.message.clone(), style(app, Slot::text))),
        Line::from(""),
    ];
    match &d.expect {
        // Type the name, then Enter.
        Some(expect) => {
            lines.push(Line::from(vec![
                Span::styled(strings::type_name_label(expect), style(app, Slot::text)),
                Span::styled(
                    format!("{}▏", d.typed),
                    style(app, Slot::text).add_modifier(Modifier::BOLD),
                ),
            ]));
            lines.push(Line::from(vec![
                Span::styled("<enter>", style(app, Slot::key)),
                Span::styled(" Confirm    ", style(app, Slot::text)),
                Span::styled("<esc>", style(app, Slot::key)),
                Span::styled(" Cancel", style(app, Slot::text)),
            ]));
        }
        None => lines.push(Line::from(vec![
            Span::styled(
                format!("<{}>", keys(Action::Confirm)),
                style(app, Slot::key),
            ),
            Span::styled(" Confirm    ", style(app, Slot::text)),
            Span::styled(format!("<{}>", keys(Action::Cancel)), style(app, Slot::key)),
            Span::styled(" Cancel", style(app, Slot::text)),
        ])),
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}
