//! The replay timeline bar of the header: state, position as a bar, speed, changes applied.
//! Drawn from [`crate::app::replay::ReplayBar`], which `update` keeps from the watch.

use ratatui::text::Span;

use super::style;
use crate::app::App;
use crate::app::replay::{ReplayBar, ReplayPhase, clock, speed_label};
use crate::config::Slot;

/// Widest bar drawn.
const BAR_MAX: usize = 30;
/// Narrowest bar worth drawing.
const BAR_MIN: usize = 6;

/// `▶ playing ━━━━━━╸────── 0:05/0:24  2×  events 6/26`, fitted into `room` columns
/// (the bar shrinks first, then goes, then the words). Empty when there is no replay.
pub(crate) fn spans(app: &App, room: usize) -> Vec<Span<'static>> {
    let Some(bar) = &app.replay.bar else {
        return Vec::new();
    };
    let (state, slot) = match bar.state {
        ReplayPhase::Playing => ("▶ playing", Slot::ok),
        ReplayPhase::Paused => ("⏸ paused", Slot::warn),
        ReplayPhase::Finished => ("■ finished", Slot::muted),
    };
    let text = format!(
        " {}/{}  {}  events {}/{}",
        clock(bar.offset),
        clock(bar.duration),
        speed_label(bar.speed),
        bar.applied,
        bar.total
    );
    let fixed = state.chars().count() + text.chars().count();
    if fixed > room {
        // Narrow: `⏸ 0:05/0:24 2× 6/26`.
        let icon = state.split(' ').next().unwrap_or("");
        let compact = format!(
            " {}/{} {} {}/{}",
            clock(bar.offset),
            clock(bar.duration),
            speed_label(bar.speed),
            bar.applied,
            bar.total
        );
        return vec![
            Span::styled(icon.to_string(), style(app, slot)),
            Span::styled(compact, style(app, Slot::text)),
        ];
    }
    let width = room.saturating_sub(fixed + 1).min(BAR_MAX);
    let mut out = vec![Span::styled(state.to_string(), style(app, slot))];
    if width >= BAR_MIN {
        let (done, rest) = cells(bar, width);
        out.push(Span::raw(" "));
        out.push(Span::styled(done, style(app, Slot::info)));
        out.push(Span::styled(rest, style(app, Slot::muted)));
    }
    out.push(Span::styled(text, style(app, Slot::text)));
    out
}

/// The played and remaining parts of a bar of `width` cells.
fn cells(bar: &ReplayBar, width: usize) -> (String, String) {
    let frac = if bar.duration > 0.0 {
        (bar.offset / bar.duration).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let done = ((frac * width as f64).round() as usize).min(width);
    if done == width {
        return ("━".repeat(width), String::new());
    }
    let head = if done == 0 {
        String::new()
    } else {
        "╸".into()
    };
    let played = "━".repeat(done.saturating_sub(1)) + &head;
    (played, "─".repeat(width - done))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(offset: f64, duration: f64) -> ReplayBar {
        ReplayBar {
            state: ReplayPhase::Paused,
            offset,
            duration,
            applied: 6,
            total: 26,
            speed: 2.0,
            next_note: None,
            recording: "cnpg-failover".into(),
            spec_paused: true,
            spec_step: 0,
            seeks: 0,
        }
    }

    /// The whole screen (header bar, footer hints) at 120×12 with a paused replay.
    #[test]
    fn header_with_the_replay_bar() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let mut app = crate::app::fixture::app();
        app.dispatch(crate::app::Msg::Resize(crate::ui::layout::viewport(
            120, 12,
        )));
        app.replay.bar = Some(bar(12.0, 24.0));
        let mut t = Terminal::new(TestBackend::new(120, 12)).expect("terminal");
        t.draw(|f| crate::ui::render(&app, f)).expect("draw");
        insta::assert_snapshot!(t.backend());
        // Narrower: the bar goes, then the words; the numbers stay.
        let line = |width: u16| -> String {
            let mut t = Terminal::new(TestBackend::new(width, 12)).expect("terminal");
            t.draw(|f| crate::ui::render(&app, f)).expect("draw");
            (0..width)
                .map(|x| t.backend().buffer()[(x, 1)].symbol().to_string())
                .collect()
        };
        let h = line(95);
        assert!(h.contains("⏸ paused 0:12/0:24  2×  events 6/26"), "{h}");
        let h = line(80);
        assert!(h.contains("⏸ 0:12/0:24 2× 6/26"), "{h}");
    }

    #[test]
    fn bar_cells_fill_with_the_offset() {
        assert_eq!(cells(&bar(0.0, 24.0), 8), (String::new(), "─".repeat(8)));
        assert_eq!(
            cells(&bar(12.0, 24.0), 8),
            ("━━━╸".to_string(), "────".to_string())
        );
        assert_eq!(cells(&bar(24.0, 24.0), 8), ("━".repeat(8), String::new()));
        assert_eq!(cells(&bar(0.0, 0.0), 4), ("━".repeat(4), String::new()));
    }
}
