//! The sandbox plays the CloudNativePG operator's part in a switchover, as it plays the
//! other controllers of its demo: when a Cluster's status asks for one (`targetPrimary`
//! set to another instance, phase `Switchover in progress`, as `kubectl cnpg promote` and
//! the console's promote write it), after [`DELAY`] it does what the operator does once the
//! old primary is demoted and the target promoted: the pods' role labels flip,
//! `currentPrimary` becomes the target, the timeline moves on by one, and the phase is
//! healthy again. Nothing else is touched; a replayed failover is the recording's business.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::selector::{FieldSelector, LabelSelector};
use super::server::Shared;
use super::store::{PatchType, Sub, WriteOpts};

/// How long the "operator" takes to switch over.
pub(crate) const DELAY: Duration = Duration::from_secs(4);
const TICK: Duration = Duration::from_millis(500);
const SWITCHOVER: &str = "Switchover in progress";
const HEALTHY: &str = "Cluster in healthy state";

/// `(current, target)` of a Cluster waiting for a switchover.
pub(crate) fn pending_switchover(cluster: &Value) -> Option<(String, String)> {
    let status = cluster.get("status")?;
    let s = |k: &str| status.get(k).and_then(Value::as_str).unwrap_or("");
    let (current, target) = (s("currentPrimary"), s("targetPrimary"));
    let waiting =
        s("phase") == SWITCHOVER && !target.is_empty() && target != "pending" && target != current;
    waiting.then(|| (current.to_string(), target.to_string()))
}

/// The status merge patch that completes a switchover to `target`.
pub(crate) fn completed_status(cluster: &Value, target: &str, now: &str) -> Value {
    let timeline = cluster
        .pointer("/status/timelineID")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let mut conditions: Vec<Value> = cluster
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for c in &mut conditions {
        if c.get("type").and_then(Value::as_str) == Some("Ready") {
            *c = json!({
                "type": "Ready",
                "status": "True",
                "reason": "ClusterIsReady",
                "message": "Cluster is Ready",
                "lastTransitionTime": now,
            });
        }
    }
    let mut status = json!({
        "currentPrimary": target,
        "currentPrimaryTimestamp": now,
        "timelineID": timeline + 1,
        "phase": HEALTHY,
        "phaseReason": "",
    });
    if !conditions.is_empty()
        && let Some(map) = status.as_object_mut()
    {
        map.insert("conditions".into(), Value::Array(conditions));
    }
    json!({ "status": status })
}

/// Watches Clusters (polling the store; no client sees this) until the sandbox stops.
pub(crate) async fn run(shared: Arc<Shared>) {
    let mut due: HashMap<(String, String), (String, Instant)> = HashMap::new();
    loop {
        tokio::time::sleep(TICK).await;
        let registry = shared.store.registry();
        let Some(rt) = registry
            .lookup("postgresql.cnpg.io", "v1", "clusters")
            .cloned()
        else {
            continue;
        };
        let Ok(page) = shared.store.list(
            &rt,
            "",
            &LabelSelector::default(),
            &FieldSelector::default(),
            None,
            None,
        ) else {
            continue;
        };
        let now = Instant::now();
        let mut seen = Vec::new();
        for c in &page.items {
            let ns = c
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            let name = c
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            let key = (ns.to_string(), name.to_string());
            let Some((current, target)) = pending_switchover(c) else {
                continue;
            };
            seen.push(key.clone());
            let entry = due
                .entry(key.clone())
                .or_insert((target.clone(), now + DELAY));
            if entry.0 != target {
                *entry = (target.clone(), now + DELAY);
            }
            if now < entry.1 {
                continue;
            }
            switch_over(&shared, &rt, c, &key, &current, &target);
        }
        due.retain(|k, _| seen.contains(k));
    }
}

fn switch_over(
    shared: &Shared,
    rt: &super::registry::ResourceKind,
    cluster: &Value,
    (ns, name): &(String, String),
    current: &str,
    target: &str,
) {
    let opts = WriteOpts {
        dry_run: false,
        field_manager: Some("cloudnative-pg".into()),
        ..WriteOpts::default()
    };
    if let Some(pods) = shared.store.registry().lookup("", "v1", "pods").cloned() {
        for (pod, role) in [(current, "replica"), (target, "primary")] {
            if pod.is_empty() {
                continue;
            }
            let patch =
                json!({"metadata": {"labels": {"cnpg.io/instanceRole": role, "role": role}}});
            if let Err(e) =
                shared
                    .store
                    .patch(&pods, ns, pod, PatchType::Merge, &patch, Sub::Main, &opts)
            {
                tracing::info!(pod, error = %e, "sandbox operator: pod role not changed");
            }
        }
    }
    let patch = completed_status(cluster, target, &super::store::now_rfc3339());
    match shared
        .store
        .patch(rt, ns, name, PatchType::Merge, &patch, Sub::Status, &opts)
    {
        Ok(_) => tracing::info!(cluster = %name, %target, "sandbox operator: switchover done"),
        Err(e) => {
            tracing::warn!(cluster = %name, error = %e, "sandbox operator: switchover failed")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requested_switchover_is_completed_with_the_next_timeline() {
        let c = json!({"status": {
            "phase": SWITCHOVER, "currentPrimary": "db-1", "targetPrimary": "db-2",
            "timelineID": 3,
            "conditions": [{"type": "Ready", "status": "False", "reason": "ClusterIsNotReady"}],
        }});
        assert_eq!(
            pending_switchover(&c),
            Some(("db-1".to_string(), "db-2".to_string()))
        );
        let p = completed_status(&c, "db-2", "2026-01-01T00:00:00Z");
        assert_eq!(p["status"]["currentPrimary"], "db-2");
        assert_eq!(p["status"]["timelineID"], 4);
        assert_eq!(p["status"]["phase"], HEALTHY);
        assert_eq!(p["status"]["conditions"][0]["status"], "True");
        // A failover (pending) and a healthy cluster are not switchovers.
        let failover = json!({"status": {"phase": "Failing over", "currentPrimary": "db-1", "targetPrimary": "pending"}});
        assert_eq!(pending_switchover(&failover), None);
        let healthy = json!({"status": {"phase": HEALTHY, "currentPrimary": "db-1", "targetPrimary": "db-1"}});
        assert_eq!(pending_switchover(&healthy), None);
    }
}
