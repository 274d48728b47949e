//! Pod logs: follow, filter with highlight, timestamps and wrap toggles.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::table::block;
use super::{highlighted, style};
use crate::app::view::{LogStatus, LogsView};
use crate::app::{App, strings};
use crate::config::Slot;

pub(super) fn render(app: &App, l: &LogsView, f: &mut Frame, area: Rect) {
    let h = app.text_height();
    let width = area.width.saturating_sub(2).max(1) as usize;
    let visible: Vec<&str> = l.visible().collect();
    // Which lines fit: when following, the last ones (counting wrapped heights).
    let start = if l.follow {
        if l.wrap {
            let mut used = 0;
            let mut start = visible.len();
            while start > 0 {
                let rows = visible[start - 1].chars().count().div_ceil(width).max(1);
                if used + rows > h {
                    break;
                }
                used += rows;
                start -= 1;
            }
            start
        } else {
            visible.len().saturating_sub(h)
        }
    } else {
        l.scroll.min(visible.len())
    };
    let needle = l.filter.highlight();
    let lines: Vec<Line> = visible[start..]
        .iter()
        .take(h)
        .map(|s| {
            Line::from(highlighted(
                s,
                needle,
                style(app, Slot::text),
                style(app, Slot::highlight),
            ))
        })
        .collect();
    let flag = |on: bool, name: &str| -> Span<'static> {
        Span::styled(
            format!("[{name}] "),
            if on {
                style(app, Slot::ok)
            } else {
                style(app, Slot::muted)
            },
        )
    };
    let mut title = vec![
        Span::raw(" "),
        Span::styled("logs", style(app, Slot::title)),
        Span::styled(
            format!(" {}/{}:{} ", l.namespace, l.pod, l.container),
            style(app, Slot::info),
        ),
        flag(l.follow, "follow"),
        flag(l.timestamps, "timestamps"),
        flag(l.wrap, "wrap"),
    ];
    if l.previous {
        title.push(Span::styled("[previous] ", style(app, Slot::warn)));
    }
    if !l.filter.is_none() {
        title.push(Span::styled(
            format!("</{}>", l.filter_text),
            style(app, Slot::highlight),
        ));
    }
    if l.dropped > 0 {
        // The buffer is full: the oldest lines went; say how many.
        title.push(Span::styled(
            strings::lines_dropped(l.dropped),
            style(app, Slot::warn),
        ));
    }
    title.push(Span::raw(" "));
    let status = match &l.status {
        LogStatus::Streaming => None,
        LogStatus::Reconnecting(_) => Some(Span::styled(
            strings::STREAM_RECONNECTING,
            style(app, Slot::warn),
        )),
        LogStatus::Ended => Some(Span::styled(strings::STREAM_ENDED, style(app, Slot::muted))),
        LogStatus::Failed(e) => Some(Span::styled(e.clone(), style(app, Slot::error))),
    };
    let mut p = Paragraph::new(lines).block(block(app, title, status));
    if l.wrap {
        p = p.wrap(Wrap { trim: false });
    }
    f.render_widget(p, area);
}
