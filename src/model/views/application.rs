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
    pub meta: Meta,
    pub spec: AppSpec,
    pub status: AppStatus,
    /// The top-level `operation` (set while an operation is requested or running).
    pub operation: Option<RequestedOperation>,
    /// `spec` as written, for what a sync copies verbatim (sources, options, retry).
    pub spec_raw: Value,
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
    pub project: Option<String>,
    #[serde(deserialize_with = "present")]
    pub source: Option<AppSource>,
    /// `None` when absent or not a list.
    #[serde(deserialize_with = "lax")]
    pub sources: Option<Vec<Lax<AppSource>>>,
    #[serde(deserialize_with = "lax")]
    pub destination: Destination,
    #[serde(deserialize_with = "lax")]
    pub sync_policy: SyncPolicy,
}

impl AppSpec {
    /// `spec.sources` when it is a non-empty list.
    pub fn source_list(&self) -> Option<impl Iterator<Item = &AppSource>> {
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
    pub repo_url: String,
    #[serde(deserialize_with = "non_empty")]
    pub path: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub chart: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub target_revision: Option<String>,
    #[serde(rename = "ref", deserialize_with = "non_empty")]
    pub ref_name: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Destination {
    #[serde(deserialize_with = "lax")]
    pub name: String,
    #[serde(deserialize_with = "lax")]
    pub server: String,
    #[serde(deserialize_with = "lax")]
    pub namespace: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SyncPolicy {
    /// `None` unless `automated` is an object.
    #[serde(deserialize_with = "lax")]
    pub automated: Option<Automated>,
    #[serde(deserialize_with = "strings")]
    pub sync_options: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Automated {
    #[serde(deserialize_with = "lax")]
    pub enabled: Option<bool>,
    #[serde(deserialize_with = "lax")]
    pub prune: bool,
    #[serde(deserialize_with = "lax")]
    pub self_heal: bool,
    #[serde(deserialize_with = "lax")]
    pub allow_empty: bool,
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
    pub operation_state: Option<OperationState>,
    #[serde(deserialize_with = "lax_items")]
    pub history: Vec<HistoryEntry>,
    #[serde(deserialize_with = "lax")]
    pub resource_health_source: Option<String>,
    #[serde(deserialize_with = "lax_items")]
    pub resources: Vec<ResourceStatus>,
    #[serde(deserialize_with = "lax_items")]
    pub conditions: Vec<AppCondition>,
    #[serde(deserialize_with = "time")]
    pub reconciled_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SyncStatus {
    #[serde(deserialize_with = "lax")]
    pub status: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub revision: Option<String>,
    #[serde(deserialize_with = "strings")]
    pub revisions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HealthStatus {
    #[serde(deserialize_with = "lax")]
    pub status: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub message: Option<String>,
    #[serde(deserialize_with = "time")]
    pub last_transition_time: Option<Timestamp>,
}

/// `status.operationState`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OperationState {
    #[serde(deserialize_with = "lax")]
    pub phase: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub message: Option<String>,
    #[serde(deserialize_with = "time")]
    pub started_at: Option<Timestamp>,
    #[serde(deserialize_with = "time")]
    pub finished_at: Option<Timestamp>,
    #[serde(deserialize_with = "int_or_string")]
    pub retry_count: Option<i64>,
    #[serde(deserialize_with = "lax")]
    pub operation: RequestedOperation,
    #[serde(deserialize_with = "lax")]
    pub sync_result: SyncResult,
}

/// An operation: who asked, and for which revision.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RequestedOperation {
    #[serde(deserialize_with = "lax")]
    pub initiated_by: InitiatedBy,
    #[serde(deserialize_with = "lax")]
    pub sync: SyncRequested,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SyncRequested {
    #[serde(deserialize_with = "non_empty")]
    pub revision: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct InitiatedBy {
    #[serde(deserialize_with = "non_empty")]
    pub username: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub automated: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SyncResult {
    #[serde(deserialize_with = "non_empty")]
    pub revision: Option<String>,
    #[serde(deserialize_with = "lax_items")]
    pub resources: Vec<SyncResultResource>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SyncResultResource {
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
    pub hook_phase: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub hook_type: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub sync_phase: Option<String>,
}

/// One `status.resources` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceStatus {
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
    pub hook: bool,
    #[serde(deserialize_with = "lax")]
    pub requires_pruning: bool,
    #[serde(deserialize_with = "int_or_string")]
    pub sync_wave: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ResourceHealth {
    #[serde(deserialize_with = "lax")]
    pub status: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub message: Option<String>,
}

/// One `status.conditions` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppCondition {
    #[serde(rename = "type", deserialize_with = "lax")]
    pub kind: String,
    #[serde(deserialize_with = "lax")]
    pub message: String,
    #[serde(deserialize_with = "time")]
    pub last_transition_time: Option<Timestamp>,
}

/// One `status.history` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HistoryEntry {
    #[serde(deserialize_with = "lax")]
    pub id: Option<i64>,
    #[serde(deserialize_with = "lax")]
    pub revision: Option<String>,
    /// `None` when absent or not a list.
    #[serde(deserialize_with = "lax")]
    pub revisions: Option<Vec<Lax<Option<String>>>>,
    #[serde(deserialize_with = "time")]
    pub deployed_at: Option<Timestamp>,
    #[serde(deserialize_with = "lax")]
    pub initiated_by: Option<InitiatedBy>,
}
