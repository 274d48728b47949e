//! A CloudNativePG Cluster (`postgresql.cnpg.io/v1`): what the CNPG pane reads.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;

use super::super::object::Value;
use super::super::object::de::{
    Error, Lax, int_or_string, lax, lax_items, non_empty, present, strings, time,
};
use super::pod::Condition;
use super::{Meta, View, body};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cluster {
    pub(crate) meta: Meta,
    pub spec: ClusterSpec,
    pub status: ClusterStatus,
    /// `status.conditions` as written (a promote rewrites the list).
    pub(crate) conditions_raw: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    #[serde(deserialize_with = "lax")]
    spec: ClusterSpec,
    #[serde(deserialize_with = "lax")]
    status: ClusterStatus,
}

impl View for Cluster {
    const API_VERSION: &'static str = "postgresql.cnpg.io/v1";
    const KIND: &'static str = "Cluster";

    fn from_parts(meta: Meta, data: &Value) -> Result<Self, Error> {
        let b: Body = body(data)?;
        Ok(Cluster {
            meta,
            spec: b.spec,
            status: b.status,
            conditions_raw: data
                .get("status")
                .and_then(|s| s.get("conditions"))
                .cloned()
                .unwrap_or_default(),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ClusterSpec {
    #[serde(deserialize_with = "int_or_string")]
    pub instances: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterStatus {
    #[serde(deserialize_with = "lax")]
    pub phase: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub(crate) phase_reason: Option<String>,
    #[serde(deserialize_with = "int_or_string")]
    pub instances: Option<i64>,
    #[serde(deserialize_with = "int_or_string")]
    pub(crate) ready_instances: Option<i64>,
    #[serde(deserialize_with = "non_empty")]
    pub(crate) current_primary: Option<String>,
    #[serde(deserialize_with = "non_empty")]
    pub(crate) target_primary: Option<String>,
    #[serde(rename = "timelineID", deserialize_with = "int_or_string")]
    pub timeline_id: Option<i64>,
    #[serde(deserialize_with = "time")]
    pub(crate) current_primary_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "time")]
    pub(crate) target_primary_timestamp: Option<Timestamp>,
    /// As written (the timeline compares the text).
    #[serde(deserialize_with = "non_empty")]
    pub(crate) current_primary_failing_since_timestamp: Option<String>,
    #[serde(deserialize_with = "strings")]
    pub(crate) instance_names: Vec<String>,
    /// `None` when the operator has not written it.
    #[serde(deserialize_with = "present")]
    pub(crate) instances_status: Option<InstancesStatus>,
    #[serde(deserialize_with = "lax")]
    pub(crate) instances_reported_state: BTreeMap<String, Lax<ReportedState>>,
    #[serde(deserialize_with = "lax_items")]
    pub(crate) conditions: Vec<Condition>,
}

/// `status.instancesStatus`: instance names by group.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct InstancesStatus {
    #[serde(deserialize_with = "strings")]
    pub healthy: Vec<String>,
    #[serde(deserialize_with = "strings")]
    pub(crate) replicating: Vec<String>,
    #[serde(deserialize_with = "strings")]
    pub failed: Vec<String>,
}

/// One entry of `status.instancesReportedState`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct ReportedState {
    #[serde(rename = "timeLineID", deserialize_with = "int_or_string")]
    pub timeline_id: Option<i64>,
}

impl Cluster {
    /// The instances `status.instancesStatus` lists as healthy.
    pub fn healthy(&self) -> &[String] {
        self.status
            .instances_status
            .as_ref()
            .map_or(&[], |s| s.healthy.as_slice())
    }

    /// The timeline an instance last reported.
    pub(crate) fn reported_timeline(&self, instance: &str) -> Option<i64> {
        self.status
            .instances_reported_state
            .get(instance)
            .and_then(|s| s.0.timeline_id)
    }
}
