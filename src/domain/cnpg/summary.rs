//! One Cluster at a glance: phase and its colour, instances, primaries, timeline.

use jiff::Timestamp;

use super::{PENDING_FAILOVER, parse_time, phase};
use crate::model::views::Cluster;

/// How alarming a phase is, as `kubectl cnpg status` colours it: green, yellow, red.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Ok,
    Warn,
    Error,
}

/// Colour class of a Cluster phase: healthy, setting up primary and creating a replica are
/// fine; upgrading and waiting for user action are warnings; every other phase (failing
/// over, switchover, unrecoverable, waiting for instances, none yet…) is an error.
pub(crate) fn phase_severity(phase_text: &str) -> Severity {
    match phase_text {
        phase::HEALTHY | phase::SETTING_UP_PRIMARY | phase::CREATING_REPLICA => Severity::Ok,
        phase::UPGRADING | phase::WAITING_FOR_USER => Severity::Warn,
        _ => Severity::Error,
    }
}

/// What targetPrimary says about the primary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrimaryChange {
    /// targetPrimary equals currentPrimary (or is not set).
    None,
    /// targetPrimary is `pending`: a failover has started, no new primary chosen yet.
    FailoverStarting,
    /// targetPrimary names another instance: failover target or switchover.
    SwitchingTo(String),
    /// No currentPrimary yet: the first primary is being set up.
    Initializing(String),
}

/// One row of the cluster list.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSummary {
    pub namespace: String,
    pub name: String,
    /// `status.phase`; empty before the operator first reconciles.
    pub phase: String,
    pub(crate) phase_reason: String,
    pub severity: Severity,
    /// `status.instances`: instance pods that exist.
    pub instances: u32,
    /// `status.readyInstances`.
    pub(crate) ready_instances: u32,
    /// `spec.instances`: how many were asked for (1 when unset, as the CRD defaults it).
    pub(crate) requested_instances: u32,
    pub(crate) current_primary: Option<String>,
    pub(crate) target_primary: Option<String>,
    pub(crate) primary_change: PrimaryChange,
    pub timeline_id: Option<i64>,
    /// `currentPrimaryTimestamp`: when the current primary was promoted.
    pub(crate) last_promotion: Option<Timestamp>,
    /// `targetPrimaryTimestamp`: when targetPrimary was last set.
    pub(crate) target_primary_since: Option<Timestamp>,
    /// `currentPrimaryFailingSinceTimestamp` (set when a failover delay is configured).
    pub(crate) failing_since: Option<Timestamp>,
    /// `status.instanceNames`.
    pub(crate) instance_names: Vec<String>,
    pub created: Option<Timestamp>,
}

fn count(n: Option<i64>) -> Option<u32> {
    n.and_then(|n| u32::try_from(n).ok())
}

impl ClusterSummary {
    /// Reads a Cluster; `None` when it has no name.
    pub fn from_cluster(cluster: &Cluster) -> Option<Self> {
        let name = cluster.meta.name.as_str();
        if name.is_empty() {
            return None;
        }
        let st = &cluster.status;
        let phase_text = st.phase.clone().unwrap_or_default();
        let current = st.current_primary.clone();
        let target = st.target_primary.clone();
        let primary_change = match (&current, &target) {
            (_, Some(t)) if t == PENDING_FAILOVER => PrimaryChange::FailoverStarting,
            (None, Some(t)) => PrimaryChange::Initializing(t.clone()),
            (Some(c), Some(t)) if c != t => PrimaryChange::SwitchingTo(t.clone()),
            _ => PrimaryChange::None,
        };
        Some(ClusterSummary {
            namespace: cluster.meta.namespace.clone(),
            name: name.to_string(),
            severity: phase_severity(&phase_text),
            phase: phase_text,
            phase_reason: st.phase_reason.clone().unwrap_or_default(),
            instances: count(st.instances).unwrap_or(0),
            ready_instances: count(st.ready_instances).unwrap_or(0),
            requested_instances: count(cluster.spec.instances).unwrap_or(1),
            current_primary: current,
            target_primary: target,
            primary_change,
            timeline_id: st.timeline_id,
            last_promotion: st.current_primary_timestamp,
            target_primary_since: st.target_primary_timestamp,
            failing_since: st
                .current_primary_failing_since_timestamp
                .as_deref()
                .and_then(parse_time),
            instance_names: st.instance_names.clone(),
            created: cluster.meta.created,
        })
    }

    /// The primary as `kubectl cnpg status` shows it: `keycloak-db-1`,
    /// `keycloak-db-1 (switching to keycloak-db-2)`, `keycloak-db-1 (failover starting)`.
    pub fn primary_text(&self) -> String {
        let current = self.current_primary.as_deref().unwrap_or("-");
        match &self.primary_change {
            PrimaryChange::None => current.to_string(),
            PrimaryChange::FailoverStarting => format!("{current} (failover starting)"),
            PrimaryChange::SwitchingTo(t) => format!("{current} (switching to {t})"),
            PrimaryChange::Initializing(t) => format!("- (initializing {t})"),
        }
    }

    /// `ready/instances`, plus what was requested when it differs: `2/3`, `2/2 of 3`.
    pub fn instances_text(&self) -> String {
        if self.instances == self.requested_instances {
            format!("{}/{}", self.ready_instances, self.instances)
        } else {
            format!(
                "{}/{} of {}",
                self.ready_instances, self.instances, self.requested_instances
            )
        }
    }

    /// The phase followed by its reason, when there is one.
    pub(crate) fn phase_text(&self) -> String {
        match (self.phase.is_empty(), self.phase_reason.trim().is_empty()) {
            (true, _) => "-".to_string(),
            (false, true) => self.phase.clone(),
            (false, false) => format!("{} ({})", self.phase, self.phase_reason.trim()),
        }
    }

    /// A failover (targetPrimary `pending` or phase "Failing over") is under way.
    pub(crate) fn is_failing_over(&self) -> bool {
        self.primary_change == PrimaryChange::FailoverStarting || self.phase == phase::FAILING_OVER
    }

    /// A change of primary (failover or switchover) is under way.
    pub(crate) fn is_primary_changing(&self) -> bool {
        matches!(
            self.primary_change,
            PrimaryChange::FailoverStarting | PrimaryChange::SwitchingTo(_)
        ) || self.phase == phase::FAILING_OVER
            || self.phase == phase::SWITCHOVER
    }

    /// When the ongoing change of primary started, if one is under way: the failing-since
    /// timestamp when the operator set it, else when targetPrimary was set.
    pub(crate) fn primary_change_started(&self) -> Option<Timestamp> {
        if !self.is_primary_changing() {
            return None;
        }
        match (self.failing_since, self.target_primary_since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, DB1, DB2, DB3};
    use super::*;

    fn summary(c: &serde_json::Value) -> ClusterSummary {
        ClusterSummary::from_cluster(&fixtures::cl(c)).expect("summary")
    }

    #[test]
    fn phase_colours_follow_kubectl_cnpg_status() {
        let cases = [
            (fixtures::healthy(), Severity::Ok),
            (fixtures::setting_up_primary(), Severity::Ok),
            (fixtures::creating_replica(), Severity::Ok),
            (fixtures::upgrading(), Severity::Warn),
            (fixtures::waiting_for_user(), Severity::Warn),
            (fixtures::failing_over_pending(), Severity::Error),
            (fixtures::failing_over_to_db2(), Severity::Error),
            (fixtures::switchover(), Severity::Error),
            (fixtures::waiting_for_instances(), Severity::Error),
            (fixtures::unrecoverable(), Severity::Error),
        ];
        for (cluster, want) in cases {
            let s = summary(&cluster);
            assert_eq!(s.severity, want, "{}", s.phase);
        }
        assert_eq!(phase_severity(""), Severity::Error);
    }

    #[test]
    fn healthy_cluster_summary() {
        let s = summary(&fixtures::healthy());
        assert_eq!(s.namespace, "keycloak");
        assert_eq!(s.name, "keycloak-db");
        assert_eq!(s.phase, "Cluster in healthy state");
        assert_eq!(s.phase_text(), "Cluster in healthy state");
        assert_eq!(s.instances_text(), "3/3");
        assert_eq!(s.current_primary.as_deref(), Some(DB1));
        assert_eq!(s.primary_change, PrimaryChange::None);
        assert_eq!(s.primary_text(), DB1);
        assert_eq!(s.timeline_id, Some(1));
        assert_eq!(
            s.last_promotion.map(|t| t.to_string()).as_deref(),
            Some("2026-10-30T08:00:12.345678Z")
        );
        assert_eq!(s.failing_since, None);
        assert!(!s.is_primary_changing());
        assert_eq!(s.primary_change_started(), None);
        assert_eq!(s.instance_names, vec![DB1, DB2, DB3]);
    }

    #[test]
    fn pending_target_reads_as_failover_starting() {
        let s = summary(&fixtures::failing_over_pending());
        assert_eq!(s.primary_change, PrimaryChange::FailoverStarting);
        assert_eq!(s.primary_text(), "keycloak-db-1 (failover starting)");
        assert_eq!(
            s.phase_text(),
            "Failing over (Initiating a failover from keycloak-db-1)"
        );
        assert_eq!(s.instances_text(), "2/3");
        assert!(s.is_failing_over());
        assert_eq!(
            s.primary_change_started().map(|t| t.to_string()).as_deref(),
            Some("2026-11-01T09:00:02Z")
        );
    }

    #[test]
    fn failover_target_and_switchover_read_as_switching() {
        let s = summary(&fixtures::failing_over_to_db2());
        assert_eq!(s.primary_change, PrimaryChange::SwitchingTo(DB2.into()));
        assert_eq!(
            s.primary_text(),
            "keycloak-db-1 (switching to keycloak-db-2)"
        );
        assert!(s.is_failing_over());

        let s = summary(&fixtures::switchover());
        assert_eq!(
            s.primary_text(),
            "keycloak-db-1 (switching to keycloak-db-3)"
        );
        assert!(!s.is_failing_over());
        assert!(s.is_primary_changing());
        // No failing-since during a switchover: the targetPrimary timestamp counts.
        assert_eq!(
            s.primary_change_started().map(|t| t.to_string()).as_deref(),
            Some("2026-11-01T09:00:00Z")
        );
    }

    #[test]
    fn first_primary_being_set_up() {
        let s = summary(&fixtures::setting_up_primary());
        assert_eq!(s.current_primary, None);
        assert_eq!(s.primary_change, PrimaryChange::Initializing(DB1.into()));
        assert_eq!(s.primary_text(), "- (initializing keycloak-db-1)");
        assert_eq!(s.instances_text(), "0/0 of 3");
        assert!(!s.is_primary_changing());
    }

    #[test]
    fn other_phases() {
        let s = summary(&fixtures::creating_replica());
        assert_eq!(s.instances_text(), "2/2 of 3");
        assert_eq!(s.phase_reason, "Creating replica keycloak-db-3-join");
        let s = summary(&fixtures::upgrading());
        assert_eq!(s.instances_text(), "2/3");
        let s = summary(&fixtures::waiting_for_user());
        assert_eq!(
            s.phase_text(),
            "Waiting for user action (User must issue a supervised switchover)"
        );
        let s = summary(&fixtures::waiting_for_instances());
        assert_eq!(s.current_primary.as_deref(), Some(DB2));
        assert_eq!(s.timeline_id, Some(2));
        let s = summary(&fixtures::unrecoverable());
        assert_eq!(s.instances_text(), "0/3");
        assert_eq!(s.severity, Severity::Error);
    }

    #[test]
    fn brand_new_cluster_without_status() {
        let c = serde_json::json!({
            "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
            "metadata": {"name": "new-db", "namespace": "x"},
            "spec": {"instances": 2}
        });
        let s = summary(&c);
        assert_eq!(s.phase_text(), "-");
        assert_eq!(s.instances_text(), "0/0 of 2");
        assert_eq!(s.primary_text(), "-");
        assert_eq!(s.timeline_id, None);
        assert!(ClusterSummary::from_cluster(&fixtures::cl(&serde_json::json!({}))).is_none());
    }
}
