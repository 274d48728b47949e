//! Node pools: nodes grouped by the provider's pool label (or one the user names), with
//! capacity, requests, spread and the warnings an operator should act on.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::views::node::Taint;
use crate::model::views::pod::Toleration;
use crate::model::views::{Node, Pod};

use super::quantity;

/// Who manages a pool, detected from node labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Provider {
    EksManaged,
    Eksctl,
    Karpenter,
    Gke,
    Aks,
    Doks,
    Kops,
    /// The label the user named (`--pool-label`).
    Custom,
    Unpooled,
}

impl Provider {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Provider::EksManaged => "EKS managed",
            Provider::Eksctl => "eksctl",
            Provider::Karpenter => "Karpenter",
            Provider::Gke => "GKE",
            Provider::Aks => "AKS",
            Provider::Doks => "DOKS",
            Provider::Kops => "kops",
            Provider::Custom => "label",
            Provider::Unpooled => "unpooled",
        }
    }
}

/// Pool labels in order of detection.
pub(crate) const PROVIDER_LABELS: &[(&str, Provider)] = &[
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

pub(crate) const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
pub(crate) const INSTANCE_TYPE_LABEL: &str = "node.kubernetes.io/instance-type";
const CAPACITY_TYPE_LABELS: &[&str] = &[
    "eks.amazonaws.com/capacityType",
    "karpenter.sh/capacity-type",
    "cloud.google.com/gke-provisioning",
];
/// Name of the group of nodes that carry no pool label.
pub(crate) const UNPOOLED: &str = "unpooled";

/// The pool a node belongs to: (provider, pool name).
pub(crate) fn pool_of(node: &Node, pool_label: Option<&str>) -> (Provider, String) {
    let (provider, name, _) = pool_key(node, pool_label);
    (provider, name)
}

/// The pool a node belongs to with the label that decides it: (provider, pool name, label
/// key); the label is `None` for unpooled nodes.
fn pool_key(node: &Node, pool_label: Option<&str>) -> (Provider, String, Option<String>) {
    let get = |k: &str| node.meta.label(k);
    if let Some(label) = pool_label {
        return match get(label) {
            Some(v) => (Provider::Custom, v.to_string(), Some(label.to_string())),
            None => (Provider::Unpooled, UNPOOLED.to_string(), None),
        };
    }
    PROVIDER_LABELS
        .iter()
        .find_map(|(label, provider)| {
            get(label).map(|v| (*provider, v.to_string(), Some(label.to_string())))
        })
        .unwrap_or((Provider::Unpooled, UNPOOLED.to_string(), None))
}

/// A label selector for the nodes of a pool: `label=name`, or for the unpooled group the
/// absence of every pool label (`!a,!b`).
pub(crate) fn node_selector(pool: &Pool, pool_label: Option<&str>) -> String {
    match &pool.label {
        Some(label) => format!("{label}={}", pool.name),
        None => match pool_label {
            Some(l) => format!("!{l}"),
            None => PROVIDER_LABELS
                .iter()
                .map(|(l, _)| format!("!{l}"))
                .collect::<Vec<_>>()
                .join(","),
        },
    }
}

/// Whether a pod's tolerations tolerate a taint (Kubernetes' matching rules).
pub(crate) fn tolerates(pod: &Pod, taint: &Taint) -> bool {
    tolerated_by(&pod.spec.tolerations, taint)
}

/// Whether one of these tolerations tolerates a taint.
fn tolerated_by(tols: &[Toleration], taint: &Taint) -> bool {
    tols.iter().any(|t| t.tolerates(taint))
}

/// The distinct toleration lists of running pods other than DaemonSets' (the workloads a
/// tainted pool could run), read once per grouping rather than once per taint.
fn workload_tolerations(pods: &[Pod]) -> Vec<&[Toleration]> {
    let mut out: Vec<&[Toleration]> = Vec::new();
    for tols in pods.iter().filter_map(workload_tolerations_of) {
        // Pods of one workload carry the same list; most clusters have few distinct ones.
        if !out.iter().rev().take(8).any(|seen| *seen == tols) {
            out.push(tols);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeSummary {
    pub name: String,
    pub ready: bool,
    /// Conditions other than Ready that are True (MemoryPressure, DiskPressure, PIDPressure…).
    pub(crate) pressures: Vec<String>,
    pub(crate) unschedulable: bool,
    pub zone: Option<String>,
    pub(crate) instance_type: Option<String>,
    pub(crate) cpu_allocatable: f64,
    pub(crate) memory_allocatable: f64,
    pub(crate) pods_allocatable: f64,
    pub(crate) cpu_requested: f64,
    pub(crate) memory_requested: f64,
    pub pods: usize,
    /// CPU cores in use (Prometheus), when known.
    pub(crate) cpu_used: Option<f64>,
    /// Working-set memory bytes (Prometheus), when known.
    pub(crate) memory_used: Option<f64>,
}

/// What EKS says about a managed node group (from `describe_nodegroup`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodegroupInfo {
    pub name: String,
    pub status: String,
    pub min_size: i32,
    pub desired_size: i32,
    pub max_size: i32,
    pub release_version: Option<String>,
    pub(crate) ami_type: Option<String>,
    pub instance_types: Vec<String>,
    pub(crate) capacity_type: Option<String>,
    /// Kubernetes labels EKS puts on the group's nodes.
    pub labels: BTreeMap<String, String>,
    /// Taints EKS puts on the group's nodes, as Kubernetes shows them (`k=v:NoSchedule`).
    pub taints: Vec<String>,
    /// `code: message` per health issue.
    pub health_issues: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WarningKind {
    SingleZone,
    /// One node: no redundancy at all (a node failure takes the pool down).
    SingleNode,
    EksMinSize,
    NodeNotReady,
    NodePressure,
    /// An EKS node group wants nodes but none has joined the cluster.
    NodesMissing,
    TaintNotTolerated,
    CpuOvercommitted,
    MemoryOvercommitted,
    EksHealth,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub kind: WarningKind,
    /// The reason, in words.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub name: String,
    pub(crate) provider: Provider,
    /// The node label whose value names the pool (`None` for the unpooled group).
    pub label: Option<String>,
    pub nodes: Vec<NodeSummary>,
    /// zone → nodes in it (nodes without a zone label under `<none>`).
    pub zones: BTreeMap<String, usize>,
    pub instance_types: BTreeMap<String, usize>,
    pub(crate) capacity_types: BTreeSet<String>,
    /// Taints as Kubernetes shows them, common to every node of the pool.
    pub taints: Vec<String>,
    /// Labels with the same value on every node (hostname-like labels excluded).
    pub(crate) common_labels: BTreeMap<String, String>,
    pub eks: Option<NodegroupInfo>,
    pub warnings: Vec<Warning>,
}

impl Pool {
    pub fn ready(&self) -> usize {
        self.nodes.iter().filter(|n| n.ready).count()
    }
    pub(crate) fn cpu_allocatable(&self) -> f64 {
        self.nodes.iter().map(|n| n.cpu_allocatable).sum()
    }
    pub(crate) fn cpu_requested(&self) -> f64 {
        self.nodes.iter().map(|n| n.cpu_requested).sum()
    }
    pub(crate) fn memory_allocatable(&self) -> f64 {
        self.nodes.iter().map(|n| n.memory_allocatable).sum()
    }
    pub(crate) fn memory_requested(&self) -> f64 {
        self.nodes.iter().map(|n| n.memory_requested).sum()
    }
    pub fn pods(&self) -> usize {
        self.nodes.iter().map(|n| n.pods).sum()
    }
    pub(crate) fn pods_allocatable(&self) -> f64 {
        self.nodes.iter().map(|n| n.pods_allocatable).sum()
    }
    /// CPU in use over the nodes that have a value; `None` when none has.
    pub(crate) fn cpu_used(&self) -> Option<f64> {
        sum_known(self.nodes.iter().map(|n| n.cpu_used))
    }
    pub(crate) fn memory_used(&self) -> Option<f64> {
        sum_known(self.nodes.iter().map(|n| n.memory_used))
    }
}

fn sum_known(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values
        .flatten()
        .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

/// Fills in per-node CPU and memory use (by node name, from Prometheus).
pub(crate) fn apply_usage(
    pools: &mut [Pool],
    cpu: &BTreeMap<String, f64>,
    memory: &BTreeMap<String, f64>,
) {
    for node in pools.iter_mut().flat_map(|p| p.nodes.iter_mut()) {
        node.cpu_used = cpu.get(&node.name).copied();
        node.memory_used = memory.get(&node.name).copied();
    }
}

/// A quantity's value (`500m` → 0.5); 0 when it is absent or not one.
pub fn q(text: Option<&String>) -> f64 {
    text.and_then(|t| quantity::parse(t)).unwrap_or(0.0)
}

/// Requests of a pod as the scheduler sums them: max(sum of containers, any init container).
pub(crate) fn pod_requests(pod: &Pod) -> (f64, f64) {
    let (mut cpu, mut mem) = (0.0, 0.0);
    for c in &pod.spec.containers {
        cpu += q(c.resources.requests.cpu.as_ref());
        mem += q(c.resources.requests.memory.as_ref());
    }
    for c in &pod.spec.init_containers {
        cpu = f64::max(cpu, q(c.resources.requests.cpu.as_ref()));
        mem = f64::max(mem, q(c.resources.requests.memory.as_ref()));
    }
    (cpu, mem)
}

/// Labels that differ per node by nature and say nothing about the pool.
fn is_per_node_label(key: &str) -> bool {
    matches!(
        key,
        "kubernetes.io/hostname"
            | ZONE_LABEL
            | "failure-domain.beta.kubernetes.io/zone"
            | "topology.ebs.csi.aws.com/zone"
            | "k8s.io/cloud-provider-aws"
    ) || key.starts_with("topology.k8s.aws/")
}

fn summarize_node(node: &Node, load: NodeLoad) -> NodeSummary {
    let label = |k: &str| node.meta.label(k).map(str::to_string);
    let pressures = node
        .status
        .conditions
        .iter()
        .filter(|c| c.kind.as_deref() != Some("Ready") && c.status.as_deref() == Some("True"))
        .filter_map(|c| c.kind.clone())
        .collect();
    let allocatable = &node.status.allocatable;
    NodeSummary {
        name: node.name().to_string(),
        ready: node.condition("Ready") == Some("True"),
        pressures,
        unschedulable: node.spec.unschedulable,
        zone: label(ZONE_LABEL),
        instance_type: label(INSTANCE_TYPE_LABEL),
        cpu_allocatable: q(allocatable.cpu.as_ref()),
        memory_allocatable: q(allocatable.memory.as_ref()),
        pods_allocatable: q(allocatable.pods.as_ref()),
        cpu_requested: load.cpu(),
        memory_requested: load.memory(),
        pods: load.pods,
        cpu_used: None,
        memory_used: None,
    }
}

/// The nodes of one pool while grouping: provider, pool label, members.
type Members<'a> = (Provider, Option<String>, Vec<&'a Node>);

/// What the active pods on one node request, summed exactly: integer nano-cores and bytes,
/// so that a sum kept up to date pod by pod (`app::pools::index`) equals a fresh one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NodeLoad {
    pub(crate) cpu_nanos: i128,
    pub(crate) memory_bytes: i128,
    pub pods: usize,
}

impl NodeLoad {
    pub(crate) fn cpu(self) -> f64 {
        self.cpu_nanos as f64 / 1e9
    }
    pub(crate) fn memory(self) -> f64 {
        self.memory_bytes as f64
    }
    /// Adds (`sign` 1) or takes away (`sign` -1) one pod's requests.
    pub(crate) fn apply(&mut self, (cpu, mem): (i128, i128), sign: i8) {
        if sign >= 0 {
            self.cpu_nanos += cpu;
            self.memory_bytes += mem;
            self.pods += 1;
        } else {
            self.cpu_nanos -= cpu;
            self.memory_bytes -= mem;
            self.pods = self.pods.saturating_sub(1);
        }
    }
}

/// A pod's requests as [`NodeLoad`] sums them: (nano-cores, bytes).
pub(crate) fn pod_load(pod: &Pod) -> (i128, i128) {
    let (cpu, mem) = pod_requests(pod);
    ((cpu * 1e9).round() as i128, mem.round() as i128)
}

/// The node a pod counts against: its `spec.nodeName` while it is active (scheduled and
/// not finished).
pub(crate) fn counted_on(pod: &Pod) -> Option<&str> {
    pod.spec.node_name.as_deref().filter(|_| !pod.finished())
}

/// The tolerations of a pod that counts as a workload a tainted pool could run (running,
/// not a DaemonSet's); `None` for other pods.
pub(crate) fn workload_tolerations_of(pod: &Pod) -> Option<&[Toleration]> {
    (pod.status.phase.as_deref() == Some("Running") && !pod.daemonset())
        .then_some(pod.spec.tolerations.as_slice())
}

/// Groups nodes into pools (provider labels, or `pool_label`), sums pod requests per node,
/// merges EKS node group data and computes warnings. Pools are sorted by name, the
/// unpooled group last.
pub fn group(
    nodes: &[Node],
    pods: &[Pod],
    pool_label: Option<&str>,
    eks: &[NodegroupInfo],
) -> Vec<Pool> {
    let mut loads: HashMap<String, NodeLoad> = HashMap::new();
    for pod in pods {
        if let Some(node) = counted_on(pod) {
            loads
                .entry(node.to_string())
                .or_default()
                .apply(pod_load(pod), 1);
        }
    }
    let tolerations = workload_tolerations(pods);
    let nodes: Vec<&Node> = nodes.iter().collect();
    group_loaded(&nodes, &loads, &tolerations, pool_label, eks)
}

/// [`group`] from what the pods add up to: the load per node name and the distinct
/// toleration lists of the workloads (in any order, repeats allowed).
pub(crate) fn group_loaded(
    nodes: &[&Node],
    loads: &HashMap<String, NodeLoad>,
    tolerations: &[&[Toleration]],
    pool_label: Option<&str>,
    eks: &[NodegroupInfo],
) -> Vec<Pool> {
    // (unpooled last, name) → (provider, pool label, member nodes)
    let mut groups: BTreeMap<(bool, String), Members> = BTreeMap::new();
    for node in nodes {
        let (provider, name, label) = pool_key(node, pool_label);
        let entry = groups
            .entry((provider == Provider::Unpooled, name))
            .or_insert((provider, label, Vec::new()));
        entry.2.push(node);
    }
    // EKS node groups without a node in the cluster (scaled to zero, or nodes not joining)
    // are pools too, when pools follow the provider labels.
    if pool_label.is_none() {
        for g in eks {
            groups.entry((false, g.name.clone())).or_insert((
                Provider::EksManaged,
                Some(PROVIDER_LABELS[0].0.to_string()),
                Vec::new(),
            ));
        }
    }
    groups
        .into_iter()
        .map(|((_, name), (provider, label, members))| {
            build_pool(name, provider, label, &members, loads, tolerations, eks)
        })
        .collect()
}

fn build_pool(
    name: String,
    provider: Provider,
    label: Option<String>,
    members: &[&Node],
    loads: &HashMap<String, NodeLoad>,
    tolerations: &[&[Toleration]],
    eks: &[NodegroupInfo],
) -> Pool {
    let nodes: Vec<NodeSummary> = members
        .iter()
        .map(|n| summarize_node(n, loads.get(n.name()).copied().unwrap_or_default()))
        .collect();
    let mut zones = BTreeMap::new();
    let mut instance_types = BTreeMap::new();
    for n in &nodes {
        *zones
            .entry(n.zone.clone().unwrap_or_else(|| "<none>".into()))
            .or_insert(0) += 1;
        if let Some(t) = &n.instance_type {
            *instance_types.entry(t.clone()).or_insert(0) += 1;
        }
    }
    let mut capacity_types: BTreeSet<String> = members
        .iter()
        .filter_map(|n| {
            CAPACITY_TYPE_LABELS
                .iter()
                .find_map(|l| n.meta.label(l).map(str::to_string))
        })
        .collect();
    // Taints present on every node of the pool.
    let common_taints: Vec<Taint> = members
        .first()
        .map(|first| {
            first
                .spec
                .taints
                .iter()
                .filter(|t| members.iter().all(|n| n.spec.taints.contains(t)))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let common_labels = common_labels(members);
    let eks_info = (provider == Provider::EksManaged || provider == Provider::Custom)
        .then(|| eks.iter().find(|g| g.name == name).cloned())
        .flatten();
    let mut taints: Vec<String> = common_taints.iter().map(Taint::text).collect();
    if members.is_empty()
        && let Some(g) = &eks_info
    {
        taints.clone_from(&g.taints);
        capacity_types.extend(g.capacity_type.clone());
    }
    let mut pool = Pool {
        name,
        provider,
        label,
        nodes,
        zones,
        instance_types,
        capacity_types,
        taints,
        common_labels,
        eks: eks_info,
        warnings: Vec::new(),
    };
    pool.warnings = warnings(&pool, &common_taints, tolerations);
    pool
}

fn common_labels(members: &[&Node]) -> BTreeMap<String, String> {
    let Some(first) = members.first() else {
        return BTreeMap::new();
    };
    first
        .meta
        .labels
        .iter()
        .filter(|(k, _)| !is_per_node_label(k))
        .filter(|(k, v)| members.iter().all(|n| n.meta.labels.get(*k) == Some(*v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Above this share of allocatable, requests are flagged.
pub(crate) const OVERCOMMIT_RATIO: f64 = 0.9;

fn warnings(pool: &Pool, taints: &[Taint], tolerations: &[&[Toleration]]) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut warn = |kind: WarningKind, message: String| out.push(Warning { kind, message });
    let known_zones: Vec<&String> = pool.zones.keys().filter(|z| *z != "<none>").collect();
    if let [only] = pool.nodes.as_slice() {
        let zone = known_zones
            .first()
            .map_or_else(|| "an unknown zone".to_string(), |z| format!("zone {z}"));
        warn(
            WarningKind::SingleNode,
            format!(
                "single node: no redundancy — {} in {zone} is the whole pool; its failure or a zone outage takes the pool down",
                only.name
            ),
        );
    }
    if pool.nodes.len() > 1 && known_zones.len() == 1 {
        warn(
            WarningKind::SingleZone,
            format!(
                "all {} nodes are in zone {}: a zone outage takes the whole pool down",
                pool.nodes.len(),
                known_zones[0]
            ),
        );
    }
    if let Some(eks) = &pool.eks {
        if eks.min_size < 2 {
            warn(
                WarningKind::EksMinSize,
                format!(
                    "EKS min size is {}: the node group may scale to fewer than 2 nodes (seeds advise min ≥ 2 across ≥ 2 zones)",
                    eks.min_size
                ),
            );
        }
        for issue in &eks.health_issues {
            warn(WarningKind::EksHealth, format!("EKS health issue: {issue}"));
        }
        if pool.nodes.is_empty() && eks.desired_size > 0 {
            warn(
                WarningKind::NodesMissing,
                format!(
                    "EKS wants {} nodes in this node group but none has joined the cluster",
                    eks.desired_size
                ),
            );
        }
    }
    for n in &pool.nodes {
        if !n.ready {
            warn(
                WarningKind::NodeNotReady,
                format!("node {} is NotReady", n.name),
            );
        }
        for p in &n.pressures {
            warn(
                WarningKind::NodePressure,
                format!("node {} reports {p}", n.name),
            );
        }
    }
    for taint in taints {
        if taint.effect == "PreferNoSchedule" {
            continue;
        }
        let tolerated = tolerations.iter().any(|tols| tolerated_by(tols, taint));
        if !tolerated {
            warn(
                WarningKind::TaintNotTolerated,
                format!(
                    "taint {} is tolerated by no running workload (DaemonSets aside): the pool runs nothing useful",
                    taint.text()
                ),
            );
        }
    }
    let ratio = |req: f64, alloc: f64| if alloc > 0.0 { req / alloc } else { 0.0 };
    let cpu = ratio(pool.cpu_requested(), pool.cpu_allocatable());
    if cpu > OVERCOMMIT_RATIO {
        warn(
            WarningKind::CpuOvercommitted,
            format!(
                "CPU requests are {:.0}% of allocatable ({} of {}): new pods may not schedule",
                cpu * 100.0,
                quantity::format_cpu(pool.cpu_requested()),
                quantity::format_cpu(pool.cpu_allocatable())
            ),
        );
    }
    let mem = ratio(pool.memory_requested(), pool.memory_allocatable());
    if mem > OVERCOMMIT_RATIO {
        warn(
            WarningKind::MemoryOvercommitted,
            format!(
                "memory requests are {:.0}% of allocatable ({} of {}): new pods may not schedule",
                mem * 100.0,
                quantity::format_bytes(pool.memory_requested()),
                quantity::format_bytes(pool.memory_allocatable())
            ),
        );
    }
    out
}

#[cfg(test)]
#[path = "pools_tests.rs"]
mod tests;
