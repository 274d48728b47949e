//! A Deployment, StatefulSet, DaemonSet, PersistentVolumeClaim or Pod: the replica counts,
//! phase and container states that say what is visibly wrong with it.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::super::object::Value;
use super::super::object::de::{Error, int_or_string, lax, lax_items};
use super::pod::ContainerStatus;
use super::{Meta, View, body};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workload {
    pub(crate) meta: Meta,
    pub spec: WorkloadSpec,
    pub status: WorkloadStatus,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    #[serde(deserialize_with = "lax")]
    spec: WorkloadSpec,
    #[serde(deserialize_with = "lax")]
    status: WorkloadStatus,
}

impl View for Workload {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "";

    fn from_parts(meta: Meta, data: &Value) -> Result<Self, Error> {
        let b: Body = body(data)?;
        Ok(Workload {
            meta,
            spec: b.spec,
            status: b.status,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct WorkloadSpec {
    #[serde(deserialize_with = "int_or_string")]
    pub replicas: Option<i64>,
    #[serde(deserialize_with = "lax")]
    pub selector: Selector,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Selector {
    #[serde(deserialize_with = "lax")]
    pub(crate) match_labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WorkloadStatus {
    #[serde(deserialize_with = "int_or_string")]
    pub(crate) available_replicas: Option<i64>,
    #[serde(deserialize_with = "int_or_string")]
    pub ready_replicas: Option<i64>,
    #[serde(deserialize_with = "int_or_string")]
    pub(crate) desired_number_scheduled: Option<i64>,
    #[serde(deserialize_with = "int_or_string")]
    pub(crate) number_available: Option<i64>,
    #[serde(deserialize_with = "lax")]
    pub phase: Option<String>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) init_container_statuses: Vec<ContainerStatus>,
    #[serde(deserialize_with = "lax_items")]
    pub container_statuses: Vec<ContainerStatus>,
}
