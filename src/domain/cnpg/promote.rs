//! Promote (switchover) as `kubectl cnpg promote CLUSTER INSTANCE` does it: a merge patch of
//! the Cluster's **status subresource** carrying `metadata.resourceVersion` as optimistic lock
//! (controller-runtime's `MergeFromWithOptimisticLock`), setting `targetPrimary`,
//! `targetPrimaryTimestamp`, `phase`, `phaseReason`, and the Ready condition the plugin's
//! `SetClusterReadyCondition` transaction derives from the phase.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{ClusterSummary, PENDING_FAILOVER, format_rfc3339_micro, phase};
use crate::model::views::Cluster;

/// A string of the conditions the patch rewrites.
fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Why a promotion is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromoteError {
    #[error("not a CloudNativePG Cluster object")]
    NotACluster,
    #[error("{pod} is already the primary of {cluster}")]
    AlreadyPrimary { cluster: String, pod: String },
    #[error("{pod} is not an instance of {cluster} (instances: {known})")]
    UnknownInstance {
        cluster: String,
        pod: String,
        known: String,
    },
    #[error("{pod} is not healthy: promote a ready replica")]
    InstanceNotHealthy { pod: String },
    #[error("{what} already in progress on {cluster} ({detail})")]
    InProgress {
        cluster: String,
        what: &'static str,
        detail: String,
    },
    #[error("the Cluster has no metadata.resourceVersion to lock on")]
    NoResourceVersion,
}

/// The instance name `kubectl cnpg promote` understands: a bare number `2` means
/// `<cluster>-2`; anything else is a pod name.
pub fn resolve_instance_name(cluster: &str, arg: &str) -> String {
    let arg = arg.trim();
    if !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_digit()) {
        format!("{cluster}-{arg}")
    } else {
        arg.to_string()
    }
}

/// The merge patch for `PATCH …/clusters/<name>/status` (content type
/// `application/merge-patch+json`) that makes `pod` the target primary at `now`.
///
/// Refused when `pod` is the current (or already the target) primary, is not one of the
/// cluster's instances, is listed as not healthy in `status.instancesStatus`, or while a
/// failover or switchover is in progress.
pub fn promote_patch(cluster: &Cluster, pod: &str, now: Timestamp) -> Result<Value, PromoteError> {
    if !super::is_cluster(cluster) {
        return Err(PromoteError::NotACluster);
    }
    let s = ClusterSummary::from_cluster(cluster).ok_or(PromoteError::NotACluster)?;
    let cluster_name = s.name.clone();
    let in_progress = |what: &'static str, detail: String| PromoteError::InProgress {
        cluster: cluster_name.clone(),
        what,
        detail,
    };
    if s.target_primary.as_deref() == Some(PENDING_FAILOVER) || s.phase == phase::FAILING_OVER {
        return Err(in_progress("a failover", s.primary_text()));
    }
    if s.target_primary.is_some() && s.target_primary != s.current_primary {
        return Err(in_progress("a switchover", s.primary_text()));
    }
    if s.phase == phase::SWITCHOVER {
        return Err(in_progress("a switchover", s.phase_text()));
    }
    if s.current_primary.as_deref() == Some(pod) || s.target_primary.as_deref() == Some(pod) {
        return Err(PromoteError::AlreadyPrimary {
            cluster: cluster_name,
            pod: pod.to_string(),
        });
    }
    if !s.instance_names.iter().any(|n| n == pod) {
        return Err(PromoteError::UnknownInstance {
            cluster: cluster_name,
            pod: pod.to_string(),
            known: if s.instance_names.is_empty() {
                "none".to_string()
            } else {
                s.instance_names.join(", ")
            },
        });
    }
    if cluster.status.instances_status.is_some() && !cluster.healthy().iter().any(|h| h == pod) {
        return Err(PromoteError::InstanceNotHealthy {
            pod: pod.to_string(),
        });
    }
    let resource_version = Some(cluster.meta.resource_version.as_str())
        .filter(|rv| !rv.is_empty())
        .ok_or(PromoteError::NoResourceVersion)?;

    let mut status = json!({
        "targetPrimary": pod,
        "targetPrimaryTimestamp": format_rfc3339_micro(now),
        "phase": phase::SWITCHOVER,
        "phaseReason": format!("Switching over to {pod}"),
    });
    if let Some(conditions) = ready_condition_update(cluster, now)
        && let Some(map) = status.as_object_mut()
    {
        map.insert("conditions".into(), conditions);
    }
    Ok(json!({
        "metadata": {"resourceVersion": resource_version},
        "status": status,
    }))
}

/// The conditions list with Ready set as `SetClusterReadyCondition` sets it for a phase that
/// is not healthy (False, ClusterIsNotReady), `None` when that changes nothing. A merge patch
/// replaces lists whole, so the other conditions are carried over unchanged.
/// `lastTransitionTime` moves only when the status flips, as `meta.SetStatusCondition` does.
fn ready_condition_update(cluster: &Cluster, now: Timestamp) -> Option<Value> {
    let mut conditions: Vec<Value> = cluster
        .conditions_raw
        .to_json()
        .as_array()
        .cloned()
        .unwrap_or_default();
    let wanted = ("False", "ClusterIsNotReady", "Cluster Is Not Ready");
    match conditions
        .iter_mut()
        .find(|c| str_at(c, "/type") == Some("Ready"))
    {
        Some(ready) => {
            let same = str_at(ready, "/status") == Some(wanted.0)
                && str_at(ready, "/reason") == Some(wanted.1)
                && str_at(ready, "/message") == Some(wanted.2);
            if same {
                return None;
            }
            let flipped = str_at(ready, "/status") != Some(wanted.0);
            let map = ready.as_object_mut()?;
            map.insert("status".into(), json!(wanted.0));
            map.insert("reason".into(), json!(wanted.1));
            map.insert("message".into(), json!(wanted.2));
            if flipped {
                map.insert(
                    "lastTransitionTime".into(),
                    json!(now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
                );
            }
        }
        None => conditions.push(json!({
            "type": "Ready",
            "status": wanted.0,
            "reason": wanted.1,
            "message": wanted.2,
            "lastTransitionTime": now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        })),
    }
    // The condition the plugin sets carries no observedGeneration (it is dropped).
    if let Some(ready) = conditions
        .iter_mut()
        .find(|c| str_at(c, "/type") == Some("Ready"))
        .and_then(Value::as_object_mut)
    {
        ready.remove("observedGeneration");
    }
    Some(Value::Array(conditions))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, DB1, DB2, DB3};
    use super::*;

    fn now() -> Timestamp {
        "2026-11-01T09:30:00.123456Z".parse().expect("ts")
    }

    #[test]
    fn patch_is_what_kubectl_cnpg_promote_sends() {
        let patch = promote_patch(&fixtures::cl(&fixtures::healthy()), DB2, now()).expect("patch");
        assert_eq!(patch["metadata"], json!({"resourceVersion": "48213"}));
        let status = &patch["status"];
        assert_eq!(status["targetPrimary"], DB2);
        assert_eq!(
            status["targetPrimaryTimestamp"],
            "2026-11-01T09:30:00.123456Z"
        );
        assert_eq!(status["phase"], "Switchover in progress");
        assert_eq!(status["phaseReason"], "Switching over to keycloak-db-2");
        // Ready flips to False; the other condition is kept as it was.
        let conditions = status["conditions"].as_array().expect("conditions");
        assert_eq!(conditions.len(), 2);
        assert_eq!(
            conditions[0],
            json!({
                "lastTransitionTime": "2026-11-01T09:30:00Z",
                "message": "Cluster Is Not Ready",
                "reason": "ClusterIsNotReady",
                "status": "False",
                "type": "Ready"
            })
        );
        assert_eq!(
            conditions[1],
            fixtures::healthy()["status"]["conditions"][1]
        );
        // Nothing outside metadata.resourceVersion and status.
        let keys: Vec<&String> = patch.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["metadata", "status"]);
        assert_eq!(status.as_object().map(|m| m.len()), Some(5));
    }

    #[test]
    fn ready_condition_already_false_is_left_alone() {
        let mut c = fixtures::healthy();
        c["status"]["conditions"][0] = json!({
            "type": "Ready", "status": "False", "reason": "ClusterIsNotReady",
            "message": "Cluster Is Not Ready", "lastTransitionTime": "2026-11-01T09:00:00Z"
        });
        let patch = promote_patch(&fixtures::cl(&c), DB3, now()).expect("patch");
        assert!(patch["status"].get("conditions").is_none());
        // No conditions at all: Ready is added.
        let mut c = fixtures::healthy();
        if let Some(status) = c["status"].as_object_mut() {
            status.remove("conditions");
        }
        let patch = promote_patch(&fixtures::cl(&c), DB3, now()).expect("patch");
        assert_eq!(patch["status"]["conditions"][0]["type"], "Ready");
        assert_eq!(patch["status"]["conditions"][0]["status"], "False");
    }

    #[test]
    fn refusals() {
        let healthy = fixtures::healthy();
        assert!(matches!(
            promote_patch(&fixtures::cl(&healthy), DB1, now()),
            Err(PromoteError::AlreadyPrimary { .. })
        ));
        let err =
            promote_patch(&fixtures::cl(&healthy), "keycloak-db-7", now()).expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "keycloak-db-7 is not an instance of keycloak-db (instances: keycloak-db-1, keycloak-db-2, keycloak-db-3)"
        );
        let err = promote_patch(&fixtures::cl(&fixtures::failing_over_pending()), DB3, now())
            .expect_err("busy");
        assert_eq!(
            err.to_string(),
            "a failover already in progress on keycloak-db (keycloak-db-1 (failover starting))"
        );
        assert!(matches!(
            promote_patch(&fixtures::cl(&fixtures::failing_over_to_db2()), DB3, now()),
            Err(PromoteError::InProgress {
                what: "a failover",
                ..
            })
        ));
        let err =
            promote_patch(&fixtures::cl(&fixtures::switchover()), DB2, now()).expect_err("busy");
        assert_eq!(
            err.to_string(),
            "a switchover already in progress on keycloak-db (keycloak-db-1 (switching to keycloak-db-3))"
        );
        // Upgrading: db-3 is not ready.
        assert_eq!(
            promote_patch(&fixtures::cl(&fixtures::upgrading()), DB3, now()),
            Err(PromoteError::InstanceNotHealthy { pod: DB3.into() })
        );
        assert!(promote_patch(&fixtures::cl(&fixtures::upgrading()), DB2, now()).is_ok());
        // Waiting for user action: a supervised switchover is exactly what is asked for.
        assert!(promote_patch(&fixtures::cl(&fixtures::waiting_for_user()), DB2, now()).is_ok());
        let mut no_rv = fixtures::healthy();
        if let Some(meta) = no_rv["metadata"].as_object_mut() {
            meta.remove("resourceVersion");
        }
        assert_eq!(
            promote_patch(&fixtures::cl(&no_rv), DB2, now()),
            Err(PromoteError::NoResourceVersion)
        );
        assert_eq!(
            promote_patch(
                &fixtures::cl(&json!({"kind": "Pod", "apiVersion": "v1"})),
                DB2,
                now()
            ),
            Err(PromoteError::NotACluster)
        );
    }

    #[test]
    fn instance_numbers_resolve_like_the_plugin() {
        assert_eq!(resolve_instance_name("keycloak-db", "2"), "keycloak-db-2");
        assert_eq!(resolve_instance_name("keycloak-db", DB3), DB3);
    }
}
