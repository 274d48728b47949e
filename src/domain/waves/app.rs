//! One Application as the pane shows it, read from the JSON the API returns.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;

use super::tree::ParentLink;
use super::{GROUP, KIND, annotation};
use crate::model::views::Application;
use crate::model::views::application::{
    AppSource, InitiatedBy, OperationState, ResourceStatus, SyncResultResource,
};
use crate::model::views::{Meta, group_of};

/// Namespace and name of an Application.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AppKey {
    pub namespace: String,
    pub name: String,
}

impl AppKey {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        AppKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for AppKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// The sync wave of an Application, as Argo CD computes it (`syncwaves.Wave`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Wave {
    /// The wave Argo CD uses: the annotation when it is an integer, else the
    /// `helm.sh/hook-weight` annotation when that is one, else 0.
    pub value: i64,
    /// The annotation text as written, when present.
    pub raw: Option<String>,
    /// Why `raw` is not a wave (not an integer).
    pub error: Option<String>,
}

impl Wave {
    /// Reads `argocd.argoproj.io/sync-wave` from `metadata.annotations`.
    pub(crate) fn of(meta: &Meta) -> Wave {
        let ann = |key: &str| meta.annotation(key);
        let weight = || {
            ann(annotation::HELM_HOOK_WEIGHT)
                .and_then(|w| w.parse::<i64>().ok())
                .unwrap_or(0)
        };
        match ann(annotation::SYNC_WAVE) {
            None => Wave {
                value: weight(),
                raw: None,
                error: None,
            },
            // Go's strconv.Atoi: optional sign, digits, no spaces. Rust's parse is the same.
            Some(raw) => match raw.parse::<i64>() {
                Ok(value) => Wave {
                    value,
                    raw: Some(raw.to_string()),
                    error: None,
                },
                Err(e) => Wave {
                    value: weight(),
                    raw: Some(raw.to_string()),
                    error: Some(format!(
                        "{} {raw:?} is not an integer ({e})",
                        annotation::SYNC_WAVE
                    )),
                },
            },
        }
    }

    /// A wave known only from a parent's `status.resources[].syncWave`.
    pub(crate) fn declared(value: i64) -> Wave {
        Wave {
            value,
            raw: None,
            error: None,
        }
    }
}

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this build does not know, kept as written.
            Other(String),
        }

        impl $name {
            pub fn parse(text: &str) -> Self {
                match text {
                    $(stringify!($variant) => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => stringify!($variant),)+
                    $name::Other(s) => s,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_enum!(
    /// `status.sync.status` (and `status.resources[].status`).
    SyncCode { Synced, OutOfSync, Unknown }
);

code_enum!(
    /// `status.health.status` (and `status.resources[].health.status`).
    HealthCode { Healthy, Progressing, Degraded, Suspended, Missing, Unknown }
);

code_enum!(
    /// `status.operationState.phase`.
    OperationPhase { Running, Terminating, Failed, Error, Succeeded }
);

impl HealthCode {
    /// Argo CD's order of badness (`health.IsWorse`): Healthy < Suspended < Progressing <
    /// Missing < Degraded < Unknown.
    pub(crate) fn badness(&self) -> u8 {
        match self {
            HealthCode::Healthy => 0,
            HealthCode::Suspended => 1,
            HealthCode::Progressing => 2,
            HealthCode::Missing => 3,
            HealthCode::Degraded => 4,
            HealthCode::Unknown | HealthCode::Other(_) => 5,
        }
    }

    /// Counts as unhealthy in the resource counts (everything but Healthy and Suspended).
    pub(crate) fn is_unhealthy(&self) -> bool {
        !matches!(self, HealthCode::Healthy | HealthCode::Suspended)
    }
}

impl OperationPhase {
    /// Running or Terminating.
    pub(crate) fn is_active(&self) -> bool {
        matches!(self, OperationPhase::Running | OperationPhase::Terminating)
    }

    /// Failed or Error.
    pub(crate) fn is_failure(&self) -> bool {
        matches!(self, OperationPhase::Failed | OperationPhase::Error)
    }
}

/// A Kubernetes object an Application manages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ResourceRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ResourceRef {
    fn of(group: &str, kind: &str, namespace: &str, name: &str) -> ResourceRef {
        ResourceRef {
            group: group.to_string(),
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// An Application (`argoproj.io`, kind Application).
    pub fn is_application(&self) -> bool {
        self.group == GROUP && self.kind == KIND
    }

    /// `group/kind/name` as Argo CD's operation messages write it (`/Service/web` for core).
    #[cfg(test)]
    pub(crate) fn argo_path(&self) -> String {
        format!("{}/{}/{}", self.group, self.kind, self.name)
    }
}

impl fmt::Display for ResourceRef {
    /// `Deployment cert-manager-webhook`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

/// One entry of `status.resources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSummary {
    pub(crate) resource: ResourceRef,
    pub version: String,
    pub sync: SyncCode,
    /// `None` when not stored (Argo CD ≥ 3.0 with `resourceHealthSource: appTree`) or for
    /// kinds without a health check.
    pub health: Option<HealthCode>,
    pub(crate) health_message: Option<String>,
    pub(crate) hook: bool,
    pub(crate) requires_pruning: bool,
    /// Omitted means 0.
    pub(crate) sync_wave: i64,
}

impl ResourceSummary {
    fn of(v: &ResourceStatus) -> ResourceSummary {
        ResourceSummary {
            resource: ResourceRef::of(&v.group, &v.kind, &v.namespace, &v.name),
            version: v.version.clone(),
            sync: SyncCode::parse(v.status.as_deref().unwrap_or("Unknown")),
            health: v.health.status.as_deref().map(HealthCode::parse),
            health_message: v.health.message.clone(),
            hook: v.hook,
            requires_pruning: v.requires_pruning,
            sync_wave: v.sync_wave.unwrap_or(0),
        }
    }
}

/// Who started an operation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Initiator {
    pub username: Option<String>,
    /// Started by the application controller (auto-sync, self-heal).
    pub(crate) automated: bool,
}

impl Initiator {
    fn of(v: &InitiatedBy) -> Initiator {
        Initiator {
            username: v.username.clone(),
            automated: v.automated,
        }
    }
}

impl fmt::Display for Initiator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.username, self.automated) {
            (Some(user), _) => f.write_str(user),
            (None, true) => f.write_str("automated sync"),
            (None, false) => f.write_str("unknown"),
        }
    }
}

/// One entry of `status.operationState.syncResult.resources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyncResultEntry {
    pub(crate) resource: ResourceRef,
    /// `Synced`, `SyncFailed`, `Pruned`, `PruneSkipped`.
    pub status: String,
    pub message: Option<String>,
    /// `Running`, `Succeeded`, `Failed`, … (also set for non-hook resources).
    pub(crate) hook_phase: Option<String>,
    pub(crate) hook_type: Option<String>,
    pub(crate) sync_phase: Option<String>,
}

/// `status.operationState`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationSummary {
    pub phase: OperationPhase,
    pub message: Option<String>,
    pub(crate) started_at: Option<Timestamp>,
    pub(crate) finished_at: Option<Timestamp>,
    pub(crate) retry_count: i64,
    pub(crate) initiated_by: Initiator,
    /// `syncResult.revision` (or the requested `operation.sync.revision`).
    pub(crate) revision: Option<String>,
    pub(crate) sync_result: Vec<SyncResultEntry>,
}

impl OperationSummary {
    fn of(v: &OperationState) -> Option<OperationSummary> {
        let phase = v.phase.as_deref()?;
        let sync_result = v
            .sync_result
            .resources
            .iter()
            .map(|r: &SyncResultResource| SyncResultEntry {
                resource: ResourceRef::of(&r.group, &r.kind, &r.namespace, &r.name),
                status: r.status.clone(),
                message: r.message.clone(),
                hook_phase: r.hook_phase.clone(),
                hook_type: r.hook_type.clone(),
                sync_phase: r.sync_phase.clone(),
            })
            .collect();
        Some(OperationSummary {
            phase: OperationPhase::parse(phase),
            message: v.message.clone(),
            started_at: v.started_at,
            finished_at: v.finished_at,
            retry_count: v.retry_count.unwrap_or(0),
            initiated_by: Initiator::of(&v.operation.initiated_by),
            revision: v
                .sync_result
                .revision
                .clone()
                .or_else(|| v.operation.sync.revision.clone()),
            sync_result,
        })
    }
}

/// `spec.syncPolicy.automated` and friends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AutoSync {
    /// `automated` is set and not `enabled: false`.
    pub(crate) enabled: bool,
    pub prune: bool,
    pub(crate) self_heal: bool,
    pub(crate) allow_empty: bool,
}

/// One source (`spec.source` or an entry of `spec.sources`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceSummary {
    pub(crate) repo_url: String,
    pub path: Option<String>,
    pub chart: Option<String>,
    pub(crate) target_revision: Option<String>,
    /// `ref` (a values-only source referenced as `$ref` by the others).
    pub(crate) ref_name: Option<String>,
    pub name: Option<String>,
}

impl SourceSummary {
    fn of(v: &AppSource) -> SourceSummary {
        SourceSummary {
            repo_url: v.repo_url.clone(),
            path: v.path.clone(),
            chart: v.chart.clone(),
            target_revision: v.target_revision.clone().filter(|t| !t.is_empty()),
            ref_name: v.ref_name.clone(),
            name: v.name.clone(),
        }
    }
}

/// One entry of `status.conditions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    /// `ComparisonError`, `SyncError`, `InvalidSpecError`, `OrphanedResourceWarning`, …
    pub kind: String,
    pub message: String,
    pub(crate) last_transition_time: Option<Timestamp>,
}

impl Condition {
    /// Argo CD: a condition is an error when its type ends in `Error`.
    pub(crate) fn is_error(&self) -> bool {
        self.kind.ends_with("Error")
    }

    pub(crate) fn is_warning(&self) -> bool {
        self.kind.ends_with("Warning")
    }
}

/// Signals of the parent Application, resolved later against the other apps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ParentHints {
    /// Application part of a `tracking-id` that names this very object.
    pub(crate) tracking_app: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// Names of owner Applications.
    pub(crate) owner_apps: Vec<String>,
}

/// One Application (or one a parent declares but has not created yet).
#[derive(Debug, Clone, PartialEq)]
pub struct AppSummary {
    pub key: AppKey,
    /// `false` for an Application known only from a parent's `status.resources`.
    pub exists: bool,
    pub(crate) project: String,
    pub wave: Wave,
    pub sync: SyncCode,
    pub health: HealthCode,
    pub(crate) health_message: Option<String>,
    /// `status.health.lastTransitionTime` (Argo CD ≥ 3.0).
    pub(crate) health_since: Option<Timestamp>,
    /// `status.operationState`: the running or the last operation.
    pub operation: Option<OperationSummary>,
    /// The top-level `operation` field: an operation requested or in progress.
    pub(crate) requested_operation: Option<Initiator>,
    /// Short revision(s) for display (7 characters of a Git SHA, chart versions as is).
    pub(crate) revision: Option<String>,
    /// Full revisions: `status.sync.revision`, or `revisions` of a multi-source app.
    pub(crate) revisions: Vec<String>,
    /// `operationState.finishedAt`, else the last history entry's `deployedAt`.
    pub(crate) last_synced: Option<Timestamp>,
    pub(crate) reconciled_at: Option<Timestamp>,
    pub(crate) auto_sync: AutoSync,
    pub(crate) sync_options: Vec<String>,
    pub(crate) out_of_sync: usize,
    /// `None` when resource health is not stored on the Application (Argo CD ≥ 3.0 default).
    pub(crate) unhealthy: Option<usize>,
    pub(crate) resources: Vec<ResourceSummary>,
    /// `status.resourceHealthSource` is not `appTree`.
    pub(crate) resource_health_stored: bool,
    pub(crate) conditions: Vec<Condition>,
    pub sources: Vec<SourceSummary>,
    /// `spec.destination`: `server` or `name`, then `namespace`.
    pub(crate) destination: String,
    /// Filled in by [`super::WavesModel::build`].
    pub parent: Option<ParentLink>,
    /// Owning ApplicationSet, if any.
    pub(crate) application_set: Option<String>,
    /// `metadata.deletionTimestamp` is set.
    pub(crate) deleting: bool,
    pub(crate) hints: ParentHints,
}

impl AppSummary {
    /// Reads an Application; `None` when it has no name.
    pub(crate) fn of(obj: &Application) -> Option<AppSummary> {
        let meta = &obj.meta;
        if meta.name.is_empty() {
            return None;
        }
        let key = AppKey::new(meta.namespace.clone(), meta.name.clone());
        let status = &obj.status;

        let operation = status
            .operation_state
            .as_ref()
            .and_then(OperationSummary::of);
        let requested_operation = obj
            .operation
            .as_ref()
            .map(|o| Initiator::of(&o.initiated_by));

        let mut revisions: Vec<String> = match &status.sync.revision {
            Some(r) => vec![r.clone()],
            None => status.sync.revisions.clone(),
        };
        revisions.retain(|r| !r.is_empty());
        let revision = (!revisions.is_empty()).then(|| {
            revisions
                .iter()
                .map(|r| short_revision(r))
                .collect::<Vec<_>>()
                .join(",")
        });

        let last_synced = operation
            .as_ref()
            .and_then(|op| op.finished_at)
            .or_else(|| status.history.last().and_then(|h| h.deployed_at));

        let auto_sync = match &obj.spec.sync_policy.automated {
            Some(a) => AutoSync {
                enabled: a.enabled != Some(false),
                prune: a.prune,
                self_heal: a.self_heal,
                allow_empty: a.allow_empty,
            },
            None => AutoSync::default(),
        };

        let resource_health_stored = status.resource_health_source.as_deref() != Some("appTree");
        let resources: Vec<ResourceSummary> =
            status.resources.iter().map(ResourceSummary::of).collect();
        let out_of_sync = resources
            .iter()
            .filter(|r| r.sync == SyncCode::OutOfSync)
            .count();
        let unhealthy = resource_health_stored.then(|| {
            resources
                .iter()
                .filter(|r| r.health.as_ref().is_some_and(HealthCode::is_unhealthy))
                .count()
        });

        let conditions = status
            .conditions
            .iter()
            .map(|c| Condition {
                kind: c.kind.clone(),
                message: c.message.clone(),
                last_transition_time: c.last_transition_time,
            })
            .collect();

        let sources = match obj.spec.source_list() {
            Some(list) => list.map(SourceSummary::of).collect(),
            None => obj
                .spec
                .source
                .as_ref()
                .map(|s| vec![SourceSummary::of(s)])
                .unwrap_or_default(),
        };

        let dest = &obj.spec.destination;
        let target = [dest.name.as_str(), dest.server.as_str()]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or("");
        let destination = match (target, dest.namespace.as_str()) {
            (t, "") => t.to_string(),
            ("", ns) => ns.to_string(),
            (t, ns) => format!("{t} {ns}"),
        };

        let owner_of_kind = |kind: &str| {
            meta.owners
                .iter()
                .filter(|o| o.kind == kind && group_of(&o.api_version) == GROUP)
                .filter(|o| !o.name.is_empty())
                .map(|o| o.name.clone())
                .collect::<Vec<_>>()
        };

        let hints = ParentHints {
            tracking_app: tracking_parent(meta, &key),
            labels: meta.labels.clone(),
            owner_apps: owner_of_kind(KIND),
        };

        Some(AppSummary {
            exists: true,
            project: obj
                .spec
                .project
                .clone()
                .unwrap_or_else(|| "default".to_string()),
            wave: Wave::of(meta),
            sync: SyncCode::parse(status.sync.status.as_deref().unwrap_or("Unknown")),
            health: HealthCode::parse(status.health.status.as_deref().unwrap_or("Unknown")),
            health_message: status.health.message.clone(),
            health_since: status.health.last_transition_time,
            operation,
            requested_operation,
            revision,
            revisions,
            last_synced,
            reconciled_at: status.reconciled_at,
            auto_sync,
            sync_options: obj.spec.sync_policy.sync_options.clone(),
            out_of_sync,
            unhealthy,
            resources,
            resource_health_stored,
            conditions,
            sources,
            destination,
            parent: None,
            application_set: owner_of_kind("ApplicationSet").into_iter().next(),
            deleting: meta.deleting,
            hints,
            key,
        })
    }

    /// An Application a parent lists in `status.resources` that does not exist (yet).
    pub(crate) fn declared(entry: &ResourceSummary, parent: ParentLink) -> AppSummary {
        let res = &entry.resource;
        AppSummary {
            key: AppKey::new(res.namespace.clone(), res.name.clone()),
            exists: false,
            project: String::new(),
            wave: Wave::declared(entry.sync_wave),
            sync: entry.sync.clone(),
            health: entry.health.clone().unwrap_or(HealthCode::Missing),
            health_message: entry.health_message.clone(),
            health_since: None,
            operation: None,
            requested_operation: None,
            revision: None,
            revisions: Vec::new(),
            last_synced: None,
            reconciled_at: None,
            auto_sync: AutoSync::default(),
            sync_options: Vec::new(),
            out_of_sync: 0,
            unhealthy: None,
            resources: Vec::new(),
            resource_health_stored: false,
            conditions: Vec::new(),
            sources: Vec::new(),
            destination: String::new(),
            parent: Some(parent),
            application_set: None,
            deleting: false,
            hints: ParentHints::default(),
        }
    }

    /// Synced and Healthy: nothing left for this app in a rollout.
    pub(crate) fn is_done(&self) -> bool {
        self.exists && self.sync == SyncCode::Synced && self.health == HealthCode::Healthy
    }

    /// The running operation, if any.
    pub(crate) fn running_operation(&self) -> Option<&OperationSummary> {
        self.operation.as_ref().filter(|op| op.phase.is_active())
    }

    /// The Application children this app manages (from its `status.resources`).
    pub(crate) fn declared_children(&self) -> impl Iterator<Item = &ResourceSummary> {
        self.resources
            .iter()
            .filter(|r| r.resource.is_application())
    }

    pub(crate) fn error_conditions(&self) -> impl Iterator<Item = &Condition> {
        self.conditions.iter().filter(|c| c.is_error())
    }
}

/// The parent named by a tracking-id that points at this very object; `None` otherwise (a
/// tracking-id copied from elsewhere does not make Argo CD track the object either).
fn tracking_parent(meta: &Meta, key: &AppKey) -> Option<String> {
    let id = meta.annotation(annotation::TRACKING_ID)?;
    // <app>:<group>/<kind>:<namespace>/<name> (util/argo/resource_tracking.go)
    let mut parts = id.splitn(3, ':');
    let (app, gk, nsn) = (parts.next()?, parts.next()?, parts.next()?);
    let (group, kind) = gk.split_once('/')?;
    let (ns, name) = nsn.split_once('/')?;
    let ns_matches = ns.is_empty() || ns == key.namespace;
    (group == GROUP && kind == KIND && name == key.name && ns_matches && !app.is_empty())
        .then(|| app.to_string())
}

/// 7 characters of a 40-character Git SHA; anything else (chart versions, tags) as is.
pub(crate) fn short_revision(revision: &str) -> String {
    let is_sha = revision.len() == 40 && revision.chars().all(|c| c.is_ascii_hexdigit());
    if is_sha {
        revision[..7].to_string()
    } else {
        revision.to_string()
    }
}

#[cfg(test)]
mod tests;
