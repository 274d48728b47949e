//! The confirmation dialog overlay: names the object, lists the keys to confirm or cancel.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::layout::centered;
use super::style;
use crate::app::{Action, App, Context, Dialog};
use crate::config::Slot;

pub fn render(app: &App, d: &Dialog, f: &mut Frame, area: Rect) {
    let width = (d.message.chars().count() as u16 + 6).clamp(40, 90);
    let rect = centered(area, width, 7);
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
    let lines = vec![
        Line::from(""),
        Line::from(Span::styled(d.message.clone(), style(app, Slot::text))),
        Line::from(""),
        Line::from(vec![
            Span::styled(
                format!("<{}>", keys(Action::Confirm)),
                style(app, Slot::key),
            ),
            Span::styled(" Confirm    ", style(app, Slot::text)),
            Span::styled(format!("<{}>", keys(Action::Cancel)), style(app, Slot::key)),
            Span::styled(" Cancel", style(app, Slot::text)),
        ]),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}
