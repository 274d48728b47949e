//! What is wrong or risky about a cluster, in words.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;

use super::detail::{DetailOptions, InstanceRole, InstanceRow, Streaming};
use super::{ClusterSummary, Severity};

/// Which change of primary is taking long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Failover,
    Switchover,
}

/// One warning about a cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// Every instance is in one zone.
    SingleZone { zone: String, instances: usize },
    /// Every instance runs on one node.
    SingleNode { node: String, instances: usize },
    /// Some (not all) instances share a node.
    SharedNode { node: String, pods: Vec<String> },
    /// Fewer ready instances than `spec.instances` asks for.
    FewerReady { ready: u32, requested: u32 },
    /// The primary's pod is not ready.
    PrimaryNotReady { pod: String },
    /// A replica (or unhealthy instance) does not receive WAL.
    NotStreaming {
        pod: String,
        role: InstanceRole,
        reason: String,
    },
    /// A replica's lag is above the limit.
    Lagging {
        pod: String,
        lag_secs: f64,
        limit_secs: f64,
    },
    /// A failover or switchover has been running longer than the limit.
    PrimaryChangeTooLong {
        kind: ChangeKind,
        since: Timestamp,
        elapsed_secs: u64,
        limit_secs: u64,
    },
}

impl Warning {
    pub fn severity(&self) -> Severity {
        match self {
            Warning::SingleZone { .. }
            | Warning::SharedNode { .. }
            | Warning::Lagging { .. }
            | Warning::FewerReady { .. } => Severity::Warn,
            Warning::SingleNode { .. }
            | Warning::PrimaryNotReady { .. }
            | Warning::NotStreaming { .. }
            | Warning::PrimaryChangeTooLong { .. } => Severity::Error,
        }
    }

    /// The warning as a sentence for the pane.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::SingleZone { zone, instances } => write!(
                f,
                "all {instances} instances are in zone {zone}: losing the zone loses the cluster"
            ),
            Warning::SingleNode { node, instances } => write!(
                f,
                "all {instances} instances run on node {node}: losing the node loses the cluster"
            ),
            Warning::SharedNode { node, pods } => {
                write!(f, "{} share node {node}", join_words(pods))
            }
            Warning::FewerReady { ready, requested } => {
                write!(f, "only {ready} of {requested} requested instances ready")
            }
            Warning::PrimaryNotReady { pod } => write!(f, "primary {pod} is not ready"),
            Warning::NotStreaming { pod, role, reason } => match role {
                InstanceRole::Replica => {
                    write!(f, "replica {pod} is not streaming ({reason})")
                }
                _ => write!(f, "instance {pod} is {} ({reason})", role.as_str()),
            },
            Warning::Lagging {
                pod,
                lag_secs,
                limit_secs,
            } => write!(
                f,
                "replica {pod} is {} behind the primary (limit {})",
                format_elapsed(lag_secs.round() as u64),
                format_elapsed(limit_secs.round() as u64)
            ),
            Warning::PrimaryChangeTooLong {
                kind,
                elapsed_secs,
                limit_secs,
                ..
            } => write!(
                f,
                "{} running for {} (longer than {})",
                match kind {
                    ChangeKind::Failover => "failover",
                    ChangeKind::Switchover => "switchover",
                },
                format_elapsed(*elapsed_secs),
                format_elapsed(*limit_secs)
            ),
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A duration for people: `45s`, `2m05s`, `1h02m`.
pub(crate) fn format_elapsed(secs: u64) -> String {
    match (secs / 3600, (secs % 3600) / 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// Warnings that need only the Cluster object (for the list view): too few ready instances,
/// a change of primary running too long.
pub(crate) fn summary_warnings(
    summary: &ClusterSummary,
    opts: &DetailOptions,
    now: Timestamp,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if summary.ready_instances < summary.requested_instances {
        out.push(Warning::FewerReady {
            ready: summary.ready_instances,
            requested: summary.requested_instances,
        });
    }
    if let Some(since) = summary.primary_change_started() {
        let elapsed = now.as_second().saturating_sub(since.as_second()).max(0);
        let elapsed = u64::try_from(elapsed).unwrap_or(0);
        if elapsed > opts.failover_warn_after_secs {
            out.push(Warning::PrimaryChangeTooLong {
                kind: if summary.is_failing_over() {
                    ChangeKind::Failover
                } else {
                    ChangeKind::Switchover
                },
                since,
                elapsed_secs: elapsed,
                limit_secs: opts.failover_warn_after_secs,
            });
        }
    }
    out
}

/// Every warning of the detail view.
pub(super) fn detail_warnings(
    summary: &ClusterSummary,
    instances: &[InstanceRow],
    opts: &DetailOptions,
    now: Timestamp,
) -> Vec<Warning> {
    let mut out = summary_warnings(summary, opts, now);
    let placed: Vec<&InstanceRow> = instances
        .iter()
        .filter(|i| i.exists && !i.terminating)
        .collect();

    // Zones: only when every placed instance's zone is known.
    let zones: Vec<&str> = placed.iter().filter_map(|i| i.zone.as_deref()).collect();
    if placed.len() >= 2 && zones.len() == placed.len() && zones.iter().all(|z| *z == zones[0]) {
        out.push(Warning::SingleZone {
            zone: zones[0].to_string(),
            instances: placed.len(),
        });
    }

    // Nodes: all on one, or some sharing one.
    let mut by_node: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for i in &placed {
        if let Some(node) = i.node.as_deref() {
            by_node.entry(node).or_default().push(i.pod.clone());
        }
    }
    if placed.len() >= 2 && by_node.len() == 1 && by_node.values().all(|p| p.len() == placed.len())
    {
        if let Some(node) = by_node.keys().next() {
            out.push(Warning::SingleNode {
                node: node.to_string(),
                instances: placed.len(),
            });
        }
    } else {
        for (node, pods) in by_node.into_iter().filter(|(_, p)| p.len() > 1) {
            out.push(Warning::SharedNode {
                node: node.to_string(),
                pods,
            });
        }
    }

    for i in instances {
        match (&i.role, &i.streaming) {
            (InstanceRole::Primary, _) if !i.ready => {
                out.push(Warning::PrimaryNotReady { pod: i.pod.clone() });
            }
            (_, Streaming::NotStreaming(reason)) => out.push(Warning::NotStreaming {
                pod: i.pod.clone(),
                role: i.role,
                reason: reason.clone(),
            }),
            _ => {}
        }
        if let Some(lag) = i.lag_seconds
            && i.role != InstanceRole::Primary
            && lag > opts.lag_warn_secs
        {
            out.push(Warning::Lagging {
                pod: i.pod.clone(),
                lag_secs: lag,
                limit_secs: opts.lag_warn_secs,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::detail::{ClusterInputs, InstanceMetrics, cluster_detail};
    use super::super::fixtures::{self, DB1, DB2, DB3, NODE_A, NODE_B, NODE_C};
    use super::*;
    use serde_json::Value;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn warnings(cluster: &Value, pods: &[Value], now: &str) -> Vec<String> {
        warnings_with(cluster, pods, &BTreeMap::new(), now)
    }

    fn warnings_with(
        cluster: &Value,
        pods: &[Value],
        metrics: &BTreeMap<String, InstanceMetrics>,
        now: &str,
    ) -> Vec<String> {
        let cluster = fixtures::cl(cluster);
        let pods: Vec<crate::model::views::Pod> = fixtures::views(pods);
        let nodes: Vec<crate::model::views::Node> = fixtures::views(&fixtures::nodes());
        let inputs = ClusterInputs {
            pods: &pods,
            nodes: &nodes,
            metrics,
            ..ClusterInputs::new(&cluster)
        };
        let opts = DetailOptions {
            failover_warn_after_secs: 30,
            ..DetailOptions::default()
        };
        cluster_detail(&inputs, &opts, at(now))
            .expect("detail")
            .warnings
            .iter()
            .map(Warning::message)
            .collect()
    }

    #[test]
    fn spread_cluster_has_no_warnings() {
        let w = warnings(
            &fixtures::healthy(),
            &fixtures::healthy_pods(),
            "2026-11-01T09:00:00Z",
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn all_in_one_zone() {
        let mut nodes = fixtures::nodes();
        for n in &mut nodes {
            n["metadata"]["labels"]["topology.kubernetes.io/zone"] = "eu-west-1a".into();
        }
        let c = fixtures::cl(&fixtures::healthy());
        let pods: Vec<crate::model::views::Pod> = fixtures::views(&fixtures::healthy_pods());
        let nodes: Vec<crate::model::views::Node> = fixtures::views(&nodes);
        let inputs = ClusterInputs {
            pods: &pods,
            nodes: &nodes,
            ..ClusterInputs::new(&c)
        };
        let d = cluster_detail(
            &inputs,
            &DetailOptions::default(),
            at("2026-11-01T09:00:00Z"),
        )
        .expect("detail");
        let w: Vec<String> = d.warnings.iter().map(Warning::message).collect();
        assert_eq!(
            w,
            vec!["all 3 instances are in zone eu-west-1a: losing the zone loses the cluster"]
        );
        assert_eq!(d.warnings[0].severity(), Severity::Warn);
    }

    #[test]
    fn all_on_one_node_and_sharing_a_node() {
        let pods = vec![
            fixtures::pod(DB1, "primary", NODE_A, true, 0),
            fixtures::pod(DB2, "replica", NODE_A, true, 0),
            fixtures::pod(DB3, "replica", NODE_A, true, 0),
        ];
        let w = warnings(&fixtures::healthy(), &pods, "2026-11-01T09:00:00Z");
        assert_eq!(
            w,
            vec![
                "all 3 instances are in zone eu-west-1a: losing the zone loses the cluster",
                "all 3 instances run on node ip-10-20-1-10.eu-west-1.compute.internal: losing the node loses the cluster",
            ]
        );

        let pods = vec![
            fixtures::pod(DB1, "primary", NODE_A, true, 0),
            fixtures::pod(DB2, "replica", NODE_C, true, 0),
            fixtures::pod(DB3, "replica", NODE_C, true, 0),
        ];
        let w = warnings(&fixtures::healthy(), &pods, "2026-11-01T09:00:00Z");
        assert_eq!(
            w,
            vec![
                "keycloak-db-2 and keycloak-db-3 share node ip-10-20-3-10.eu-west-1.compute.internal"
            ]
        );
    }

    #[test]
    fn fewer_ready_than_requested() {
        let c = fixtures::creating_replica();
        let pods = vec![
            fixtures::pod(DB1, "primary", NODE_A, true, 0),
            fixtures::pod(DB2, "replica", NODE_B, true, 0),
        ];
        let w = warnings(&c, &pods, "2026-11-01T09:00:00Z");
        assert_eq!(w, vec!["only 2 of 3 requested instances ready"]);
    }

    #[test]
    fn replica_not_streaming_and_lagging() {
        let mut c = fixtures::upgrading();
        c["status"]["readyInstances"] = 3.into();
        let pods = vec![
            fixtures::pod(DB1, "primary", NODE_A, true, 0),
            fixtures::pod(DB2, "replica", NODE_B, true, 0),
            fixtures::pod(DB3, "replica", NODE_C, false, 4),
        ];
        let metrics = BTreeMap::from([(
            DB2.to_string(),
            InstanceMetrics {
                lag_seconds: Some(95.0),
                wal_receiver_up: Some(true),
            },
        )]);
        let w = warnings_with(&c, &pods, &metrics, "2026-11-01T09:00:00Z");
        assert_eq!(
            w,
            vec![
                "replica keycloak-db-2 is 1m35s behind the primary (limit 30s)",
                "replica keycloak-db-3 is not streaming (pod not ready)",
            ]
        );
        // Unknown lag is not a warning (and not zero).
        let w = warnings(&c, &pods, "2026-11-01T09:00:00Z");
        assert_eq!(
            w,
            vec!["replica keycloak-db-3 is not streaming (pod not ready)"]
        );
    }

    #[test]
    fn failover_running_too_long() {
        let c = fixtures::failing_over_to_db2();
        let pods = vec![
            fixtures::pod(DB2, "replica", NODE_B, true, 0),
            fixtures::pod(DB3, "replica", NODE_C, true, 0),
        ];
        // 8 s after failing since: only the missing instance.
        let w = warnings(&c, &pods, "2026-11-01T09:00:10Z");
        assert_eq!(
            w,
            vec![
                "only 2 of 3 requested instances ready",
                "instance keycloak-db-1 is unhealthy (pod missing)",
            ]
        );
        // 2m03s after: the failover is taking too long.
        let w = warnings(&c, &pods, "2026-11-01T09:02:05Z");
        assert_eq!(
            w,
            vec![
                "only 2 of 3 requested instances ready",
                "failover running for 2m03s (longer than 30s)",
                "instance keycloak-db-1 is unhealthy (pod missing)",
            ]
        );
    }

    #[test]
    fn switchover_and_primary_not_ready() {
        let c = fixtures::switchover();
        let pods = vec![
            fixtures::pod(DB1, "primary", NODE_A, false, 0),
            fixtures::pod(DB2, "replica", NODE_B, true, 0),
            fixtures::pod(DB3, "replica", NODE_C, true, 0),
        ];
        let w = warnings(&c, &pods, "2026-11-01T09:01:00Z");
        assert_eq!(
            w,
            vec![
                "switchover running for 1m (longer than 30s)",
                "primary keycloak-db-1 is not ready",
            ]
        );
    }

    #[test]
    fn elapsed_formatting() {
        assert_eq!(format_elapsed(0), "0s");
        assert_eq!(format_elapsed(45), "45s");
        assert_eq!(format_elapsed(60), "1m");
        assert_eq!(format_elapsed(125), "2m05s");
        assert_eq!(format_elapsed(3720), "1h02m");
        assert_eq!(
            join_words(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
