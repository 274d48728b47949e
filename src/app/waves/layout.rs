//! What decides the sync waves pane's layout, shared by the ui (which draws it) and
//! `update` (which pages and scrolls by it): the text lines above the lanes and above an
//! app's resources, with their slots, and the heights they take at a given body size.

use jiff::Timestamp;
use ratatui::text::Span;

use super::strings;
use super::{ConfigSource, WaveAppView, WaveRow, WavesView};
use crate::app::columns::age;
use crate::app::viewport::{Viewport, list_rows_in};
use crate::config::Slot;
use crate::domain::waves::{
    AppKey, AppSummary, BlockerState, HealthCode, OperationPhase, RolloutState, Severity, SyncCode,
};

/// Width of the tree panel (at most a third of the screen).
pub(crate) const TREE_W: u16 = 38;
/// The lanes keep at least this many rows (borders and heading included).
pub(crate) const MIN_LANES_H: u16 = 7;
/// The tree asks for at most this many lines; longer trees scroll.
pub(crate) const TREE_LINES: usize = 8;
/// The summary never takes less than this (borders included).
pub(crate) const MIN_TOP_H: u16 = 4;

/// Display width of `text` in columns.
pub(crate) fn width(text: &str) -> usize {
    Span::raw(text).width()
}

/// Word-wraps `text` to `width` columns (long words are cut).
pub(crate) fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let used = width(&line);
            let need = width(&word) + usize::from(used > 0);
            if used + need <= max {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the line: cut it.
            let mut head = String::new();
            let mut rest = String::new();
            for c in word.chars() {
                if rest.is_empty() && width(&format!("{head}{c}")) <= max {
                    head.push(c);
                } else {
                    rest.push(c);
                }
            }
            out.push(head);
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// Lines of pre-wrapped text with their slots.
pub(crate) type Items = Vec<(String, Slot)>;

pub(crate) fn wrapped(items: &Items, width: usize) -> Items {
    items
        .iter()
        .flat_map(|(text, slot)| wrap(text, width).into_iter().map(move |l| (l, *slot)))
        .collect()
}

pub(crate) fn health_slot(h: &HealthCode) -> Slot {
    match h {
        HealthCode::Healthy => Slot::ok,
        HealthCode::Progressing | HealthCode::Suspended => Slot::warn,
        HealthCode::Degraded | HealthCode::Missing => Slot::error,
        HealthCode::Unknown | HealthCode::Other(_) => Slot::muted,
    }
}

pub(crate) fn sync_slot(s: &SyncCode) -> Slot {
    match s {
        SyncCode::Synced => Slot::ok,
        SyncCode::OutOfSync => Slot::warn,
        SyncCode::Unknown | SyncCode::Other(_) => Slot::muted,
    }
}

pub(crate) fn phase_slot(p: &OperationPhase) -> Slot {
    match p {
        OperationPhase::Running | OperationPhase::Terminating => Slot::warn,
        OperationPhase::Failed | OperationPhase::Error => Slot::error,
        OperationPhase::Succeeded => Slot::ok,
        OperationPhase::Other(_) => Slot::muted,
    }
}

pub(crate) fn severity_mark(s: Severity) -> (&'static str, Slot) {
    match s {
        Severity::Error => ("✖", Slot::error),
        Severity::Warning => ("⚠", Slot::warn),
        Severity::Info => ("ℹ", Slot::info),
    }
}

/// The summary: the rollout lines (blockers first), the traps, the argocd-cm finding.
pub(crate) fn summary_items(w: &WavesView) -> Items {
    let mut out: Items = Vec::new();
    if let Some(r) = w.rollout() {
        let blockers: Vec<Slot> = match &r.state {
            RolloutState::InProgress { blockers, .. } => blockers
                .iter()
                .map(|b| match &b.state {
                    BlockerState::Unhealthy(h) if h.badness() >= HealthCode::Missing.badness() => {
                        Slot::error
                    }
                    _ => Slot::warn,
                })
                .collect(),
            _ => Vec::new(),
        };
        for (i, line) in r.lines.iter().enumerate() {
            let (mark, slot) = match (&r.state, blockers.get(i)) {
                (RolloutState::Done, _) if i == 0 => ("✓", Slot::ok),
                (RolloutState::Empty, _) if i == 0 => ("·", Slot::muted),
                (_, Some(slot)) => (if *slot == Slot::error { "✖" } else { "◌" }, *slot),
                _ if line.starts_with("pending: ") => ("…", Slot::muted),
                _ => {
                    let failed = r.parent_wait.as_ref().is_some_and(|p| p.phase.is_failure());
                    ("↻", if failed { Slot::error } else { Slot::warn })
                }
            };
            out.push((format!("{mark} {line}"), slot));
        }
    }
    for t in w.traps() {
        let (mark, slot) = severity_mark(t.severity);
        out.push((format!("{mark} {}", t.title), slot));
    }
    let config = match &w.config_source {
        ConfigSource::Loading => (strings::CONFIG_LOADING.to_string(), Slot::muted),
        ConfigSource::Found {
            namespace,
            health_check,
        } => (
            strings::config_found(namespace, *health_check),
            if *health_check {
                Slot::muted
            } else {
                Slot::warn
            },
        ),
        ConfigSource::Missing => (strings::CONFIG_MISSING.to_string(), Slot::warn),
        ConfigSource::Failed(e) => (strings::config_failed(e), Slot::warn),
    };
    out.push((format!("ℹ {}", config.0), config.1));
    out
}

/// The resources list keeps at least this many rows (borders and heading included).
pub(crate) const MIN_RESOURCES_H: u16 = 6;

pub(crate) fn ago(t: Option<Timestamp>, now: Timestamp) -> String {
    t.map(|t| format!("{} ago", age(t, now)))
        .unwrap_or_else(|| "–".into())
}

/// The lines above the resources.
pub(crate) fn info_items(d: &WaveAppView, now: Timestamp) -> Items {
    let Some(a) = &d.app else {
        return Vec::new();
    };
    let mut out: Items = Vec::new();
    let mut first = format!("wave {} · project {}", a.wave.value, a.project);
    if let Some(p) = &a.parent {
        first.push_str(&format!(" · parent {}", p.key.name));
    }
    if let Some(set) = &a.application_set {
        first.push_str(&format!(" · ApplicationSet {set}"));
    }
    if !a.destination.is_empty() {
        first.push_str(&format!(" · destination {}", a.destination));
    }
    out.push((first, Slot::text));
    if let Some(e) = &a.wave.error {
        out.push((format!("✖ {e}"), Slot::error));
    }

    let revision = a
        .revision
        .as_deref()
        .map(|r| format!(" {r}"))
        .unwrap_or_default();
    let health = match &a.health_message {
        Some(m) => format!("{}: {m}", a.health),
        None => a.health.to_string(),
    };
    let slot = match health_slot(&a.health) {
        Slot::ok => sync_slot(&a.sync),
        other => other,
    };
    out.push((format!("sync {}{revision} · health {health}", a.sync), slot));

    let auto = if a.auto_sync.enabled {
        let mut flags = vec!["automated"];
        if a.auto_sync.prune {
            flags.push("prune");
        }
        if a.auto_sync.self_heal {
            flags.push("self-heal");
        }
        if a.auto_sync.allow_empty {
            flags.push("allow-empty");
        }
        flags.join(", ")
    } else {
        "manual".into()
    };
    let mut policy = format!("auto-sync {auto} · last sync {}", ago(a.last_synced, now));
    if !a.sync_options.is_empty() {
        policy.push_str(&format!(" · options {}", a.sync_options.join(", ")));
    }
    out.push((policy, Slot::muted));
    for s in &a.sources {
        let what = s
            .chart
            .as_deref()
            .map(|c| format!("chart {c}"))
            .or_else(|| s.path.as_deref().map(|p| format!("path {p}")))
            .or_else(|| s.ref_name.as_deref().map(|r| format!("ref {r}")))
            .unwrap_or_default();
        let at = s
            .target_revision
            .as_deref()
            .map(|t| format!(" @ {t}"))
            .unwrap_or_default();
        out.push((format!("source {} {what}{at}", s.repo_url), Slot::muted));
    }

    match &a.operation {
        Some(op) => {
            let mut line = format!("operation {} by {}", op.phase, op.initiated_by);
            line.push_str(&format!(" · started {}", ago(op.started_at, now)));
            if op.finished_at.is_some() {
                line.push_str(&format!(" · finished {}", ago(op.finished_at, now)));
            }
            if op.retry_count > 0 {
                line.push_str(&format!(" · retry #{}", op.retry_count));
            }
            if let Some(m) = &op.message {
                line.push_str(&format!(": {m}"));
            }
            out.push((line, phase_slot(&op.phase)));
            for r in op.sync_result.iter().filter(|r| r.status == "SyncFailed") {
                let msg = r.message.as_deref().unwrap_or("");
                out.push((format!("✖ {} failed: {msg}", r.resource), Slot::error));
            }
        }
        None => out.push(("operation –".into(), Slot::muted)),
    }
    if let Some(by) = &a.requested_operation
        && a.running_operation().is_none()
    {
        out.push((format!("↻ sync requested by {by}"), Slot::warn));
    }
    for c in &a.conditions {
        let slot = if c.is_error() {
            Slot::error
        } else if c.is_warning() {
            Slot::warn
        } else {
            Slot::info
        };
        out.push((format!("✖ {}: {}", c.kind, c.message), slot));
    }
    for t in &d.traps {
        let (mark, slot) = severity_mark(t.severity);
        out.push((format!("{mark} {}: {}", t.title, t.explanation), slot));
    }
    if !d.history.is_empty() {
        let entries: Vec<String> = d
            .history
            .iter()
            .map(|h| {
                let by = if h.initiated_by.is_empty() {
                    String::new()
                } else {
                    format!(" by {}", h.initiated_by)
                };
                format!("#{} {} {}{by}", h.id, h.revision, ago(h.deployed_at, now))
            })
            .collect();
        out.push((format!("history {}", entries.join(" · ")), Slot::muted));
    }
    out
}

/// One line of the app-of-apps tree: its text (indented by depth), slot and app.
pub(crate) type TreeLine = (String, Slot, Option<AppKey>);

/// The app-of-apps tree: one line per app, indented by depth.
pub(crate) fn tree_lines(w: &WavesView) -> Vec<TreeLine> {
    let Some(model) = w.model() else {
        return Vec::new();
    };
    model
        .tree
        .walk()
        .into_iter()
        .filter_map(|(depth, key)| {
            let a = model.get(&key)?;
            let (mark, slot) = app_mark(a);
            let wave = if a.parent.is_some() || a.wave.raw.is_some() {
                format!(" · {}", a.wave.value)
            } else {
                String::new()
            };
            let text = format!("{}{mark} {}{wave}", "  ".repeat(depth), key.name);
            Some((text, slot, Some(key)))
        })
        .collect()
}

/// A one-character state of an app.
pub(crate) fn app_mark(a: &AppSummary) -> (&'static str, Slot) {
    if !a.exists {
        ("○", Slot::muted)
    } else if a.is_done() {
        ("✓", Slot::ok)
    } else if a.health.badness() >= HealthCode::Missing.badness() {
        ("✖", Slot::error)
    } else {
        ("◌", Slot::warn)
    }
}

/// The width the lanes' name column asks for: the widest app name with its indent (or the
/// root's label).
pub(crate) fn name_width(w: &WavesView) -> usize {
    w.rows
        .iter()
        .filter_map(|r| match r {
            WaveRow::Parent(k) => Some(width(&k.name) + 1 + width(strings::ROOT_LABEL)),
            WaveRow::App(k) => Some(width(&k.name) + 2),
            WaveRow::Lane(_) => None,
        })
        .max()
        .unwrap_or(0)
}

/// Width of the summary and height of the summary and tree row above the lanes, in a body
/// of `width`×`height`.
pub(crate) fn waves_top(w: &WavesView, width: u16, height: u16) -> (u16, u16) {
    let tree_w = TREE_W.min(width / 3);
    let summary_w = width.saturating_sub(tree_w);
    let text_lines = wrapped(&w.summary(), summary_w.saturating_sub(2) as usize).len();
    // A long tree scrolls (to the selection) rather than taking the lanes' room.
    let tree_lines = w.model().map_or(0, |m| m.apps.len()).min(TREE_LINES);
    let wanted = (text_lines.max(tree_lines) + 2) as u16;
    let max_top = (height / 2)
        .min(height.saturating_sub(MIN_LANES_H))
        .max(MIN_TOP_H);
    (summary_w, wanted.clamp(MIN_TOP_H, max_top).min(height))
}

/// Height of the app detail's information above its resources, in a body of
/// `width`×`height`.
pub(crate) fn detail_info_height(d: &WaveAppView, width: u16, height: u16, now: Timestamp) -> u16 {
    let lines = wrapped(&info_items(d, now), width.saturating_sub(2) as usize).len();
    let max_info = height.saturating_sub(MIN_RESOURCES_H).max(3);
    ((lines + 2) as u16).clamp(3, max_info).min(height)
}

/// Rows of the lanes list that fit in the viewport.
pub(crate) fn lane_rows(viewport: &Viewport, prompt: bool, w: &WavesView) -> usize {
    let (width, height) = viewport.body(prompt);
    let (_, top) = waves_top(w, width, height);
    list_rows_in(height.saturating_sub(top))
}

/// Rows of the app detail's resources list that fit in the viewport.
pub(crate) fn detail_rows(
    viewport: &Viewport,
    prompt: bool,
    d: &WaveAppView,
    now: Timestamp,
) -> usize {
    let (width, height) = viewport.body(prompt);
    let info = detail_info_height(d, width, height, now);
    list_rows_in(height.saturating_sub(info))
}
