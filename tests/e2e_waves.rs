//! The sync waves pane end to end in a real terminal (tmux), against the `wave-stuck`
//! recording: the lanes show, the stall explanation appears live as the recording's timeline
//! plays (no key pressed), and the sync action writes `operation`, checked with the real
//! kubectl against the same sandbox.
//!
//! The console binary is `$OPSDECK_BIN`, else the one `cargo test` builds; the standalone
//! sandbox is the test build's own binary. kubectl is
//! `$OPSDECK_TEST_KUBECTL`, else the one built from tests/cluster/: a missing one fails the test.

mod common;

use std::path::Path;
use std::time::Duration;

use common::SandboxProcess;
use common::tmux::Tmux;

/// Generous liveness deadline for screens; the recording's timeline lasts about 24 s.
const WAIT: Duration = Duration::from_secs(60);

const LANES: &[&str] = &[
    "waves of platform-root",
    "wave -10 ·",
    "monitoring",
    "cert-manager",
    "keycloak",
];
const STALL: &str = "wave -5: cert-manager Degraded — Deployment cert-manager-webhook 0/2";
const STALL_WHY: &str = "2 pods";
const WAITING: &str = "waiting for healthy state of argoproj.io/Application/cert-manager";
const USER: &str = "opsdeck-sandbox-wave-stuck";

/// The console in a 150×40 terminal with `args`.
fn console(name: &str, args: &[&str]) -> Tmux {
    Tmux::start_sized(name, args, (150, 40), WAIT)
}

/// `:waves`, then the lanes.
fn open_waves(t: &Tmux) -> String {
    t.wait_for(&["● connected"]);
    t.keys(&[":"]);
    t.text("waves");
    t.keys(&["Enter"]);
    t.wait_for(LANES)
}

#[test]
fn lanes_show_and_the_stall_explanation_appears_live() {
    let t = console("live", &["--sandbox", "--recording", "wave-stuck"]);
    let first = open_waves(&t);
    // The console is up long before the recording's cert-manager turns Degraded (12 s in):
    // the first lanes show an earlier wave in progress.
    assert!(
        !first.contains(STALL),
        "the stall already showed on the first screen, so its live arrival is not tested; screen:\n{first}"
    );
    assert!(first.contains("Rollout of platform-root"), "{first}");

    // No key pressed from here: the watch delivers the timeline's changes.
    let s = t.wait_for(&[
        STALL,
        STALL_WHY,
        // cert-manager is Degraded: the wave is blocked, not merely in progress.
        "wave -5 · blocked",
        "pending: wave -2",
    ]);
    assert!(
        s.contains("sync themselves"),
        "the auto-sync trap shows:\n{s}"
    );
    assert!(
        s.contains("argocd-cm (argo) has the Application health check"),
        "{s}"
    );
    // The root keeps retrying; the pane follows.
    t.wait_for(&["Retrying attempt #2"]);

    t.keys(&["C-c"]);
    t.wait_for(&["OPSDECK-EXITED 0"]);
}

/// The Application as kubectl reads it from the sandbox.
fn app_json(sandbox: &SandboxProcess, name: &str) -> serde_json::Value {
    sandbox.kubectl_json(&[
        "get",
        "applications.argoproj.io",
        name,
        "-n",
        "argo",
        "-o",
        "json",
    ])
}

#[test]
fn sync_writes_operation_as_kubectl_sees_it() {
    let sandbox = SandboxProcess::start_with(None, &["--recording", "wave-stuck"]);
    let kubeconfig: &Path = sandbox.kubeconfig();
    let before = app_json(&sandbox, "monitoring");
    assert!(
        before.get("operation").is_none(),
        "monitoring starts without an operation: {before}"
    );

    let kc = kubeconfig.display().to_string();
    let t = console("sync", &["--kubeconfig", &kc]);
    open_waves(&t);
    // Wait until the timeline no longer touches monitoring (it turns Healthy at 5 s) so that
    // the patch's resourceVersion is current.
    t.wait_for(&[STALL, WAITING]);

    // The root runs an operation: its sync is refused, nothing is written.
    t.keys(&["g", "s"]);
    t.wait_for(&["cannot sync argo/platform-root: another operation is already in progress"]);
    let root = app_json(&sandbox, "platform-root");
    assert_eq!(
        root.pointer("/operation/initiatedBy/automated"),
        Some(&serde_json::json!(true)),
        "the root's own operation is untouched: {root}"
    );

    // monitoring (the next row) has none: confirm the sync.
    t.keys(&["j", "s"]);
    t.wait_for(&["Sync argo/monitoring?", "operation.sync"]);
    t.keys(&["y"]);
    t.wait_for(&["sync application argo/monitoring: done"]);

    let after = app_json(&sandbox, "monitoring");
    assert_eq!(
        after.pointer("/operation/initiatedBy/username"),
        Some(&serde_json::json!(USER)),
        "{after}"
    );
    assert_eq!(
        after.pointer("/operation/sync/syncStrategy"),
        Some(&serde_json::json!({"hook": {}})),
        "{after}"
    );
    assert_eq!(
        after.pointer("/operation/sync/source/chart"),
        Some(&serde_json::json!("kube-prometheus-stack")),
        "{after}"
    );
    assert!(
        after.pointer("/status/operationState").is_none(),
        "operationState cleared as the Argo CD API server does: {after}"
    );
    // The pane sees the requested operation through its watch.
    t.wait_for(&["Requested"]);

    // A second sync is refused now that an operation is set.
    t.keys(&["s"]);
    t.wait_for(&["cannot sync argo/monitoring: another operation is already in progress"]);

    t.keys(&["C-c"]);
    t.wait_for(&["OPSDECK-EXITED 0"]);
}
