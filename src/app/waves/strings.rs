//! User-visible strings of the sync waves pane, gathered in one place.

use crate::domain::waves::{ActionError, AppKey, ResourceRef};

pub(crate) const CRUMB: &str = "waves";
pub(crate) const ALL_APPS: &str = "all apps";
pub(crate) const ROLLOUT: &str = "Rollout";
pub(crate) const TREE: &str = "App of apps";
pub(crate) const RESOURCES: &str = "Resources";
pub(crate) const NO_APPS: &str = "no Argo CD Applications";
pub(crate) const NO_RESOURCES: &str = "no resources in status.resources";
pub(crate) const NOT_CREATED: &str = "not created yet";
pub(crate) const NO_ARGO: &str =
    "this cluster serves no applications.argoproj.io (Argo CD is not installed)";
pub(crate) const APP_GONE: &str = "the Application no longer exists; showing its last state";
pub(crate) const DEFAULT_USER: &str = "opsdeck";
pub(crate) const ROOT_LABEL: &str = "(app of apps)";

/// Column headings of the lanes list.
pub(crate) const LANE_COLUMNS: [&str; 10] = [
    "APP",
    "SYNC",
    "HEALTH",
    "OPERATION",
    "REVISION",
    "LAST SYNC",
    "AUTO-SYNC",
    "OOS",
    "UNH",
    "MESSAGE",
];

/// Column headings of the app detail's resources.
pub(crate) const RESOURCE_COLUMNS: [&str; 8] = [
    "KIND",
    "NAME",
    "NAMESPACE",
    "SYNC",
    "HEALTH",
    "HOOK",
    "WAVE",
    "MESSAGE",
];

pub(crate) fn crumb(root: Option<&AppKey>) -> String {
    match root {
        Some(r) => format!("{CRUMB} ({})", r.name),
        None => format!("{CRUMB} ({ALL_APPS})"),
    }
}

pub(crate) fn detail_crumb(key: &AppKey) -> String {
    format!("app {}", key.name)
}

pub(crate) fn lane_heading(wave: i64, state: &str, apps: usize) -> String {
    let noun = if apps == 1 { "app" } else { "apps" };
    format!("wave {wave} · {state} · {apps} {noun}")
}

pub(crate) const LANE_DONE: &str = "done";
pub(crate) const LANE_IN_PROGRESS: &str = "in progress";
pub(crate) const LANE_BLOCKED: &str = "blocked";
/// What the short lane columns mean (the lanes list's bottom line).
pub(crate) const LANE_LEGEND: &str =
    "OOS: resources out of sync · UNH: resources not healthy · LAST SYNC: time since";
pub(crate) const LANE_PENDING: &str = "pending";

pub(crate) fn not_created(key: &AppKey, parent: Option<&AppKey>) -> String {
    match parent {
        Some(p) => format!(
            "{} is not created yet: {} has not applied it",
            key.name, p.name
        ),
        None => format!("{} is not created yet", key.name),
    }
}

pub(crate) fn refused(verb: &str, key: &AppKey, e: &ActionError) -> String {
    format!("cannot {verb} {key}: {e}")
}

pub(crate) fn confirm_sync(key: &AppKey, prune: bool, user: &str) -> String {
    let prune = if prune { ", prune" } else { "" };
    format!("Sync {key}? Writes operation.sync (hook strategy{prune}), initiated by {user}.")
}

pub(crate) fn confirm_refresh(key: &AppKey, kind: &str) -> String {
    format!("Refresh {key}? Writes annotation argocd.argoproj.io/refresh={kind}.")
}

pub(crate) fn confirm_terminate(key: &AppKey) -> String {
    format!("Terminate the running sync of {key}? Writes status.operationState.phase=Terminating.")
}

pub(crate) fn done_what(verb: &str, key: &AppKey) -> String {
    format!("{verb} application {key}")
}

pub(crate) fn unknown_kind(r: &ResourceRef) -> String {
    let gk = if r.group.is_empty() {
        r.kind.clone()
    } else {
        format!("{}.{}", r.kind, r.group)
    };
    format!(
        "{gk} is not in the cluster's discovery (yet): cannot open {}",
        r.name
    )
}

pub(crate) fn resource_scope(app: &AppKey) -> String {
    format!("app {}", app.name)
}

pub(crate) fn config_found(namespace: &str, health_check: bool) -> String {
    if health_check {
        format!("argocd-cm ({namespace}) has the Application health check: waves block")
    } else {
        format!("argocd-cm ({namespace}) lacks the Application health check")
    }
}

pub(crate) const CONFIG_LOADING: &str = "reading argocd-cm…";
pub(crate) const CONFIG_MISSING: &str = "no argocd-cm ConfigMap found";

pub(crate) fn config_failed(error: &str) -> String {
    format!("cannot read argocd-cm: {error}")
}

pub(crate) fn rollout_title(root: Option<&AppKey>, state: &str) -> String {
    match root {
        Some(r) => format!("{ROLLOUT} of {} · {state}", r.name),
        None => format!("{ROLLOUT} of {ALL_APPS} · {state}"),
    }
}

pub(crate) fn wave_in_progress(wave: i64) -> String {
    format!("wave {wave} in progress")
}

/// A wave that cannot finish on its own: an app in it is Degraded.
pub(crate) fn wave_blocked(wave: i64, app: &str, health: &str) -> String {
    format!("wave {wave} blocked: {app} {health}")
}

pub(crate) const ROLLOUT_DONE: &str = "done";
pub(crate) const ROLLOUT_EMPTY: &str = "empty";

pub(crate) fn waves_title(root: Option<&AppKey>, position: usize, count: usize) -> String {
    match root {
        Some(r) => format!("waves of {} [{position}/{count}]", r.name),
        None => format!("waves of {ALL_APPS} [{position}/{count}]"),
    }
}
