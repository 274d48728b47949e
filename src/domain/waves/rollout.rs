//! Where a rollout stands, in words: the wave in progress, what it waits on and why, and the
//! waves still pending.

use std::fmt::Write as _;

use super::app::{AppKey, AppSummary, HealthCode, OperationPhase, ResourceRef, SyncCode};
use super::live::LiveObjects;
use super::tree::WavesModel;

/// The apps of one wave, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveLane {
    pub wave: i64,
    pub apps: Vec<AppKey>,
    /// Every app of the lane is Synced and Healthy.
    pub done: bool,
}

/// The main reason an app holds its wave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockerState {
    /// Declared by the parent, not created yet.
    NotCreated,
    /// Not Healthy (whatever the sync status).
    Unhealthy(HealthCode),
    /// Healthy but not Synced.
    OutOfSync(SyncCode),
}

/// An app that keeps its wave from finishing, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub app: AppKey,
    pub wave: i64,
    pub state: BlockerState,
    /// The resource that explains it, when known.
    pub(crate) resource: Option<ResourceRef>,
    /// `cert-manager Degraded — Deployment cert-manager-webhook 0/2 available`.
    pub text: String,
}

/// The parent's operation, and what it says it is waiting for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParentWait {
    pub parent: AppKey,
    pub phase: OperationPhase,
    pub message: String,
    /// `healthy state of`, `completion of hook`, `deletion of`, `pruning confirmation of`.
    pub reason: Option<String>,
    /// The first resource named in `waiting for …` (its namespace is not in the message).
    pub(crate) waiting_for: Option<ResourceRef>,
    /// `and N more resources`.
    pub more: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutState {
    /// No apps under this parent.
    Empty,
    /// All waves synced and healthy.
    Done,
    InProgress {
        /// The lowest wave with an app not Synced and Healthy.
        wave: i64,
        blockers: Vec<Blocker>,
        /// Later waves with apps not done yet.
        pending: Vec<i64>,
    },
}

/// One parent's (or all apps') rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    /// `None`: all apps.
    pub parent: Option<AppKey>,
    pub(crate) lanes: Vec<WaveLane>,
    pub state: RolloutState,
    pub(crate) parent_wait: Option<ParentWait>,
    /// The rollout in words, most important first.
    pub lines: Vec<String>,
}

impl Rollout {
    /// The wave in progress, if any.
    pub fn wave_in_progress(&self) -> Option<i64> {
        match &self.state {
            RolloutState::InProgress { wave, .. } => Some(*wave),
            _ => None,
        }
    }

    #[cfg(test)]
    pub(crate) fn headline(&self) -> &str {
        self.lines.first().map(String::as_str).unwrap_or("")
    }
}

impl WavesModel {
    /// The children of `parent` (or all apps) grouped by wave, lowest first.
    pub(crate) fn lanes(&self, parent: Option<&AppKey>) -> Vec<WaveLane> {
        let mut lanes: Vec<WaveLane> = Vec::new();
        for app in self.members(parent) {
            match lanes.last_mut() {
                Some(lane) if lane.wave == app.wave.value => {
                    lane.apps.push(app.key.clone());
                    lane.done &= app.is_done();
                }
                _ => lanes.push(WaveLane {
                    wave: app.wave.value,
                    apps: vec![app.key.clone()],
                    done: app.is_done(),
                }),
            }
        }
        lanes
    }

    /// Where the rollout of `parent`'s children (or of all apps) stands. `live` may add
    /// workload details (`0/2 available`) when the caller has them.
    pub fn rollout(&self, parent: Option<&AppKey>, live: &LiveObjects) -> Rollout {
        let lanes = self.lanes(parent);
        let parent_wait = parent.and_then(|p| self.get(p)).and_then(parent_wait);

        let Some(current) = lanes.iter().find(|l| !l.done) else {
            let (state, line) = if lanes.is_empty() {
                (RolloutState::Empty, "no applications")
            } else {
                (RolloutState::Done, "all waves synced and healthy")
            };
            let mut lines = vec![line.to_string()];
            lines.extend(parent_wait.as_ref().map(wait_line));
            return Rollout {
                parent: parent.cloned(),
                lanes,
                state,
                parent_wait,
                lines,
            };
        };

        let wave = current.wave;
        let mut blockers: Vec<Blocker> = current
            .apps
            .iter()
            .filter_map(|k| self.get(k))
            .filter(|a| !a.is_done())
            .map(|a| self.blocker(a, live))
            .collect();
        // The parent's own message is authoritative about what Argo CD waits for.
        if let Some(target) = parent_wait
            .as_ref()
            .and_then(|w| w.waiting_for.as_ref())
            .filter(|r| r.is_application())
        {
            let waited = self
                .members(parent)
                .into_iter()
                .find(|a| a.key.name == target.name);
            if let Some(app) = waited
                && !blockers.iter().any(|b| b.app == app.key)
                && !app.is_done()
            {
                blockers.push(self.blocker(app, live));
                blockers.sort_by_key(|b| b.wave);
            }
        }

        let pending: Vec<&WaveLane> = lanes.iter().filter(|l| l.wave > wave && !l.done).collect();

        let mut lines: Vec<String> = blockers
            .iter()
            .map(|b| format!("wave {}: {}", b.wave, b.text))
            .collect();
        lines.extend(parent_wait.as_ref().map(wait_line));
        if !pending.is_empty() {
            let waves: Vec<String> = pending
                .iter()
                .map(|l| {
                    let names: Vec<&str> = l.apps.iter().map(|k| k.name.as_str()).collect();
                    format!("wave {} ({})", l.wave, names.join(", "))
                })
                .collect();
            lines.push(format!("pending: {}", waves.join(", ")));
        }

        Rollout {
            parent: parent.cloned(),
            state: RolloutState::InProgress {
                wave,
                blockers,
                pending: pending.iter().map(|l| l.wave).collect(),
            },
            lanes,
            parent_wait,
            lines,
        }
    }

    fn blocker(&self, app: &AppSummary, live: &LiveObjects) -> Blocker {
        let name = &app.key.name;
        let mut resource = None;
        let (state, mut text) = if !app.exists {
            let by = app
                .parent
                .as_ref()
                .map(|p| format!(" — {} has not applied it", p.key.name))
                .unwrap_or_default();
            (
                BlockerState::NotCreated,
                format!("{name} not created yet ({}){by}", app.sync),
            )
        } else if app.health != HealthCode::Healthy {
            let status = match app.sync {
                SyncCode::Synced => app.health.to_string(),
                ref sync => format!("{}, {sync}", app.health),
            };
            let (detail, res) = health_detail(app, live);
            resource = res;
            let text = match detail {
                Some(d) => format!("{name} {status} — {d}"),
                None => format!("{name} {status}"),
            };
            (BlockerState::Unhealthy(app.health.clone()), text)
        } else {
            let drift: Vec<String> = app
                .resources
                .iter()
                .filter(|r| r.sync == SyncCode::OutOfSync)
                .take(3)
                .map(|r| r.resource.to_string())
                .collect();
            resource = app
                .resources
                .iter()
                .find(|r| r.sync == SyncCode::OutOfSync)
                .map(|r| r.resource.clone());
            let text = match app.out_of_sync {
                0 => format!("{name} {}", app.sync),
                n => {
                    let more = if n > drift.len() { ", …" } else { "" };
                    let noun = if n == 1 { "resource" } else { "resources" };
                    format!(
                        "{name} {} — {n} {noun} out of sync ({}{more})",
                        app.sync,
                        drift.join(", ")
                    )
                }
            };
            (BlockerState::OutOfSync(app.sync.clone()), text)
        };

        if app.exists {
            if let Some(op) = &app.operation {
                let msg = op.message.as_deref().unwrap_or("");
                if op.phase.is_active() {
                    let _ = write!(text, "; sync {}: {msg}", op.phase);
                } else if op.phase.is_failure() {
                    let _ = write!(text, "; last sync {}: {msg}", op.phase);
                }
            } else if app.requested_operation.is_some() {
                text.push_str("; sync requested");
            }
            if app.sync == SyncCode::OutOfSync
                && !app.auto_sync.enabled
                && app.running_operation().is_none()
                && app.requested_operation.is_none()
            {
                text.push_str("; auto-sync is off: nothing syncs it until someone does");
            }
            for c in app.error_conditions() {
                let _ = write!(text, "; {}: {}", c.kind, c.message);
            }
        }

        Blocker {
            app: app.key.clone(),
            wave: app.wave.value,
            state,
            resource,
            text,
        }
    }
}

/// Why an app is not Healthy: its health message, the first unhealthy resource Argo CD
/// stored, or (3.x) what the live objects show.
fn health_detail(app: &AppSummary, live: &LiveObjects) -> (Option<String>, Option<ResourceRef>) {
    let with_hint = |r: &ResourceRef, fallback: Option<String>| {
        let text = match (live.hint(r), fallback) {
            (Some(hint), _) => format!("{r} {hint}"),
            (None, Some(f)) => f,
            (None, None) => r.to_string(),
        };
        (Some(text), Some(r.clone()))
    };

    if let Some(msg) = &app.health_message {
        // Argo CD ≥ 3.6: "Caused by apps/Deployment:ns/name, …"
        if let Some(r) = caused_by(msg).into_iter().next() {
            return with_hint(&r, None);
        }
        return (Some(msg.clone()), None);
    }

    if app.resource_health_stored {
        let unhealthy = app
            .resources
            .iter()
            .filter(|r| r.health.as_ref().is_some_and(HealthCode::is_unhealthy));
        let first = unhealthy
            .clone()
            .find(|r| r.health.as_ref() == Some(&app.health))
            .or_else(|| unhealthy.max_by_key(|r| r.health.as_ref().map(HealthCode::badness)));
        if let Some(r) = first {
            let res = &r.resource;
            let health = r.health.as_ref().map(HealthCode::as_str).unwrap_or("");
            let fallback = match &r.health_message {
                Some(m) => {
                    let quoted = format!("{} \"{}\" ", res.kind, res.name);
                    match m.strip_prefix(&quoted) {
                        Some(rest) => format!("{res} {rest}"),
                        None => format!("{res} {health}: {m}"),
                    }
                }
                None => format!("{res} {health}"),
            };
            return with_hint(res, Some(fallback));
        }
    }

    if let Some(r) = app
        .resources
        .iter()
        .map(|r| &r.resource)
        .find(|r| live.hint(r).is_some())
    {
        return with_hint(r, None);
    }

    if !app.resource_health_stored {
        let workloads: Vec<String> = app
            .resources
            .iter()
            .map(|r| &r.resource)
            .filter(|r| {
                matches!(
                    r.kind.as_str(),
                    "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "Application"
                )
            })
            .take(3)
            .map(ToString::to_string)
            .collect();
        let mut text = String::from(
            "resource health is not stored on the Application (Argo CD 3.x, resourceHealthSource: appTree)",
        );
        if !workloads.is_empty() {
            let _ = write!(text, "; check {}", workloads.join(", "));
        }
        return (Some(text), None);
    }
    (None, None)
}

/// Resources of a `Caused by group/Kind:ns/name, Kind:name and 2 more` health message.
fn caused_by(message: &str) -> Vec<ResourceRef> {
    let Some(list) = message.strip_prefix("Caused by ") else {
        return Vec::new();
    };
    let list = list.split(" and ").next().unwrap_or("");
    list.split(", ")
        .filter_map(|item| {
            let (gk, nsn) = item.trim().split_once(':')?;
            let (group, kind) = match gk.rsplit_once('/') {
                Some((g, k)) => (g, k),
                None => ("", gk),
            };
            let (namespace, name) = match nsn.split_once('/') {
                Some((ns, n)) => (ns, n),
                None => ("", nsn),
            };
            Some(ResourceRef {
                group: group.into(),
                kind: kind.into(),
                namespace: namespace.into(),
                name: name.into(),
            })
        })
        .collect()
}

/// The parent's running or failed operation.
fn parent_wait(parent: &AppSummary) -> Option<ParentWait> {
    let op = parent.operation.as_ref()?;
    if !(op.phase.is_active() || op.phase.is_failure()) {
        return None;
    }
    let message = op.message.clone().unwrap_or_default();
    let parsed = parse_waiting(&message);
    Some(ParentWait {
        parent: parent.key.clone(),
        phase: op.phase.clone(),
        reason: parsed.as_ref().map(|p| p.0.clone()),
        waiting_for: parsed.as_ref().map(|p| p.1.clone()),
        more: parsed.map(|p| p.2).unwrap_or(0),
        message,
    })
}

fn wait_line(w: &ParentWait) -> String {
    if w.message.is_empty() {
        format!("{} sync {}", w.parent.name, w.phase)
    } else {
        format!("{} sync {}: {}", w.parent.name, w.phase, w.message)
    }
}

/// `waiting for <reason> <group>/<kind>/<name>[ and N more resources|hooks]` (gitops-engine
/// `setRunningPhase`).
fn parse_waiting(message: &str) -> Option<(String, ResourceRef, usize)> {
    let rest = message.strip_prefix("waiting for ")?;
    let (head, more) = match rest.rsplit_once(" and ") {
        Some((h, tail)) if tail.ends_with(" more resources") || tail.ends_with(" more hooks") => {
            let n = tail
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            (h, n)
        }
        _ => (rest, 0),
    };
    let (reason, path) = head.rsplit_once(' ')?;
    let mut parts = path.splitn(3, '/');
    let (group, kind, name) = (parts.next()?, parts.next()?, parts.next()?);
    if kind.is_empty() || name.is_empty() {
        return None;
    }
    Some((
        reason.to_string(),
        ResourceRef {
            group: group.into(),
            kind: kind.into(),
            namespace: String::new(),
            name: name.into(),
        },
        more,
    ))
}

#[cfg(test)]
mod tests;
