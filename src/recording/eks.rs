//! The `eks:` section of a recording: what the EKS API answered.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `eks:` section of a recording: what DescribeCluster / DescribeNodegroup answered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EksRecording {
    /// `cluster` objects as DescribeCluster returns them (times as RFC 3339 strings).
    #[serde(default)]
    pub clusters: Vec<Value>,
    /// `nodegroup` objects as DescribeNodegroup returns them; `clusterName` links them.
    #[serde(default)]
    pub nodegroups: Vec<Value>,
}

impl EksRecording {
    /// Checks the fields the API needs; errors name the entry.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (i, c) in self.clusters.iter().enumerate() {
            if c.get("name").and_then(Value::as_str).is_none() {
                return Err((format!("eks.clusters[{i}].name"), "required".into()));
            }
        }
        for (i, n) in self.nodegroups.iter().enumerate() {
            for field in ["nodegroupName", "clusterName"] {
                if n.get(field).and_then(Value::as_str).is_none() {
                    return Err((format!("eks.nodegroups[{i}].{field}"), "required".into()));
                }
            }
            let cluster = n.get("clusterName").and_then(Value::as_str).unwrap_or("");
            if !self
                .clusters
                .iter()
                .any(|c| c.get("name").and_then(Value::as_str) == Some(cluster))
            {
                return Err((
                    format!("eks.nodegroups[{i}].clusterName"),
                    format!("no cluster named {cluster:?} in eks.clusters"),
                ));
            }
        }
        Ok(())
    }
}
