//! Parsing of the typed views: what the panes read, and what a missing field or a field of
//! the wrong type reads as (a default, never a failure of the object).

use serde_json::json;

use super::pod::ContainerStatus;
use super::*;

#[test]
fn an_application_reads_what_the_waves_pane_needs() {
    let app = Application::from_json(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web", "namespace": "argo", "resourceVersion": "7",
            "annotations": {"argocd.argoproj.io/sync-wave": "-2"},
            "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
                "name": "set", "uid": "u"}]},
        "spec": {"project": "p", "source": {"repoURL": "https://git", "targetRevision": "main"},
            "syncPolicy": {"automated": {"prune": true}, "syncOptions": ["A=1", 3],
                "retry": {"limit": 2}}},
        "status": {"sync": {"status": "Synced", "revision": "abc"},
            "resources": [{"kind": "Deployment", "name": "web", "syncWave": "3"}],
            "operationState": {"phase": "Running", "retryCount": 2,
                "startedAt": "2026-11-01T09:00:00Z"}},
        "operation": {"initiatedBy": {"automated": true}}
    }))
    .expect("an object");
    assert_eq!(app.meta.name, "web");
    assert_eq!(app.meta.resource_version, "7");
    assert_eq!(
        app.meta.annotation("argocd.argoproj.io/sync-wave"),
        Some("-2")
    );
    assert_eq!(app.meta.owners[0].kind, "ApplicationSet");
    assert_eq!(app.spec.project.as_deref(), Some("p"));
    let automated = app.spec.sync_policy.automated.as_ref().expect("automated");
    assert!(automated.prune && automated.enabled.is_none());
    assert_eq!(app.spec.sync_policy.sync_options, ["A=1"]);
    assert_eq!(app.status.resources[0].sync_wave, Some(3));
    let op = app
        .status
        .operation_state
        .as_ref()
        .expect("operation state");
    assert_eq!(op.phase.as_deref(), Some("Running"));
    assert_eq!(op.retry_count, Some(2));
    assert!(op.started_at.is_some());
    assert!(
        app.operation
            .as_ref()
            .is_some_and(|o| o.initiated_by.automated)
    );
    // What a sync copies verbatim stays as written.
    assert_eq!(
        app.spec_raw["syncPolicy"]["retry"]["limit"].as_i64(),
        Some(2)
    );
}

#[test]
fn an_application_with_fields_of_the_wrong_type_reads_as_defaults() {
    let app = Application::from_json(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "odd"},
        "spec": {"project": 5, "source": "not an object", "sources": {"a": 1},
            "syncPolicy": {"automated": true, "syncOptions": "x"}},
        "status": {"sync": ["x"], "health": {"status": 1},
            "resources": [7, {"kind": "Service", "name": 2}],
            "operationState": "busy", "history": "none", "reconciledAt": "yesterday"},
        "operation": null
    }))
    .expect("still an object");
    assert_eq!(app.spec.project, None);
    assert!(
        app.spec.source.is_some(),
        "present, read as an empty source"
    );
    assert_eq!(app.spec.source_list().map(Iterator::count), None);
    assert_eq!(app.spec.sync_policy.automated, None);
    assert!(app.spec.sync_policy.sync_options.is_empty());
    assert_eq!(app.status.sync.status, None);
    assert_eq!(app.status.health.status, None);
    // A bad entry is a default entry; a bad field of an entry is a default field.
    assert_eq!(app.status.resources.len(), 2);
    assert_eq!(app.status.resources[1].kind, "Service");
    assert_eq!(app.status.resources[1].name, "");
    assert_eq!(app.status.operation_state, None);
    assert!(app.status.history.is_empty());
    assert_eq!(app.status.reconciled_at, None);
    assert_eq!(app.operation, None);
}

#[test]
fn list_items_without_kind_are_what_the_watch_says() {
    let c = Cluster::from_json(json!({"metadata": {"name": "db"}})).expect("object");
    assert_eq!(c.meta.kind, "Cluster");
    assert_eq!(c.meta.api_version, "postgresql.cnpg.io/v1");
    let a = Application::from_json(json!({"metadata": {"name": "a"}})).expect("object");
    assert_eq!(a.meta.group(), "argoproj.io");
    assert!(Pod::from_json(json!("text")).is_none());
}

#[test]
fn a_cluster_reads_its_status() {
    let c = Cluster::from_json(json!({
        "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
        "metadata": {"name": "db", "namespace": "x", "creationTimestamp": "2026-11-01T08:00:00Z"},
        "spec": {"instances": "3"},
        "status": {"phase": "Cluster in healthy state", "currentPrimary": "db-1",
            "targetPrimary": "", "timelineID": 4, "instanceNames": ["db-1", "db-2", 3],
            "instancesStatus": {"healthy": ["db-1"], "failed": "db-2"},
            "instancesReportedState": {"db-1": {"timeLineID": 4}, "db-2": "x"},
            "currentPrimaryFailingSinceTimestamp": "",
            "conditions": [{"type": "Ready", "status": "True"}]}
    }))
    .expect("object");
    assert_eq!(c.spec.instances, Some(3));
    assert_eq!(c.status.current_primary.as_deref(), Some("db-1"));
    assert_eq!(c.status.target_primary, None, "empty text is no target");
    assert_eq!(c.status.timeline_id, Some(4));
    assert_eq!(c.status.instance_names, ["db-1", "db-2"]);
    assert_eq!(c.healthy(), ["db-1"]);
    assert!(
        c.status
            .instances_status
            .as_ref()
            .is_some_and(|s| s.failed.is_empty())
    );
    assert_eq!(c.reported_timeline("db-1"), Some(4));
    assert_eq!(c.reported_timeline("db-2"), None);
    assert_eq!(c.status.current_primary_failing_since_timestamp, None);
    assert!(c.status.conditions[0].is_true("Ready"));
    assert!(c.meta.created.is_some());
    assert!(c.conditions_raw.is_array());
    // No status at all: every field empty, no instancesStatus.
    let bare = Cluster::from_json(json!({"metadata": {"name": "new"}})).expect("object");
    assert_eq!(bare.status, Default::default());
    assert!(bare.healthy().is_empty());
}

#[test]
fn a_pod_reads_its_containers_and_conditions() {
    let p = Pod::from_json(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "n", "deletionTimestamp": "2026-11-01T08:00:00Z"},
        "spec": {"nodeName": "", "containers": [{"name": "app"}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": "app", "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
                {"name": "side", "state": {"terminated": {"exitCode": 1}}},
                {"name": "done", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
            ]}
    }))
    .expect("object");
    assert!(p.meta.deleting);
    assert_eq!(p.spec.node_name, None, "an empty node name is none");
    assert_eq!(p.spec.containers[0].name, "app");
    assert!(p.is_ready());
    let problems: Vec<Option<&str>> = p
        .status
        .container_statuses
        .iter()
        .map(ContainerStatus::problem)
        .collect();
    assert_eq!(problems, [Some("CrashLoopBackOff"), Some("Error"), None]);
    assert_eq!(p.status.container_statuses[0].restart_count, Some(2));
}

#[test]
fn events_pdbs_services_and_workloads() {
    let e = Event::from_json(json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "e", "namespace": "n", "creationTimestamp": "2026-11-01T08:00:00Z"},
        "regarding": {"kind": "Pod", "name": "p"}, "note": "hello",
        "eventTime": "2026-11-01T09:00:00Z", "series": {"count": 4}
    }))
    .expect("object");
    assert_eq!(
        (e.object_kind.as_str(), e.object_name.as_str()),
        ("Pod", "p")
    );
    assert_eq!(e.message.as_deref(), Some("hello"));
    assert_eq!(e.count, Some(4));
    assert_eq!(
        e.at.map(|t| t.to_string()).as_deref(),
        Some("2026-11-01T09:00:00Z")
    );

    let pdb = PodDisruptionBudget::from_json(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "b"},
        "spec": {"minAvailable": "50%", "maxUnavailable": 1,
            "selector": {"matchLabels": {"a": "b", "n": 1}}},
        "status": {"currentHealthy": 2}
    }))
    .expect("object");
    assert_eq!(pdb.min_available.as_deref(), Some("50%"));
    assert_eq!(pdb.max_unavailable.as_deref(), Some("1"));
    assert_eq!(pdb.match_labels.len(), 1);
    assert_eq!(pdb.current_healthy, Some(2));

    let svc = Service::from_json(json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "s"}, "spec": {"clusterIP": "10.0.0.1", "ports": [{"port": 5432}]}}))
    .expect("object");
    assert_eq!(svc.cluster_ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(svc.port, Some(5432));

    let d = Workload::from_json(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d"}, "spec": {"replicas": "2", "selector": {"matchLabels": {"a": "b"}}},
        "status": {"availableReplicas": "many"}}))
    .expect("object");
    assert_eq!(d.meta.group(), "apps");
    assert_eq!(d.spec.replicas, Some(2));
    assert_eq!(d.status.available_replicas, None);
    assert_eq!(d.spec.selector.match_labels.len(), 1);
}

#[test]
fn a_node_reads_what_the_pools_read() {
    let node = Node::from_json(json!({
        "metadata": {"name": "db-1", "labels": {"eks.amazonaws.com/nodegroup": "database"}},
        "spec": {"unschedulable": true, "taints": [
            {"key": "workload-type", "value": "database", "effect": "NoSchedule"},
            {"key": "soft", "effect": "PreferNoSchedule"},
            "not a taint"]},
        "status": {"allocatable": {"cpu": 2, "memory": "7Gi", "pods": 29.5},
            "conditions": [{"type": "Ready", "status": "True"},
                {"type": "DiskPressure", "status": "True"}]}
    }))
    .expect("an object");
    assert_eq!(node.name(), "db-1");
    assert!(node.spec.unschedulable);
    assert_eq!(
        node.spec.taints.len(),
        3,
        "a bad entry reads as a default one"
    );
    assert_eq!(
        node.spec.taints[0].text(),
        "workload-type=database:NoSchedule"
    );
    assert_eq!(node.spec.taints[1].text(), "soft:PreferNoSchedule");
    assert!(node.spec.taints[0].blocks() && !node.spec.taints[1].blocks());
    // Quantities written as numbers read as their text.
    let a = &node.status.allocatable;
    assert_eq!(a.cpu.as_deref(), Some("2"));
    assert_eq!(a.memory.as_deref(), Some("7Gi"));
    assert_eq!(a.pods.as_deref(), Some("29.5"));
    assert_eq!(node.condition("Ready"), Some("True"));
    assert_eq!(node.condition("MemoryPressure"), None);
    // The text form EKS lists taints in reads back the same.
    let t = node::Taint::parse("workload-type=database:NoSchedule");
    assert_eq!(t, node.spec.taints[0]);
    assert_eq!(node::Taint::parse("k:NoExecute").value, "");
}

#[test]
fn a_node_with_fields_of_the_wrong_type_reads_as_defaults() {
    let node = Node::from_json(json!({
        "metadata": {"name": "n"},
        "spec": {"unschedulable": "yes", "taints": {"key": "k"}},
        "status": {"allocatable": ["2"], "conditions": "Ready"}
    }))
    .expect("an object");
    assert!(!node.spec.unschedulable);
    assert!(node.spec.taints.is_empty());
    assert_eq!(node.status.allocatable, node::Resources::default());
    assert_eq!(node.condition("Ready"), None);
}

#[test]
fn a_pod_reads_its_requests_tolerations_and_node_constraints() {
    let pod = Pod::from_json(json!({
        "metadata": {"name": "pg-0", "namespace": "db",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "d", "uid": "u"}]},
        "spec": {
            "nodeName": "db-1",
            "containers": [{"name": "a", "resources": {"requests": {"cpu": "250m", "memory": 1024}}}],
            "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "1"}}}],
            "tolerations": [{"key": "workload-type", "operator": "Exists"}, 7],
            "nodeSelector": {"zone": "a", "bad": 1},
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["db", 2]}]}]}}}
        },
        "status": {"phase": "Succeeded"}
    }))
    .expect("an object");
    assert!(pod.finished() && pod.daemonset());
    let req = &pod.spec.containers[0].resources.requests;
    assert_eq!(req.cpu.as_deref(), Some("250m"));
    assert_eq!(req.memory.as_deref(), Some("1024"));
    assert_eq!(
        pod.spec.init_containers[0]
            .resources
            .requests
            .cpu
            .as_deref(),
        Some("1")
    );
    assert_eq!(pod.spec.tolerations.len(), 2);
    let taint = node::Taint::parse("workload-type=database:NoSchedule");
    assert!(pod.spec.tolerations[0].tolerates(&taint));
    assert!(!pod.spec.tolerations[1].tolerates(&taint));
    assert_eq!(
        pod.spec.node_selector,
        [("zone".to_string(), "a".to_string())].into()
    );
    let terms = &pod.spec.affinity.node_affinity.required.node_selector_terms;
    assert_eq!(terms[0].match_expressions[0].key, "tier");
    assert_eq!(terms[0].match_expressions[0].values, ["db"]);
}
