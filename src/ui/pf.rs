//! `:pf`: the port forwards, their state, pod, traffic and errors.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::style;
use super::table::{List, block, draw_rows};
use crate::app::App;
use crate::app::columns::{Cell, Tone, age};
use crate::app::pf::{PfStatus, PfView};
use crate::config::Slot;

/// `1.2 KiB`
pub(super) fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

pub(super) fn render(app: &App, v: &PfView, f: &mut Frame, area: Rect) {
    let h = app.list_height();
    let rows: Vec<Vec<Cell>> = app
        .pf
        .forwards
        .iter()
        .skip(v.cursor.offset)
        .take(h)
        .map(|fw| {
            let tone = match fw.status {
                PfStatus::Active => Tone::Ok,
                PfStatus::Starting | PfStatus::Waiting => Tone::Warn,
                PfStatus::Stopped(None) => Tone::Muted,
                PfStatus::Stopped(Some(_)) => Tone::Error,
            };
            let errors = match &fw.last_error {
                Some(e) => format!("{} ({e})", fw.errors),
                None => fw.errors.to_string(),
            };
            vec![
                Cell::new(fw.namespace.clone()),
                Cell::new(fw.target.clone()),
                Cell::new(format!("127.0.0.1:{}", fw.local_port)),
                Cell::new(fw.container_port.to_string()),
                Cell::toned(fw.status.label(), tone),
                Cell::new(fw.pod.clone().unwrap_or_default()),
                Cell::new(fw.connections.to_string()),
                Cell::new(bytes(fw.sent)),
                Cell::new(bytes(fw.received)),
                Cell::toned(
                    errors,
                    if fw.errors > 0 {
                        Tone::Error
                    } else {
                        Tone::Normal
                    },
                ),
                Cell::new(age(fw.started, app.now)),
            ]
        })
        .collect();
    let title = vec![
        Span::raw(" "),
        Span::styled("port-forwards", style(app, Slot::title)),
        Span::styled(
            format!("[{}] ", app.pf.forwards.len()),
            style(app, Slot::title),
        ),
    ];
    let header = [
        "NAMESPACE",
        "TARGET",
        "LOCAL",
        "PORT",
        "STATE",
        "POD",
        "CONNS",
        "SENT",
        "RECEIVED",
        "ERRORS",
        "AGE",
    ]
    .map(str::to_string)
    .to_vec();
    draw_rows(
        app,
        f,
        area,
        block(app, title, None),
        List {
            header,
            rows,
            cursor: v.cursor,
            highlight: None,
            empty: "no port forwards — shift-f on a pod, Deployment or Service starts one",
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_as_sizes() {
        assert_eq!(bytes(12), "12 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024), "5.0 MiB");
    }
}
