//! The seeds' pools: infra and apps untainted, database tainted
//! `workload-type=database:NoSchedule`; pods are checked against them.

use super::*;
use serde_json::{Value as J, json};

use crate::model::views::{Event, Node, Pod, View};

fn node(name: &str, pool: &str, cpu: &str, mem: &str) -> J {
    let mut n = json!({
        "metadata": {"name": name, "labels": {
            "eks.amazonaws.com/nodegroup": pool, "workload-type": pool,
            "kubernetes.io/hostname": name}},
        "spec": {},
        "status": {"allocatable": {"cpu": cpu, "memory": mem, "pods": "29"}}
    });
    if pool == "database" {
        n["spec"]["taints"] =
            json!([{"key": "workload-type", "value": "database", "effect": "NoSchedule"}]);
    }
    n
}

fn seeds() -> Vec<Node> {
    [
        node("infra-1", "infra", "1930m", "7220184Ki"),
        node("apps-1", "apps", "3920m", "15054824Ki"),
        node("db-1", "database", "1930m", "15374216Ki"),
    ]
    .iter()
    .map(|n| Node::from_json(n.clone()).expect("a node"))
    .collect()
}

fn pod_view(j: J) -> Pod {
    Pod::from_json(j).expect("a pod")
}

fn pod(cpu: &str, mem: &str, extra: J) -> J {
    let mut p = json!({
        "metadata": {"name": "pg-0", "namespace": "db"},
        "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu, "memory": mem}}}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable",
            "message": "0/3 nodes are available: 1 node(s) had untolerated taint {workload-type: database}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."}]}
    });
    if let (Some(spec), Some(e)) = (p["spec"].as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            spec.insert(k.clone(), v.clone());
        }
    }
    p
}

fn eks(name: &str, desired: i32, max: i32) -> NodegroupInfo {
    NodegroupInfo {
        name: name.into(),
        min_size: 1,
        desired_size: desired,
        max_size: max,
        ..Default::default()
    }
}

fn by_name<'a>(e: &'a Explanation, name: &str) -> &'a PoolFit {
    e.pools.iter().find(|p| p.name == name).expect(name)
}

#[test]
fn a_database_pod_without_the_toleration_is_kept_off_every_pool() {
    let p = pod_view(pod(
        "500m",
        "1Gi",
        json!({"nodeSelector": {"workload-type": "database"}}),
    ));
    let e = explain(&p, &seeds(), &[], &[], None, &[eks("database", 2, 2)]);
    let db = by_name(&e, "database");
    assert!(!db.taints.ok, "{db:?}");
    assert!(
        db.taints.text.contains("workload-type=database:NoSchedule"),
        "{db:?}"
    );
    assert!(db.labels.ok && db.room.ok, "{db:?}");
    assert_eq!(
        db.scale,
        Some(Check::new(false, "at its maximum: desired 2 = max 2"))
    );
    let apps = by_name(&e, "apps");
    assert!(apps.taints.ok && !apps.labels.ok, "{apps:?}");
    assert_eq!(
        apps.labels.text,
        "labels: no node matches nodeSelector workload-type=database"
    );
    assert!(e.pools.iter().all(|p| !p.fits_now && !p.fits_after_scale));
    assert!(e.verdict.starts_with("no pool can run it"), "{}", e.verdict);
    assert_eq!(
        e.reasons,
        [
            "0 of 3 nodes can run the pod",
            "1 node(s) have the taint {workload-type: database} that the pod does not tolerate",
            "2 node(s) do not carry the labels the pod's nodeSelector/affinity asks for",
            "evicting lower-priority pods would not help",
        ]
    );
}

#[test]
fn with_the_toleration_the_database_pool_takes_it() {
    let p = pod_view(pod(
        "500m",
        "1Gi",
        json!({"nodeSelector": {"workload-type": "database"},
               "tolerations": [{"key": "workload-type", "operator": "Equal", "value": "database", "effect": "NoSchedule"}]}),
    ));
    let e = explain(&p, &seeds(), &[], &[], None, &[]);
    let db = by_name(&e, "database");
    assert!(db.fits_now, "{db:?}");
    assert!(
        e.verdict.contains("database can take it now"),
        "{}",
        e.verdict
    );
}

#[test]
fn room_counts_the_requests_of_pods_on_the_node_and_eks_can_grow() {
    // apps-1 has 3.92 CPU; a pod there requests 3.5, so a 1 CPU pod does not fit.
    let running = pod_view(json!({
        "spec": {"nodeName": "apps-1", "containers": [{"resources": {"requests": {"cpu": "3500m"}}}]},
        "status": {"phase": "Running"}
    }));
    let p = pod_view(pod(
        "1",
        "1Gi",
        json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [{"key": "workload-type", "operator": "In", "values": ["apps"]}]}]}}}}),
    ));
    let e = explain(&p, &seeds(), &[running], &[], None, &[eks("apps", 1, 3)]);
    let apps = by_name(&e, "apps");
    assert!(apps.labels.ok && apps.taints.ok, "{apps:?}");
    assert!(!apps.room.ok, "{apps:?}");
    assert!(apps.room.text.contains("0.42 CPU"), "{}", apps.room.text);
    assert!(apps.fits_after_scale, "{apps:?}");
    assert!(e.verdict.contains("apps can grow"), "{}", e.verdict);
    let infra = by_name(&e, "infra");
    assert_eq!(
        infra.labels.text,
        "labels: no node matches node affinity workload-type=apps"
    );
}

#[test]
fn the_newest_failed_scheduling_event_wins_over_the_condition() {
    let p = pod_view(pod("1", "1Gi", json!({})));
    let ev = |t: &str, m: &str| {
        Event::from_json(json!({"metadata": {"name": "e"}, "reason": "FailedScheduling", "lastTimestamp": t, "message": m}))
            .expect("an event")
    };
    let events = [
        ev("2026-01-01T00:00:00Z", "old"),
        ev(
            "2026-01-01T00:05:00Z",
            "0/8 nodes are available: 8 Insufficient memory.",
        ),
    ];
    assert_eq!(
        scheduler_message(&p, &events).as_deref(),
        Some("0/8 nodes are available: 8 Insufficient memory.")
    );
    assert_eq!(
        scheduler_reasons("0/8 nodes are available: 8 Insufficient memory."),
        [
            "0 of 8 nodes can run the pod",
            "8 node(s) lack free memory for the pod's requests"
        ]
    );
}

#[test]
fn requirement_operators() {
    let labels: BTreeMap<String, String> = [
        ("a".to_string(), "1".to_string()),
        ("b".to_string(), "x".to_string()),
    ]
    .into();
    let r = |j: J| requirement_holds(&serde_json::from_value(j).expect("a requirement"), &labels);
    assert!(r(json!({"key": "a", "operator": "Gt", "values": ["0"]})));
    assert!(!r(json!({"key": "a", "operator": "Lt", "values": ["0"]})));
    assert!(r(json!({"key": "c", "operator": "DoesNotExist"})));
    assert!(r(json!({"key": "b", "operator": "NotIn", "values": ["y"]})));
    assert!(r(json!({"key": "b", "operator": "Exists"})));
}

#[test]
fn quantities_read_as_words() {
    assert_eq!(cpu_text(0.5), "0.5 CPU");
    assert_eq!(cpu_text(2.0), "2 CPU");
    assert_eq!(memory_text(1024.0 * 1024.0 * 512.0), "512 MiB");
    assert_eq!(memory_text(1024.0 * 1024.0 * 1024.0 * 3.5), "3.5 GiB");
}
