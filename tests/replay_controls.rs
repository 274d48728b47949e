//! Replay controls against the sandbox: the `Replay` resource (`replays.sandbox.opsdeck.dev`)
//! with kube-rs against an in-process sandbox (pause, step, speed validation, seek) and with
//! the real kubectl against `opsdeck sandbox` serving a recording file (its timeline
//! streamed from the file).

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use kube::Client;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams, PostParams,
    WatchEvent, WatchParams,
};
use kube::discovery::Discovery;
use opsdeck::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

use common::{SandboxProcess, namespace_yaml, recording_yaml};

const DEADLINE: Duration = Duration::from_secs(30);

fn configmap_yaml(name: &str, v: &str) -> String {
    format!(
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: {name}, namespace: demo, uid: {}, creationTimestamp: \"2026-11-01T09:00:00Z\"}}\n  data: {{v: \"{v}\"}}",
        common::uuid_for("demo", name)
    )
}

fn add_at(at: &str, name: &str) -> String {
    format!(
        "- at: {at}\n  note: {name} appears\n  apply:\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {{name: {name}, namespace: demo}}\n    data: {{v: \"0\"}}\n"
    )
}

fn set_at(at: &str, name: &str, v: &str) -> String {
    format!(
        "- at: {at}\n  patch:\n    apiVersion: v1\n    kind: ConfigMap\n    namespace: demo\n    name: {name}\n    patch: {{data: {{v: \"{v}\"}}}}\n"
    )
}

fn delete_at(at: &str, name: &str) -> String {
    format!(
        "- at: {at}\n  delete: {{apiVersion: v1, kind: ConfigMap, namespace: demo, name: {name}}}\n"
    )
}

/// ConfigMaps `base-0` (v=0) and `base-1` in namespace demo; the timeline adds `added-1`
/// at 1s, sets base-0 to 1 at 2s, deletes base-1 at 3s, adds `added-2` at 4s, then sets
/// base-0 every second from 5s to 40s.
fn recording() -> String {
    let objects = [
        namespace_yaml("default"),
        namespace_yaml("demo"),
        configmap_yaml("base-0", "0"),
        configmap_yaml("base-1", "0"),
    ]
    .join("\n");
    let mut timeline = vec![
        add_at("1s", "added-1"),
        set_at("2s", "base-0", "1"),
        delete_at("3s", "base-1"),
        add_at("4s", "added-2"),
    ];
    for s in 5..=40 {
        timeline.push(set_at(&format!("{s}s"), "base-0", &s.to_string()));
    }
    recording_yaml("replay-demo", &objects, &timeline.concat())
}

const TOTAL: u64 = 40;

async fn start(speed: f64) -> (Sandbox, Client) {
    let recording = Recording::parse(&recording(), "replay-demo.yaml").expect("fixture parses");
    let sb = Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed,
    })
    .await
    .expect("sandbox starts");
    let client = Client::try_from(sb.kube_config()).expect("client");
    (sb, client)
}

fn replays(client: &Client) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("sandbox.opsdeck.dev", "v1", "Replay"),
        "replays",
    );
    Api::all_with(client.clone(), &ar)
}

async fn replay(client: &Client) -> DynamicObject {
    replays(client).get("current").await.expect("get replay")
}

/// Polls the Replay object until `done` holds on its status.
async fn wait_status(client: &Client, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let end = Instant::now() + DEADLINE;
    loop {
        let status = replay(client).await.data["status"].clone();
        if done(&status) {
            return status;
        }
        assert!(Instant::now() < end, "gave up waiting for {what}: {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn patch_spec(client: &Client, spec: Value) -> Result<DynamicObject, kube::Error> {
    replays(client)
        .patch(
            "current",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": spec })),
        )
        .await
}

fn configmaps(client: &Client) -> Api<k8s_openapi::api::core::v1::ConfigMap> {
    Api::namespaced(client.clone(), "demo")
}

/// name → (resourceVersion, data.v) of the ConfigMaps in demo.
async fn state(client: &Client) -> BTreeMap<String, (String, String)> {
    configmaps(client)
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|c| {
            let v = c
                .data
                .as_ref()
                .and_then(|d| d.get("v"))
                .cloned()
                .unwrap_or_default();
            (
                c.metadata.name.clone().unwrap_or_default(),
                (c.metadata.resource_version.clone().unwrap_or_default(), v),
            )
        })
        .collect()
}

fn values(state: &BTreeMap<String, (String, String)>) -> BTreeMap<String, String> {
    state
        .iter()
        .map(|(k, (_, v))| (k.clone(), v.clone()))
        .collect()
}

#[tokio::test]
async fn replay_is_a_discoverable_resource_with_status() {
    let (_sb, client) = start(0.0).await;
    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .expect("discovery");
    let served = discovery
        .groups()
        .flat_map(|g| g.recommended_resources())
        .any(|(ar, _)| ar.group == "sandbox.opsdeck.dev" && ar.plural == "replays");
    assert!(
        served,
        "discovery does not list replays.sandbox.opsdeck.dev"
    );
    let status = wait_status(&client, "the first status", |s| s["state"].is_string()).await;
    assert_eq!(status["state"], "Paused");
    assert_eq!(status["eventsApplied"], 0);
    assert_eq!(status["eventsTotal"], TOTAL);
    assert_eq!(status["duration"], 40.0);
    assert_eq!(status["nextEventOffset"], 1.0);
    assert_eq!(status["nextEventNote"], "added-1 appears");
    assert_eq!(status["recording"], "replay-demo");
    assert_eq!(status["streaming"], false);
    let spec = &replay(&client).await.data["spec"];
    assert_eq!(spec["paused"], true);
}

#[tokio::test]
async fn pause_stops_changes_and_resume_goes_on() {
    let (_sb, client) = start(4.0).await;
    wait_status(&client, "a few changes", |s| {
        s["eventsApplied"].as_u64() >= Some(2)
    })
    .await;
    patch_spec(&client, json!({"paused": true}))
        .await
        .expect("pause");
    let paused = wait_status(&client, "Paused", |s| s["state"] == "Paused").await;
    let before = state(&client).await;
    // At 4× the timeline has a change due every 0.25 s: two seconds would apply eight.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(state(&client).await, before, "objects changed while paused");
    let still = replay(&client).await.data["status"].clone();
    assert_eq!(still["eventsApplied"], paused["eventsApplied"]);
    assert_eq!(still["offset"], paused["offset"]);
    patch_spec(&client, json!({"paused": false}))
        .await
        .expect("resume");
    let n = paused["eventsApplied"].as_u64().unwrap_or(0);
    wait_status(&client, "more changes after resuming", |s| {
        s["eventsApplied"].as_u64() > Some(n)
    })
    .await;
    assert_ne!(state(&client).await, before);
}

/// Counts watch events on the ConfigMaps of demo until a sentinel object shows up.
async fn events_until_sentinel(
    client: &Client,
    stream: &mut (
             impl futures::Stream<Item = kube::Result<WatchEvent<k8s_openapi::api::core::v1::ConfigMap>>>
             + Unpin
         ),
    sentinel: &str,
) -> Vec<(String, String)> {
    let cm: k8s_openapi::api::core::v1::ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": sentinel, "namespace": "demo"}
    }))
    .expect("sentinel");
    configmaps(client)
        .create(&PostParams::default(), &cm)
        .await
        .expect("create sentinel");
    let mut seen = Vec::new();
    let end = Instant::now() + DEADLINE;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        let ev = tokio::time::timeout(left, stream.try_next())
            .await
            .unwrap_or_else(|_| panic!("no sentinel event; saw {seen:?}"))
            .expect("watch")
            .expect("stream open");
        let (t, obj) = match ev {
            WatchEvent::Added(o) => ("ADDED", o),
            WatchEvent::Modified(o) => ("MODIFIED", o),
            WatchEvent::Deleted(o) => ("DELETED", o),
            other => panic!("unexpected {other:?}"),
        };
        let name = obj.metadata.name.clone().unwrap_or_default();
        if name == sentinel {
            return seen;
        }
        seen.push((t.to_string(), name));
    }
}

#[tokio::test]
async fn step_applies_exactly_one_change() {
    let (_sb, client) = start(0.0).await;
    wait_status(&client, "Paused", |s| s["state"] == "Paused").await;
    let rv = configmaps(&client)
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");
    let mut stream = configmaps(&client)
        .watch(&WatchParams::default(), &rv)
        .await
        .expect("watch")
        .boxed();
    patch_spec(&client, json!({"step": 1})).await.expect("step");
    let st = wait_status(&client, "one step", |s| s["observedStep"] == 1).await;
    assert_eq!(st["eventsApplied"], 1);
    assert_eq!(st["state"], "Paused");
    assert_eq!(st["offset"], 1.0);
    let seen = events_until_sentinel(&client, &mut stream, "sentinel-1").await;
    assert_eq!(seen, vec![("ADDED".to_string(), "added-1".to_string())]);
    patch_spec(&client, json!({"step": 2})).await.expect("step");
    let st = wait_status(&client, "a second step", |s| s["observedStep"] == 2).await;
    assert_eq!(st["eventsApplied"], 2);
    let seen = events_until_sentinel(&client, &mut stream, "sentinel-2").await;
    assert_eq!(seen, vec![("MODIFIED".to_string(), "base-0".to_string())]);
}

#[tokio::test]
async fn speed_is_validated_like_a_crd_schema() {
    let (_sb, client) = start(0.0).await;
    for bad in [json!(100), json!(0.25), json!("fast")] {
        let err = match patch_spec(&client, json!({"speed": bad})).await {
            Err(kube::Error::Api(s)) => s,
            other => panic!("speed {bad} accepted: {other:?}"),
        };
        assert_eq!(err.code, 422, "{err:?}");
        assert_eq!(err.reason, "Invalid", "{err:?}");
        assert!(err.message.contains("spec.speed"), "{}", err.message);
        assert!(err.message.contains("Invalid value"), "{}", err.message);
    }
    patch_spec(&client, json!({"speed": 60, "paused": false}))
        .await
        .expect("60 is fine");
    let st = wait_status(&client, "speed 60", |s| s["speed"] == 60.0).await;
    assert_eq!(st["paused"], false);
}

#[tokio::test]
async fn seek_resets_and_fast_forwards() {
    let (_sb, client) = start(0.0).await;
    let initial = values(&state(&client).await);
    wait_status(&client, "Paused", |s| s["state"] == "Paused").await;
    patch_spec(&client, json!({"seek": "4500ms"}))
        .await
        .expect("seek");
    let st = wait_status(&client, "the first seek", |s| s["seeks"] == 1).await;
    assert_eq!(st["eventsApplied"], 4);
    assert_eq!(st["offset"], 4.5);
    assert_eq!(st["state"], "Paused");
    let at_4500 = values(&state(&client).await);
    let expect = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        at_4500,
        expect(&[("added-1", "0"), ("added-2", "0"), ("base-0", "1")])
    );
    // The request is consumed, as Argo CD's `operation` is.
    assert!(replay(&client).await.data["spec"].get("seek").is_none());

    // Back to 1.5 s: watchers see the way back as ordinary events.
    let rv = configmaps(&client)
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");
    let mut stream = configmaps(&client)
        .watch(&WatchParams::default(), &rv)
        .await
        .expect("watch")
        .boxed();
    patch_spec(&client, json!({"seek": 1.5}))
        .await
        .expect("seek");
    let st = wait_status(&client, "the second seek", |s| s["seeks"] == 2).await;
    assert_eq!(st["eventsApplied"], 1);
    assert_eq!(
        values(&state(&client).await),
        expect(&[("added-1", "0"), ("base-0", "0"), ("base-1", "0")])
    );
    let mut events = Vec::new();
    let mut last_rv = rv.parse::<u64>().expect("numeric rv");
    while events.len() < 5 {
        let ev = tokio::time::timeout(DEADLINE, stream.try_next())
            .await
            .expect("events")
            .expect("watch")
            .expect("open");
        let (t, o) = match ev {
            WatchEvent::Added(o) => ("ADDED", o),
            WatchEvent::Modified(o) => ("MODIFIED", o),
            WatchEvent::Deleted(o) => ("DELETED", o),
            other => panic!("unexpected {other:?}"),
        };
        let orv: u64 = o
            .metadata
            .resource_version
            .as_deref()
            .and_then(|r| r.parse().ok())
            .expect("rv");
        assert!(orv > last_rv, "resourceVersions must increase");
        last_rv = orv;
        events.push(format!("{t} {}", o.metadata.name.unwrap_or_default()));
    }
    // Reset: what did not exist at 0 is deleted, base-1 comes back, base-0 goes back to 0;
    // then the fast-forward adds added-1 again.
    assert_eq!(
        events,
        [
            "DELETED added-1",
            "DELETED added-2",
            "MODIFIED base-0",
            "ADDED base-1",
            "ADDED added-1",
        ]
    );
    // Seek 0 is the initial state; past the end finishes the replay.
    patch_spec(&client, json!({"seek": "0s"}))
        .await
        .expect("seek");
    wait_status(&client, "seek 0", |s| s["seeks"] == 3).await;
    assert_eq!(values(&state(&client).await), initial);
    patch_spec(&client, json!({"seek": "10m"}))
        .await
        .expect("seek");
    let st = wait_status(&client, "the end", |s| s["seeks"] == 4).await;
    assert_eq!(st["state"], "Finished");
    assert_eq!(st["eventsApplied"], TOTAL);
    assert_eq!(values(&state(&client).await)["base-0"], "40");
}

#[test]
fn kubectl_controls_a_streamed_replay() {
    let sb = SandboxProcess::start_with(Some(&recording()), &["--speed", "0"]);
    let table = sb.kubectl_ok(&["get", "replays"]);
    let rows = common::parse_table(&table);
    assert_eq!(rows.len(), 1, "{table}");
    assert_eq!(rows[0]["NAME"], "current", "{table}");
    assert_eq!(rows[0]["STATE"], "Paused", "{table}");
    assert_eq!(rows[0]["POSITION"], "0:00/0:40", "{table}");
    assert_eq!(rows[0]["EVENTS"], "0/40", "{table}");
    assert_eq!(rows[0]["RECORDING"], "replay-demo", "{table}");
    let st = sb.kubectl_json(&["get", "replay", "current"]);
    assert_eq!(
        st["status"]["streaming"], true,
        "a file's timeline is streamed"
    );
    let err = sb.kubectl_err(&[
        "patch",
        "replay",
        "current",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"speed":100}}"#,
    ]);
    assert!(
        err.contains("spec.speed: Invalid value: 100") && err.contains("less than or equal to 60"),
        "{err}"
    );
    sb.kubectl_ok(&[
        "patch",
        "replay",
        "current",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"seek":"3500ms"}}"#,
    ]);
    let end = Instant::now() + DEADLINE;
    loop {
        let st = sb.kubectl_json(&["get", "replay", "current"]);
        if st["status"]["seeks"] == 1 {
            assert_eq!(st["status"]["eventsApplied"], 3);
            break;
        }
        assert!(Instant::now() < end, "seek never done: {st}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let names = sb.kubectl_ok(&["get", "configmaps", "-n", "demo", "-o", "name"]);
    assert_eq!(
        names.lines().collect::<Vec<_>>(),
        vec!["configmap/added-1", "configmap/base-0"],
        "{names}"
    );
}

/// The pods' resourceVersions of a synthetic sandbox, by name.
fn pod_versions(sb: &SandboxProcess) -> BTreeMap<String, String> {
    let list = sb.kubectl_json(&["get", "pods", "-A"]);
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| {
            (
                p["metadata"]["name"].as_str().unwrap_or("").to_string(),
                p["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

fn set_paused(sb: &SandboxProcess, paused: bool) {
    let patch = format!(r#"{{"spec":{{"paused":{paused}}}}}"#);
    sb.kubectl_ok(&[
        "patch", "replay", "current", "--type", "merge", "-p", &patch,
    ]);
}

/// Waits until the Replay status says `state`; returns its `eventsApplied`.
fn wait_state(sb: &SandboxProcess, state: &str) -> u64 {
    let end = Instant::now() + DEADLINE;
    loop {
        let st = sb.kubectl_json(&["get", "replay", "current"]);
        if st["status"]["state"] == state {
            return st["status"]["eventsApplied"]
                .as_u64()
                .expect("eventsApplied");
        }
        assert!(Instant::now() < end, "never {state}: {st}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kubectl_pauses_and_resumes_the_synthetic_churn() {
    let sb = SandboxProcess::start_with(
        None,
        &[
            "--synthetic",
            "nodes=3,pods=20,apps=1,cnpg=1,churn=50",
            "--speed",
            "0",
        ],
    );
    assert_eq!(wait_state(&sb, "Paused"), 0);
    let before = pod_versions(&sb);
    assert_eq!(before.len(), 20);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(pod_versions(&sb), before, "a paused churn changes no pod");

    set_paused(&sb, false);
    wait_state(&sb, "Playing");
    let end = Instant::now() + DEADLINE;
    while pod_versions(&sb) == before {
        assert!(Instant::now() < end, "the resumed churn changed no pod");
        std::thread::sleep(Duration::from_millis(50));
    }

    set_paused(&sb, true);
    let applied = wait_state(&sb, "Paused");
    assert!(applied > 0, "the status counts the changes made");
    let paused = pod_versions(&sb);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(pod_versions(&sb), paused, "paused again, no pod changes");
}
