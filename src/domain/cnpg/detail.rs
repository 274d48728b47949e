//! One Cluster in detail, like `kubectl cnpg status` but from watched objects: instances with
//! their role, node, zone and pool; services; conditions; PDBs; recent events; warnings.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde_json::Value;

use super::warnings::{Warning, detail_warnings};
use super::{
    ClusterSummary, int_at, label, name_of, namespace_of, str_at, string_at, strings_at, time_at,
};

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
pub fn node_zone(node: &Value) -> Option<String> {
    ZONE_LABELS
        .iter()
        .find_map(|key| label(node, key).filter(|v| !v.is_empty()))
        .map(str::to_string)
}

/// Node pool of a Node object: the first pool label it carries (EKS node group, Karpenter
/// node pool, GKE, AKS, DOKS, kOps, then `workload-type`).
pub fn node_pool(node: &Value) -> Option<String> {
    POOL_LABELS
        .iter()
        .find_map(|key| label(node, key).filter(|v| !v.is_empty()))
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

    fn from_label(value: &str) -> Option<Self> {
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
pub enum InstanceStatusGroup {
    /// Active and ready.
    Healthy,
    /// Active, not ready yet.
    Replicating,
    /// Will not be scheduled again (deleted, evicted, failed).
    Failed,
}

fn status_group(cluster: &Value, pod: &str) -> Option<InstanceStatusGroup> {
    [
        ("healthy", InstanceStatusGroup::Healthy),
        ("replicating", InstanceStatusGroup::Replicating),
        ("failed", InstanceStatusGroup::Failed),
    ]
    .into_iter()
    .find(|(key, _)| {
        strings_at(cluster, &format!("/status/instancesStatus/{key}"))
            .iter()
            .any(|p| p == pod)
    })
    .map(|(_, group)| group)
}

/// Role of instance `pod_name` of `cluster`: the failed group of `status.instancesStatus` or
/// a missing pod make it unhealthy; otherwise the `cnpg.io/instanceRole` label (or the
/// deprecated `role`) decides; without labels, `status.currentPrimary` and
/// `status.instanceNames` do.
pub fn instance_role(pod: Option<&Value>, pod_name: &str, cluster: &Value) -> InstanceRole {
    if status_group(cluster, pod_name) == Some(InstanceStatusGroup::Failed) {
        return InstanceRole::Unhealthy;
    }
    let Some(pod) = pod else {
        return InstanceRole::Unhealthy;
    };
    let labelled = label(pod, super::label::INSTANCE_ROLE)
        .or_else(|| label(pod, super::label::ROLE))
        .and_then(InstanceRole::from_label);
    if let Some(role) = labelled {
        return role;
    }
    if str_at(cluster, "/status/currentPrimary") == Some(pod_name) {
        InstanceRole::Primary
    } else if strings_at(cluster, "/status/instanceNames")
        .iter()
        .any(|n| n == pod_name)
    {
        InstanceRole::Replica
    } else {
        InstanceRole::Unknown
    }
}

/// Per-instance numbers from Prometheus (cnpg metrics); `None` fields are unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InstanceMetrics {
    /// `cnpg_pg_replication_lag`, seconds.
    pub lag_seconds: Option<f64>,
    /// `cnpg_pg_replication_is_wal_receiver_up`.
    pub wal_receiver_up: Option<bool>,
}

/// Whether a replica receives WAL from the primary.
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
    pub terminating: bool,
    /// Pod `status.phase` (Running, Pending, …), empty when the pod is missing.
    pub pod_phase: String,
    pub status_group: Option<InstanceStatusGroup>,
    pub node: Option<String>,
    pub zone: Option<String>,
    pub pool: Option<String>,
    pub restarts: u32,
    /// Replication lag in seconds; `None` is unknown (no metrics), never zero.
    pub lag_seconds: Option<f64>,
    pub streaming: Streaming,
    /// Timeline the instance manager last reported (`status.instancesReportedState`).
    pub timeline_id: Option<i64>,
}

impl InstanceRow {
    /// The lag for display: `0.4s`, `12s`, or `unknown`.
    pub fn lag_text(&self) -> String {
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

    pub fn suffix(self) -> &'static str {
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
    pub cluster_ip: Option<String>,
    pub port: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConditionRow {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_transition: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PdbRow {
    pub name: String,
    /// `minAvailable 1`, `maxUnavailable 25%`.
    pub budget: String,
    /// The instance role the PDB selects (`primary`, `replica`), if it selects by role.
    pub role: Option<String>,
    pub current_healthy: Option<i64>,
    pub desired_healthy: Option<i64>,
    pub disruptions_allowed: Option<i64>,
    pub expected_pods: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub at: Option<Timestamp>,
    /// Normal or Warning.
    pub type_: String,
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
    pub failover_warn_after_secs: u64,
    /// Replication lag above this is a warning.
    pub lag_warn_secs: f64,
    /// At most this many events, newest first.
    pub max_events: usize,
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
    pub cluster: &'a Value,
    pub pods: &'a [Value],
    pub nodes: &'a [Value],
    pub services: &'a [Value],
    pub pdbs: &'a [Value],
    pub events: &'a [Value],
    /// Per pod name; a pod without an entry has unknown metrics.
    pub metrics: &'a BTreeMap<String, InstanceMetrics>,
}

impl<'a> ClusterInputs<'a> {
    /// Just the Cluster; set the other fields with struct update syntax.
    pub fn new(cluster: &'a Value) -> Self {
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
    pub conditions: Vec<ConditionRow>,
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

fn is_instance_pod(pod: &Value, summary: &ClusterSummary) -> bool {
    if namespace_of(pod) != summary.namespace
        || label(pod, super::label::CLUSTER) != Some(summary.name.as_str())
    {
        return false;
    }
    if label(pod, super::label::JOB_ROLE).is_some() {
        return false;
    }
    match label(pod, super::label::POD_ROLE) {
        Some(role) => role == "instance",
        None => true,
    }
}

fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| str_at(c, "/type") == Some("Ready") && str_at(c, "/status") == Some("True"))
}

fn pod_restarts(pod: &Value) -> u32 {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| int_at(c, "/restartCount"))
        .map(|n| u32::try_from(n).unwrap_or(0))
        .sum()
}

fn instance_rows(inputs: &ClusterInputs<'_>, summary: &ClusterSummary) -> Vec<InstanceRow> {
    let pods: BTreeMap<&str, &Value> = inputs
        .pods
        .iter()
        .filter(|p| is_instance_pod(p, summary))
        .map(|p| (name_of(p), p))
        .collect();
    let nodes: BTreeMap<&str, &Value> = inputs.nodes.iter().map(|n| (name_of(n), n)).collect();
    let mut names: BTreeSet<&str> = pods.keys().copied().collect();
    names.extend(summary.instance_names.iter().map(String::as_str));
    let mut rows: Vec<InstanceRow> = names
        .into_iter()
        .filter(|n| !n.is_empty())
        .map(|name| {
            let pod = pods.get(name).copied();
            let node_name = pod.and_then(|p| string_at(p, "/spec/nodeName"));
            let node = node_name.as_deref().and_then(|n| nodes.get(n).copied());
            let metrics = inputs.metrics.get(name).copied().unwrap_or_default();
            let role = instance_role(pod, name, inputs.cluster);
            let mut row = InstanceRow {
                pod: name.to_string(),
                role,
                exists: pod.is_some(),
                ready: pod.is_some_and(pod_ready),
                terminating: pod
                    .is_some_and(|p| p.pointer("/metadata/deletionTimestamp").is_some()),
                pod_phase: pod
                    .and_then(|p| string_at(p, "/status/phase"))
                    .unwrap_or_default(),
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
                timeline_id: int_at(
                    inputs.cluster,
                    &format!("/status/instancesReportedState/{name}/timeLineID"),
                ),
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
                .find(|s| name_of(s) == name && namespace_of(s) == summary.namespace);
            ServiceRow {
                kind,
                exists: svc.is_some(),
                cluster_ip: svc.and_then(|s| string_at(s, "/spec/clusterIP")),
                port: svc.and_then(|s| int_at(s, "/spec/ports/0/port")),
                name,
            }
        })
        .collect()
}

fn condition_rows(cluster: &Value) -> Vec<ConditionRow> {
    cluster
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| ConditionRow {
            type_: str_at(c, "/type").unwrap_or("").to_string(),
            status: str_at(c, "/status").unwrap_or("").to_string(),
            reason: str_at(c, "/reason").unwrap_or("").to_string(),
            message: str_at(c, "/message").unwrap_or("").to_string(),
            last_transition: time_at(c, "/lastTransitionTime"),
        })
        .collect()
}

fn int_or_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn pdb_rows(inputs: &ClusterInputs<'_>, summary: &ClusterSummary) -> Vec<PdbRow> {
    let owned_by_cluster = |pdb: &Value| {
        pdb.pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|o| {
                str_at(o, "/kind") == Some(super::KIND)
                    && str_at(o, "/name") == Some(summary.name.as_str())
            })
    };
    let match_labels = |pdb: &Value| pdb.pointer("/spec/selector/matchLabels").cloned();
    let mut rows: Vec<PdbRow> = inputs
        .pdbs
        .iter()
        .filter(|p| namespace_of(p) == summary.namespace)
        .filter(|p| {
            owned_by_cluster(p)
                || match_labels(p)
                    .and_then(|m| m.get(super::label::CLUSTER).cloned())
                    .and_then(|v| v.as_str().map(str::to_string))
                    .as_deref()
                    == Some(summary.name.as_str())
        })
        .map(|p| {
            let budget = match (
                int_or_string(p.pointer("/spec/minAvailable")),
                int_or_string(p.pointer("/spec/maxUnavailable")),
            ) {
                (Some(min), _) => format!("minAvailable {min}"),
                (None, Some(max)) => format!("maxUnavailable {max}"),
                (None, None) => "-".to_string(),
            };
            PdbRow {
                name: name_of(p).to_string(),
                budget,
                role: match_labels(p)
                    .and_then(|m| m.get(super::label::INSTANCE_ROLE).cloned())
                    .and_then(|v| v.as_str().map(str::to_string)),
                current_healthy: int_at(p, "/status/currentHealthy"),
                desired_healthy: int_at(p, "/status/desiredHealthy"),
                disruptions_allowed: int_at(p, "/status/disruptionsAllowed"),
                expected_pods: int_at(p, "/status/expectedPods"),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

/// When an event last happened: the latest of the core/v1 and events.k8s.io/v1 fields.
fn event_time(e: &Value) -> Option<Timestamp> {
    [
        "/lastTimestamp",
        "/deprecatedLastTimestamp",
        "/series/lastObservedTime",
        "/eventTime",
        "/firstTimestamp",
        "/deprecatedFirstTimestamp",
        "/metadata/creationTimestamp",
    ]
    .iter()
    .filter_map(|p| time_at(e, p))
    .max()
}

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
        .filter(|e| namespace_of(e) == summary.namespace)
        .filter_map(|e| {
            let object = e
                .get("involvedObject")
                .or_else(|| e.get("regarding"))
                .unwrap_or(&Value::Null);
            let kind = str_at(object, "/kind").unwrap_or("");
            let name = str_at(object, "/name").unwrap_or("");
            let ours = (kind == super::KIND && name == summary.name)
                || (kind == "Pod" && is_our_pod(name));
            ours.then(|| EventRow {
                at: event_time(e),
                type_: str_at(e, "/type").unwrap_or("Normal").to_string(),
                reason: str_at(e, "/reason").unwrap_or("").to_string(),
                object: format!("{kind}/{name}"),
                message: str_at(e, "/message")
                    .or_else(|| str_at(e, "/note"))
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                count: int_at(e, "/count")
                    .or_else(|| int_at(e, "/series/count"))
                    .or_else(|| int_at(e, "/deprecatedCount"))
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(1),
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
