//! User-visible strings of the CloudNativePG pane, gathered in one place.

pub(crate) const LIST_TITLE: &str = "cnpg";
pub(crate) const NO_CLUSTERS: &str = "no CloudNativePG clusters";
pub(crate) const NO_WARNINGS: &str = "none";
pub(crate) const NOT_INSTALLED: &str =
    "CloudNativePG is not installed in this cluster (no clusters.postgresql.cnpg.io in discovery)";
pub(crate) const WAITING_FOR_DISCOVERY: &str =
    "CloudNativePG: waiting for the API server's discovery";
pub(crate) const PROMOTE_FROM_DETAIL: &str =
    "promote: open the cluster (enter), select the replica to promote, then promote";
pub(crate) const NO_INSTANCE: &str = "no instance selected";
pub(crate) const NO_PRIMARY: &str = "the cluster has no current primary";
pub(crate) const CLUSTER_UNKNOWN: &str = "the Cluster is not loaded yet";

// Detail sections.
pub(crate) const INSTANCES: &str = "Instances";
/// The instances section's note when no replica has a lag value.
pub(crate) fn lag_unknown(why: &str) -> String {
    format!("lag unknown: {why}")
}
pub(crate) const SERVICES: &str = "Services";
pub(crate) const CONDITIONS: &str = "Conditions";
pub(crate) const PDBS: &str = "PodDisruptionBudgets";
pub(crate) const EVENTS: &str = "Recent events";
pub(crate) const WARNINGS: &str = "Warnings";
pub(crate) const TIMELINE: &str = "Failover timeline (UTC, observed by opsdeck)";
pub(crate) const TIMELINE_EMPTY: &str = "nothing observed yet";
pub(crate) const NONE: &str = "none";
pub(crate) const MISSING: &str = "missing";

// Header labels.
pub(crate) const PHASE: &str = "Phase";
pub(crate) const PRIMARY: &str = "Primary";
pub(crate) const TIMELINE_ID: &str = "Timeline";
pub(crate) const LAST_PROMOTION: &str = "Last promotion";
pub(crate) const FAILING_SINCE: &str = "Failing since";
pub(crate) const INSTANCES_LABEL: &str = "Instances";

/// List columns.
pub(crate) const LIST_COLUMNS: [&str; 8] = [
    "NAMESPACE",
    "NAME",
    "PHASE",
    "INSTANCES",
    "PRIMARY",
    "TL",
    "PROMOTED",
    "WARNINGS",
];

/// Instance table columns.
pub(crate) const INSTANCE_COLUMNS: [&str; 10] = [
    "POD",
    "ROLE",
    "READY",
    "STATUS",
    "NODE",
    "ZONE",
    "POOL",
    "RESTARTS",
    "LAG",
    "STREAMING",
];

pub(crate) fn detail_title(namespace: &str, name: &str) -> String {
    format!("cnpg {namespace}/{name}")
}

pub(crate) fn crumb_detail(name: &str) -> String {
    format!("cnpg {name}")
}

pub(crate) fn confirm_promote(pod: &str, namespace: &str, cluster: &str, current: &str) -> String {
    format!(
        "Promote {pod} to primary of Cluster {namespace}/{cluster}? (switchover: {current} steps down)"
    )
}

pub(crate) fn promote_what(pod: &str, namespace: &str, cluster: &str) -> String {
    format!("promote {pod} (cluster {namespace}/{cluster})")
}

/// Seconds the console waits for the operator to act on a requested switchover.
pub(crate) const SWITCHOVER_TIMEOUT_S: i64 = 60;

pub(crate) fn switchover_waiting(pod: &str) -> String {
    format!("switchover to {pod} requested; waiting for the operator")
}

pub(crate) fn switchover_done(pod: &str, namespace: &str, cluster: &str) -> String {
    format!("switchover done: {pod} is the primary of {namespace}/{cluster}")
}

pub(crate) fn switchover_timeout(pod: &str, current: &str, phase: &str) -> String {
    format!(
        "switchover to {pod}: no change after {SWITCHOVER_TIMEOUT_S}s (primary still {current}, phase {phase:?}); is the CloudNativePG operator running?"
    )
}

pub(crate) fn promote_refused(reason: &str) -> String {
    format!("promote refused: {reason}")
}

pub(crate) fn cluster_not_found(namespace: &str, name: &str) -> String {
    format!("Cluster {namespace}/{name} not found")
}

/// `⚠ 2: first warning`.
pub(crate) fn warning_marker(count: usize, first: &str) -> String {
    if count == 1 {
        format!("⚠ {first}")
    } else {
        format!("⚠ {count}: {first}")
    }
}

pub(crate) fn instances_ready(ready: u32, instances: u32, requested: u32) -> String {
    if instances == requested {
        format!("{ready}/{instances} ready")
    } else {
        format!("{ready}/{instances} ready, {requested} requested")
    }
}
