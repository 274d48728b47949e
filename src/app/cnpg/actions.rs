//! What the pane's actions do, as [`Effect`]s: open a Cluster's detail or an instance's
//! pod, describe / YAML of the Cluster, logs of an instance (or of the primary), and
//! promote (switchover) behind a confirmation.

use super::super::effect::Effect;
use super::super::pane::PaneCx;
use super::super::strings::{NOTHING_SELECTED, readonly};
use super::super::view::{ObjSource, TextMode};
use super::super::{Dialog, Level};
use super::state::PendingSwitchover;
use super::{ClusterKey, CnpgDetailView, CnpgListView, ListWatches, strings};
use crate::domain::cnpg;
use crate::model::action::Action;
use crate::model::views::Pod;
use crate::sources::{ObjectTarget, Request};

/// The list's actions; `None` for the ones it leaves to the app.
pub(super) fn list_action(l: &CnpgListView, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
    let key = l
        .selected()
        .map(|r| (r.summary.namespace.clone(), r.summary.name.clone()));
    Some(match a {
        Action::Select => match key {
            Some(key) => vec![Effect::OpenCnpgDetail(key)],
            None => vec![Effect::flash(NOTHING_SELECTED, Level::Warn)],
        },
        Action::Describe => cluster_text(key, &l.watches, TextMode::Describe),
        Action::Yaml => cluster_text(key, &l.watches, TextMode::Yaml),
        Action::Logs | Action::LogsPrevious => {
            let primary = l.selected().and_then(|r| r.summary.current_primary.clone());
            logs(key, primary, strings::NO_PRIMARY, a, cx)
        }
        Action::Promote if cx.readonly => promote_readonly(),
        Action::Promote => vec![Effect::flash_for(
            strings::PROMOTE_FROM_DETAIL,
            Level::Warn,
            6,
        )],
        _ => return None,
    })
}

/// The detail's actions; `None` for the ones it leaves to the app.
pub(super) fn detail_action(d: &CnpgDetailView, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
    let key = Some(d.key.clone());
    Some(match a {
        Action::Select => describe_instance(d),
        Action::Describe => cluster_text(key, &d.watches, TextMode::Describe),
        Action::Yaml => cluster_text(key, &d.watches, TextMode::Yaml),
        Action::Logs | Action::LogsPrevious => {
            let pod = d.selected().map(|r| r.pod.clone());
            logs(key, pod, strings::NO_INSTANCE, a, cx)
        }
        Action::Promote => promote(d, cx),
        _ => return None,
    })
}

/// Enter on an instance: its pod described.
fn describe_instance(d: &CnpgDetailView) -> Vec<Effect> {
    match d.selected() {
        Some(r) if r.exists => vec![Effect::OpenText {
            mode: TextMode::Describe,
            source: ObjSource {
                spec: d.watches.pods.clone(),
                namespace: Some(d.key.0.clone()),
                name: r.pod.clone(),
            },
        }],
        Some(r) => {
            let text = format!("{}: pod {}", strings::MISSING, r.pod);
            vec![Effect::flash(text, Level::Warn)]
        }
        None => vec![Effect::flash(strings::NO_INSTANCE, Level::Warn)],
    }
}

/// Describe / YAML of the Cluster the view is about.
fn cluster_text(key: Option<ClusterKey>, watches: &ListWatches, mode: TextMode) -> Vec<Effect> {
    let Some((ns, name)) = key else {
        return vec![Effect::flash(NOTHING_SELECTED, Level::Warn)];
    };
    let source = ObjSource {
        spec: watches.clusters.clone(),
        namespace: Some(ns),
        name,
    };
    vec![Effect::OpenText { mode, source }]
}

/// Logs of `pod` of the Cluster `key` (the selected instance, or the primary from the
/// list); `missing` is said when there is no pod.
fn logs(
    key: Option<ClusterKey>,
    pod: Option<String>,
    missing: &str,
    a: Action,
    cx: &PaneCx<'_>,
) -> Vec<Effect> {
    let Some(key) = key else {
        return vec![Effect::flash(NOTHING_SELECTED, Level::Warn)];
    };
    let Some(pod) = pod else {
        return vec![Effect::flash(missing, Level::Warn)];
    };
    let container = cx
        .cnpg
        .pods(&key)
        .iter()
        .find(|p| p.meta.name == pod)
        .map_or_else(|| "postgres".to_string(), default_container);
    vec![Effect::OpenLogs {
        namespace: key.0,
        pod,
        container,
        previous: a == Action::LogsPrevious,
    }]
}

/// The container `kubectl logs` picks: the default-container annotation, else the first.
fn default_container(pod: &Pod) -> String {
    pod.meta
        .annotation("kubectl.kubernetes.io/default-container")
        .or_else(|| {
            pod.spec
                .containers
                .first()
                .map(|c| c.name.as_str())
                .filter(|n| !n.is_empty())
        })
        .unwrap_or("postgres")
        .to_string()
}

fn promote_readonly() -> Vec<Effect> {
    let text = readonly(Action::Promote.name());
    vec![Effect::flash_for(text, Level::Warn, 6)]
}

/// Promote (switchover) to the selected instance: refused in read-only mode and when the
/// domain refuses; otherwise a confirmation naming the cluster and the target.
fn promote(d: &CnpgDetailView, cx: &PaneCx<'_>) -> Vec<Effect> {
    if cx.readonly {
        return promote_readonly();
    }
    let Some(pod) = d.selected().map(|r| r.pod.clone()) else {
        return vec![Effect::flash(strings::NO_INSTANCE, Level::Warn)];
    };
    let key = d.key.clone();
    let Some(cluster) = cx.cnpg.cluster(&key) else {
        return vec![Effect::flash(strings::CLUSTER_UNKNOWN, Level::Warn)];
    };
    let current = cluster.status.current_primary.as_deref().unwrap_or("-");
    let patch = match cnpg::promote_patch(cluster, &pod, cx.now) {
        Ok(patch) => patch,
        Err(e) => {
            let text = strings::promote_refused(&e.to_string());
            return vec![Effect::flash_for(text, Level::Warn, 8)];
        }
    };
    let (ns, name) = (&key.0, &key.1);
    let dialog = Dialog {
        title: "Promote".into(),
        message: strings::confirm_promote(&pod, ns, name, current),
        request: Request::PatchStatus {
            what: strings::promote_what(&pod, ns, name),
            target: ObjectTarget {
                kind: d.watches.clusters.kind.clone(),
                namespace: Some(ns.clone()),
                name: name.clone(),
            },
            patch,
        },
        expect: Some(pod.clone()),
        typed: String::new(),
    };
    vec![
        Effect::AwaitSwitchover(PendingSwitchover {
            what: strings::promote_what(&pod, ns, name),
            key,
            pod,
            sent: None,
        }),
        Effect::Dialog(dialog),
    ]
}
