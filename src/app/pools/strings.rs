//! User-visible strings of the node pools pane, gathered in one place.

use super::Scaling;

pub(crate) const TITLE: &str = "pools";
pub(crate) const NO_NODE_KINDS: &str = "the cluster serves no nodes or pods API";
pub(crate) const NO_POOLS: &str = "no nodes";

/// The pools pane without its nodes watch (RBAC: a user without node access).
pub(crate) fn nodes_failed(error: &str) -> String {
    if error.starts_with("forbidden: ") {
        format!(
            "{error}: node pools need get/list/watch on nodes (a ClusterRole); the other views work"
        )
    } else {
        format!("cannot list nodes: {error}; retrying")
    }
}
pub(crate) const NOT_EKS: &str =
    "not an EKS cluster: node group scaling needs EKS (pass --eks-cluster NAME)";
pub(crate) const REFRESHING: &str = "refreshing EKS node groups…";
pub(crate) const SCALE_TITLE: &str = "Scale node group";
pub(crate) const SCALING_FORMAT: &str =
    "enter min/desired/max (e.g. 2/3/6) or just the desired size";
pub(crate) const NO_WARNINGS: &str = "none";
pub(crate) const NO_TAINTS: &str = "<none>";
pub(crate) const NO_HEALTH_ISSUES: &str = "no health issues";
pub(crate) const EKS_NOT_EKS: &str = "not an EKS cluster (--eks-cluster NAME to name one)";
pub(crate) const EKS_DETECTING: &str = "detecting the EKS cluster…";
pub(crate) const EKS_LOADING: &str = "describing node groups…";
pub(crate) const EKS_NOT_A_GROUP: &str = "not an EKS managed node group of this cluster";

/// Table headers, in display order.
pub(crate) const COLUMNS: &[&str] = &[
    "NAME",
    "PROVIDER",
    "NODES",
    "ZONES",
    "TYPES",
    "CAPACITY",
    "CPU REQ/ALLOC",
    "MEM REQ/ALLOC",
    "CPU USE",
    "MEM USE",
    "PODS",
    "EKS MIN/DES/MAX",
    "WARN",
    "TAINTS",
];

pub(crate) fn pool_scope(pool: &str) -> String {
    format!("pool {pool}")
}

pub(crate) fn no_nodegroup(pool: &str, cluster: &str) -> String {
    format!(
        "pool {pool} is not an EKS managed node group of {cluster} (or its data has not arrived)"
    )
}

pub(crate) fn scaling_order(min: i32, desired: i32, max: i32) -> String {
    format!("need 0 ≤ min ≤ desired ≤ max and max ≥ 1 (got {min}/{desired}/{max})")
}

pub(crate) fn scaling_unchanged(nodegroup: &str) -> String {
    format!("node group {nodegroup}: scaling unchanged")
}

pub(crate) fn scaling_prompt(nodegroup: &str, current: Scaling) -> String {
    format!(
        "scale node group {nodegroup} min/desired/max (now {}/{}/{}): ",
        current.0, current.1, current.2
    )
}

pub(crate) fn confirm_scaling(
    cluster: &str,
    nodegroup: &str,
    from: Scaling,
    to: Scaling,
) -> String {
    format!(
        "Scale EKS node group {cluster}/{nodegroup} min/desired/max from {}/{}/{} to {}/{}/{}?",
        from.0, from.1, from.2, to.0, to.1, to.2
    )
}

pub(crate) fn by_label(label: &str) -> String {
    format!("by {label}")
}

pub(crate) fn eks_cluster(cluster: &str) -> String {
    format!("EKS {cluster}")
}

/// Errors that already say what is unavailable and why (no credentials) stand alone.
fn self_explaining(error: &str) -> bool {
    error.starts_with("EKS node groups unavailable")
}

pub(crate) fn eks_stale(error: &str, age: &str) -> String {
    if self_explaining(error) {
        return error.to_string();
    }
    format!("EKS stale {age}: {error}")
}

pub(crate) fn eks_detail_stale(error: &str, age: &str) -> String {
    if self_explaining(error) {
        return error.to_string();
    }
    format!("as of {age} ago; refreshing failed: {error}")
}

pub(crate) fn eks_updated(age: &str) -> String {
    format!("updated {age} ago")
}

pub(crate) fn eks_failed_no_data(error: &str) -> String {
    if self_explaining(error) {
        return error.to_string();
    }
    format!("EKS unavailable: {error}")
}
