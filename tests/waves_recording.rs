//! The sync-waves analysis against the `wave-stuck` recording played by an in-process sandbox:
//! kube-rs watches the Applications (and reads `argocd-cm`, the cert-manager workloads), the
//! domain logic explains the stall, and the sync / terminate / refresh patches are written
//! through kube-rs and checked.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams, ResourceExt,
};
use kube::runtime::watcher::{self, Event, watcher};
use kube::{Client, Error as KubeError};
use opsdeck::domain::waves::{
    self, ActionError, AppKey, ArgoCdConfig, LiveObjects, RefreshKind, RolloutState, SyncRequest,
    TrapKind, TrapOptions, WavesModel,
};
use opsdeck::model::object::Value as CompactValue;
use opsdeck::model::views::{Application, View as _, Workload};
use opsdeck::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

/// An Application as the console's stores hand it to the domain.
fn view(v: &Value) -> Application {
    Application::from_json(v.clone()).expect("an object")
}

fn views(list: &[Value]) -> Vec<Application> {
    list.iter().map(view).collect()
}

/// Generous liveness deadline: the timeline lasts about 6 s at speed 4.
const DEADLINE: Duration = Duration::from_secs(60);
const SPEED: f64 = 4.0;

const WAITING: &str =
    "platform-root sync Running: waiting for healthy state of argoproj.io/Application/cert-manager";
const STALL: &str = "wave -5: cert-manager Degraded — Deployment cert-manager-webhook";
const STALL_LIVE: &str = "wave -5: cert-manager Degraded — Deployment cert-manager-webhook 0/2 available, 2 pods CrashLoopBackOff";
const RETRY_2: &str = "platform-root sync Running: one or more synchronization tasks completed unsuccessfully. Retrying attempt #2";
const PENDING: &str = "pending: wave -2 (traefik), wave -1 (cnpg-operator), wave 0 (keycloak)";

fn recording_path() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/recordings/wave-stuck.yaml"
    ))
}

fn application_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(waves::GROUP, waves::VERSION, waves::KIND),
        waves::PLURAL,
    )
}

/// `speed` 0 keeps the recording at its first state.
async fn start(speed: f64) -> (Sandbox, Client) {
    let recording = Recording::load(recording_path()).expect("wave-stuck.yaml parses");
    let sandbox = Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed,
    })
    .await
    .expect("sandbox starts");
    let client = Client::try_from(sandbox.kube_config()).expect("kube client");
    (sandbox, client)
}

fn root() -> AppKey {
    AppKey::new("argo", "platform-root")
}

fn json(obj: &DynamicObject) -> Value {
    serde_json::to_value(obj).expect("object serializes")
}

async fn argocd_config(client: &Client) -> ArgoCdConfig {
    let cm = Api::<ConfigMap>::namespaced(client.clone(), "argo")
        .get(waves::ARGOCD_CM)
        .await
        .expect("argocd-cm");
    ArgoCdConfig::from_configmap(&CompactValue::from(
        serde_json::to_value(&cm).expect("serializes"),
    ))
}

/// The cert-manager Deployments and pods, as the pane's resource stores would hold them.
async fn live_cert_manager(client: &Client) -> LiveObjects {
    let mut live = LiveObjects::new();
    let lp = ListParams::default();
    let deployments = Api::<Deployment>::namespaced(client.clone(), "cert-manager")
        .list(&lp)
        .await
        .expect("list deployments");
    for d in deployments {
        let mut v = serde_json::to_value(&d).expect("serializes");
        v["apiVersion"] = "apps/v1".into();
        v["kind"] = "Deployment".into();
        live.insert(Workload::from_json(v).expect("an object"));
    }
    let pods = Api::<Pod>::namespaced(client.clone(), "cert-manager")
        .list(&lp)
        .await
        .expect("list pods");
    for p in pods {
        let mut v = serde_json::to_value(&p).expect("serializes");
        v["apiVersion"] = "v1".into();
        v["kind"] = "Pod".into();
        live.insert(Workload::from_json(v).expect("an object"));
    }
    live
}

#[test]
fn recording_parses_and_is_short() {
    let rec = Recording::load(recording_path()).expect("parses");
    assert_eq!(rec.metadata.name, "wave-stuck");
    assert!(
        rec.duration() <= Duration::from_secs(30),
        "{:?}",
        rec.duration()
    );
    let apps: Vec<&Value> = rec
        .objects
        .iter()
        .filter(|o| waves::is_application(&view(o)))
        .collect();
    assert_eq!(
        apps.len(),
        2,
        "platform-root and monitoring exist at the start"
    );
    let crd = rec
        .objects
        .iter()
        .find(|o| o.pointer("/metadata/name") == Some(&"applications.argoproj.io".into()))
        .expect("Application CRD");
    assert!(
        crd.pointer("/spec/versions/0/subresources/status")
            .is_none(),
        "Application has no status subresource"
    );
    // The initial state already reads as a rollout in progress at wave -10.
    let model = WavesModel::build(&views(&rec.objects), None);
    let rollout = model.rollout(Some(&root()), &LiveObjects::default());
    assert_eq!(rollout.wave_in_progress(), Some(-10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stall_explanation_appears_as_the_timeline_plays() {
    let (sandbox, client) = start(SPEED).await;
    let config = argocd_config(&client).await;
    assert!(
        config.has_app_health_check(),
        "argocd-cm has the health check"
    );

    let apps: Api<DynamicObject> = Api::all_with(client.clone(), &application_resource());
    let mut stream = watcher(apps, watcher::Config::default()).boxed();
    let mut objects: BTreeMap<String, Value> = BTreeMap::new();
    let mut seen_waiting = false;
    let mut seen_stall = false;
    let mut lines: Vec<String> = Vec::new();
    let finished = tokio::time::timeout(DEADLINE, async {
        while let Some(event) = stream.next().await {
            match event.expect("watch event") {
                Event::Apply(o) | Event::InitApply(o) => {
                    objects.insert(o.name_any(), json(&o));
                }
                Event::Delete(o) => {
                    objects.remove(&o.name_any());
                }
                Event::Init | Event::InitDone => {}
            }
            let list: Vec<Value> = objects.values().cloned().collect();
            let model = WavesModel::build(&views(&list), Some(&config));
            let rollout = model.rollout(Some(&root()), &LiveObjects::default());
            lines = rollout.lines.clone();
            seen_waiting |= lines.iter().any(|l| l == WAITING);
            seen_stall |= lines.first().is_some_and(|l| l.starts_with(STALL));
            if seen_waiting && seen_stall && lines.iter().any(|l| l.starts_with(RETRY_2)) {
                return;
            }
        }
    })
    .await;
    assert!(
        finished.is_ok(),
        "timeline did not reach the stall in {DEADLINE:?}: waiting seen {seen_waiting}, stall seen {seen_stall}, last lines {lines:#?}"
    );

    // The final state, explained with and without the live workloads.
    let list: Vec<Value> = objects.values().cloned().collect();
    let model = WavesModel::build(&views(&list), Some(&config));
    let rollout = model.rollout(Some(&root()), &LiveObjects::default());
    assert_eq!(
        rollout.lines[0],
        "wave -5: cert-manager Degraded — Deployment cert-manager-webhook exceeded its progress deadline"
    );
    assert!(
        rollout.lines.iter().any(|l| l == PENDING),
        "{:#?}",
        rollout.lines
    );
    let RolloutState::InProgress { wave, pending, .. } = &rollout.state else {
        panic!("rollout not in progress: {rollout:?}");
    };
    assert_eq!((*wave, pending.as_slice()), (-5, &[-2, -1, 0][..]));
    let names: Vec<(bool, &str)> = model
        .members(Some(&root()))
        .iter()
        .map(|a| (a.exists, a.key.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (true, "monitoring"),
            (true, "cert-manager"),
            (false, "traefik"),
            (false, "cnpg-operator"),
            (false, "keycloak")
        ]
    );

    let live = live_cert_manager(&client).await;
    let rollout = model.rollout(Some(&root()), &live);
    assert_eq!(rollout.lines[0], STALL_LIVE);

    let analysis = waves::analyze(
        &views(&list),
        Some(&config),
        &live,
        jiff::Timestamp::now(),
        &TrapOptions::default(),
    );
    let kinds: Vec<TrapKind> = analysis.traps.iter().map(|t| t.kind).collect();
    assert!(
        !kinds.contains(&TrapKind::MissingAppHealthCheck),
        "{kinds:?}"
    );
    assert!(kinds.contains(&TrapKind::AutoSyncedChildren), "{kinds:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_write_operation_and_refuse_a_second_sync() {
    // Paused: the timeline must not race the resourceVersion preconditions.
    let (sandbox, client) = start(0.0).await;
    let apps: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "argo", &application_resource());

    // The root runs an automated sync from the start: a sync is refused.
    let root_app = json(&apps.get("platform-root").await.expect("root"));
    assert_eq!(
        waves::sync_patch(&view(&root_app), &SyncRequest::default()),
        Err(ActionError::OperationInProgress)
    );

    // monitoring has no operation: the sync body is accepted and `operation` is set.
    let monitoring = json(&apps.get("monitoring").await.expect("monitoring"));
    let request = SyncRequest {
        username: "opsdeck-test".into(),
        prune: true,
        ..SyncRequest::default()
    };
    let body = waves::sync_patch(&view(&monitoring), &request).expect("sync allowed");
    let patched = apps
        .patch("monitoring", &PatchParams::default(), &Patch::Merge(&body))
        .await
        .expect("merge patch accepted");
    let after = json(&patched);
    assert_eq!(
        after.pointer("/operation/initiatedBy/username"),
        Some(&"opsdeck-test".into())
    );
    assert_eq!(after.pointer("/operation/sync/prune"), Some(&true.into()));
    assert!(after.pointer("/operation/sync/syncStrategy/hook").is_some());
    assert_eq!(
        after.pointer("/operation/sync/source/chart"),
        Some(&"kube-prometheus-stack".into())
    );
    assert!(
        after.pointer("/status/operationState").is_none(),
        "operationState cleared as SetAppOperation does"
    );
    assert_eq!(
        after.pointer("/status/sync/status"),
        Some(&"Synced".into()),
        "the rest of status is kept"
    );

    // A second attempt is refused by the helper…
    let fresh = json(&apps.get("monitoring").await.expect("monitoring"));
    let err = waves::sync_patch(&view(&fresh), &request).expect_err("refused");
    assert_eq!(err.to_string(), "another operation is already in progress");
    // …and the stale body's resourceVersion makes the API server refuse it too.
    match apps
        .patch("monitoring", &PatchParams::default(), &Patch::Merge(&body))
        .await
    {
        Err(KubeError::Api(status)) => assert_eq!(status.code, 409, "{status:?}"),
        other => panic!("stale sync patch was not refused: {other:?}"),
    }

    // Terminate the root's running operation.
    let body = waves::terminate_patch(&view(&root_app)).expect("root is Running");
    let patched = apps
        .patch(
            "platform-root",
            &PatchParams::default(),
            &Patch::Merge(&body),
        )
        .await
        .expect("terminate accepted");
    assert_eq!(
        json(&patched).pointer("/status/operationState/phase"),
        Some(&"Terminating".into())
    );
    assert!(matches!(
        waves::terminate_patch(&view(&json(&patched))),
        Err(ActionError::NotRunning { .. })
    ));

    // Hard refresh.
    let patched = apps
        .patch(
            "monitoring",
            &PatchParams::default(),
            &Patch::Merge(&waves::refresh_patch(RefreshKind::Hard)),
        )
        .await
        .expect("refresh accepted");
    assert_eq!(
        patched
            .annotations()
            .get(waves::annotation::REFRESH)
            .map(String::as_str),
        Some("hard")
    );
    sandbox.shutdown().await;
}
