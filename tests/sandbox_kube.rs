//! kube-rs against an in-process `Sandbox`: discovery, list/watch (with resume and 410),
//! server-side apply, optimistic concurrency, status subresource isolation and the timeline
//! played at a speed. Each test starts its own sandbox on a free port.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams, ResourceExt, WatchEvent, WatchParams,
};
use kube::discovery::{Discovery, Scope};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event, watcher};
use opsdeck::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use serde_json::json;

use common::{namespace_yaml, pod_yaml, recording_yaml};

/// Generous liveness deadline: a scheduled change that has not arrived by then is lost.
const DEADLINE: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// fixtures
// ---------------------------------------------------------------------------------------------

/// A namespaced CRD `widgets.demo.opsdeck.dev` (v1, status subresource).
const WIDGET_CRD: &str = r#"- apiVersion: apiextensions.k8s.io/v1
  kind: CustomResourceDefinition
  metadata:
    name: widgets.demo.opsdeck.dev
  spec:
    group: demo.opsdeck.dev
    scope: Namespaced
    names:
      plural: widgets
      singular: widget
      kind: Widget
      listKind: WidgetList
      shortNames: [wdg]
    versions:
      - name: v1
        served: true
        storage: true
        subresources:
          status: {}
        additionalPrinterColumns:
          - {name: Size, type: integer, jsonPath: .spec.size}
        schema:
          openAPIV3Schema:
            type: object
            x-kubernetes-preserve-unknown-fields: true"#;

/// Namespace `demo` with four pods (`web-0`, `web-1`: app=web tier=front; `db-0`: app=db
/// tier=back; `cache-0`: no app label), the Widget CRD, and `timeline`.
fn demo_recording(timeline: &str) -> String {
    let objects = [
        WIDGET_CRD.to_string(),
        namespace_yaml("default"),
        namespace_yaml("demo"),
        pod_yaml(
            "demo",
            "web-0",
            &[("app", "web"), ("tier", "front")],
            "Running",
        ),
        pod_yaml(
            "demo",
            "web-1",
            &[("app", "web"), ("tier", "front")],
            "Running",
        ),
        pod_yaml(
            "demo",
            "db-0",
            &[("app", "db"), ("tier", "back")],
            "Running",
        ),
        pod_yaml("demo", "cache-0", &[("tier", "back")], "Pending"),
    ]
    .join("\n");
    recording_yaml("kube-demo", &objects, timeline)
}

/// A timeline entry adding pod `name` in namespace demo at offset `at`.
fn add_pod_at(at: &str, name: &str) -> String {
    format!(
        "- at: {at}\n  note: pod {name} appears\n  apply:\n    apiVersion: v1\n    kind: Pod\n    metadata: {{name: {name}, namespace: demo, labels: {{app: late}}}}\n    spec: {{containers: [{{name: app, image: nginx:1.27}}]}}\n    status: {{phase: Pending}}\n"
    )
}

/// A timeline entry merge-patching pod `name`'s labels at offset `at`.
fn label_pod_at(at: &str, name: &str, key: &str, value: &str) -> String {
    format!(
        "- at: {at}\n  patch:\n    apiVersion: v1\n    kind: Pod\n    namespace: demo\n    name: {name}\n    patch: {{metadata: {{labels: {{{key}: {value}}}}}}}\n"
    )
}

async fn start(yaml: &str, speed: f64) -> (Sandbox, Client) {
    let recording = Recording::parse(yaml, "fixture.yaml")
        .unwrap_or_else(|e| panic!("fixture recording: {e}\n{yaml}"));
    start_recording(recording, speed).await
}

async fn start_recording(recording: Recording, speed: f64) -> (Sandbox, Client) {
    let sb = Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed,
    })
    .await
    .expect("sandbox starts");
    let client = Client::try_from(sb.kube_config()).expect("kube client for the sandbox");
    (sb, client)
}

fn widget_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("demo.opsdeck.dev", "v1", "Widget"),
        "widgets",
    )
}

/// The Kubernetes `Status` of a failed call (panics on success or on a non-API error).
fn api_error<T: std::fmt::Debug>(result: Result<T, kube::Error>) -> kube::core::Status {
    match result {
        Err(kube::Error::Api(status)) => *status,
        other => panic!("expected a Kubernetes API error, got {other:?}"),
    }
}

/// Pulls watcher events until `done` says so, or panics after `DEADLINE` with what was seen.
async fn collect_until<S>(
    stream: &mut S,
    seen: &mut Vec<Event<Pod>>,
    what: &str,
    done: impl Fn(&Event<Pod>) -> bool,
) where
    S: Stream<Item = Result<Event<Pod>, watcher::Error>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(ev))) => {
                let hit = done(&ev);
                seen.push(ev);
                if hit {
                    return;
                }
            }
            Ok(Some(Err(e))) => eprintln!("watcher error (the watcher retries): {e}"),
            Ok(None) => panic!("the watcher stream ended while waiting for {what}"),
            Err(_) => panic!("no {what} within {DEADLINE:?}; events: {}", describe(seen)),
        }
    }
}

fn describe(events: &[Event<Pod>]) -> String {
    events
        .iter()
        .map(|e| match e {
            Event::Apply(p) => format!(
                "Apply({}@{})",
                p.name_any(),
                p.resource_version().unwrap_or_default()
            ),
            Event::Delete(p) => format!("Delete({})", p.name_any()),
            Event::Init => "Init".into(),
            Event::InitApply(p) => format!("InitApply({})", p.name_any()),
            Event::InitDone => "InitDone".into(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_apply_of(ev: &Event<Pod>, name: &str) -> bool {
    matches!(ev, Event::Apply(p) | Event::InitApply(p) if p.name_any() == name)
}

// ---------------------------------------------------------------------------------------------
// discovery
// ---------------------------------------------------------------------------------------------

fn assert_discovered(discovery: &Discovery, how: &str) {
    for (group, version, kind, plural, namespaced) in [
        ("", "v1", "Pod", "pods", true),
        ("", "v1", "Node", "nodes", false),
        ("", "v1", "Namespace", "namespaces", false),
        ("apps", "v1", "Deployment", "deployments", true),
        (
            "argoproj.io",
            "v1alpha1",
            "Application",
            "applications",
            true,
        ),
        ("postgresql.cnpg.io", "v1", "Cluster", "clusters", true),
    ] {
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let (ar, caps) = discovery
            .resolve_gvk(&gvk)
            .unwrap_or_else(|| panic!("{how}: {kind} ({group}/{version}) not discovered"));
        assert_eq!(ar.plural, plural, "{how}: {kind}");
        assert_eq!(
            caps.scope == Scope::Namespaced,
            namespaced,
            "{how}: scope of {kind}"
        );
    }
    assert!(discovery.has_group("argoproj.io"), "{how}");
    assert!(discovery.has_group("postgresql.cnpg.io"), "{how}");
    // CNPG clusters have the status and scale subresources.
    let (_, caps) = discovery
        .resolve_gvk(&GroupVersionKind::gvk(
            "postgresql.cnpg.io",
            "v1",
            "Cluster",
        ))
        .expect("Cluster");
    let subs: BTreeSet<String> = caps
        .subresources
        .iter()
        .map(|(ar, _)| ar.plural.clone())
        .collect();
    assert!(
        subs.iter().any(|s| s.ends_with("status")),
        "{how}: Cluster subresources {subs:?}"
    );
    assert!(
        subs.iter().any(|s| s.ends_with("scale")),
        "{how}: Cluster subresources {subs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_finds_core_apps_and_crd_groups() {
    let (sb, client) = start_recording(
        Recording::embedded("platform").expect("platform recording"),
        1.0,
    )
    .await;
    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .expect("discovery");
    assert_discovered(&discovery, "legacy discovery");
    sb.shutdown().await;
}

/// Aggregated discovery (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`),
/// which real API servers have served since 1.30 and kubectl 1.32 asks for first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregated_discovery_finds_core_apps_and_crd_groups() {
    let (sb, client) = start_recording(
        Recording::embedded("platform").expect("platform recording"),
        1.0,
    )
    .await;
    let aggregated = Discovery::new(client)
        .run_aggregated()
        .await
        .expect("aggregated discovery");
    assert_discovered(&aggregated, "aggregated discovery");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crd_created_at_run_time_is_discovered_and_served() {
    let (sb, client) = start(&demo_recording(""), 1.0).await;
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gizmos.demo.opsdeck.dev"},
        "spec": {
            "group": "demo.opsdeck.dev",
            "scope": "Cluster",
            "names": {"plural": "gizmos", "singular": "gizmo", "kind": "Gizmo", "listKind": "GizmoList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    }))
    .expect("CRD");
    Api::<CustomResourceDefinition>::all(client.clone())
        .create(&PostParams::default(), &crd)
        .await
        .expect("create CRD");

    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .expect("discovery");
    let gvk = GroupVersionKind::gvk("demo.opsdeck.dev", "v1", "Gizmo");
    let (ar, caps) = discovery
        .resolve_gvk(&gvk)
        .expect("Gizmo discovered after its CRD was created");
    assert_eq!(caps.scope, Scope::Cluster);
    let gizmos: Api<DynamicObject> = Api::all_with(client, &ar);
    let mut g = DynamicObject::new("g1", &ar);
    g.data = json!({"spec": {"teeth": 12}});
    let created = gizmos
        .create(&PostParams::default(), &g)
        .await
        .expect("create Gizmo");
    assert!(created.metadata.uid.is_some());
    let listed = gizmos
        .list(&ListParams::default())
        .await
        .expect("list gizmos");
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].data["spec"]["teeth"], 12);
    sb.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pods_with_label_and_field_selectors_and_pages() {
    let (sb, client) = start(&demo_recording(""), 1.0).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "demo");
    let names = |list: kube::core::ObjectList<Pod>| -> BTreeSet<String> {
        list.items.iter().map(|p| p.name_any()).collect()
    };
    let set =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(|s| s.to_string()).collect() };

    let all = pods.list(&ListParams::default()).await.expect("list");
    assert!(
        !all.metadata
            .resource_version
            .clone()
            .unwrap_or_default()
            .is_empty(),
        "list has a resourceVersion"
    );
    assert_eq!(names(all), set(&["web-0", "web-1", "db-0", "cache-0"]));

    for (selector, expected) in [
        ("app=web", &["web-0", "web-1"][..]),
        ("app==db", &["db-0"][..]),
        (
            "tier in (front,back),app!=db",
            &["web-0", "web-1", "cache-0"][..],
        ),
        ("!app", &["cache-0"][..]),
        ("app,tier notin (front)", &["db-0"][..]),
        ("app=nothing", &[][..]),
    ] {
        let got = pods
            .list(&ListParams::default().labels(selector))
            .await
            .expect(selector);
        assert_eq!(names(got), set(expected), "selector {selector:?}");
    }
    let got = pods
        .list(&ListParams::default().fields("metadata.name=db-0"))
        .await
        .expect("field selector");
    assert_eq!(names(got), set(&["db-0"]));
    let got = pods
        .list(&ListParams::default().fields("status.phase=Pending"))
        .await
        .expect("field selector on status.phase");
    assert_eq!(names(got), set(&["cache-0"]));

    // limit/continue pages through everything exactly once.
    let mut seen = vec![];
    let mut lp = ListParams::default().limit(3);
    let mut pages = 0;
    loop {
        let page = pods.list(&lp).await.expect("page");
        pages += 1;
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|p| p.name_any()));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => lp = lp.continue_token(&token),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 2);
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(unique, set(&["web-0", "web-1", "db-0", "cache-0"]));

    // All namespaces.
    let everywhere: Api<Pod> = Api::all(client);
    assert_eq!(
        everywhere
            .list(&ListParams::default())
            .await
            .expect("list all")
            .items
            .len(),
        4
    );
    sb.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_sees_a_change_scheduled_in_the_timeline() {
    let (sb, client) = start(&demo_recording(&add_pod_at("2s", "late-0")), 1.0).await;
    let pods: Api<Pod> = Api::namespaced(client, "demo");
    let mut stream = watcher(pods, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut seen = vec![];
    collect_until(&mut stream, &mut seen, "the initial list", |e| {
        matches!(e, Event::InitDone)
    })
    .await;
    let initial: BTreeSet<String> = seen
        .iter()
        .filter_map(|e| match e {
            Event::InitApply(p) => Some(p.name_any()),
            _ => None,
        })
        .collect();
    assert_eq!(initial.len(), 4, "{}", describe(&seen));
    assert!(
        !initial.contains("late-0"),
        "the scheduled pod existed before its time"
    );
    collect_until(
        &mut stream,
        &mut seen,
        "the scheduled pod late-0",
        |e| matches!(e, Event::Apply(p) if p.name_any() == "late-0"),
    )
    .await;
    sb.shutdown().await;
}

fn watcher_resume_recording() -> String {
    let timeline = [
        add_pod_at("1s", "late-a"),
        label_pod_at("5s", "late-a", "step", "two"),
        add_pod_at("6s", "late-b"),
    ]
    .concat();
    demo_recording(&timeline)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_resumes_after_dropped_connections_without_duplicates_or_losses() {
    let (sb, client) = start(&watcher_resume_recording(), 1.0).await;
    let pods: Api<Pod> = Api::namespaced(client, "demo");
    let mut stream = watcher(pods, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut seen = vec![];
    collect_until(&mut stream, &mut seen, "late-a", |e| {
        is_apply_of(e, "late-a")
    })
    .await;
    let before = seen.len();

    // Drop every watch connection, twice; the watcher must resume from its last
    // resourceVersion (no relist) and get exactly the later changes.
    sb.disconnect_watchers();
    tokio::time::sleep(Duration::from_millis(300)).await;
    sb.disconnect_watchers();
    collect_until(
        &mut stream,
        &mut seen,
        "late-b after the disconnects",
        |e| is_apply_of(e, "late-b"),
    )
    .await;
    let after = &seen[before..];
    assert!(
        !after.iter().any(|e| matches!(e, Event::Init)),
        "the watcher had to relist instead of resuming: {}",
        describe(&seen)
    );
    let relabelled = after.iter().any(|e| {
        matches!(e, Event::Apply(p) if p.name_any() == "late-a" && p.labels().get("step").map(String::as_str) == Some("two"))
    });
    assert!(relabelled, "the change at 5s was lost: {}", describe(&seen));

    // No event was delivered twice.
    let mut versions = BTreeMap::new();
    for e in &seen {
        if let Event::Apply(p) | Event::InitApply(p) = e {
            let key = (p.name_any(), p.resource_version().unwrap_or_default());
            *versions.entry(key).or_insert(0) += 1;
        }
    }
    let dups: Vec<_> = versions.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        dups.is_empty(),
        "duplicated events {dups:?}: {}",
        describe(&seen)
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_watch_ends_on_disconnect_and_resumes_from_a_resource_version() {
    let (sb, client) = start(&demo_recording(""), 1.0).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "demo");
    let list = cms.list(&ListParams::default()).await.expect("list");
    let start_rv = list
        .metadata
        .resource_version
        .expect("list resourceVersion");

    let cm = |name: &str| -> ConfigMap {
        serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).expect("cm")
    };
    cms.create(&PostParams::default(), &cm("one"))
        .await
        .expect("create one");

    let mut stream = cms
        .watch(&WatchParams::default(), &start_rv)
        .await
        .expect("watch")
        .boxed();
    let first = tokio::time::timeout(DEADLINE, stream.try_next())
        .await
        .expect("an event in time")
        .expect("no error")
        .expect("an event");
    let one_rv = match first {
        WatchEvent::Added(o) => {
            assert_eq!(o.name_any(), "one");
            o.resource_version().expect("rv")
        }
        other => panic!("expected ADDED one, got {other:?}"),
    };

    sb.disconnect_watchers();
    let end = tokio::time::timeout(DEADLINE, async {
        loop {
            match stream.next().await {
                None => return,
                Some(Ok(WatchEvent::Bookmark(_))) => continue,
                Some(other) => panic!("unexpected after disconnect: {other:?}"),
            }
        }
    })
    .await;
    assert!(
        end.is_ok(),
        "the watch stream did not end after disconnect_watchers()"
    );

    cms.create(&PostParams::default(), &cm("two"))
        .await
        .expect("create two");
    // Resume from the last version seen: only `two`, not `one` again.
    let mut resumed = cms
        .watch(&WatchParams::default(), &one_rv)
        .await
        .expect("watch again")
        .boxed();
    let next = tokio::time::timeout(DEADLINE, async {
        loop {
            match resumed
                .try_next()
                .await
                .expect("no error")
                .expect("an event")
            {
                WatchEvent::Bookmark(_) => continue,
                other => return other,
            }
        }
    })
    .await
    .expect("an event in time");
    match next {
        WatchEvent::Added(o) => assert_eq!(o.name_any(), "two", "resume replayed an older event"),
        other => panic!("expected ADDED two, got {other:?}"),
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_from_a_compacted_resource_version_is_410_gone() {
    let (sb, client) = start(&demo_recording(""), 1.0).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "counter"}, "data": {"n": "0"}}))
            .expect("cm");
    let created = cms
        .create(&PostParams::default(), &cm)
        .await
        .expect("create");
    let old_rv = created.resource_version().expect("rv");
    for n in 1..=3 {
        cms.patch(
            "counter",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"n": n.to_string()}})),
        )
        .await
        .expect("patch");
    }
    sb.compact();

    // A real API server answers 200 and then an ERROR event with a 410 Status; an HTTP 410
    // answer is accepted too.
    let status = match cms.watch(&WatchParams::default(), &old_rv).await {
        Err(kube::Error::Api(s)) => *s,
        Err(other) => panic!("expected a 410 Status, got {other}"),
        Ok(stream) => {
            let mut stream = stream.boxed();
            let ev = tokio::time::timeout(DEADLINE, stream.next())
                .await
                .expect("an answer in time")
                .expect("an event");
            match ev {
                Ok(WatchEvent::Error(s)) => *s,
                Err(kube::Error::Api(s)) => *s,
                other => panic!("expected a 410 ERROR event, got {other:?}"),
            }
        }
    };
    assert_eq!(status.code, 410, "{status:?}");
    assert!(
        status.reason == "Expired" || status.reason == "Gone",
        "{status:?}"
    );

    // A watch from the current version still works.
    let current = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");
    let mut stream = cms
        .watch(&WatchParams::default(), &current)
        .await
        .expect("watch")
        .boxed();
    cms.patch(
        "counter",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"n": "4"}})),
    )
    .await
    .expect("patch");
    let ev = tokio::time::timeout(DEADLINE, async {
        loop {
            match stream
                .try_next()
                .await
                .expect("no error")
                .expect("an event")
            {
                WatchEvent::Bookmark(_) => continue,
                other => return other,
            }
        }
    })
    .await
    .expect("event in time");
    assert!(
        matches!(ev, WatchEvent::Modified(ref o) if o.data.as_ref().and_then(|d| d.get("n")).map(String::as_str) == Some("4")),
        "{ev:?}"
    );

    // kube's watcher copes with 410 by relisting.
    let pods: Api<Pod> = Api::namespaced(client, "demo");
    let mut stream = watcher(pods.clone(), watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut seen = vec![];
    collect_until(&mut stream, &mut seen, "the initial list", |e| {
        matches!(e, Event::InitDone)
    })
    .await;
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "after-compaction"}, "spec": {"containers": [{"name": "a", "image": "busybox"}]}})).expect("pod");
    sb.compact();
    sb.disconnect_watchers();
    pods.create(&PostParams::default(), &pod)
        .await
        .expect("create pod");
    collect_until(&mut stream, &mut seen, "after-compaction", |e| {
        is_apply_of(e, "after-compaction")
    })
    .await;
    sb.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// writes
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_apply_of_a_dynamic_object_twice_keeps_the_resource_version() {
    let (sb, client) = start(&demo_recording(""), 1.0).await;
    let ar = widget_resource();
    let widgets: Api<DynamicObject> = Api::namespaced_with(client, "demo", &ar);
    let mut w = DynamicObject::new("w1", &ar).within("demo");
    w.data = json!({"spec": {"size": 3, "color": "blue"}});
    let pp = PatchParams::apply("opsdeck-test");

    let first = widgets
        .patch("w1", &pp, &Patch::Apply(&w))
        .await
        .expect("first apply creates");
    let rv1 = first.resource_version().expect("rv");
    assert_eq!(first.metadata.generation, Some(1));
    assert_eq!(first.data["spec"]["size"], 3);
    let managers: Vec<(String, String)> = first
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .map(|m| {
            (
                m.manager.clone().unwrap_or_default(),
                m.operation.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        managers.contains(&("opsdeck-test".into(), "Apply".into())),
        "managedFields: {managers:?}"
    );

    let second = widgets
        .patch("w1", &pp, &Patch::Apply(&w))
        .await
        .expect("second apply");
    assert_eq!(
        second.resource_version().expect("rv"),
        rv1,
        "a no-op apply changed the object"
    );
    assert_eq!(second.metadata.generation, Some(1));

    // Another manager adds a field: merged, both kept.
    let mut other = DynamicObject::new("w1", &ar).within("demo");
    other.data = json!({"spec": {"owner": "team-b"}});
    let merged = widgets
        .patch(
            "w1",
            &PatchParams::apply("other-manager"),
            &Patch::Apply(&other),
        )
        .await
        .expect("apply by another manager");
    assert_eq!(
        merged.data["spec"],
        json!({"size": 3, "color": "blue", "owner": "team-b"})
    );
    assert_eq!(merged.metadata.generation, Some(2));

    // The first manager stops applying `color`: it is removed; `owner` (not its) stays.
    let mut fewer = DynamicObject::new("w1", &ar).within("demo");
    fewer.data = json!({"spec": {"size": 4}});
    let trimmed = widgets
        .patch("w1", &pp, &Patch::Apply(&fewer))
        .await
        .expect("apply fewer fields");
    assert_eq!(trimmed.data["spec"], json!({"size": 4, "owner": "team-b"}));

    // A typed built-in object, too.
    let cms: Api<ConfigMap> = Api::namespaced(widgets_client(&sb), "demo");
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "1"}});
    let a = cms
        .patch("ssa", &pp, &Patch::Apply(&cm))
        .await
        .expect("ssa cm");
    let b = cms
        .patch("ssa", &pp, &Patch::Apply(&cm))
        .await
        .expect("ssa cm again");
    assert_eq!(a.resource_version(), b.resource_version());
    sb.shutdown().await;
}

fn widgets_client(sb: &Sandbox) -> Client {
    Client::try_from(sb.kube_config()).expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_update_is_a_conflict_and_duplicate_create_already_exists() {
    let (sb, client) = start(&demo_recording(""), 1.0).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "demo");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "settings"}, "data": {"mode": "a"}}))
            .expect("cm");
    let created = cms
        .create(&PostParams::default(), &cm)
        .await
        .expect("create");

    let mut fresh = created.clone();
    fresh.data = Some([("mode".to_string(), "b".to_string())].into());
    let updated = cms
        .replace("settings", &PostParams::default(), &fresh)
        .await
        .expect("update");
    assert_ne!(updated.resource_version(), created.resource_version());

    let mut stale = created.clone();
    stale.data = Some([("mode".to_string(), "c".to_string())].into());
    let status = api_error(
        cms.replace("settings", &PostParams::default(), &stale)
            .await,
    );
    assert_eq!(status.code, 409, "{status:?}");
    assert_eq!(status.reason, "Conflict", "{status:?}");
    let now = cms.get("settings").await.expect("get");
    assert_eq!(
        now.data.expect("data")["mode"],
        "b",
        "the stale update was applied"
    );

    let status = api_error(cms.create(&PostParams::default(), &cm).await);
    assert_eq!(status.code, 409, "{status:?}");
    assert_eq!(status.reason, "AlreadyExists", "{status:?}");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_in_a_missing_namespace_is_not_found() {
    let (sb, client) = start(&demo_recording(""), 1.0).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "no-such-namespace");
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "x"}})).expect("cm");
    let status = api_error(cms.create(&PostParams::default(), &cm).await);
    assert_eq!(status.code, 404, "{status:?}");
    assert_eq!(status.reason, "NotFound", "{status:?}");
    assert!(status.message.contains("no-such-namespace"), "{status:?}");

    let status = api_error(Api::<Pod>::namespaced(client, "demo").get("nope").await);
    assert_eq!(
        (status.code, status.reason.as_str()),
        (404, "NotFound"),
        "{status:?}"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_subresource_is_isolated_from_spec() {
    let (sb, client) = start(&demo_recording(""), 1.0).await;
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "demo");
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "api"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api", "image": "nginx:1.27"}]}}
        }
    }))
    .expect("deployment");
    let created = deploys
        .create(&PostParams::default(), &d)
        .await
        .expect("create");
    assert_eq!(created.metadata.generation, Some(1));

    // Status through the subresource: spec untouched, generation unchanged.
    let after_status = deploys
        .patch_status(
            "api",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"replicas": 2, "readyReplicas": 2, "observedGeneration": 1}, "spec": {"replicas": 9}})),
        )
        .await
        .expect("patch status");
    assert_eq!(
        after_status.status.as_ref().and_then(|s| s.ready_replicas),
        Some(2)
    );
    assert_eq!(
        after_status.spec.replicas,
        Some(2),
        "status patch changed spec"
    );
    assert_eq!(after_status.metadata.generation, Some(1));

    // Spec through the main resource: status untouched, generation bumped.
    let after_spec = deploys
        .patch(
            "api",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 4}, "status": {"readyReplicas": 0}})),
        )
        .await
        .expect("patch spec");
    assert_eq!(after_spec.spec.replicas, Some(4));
    assert_eq!(
        after_spec.status.as_ref().and_then(|s| s.ready_replicas),
        Some(2),
        "main resource changed status"
    );
    assert_eq!(after_spec.metadata.generation, Some(2));

    // Metadata only: no generation bump.
    let labelled = deploys
        .patch(
            "api",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
        )
        .await
        .expect("patch labels");
    assert_eq!(labelled.metadata.generation, Some(2));

    // The same on a custom resource with a status subresource.
    let ar = widget_resource();
    let widgets: Api<DynamicObject> = Api::namespaced_with(client, "demo", &ar);
    let mut w = DynamicObject::new("w2", &ar).within("demo");
    w.data = json!({"spec": {"size": 1}, "status": {"phase": "ignored on create"}});
    let created = widgets
        .create(&PostParams::default(), &w)
        .await
        .expect("create widget");
    assert!(
        created
            .data
            .get("status")
            .is_none_or(|s| s.get("phase").is_none()),
        "status set on create: {:?}",
        created.data
    );
    let st = widgets
        .patch_status(
            "w2",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"phase": "Ready"}, "spec": {"size": 5}})),
        )
        .await
        .expect("widget status");
    assert_eq!(st.data["status"]["phase"], "Ready");
    assert_eq!(st.data["spec"]["size"], 1);
    assert_eq!(st.metadata.generation, Some(1));
    let sp = widgets
        .patch(
            "w2",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"size": 2}, "status": {"phase": "Nope"}})),
        )
        .await
        .expect("widget spec");
    assert_eq!(sp.data["status"]["phase"], "Ready");
    assert_eq!(sp.data["spec"]["size"], 2);
    assert_eq!(sp.metadata.generation, Some(2));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_with_a_finalizer_waits_for_it() {
    let (sb, client) = start(&demo_recording(""), 1.0).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "demo");
    let cm: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "guarded", "finalizers": ["opsdeck.dev/test"]}}),
    )
    .expect("cm");
    cms.create(&PostParams::default(), &cm)
        .await
        .expect("create");
    cms.delete("guarded", &DeleteParams::default())
        .await
        .expect("delete");
    let still = cms
        .get("guarded")
        .await
        .expect("still there while finalized");
    assert!(still.metadata.deletion_timestamp.is_some());
    cms.patch(
        "guarded",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .expect("remove finalizer");
    let status = api_error(cms.get("guarded").await);
    assert_eq!(status.code, 404);
    sb.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// timeline speed
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeline_plays_at_the_given_speed() {
    // At speed 10 the change at 50s arrives after ~5 s, well within the 30 s deadline (at
    // speed 1 it would miss it), and before the change at 200s (~20 s).
    let timeline = [add_pod_at("50s", "fast-0"), add_pod_at("200s", "slow-0")].concat();
    let started = Instant::now();
    let (sb, client) = start(&demo_recording(&timeline), 10.0).await;
    let pods: Api<Pod> = Api::namespaced(client, "demo");
    let mut stream = watcher(pods, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut seen = vec![];
    collect_until(
        &mut stream,
        &mut seen,
        "fast-0 (scheduled at 50s, speed 10)",
        |e| is_apply_of(e, "fast-0") || is_apply_of(e, "slow-0"),
    )
    .await;
    assert!(
        !seen.iter().any(|e| is_apply_of(e, "slow-0")),
        "the change at 200s came first: {}",
        describe(&seen)
    );
    eprintln!("fast-0 arrived after {:?}", started.elapsed());
    sb.shutdown().await;
}
