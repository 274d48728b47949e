//! A PodDisruptionBudget: its budget, selector and status counts.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::super::object::Value;
use super::super::object::de::{Error, Lax, int_or_string, lax};
use super::{Meta, View, body};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodDisruptionBudget {
    pub(crate) meta: Meta,
    /// `spec.minAvailable` as written (`1` or `50%`).
    pub(crate) min_available: Option<String>,
    pub(crate) max_unavailable: Option<String>,
    /// `spec.selector.matchLabels` (string values).
    pub(crate) match_labels: BTreeMap<String, String>,
    pub(crate) current_healthy: Option<i64>,
    pub(crate) desired_healthy: Option<i64>,
    pub(crate) disruptions_allowed: Option<i64>,
    pub(crate) expected_pods: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    #[serde(deserialize_with = "lax")]
    spec: Spec,
    #[serde(deserialize_with = "lax")]
    status: Status,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Spec {
    #[serde(deserialize_with = "lax")]
    min_available: Option<IntOrText>,
    #[serde(deserialize_with = "lax")]
    max_unavailable: Option<IntOrText>,
    #[serde(deserialize_with = "lax")]
    selector: Selector,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Selector {
    #[serde(deserialize_with = "lax")]
    match_labels: BTreeMap<String, Lax<Option<String>>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IntOrText {
    Int(serde_json::Number),
    Text(String),
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Status {
    #[serde(deserialize_with = "int_or_string")]
    current_healthy: Option<i64>,
    #[serde(deserialize_with = "int_or_string")]
    desired_healthy: Option<i64>,
    #[serde(deserialize_with = "int_or_string")]
    disruptions_allowed: Option<i64>,
    #[serde(deserialize_with = "int_or_string")]
    expected_pods: Option<i64>,
}

fn text(v: Option<IntOrText>) -> Option<String> {
    match v? {
        IntOrText::Int(n) => Some(n.to_string()),
        IntOrText::Text(s) => Some(s),
    }
}

impl View for PodDisruptionBudget {
    const API_VERSION: &'static str = "policy/v1";
    const KIND: &'static str = "PodDisruptionBudget";

    fn from_parts(meta: Meta, data: &Value) -> Result<Self, Error> {
        let b: Body = body(data)?;
        Ok(PodDisruptionBudget {
            meta,
            min_available: text(b.spec.min_available),
            max_unavailable: text(b.spec.max_unavailable),
            match_labels: b
                .spec
                .selector
                .match_labels
                .into_iter()
                .filter_map(|(k, Lax(v))| Some((k, v?)))
                .collect(),
            current_healthy: b.status.current_healthy,
            desired_healthy: b.status.desired_healthy,
            disruptions_allowed: b.status.disruptions_allowed,
            expected_pods: b.status.expected_pods,
        })
    }
}
