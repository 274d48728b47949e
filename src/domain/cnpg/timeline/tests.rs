//! Unit tests of `timeline`.
use super::super::fixtures::{self, DB1, DB2, DB3, NODE_A, NODE_B, NODE_C, St};
use super::*;
use serde_json::Value;

/// The tests' JSON objects, read as the stores hand them over.
trait ObserveJson {
    fn observe_json(&mut self, cluster: &Value, at: Timestamp) -> usize;
    fn observe_pods_json(&mut self, pods: &[Value], at: Timestamp) -> usize;
}

impl ObserveJson for FailoverTimeline {
    fn observe_json(&mut self, cluster: &Value, at: Timestamp) -> usize {
        self.observe(&fixtures::cl(cluster), at)
    }

    fn observe_pods_json(&mut self, pods: &[Value], at: Timestamp) -> usize {
        self.observe_pods(&fixtures::views(pods), at)
    }
}

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_793_523_600 + secs).expect("ts")
}

fn sentences(tl: &FailoverTimeline) -> Vec<String> {
    tl.entries().map(TimelineEntry::sentence).collect()
}

/// The statuses CNPG writes during a failover of keycloak-db-1 to keycloak-db-2.
fn failover_sequence() -> Vec<Value> {
    vec![
        fixtures::healthy(),
        // readiness of db-1 gone: instancesStatus moves it, phase unchanged yet
        fixtures::cluster(St {
            healthy: &[DB2, DB3],
            replicating: &[DB1],
            ..St::default()
        }),
        // RegisterPhase, then targetPrimary pending
        fixtures::cluster(St {
            phase: "Failing over",
            reason: "Initiating a failover from keycloak-db-1",
            healthy: &[DB2, DB3],
            failed: &[DB1],
            ready_condition: false,
            ..St::default()
        }),
        fixtures::failing_over_pending(),
        fixtures::failing_over_to_db2(),
        // db-2 promotes itself: currentPrimary and timeline
        fixtures::cluster(St {
            phase: "Failing over",
            reason: "Failing over from keycloak-db-1 to keycloak-db-2",
            current: DB2,
            target: DB2,
            timeline: 2,
            healthy: &[DB2, DB3],
            failed: &[DB1],
            ready_condition: false,
            ..St::default()
        }),
        fixtures::waiting_for_instances(),
        fixtures::cluster(St {
            current: DB2,
            target: DB2,
            timeline: 2,
            ..St::default()
        }),
    ]
}

#[test]
fn full_failover_from_cluster_status() {
    let mut tl = FailoverTimeline::new("keycloak", "keycloak-db");
    for (i, c) in failover_sequence().iter().enumerate() {
        tl.observe_json(c, t(i as i64));
        // repeats add nothing
        assert_eq!(tl.observe_json(c, t(i as i64)), 0);
    }
    assert_eq!(
        sentences(&tl),
        vec![
            "Cluster in healthy state; primary keycloak-db-1, timeline 1",
            "primary keycloak-db-1 failing",
            "Failing over (Initiating a failover from keycloak-db-1)",
            "failover starting (targetPrimary pending)",
            "failing over from keycloak-db-1 to keycloak-db-2",
            "promoted keycloak-db-2 (timeline 1 → 2)",
            "Waiting for the instances to become active (Some instances are not yet active. Please wait.)",
            "keycloak-db-1 rejoined as replica",
            "Cluster in healthy state",
        ]
    );
    let at: Vec<Timestamp> = tl.entries().map(|e| e.at).collect();
    assert_eq!(
        at,
        vec![t(0), t(1), t(2), t(3), t(4), t(5), t(6), t(7), t(7)]
    );
    assert_eq!(tl.change_started(), None);
}

#[test]
fn full_failover_with_pods() {
    use fixtures::pod;
    let mut tl = FailoverTimeline::new("keycloak", "keycloak-db");
    tl.observe_json(&fixtures::healthy(), t(0));
    assert_eq!(tl.observe_pods_json(&fixtures::healthy_pods(), t(0)), 0);
    let db2p = pod(DB2, "primary", NODE_B, true, 0);
    let db2r = pod(DB2, "replica", NODE_B, true, 0);
    let db3 = pod(DB3, "replica", NODE_C, true, 0);
    // the primary's pod stops being ready, then is deleted
    let db1_dead = pod(DB1, "primary", NODE_A, false, 0);
    assert_eq!(
        tl.observe_pods_json(&[db1_dead, db2r.clone(), db3.clone()], t(1)),
        1
    );
    assert_eq!(tl.observe_pods_json(&[db2r.clone(), db3.clone()], t(2)), 0);
    tl.observe_json(&fixtures::failing_over_pending(), t(3));
    tl.observe_json(&fixtures::failing_over_to_db2(), t(4));
    tl.observe_pods_json(&[db2p.clone(), db3.clone()], t(5));
    tl.observe_json(
        &fixtures::cluster(St {
            phase: "Failing over",
            reason: "Failing over from keycloak-db-1 to keycloak-db-2",
            current: DB2,
            target: DB2,
            timeline: 2,
            healthy: &[DB2, DB3],
            failed: &[DB1],
            ready_condition: false,
            ..St::default()
        }),
        t(5),
    );
    // db-1 recreated as a replica, not ready yet: not rejoined
    let db1_back = pod(DB1, "replica", NODE_A, false, 0);
    assert_eq!(
        tl.observe_pods_json(&[db1_back, db2p.clone(), db3.clone()], t(6)),
        0
    );
    // the status lists it healthy before the pod watch says so: pods decide
    tl.observe_json(&fixtures::waiting_for_instances(), t(6));
    let db1_ready = pod(DB1, "replica", NODE_A, true, 0);
    assert_eq!(tl.observe_pods_json(&[db1_ready, db2p, db3], t(7)), 1);
    tl.observe_json(
        &fixtures::cluster(St {
            current: DB2,
            target: DB2,
            timeline: 2,
            ..St::default()
        }),
        t(8),
    );
    assert_eq!(
        sentences(&tl),
        vec![
            "Cluster in healthy state; primary keycloak-db-1, timeline 1",
            "primary keycloak-db-1 failing",
            "failover starting (targetPrimary pending)",
            "Failing over (Initiating a failover from keycloak-db-1)",
            "failing over from keycloak-db-1 to keycloak-db-2",
            "promoted keycloak-db-2 (timeline 1 → 2)",
            "Waiting for the instances to become active (Some instances are not yet active. Please wait.)",
            "keycloak-db-1 rejoined as replica",
            "Cluster in healthy state",
        ]
    );
    let kinds: Vec<&Transition> = tl.entries().map(|e| &e.transition).collect();
    assert_eq!(
        kinds[5],
        &Transition::Promoted {
            pod: DB2.into(),
            timeline: Some((1, 2))
        }
    );
}

#[test]
fn switchover_and_separate_timeline_change() {
    let mut tl = FailoverTimeline::new("keycloak", "keycloak-db");
    tl.observe_json(&fixtures::healthy(), t(0));
    tl.observe_json(&fixtures::switchover(), t(1));
    assert_eq!(tl.change_started(), Some(t(1)));
    // the new primary shows up before its timeline
    tl.observe_json(
        &fixtures::cluster(St {
            phase: "Switchover in progress",
            reason: "Switching over to keycloak-db-3",
            current: DB3,
            target: DB3,
            ..St::default()
        }),
        t(2),
    );
    tl.observe_json(
        &fixtures::cluster(St {
            current: DB3,
            target: DB3,
            timeline: 2,
            ..St::default()
        }),
        t(3),
    );
    assert_eq!(
        sentences(&tl),
        vec![
            "Cluster in healthy state; primary keycloak-db-1, timeline 1",
            "switchover from keycloak-db-1 to keycloak-db-3 requested",
            "Switchover in progress (Switching over to keycloak-db-3)",
            "promoted keycloak-db-3",
            "timeline 1 → 2",
            "Cluster in healthy state",
        ]
    );
    assert_eq!(tl.change_started(), None);
}

#[test]
fn first_observation_mid_failover_and_other_clusters() {
    let mut tl = FailoverTimeline::new("keycloak", "keycloak-db");
    let mut other = fixtures::failing_over_to_db2();
    other["metadata"]["name"] = "other-db".into();
    assert_eq!(tl.observe_json(&other, t(0)), 0);
    let mut elsewhere = fixtures::healthy();
    elsewhere["metadata"]["namespace"] = "default".into();
    assert_eq!(tl.observe_json(&elsewhere, t(0)), 0);
    assert!(tl.is_empty());

    assert_eq!(tl.observe_json(&fixtures::failing_over_pending(), t(1)), 1);
    assert_eq!(
        tl.last().map(TimelineEntry::sentence).as_deref(),
        Some("Failing over; primary keycloak-db-1 (failover starting), timeline 1")
    );
    assert_eq!(tl.change_started(), Some(t(1)));
    // the failing primary is not reported again
    assert_eq!(tl.observe_json(&fixtures::failing_over_to_db2(), t(2)), 1);
    assert_eq!(
        tl.last().map(TimelineEntry::sentence).as_deref(),
        Some("failing over from keycloak-db-1 to keycloak-db-2")
    );
    assert_eq!(tl.namespace(), "keycloak");
    assert_eq!(tl.name(), "keycloak-db");
}

#[test]
fn bounded_length() {
    let mut tl = FailoverTimeline::with_capacity("keycloak", "keycloak-db", 3);
    let phases = [
        fixtures::healthy(),
        fixtures::upgrading(),
        fixtures::waiting_for_user(),
        fixtures::healthy(),
        fixtures::upgrading(),
    ];
    for (i, c) in phases.iter().enumerate() {
        tl.observe_json(c, t(i as i64));
    }
    assert_eq!(tl.len(), 3);
    assert_eq!(
        tl.entries().next().map(|e| e.at),
        Some(t(2)),
        "{:?}",
        sentences(&tl)
    );
    assert!(
        tl.last()
            .is_some_and(|e| e.sentence().starts_with("Upgrading cluster"))
    );
}

#[test]
fn target_reset_and_sentences() {
    let mut tl = FailoverTimeline::new("keycloak", "keycloak-db");
    tl.observe_json(&fixtures::healthy(), t(0));
    tl.observe_json(&fixtures::switchover(), t(1));
    tl.observe_json(&fixtures::healthy(), t(2));
    assert_eq!(
        sentences(&tl)[3..],
        [
            "targetPrimary back to keycloak-db-1",
            "Cluster in healthy state"
        ]
    );
    assert_eq!(
        Transition::FailoverTarget {
            from: None,
            to: DB2.into()
        }
        .sentence(),
        "failing over to keycloak-db-2"
    );
    assert_eq!(
        Transition::TimelineChanged { from: None, to: 4 }.sentence(),
        "timeline 4"
    );
}
