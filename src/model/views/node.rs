//! A Node: its labels (pool, zone, instance type), taints, whether it is cordoned, what it
//! can hold and its conditions, as the node pools and CNPG panes and the why-Pending panel
//! read them.

use serde::Deserialize;

use super::super::object::Value;
use super::super::object::de::{Error, lax, lax_items, quantity};
use super::pod::Condition;
use super::{Meta, View, body};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub(crate) meta: Meta,
    pub spec: NodeSpec,
    pub status: NodeStatus,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    #[serde(deserialize_with = "lax")]
    spec: NodeSpec,
    #[serde(deserialize_with = "lax")]
    status: NodeStatus,
}

impl View for Node {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "Node";

    fn from_parts(meta: Meta, data: &Value) -> Result<Self, Error> {
        let b: Body = body(data)?;
        Ok(Node {
            meta,
            spec: b.spec,
            status: b.status,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct NodeSpec {
    #[serde(deserialize_with = "lax")]
    pub(crate) unschedulable: bool,
    #[serde(deserialize_with = "lax_items")]
    pub taints: Vec<Taint>,
}

/// One `spec.taints` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(default)]
pub struct Taint {
    #[serde(deserialize_with = "lax")]
    pub key: String,
    #[serde(deserialize_with = "lax")]
    pub value: String,
    #[serde(deserialize_with = "lax")]
    pub effect: String,
}

impl Taint {
    /// From the text form EKS node groups list (`key=value:Effect`).
    pub fn parse(text: &str) -> Taint {
        let (kv, effect) = text.rsplit_once(':').unwrap_or((text, ""));
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        Taint {
            key: key.to_string(),
            value: value.to_string(),
            effect: effect.to_string(),
        }
    }

    /// As Kubernetes shows it: `key=value:Effect` (`key:Effect` without a value).
    pub fn text(&self) -> String {
        let (key, effect) = (&self.key, &self.effect);
        if self.value.is_empty() {
            format!("{key}:{effect}")
        } else {
            format!("{key}={}:{effect}", self.value)
        }
    }

    /// Keeps pods off the node (`PreferNoSchedule` only steers them).
    pub fn blocks(&self) -> bool {
        matches!(self.effect.as_str(), "NoSchedule" | "NoExecute")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct NodeStatus {
    #[serde(deserialize_with = "lax")]
    pub(crate) allocatable: Resources,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) conditions: Vec<Condition>,
}

/// The quantities of a resource list (`requests`, `allocatable`) the panes read, as written
/// (`500m`, `2Gi`; a bare number is taken as its text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(default)]
pub(crate) struct Resources {
    #[serde(deserialize_with = "quantity")]
    pub cpu: Option<String>,
    #[serde(deserialize_with = "quantity")]
    pub(crate) memory: Option<String>,
    #[serde(deserialize_with = "quantity")]
    pub pods: Option<String>,
}

impl Node {
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The status of the condition `kind` (`Ready`, `MemoryPressure`…).
    pub(crate) fn condition(&self, kind: &str) -> Option<&str> {
        self.status
            .conditions
            .iter()
            .find(|c| c.kind.as_deref() == Some(kind))
            .and_then(|c| c.status.as_deref())
    }
}
