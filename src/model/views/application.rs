//! An Argo CD Application (`argoproj.io/v1alpha1`): what the sync waves pane reads.

use jiff::Timestamp;
use serde::Deserialize;

use super::super::object::Value;
use super::super::object::de::{
    Error, Lax, int_or_string, lax, lax_items, non_empty, present, strings, time,
};
use super::{Meta, View, body};

/// An Application: metadata, `spec`, `status` and the requested `operation`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Application {
    pub(crate) meta: Meta,
    pub spec: AppSpec,
    pub status: AppStatus,
    /// The top-level `operation` (set while an operation is requested or running).
    pub operation: Option<RequestedOperation>,
    /// `spec` as written, for what a sync copies verbatim (sources, options, retry).
    pub(crate) spec_raw: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    #[serde(deserialize_with = "lax")]
    spec: AppSpec,
    #[serde(deserialize_with = "lax")]
    status: AppStatus,
    #[serde(deserialize_with = "present")]
    operation: Option<RequestedOperation>,
}

impl View for Application {
    const API_VERSION: &'static str = "argoproj.io/v1alpha1";
    const KIND: &'static str = "Application";

    fn from_parts(meta: Meta, data: &Value) -> Result<Self, Error> {
        let b: Body = body(data)?;
        Ok(Application {
            meta,
            spec: b.spec,
            status: b.status,
            operation: b.operation,
            spec_raw: data.get("spec").cloned().unwrap_or_default(),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppSpec {
    #[serde(deserialize_with = "lax")]
    pub(crate) project: Option<String>,
    #[serde(deserialize_with = "present")]
    pub source: Option<AppSource>,
    /// `None` when absent or not a list.
    #[serde(deserialize_with = "lax")]
    pub sources: Option<Vec<Lax<AppSource>>>,
    #[serde(deserialize_with = "lax")]
    pub(crate) destination: Destination,
    #[serde(deserialize_with = "lax")]
    pub(crate) sync_policy: SyncPolicy,
}

impl AppSpec {
    /// `spec.sources` when it is a non-empty list.
    pub(crate) fn source_list(&self) -> Option<impl Iterator<Item = &AppSource>> {
        self.sources
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| s.iter().map(|l| &l.0))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppSource {
    #[serde(rename = "repoURL", deserialize_with = "lax")]
    pub(crate) repo_url: String,
    #[serde(deserialize_with = "non_empty")]
    pub path: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub chart: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub(crate) target_revision: Option<String>,
    #[serde(rename = "ref", deserialize_with = "non_empty")]
    pub(crate) ref_name: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct Destination {
    #[serde(deserialize_with = "lax")]
    pub name: String,
    #[serde(deserialize_with = "lax")]
    pub server: String,
    #[serde(deserialize_with = "lax")]
    pub namespace: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SyncPolicy {
    /// `None` unless `automated` is an object.
    #[serde(deserialize_with = "lax")]
    pub(crate) automated: Option<Automated>,
    #[serde(deserialize_with = "strings")]
    pub(crate) sync_options: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Automated {
    #[serde(deserialize_with = "lax")]
    pub(crate) enabled: Option<bool>,
    #[serde(deserialize_with = "lax")]
    pub prune: bool,
    #[serde(deserialize_with = "lax")]
    pub(crate) self_heal: bool,
    #[serde(deserialize_with = "lax")]
    pub(crate) allow_empty: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppStatus {
    #[serde(deserialize_with = "lax")]
    pub sync: SyncStatus,
    #[serde(deserialize_with = "lax")]
    pub health: HealthStatus,
    /// `None` unless it is an object with a `phase`.
    #[serde(deserialize_with = "lax")]
    pub(crate) operation_state: Option<OperationState>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) history: Vec<HistoryEntry>,
    #[serde(deserialize_with = "lax")]
    pub(crate) resource_health_source: Option<String>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) resources: Vec<ResourceStatus>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) conditions: Vec<AppCondition>,
    #[serde(deserialize_with = "time")]
    pub(crate) reconciled_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SyncStatus {
    #[serde(deserialize_with = "lax")]
    pub status: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub(crate) revision: Option<String>,
    #[serde(deserialize_with = "strings")]
    pub(crate) revisions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HealthStatus {
    #[serde(deserialize_with = "lax")]
    pub status: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub message: Option<String>,
    #[serde(deserialize_with = "time")]
    pub(crate) last_transition_time: Option<Timestamp>,
}

/// `status.operationState`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct OperationState {
    #[serde(deserialize_with = "lax")]
    pub phase: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub message: Option<String>,
    #[serde(deserialize_with = "time")]
    pub(crate) started_at: Option<Timestamp>,
    #[serde(deserialize_with = "time")]
    pub(crate) finished_at: Option<Timestamp>,
    #[serde(deserialize_with = "int_or_string")]
    pub(crate) retry_count: Option<i64>,
    #[serde(deserialize_with = "lax")]
    pub operation: RequestedOperation,
    #[serde(deserialize_with = "lax")]
    pub(crate) sync_result: SyncResult,
}

/// An operation: who asked, and for which revision.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RequestedOperation {
    #[serde(deserialize_with = "lax")]
    pub(crate) initiated_by: InitiatedBy,
    #[serde(deserialize_with = "lax")]
    pub sync: SyncRequested,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SyncRequested {
    #[serde(deserialize_with = "non_empty")]
    pub(crate) revision: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct InitiatedBy {
    #[serde(deserialize_with = "non_empty")]
    pub username: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub(crate) automated: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct SyncResult {
    #[serde(deserialize_with = "non_empty")]
    pub(crate) revision: Option<String>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) resources: Vec<SyncResultResource>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SyncResultResource {
    #[serde(deserialize_with = "lax")]
    pub group: String,
    #[serde(deserialize_with = "lax")]
    pub kind: String,
    #[serde(deserialize_with = "lax")]
    pub namespace: String,
    #[serde(deserialize_with = "lax")]
    pub name: String,
    #[serde(deserialize_with = "lax")]
    pub status: String,
    #[serde(deserialize_with = "non_empty")]
    pub message: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub(crate) hook_phase: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub(crate) hook_type: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub(crate) sync_phase: Option<String>,
}

/// One `status.resources` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ResourceStatus {
    #[serde(deserialize_with = "lax")]
    pub group: String,
    #[serde(deserialize_with = "lax")]
    pub kind: String,
    #[serde(deserialize_with = "lax")]
    pub namespace: String,
    #[serde(deserialize_with = "lax")]
    pub name: String,
    #[serde(deserialize_with = "lax")]
    pub version: String,
    #[serde(deserialize_with = "lax")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub health: ResourceHealth,
    #[serde(deserialize_with = "lax")]
    pub(crate) hook: bool,
    #[serde(deserialize_with = "lax")]
    pub(crate) requires_pruning: bool,
    #[serde(deserialize_with = "int_or_string")]
    pub(crate) sync_wave: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct ResourceHealth {
    #[serde(deserialize_with = "lax")]
    pub status: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub message: Option<String>,
}

/// One `status.conditions` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct AppCondition {
    #[serde(rename = "type", deserialize_with = "lax")]
    pub kind: String,
    #[serde(deserialize_with = "lax")]
    pub message: String,
    #[serde(deserialize_with = "time")]
    pub(crate) last_transition_time: Option<Timestamp>,
}

/// One `status.history` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct HistoryEntry {
    #[serde(deserialize_with = "lax")]
    pub id: Option<i64>,
    #[serde(deserialize_with = "lax")]
    pub(crate) revision: Option<String>,
    /// `None` when absent or not a list.
    #[serde(deserialize_with = "lax")]
    pub(crate) revisions: Option<Vec<Lax<Option<String>>>>,
    #[serde(deserialize_with = "time")]
    pub(crate) deployed_at: Option<Timestamp>,
    #[serde(deserialize_with = "lax")]
    pub(crate) initiated_by: Option<InitiatedBy>,
}
