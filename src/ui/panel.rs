//! The `:xray` tree and the why-Pending explanation: lines with tones, the selected one
//! highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{block, status_span};
use super::{style, tone_slot};
use crate::app::App;
use crate::app::panel::PanelView;
use crate::config::Slot;

pub(super) fn render(app: &App, p: &PanelView, f: &mut Frame, area: Rect) {
    let h = app.list_height();
    let title = vec![
        Span::raw(" "),
        Span::styled(p.title.clone(), style(app, Slot::title)),
        Span::raw(" "),
    ];
    let status = p
        .watches
        .first()
        .and_then(|w| app.watches.get(&w.key))
        .map(|w| &w.status);
    let block = block(app, title, status_span(app, status));
    let lines: Vec<Line> = p
        .lines
        .iter()
        .enumerate()
        .skip(p.cursor.offset)
        .take(h)
        .map(|(i, l)| {
            let mut s = style(app, tone_slot(l.tone));
            if i == p.cursor.selected {
                s = style(app, Slot::selection);
            }
            Line::from(Span::styled(l.text.as_str(), s))
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}
