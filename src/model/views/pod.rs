//! A Pod: where it runs, its phase and the state of its containers.

use serde::Deserialize;

use super::super::object::Value;
use std::collections::BTreeMap;

use super::super::object::de::{
    Error, Lax, int_or_string, lax, lax_items, non_empty, strings, time,
};
use super::node::{Resources, Taint};
use super::{Meta, View, body};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pod {
    pub(crate) meta: Meta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    #[serde(deserialize_with = "lax")]
    spec: PodSpec,
    #[serde(deserialize_with = "lax")]
    status: PodStatus,
}

impl View for Pod {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "Pod";

    fn from_parts(meta: Meta, data: &Value) -> Result<Self, Error> {
        let b: Body = body(data)?;
        Ok(Pod {
            meta,
            spec: b.spec,
            status: b.status,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(deserialize_with = "non_empty")]
    pub(crate) node_name: Option<String>,
    #[serde(deserialize_with = "lax_items")]
    pub containers: Vec<Container>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) init_containers: Vec<Container>,
    #[serde(deserialize_with = "lax_items")]
    pub tolerations: Vec<Toleration>,
    /// `spec.nodeSelector` (entries whose value is not text are left out).
    #[serde(deserialize_with = "text_map")]
    pub(crate) node_selector: BTreeMap<String, String>,
    #[serde(deserialize_with = "lax")]
    pub(crate) affinity: Affinity,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Container {
    #[serde(deserialize_with = "lax")]
    pub name: String,
    #[serde(deserialize_with = "lax")]
    pub(crate) resources: ContainerResources,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct ContainerResources {
    #[serde(deserialize_with = "lax")]
    pub requests: Resources,
}

/// One `spec.tolerations` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(default)]
pub struct Toleration {
    #[serde(deserialize_with = "lax")]
    pub key: String,
    /// `Equal` when not given.
    #[serde(deserialize_with = "lax")]
    pub(crate) operator: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub value: String,
    #[serde(deserialize_with = "lax")]
    pub effect: String,
}

impl Toleration {
    /// Whether it tolerates the taint (Kubernetes' matching rules: an empty key with
    /// `Exists` matches every key, an empty effect every effect).
    pub(crate) fn tolerates(&self, taint: &Taint) -> bool {
        let exists = self.operator.as_deref() == Some("Exists");
        let key_ok = self.key.is_empty() && exists || self.key == taint.key;
        let value_ok = exists || self.value == taint.value;
        let effect_ok = self.effect.is_empty() || self.effect == taint.effect;
        key_ok && value_ok && effect_ok
    }
}

/// What the panes read of `spec.affinity`: the required node affinity.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Affinity {
    #[serde(deserialize_with = "lax")]
    pub(crate) node_affinity: NodeAffinity,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct NodeAffinity {
    #[serde(
        rename = "requiredDuringSchedulingIgnoredDuringExecution",
        deserialize_with = "lax"
    )]
    pub(crate) required: NodeSelector,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct NodeSelector {
    /// ORed; the requirements of one term are ANDed.
    #[serde(deserialize_with = "lax_items")]
    pub(crate) node_selector_terms: Vec<NodeSelectorTerm>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct NodeSelectorTerm {
    #[serde(deserialize_with = "lax_items")]
    pub(crate) match_expressions: Vec<Requirement>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) match_fields: Vec<Requirement>,
}

/// A `matchExpressions` / `matchFields` requirement: `key operator values`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct Requirement {
    #[serde(deserialize_with = "lax")]
    pub key: String,
    #[serde(deserialize_with = "lax")]
    pub(crate) operator: String,
    #[serde(deserialize_with = "strings")]
    pub values: Vec<String>,
}

/// A map whose values are text; entries of another type are left out, not a map is empty.
fn text_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let m: BTreeMap<String, Lax<Option<String>>> = lax(d)?;
    Ok(m.into_iter()
        .filter_map(|(k, Lax(v))| Some((k, v?)))
        .collect())
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodStatus {
    #[serde(deserialize_with = "lax")]
    pub phase: Option<String>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) init_container_statuses: Vec<ContainerStatus>,
    #[serde(deserialize_with = "lax_items")]
    pub container_statuses: Vec<ContainerStatus>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) conditions: Vec<Condition>,
}

/// One entry of `status.conditions` (of a pod, a node, a Cluster…).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Condition {
    #[serde(rename = "type", deserialize_with = "lax")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub reason: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub message: Option<String>,
    #[serde(deserialize_with = "time")]
    pub(crate) last_transition_time: Option<jiff::Timestamp>,
}

impl Condition {
    /// This condition's type is `kind` and its status `True`.
    pub(crate) fn is_true(&self, kind: &str) -> bool {
        self.kind.as_deref() == Some(kind) && self.status.as_deref() == Some("True")
    }
}

impl Pod {
    /// It has ended (`Succeeded` or `Failed`): it no longer counts against its node.
    pub fn finished(&self) -> bool {
        matches!(self.status.phase.as_deref(), Some("Succeeded" | "Failed"))
    }

    /// A DaemonSet owns it.
    pub(crate) fn daemonset(&self) -> bool {
        self.meta.owners.iter().any(|o| o.kind == "DaemonSet")
    }

    /// The `Ready` condition is `True`.
    pub(crate) fn is_ready(&self) -> bool {
        self.status.conditions.iter().any(|c| c.is_true("Ready"))
    }
}

/// One entry of `status.containerStatuses` (or `initContainerStatuses`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus {
    #[serde(deserialize_with = "lax")]
    pub name: String,
    #[serde(deserialize_with = "lax")]
    pub ready: bool,
    #[serde(deserialize_with = "int_or_string")]
    pub(crate) restart_count: Option<i64>,
    #[serde(deserialize_with = "lax")]
    pub state: ContainerState,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ContainerState {
    #[serde(deserialize_with = "lax")]
    pub(crate) waiting: Option<Waiting>,
    #[serde(deserialize_with = "lax")]
    pub(crate) terminated: Option<Terminated>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct Waiting {
    #[serde(deserialize_with = "lax")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Terminated {
    #[serde(deserialize_with = "int_or_string")]
    pub(crate) exit_code: Option<i64>,
    #[serde(deserialize_with = "lax")]
    pub reason: Option<String>,
}

impl ContainerStatus {
    /// The waiting reason, or for a container that exited non-zero its reason (`Error`
    /// when it gives none).
    pub(crate) fn problem(&self) -> Option<&str> {
        if let Some(reason) = self
            .state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty())
        {
            return Some(reason);
        }
        let t = self.state.terminated.as_ref()?;
        t.exit_code
            .is_some_and(|c| c != 0)
            .then(|| t.reason.as_deref().unwrap_or("Error"))
    }
}
