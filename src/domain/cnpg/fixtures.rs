//! Realistic CloudNativePG objects for the unit tests: a 3-instance `keycloak-db` Cluster in
//! namespace `keycloak` at each phase, its pods, nodes, services, PDBs and events, shaped as
//! the operator (1.2x) and the kubelet write them.

use serde_json::{Value, json};

pub(super) const NS: &str = "keycloak";
pub(crate) const NAME: &str = "keycloak-db";
pub(crate) const DB1: &str = "keycloak-db-1";
pub(crate) const DB2: &str = "keycloak-db-2";
pub(crate) const DB3: &str = "keycloak-db-3";

/// What differs between the Cluster statuses of the tests.
#[derive(Clone)]
pub(crate) struct St<'a> {
    pub phase: &'a str,
    pub reason: &'a str,
    pub current: &'a str,
    pub target: &'a str,
    pub timeline: i64,
    pub healthy: &'a [&'a str],
    pub(crate) replicating: &'a [&'a str],
    pub failed: &'a [&'a str],
    pub(crate) failing_since: Option<&'a str>,
    pub(crate) target_since: &'a str,
    pub(crate) ready_condition: bool,
}

impl Default for St<'_> {
    fn default() -> Self {
        St {
            phase: "Cluster in healthy state",
            reason: "",
            current: DB1,
            target: DB1,
            timeline: 1,
            healthy: &[DB1, DB2, DB3],
            replicating: &[],
            failed: &[],
            failing_since: None,
            target_since: "2026-10-30T08:00:10.100000Z",
            ready_condition: true,
        }
    }
}

pub(super) fn cluster(st: St<'_>) -> Value {
    let mut instances_status = serde_json::Map::new();
    for (key, pods) in [
        ("healthy", st.healthy),
        ("replicating", st.replicating),
        ("failed", st.failed),
    ] {
        if !pods.is_empty() {
            instances_status.insert(key.into(), json!(pods));
        }
    }
    let ready = st.healthy.len();
    let (cond_status, cond_reason, cond_message) = if st.ready_condition {
        ("True", "ClusterIsReady", "Cluster is Ready")
    } else {
        ("False", "ClusterIsNotReady", "Cluster Is Not Ready")
    };
    let mut status = json!({
        "certificates": {
            "clientCASecret": "keycloak-db-ca",
            "expirations": {"keycloak-db-ca": "2027-01-28 08:00:00 +0000 UTC"},
            "replicationTLSSecret": "keycloak-db-replication",
            "serverAltDNSNames": ["keycloak-db-rw", "keycloak-db-rw.keycloak"],
            "serverCASecret": "keycloak-db-ca",
            "serverTLSSecret": "keycloak-db-server"
        },
        "cloudNativePGCommitHash": "a95a534d",
        "cloudNativePGOperatorHash": "5d1c2f0a9e8b",
        "conditions": [
            {
                "lastTransitionTime": "2026-10-30T08:01:02Z",
                "message": cond_message,
                "reason": cond_reason,
                "status": cond_status,
                "type": "Ready"
            },
            {
                "lastTransitionTime": "2026-10-30T08:01:30Z",
                "message": "Continuous archiving is working",
                "reason": "ContinuousArchivingSuccess",
                "status": "True",
                "type": "ContinuousArchiving"
            }
        ],
        "currentPrimary": st.current,
        "currentPrimaryTimestamp": "2026-10-30T08:00:12.345678Z",
        "healthyPVC": [DB1, DB2, DB3],
        "image": "ghcr.io/cloudnative-pg/postgresql:17.6",
        "instanceNames": [DB1, DB2, DB3],
        "instances": 3,
        "instancesReportedState": {
            DB1: {"isPrimary": st.current == DB1, "timeLineID": st.timeline, "ip": "10.20.1.11"},
            DB2: {"isPrimary": st.current == DB2, "timeLineID": st.timeline, "ip": "10.20.2.12"},
            DB3: {"isPrimary": st.current == DB3, "timeLineID": st.timeline, "ip": "10.20.3.13"}
        },
        "instancesStatus": instances_status,
        "latestGeneratedNode": 3,
        "managedRolesStatus": {},
        "phase": st.phase,
        "poolerIntegrations": {"pgBouncerIntegration": {}},
        "pvcCount": 3,
        "readService": "keycloak-db-r",
        "readyInstances": ready,
        "secretsResourceVersion": {"applicationSecretVersion": "1201", "superuserSecretVersion": "1202"},
        "switchReplicaClusterStatus": {},
        "targetPrimary": st.target,
        "targetPrimaryTimestamp": st.target_since,
        "timelineID": st.timeline,
        "topology": {
            "instances": {DB1: {}, DB2: {}, DB3: {}},
            "nodesUsed": 3,
            "successfullyExtracted": true
        },
        "writeService": "keycloak-db-rw"
    });
    if !st.reason.is_empty() {
        status["phaseReason"] = json!(st.reason);
    }
    if let Some(since) = st.failing_since {
        status["currentPrimaryFailingSinceTimestamp"] = json!(since);
    }
    json!({
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {
            "name": NAME,
            "namespace": NS,
            "uid": "8a5f6a0e-3f55-4c3e-9d51-0b7f1c2d3e41",
            "generation": 1,
            "resourceVersion": "48213",
            "creationTimestamp": "2026-10-30T07:59:58Z"
        },
        "spec": {
            "instances": 3,
            "imageName": "ghcr.io/cloudnative-pg/postgresql:17.6",
            "primaryUpdateStrategy": "unsupervised",
            "storage": {"size": "10Gi"},
            "affinity": {
                "enablePodAntiAffinity": true,
                "topologyKey": "topology.kubernetes.io/zone",
                "nodeSelector": {"workload-type": "database"},
                "tolerations": [{"key": "workload-type", "operator": "Equal", "value": "database", "effect": "NoSchedule"}]
            }
        },
        "status": status
    })
}

pub(super) fn healthy() -> Value {
    cluster(St::default())
}

/// The first failover step: targetPrimary `pending`, the old primary gone.
pub(crate) fn failing_over_pending() -> Value {
    cluster(St {
        phase: "Failing over",
        reason: "Initiating a failover from keycloak-db-1",
        target: "pending",
        healthy: &[DB2, DB3],
        failed: &[DB1],
        failing_since: Some("2026-11-01T09:00:02.000000Z"),
        target_since: "2026-11-01T09:00:05.000000Z",
        ready_condition: false,
        ..St::default()
    })
}

/// Failover target elected, not promoted yet.
pub(crate) fn failing_over_to_db2() -> Value {
    cluster(St {
        phase: "Failing over",
        reason: "Failing over from keycloak-db-1 to keycloak-db-2",
        target: DB2,
        healthy: &[DB2, DB3],
        failed: &[DB1],
        failing_since: Some("2026-11-01T09:00:02.000000Z"),
        target_since: "2026-11-01T09:00:07.000000Z",
        ready_condition: false,
        ..St::default()
    })
}

/// A supervised switchover (as `kubectl cnpg promote` starts one).
pub(crate) fn switchover() -> Value {
    cluster(St {
        phase: "Switchover in progress",
        reason: "Switching over to keycloak-db-3",
        target: DB3,
        ready_condition: false,
        target_since: "2026-11-01T09:00:00.000000Z",
        ..St::default()
    })
}

pub(crate) fn setting_up_primary() -> Value {
    let mut c = cluster(St {
        phase: "Setting up primary",
        reason: "Creating primary instance keycloak-db-1-initdb",
        current: "",
        target: DB1,
        healthy: &[],
        ready_condition: false,
        ..St::default()
    });
    c["status"]["instances"] = json!(0);
    c["status"]["instanceNames"] = json!([]);
    if let Some(status) = c["status"].as_object_mut() {
        status.remove("currentPrimary");
        status.remove("currentPrimaryTimestamp");
    }
    c
}

pub(crate) fn creating_replica() -> Value {
    let mut c = cluster(St {
        phase: "Creating a new replica",
        reason: "Creating replica keycloak-db-3-join",
        healthy: &[DB1, DB2],
        ready_condition: false,
        ..St::default()
    });
    c["status"]["instances"] = json!(2);
    c["status"]["instanceNames"] = json!([DB1, DB2]);
    c
}

pub(crate) fn upgrading() -> Value {
    cluster(St {
        phase: "Upgrading cluster",
        reason: "Restarting instance keycloak-db-3, because: the instance is using a different image",
        healthy: &[DB1, DB2],
        replicating: &[DB3],
        ready_condition: false,
        ..St::default()
    })
}

pub(crate) fn waiting_for_user() -> Value {
    cluster(St {
        phase: "Waiting for user action",
        reason: "User must issue a supervised switchover",
        ready_condition: false,
        ..St::default()
    })
}

pub(crate) fn waiting_for_instances() -> Value {
    cluster(St {
        phase: "Waiting for the instances to become active",
        reason: "Some instances are not yet active. Please wait.",
        current: DB2,
        target: DB2,
        timeline: 2,
        healthy: &[DB2, DB3],
        replicating: &[DB1],
        ready_condition: false,
        ..St::default()
    })
}

pub(crate) fn unrecoverable() -> Value {
    cluster(St {
        phase: "Cluster is unrecoverable and needs manual intervention",
        reason: "No pods are active, the cluster needs manual intervention ",
        healthy: &[],
        failed: &[DB1, DB2, DB3],
        ready_condition: false,
        ..St::default()
    })
}

/// An instance pod as the operator creates it (labels, owner) and the kubelet reports it.
pub(super) fn pod(name: &str, role: &str, node: &str, ready: bool, restarts: i64) -> Value {
    let ready_text = if ready { "True" } else { "False" };
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": NS,
            "labels": {
                "cnpg.io/cluster": NAME,
                "cnpg.io/instanceName": name,
                "cnpg.io/instanceRole": role,
                "cnpg.io/podRole": "instance",
                "role": role
            },
            "ownerReferences": [{
                "apiVersion": "postgresql.cnpg.io/v1",
                "kind": "Cluster",
                "name": NAME,
                "uid": "8a5f6a0e-3f55-4c3e-9d51-0b7f1c2d3e41",
                "controller": true,
                "blockOwnerDeletion": true
            }]
        },
        "spec": {"nodeName": node, "containers": [{"name": "postgres"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": ready_text}],
            "containerStatuses": [{"name": "postgres", "ready": ready, "restartCount": restarts}]
        }
    })
}

/// A node in `zone`, in EKS node group `db`.
pub(super) fn node(name: &str, zone: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "eks.amazonaws.com/nodegroup": "db",
                "topology.kubernetes.io/zone": zone,
                "topology.kubernetes.io/region": "eu-west-1",
                "workload-type": "database"
            }
        },
        "spec": {"taints": [{"key": "workload-type", "value": "database", "effect": "NoSchedule"}]}
    })
}

pub(super) fn nodes() -> Vec<Value> {
    vec![
        node("ip-10-20-1-10.eu-west-1.compute.internal", "eu-west-1a"),
        node("ip-10-20-2-10.eu-west-1.compute.internal", "eu-west-1b"),
        node("ip-10-20-3-10.eu-west-1.compute.internal", "eu-west-1c"),
    ]
}

pub(crate) const NODE_A: &str = "ip-10-20-1-10.eu-west-1.compute.internal";
pub(crate) const NODE_B: &str = "ip-10-20-2-10.eu-west-1.compute.internal";
pub(crate) const NODE_C: &str = "ip-10-20-3-10.eu-west-1.compute.internal";

pub(crate) fn healthy_pods() -> Vec<Value> {
    vec![
        pod(DB1, "primary", NODE_A, true, 0),
        pod(DB2, "replica", NODE_B, true, 0),
        pod(DB3, "replica", NODE_C, true, 1),
    ]
}

pub(crate) fn service(suffix: &str, ip: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": format!("{NAME}-{suffix}"), "namespace": NS, "labels": {"cnpg.io/cluster": NAME}},
        "spec": {"clusterIP": ip, "ports": [{"name": "postgres", "port": 5432, "protocol": "TCP", "targetPort": 5432}]}
    })
}

pub(super) fn services() -> Vec<Value> {
    vec![
        service("rw", "172.20.10.1"),
        service("ro", "172.20.10.2"),
        service("r", "172.20.10.3"),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "keycloak", "namespace": NS}}),
    ]
}

pub(super) fn pdbs() -> Vec<Value> {
    vec![
        json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": NAME, "namespace": NS},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"cnpg.io/cluster": NAME, "cnpg.io/instanceRole": "replica"}}},
            "status": {"currentHealthy": 2, "desiredHealthy": 1, "disruptionsAllowed": 1, "expectedPods": 2}
        }),
        json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": format!("{NAME}-primary"), "namespace": NS},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"cnpg.io/cluster": NAME, "cnpg.io/instanceRole": "primary"}}},
            "status": {"currentHealthy": 1, "desiredHealthy": 1, "disruptionsAllowed": 0, "expectedPods": 1}
        }),
        json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "keycloak", "namespace": NS},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "keycloak"}}}
        }),
    ]
}

pub(super) fn event(kind: &str, name: &str, reason: &str, message: &str, at: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": format!("{name}.{reason}"), "namespace": NS},
        "involvedObject": {"kind": kind, "name": name, "namespace": NS},
        "reason": reason,
        "message": message,
        "type": if reason == "Killing" || reason == "Unhealthy" { "Warning" } else { "Normal" },
        "count": 1,
        "firstTimestamp": at,
        "lastTimestamp": at
    })
}

pub(super) fn events() -> Vec<Value> {
    vec![
        event(
            "Cluster",
            NAME,
            "FailingOver",
            "Current primary isn't healthy, initiating a failover from keycloak-db-1",
            "2026-11-01T09:00:05Z",
        ),
        event(
            "Pod",
            DB1,
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 500",
            "2026-11-01T09:00:01Z",
        ),
        event(
            "Cluster",
            NAME,
            "FailoverTarget",
            "Failing over from keycloak-db-1 to keycloak-db-2",
            "2026-11-01T09:00:07Z",
        ),
        event(
            "Pod",
            "keycloak-6d9f7c-abcde",
            "Started",
            "Started container keycloak",
            "2026-11-01T09:00:09Z",
        ),
        event(
            "Cluster",
            "other-db",
            "FailingOver",
            "not ours",
            "2026-11-01T09:00:09Z",
        ),
    ]
}

/// The typed view of a fixture (a test's JSON as a watch store would hand it over).
pub(super) fn view<V: crate::model::views::View>(v: &Value) -> V {
    V::from_json(v.clone()).expect("a fixture is an object")
}

pub(super) fn views<V: crate::model::views::View>(list: &[Value]) -> Vec<V> {
    list.iter().map(view).collect()
}

pub(super) fn cl(v: &Value) -> crate::model::views::Cluster {
    view(v)
}
