//! CloudNativePG (`postgresql.cnpg.io/v1` Cluster): failover state at a glance.
//!
//! Pure logic over the JSON the API returns (no I/O, no clock: `now` is a parameter):
//!
//! - [`ClusterSummary`]: one row of the cluster list, phase coloured as `kubectl cnpg status`
//!   colours it ([`Severity`]), "X (switching to Y)" while targetPrimary differs.
//! - [`ClusterDetail`]: per instance role, readiness, node, zone, pool, restarts, lag and
//!   streaming state; services rw/ro/r; conditions; PodDisruptionBudgets; recent events; and
//!   [`Warning`]s in words.
//! - [`FailoverTimeline`]: successive observations of a Cluster (and its pods) turned into
//!   a bounded list of transitions with human sentences.
//! - [`promote_patch`]: the status merge patch `kubectl cnpg promote` sends, with refusals.

mod detail;
mod promote;
mod summary;
mod timeline;
mod warnings;

#[cfg(test)]
mod fixtures;

pub(crate) use detail::{ClusterDetail, InstanceMetrics, InstanceRow, Streaming};
pub use detail::{ClusterInputs, DetailOptions, InstanceRole, cluster_detail};
pub use promote::{PromoteError, promote_patch, resolve_instance_name};
pub use summary::{ClusterSummary, Severity};
pub(crate) use summary::{PrimaryChange, phase_severity};
pub(crate) use timeline::TimelineEntry;
pub use timeline::{FailoverTimeline, Transition};
pub use warnings::ChangeKind;
pub(crate) use warnings::Warning;

use jiff::Timestamp;

use crate::model::views::{Cluster, group_of};

/// API group of the CloudNativePG resources.
pub const GROUP: &str = "postgresql.cnpg.io";
/// API version served for Clusters.
pub const VERSION: &str = "v1";
/// Kind of a Cluster object.
pub const KIND: &str = "Cluster";
/// Plural resource name (`clusters.postgresql.cnpg.io`).
pub const PLURAL: &str = "clusters";
/// targetPrimary while a failover has started and no new primary is chosen yet.
pub const PENDING_FAILOVER: &str = "pending";

/// Phases the operator writes into `status.phase` (from `api/v1/cluster_types.go`).
pub mod phase {
    pub const HEALTHY: &str = "Cluster in healthy state";
    pub const FAILING_OVER: &str = "Failing over";
    pub(crate) const SWITCHOVER: &str = "Switchover in progress";
    pub(crate) const SETTING_UP_PRIMARY: &str = "Setting up primary";
    pub(crate) const CREATING_REPLICA: &str = "Creating a new replica";
    pub(crate) const UPGRADING: &str = "Upgrading cluster";
    pub(crate) const WAITING_FOR_USER: &str = "Waiting for user action";
    pub const WAITING_FOR_INSTANCES: &str = "Waiting for the instances to become active";
}

/// Pod labels the operator sets on instance pods.
pub(crate) mod label {
    pub(crate) const CLUSTER: &str = "cnpg.io/cluster";
    pub(crate) const INSTANCE_ROLE: &str = "cnpg.io/instanceRole";
    /// Deprecated spelling of [`INSTANCE_ROLE`], still set by the operator.
    pub(crate) const ROLE: &str = "role";
    pub(crate) const POD_ROLE: &str = "cnpg.io/podRole";
    pub(crate) const JOB_ROLE: &str = "cnpg.io/jobRole";
}

/// Parses RFC 3339 (with or without fraction, as CNPG's RFC3339Micro); `None` when empty
/// or malformed.
fn parse_time(text: &str) -> Option<Timestamp> {
    text.trim().parse().ok()
}

/// Formats a timestamp as CloudNativePG writes them (`metav1.RFC3339Micro`).
pub(crate) fn format_rfc3339_micro(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// `false` when `obj` says it is something other than a Cluster (`postgresql.cnpg.io/*`,
/// kind Cluster). Objects without `kind`/`apiVersion` (list items as kube-rs hands them over)
/// are taken for what the caller says they are (the view's defaults).
pub(crate) fn is_cluster(obj: &Cluster) -> bool {
    obj.meta.kind == KIND && group_of(&obj.meta.api_version) == GROUP
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps_like_cnpg() {
        let at: Timestamp = "2026-11-01T09:00:00.5Z".parse().expect("ts");
        assert_eq!(format_rfc3339_micro(at), "2026-11-01T09:00:00.500000Z");
        let back = parse_time(&format_rfc3339_micro(at)).expect("parses back");
        assert_eq!(back, at);
        assert_eq!(parse_time(""), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn recognises_cluster_objects() {
        use crate::model::views::View;
        let c = fixtures::healthy();
        assert!(is_cluster(&fixtures::cl(&c)));
        let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod"});
        assert!(!is_cluster(&fixtures::cl(&pod)));
        let other = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Cluster"});
        assert!(!is_cluster(&fixtures::cl(&other)));
        // List items often come without kind and apiVersion.
        assert!(is_cluster(&fixtures::cl(
            &serde_json::json!({"metadata": {"name": "x"}})
        )));
        assert!(Cluster::from_json(serde_json::json!("text")).is_none());
    }
}
