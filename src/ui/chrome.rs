//! Header, breadcrumbs, prompt line, key hints and flash messages.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::style;
use crate::app::prompt::Prompt;
use crate::app::{Action, App, Context, Level, strings};
use crate::config::Slot;
use crate::sources::ConnState;

fn field<'a>(app: &App, label: &'a str, value: String) -> Vec<Span<'a>> {
    vec![
        Span::styled(format!("{label} "), style(app, Slot::muted)),
        Span::styled(value, style(app, Slot::text).add_modifier(Modifier::BOLD)),
        Span::styled("  ", style(app, Slot::muted)),
    ]
}

fn or_dash(s: &str) -> String {
    if s.is_empty() {
        "–".into()
    } else {
        s.to_string()
    }
}

pub fn header(app: &App, f: &mut Frame, area: Rect) {
    let c = &app.cluster;
    let mut l1 = vec![
        Span::styled(format!(" {} ", strings::APP_NAME), style(app, Slot::title)),
        Span::raw(" "),
    ];
    l1.extend(field(app, "context", or_dash(&c.context)));
    l1.extend(field(app, "cluster", or_dash(&c.cluster)));
    l1.extend(field(app, "user", or_dash(&c.user)));
    if app.readonly {
        l1.push(Span::styled("[read-only]", style(app, Slot::warn)));
    }
    let mut l2 = vec![Span::raw(" ")];
    l2.extend(field(app, "namespace", app.namespace_label()));
    l2.extend(field(
        app,
        "k8s",
        app.version.clone().unwrap_or_else(|| "–".into()),
    ));
    let (state, slot) = match &app.conn {
        ConnState::Connecting => (format!("◌ {}", strings::CONNECTING), Slot::warn),
        ConnState::Connected => (format!("● {}", strings::CONNECTED), Slot::ok),
        ConnState::Unreachable { error, retry_at } => {
            let secs = (retry_at.as_second() - app.now.as_second()).max(0);
            // Shorten the error so that the retry countdown stays visible.
            let used: usize = l2.iter().map(|s| s.content.chars().count()).sum();
            let full = strings::unreachable("", secs).chars().count() + 2;
            let room = (area.width as usize).saturating_sub(used + full).max(12);
            let error = if error.chars().count() > room {
                let cut: String = error.chars().take(room.saturating_sub(1)).collect();
                format!("{cut}…")
            } else {
                error.clone()
            };
            (
                format!("✖ {}", strings::unreachable(&error, secs)),
                Slot::error,
            )
        }
        ConnState::Failed(e) => (format!("✖ {e}"), Slot::error),
    };
    l2.push(Span::styled(state, style(app, slot)));
    // The replay timeline bar, when the cluster is a sandbox replaying a recording.
    let used: usize = l2.iter().map(|s| s.content.chars().count()).sum();
    let replay = super::replay::spans(app, (area.width as usize).saturating_sub(used + 3));
    if !replay.is_empty() {
        l2.push(Span::raw("   "));
        l2.extend(replay);
    }
    f.render_widget(Paragraph::new(vec![Line::from(l1), Line::from(l2)]), area);
}

pub fn crumbs(app: &App, f: &mut Frame, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    let n = app.stack.len();
    for (i, v) in app.stack.iter().enumerate() {
        let slot = if i + 1 == n {
            Slot::crumb_active
        } else {
            Slot::crumb
        };
        spans.push(Span::styled(format!(" {} ", v.crumb()), style(app, slot)));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn prompt(app: &App, p: &Prompt, f: &mut Frame, area: Rect) {
    let ps = style(app, Slot::prompt);
    let mut spans = vec![Span::styled(
        format!(" {}", p.label()),
        ps.add_modifier(Modifier::BOLD),
    )];
    let chars: Vec<char> = p.text.chars().collect();
    let before: String = chars[..p.cursor.min(chars.len())].iter().collect();
    let at: String = chars
        .get(p.cursor)
        .map_or(" ".to_string(), |c| c.to_string());
    let after: String = chars
        .get(p.cursor + 1..)
        .map_or(String::new(), |r| r.iter().collect());
    spans.push(Span::styled(before, style(app, Slot::text)));
    spans.push(Span::styled(
        at,
        style(app, Slot::text).add_modifier(Modifier::REVERSED),
    ));
    spans.push(Span::styled(after, style(app, Slot::text)));
    if let Some(e) = &p.error {
        spans.push(Span::styled(format!("   {e}"), style(app, Slot::error)));
    } else if !p.candidates.is_empty() {
        spans.push(Span::styled(
            format!("   {}", p.candidates.join("  ")),
            style(app, Slot::muted),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn hint<'a>(app: &App, key: String, desc: &str) -> [Span<'a>; 2] {
    [
        Span::styled(format!("<{key}>"), style(app, Slot::key)),
        Span::styled(format!(" {desc}  "), style(app, Slot::muted)),
    ]
}

pub fn hints(app: &App, f: &mut Frame, area: Rect) {
    let ctx = app.focused_context();
    let km = &app.config.keymap;
    let mut spans = vec![Span::raw(" ")];
    for b in km.bindings(ctx) {
        if matches!(ctx, Context::Prompt)
            && !matches!(
                b.action.name(),
                "submit" | "cancel" | "complete" | "history_prev"
            )
        {
            continue;
        }
        if b.action.is_mutating() && app.readonly {
            continue;
        }
        if b.action.is_replay() && app.replay.bar.is_none() {
            continue;
        }
        if b.action == Action::RevealSecret && !app.showing_secret_yaml() {
            continue;
        }
        // Movement keys are in help; the footer shows what the view can do.
        if matches!(
            b.action,
            Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom
        ) {
            continue;
        }
        if let Some(k) = b.keys.first() {
            spans.extend(hint(app, k.to_string(), &b.desc));
        }
    }
    // User plugins of the view, like built-in keys (dangerous ones hidden in read-only).
    if !matches!(ctx, Context::Prompt | Context::Dialog | Context::Help) {
        for p in app.visible_plugins() {
            let desc = if p.description.is_empty() {
                &p.name
            } else {
                &p.description
            };
            spans.extend(hint(app, p.key.to_string(), desc));
        }
    }
    if !matches!(ctx, Context::Prompt | Context::Dialog) {
        for b in km.bindings(Context::Global) {
            if b.action.is_replay() && app.replay.bar.is_none() {
                continue;
            }
            if km.binding(ctx, b.action).is_none()
                && let Some(k) = b.keys.first()
            {
                spans.extend(hint(app, k.to_string(), &b.desc));
            }
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn flash(app: &App, f: &mut Frame, area: Rect) {
    let Some(fl) = &app.flash else { return };
    let slot = match fl.level {
        Level::Info => Slot::flash,
        Level::Warn => Slot::warn,
        Level::Error => Slot::error,
    };
    let line = Line::from(vec![
        Span::raw(" "),
        Span::styled(fl.text.clone(), style(app, slot)),
    ]);
    f.render_widget(Paragraph::new(line).style(Style::default()), area);
}
