use super::super::fixtures::{
    App, crashing_pod, stuck_platform, views, webhook_deployment, workload,
};
use super::*;

fn key(name: &str) -> AppKey {
    AppKey::new("argo", name)
}

fn root() -> AppKey {
    key("platform-root")
}

fn model(apps: Vec<serde_json::Value>) -> WavesModel {
    WavesModel::build(&views(apps), None)
}

fn lane_names(lanes: &[WaveLane]) -> Vec<(i64, Vec<&str>)> {
    lanes
        .iter()
        .map(|l| (l.wave, l.apps.iter().map(|k| k.name.as_str()).collect()))
        .collect()
}

#[test]
fn lanes_order_negative_absent_duplicate_and_invalid_waves() {
    let m = model(vec![
        App::new("zeta").build(),
        App::new("alpha").wave("0").build(),
        App::new("beta").wave("-10").build(),
        App::new("gamma").wave("3").build(),
        App::new("delta").wave("-10").build(),
        App::new("broken").wave("soon").build(),
    ]);
    let lanes = m.lanes(None);
    assert_eq!(
        lane_names(&lanes),
        vec![
            (-10, vec!["beta", "delta"]),
            (0, vec!["alpha", "broken", "zeta"]),
            (3, vec!["gamma"]),
        ]
    );
    assert!(lanes.iter().all(|l| l.done));
}

#[test]
fn lanes_of_a_parent_only_hold_its_children() {
    let m = model(stuck_platform());
    assert_eq!(
        lane_names(&m.lanes(Some(&root()))),
        vec![
            (-10, vec!["monitoring"]),
            (-5, vec!["cert-manager"]),
            (-2, vec!["traefik"]),
            (-1, vec!["cnpg-operator"]),
            (0, vec!["keycloak"]),
        ]
    );
    // All apps include the root itself (wave 0).
    let all = m.lanes(None);
    assert_eq!(all.last().map(|l| l.apps.len()), Some(2));
}

#[test]
fn healthy_rollout_is_done() {
    let m = model(vec![
        App::new("root")
            .child_app("a", "Synced", Some("Healthy"), -1)
            .child_app("b", "Synced", Some("Healthy"), 0)
            .build(),
        App::new("a").wave("-1").tracking("root").build(),
        App::new("b").tracking("root").build(),
    ]);
    let r = m.rollout(Some(&key("root")), &LiveObjects::default());
    assert_eq!(r.state, RolloutState::Done);
    assert_eq!(r.lines, vec!["all waves synced and healthy"]);
    assert_eq!(r.wave_in_progress(), None);
}

#[test]
fn stalled_behind_degraded_app_with_stored_resource_health() {
    let m = model(stuck_platform());
    let r = m.rollout(Some(&root()), &LiveObjects::default());
    let RolloutState::InProgress {
        wave,
        blockers,
        pending,
    } = &r.state
    else {
        panic!("not in progress: {r:?}");
    };
    assert_eq!(*wave, -5);
    assert_eq!(pending, &vec![-2, -1, 0]);
    assert_eq!(blockers.len(), 1);
    assert_eq!(
        blockers[0].state,
        BlockerState::Unhealthy(HealthCode::Degraded)
    );
    assert_eq!(
        r.lines,
        vec![
            "wave -5: cert-manager Degraded — Deployment cert-manager-webhook exceeded its progress deadline",
            "platform-root sync Running: waiting for healthy state of argoproj.io/Application/cert-manager",
            "pending: wave -2 (traefik), wave -1 (cnpg-operator), wave 0 (keycloak)",
        ]
    );
    let wait = r.parent_wait.as_ref().expect("parent waits");
    assert_eq!(wait.reason.as_deref(), Some("healthy state of"));
    let target = wait.waiting_for.as_ref().expect("target");
    assert!(target.is_application());
    assert_eq!(target.name, "cert-manager");
}

#[test]
fn live_objects_say_what_the_workload_shows() {
    let m = model(stuck_platform());
    let mut live = LiveObjects::new();
    live.insert(workload(webhook_deployment(0)));
    live.insert(workload(crashing_pod(
        "cert-manager-webhook-5c8d-x1",
        "cert-manager-webhook",
    )));
    live.insert(workload(crashing_pod(
        "cert-manager-webhook-5c8d-x2",
        "cert-manager-webhook",
    )));
    let r = m.rollout(Some(&root()), &live);
    assert_eq!(
        r.headline(),
        "wave -5: cert-manager Degraded — Deployment cert-manager-webhook 0/2 available, 2 pods CrashLoopBackOff"
    );
}

#[test]
fn argo_cd_3_without_resource_health_says_what_is_known() {
    let cm = App::new("cert-manager")
        .wave("-5")
        .app_tree()
        .health("Degraded", None)
        .resource(
            "",
            "Service",
            "cert-manager",
            "cert-manager-webhook",
            "Synced",
            None,
        )
        .resource(
            "apps",
            "Deployment",
            "cert-manager",
            "cert-manager",
            "Synced",
            None,
        )
        .resource(
            "apps",
            "Deployment",
            "cert-manager",
            "cert-manager-webhook",
            "Synced",
            None,
        )
        .build();
    let m = model(vec![cm.clone()]);
    let r = m.rollout(None, &LiveObjects::default());
    assert_eq!(
        r.headline(),
        "wave -5: cert-manager Degraded — resource health is not stored on the Application (Argo CD 3.x, resourceHealthSource: appTree); check Deployment cert-manager, Deployment cert-manager-webhook"
    );
    // With the live Deployments the webhook is found.
    let mut live = LiveObjects::new();
    live.insert(workload(webhook_deployment(0)));
    let r = m.rollout(None, &live);
    assert_eq!(
        r.headline(),
        "wave -5: cert-manager Degraded — Deployment cert-manager-webhook 0/2 available"
    );
}

#[test]
fn argo_cd_3_6_caused_by_message_names_the_resource() {
    let cm = App::new("cert-manager")
        .wave("-5")
        .app_tree()
        .health(
            "Degraded",
            Some("Caused by apps/Deployment:cert-manager/cert-manager-webhook, Service:cert-manager/x"),
        )
        .build();
    let m = model(vec![cm]);
    let r = m.rollout(None, &LiveObjects::default());
    assert_eq!(
        r.headline(),
        "wave -5: cert-manager Degraded — Deployment cert-manager-webhook"
    );
    let mut live = LiveObjects::new();
    live.insert(workload(webhook_deployment(1)));
    let r = m.rollout(None, &live);
    assert_eq!(
        r.headline(),
        "wave -5: cert-manager Degraded — Deployment cert-manager-webhook 1/2 available"
    );
    assert_eq!(
        caused_by("Caused by Pod:a and 3 more"),
        vec![ResourceRef {
            group: String::new(),
            kind: "Pod".into(),
            namespace: String::new(),
            name: "a".into()
        }]
    );
}

#[test]
fn plain_health_message_is_used_as_is() {
    let m = model(vec![
        App::new("db")
            .health("Progressing", Some("Waiting for 1 replica"))
            .build(),
    ]);
    assert_eq!(
        m.rollout(None, &LiveObjects::default()).headline(),
        "wave 0: db Progressing — Waiting for 1 replica"
    );
}

#[test]
fn out_of_sync_app_lists_drifted_resources_and_auto_sync_off() {
    let app = App::new("traefik")
        .wave("-2")
        .sync("OutOfSync")
        .resource(
            "apps",
            "Deployment",
            "traefik",
            "traefik",
            "OutOfSync",
            Some(("Healthy", "")),
        )
        .resource(
            "",
            "Service",
            "traefik",
            "traefik",
            "OutOfSync",
            Some(("Healthy", "")),
        )
        .resource("", "ConfigMap", "traefik", "cfg", "Synced", None)
        .build();
    let m = model(vec![app]);
    let r = m.rollout(None, &LiveObjects::default());
    assert_eq!(
        r.headline(),
        "wave -2: traefik OutOfSync — 2 resources out of sync (Deployment traefik, Service traefik); auto-sync is off: nothing syncs it until someone does"
    );
    let RolloutState::InProgress { blockers, .. } = &r.state else {
        panic!("in progress");
    };
    assert_eq!(
        blockers[0].state,
        BlockerState::OutOfSync(SyncCode::OutOfSync)
    );
    assert_eq!(
        blockers[0].resource.as_ref().map(|r| r.name.as_str()),
        Some("traefik")
    );
}

#[test]
fn syncing_app_shows_its_operation_and_failed_one_its_error() {
    let syncing = App::new("a")
        .sync("OutOfSync")
        .automated(true, true)
        .operation_running("2026-11-01T09:29:00Z", "one or more tasks are running")
        .build();
    let m = model(vec![syncing]);
    assert_eq!(
        m.rollout(None, &LiveObjects::default()).headline(),
        "wave 0: a OutOfSync; sync Running: one or more tasks are running"
    );
    let failed = App::new("b")
        .sync("OutOfSync")
        .automated(true, false)
        .operation_finished(
            "Failed",
            "one or more objects failed to apply, reason: admission webhook denied the request",
            "2026-11-01T09:00:00Z",
            "2026-11-01T09:01:00Z",
        )
        .condition(
            "SyncError",
            "Failed sync attempt to 4f2a9c1: one or more objects failed to apply",
        )
        .build();
    let m = model(vec![failed]);
    assert_eq!(
        m.rollout(None, &LiveObjects::default()).headline(),
        "wave 0: b OutOfSync; last sync Failed: one or more objects failed to apply, reason: admission webhook denied the request; SyncError: Failed sync attempt to 4f2a9c1: one or more objects failed to apply"
    );
}

#[test]
fn not_created_child_in_the_current_wave() {
    let m = model(vec![
        App::new("root")
            .child_app("a", "Synced", Some("Healthy"), -1)
            .child_app("b", "OutOfSync", Some("Missing"), 0)
            .build(),
        App::new("a").wave("-1").tracking("root").build(),
    ]);
    let r = m.rollout(Some(&key("root")), &LiveObjects::default());
    assert_eq!(r.wave_in_progress(), Some(0));
    assert_eq!(
        r.headline(),
        "wave 0: b not created yet (OutOfSync) — root has not applied it"
    );
}

#[test]
fn parent_message_adds_the_app_it_waits_for() {
    // monitoring (wave -10) drifted after the root moved on; the root waits for cert-manager.
    let apps = vec![
        App::new("platform-root")
            .operation_running(
                "2026-11-01T09:25:00Z",
                "waiting for healthy state of argoproj.io/Application/cert-manager and 1 more resources",
            )
            .child_app("monitoring", "Synced", Some("Healthy"), -10)
            .child_app("cert-manager", "Synced", Some("Progressing"), -5)
            .build(),
        App::new("monitoring")
            .wave("-10")
            .tracking("platform-root")
            .sync("OutOfSync")
            .automated(true, true)
            .build(),
        App::new("cert-manager")
            .wave("-5")
            .tracking("platform-root")
            .health("Progressing", None)
            .build(),
    ];
    let r = model(apps).rollout(Some(&root()), &LiveObjects::default());
    assert_eq!(r.wave_in_progress(), Some(-10));
    assert_eq!(r.lines[0], "wave -10: monitoring OutOfSync");
    assert_eq!(r.lines[1], "wave -5: cert-manager Progressing");
    assert_eq!(r.parent_wait.as_ref().map(|w| w.more), Some(1));
}

#[test]
fn failed_parent_operation_is_reported() {
    let apps = vec![
        App::new("platform-root")
            .operation_finished(
                "Failed",
                "one or more synchronization tasks completed unsuccessfully",
                "2026-11-01T09:20:00Z",
                "2026-11-01T09:21:00Z",
            )
            .child_app("cert-manager", "Synced", Some("Degraded"), -5)
            .build(),
        App::new("cert-manager")
            .wave("-5")
            .tracking("platform-root")
            .health("Degraded", None)
            .build(),
    ];
    let r = model(apps).rollout(Some(&root()), &LiveObjects::default());
    assert_eq!(
        r.lines,
        vec![
            "wave -5: cert-manager Degraded",
            "platform-root sync Failed: one or more synchronization tasks completed unsuccessfully",
        ]
    );
}

#[test]
fn empty_rollout() {
    let r = WavesModel::default().rollout(None, &LiveObjects::default());
    assert_eq!(r.state, RolloutState::Empty);
    assert_eq!(r.headline(), "no applications");
}

#[test]
fn parses_waiting_messages() {
    let (reason, r, more) =
        parse_waiting("waiting for healthy state of /Service/web and 2 more resources")
            .expect("parses");
    assert_eq!(reason, "healthy state of");
    assert_eq!(
        (r.group.as_str(), r.kind.as_str(), r.name.as_str()),
        ("", "Service", "web")
    );
    assert_eq!(more, 2);
    let (reason, r, more) =
        parse_waiting("waiting for completion of hook batch/Job/db-migrate").expect("parses");
    assert_eq!(reason, "completion of hook");
    assert_eq!(r.argo_path(), "batch/Job/db-migrate");
    assert_eq!(more, 0);
    assert!(parse_waiting("one or more tasks are running").is_none());
    assert!(parse_waiting("waiting for nothing").is_none());
}
