//! Unit tests of pool grouping and warnings.

use super::*;
// The tests build objects as serde_json values and hand the domain their typed views.
use crate::model::views::{Node, Pod, View};
use serde_json::{Value, json};

fn node_view(v: &Value) -> Node {
    Node::from_json(v.clone()).expect("a node object")
}

fn pod_view(v: &Value) -> Pod {
    Pod::from_json(v.clone()).expect("a pod object")
}

fn group(
    nodes: &[Value],
    pods: &[Value],
    pool_label: Option<&str>,
    eks: &[NodegroupInfo],
) -> Vec<Pool> {
    let nodes: Vec<Node> = nodes.iter().map(node_view).collect();
    let pods: Vec<Pod> = pods.iter().map(pod_view).collect();
    super::group(&nodes, &pods, pool_label, eks)
}

fn tolerates(pod: &Value, taint: &Value) -> bool {
    let taint: Taint = serde_json::from_value(taint.clone()).expect("a taint");
    super::tolerates(&pod_view(pod), &taint)
}

fn pool_of(node: &Value, pool_label: Option<&str>) -> (Provider, String) {
    super::pool_of(&node_view(node), pool_label)
}

fn pod_requests(pod: &Value) -> (f64, f64) {
    super::pod_requests(&pod_view(pod))
}

fn node(name: &str, labels: Value, zone: &str, ready: bool) -> Value {
    let mut labels = labels;
    labels["kubernetes.io/hostname"] = json!(name);
    labels[ZONE_LABEL] = json!(zone);
    labels[INSTANCE_TYPE_LABEL] = json!("m6i.large");
    json!({
        "metadata": {"name": name, "labels": labels},
        "spec": {},
        "status": {
            "allocatable": {"cpu": "1930m", "memory": "7291780Ki", "pods": "29"},
            "conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": if ready { "True" } else { "False" }},
            ]
        }
    })
}

fn pod(name: &str, node: &str, cpu: &str, mem: &str) -> Value {
    json!({
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"nodeName": node, "containers": [{"name": "c", "resources": {"requests": {"cpu": cpu, "memory": mem}}}]},
        "status": {"phase": "Running"}
    })
}

fn eks_label(pool: &str) -> Value {
    json!({"eks.amazonaws.com/nodegroup": pool, "eks.amazonaws.com/capacityType": "ON_DEMAND", "workload-type": pool})
}

#[test]
fn every_provider_label_is_detected_in_order() {
    let cases = [
        ("eks.amazonaws.com/nodegroup", Provider::EksManaged),
        ("alpha.eksctl.io/nodegroup-name", Provider::Eksctl),
        ("karpenter.sh/nodepool", Provider::Karpenter),
        ("karpenter.sh/provisioner-name", Provider::Karpenter),
        ("cloud.google.com/gke-nodepool", Provider::Gke),
        ("kubernetes.azure.com/agentpool", Provider::Aks),
        ("agentpool", Provider::Aks),
        ("doks.digitalocean.com/node-pool", Provider::Doks),
        ("kops.k8s.io/instancegroup", Provider::Kops),
    ];
    for (label, provider) in cases {
        let n = node("n", json!({label: "p1"}), "z1", true);
        assert_eq!(pool_of(&n, None), (provider, "p1".to_string()), "{label}");
    }
    // EKS managed wins over eksctl when both are present.
    let both = node(
        "n",
        json!({"alpha.eksctl.io/nodegroup-name": "x", "eks.amazonaws.com/nodegroup": "y"}),
        "z",
        true,
    );
    assert_eq!(
        pool_of(&both, None),
        (Provider::EksManaged, "y".to_string())
    );
    let none = node("n", json!({}), "z", true);
    assert_eq!(
        pool_of(&none, None),
        (Provider::Unpooled, UNPOOLED.to_string())
    );
}

#[test]
fn user_label_overrides_provider_labels() {
    let n = node("n", eks_label("infra"), "z", true);
    let mut n2 = n.clone();
    n2["metadata"]["labels"]["workload-type"] = json!("special");
    assert_eq!(
        pool_of(&n2, Some("workload-type")),
        (Provider::Custom, "special".to_string())
    );
    let bare = node("m", json!({}), "z", true);
    assert_eq!(pool_of(&bare, Some("workload-type")).0, Provider::Unpooled);
}

#[test]
fn groups_mixed_pools_with_zones_requests_and_unpooled_last() {
    let nodes = vec![
        node("a1", eks_label("apps"), "eu-west-1a", true),
        node("a2", eks_label("apps"), "eu-west-1b", true),
        node(
            "k1",
            json!({"karpenter.sh/nodepool": "burst", "karpenter.sh/capacity-type": "spot"}),
            "eu-west-1c",
            true,
        ),
        node("x1", json!({}), "eu-west-1a", true),
    ];
    let pods = vec![
        pod("p1", "a1", "500m", "1Gi"),
        pod("p2", "a2", "250m", "512Mi"),
        pod("done", "a1", "4", "4Gi"),
    ];
    let mut pods = pods;
    pods[2]["status"]["phase"] = json!("Succeeded");
    let pools = group(&nodes, &pods, None, &[]);
    let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["apps", "burst", "unpooled"]);
    let apps = &pools[0];
    assert_eq!(apps.provider, Provider::EksManaged);
    assert_eq!((apps.ready(), apps.nodes.len()), (2, 2));
    assert_eq!(apps.zones.len(), 2);
    assert!(
        (apps.cpu_requested() - 0.75).abs() < 1e-9,
        "finished pods don't count"
    );
    assert_eq!(apps.pods(), 2);
    assert_eq!(
        apps.common_labels.get("workload-type").map(String::as_str),
        Some("apps")
    );
    assert!(!apps.common_labels.contains_key("kubernetes.io/hostname"));
    assert_eq!(
        pools[1].capacity_types.iter().next().map(String::as_str),
        Some("spot")
    );
    assert!(apps.warnings.is_empty(), "{:?}", apps.warnings);
}

#[test]
fn a_pool_of_one_node_has_no_redundancy() {
    let nodes = vec![node("d1", eks_label("db"), "eu-west-1a", true)];
    let pools = group(&nodes, &[], None, &[]);
    let w: Vec<&Warning> = pools[0]
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::SingleNode)
        .collect();
    assert_eq!(w.len(), 1, "{:?}", pools[0].warnings);
    assert!(
        w[0].message
            .starts_with("single node: no redundancy — d1 in zone eu-west-1a"),
        "{}",
        w[0].message
    );
    // Two nodes in one zone: the single-zone warning, not this one.
    let two = vec![
        node("d1", eks_label("db"), "eu-west-1a", true),
        node("d2", eks_label("db"), "eu-west-1a", true),
    ];
    let pools = group(&two, &[], None, &[]);
    assert!(
        !pools[0]
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::SingleNode)
    );
}

#[test]
fn single_zone_not_ready_and_pressure_warnings() {
    let mut n2 = node("d2", eks_label("db"), "eu-west-1a", false);
    n2["status"]["conditions"][0]["status"] = json!("True");
    let nodes = vec![node("d1", eks_label("db"), "eu-west-1a", true), n2];
    let pools = group(&nodes, &[], None, &[]);
    let kinds: Vec<&WarningKind> = pools[0].warnings.iter().map(|w| &w.kind).collect();
    assert!(kinds.contains(&&WarningKind::SingleZone));
    assert!(kinds.contains(&&WarningKind::NodeNotReady));
    assert!(kinds.contains(&&WarningKind::NodePressure));
    let text: Vec<&str> = pools[0]
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert!(text.iter().any(|t| t.contains("eu-west-1a")));
    assert!(text.iter().any(|t| t.contains("d2 reports MemoryPressure")));
}

#[test]
fn taint_without_tolerating_workload_is_flagged() {
    let taint = json!({"key": "workload-type", "value": "database", "effect": "NoSchedule"});
    let mut d1 = node("d1", eks_label("database"), "a", true);
    let mut d2 = node("d2", eks_label("database"), "b", true);
    d1["spec"]["taints"] = json!([taint]);
    d2["spec"]["taints"] = json!([taint]);
    let nodes = vec![d1, d2];
    // A DaemonSet pod tolerating everything does not count.
    let mut ds = pod("aws-node-x", "d1", "25m", "0");
    ds["metadata"]["ownerReferences"] = json!([{"kind": "DaemonSet", "name": "aws-node"}]);
    ds["spec"]["tolerations"] = json!([{"operator": "Exists"}]);
    let pools = group(&nodes, std::slice::from_ref(&ds), None, &[]);
    assert_eq!(
        pools[0].taints,
        vec!["workload-type=database:NoSchedule".to_string()]
    );
    assert!(
        pools[0]
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::TaintNotTolerated)
    );
    // A database pod that tolerates it clears the warning.
    let mut db = pod("db-1", "d1", "500m", "1Gi");
    db["spec"]["tolerations"] = json!([{"key": "workload-type", "operator": "Equal", "value": "database", "effect": "NoSchedule"}]);
    let pools = group(&nodes, &[ds, db], None, &[]);
    assert!(
        !pools[0]
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::TaintNotTolerated)
    );
}

#[test]
fn toleration_matching_rules() {
    let taint = json!({"key": "k", "value": "v", "effect": "NoSchedule"});
    let with = |tols: Value| json!({"spec": {"tolerations": tols}});
    assert!(tolerates(
        &with(json!([{"key": "k", "operator": "Equal", "value": "v"}])),
        &taint
    ));
    assert!(tolerates(
        &with(json!([{"key": "k", "operator": "Exists"}])),
        &taint
    ));
    assert!(tolerates(&with(json!([{"operator": "Exists"}])), &taint));
    assert!(!tolerates(
        &with(json!([{"key": "k", "value": "w"}])),
        &taint
    ));
    assert!(!tolerates(
        &with(json!([{"key": "k", "operator": "Exists", "effect": "NoExecute"}])),
        &taint
    ));
    assert!(!tolerates(&json!({"spec": {}}), &taint));
}

#[test]
fn overcommitted_requests_are_flagged() {
    let nodes = vec![
        node("a", eks_label("apps"), "z1", true),
        node("b", eks_label("apps"), "z2", true),
    ];
    let pods = vec![
        pod("big", "a", "1900m", "7Gi"),
        pod("big2", "b", "1900m", "100Mi"),
    ];
    let pools = group(&nodes, &pods, None, &[]);
    let kinds: Vec<&WarningKind> = pools[0].warnings.iter().map(|w| &w.kind).collect();
    assert!(
        kinds.contains(&&WarningKind::CpuOvercommitted),
        "{:?}",
        pools[0].warnings
    );
    assert!(!kinds.contains(&&WarningKind::MemoryOvercommitted));
}

#[test]
fn eks_node_group_data_is_merged_with_warnings() {
    let nodes = vec![
        node("a", eks_label("apps"), "z1", true),
        node("b", eks_label("apps"), "z2", true),
    ];
    let info = NodegroupInfo {
        name: "apps".into(),
        status: "ACTIVE".into(),
        min_size: 1,
        desired_size: 2,
        max_size: 4,
        health_issues: vec!["AsgInstanceLaunchFailures: capacity".into()],
        ..Default::default()
    };
    let pools = group(&nodes, &[], None, std::slice::from_ref(&info));
    assert_eq!(pools[0].eks.as_ref().map(|e| e.max_size), Some(4));
    let kinds: Vec<&WarningKind> = pools[0].warnings.iter().map(|w| &w.kind).collect();
    assert!(kinds.contains(&&WarningKind::EksMinSize));
    assert!(kinds.contains(&&WarningKind::EksHealth));
}

#[test]
fn init_containers_raise_requests_like_the_scheduler() {
    let mut p = pod("p", "n", "100m", "64Mi");
    p["spec"]["initContainers"] =
        json!([{"name": "init", "resources": {"requests": {"cpu": "1", "memory": "32Mi"}}}]);
    let (cpu, mem) = pod_requests(&p);
    assert!((cpu - 1.0).abs() < 1e-9);
    assert!((mem - 64.0 * 1024.0 * 1024.0).abs() < 1.0);
}

#[test]
fn pools_know_their_label_and_node_selector() {
    let nodes = vec![
        node("a", eks_label("apps"), "z1", true),
        node("b", json!({}), "z1", true),
    ];
    let pools = group(&nodes, &[], None, &[]);
    assert_eq!(
        pools[0].label.as_deref(),
        Some("eks.amazonaws.com/nodegroup")
    );
    assert_eq!(
        node_selector(&pools[0], None),
        "eks.amazonaws.com/nodegroup=apps"
    );
    assert_eq!(pools[1].label, None);
    let unpooled = node_selector(&pools[1], None);
    assert!(unpooled.starts_with("!eks.amazonaws.com/nodegroup,!alpha.eksctl.io/nodegroup-name"));
    assert_eq!(unpooled.matches('!').count(), PROVIDER_LABELS.len());

    let pools = group(&nodes, &[], Some("workload-type"), &[]);
    assert_eq!(
        node_selector(&pools[0], Some("workload-type")),
        "workload-type=apps"
    );
    assert_eq!(
        node_selector(&pools[1], Some("workload-type")),
        "!workload-type"
    );
}

#[test]
fn eks_node_groups_without_nodes_are_pools() {
    let nodes = vec![node("a", eks_label("apps"), "z1", true)];
    let gpu = NodegroupInfo {
        name: "gpu".into(),
        status: "ACTIVE".into(),
        min_size: 0,
        desired_size: 0,
        max_size: 2,
        capacity_type: Some("SPOT".into()),
        taints: vec!["nvidia.com/gpu=true:NoSchedule".into()],
        ..Default::default()
    };
    let stuck = NodegroupInfo {
        name: "batch".into(),
        status: "ACTIVE".into(),
        min_size: 2,
        desired_size: 2,
        max_size: 4,
        ..Default::default()
    };
    let pools = group(&nodes, &[], None, &[gpu, stuck]);
    let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["apps", "batch", "gpu"]);
    let gpu = &pools[2];
    assert!(gpu.nodes.is_empty());
    assert_eq!(gpu.provider, Provider::EksManaged);
    assert_eq!(gpu.taints, ["nvidia.com/gpu=true:NoSchedule"]);
    assert!(gpu.capacity_types.contains("SPOT"));
    assert!(
        gpu.warnings
            .iter()
            .all(|w| w.kind != WarningKind::NodesMissing)
    );
    assert!(
        pools[1]
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::NodesMissing && w.message.contains("wants 2 nodes"))
    );
    // With a user-named label, node group names need not match label values: no extras.
    assert_eq!(group(&nodes, &[], Some("workload-type"), &[]).len(), 1);
}

#[test]
fn usage_from_prometheus_sums_known_nodes() {
    use std::collections::BTreeMap;
    let nodes = vec![
        node("a", eks_label("infra"), "eu-west-1a", true),
        node("b", eks_label("infra"), "eu-west-1b", true),
        node("c", eks_label("apps"), "eu-west-1a", true),
    ];
    let mut pools = group(&nodes, &[], None, &[]);
    assert!(pools.iter().all(|p| p.cpu_used().is_none()));
    let cpu = BTreeMap::from([("a".to_string(), 0.5), ("b".to_string(), 1.0)]);
    let mem = BTreeMap::from([("c".to_string(), 2e9)]);
    apply_usage(&mut pools, &cpu, &mem);
    let infra = pools.iter().find(|p| p.name == "infra").unwrap();
    assert_eq!(infra.cpu_used(), Some(1.5));
    assert_eq!(infra.memory_used(), None);
    let apps = pools.iter().find(|p| p.name == "apps").unwrap();
    assert_eq!(apps.cpu_used(), None);
    assert_eq!(apps.memory_used(), Some(2e9));
}
