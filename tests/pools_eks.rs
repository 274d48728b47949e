//! The console's EKS wiring for the node pools pane against the in-process sandbox: the
//! sandbox kubeconfig's context is the cluster ARN, so the sources detect `platform-prod`
//! from it exactly as for a real `aws eks update-kubeconfig` context, and the poller
//! (through the same `EksSettings` a user would configure) describes the recorded node
//! groups. Also: a context that is no EKS cluster gets no poller, and `--eks-cluster`
//! naming an unknown cluster reports the error as an event (stale data, not a crash).

use std::time::Duration;

use opsdeck::console::sandbox_eks;
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use opsdeck::sources::eks::EksSettings;
use opsdeck::sources::nodegroups::{EksEvent, EksRequest};
use opsdeck::sources::{Request, SourceEvent, Sources, Target};
use tokio::sync::mpsc::{self, UnboundedReceiver};

const WAIT: Duration = Duration::from_secs(30);

async fn platform() -> Sandbox {
    let recording = opsdeck::sandbox::load_recording(None).expect("embedded platform recording");
    Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed: 0.0,
    })
    .await
    .expect("sandbox starts")
}

/// The next EKS event (other events are skipped), or a panic after [`WAIT`].
async fn next_eks(rx: &mut UnboundedReceiver<SourceEvent>) -> EksEvent {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(SourceEvent::Eks(ev))) => return ev,
            Ok(Some(_)) => {}
            Ok(None) => panic!("source channel closed"),
            Err(_) => panic!("no EKS event within {WAIT:?}"),
        }
    }
}

/// Sources for the sandbox's kubeconfig with the console's sandbox EKS settings.
fn sources(sandbox: &Sandbox, base: EksSettings) -> (Sources, UnboundedReceiver<SourceEvent>) {
    let target = Target::from_yaml(&sandbox.kubeconfig_yaml(), "<sandbox kubeconfig>", None)
        .expect("sandbox kubeconfig");
    let (tx, rx) = mpsc::unbounded_channel();
    let mut s = Sources::new(tx, target);
    s.set_eks(sandbox_eks(sandbox, base));
    (s, rx)
}

#[tokio::test]
async fn detects_the_sandbox_arn_context_and_polls_its_node_groups() {
    let sandbox = platform().await;
    assert!(
        sandbox.context_name().starts_with("arn:aws:eks:"),
        "{}",
        sandbox.context_name()
    );
    let (mut s, mut rx) = sources(&sandbox, EksSettings::default());
    s.connect();
    assert_eq!(
        next_eks(&mut rx).await,
        EksEvent::Cluster(Some("platform-prod".into()))
    );
    // The pane opens: the poller describes the node groups at once.
    s.reconcile_eks(true);
    let EksEvent::Nodegroups { cluster, groups } = next_eks(&mut rx).await else {
        panic!("node groups expected")
    };
    assert_eq!(cluster, "platform-prod");
    let mut got: Vec<(String, i32, i32, i32)> = groups
        .iter()
        .map(|g| (g.name.clone(), g.min_size, g.desired_size, g.max_size))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("apps".to_string(), 2, 3, 6),
            ("database".to_string(), 2, 2, 3),
            ("infra".to_string(), 2, 3, 6)
        ]
    );
    let db = groups.iter().find(|g| g.name == "database").unwrap();
    assert_eq!(db.taints, ["workload-type=database:NoSchedule"]);

    // A scaling update answers with Done and the poller refreshes at once.
    s.handle(Request::Eks(EksRequest::Scale {
        nodegroup: "apps".into(),
        min: 2,
        desired: 4,
        max: 6,
    }));
    let done = loop {
        match tokio::time::timeout(WAIT, rx.recv()).await {
            Ok(Some(SourceEvent::Done { message, error })) => break (message, error),
            Ok(Some(_)) => {}
            other => panic!("no Done event: {other:?}"),
        }
    };
    assert_eq!(
        done,
        (
            "scale node group apps to min/desired/max 2/4/6".to_string(),
            None
        )
    );
    let EksEvent::Nodegroups { groups, .. } = next_eks(&mut rx).await else {
        panic!("refresh expected")
    };
    let apps = groups.iter().find(|g| g.name == "apps").unwrap();
    assert_eq!((apps.min_size, apps.desired_size, apps.max_size), (2, 4, 6));

    // The pane closes: no more polling.
    s.reconcile_eks(false);
    s.handle(Request::Eks(EksRequest::Refresh));
    assert!(
        tokio::time::timeout(Duration::from_millis(500), async {
            loop {
                if let Some(SourceEvent::Eks(_)) = rx.recv().await {
                    return;
                }
            }
        })
        .await
        .is_err(),
        "an EKS event arrived with the pane closed"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_cluster_is_reported_as_a_failure_event() {
    let sandbox = platform().await;
    let (mut s, mut rx) = sources(
        &sandbox,
        EksSettings {
            cluster: "no-such-cluster".into(),
            ..EksSettings::default()
        },
    );
    s.connect();
    assert_eq!(
        next_eks(&mut rx).await,
        EksEvent::Cluster(Some("no-such-cluster".into()))
    );
    s.reconcile_eks(true);
    let EksEvent::Failed { cluster, error } = next_eks(&mut rx).await else {
        panic!("failure expected")
    };
    assert_eq!(cluster, "no-such-cluster");
    assert!(error.contains("not found"), "{error}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_context_that_is_no_eks_cluster_gets_no_poller() {
    let sandbox = Sandbox::start(SandboxOptions {
        recording: opsdeck::sandbox::load_recording(Some(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/console-shop.yaml"
        ))))
        .expect("fixture recording"),
        port: 0,
        speed: 0.0,
    })
    .await
    .expect("sandbox starts");
    let (mut s, mut rx) = sources(&sandbox, EksSettings::default());
    s.connect();
    assert_eq!(next_eks(&mut rx).await, EksEvent::Cluster(None));
    s.reconcile_eks(true);
    s.handle(Request::Eks(EksRequest::Refresh));
    let done = loop {
        match tokio::time::timeout(WAIT, rx.recv()).await {
            Ok(Some(SourceEvent::Done { error, .. })) => break error,
            Ok(Some(SourceEvent::Eks(ev))) => panic!("unexpected EKS event {ev:?}"),
            Ok(Some(_)) => {}
            other => panic!("no Done event: {other:?}"),
        }
    };
    assert!(done.unwrap_or_default().contains("not an EKS cluster"));
    sandbox.shutdown().await;
}
