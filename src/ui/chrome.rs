//! Header, breadcrumbs, prompt line, key hints and flash messages.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::style;
use crate::app::prompt::Prompt;
use crate::app::view::View;
use crate::app::{App, Level, strings};
use crate::config::Slot;
use crate::model::ConnState;
use crate::model::action::{Action, Context};

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

/// A kubeconfig name made readable: an EKS ARN
/// (`arn:aws:eks:eu-west-1:123:cluster/platform-prod`) → `platform-prod (eu-west-1)`, a
/// GKE name (`gke_project_europe-west1_prod`) → `prod (europe-west1)`; others unchanged.
pub(crate) fn short_name(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("arn:")
        && let [_partition, "eks", region, _account, resource] =
            rest.splitn(5, ':').collect::<Vec<_>>().as_slice()
        && let Some(cluster) = resource.strip_prefix("cluster/")
    {
        return format!("{cluster} ({region})");
    }
    if let Some(rest) = name.strip_prefix("gke_")
        && let [_project, zone, cluster] = rest.splitn(3, '_').collect::<Vec<_>>().as_slice()
    {
        return format!("{cluster} ({zone})");
    }
    name.to_string()
}

/// Cuts a line of spans to `width` columns, ending in `…` when something was cut.
pub(crate) fn fit_spans(spans: Vec<Span<'_>>, width: usize) -> Vec<Span<'_>> {
    let total: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    if total <= width {
        return spans;
    }
    let mut out = Vec::new();
    let mut room = width.saturating_sub(1);
    for s in spans {
        let n = s.content.chars().count();
        if n <= room {
            room -= n;
            out.push(s);
            continue;
        }
        let cut: String = s.content.chars().take(room).collect();
        let cut = cut.trim_end().to_string();
        out.push(Span::styled(format!("{cut}…"), s.style));
        break;
    }
    if out.is_empty() {
        out.push(Span::raw("…"));
    }
    out
}

pub(super) fn header(app: &App, f: &mut Frame, area: Rect) {
    let c = &app.cluster;
    let width = area.width as usize;
    let mut l1 = vec![
        Span::styled(format!(" {} ", strings::APP_NAME), style(app, Slot::title)),
        Span::raw(" "),
    ];
    if app.readonly {
        l1.push(Span::styled(
            strings::READONLY_BADGE,
            style(app, Slot::warn).add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
        l1.push(Span::raw("  "));
    }
    let context = short_name(&c.context);
    l1.extend(field(app, "context", or_dash(&context)));
    // The cluster and user only when they say something the context does not.
    let cluster = short_name(&c.cluster);
    if !c.cluster.is_empty() && c.cluster != c.context && cluster != context {
        l1.extend(field(app, "cluster", cluster.clone()));
    }
    let user = short_name(&c.user);
    if !c.user.is_empty() && c.user != c.context && c.user != c.cluster && user != context {
        l1.extend(field(app, "user", user));
    }
    // Namespace favourites (k9s): 0 = all, 1–9 the namespaces used last.
    let used: usize = l1.iter().map(|s| s.content.chars().count()).sum();
    let mut favs = vec![
        Span::styled("<0>", style(app, Slot::key)),
        Span::styled(" all ", style(app, Slot::muted)),
    ];
    for (i, ns) in app.ns_favourites.iter().enumerate() {
        favs.push(Span::styled(format!("<{}>", i + 1), style(app, Slot::key)));
        favs.push(Span::styled(format!(" {ns} "), style(app, Slot::muted)));
    }
    let mut room = width.saturating_sub(used + 1);
    for pair in favs.chunks(2) {
        let n: usize = pair.iter().map(|s| s.content.chars().count()).sum();
        if n > room {
            break;
        }
        room -= n;
        l1.extend(pair.iter().cloned());
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
            let room = width.saturating_sub(used + full).max(12);
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
    let replay = super::replay::spans(app, width.saturating_sub(used + 3));
    if !replay.is_empty() {
        l2.push(Span::raw("   "));
        l2.extend(replay);
    }
    let lines = vec![
        Line::from(fit_spans(l1, width)),
        Line::from(fit_spans(l2, width)),
    ];
    f.render_widget(Paragraph::new(lines), area);
}

pub(crate) fn crumbs(app: &App, f: &mut Frame, area: Rect) {
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
    let spans = fit_spans(spans, area.width as usize);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(crate) fn prompt(app: &App, p: &Prompt, f: &mut Frame, area: Rect) {
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

/// Actions the footer leaves to help (`?`): movement, sorting, namespace favourites.
fn footer_skips(a: Action) -> bool {
    matches!(
        a,
        Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
    ) || a.sort_column().is_some()
        || a.namespace_slot().is_some()
}

/// A binding's footer text for the current view ("Delete pod" in a pod's containers,
/// "Follow: on"), or `None` when it does not apply here.
fn footer_desc(app: &App, ctx: Context, b: &crate::config::Binding) -> Option<String> {
    if footer_skips(b.action) || !app.action_applies(b.action) {
        return None;
    }
    if b.action.is_mutating() && app.readonly {
        return None;
    }
    if b.action.is_replay() && app.replay.bar.is_none() {
        return None;
    }
    if b.action == Action::RevealSecret && !app.showing_secret_yaml() {
        return None;
    }
    let containers = ctx == Context::Table && matches!(app.top(), Some(View::Containers(_)));
    let desc = match b.action {
        Action::Delete if containers => strings::DELETE_POD.to_string(),
        Action::Select if containers => strings::LOGS_HINT.to_string(),
        Action::Scale if app.shell_here() => "Shell".to_string(),
        // The footer is short of room: "Scale / shell (pods)" reads "Scale" off pods.
        Action::Scale => b.desc.split(" / ").next().unwrap_or(&b.desc).to_string(),
        Action::Delete if matches!(app.top(), Some(View::Forwards(_))) => {
            "Stop forward".to_string()
        }
        Action::Select if matches!(app.top(), Some(View::Forwards(_))) => "Last error".to_string(),
        _ => b.desc.clone(),
    };
    Some(match app.toggle_state(b.action) {
        Some(on) => format!("{desc}: {}", if on { "on" } else { "off" }),
        None => desc,
    })
}

pub(crate) fn hints(app: &App, f: &mut Frame, area: Rect) {
    let ctx = app.focused_context();
    let km = &app.config.keymap;
    let mut spans = vec![Span::raw(" ")];
    // Help and the command line first, so that a narrow footer still shows them.
    let globals_apply = !matches!(ctx, Context::Prompt | Context::Dialog | Context::Editor);
    let first = [Action::Help, Action::Command];
    if globals_apply {
        for a in first {
            if km.binding(ctx, a).is_none()
                && let Some(b) = km.binding(Context::Global, a)
                && let Some(k) = b.keys.first()
            {
                spans.extend(hint(app, k.to_string(), &b.desc));
            }
        }
    }
    // User plugins of the view, like built-in keys (dangerous ones hidden in read-only); right
    // after help and the command line, so that a footer short of room keeps what the user added.
    if !matches!(
        ctx,
        Context::Prompt | Context::Dialog | Context::Help | Context::Editor
    ) {
        for p in app.visible_plugins() {
            let desc = if p.description.is_empty() {
                &p.name
            } else {
                &p.description
            };
            spans.extend(hint(app, p.key.to_string(), desc));
        }
    }
    for b in km.bindings(ctx) {
        if matches!(ctx, Context::Prompt)
            && !matches!(
                b.action.name(),
                "submit" | "cancel" | "complete" | "history_prev"
            )
        {
            continue;
        }
        if let Some(desc) = footer_desc(app, ctx, b)
            && let Some(k) = b.keys.first()
        {
            spans.extend(hint(app, k.to_string(), &desc));
        }
    }
    // The editor types every key it does not bind: global keys do not apply there.
    if globals_apply {
        for b in km.bindings(Context::Global) {
            if (b.action.is_replay() && app.replay.bar.is_none()) || first.contains(&b.action) {
                continue;
            }
            if km.binding(ctx, b.action).is_none()
                && let Some(k) = b.keys.first()
            {
                spans.extend(hint(app, k.to_string(), &b.desc));
            }
        }
    }
    // Trailing spaces of the last hint do not count as cut text.
    if let Some(last) = spans.last_mut() {
        let trimmed = last.content.trim_end().to_string();
        last.content = trimmed.into();
    }
    let spans = fit_spans(spans, area.width as usize);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(crate) fn flash(app: &App, f: &mut Frame, area: Rect) {
    let Some(fl) = &app.flash else { return };
    let slot = match fl.level {
        Level::Info => Slot::flash,
        Level::Warn => Slot::warn,
        Level::Error => Slot::error,
    };
    let line = Line::from(fit_spans(
        vec![
            Span::raw(" "),
            Span::styled(fl.text.clone(), style(app, slot)),
        ],
        area.width as usize,
    ));
    f.render_widget(Paragraph::new(line).style(Style::default()), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_names_read_short() {
        assert_eq!(
            short_name("arn:aws:eks:eu-west-1:123456789012:cluster/platform-prod"),
            "platform-prod (eu-west-1)"
        );
        assert_eq!(
            short_name("gke_my-project_europe-west1_prod"),
            "prod (europe-west1)"
        );
        assert_eq!(short_name("kind-dev"), "kind-dev");
        assert_eq!(
            short_name("arn:aws:iam::123:role/x"),
            "arn:aws:iam::123:role/x"
        );
    }

    #[test]
    fn lines_are_cut_with_an_ellipsis() {
        let spans = vec![
            Span::raw("context "),
            Span::raw("platform-prod (eu-west-1)"),
        ];
        let cut = fit_spans(spans, 20);
        let text: String = cut.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "context platform-pr…");
        assert!(text.chars().count() <= 20);
    }
}
