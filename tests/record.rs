//! `opsdeck record` against the sandbox: kubectl changes land in the file in order, a
//! planted secret never reaches the file, and a recorded failover replays the same way.

mod common;

use std::process::Command;
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::{WatchStreamExt, watcher};
use opsdeck::record::{DEFAULT_KINDS, RecordOptions, record};
use opsdeck::recording::{Change, Recording};
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use tokio::sync::oneshot;

const PLANTED: &str = "AGE-SECRET-KEY-1PLANTEDBYTHERECORDTESTNEVERINFILE";

/// The kubectl built from tests/cluster/ (or `$OPSDECK_TEST_KUBECTL`).
fn kubectl() -> std::path::PathBuf {
    common::kubectl_path()
}

fn run_kubectl(kubeconfig: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(kubectl())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("kubectl is required for this test and could not run: {e}"));
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

async fn start(recording: Recording, speed: f64) -> (Sandbox, kube::Client) {
    let sb = Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed,
    })
    .await
    .expect("sandbox starts");
    let client = kube::Client::try_from(sb.kube_config()).expect("client");
    (sb, client)
}

fn options(kinds: &[&str]) -> RecordOptions {
    RecordOptions {
        name: "test".into(),
        kinds: kinds.iter().map(|s| s.to_string()).collect(),
        namespaces: vec![],
        duration: None,
        redact: true,
        prometheus: None,
        eks: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_changes_are_recorded_in_order_and_secrets_redacted() {
    let (sb, client) = start(Recording::embedded("platform").expect("platform"), 0.0).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sb.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let out = dir.path().join("rec.yaml");
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let file = std::fs::File::create(&out).expect("file");
    let opts = options(&["namespaces", "configmaps", "secrets"]);
    let recorder = tokio::spawn(async move {
        record(
            client,
            &opts,
            file,
            async {
                let _ = stop_rx.await;
            },
            |_, _, _| {},
        )
        .await
    });
    // Let the initial listing finish before changing things.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&out)
        .unwrap_or_default()
        .contains("timeline:")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "recording never reached its timeline"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    run_kubectl(
        &kubeconfig,
        &[
            "-n",
            "default",
            "create",
            "configmap",
            "rec-cm",
            "--from-literal=step=one",
        ],
    );
    run_kubectl(
        &kubeconfig,
        &[
            "-n",
            "default",
            "patch",
            "configmap",
            "rec-cm",
            "--type=merge",
            "-p",
            r#"{"data":{"step":"two"}}"#,
        ],
    );
    run_kubectl(
        &kubeconfig,
        &["-n", "default", "delete", "configmap", "rec-cm"],
    );
    let key = dir.path().join("key.txt");
    std::fs::write(&key, PLANTED).expect("key file");
    run_kubectl(
        &kubeconfig,
        &[
            "-n",
            "argo",
            "create",
            "secret",
            "generic",
            "planted",
            &format!("--from-file=key.txt={}", key.display()),
        ],
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop_tx.send(());
    let summary = recorder.await.expect("joined").expect("recorded");
    assert!(summary.events >= 4, "{summary:?}");

    let text = std::fs::read_to_string(&out).expect("read");
    assert!(
        !text.contains(PLANTED),
        "the planted secret reached the recording"
    );
    use base64::Engine;
    let planted_b64 = base64::engine::general_purpose::STANDARD.encode(PLANTED);
    assert!(
        !text.contains(&planted_b64),
        "the planted secret (base64) reached the recording"
    );
    // The platform recording's own Secret data is redacted too.
    assert!(text.contains(opsdeck::record::redact::MARKER_B64));

    let rec = Recording::load(&out).expect("the recording is valid");
    let steps: Vec<String> = rec
        .timeline
        .iter()
        .filter_map(|e| match &e.change {
            Change::Apply(o) if o["metadata"]["name"] == "rec-cm" => Some(format!(
                "apply {}",
                o["data"]["step"].as_str().unwrap_or("")
            )),
            Change::Delete(r) if r.name == "rec-cm" => Some("delete".to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(steps, vec!["apply one", "apply two", "delete"]);
    sb.shutdown().await;
}

fn cluster_resource() -> ApiResource {
    ApiResource {
        group: "postgresql.cnpg.io".into(),
        version: "v1".into(),
        api_version: "postgresql.cnpg.io/v1".into(),
        kind: "Cluster".into(),
        plural: "clusters".into(),
    }
}

/// The distinct phases the keycloak-db Cluster goes through until it is healthy again
/// after a failover.
async fn observe_phases(client: kube::Client) -> Vec<String> {
    let api: Api<DynamicObject> = Api::namespaced_with(client, "keycloak", &cluster_resource());
    let mut stream = watcher(api, watcher::Config::default())
        .applied_objects()
        .boxed();
    let mut phases: Vec<String> = Vec::new();
    let deadline = tokio::time::sleep(Duration::from_secs(60));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            Some(Ok(obj)) = stream.next() => {
                let phase = obj.data["status"]["phase"].as_str().unwrap_or("").to_string();
                if phases.last() != Some(&phase) {
                    phases.push(phase.clone());
                }
                if phase == "Cluster in healthy state" && phases.iter().any(|p| p == "Failing over") {
                    return phases;
                }
            }
            _ = &mut deadline => panic!("failover did not complete; phases seen: {phases:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_failover_replays_the_same_phases() {
    let (sb, client) = start(
        Recording::embedded("cnpg-failover").expect("cnpg-failover"),
        4.0,
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("failover.yaml");
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let file = std::fs::File::create(&out).expect("file");
    let opts = options(DEFAULT_KINDS);
    let rec_client = client.clone();
    let recorder = tokio::spawn(async move {
        record(
            rec_client,
            &opts,
            file,
            async {
                let _ = stop_rx.await;
            },
            |_, _, _| {},
        )
        .await
    });
    let live = observe_phases(client).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = stop_tx.send(());
    recorder.await.expect("joined").expect("recorded");
    sb.shutdown().await;

    let recorded = Recording::load(&out).expect("the recording is valid");
    assert!(!recorded.timeline.is_empty());
    let (sb2, client2) = start(recorded, 2.0).await;
    let replayed = observe_phases(client2).await;
    assert_eq!(replayed, live, "the replay shows the same failover phases");
    sb2.shutdown().await;
}
