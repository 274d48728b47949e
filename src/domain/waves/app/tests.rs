use super::super::fixtures::{App, ts};
use super::*;
use serde_json::json;

fn from_json(v: &serde_json::Value) -> Option<AppSummary> {
    use crate::model::views::{Application, View};
    Application::from_json(v.clone()).and_then(|a| AppSummary::of(&a))
}

fn summary(app: App) -> AppSummary {
    from_json(&app.build()).expect("has a name")
}

#[test]
fn reads_wave_annotation_negative_absent_and_invalid() {
    assert_eq!(summary(App::new("a").wave("-5")).wave.value, -5);
    assert_eq!(summary(App::new("a").wave("+3")).wave.value, 3);
    let absent = summary(App::new("a"));
    assert_eq!(absent.wave, Wave::default());
    let bad = summary(App::new("a").wave("early"));
    assert_eq!(bad.wave.value, 0);
    assert_eq!(bad.wave.raw.as_deref(), Some("early"));
    let err = bad.wave.error.expect("error");
    assert!(err.contains("\"early\" is not an integer"), "{err}");
    // Go's Atoi does not trim: neither do we.
    assert!(summary(App::new("a").wave(" 1")).wave.error.is_some());
    assert!(summary(App::new("a").wave("1.5")).wave.error.is_some());
}

#[test]
fn invalid_wave_falls_back_to_helm_hook_weight() {
    let app = App::new("a")
        .wave("x")
        .annotation(annotation::HELM_HOOK_WEIGHT, "-3");
    assert_eq!(summary(app).wave.value, -3);
}

#[test]
fn reads_argo_cd_2_status() {
    let app = App::new("cert-manager")
        .wave("-5")
        .sync("Synced")
        .health("Degraded", None)
        .resource(
            "apps",
            "Deployment",
            "cert-manager",
            "cert-manager-webhook",
            "Synced",
            Some((
                "Degraded",
                "Deployment \"cert-manager-webhook\" exceeded its progress deadline",
            )),
        )
        .resource(
            "",
            "Service",
            "cert-manager",
            "cert-manager",
            "OutOfSync",
            Some(("Healthy", "")),
        )
        .resource("", "ConfigMap", "cert-manager", "cfg", "OutOfSync", None)
        .condition(
            "SyncError",
            "Failed sync attempt: one or more objects failed to apply",
        )
        .automated(true, false)
        .history(
            "0123456789abcdef0123456789abcdef01234567",
            "2026-11-01T08:00:00Z",
        );
    let s = summary(app);
    assert_eq!(s.key, AppKey::new("argo", "cert-manager"));
    assert_eq!(s.health, HealthCode::Degraded);
    assert_eq!(s.sync, SyncCode::Synced);
    assert_eq!(s.out_of_sync, 2);
    assert_eq!(s.unhealthy, Some(1));
    assert!(s.resource_health_stored);
    assert_eq!(
        s.resources[0].resource.to_string(),
        "Deployment cert-manager-webhook"
    );
    assert_eq!(
        s.resources[0].health_message.as_deref(),
        Some("Deployment \"cert-manager-webhook\" exceeded its progress deadline")
    );
    assert_eq!(s.revision.as_deref(), Some("4f2a9c1"));
    assert_eq!(s.last_synced, Some(ts("2026-11-01T08:00:00Z")));
    assert_eq!(
        s.auto_sync,
        AutoSync {
            enabled: true,
            prune: true,
            self_heal: false,
            allow_empty: false
        }
    );
    assert_eq!(s.error_conditions().count(), 1);
    assert_eq!(s.sources[0].path.as_deref(), Some("platform/cert-manager"));
    assert_eq!(s.destination, "https://kubernetes.default.svc cert-manager");
}

#[test]
fn reads_argo_cd_3_status_without_resource_health() {
    let app = App::new("traefik")
        .app_tree()
        .health("Progressing", None)
        .health_since("2026-11-01T09:00:00Z")
        .resource("apps", "Deployment", "traefik", "traefik", "Synced", None);
    let s = summary(app);
    assert!(!s.resource_health_stored);
    assert_eq!(s.unhealthy, None);
    assert_eq!(s.resources[0].health, None);
    assert_eq!(s.health_since, Some(ts("2026-11-01T09:00:00Z")));
}

#[test]
fn reads_operation_state_and_requested_operation() {
    let app = App::new("root")
        .operation_running(
            "2026-11-01T09:00:00Z",
            "waiting for healthy state of argoproj.io/Application/cert-manager",
        )
        .requested_by_automation();
    let s = summary(app);
    let op = s.running_operation().expect("running");
    assert_eq!(op.phase, OperationPhase::Running);
    assert_eq!(op.started_at, Some(ts("2026-11-01T09:00:00Z")));
    assert!(op.initiated_by.automated);
    assert_eq!(
        s.requested_operation.as_ref().map(|i| i.automated),
        Some(true)
    );
    assert_eq!(s.last_synced, None);

    let done = summary(App::new("a").operation_finished(
        "Succeeded",
        "successfully synced (all tasks run)",
        "2026-11-01T09:00:00Z",
        "2026-11-01T09:01:00Z",
    ));
    assert_eq!(done.last_synced, Some(ts("2026-11-01T09:01:00Z")));
    assert!(done.running_operation().is_none());
    assert_eq!(done.requested_operation, None);
}

#[test]
fn reads_multi_source_apps() {
    let app = App::new("keycloak").multi_source(&[
        json!({"repoURL": "https://charts.bitnami.com/bitnami", "chart": "keycloak", "targetRevision": "24.0.1", "helm": {"valueFiles": ["$values/keycloak/values.yaml"]}}),
        json!({"repoURL": "https://git.example.com/platform.git", "targetRevision": "main", "ref": "values"}),
    ]).revisions(&["24.0.1", "89abcdef0123456789abcdef0123456789abcdef"]);
    let s = summary(app);
    assert_eq!(s.sources.len(), 2);
    assert_eq!(s.sources[0].chart.as_deref(), Some("keycloak"));
    assert_eq!(s.sources[1].ref_name.as_deref(), Some("values"));
    assert_eq!(s.revision.as_deref(), Some("24.0.1,89abcde"));
    assert_eq!(s.revisions.len(), 2);
}

#[test]
fn automated_enabled_false_is_not_auto_sync() {
    let v = App::new("a")
        .set(
            "/spec/syncPolicy",
            json!({"automated": {"enabled": false, "prune": true}}),
        )
        .build();
    let s = from_json(&v).expect("named");
    assert!(!s.auto_sync.enabled);
    assert!(s.auto_sync.prune);
    let empty = App::new("a")
        .set("/spec/syncPolicy", json!({"automated": {}}))
        .build();
    assert!(from_json(&empty).expect("named").auto_sync.enabled);
}

#[test]
fn tracking_id_must_name_the_object_itself() {
    let ok = summary(App::new("cert-manager").tracking("platform-root"));
    assert_eq!(ok.hints.tracking_app.as_deref(), Some("platform-root"));
    let copied = summary(App::new("other").annotation(
        annotation::TRACKING_ID,
        "platform-root:argoproj.io/Application:argo/cert-manager",
    ));
    assert_eq!(copied.hints.tracking_app, None);
    let malformed = summary(App::new("x").annotation(annotation::TRACKING_ID, "platform-root"));
    assert_eq!(malformed.hints.tracking_app, None);
}

#[test]
fn missing_name_is_none_and_missing_status_is_unknown() {
    assert!(from_json(&json!({"kind": "Application"})).is_none());
    let bare = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "new", "namespace": "argo"}, "spec": {}});
    let s = from_json(&bare).expect("named");
    assert_eq!(s.sync, SyncCode::Unknown);
    assert_eq!(s.health, HealthCode::Unknown);
    assert_eq!(s.project, "default");
    assert!(!s.is_done());
}

#[test]
fn short_revisions() {
    assert_eq!(
        short_revision("0123456789abcdef0123456789abcdef01234567"),
        "0123456"
    );
    assert_eq!(short_revision("v1.16.2"), "v1.16.2");
}

#[test]
fn codes_round_trip_and_keep_unknown_values() {
    assert_eq!(HealthCode::parse("Degraded"), HealthCode::Degraded);
    assert_eq!(HealthCode::parse("Weird").as_str(), "Weird");
    assert_eq!(OperationPhase::parse("Running").to_string(), "Running");
    assert!(HealthCode::Degraded.badness() > HealthCode::Progressing.badness());
    assert!(!HealthCode::Suspended.is_unhealthy());
}
