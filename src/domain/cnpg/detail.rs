//! One Cluster in detail, like `kubectl cnpg status` but from watched objects: instances with
//! their role, node, zone and pool; services; conditions; PDBs; recent events; warnings.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::ClusterSummary;
use super::warnings::{Warning, detail_warnings};
use crate::model::views::{Cluster, Event, Node, Pod, PodDisruptionBudget, Service};

/// Node labels naming a node pool, most specific first.
const POOL_LABELS: &[&str] = &[
    "eks.amazonaws.com/nodegroup",
    "karpenter.sh/nodepool",
    "cloud.google.com/gke-nodepool",
    "kubernetes.azure.com/agentpool",
    "doks.digitalocean.com/node-pool",
    "kops.k8s.io/instancegroup",
    "workload-type",
    "alpha.eksctl.io/nodegroup-name",
    "karpenter.sh/provisioner-name",
    "agentpool",
];

const ZONE_LABELS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

/// Zone of a Node object, from its topology label.
pub(crate) fn node_zone(node: &Node) -> Option<String> {
    ZONE_LABELS
        .iter()
        .find_map(|key| node.meta.label(key).filter(|v| !v.is_empty()))
        .map(str::to_string)
}

/// Node pool of a Node object: the first pool label it carries (EKS node group, Karpenter
/// node pool, GKE, AKS, DOKS, kOps, then `workload-type`).
pub(crate) fn node_pool(node: &Node) -> Option<String> {
    POOL_LABELS
        .iter()
        .find_map(|key| node.meta.label(key).filter(|v| !v.is_empty()))
        .map(str::to_string)
}

/// Role of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceRole {
    Primary,
    Replica,
    Unhealthy,
    Unknown,
}

impl InstanceRole {
    /// The label value (`primary`, `replica`, `unhealthy`), `unknown` otherwise.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceRole::Primary => "primary",
            InstanceRole::Replica => "replica",
            InstanceRole::Unhealthy => "unhealthy",
            InstanceRole::Unknown => "unknown",
        }
    }

    pub(crate) fn from_label(value: &str) -> Option<Self> {
        match value {
            "primary" => Some(InstanceRole::Primary),
            "replica" => Some(InstanceRole::Replica),
            "unhealthy" => Some(InstanceRole::Unhealthy),
            _ => None,
        }
    }
}

/// The group `status.instancesStatus` lists an instance under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InstanceStatusGroup {
    /// Active and ready.
    Healthy,
    /// Active, not ready yet.
    Replicating,
    /// Will not be scheduled again (deleted, evicted, failed).
    Failed,
}

fn status_group(cluster: &Cluster, pod: &str) -> Option<InstanceStatusGroup> {
    let s = cluster.status.instances_status.as_ref()?;
    [
        (&s.healthy, InstanceStatusGroup::Healthy),
        (&s.replicating, InstanceStatusGroup::Replicating),
        (&s.failed, InstanceStatusGroup::Failed),
    ]
    .into_iter()
    .find(|(names, _)| names.iter().any(|p| p == pod))
    .map(|(_, group)| group)
}

/// Role of instance `pod_name` of `cluster`: the failed group of `status.instancesStatus` or
/// a missing pod make it unhealthy; otherwise the `cnpg.io/instanceRole` label (or the
/// deprecated `role`) decides; without labels, `status.currentPrimary` and
/// `status.instanceNames` do.
pub(crate) fn instance_role(pod: Option<&Pod>, pod_name: &str, cluster: &Cluster) -> InstanceRole {
    if status_group(cluster, pod_name) == Some(InstanceStatusGroup::Failed) {
        return InstanceRole::Unhealthy;
    }
    let Some(pod) = pod else {
        return InstanceRole::Unhealthy;
    };
    let labelled = pod
        .meta
        .label(super::label::INSTANCE_ROLE)
        .or_else(|| pod.meta.label(super::label::ROLE))
        .and_then(InstanceRole::from_label);
    if let Some(role) = labelled {
        return role;
    }
    if cluster.status.current_primary.as_deref() == Some(pod_name) {
        InstanceRole::Primary
    } else if cluster.status.instance_names.iter().any(|n| n == pod_name) {
        InstanceRole::Replica
    } else {
        InstanceRole::Unknown
    }
}

/// Per-instance numbers from Prometheus (cnpg metrics); `None` fields are unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InstanceMetrics {
    /// `cnpg_pg_replication_lag`, seconds.
    pub(crate) lag_seconds: Option<f64>,
    /// `cnpg_pg_replication_is_wal_receiver_up`.
    pub(crate) wal_receiver_up: Option<bool>,
}

/// Whether a replica receives WAL from the primary.
#[allow(
    clippy::enum_variant_names,
    reason = "`Streaming` is what the operator reports"
)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Streaming {
    /// The primary does not stream from anyone.
    NotApplicable,
    Streaming,
    /// Not streaming, and why (`pod not ready`, `WAL receiver down`, …).
    NotStreaming(String),
    /// Nothing says (no metrics and the pod looks fine).
    Unknown,
}

/// One instance of the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRow {
    pub pod: String,
    pub role: InstanceRole,
    /// The pod object exists.
    pub exists: bool,
    /// The pod's Ready condition is True.
    pub ready: bool,
    /// The pod has a deletionTimestamp.
    pub(crate) terminating: bool,
    /// Pod `status.phase` (Running, Pending, …), empty when the pod is missing.
    pub(crate) pod_phase: String,
    pub(crate) status_group: Option<InstanceStatusGroup>,
    pub node: Option<String>,
    pub zone: Option<String>,
    pub pool: Option<String>,
    pub restarts: u32,
    /// Replication lag in seconds; `None` is unknown (no metrics), never zero.
    pub(crate) lag_seconds: Option<f64>,
    pub streaming: Streaming,
    /// Timeline the instance manager last reported (`status.instancesReportedState`).
    pub timeline_id: Option<i64>,
}

impl InstanceRow {
    /// The lag for display: `0.4s`, `12s`, or `unknown`.
    pub(crate) fn lag_text(&self) -> String {
        match self.lag_seconds {
            None => "unknown".to_string(),
            Some(s) if s < 10.0 => format!("{s:.1}s"),
            Some(s) => format!("{s:.0}s"),
        }
    }
}

/// Which of the three services the operator creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKind {
    /// `<cluster>-rw`: the primary.
    ReadWrite,
    /// `<cluster>-ro`: replicas only.
    ReadOnly,
    /// `<cluster>-r`: any instance.
    Read,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 3] = [
        ServiceKind::ReadWrite,
        ServiceKind::ReadOnly,
        ServiceKind::Read,
    ];

    pub(crate) fn suffix(self) -> &'static str {
        match self {
            ServiceKind::ReadWrite => "rw",
            ServiceKind::ReadOnly => "ro",
            ServiceKind::Read => "r",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub kind: ServiceKind,
    pub name: String,
    pub exists: bool,
    pub(crate) cluster_ip: Option<String>,
    pub port: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConditionRow {
    pub(crate) type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub(crate) last_transition: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PdbRow {
    pub name: String,
    /// `minAvailable 1`, `maxUnavailable 25%`.
    pub(crate) budget: String,
    /// The instance role the PDB selects (`primary`, `replica`), if it selects by role.
    pub role: Option<String>,
    pub(crate) current_healthy: Option<i64>,
    pub(crate) desired_healthy: Option<i64>,
    pub(crate) disruptions_allowed: Option<i64>,
    pub(crate) expected_pods: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub at: Option<Timestamp>,
    /// Normal or Warning.
    pub(crate) type_: String,
    pub reason: String,
    /// `Cluster/keycloak-db`, `Pod/keycloak-db-1`.
    pub object: String,
    pub message: String,
    pub count: u32,
}

/// Tunables of the warnings and lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetailOptions {
    /// A failover or switchover running longer than this is a warning.
    pub(crate) failover_warn_after_secs: u64,
    /// Replication lag above this is a warning.
    pub(crate) lag_warn_secs: f64,
    /// At most this many events, newest first.
    pub(crate) max_events: usize,
}

impl Default for DetailOptions {
    fn default() -> Self {
        DetailOptions {
            failover_warn_after_secs: 60,
            lag_warn_secs: 30.0,
            max_events: 20,
        }
    }
}

static NO_METRICS: BTreeMap<String, InstanceMetrics> = BTreeMap::new();

/// What a detail is made from. Lists may hold objects of other clusters and namespaces:
/// only the ones of this cluster are used.
#[derive(Debug, Clone, Copy)]
pub struct ClusterInputs<'a> {
    pub cluster: &'a Cluster,
    pub pods: &'a [Pod],
    pub nodes: &'a [Node],
    pub services: &'a [Service],
    pub pdbs: &'a [PodDisruptionBudget],
    pub events: &'a [Event],
    /// Per pod name; a pod without an entry has unknown metrics.
    pub metrics: &'a BTreeMap<String, InstanceMetrics>,
}

impl<'a> ClusterInputs<'a> {
    /// Just the Cluster; set the other fields with struct update syntax.
    pub fn new(cluster: &'a Cluster) -> Self {
        ClusterInputs {
            cluster,
            pods: &[],
            nodes: &[],
            services: &[],
            pdbs: &[],
            events: &[],
            metrics: &NO_METRICS,
        }
    }
}

/// Everything the detail view shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterDetail {
    pub summary: ClusterSummary,
    pub instances: Vec<InstanceRow>,
    pub services: Vec<ServiceRow>,
    pub(crate) conditions: Vec<ConditionRow>,
    pub pdbs: Vec<PdbRow>,
    pub events: Vec<EventRow>,
    pub warnings: Vec<Warning>,
}

/// Builds the detail of `inputs.cluster`; `None` when it is not a named object.
pub fn cluster_detail(
    inputs: &ClusterInputs<'_>,
    opts: &DetailOptions,
    now: Timestamp,
) -> Option<ClusterDetail> {
    let summary = ClusterSummary::from_cluster(inputs.cluster)?;
    let instances = instance_rows(inputs, &summary);
    let warnings = detail_warnings(&summary, &instances, opts, now);
    let instance_names: BTreeSet<&str> = instances.iter().map(|i| i.pod.as_str()).collect();
    Some(ClusterDetail {
        services: service_rows(inputs, &summary),
        conditions: condition_rows(inputs.cluster),
        pdbs: pdb_rows(inputs, &summary),
        events: event_rows(inputs, &summary, &instance_names, opts.max_events),
        instances,
        warnings,
        summary,
    })
}

/// Serial number of `<cluster>-<n>` (for ordering), `u64::MAX` when there is none.
fn serial(cluster: &str, pod: &str) -> u64 {
    pod.strip_prefix(cluster)
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

fn is_instance_pod(pod: &Pod, summary: &ClusterSummary) -> bool {
    if pod.meta.namespace != summary.namespace
        || pod.meta.label(super::label::CLUSTER) != Some(summary.name.as_str())
    {
        return false;
    }
    if pod.meta.label(super::label::JOB_ROLE).is_some() {
        return false;
    }
    match pod.meta.label(super::label::POD_ROLE) {
        Some(role) => role == "instance",
        None => true,
    }
}

fn pod_restarts(pod: &Pod) -> u32 {
    pod.status
        .container_statuses
        .iter()
        .filter_map(|c| c.restart_count)
        .map(|n| u32::try_from(n).unwrap_or(0))
        .sum()
}

fn instance_rows(inputs: &ClusterInputs<'_>, summary: &ClusterSummary) -> Vec<InstanceRow> {
    let pods: BTreeMap<&str, &Pod> = inputs
        .pods
        .iter()
        .filter(|p| is_instance_pod(p, summary))
        .map(|p| (p.meta.name.as_str(), p))
        .collect();
    let nodes: BTreeMap<&str, &Node> = inputs
        .nodes
        .iter()
        .map(|n| (n.meta.name.as_str(), n))
        .collect();
    let mut names: BTreeSet<&str> = pods.keys().copied().collect();
    names.extend(summary.instance_names.iter().map(String::as_str));
    let mut rows: Vec<InstanceRow> = names
        .into_iter()
        .filter(|n| !n.is_empty())
        .map(|name| {
            let pod = pods.get(name).copied();
            let node_name = pod.and_then(|p| p.spec.node_name.clone());
            let node = node_name.as_deref().and_then(|n| nodes.get(n).copied());
            let metrics = inputs.metrics.get(name).copied().unwrap_or_default();
            let role = instance_role(pod, name, inputs.cluster);
            let mut row = InstanceRow {
                pod: name.to_string(),
                role,
                exists: pod.is_some(),
                ready: pod.is_some_and(Pod::is_ready),
                terminating: pod.is_some_and(|p| p.meta.deleting),
                pod_phase: pod.and_then(|p| p.status.phase.clone()).unwrap_or_default(),
                status_group: status_group(inputs.cluster, name),
                zone: node.and_then(node_zone),
                pool: node.and_then(node_pool),
                node: node_name,
                restarts: pod.map(pod_restarts).unwrap_or(0),
                lag_seconds: if role == InstanceRole::Primary {
                    None
                } else {
                    metrics.lag_seconds
                },
                streaming: Streaming::Unknown,
                timeline_id: inputs.cluster.reported_timeline(name),
            };
            row.streaming = streaming(&row, &metrics);
            row
        })
        .collect();
    rows.sort_by(|a, b| {
        serial(&summary.name, &a.pod)
            .cmp(&serial(&summary.name, &b.pod))
            .then_with(|| a.pod.cmp(&b.pod))
    });
    rows
}

fn streaming(row: &InstanceRow, metrics: &InstanceMetrics) -> Streaming {
    if row.role == InstanceRole::Primary {
        return Streaming::NotApplicable;
    }
    let not = |why: &str| Streaming::NotStreaming(why.to_string());
    if !row.exists {
        return not("pod missing");
    }
    if row.terminating {
        return not("pod terminating");
    }
    if row.status_group == Some(InstanceStatusGroup::Failed) {
        return not("instance failed");
    }
    if metrics.wal_receiver_up == Some(false) {
        return not("WAL receiver down");
    }
    if !row.ready {
        return not("pod not ready");
    }
    match metrics.wal_receiver_up {
        Some(true) => Streaming::Streaming,
        _ => Streaming::Unknown,
    }
}

fn service_rows(inputs: &ClusterInputs<'_>, summary: &ClusterSummary) -> Vec<ServiceRow> {
    ServiceKind::ALL
        .into_iter()
        .map(|kind| {
            let name = format!("{}-{}", summary.name, kind.suffix());
            let svc = inputs
                .services
                .iter()
                .find(|s| s.meta.name == name && s.meta.namespace == summary.namespace);
            ServiceRow {
                kind,
                exists: svc.is_some(),
                cluster_ip: svc.and_then(|s| s.cluster_ip.clone()),
                port: svc.and_then(|s| s.port),
                name,
            }
        })
        .collect()
}

fn condition_rows(cluster: &Cluster) -> Vec<ConditionRow> {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    cluster
        .status
        .conditions
        .iter()
        .map(|c| ConditionRow {
            type_: text(&c.kind),
            status: text(&c.status),
            reason: text(&c.reason),
            message: text(&c.message),
            last_transition: c.last_transition_time,
        })
        .collect()
}

fn pdb_rows(inputs: &ClusterInputs<'_>, summary: &ClusterSummary) -> Vec<PdbRow> {
    let owned_by_cluster = |pdb: &PodDisruptionBudget| {
        pdb.meta
            .owners
            .iter()
            .any(|o| o.kind == super::KIND && o.name == summary.name)
    };
    let mut rows: Vec<PdbRow> = inputs
        .pdbs
        .iter()
        .filter(|p| p.meta.namespace == summary.namespace)
        .filter(|p| {
            owned_by_cluster(p)
                || p.match_labels
                    .get(super::label::CLUSTER)
                    .map(String::as_str)
                    == Some(summary.name.as_str())
        })
        .map(|p| {
            let budget = match (p.min_available.clone(), p.max_unavailable.clone()) {
                (Some(min), _) => format!("minAvailable {min}"),
                (None, Some(max)) => format!("maxUnavailable {max}"),
                (None, None) => "-".to_string(),
            };
            PdbRow {
                name: p.meta.name.clone(),
                budget,
                role: p.match_labels.get(super::label::INSTANCE_ROLE).cloned(),
                current_healthy: p.current_healthy,
                desired_healthy: p.desired_healthy,
                disruptions_allowed: p.disruptions_allowed,
                expected_pods: p.expected_pods,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

/// When an event last happened: the latest of the core/v1 and events.k8s.io/v1 fields.
fn event_rows(
    inputs: &ClusterInputs<'_>,
    summary: &ClusterSummary,
    instance_pods: &BTreeSet<&str>,
    max: usize,
) -> Vec<EventRow> {
    // A pod of this cluster: a known instance, or `<cluster>-<n>[-job…]`.
    let is_our_pod = |name: &str| {
        instance_pods.contains(name)
            || name
                .strip_prefix(summary.name.as_str())
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|r| r.split('-').next())
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut rows: Vec<EventRow> = inputs
        .events
        .iter()
        .filter(|e| e.meta.namespace == summary.namespace)
        .filter_map(|e| {
            let (kind, name) = (e.object_kind.as_str(), e.object_name.as_str());
            let ours = (kind == super::KIND && name == summary.name)
                || (kind == "Pod" && is_our_pod(name));
            ours.then(|| EventRow {
                at: e.at,
                type_: e.type_.clone().unwrap_or_else(|| "Normal".to_string()),
                reason: e.reason.clone().unwrap_or_default(),
                object: format!("{kind}/{name}"),
                message: e.message.as_deref().unwrap_or("").trim().to_string(),
                count: e.count.and_then(|n| u32::try_from(n).ok()).unwrap_or(1),
            })
        })
        .collect();
    // Newest first; events without a time last.
    rows.sort_by_key(|r| std::cmp::Reverse(r.at));
    rows.truncate(max);
    rows
}

#[cfg(test)]
mod tests;
