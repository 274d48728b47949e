//! User-visible strings of the CloudNativePG pane, gathered in one place.

pub const LIST_TITLE: &str = "cnpg";
pub const NO_CLUSTERS: &str = "no CloudNativePG clusters";
pub const NO_WARNINGS: &str = "none";
pub const NOT_INSTALLED: &str =
    "CloudNativePG is not installed in this cluster (no clusters.postgresql.cnpg.io in discovery)";
pub const WAITING_FOR_DISCOVERY: &str = "CloudNativePG: waiting for the API server's discovery";
pub const PROMOTE_FROM_DETAIL: &str =
    "promote: open the cluster (enter), select the replica to promote, then promote";
pub const NO_INSTANCE: &str = "no instance selected";
pub const NO_PRIMARY: &str = "the cluster has no current primary";
pub const CLUSTER_UNKNOWN: &str = "the Cluster is not loaded yet";

// Detail sections.
pub const INSTANCES: &str = "Instances";
/// The instances section's note when no replica has a lag value.
pub fn lag_unknown(why: &str) -> String {
    format!("lag unknown: {why}")
}
pub const SERVICES: &str = "Services";
pub const CONDITIONS: &str = "Conditions";
pub const PDBS: &str = "PodDisruptionBudgets";
pub const EVENTS: &str = "Recent events";
pub const WARNINGS: &str = "Warnings";
pub const TIMELINE: &str = "Failover timeline (UTC, observed by opsdeck)";
pub const TIMELINE_EMPTY: &str = "nothing observed yet";
pub const NONE: &str = "none";
pub const MISSING: &str = "missing";

// Header labels.
pub const PHASE: &str = "Phase";
pub const PRIMARY: &str = "Primary";
pub const TIMELINE_ID: &str = "Timeline";
pub const LAST_PROMOTION: &str = "Last promotion";
pub const FAILING_SINCE: &str = "Failing since";
pub const INSTANCES_LABEL: &str = "Instances";

/// List columns.
pub const LIST_COLUMNS: [&str; 8] = [
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
pub const INSTANCE_COLUMNS: [&str; 10] = [
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

pub fn detail_title(namespace: &str, name: &str) -> String {
    format!("cnpg {namespace}/{name}")
}

pub fn crumb_detail(name: &str) -> String {
    format!("cnpg {name}")
}

pub fn confirm_promote(pod: &str, namespace: &str, cluster: &str, current: &str) -> String {
    format!(
        "Promote {pod} to primary of Cluster {namespace}/{cluster}? (switchover: {current} steps down)"
    )
}

pub fn promote_what(pod: &str, namespace: &str, cluster: &str) -> String {
    format!("promote {pod} (cluster {namespace}/{cluster})")
}

/// Seconds the console waits for the operator to act on a requested switchover.
pub const SWITCHOVER_TIMEOUT_S: i64 = 60;

pub fn switchover_waiting(pod: &str) -> String {
    format!("switchover to {pod} requested; waiting for the operator")
}

pub fn switchover_done(pod: &str, namespace: &str, cluster: &str) -> String {
    format!("switchover done: {pod} is the primary of {namespace}/{cluster}")
}

pub fn switchover_timeout(pod: &str, current: &str, phase: &str) -> String {
    format!(
        "switchover to {pod}: no change after {SWITCHOVER_TIMEOUT_S}s (primary still {current}, phase {phase:?}); is the CloudNativePG operator running?"
    )
}

pub fn promote_refused(reason: &str) -> String {
    format!("promote refused: {reason}")
}

pub fn cluster_not_found(namespace: &str, name: &str) -> String {
    format!("Cluster {namespace}/{name} not found")
}

/// `⚠ 2: first warning`.
pub fn warning_marker(count: usize, first: &str) -> String {
    if count == 1 {
        format!("⚠ {first}")
    } else {
        format!("⚠ {count}: {first}")
    }
}

pub fn instances_ready(ready: u32, instances: u32, requested: u32) -> String {
    if instances == requested {
        format!("{ready}/{instances} ready")
    } else {
        format!("{ready}/{instances} ready, {requested} requested")
    }
}
