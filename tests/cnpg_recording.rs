//! `recordings/cnpg-failover.yaml` served by the in-process sandbox: kube-rs watchers feed
//! the Cluster and its pods to `FailoverTimeline` while the failover plays; the detail built
//! from live objects afterwards is checked; and the promote patch is sent to the status
//! subresource with kube-rs and checked with kube-rs and the real kubectl.
//!
//! Deadlines are generous liveness limits, never timing assertions.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Event as CoreEvent, Node, Pod, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use kube::runtime::watcher::{self, Event, watcher};
use kube::{Client, Resource};
use opsdeck::domain::cnpg::{
    self, ClusterInputs, ClusterSummary, DetailOptions, FailoverTimeline, InstanceRole,
    PromoteError, Severity, Transition,
};
use opsdeck::model::views::{self, View};
use opsdeck::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

/// The typed view the console's stores hand to the domain.
fn v<T: View>(value: &Value) -> T {
    T::from_json(value.clone()).expect("an object")
}

fn vs<T: View>(list: &[Value]) -> Vec<T> {
    list.iter().map(v).collect()
}

/// Liveness limit for the whole failover (the recording plays 24 s at 4x: about 6 s).
const DEADLINE: Duration = Duration::from_secs(90);
const NS: &str = "keycloak";
const CLUSTER: &str = "keycloak-db";

fn recording() -> Recording {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings/cnpg-failover.yaml");
    Recording::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn start(speed: f64) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(SandboxOptions {
        recording: recording(),
        port: 0,
        speed,
    })
    .await
    .expect("sandbox starts");
    let client = Client::try_from(sandbox.kube_config()).expect("kube client");
    (sandbox, client)
}

fn cluster_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(cnpg::GROUP, cnpg::VERSION, cnpg::KIND),
        cnpg::PLURAL,
    )
}

fn clusters(client: &Client) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), NS, &cluster_resource())
}

/// An API for a built-in kind, handing out untyped objects.
fn dynamic<K: Resource<DynamicType = ()>>(client: &Client, ns: Option<&str>) -> Api<DynamicObject> {
    let ar = ApiResource::erase::<K>(&());
    match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

fn to_value(obj: &DynamicObject) -> Value {
    serde_json::to_value(obj).expect("object serialises")
}

async fn list(api: &Api<DynamicObject>) -> Vec<Value> {
    api.list(&ListParams::default())
        .await
        .expect("list")
        .items
        .iter()
        .map(to_value)
        .collect()
}

fn sentences(tl: &FailoverTimeline) -> String {
    tl.entries()
        .map(|e| format!("  {} {}", e.at, e.sentence()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn recording_parses_and_starts_healthy_over_three_zones() {
    let rec = recording();
    assert_eq!(rec.metadata.name, "cnpg-failover");
    assert!(
        rec.duration() <= Duration::from_secs(40),
        "keep the timeline short: {:?}",
        rec.duration()
    );
    let of_kind = |kind: &str| -> Vec<Value> {
        rec.objects
            .iter()
            .filter(|o| o["kind"] == kind)
            .cloned()
            .collect()
    };
    let cluster = of_kind("Cluster").pop().expect("a Cluster");
    let cluster = v::<views::Cluster>(&cluster);
    let summary = ClusterSummary::from_cluster(&cluster).expect("summary");
    assert_eq!(summary.severity, Severity::Ok);
    assert_eq!(summary.primary_text(), "keycloak-db-1");
    assert_eq!(summary.instances_text(), "3/3");
    assert_eq!(summary.timeline_id, Some(1));

    let (pods, nodes, services, pdbs) = (
        vs::<views::Pod>(&of_kind("Pod")),
        vs::<views::Node>(&of_kind("Node")),
        vs::<views::Service>(&of_kind("Service")),
        vs::<views::PodDisruptionBudget>(&of_kind("PodDisruptionBudget")),
    );
    let inputs = ClusterInputs {
        pods: &pods,
        nodes: &nodes,
        services: &services,
        pdbs: &pdbs,
        ..ClusterInputs::new(&cluster)
    };
    let detail =
        cnpg::cluster_detail(&inputs, &DetailOptions::default(), Timestamp::now()).expect("detail");
    assert!(detail.warnings.is_empty(), "{:?}", detail.warnings);
    let zones: Vec<Option<&str>> = detail.instances.iter().map(|i| i.zone.as_deref()).collect();
    assert_eq!(
        zones,
        vec![Some("eu-west-1a"), Some("eu-west-1b"), Some("eu-west-1c")]
    );
    assert!(
        detail
            .instances
            .iter()
            .all(|i| i.pool.as_deref() == Some("database"))
    );
    assert_eq!(detail.pdbs.len(), 2);
    assert!(detail.services.iter().all(|s| s.exists));
}

/// What the merged watch streams deliver.
enum Seen {
    Cluster(DynamicObject),
    Pods(watcher::Event<DynamicObject>),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_is_observed_live_and_ends_healthy() {
    let (sandbox, client) = start(4.0).await;

    let cluster_events =
        watcher(clusters(&client), watcher::Config::default()).map_ok(|e| match e {
            Event::Apply(o) | Event::InitApply(o) => vec![Seen::Cluster(o)],
            _ => vec![],
        });
    let pod_events = watcher(
        dynamic::<Pod>(&client, Some(NS)),
        watcher::Config::default().labels(&format!("cnpg.io/cluster={CLUSTER}")),
    )
    .map_ok(|e| vec![Seen::Pods(e)]);
    let mut events = stream::select(cluster_events.boxed(), pod_events.boxed());

    let mut tl = FailoverTimeline::new(NS, CLUSTER);
    let mut pods: BTreeMap<String, Value> = BTreeMap::new();
    let mut init_pods: BTreeMap<String, Value> = BTreeMap::new();
    let mut refused_during_failover = None;
    let done = |tl: &FailoverTimeline| {
        tl.entries()
            .any(|e| matches!(e.transition, Transition::Promoted { .. }))
            && tl.last().is_some_and(|e| {
                e.transition
                    == Transition::Phase {
                        phase: cnpg::phase::HEALTHY.into(),
                        reason: String::new(),
                    }
            })
    };

    let watched = tokio::time::timeout(DEADLINE, async {
        while !done(&tl) {
            let batch = match events.try_next().await {
                Ok(Some(batch)) => batch,
                Ok(None) => panic!("watch streams ended"),
                // The watcher retries by itself; a transient error is not the test's subject.
                Err(e) => {
                    eprintln!("watch error (retrying): {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            for seen in batch {
                let now = Timestamp::now();
                match seen {
                    Seen::Cluster(obj) => {
                        let value = to_value(&obj);
                        tl.observe(&v(&value), now);
                        if value["status"]["targetPrimary"] == cnpg::PENDING_FAILOVER {
                            refused_during_failover =
                                Some(cnpg::promote_patch(&v(&value), "keycloak-db-3", now));
                        }
                    }
                    Seen::Pods(event) => {
                        match event {
                            Event::Init => init_pods.clear(),
                            Event::InitApply(o) => {
                                init_pods.insert(
                                    o.metadata.name.clone().unwrap_or_default(),
                                    to_value(&o),
                                );
                            }
                            Event::InitDone => pods = std::mem::take(&mut init_pods),
                            Event::Apply(o) => {
                                pods.insert(
                                    o.metadata.name.clone().unwrap_or_default(),
                                    to_value(&o),
                                );
                            }
                            Event::Delete(o) => {
                                pods.remove(&o.metadata.name.clone().unwrap_or_default());
                            }
                        }
                        let snapshot: Vec<Value> = pods.values().cloned().collect();
                        tl.observe_pods(&vs(&snapshot), now);
                    }
                }
            }
        }
    })
    .await;
    if watched.is_err() {
        panic!(
            "the failover did not complete within {DEADLINE:?}; timeline so far:\n{}",
            sentences(&tl)
        );
    }

    let got: Vec<Transition> = tl.entries().map(|e| e.transition.clone()).collect();
    let want = vec![
        Transition::Observed {
            phase: cnpg::phase::HEALTHY.into(),
            primary: "keycloak-db-1".into(),
            timeline: Some(1),
        },
        Transition::PrimaryFailing {
            pod: "keycloak-db-1".into(),
        },
        Transition::Phase {
            phase: cnpg::phase::FAILING_OVER.into(),
            reason: "Initiating a failover from keycloak-db-1".into(),
        },
        Transition::FailoverStarting,
        Transition::FailoverTarget {
            from: Some("keycloak-db-1".into()),
            to: "keycloak-db-2".into(),
        },
        Transition::Promoted {
            pod: "keycloak-db-2".into(),
            timeline: Some((1, 2)),
        },
        Transition::Phase {
            phase: cnpg::phase::WAITING_FOR_INSTANCES.into(),
            reason: "Some instances are not yet active. Please wait.".into(),
        },
        Transition::Rejoined {
            pod: "keycloak-db-1".into(),
        },
        Transition::Phase {
            phase: cnpg::phase::HEALTHY.into(),
            reason: String::new(),
        },
    ];
    assert_eq!(got, want, "timeline:\n{}", sentences(&tl));
    let stamps: Vec<Timestamp> = tl.entries().map(|e| e.at).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");

    match refused_during_failover {
        Some(Err(PromoteError::InProgress { what, .. })) => assert_eq!(what, "a failover"),
        other => panic!("promote during the failover: {other:?}"),
    }

    // The detail from live objects: new primary, old one back as a replica, nothing to warn.
    let cluster: views::Cluster = v(&to_value(
        &clusters(&client).get(CLUSTER).await.expect("get cluster"),
    ));
    let pods: Vec<views::Pod> = vs(&list(&dynamic::<Pod>(&client, Some(NS))).await);
    let nodes: Vec<views::Node> = vs(&list(&dynamic::<Node>(&client, None)).await);
    let services: Vec<views::Service> = vs(&list(&dynamic::<Service>(&client, Some(NS))).await);
    let pdbs: Vec<views::PodDisruptionBudget> =
        vs(&list(&dynamic::<PodDisruptionBudget>(&client, Some(NS))).await);
    let events: Vec<views::Event> = vs(&list(&dynamic::<CoreEvent>(&client, Some(NS))).await);
    let inputs = ClusterInputs {
        pods: &pods,
        nodes: &nodes,
        services: &services,
        pdbs: &pdbs,
        events: &events,
        ..ClusterInputs::new(&cluster)
    };
    let detail =
        cnpg::cluster_detail(&inputs, &DetailOptions::default(), Timestamp::now()).expect("detail");
    assert_eq!(detail.summary.primary_text(), "keycloak-db-2");
    assert_eq!(detail.summary.timeline_id, Some(2));
    assert_eq!(detail.summary.instances_text(), "3/3");
    let roles: Vec<(&str, InstanceRole, bool)> = detail
        .instances
        .iter()
        .map(|i| (i.pod.as_str(), i.role, i.ready))
        .collect();
    assert_eq!(
        roles,
        vec![
            ("keycloak-db-1", InstanceRole::Replica, true),
            ("keycloak-db-2", InstanceRole::Primary, true),
            ("keycloak-db-3", InstanceRole::Replica, true),
        ]
    );
    assert!(detail.warnings.is_empty(), "{:?}", detail.warnings);
    let reasons: Vec<&str> = detail.events.iter().map(|e| e.reason.as_str()).collect();
    let pos = |r: &str| reasons.iter().position(|x| *x == r);
    assert!(
        pos("FailoverTarget") < pos("FailingOver") && pos("FailingOver").is_some(),
        "newest first: {reasons:?}"
    );
    let lease = Api::<Lease>::namespaced(client.clone(), NS)
        .get(CLUSTER)
        .await
        .expect("lease");
    assert_eq!(
        lease.spec.and_then(|s| s.holder_identity).as_deref(),
        Some("keycloak-db-2")
    );
    sandbox.shutdown().await;
}

/// The kubectl built from tests/cluster/ (or `$OPSDECK_TEST_KUBECTL`); fails loudly when there
/// is none.
fn kubectl_path() -> PathBuf {
    common::kubectl_path()
}

async fn kubectl(kubeconfig: &Path, home: &Path, args: &[&str]) -> String {
    let out = tokio::process::Command::new(kubectl_path())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG")
        .env("HOME", home)
        .output()
        .await
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promote_writes_the_status_subresource_only() {
    // Timeline paused: the cluster stays healthy with keycloak-db-1 primary.
    let (sandbox, client) = start(0.0).await;
    let api = clusters(&client);
    let before = to_value(&api.get(CLUSTER).await.expect("get cluster"));
    let before_view: views::Cluster = v(&before);

    let now = Timestamp::now();
    assert!(matches!(
        cnpg::promote_patch(&before_view, "keycloak-db-1", now),
        Err(PromoteError::AlreadyPrimary { .. })
    ));
    assert!(matches!(
        cnpg::promote_patch(&before_view, "keycloak-db-9", now),
        Err(PromoteError::UnknownInstance { .. })
    ));
    let target = cnpg::resolve_instance_name(CLUSTER, "3");
    let patch = cnpg::promote_patch(&before_view, &target, now).expect("promote patch");
    let after = api
        .patch_status(CLUSTER, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patch status");
    let after = to_value(&after);

    // What changed: the status fields the plugin writes…
    let status = &after["status"];
    assert_eq!(status["targetPrimary"], "keycloak-db-3");
    assert_eq!(
        status["targetPrimaryTimestamp"],
        patch["status"]["targetPrimaryTimestamp"]
    );
    assert_eq!(status["phase"], "Switchover in progress");
    assert_eq!(status["phaseReason"], "Switching over to keycloak-db-3");
    assert_eq!(status["conditions"][0]["type"], "Ready");
    assert_eq!(status["conditions"][0]["status"], "False");
    assert_eq!(status["currentPrimary"], "keycloak-db-1");
    assert_eq!(status["timelineID"], before["status"]["timelineID"]);
    assert_ne!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    // …and nothing else: same spec, generation, labels and annotations, read back fresh.
    let stored = to_value(&api.get(CLUSTER).await.expect("get cluster"));
    for pointer in [
        "/spec",
        "/metadata/generation",
        "/metadata/labels",
        "/metadata/annotations",
    ] {
        assert_eq!(
            stored.pointer(pointer),
            before.pointer(pointer),
            "{pointer} changed"
        );
    }
    assert_eq!(stored["status"], after["status"]);
    let summary = ClusterSummary::from_cluster(&v(&stored)).expect("summary");
    assert_eq!(
        summary.primary_text(),
        "keycloak-db-1 (switching to keycloak-db-3)"
    );

    // The optimistic lock: the same patch again carries a stale resourceVersion.
    match api
        .patch_status(CLUSTER, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 409, "{status:?}"),
        other => panic!("stale resourceVersion accepted: {other:?}"),
    }
    // And a second promotion is refused while this switchover is pending.
    assert!(matches!(
        cnpg::promote_patch(&v(&stored), "keycloak-db-2", Timestamp::now()),
        Err(PromoteError::InProgress {
            what: "a switchover",
            ..
        })
    ));

    // The real client sees it too.
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let got = kubectl(
        &kubeconfig,
        dir.path(),
        &[
            "get",
            "clusters.postgresql.cnpg.io",
            "-n",
            NS,
            CLUSTER,
            "-o",
            "jsonpath={.status.targetPrimary}|{.status.phase}|{.status.phaseReason}|{.status.currentPrimary}|{.metadata.generation}|{.spec.instances}",
        ],
    )
    .await;
    assert_eq!(
        got,
        "keycloak-db-3|Switchover in progress|Switching over to keycloak-db-3|keycloak-db-1|1|3"
    );
    let table = kubectl(&kubeconfig, dir.path(), &["get", "clusters", "-n", NS]).await;
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "AGE", "INSTANCES", "READY", "STATUS", "PRIMARY"],
        "{table}"
    );
    let row = lines.next().unwrap_or("");
    assert!(row.starts_with("keycloak-db "), "{table}");
    assert!(row.contains("Switchover in progress"), "{table}");
    assert!(row.trim_end().ends_with("keycloak-db-1"), "{table}");
    sandbox.shutdown().await;
}
