//! `opsdeck play` against the real control plane of `scripts/cluster up`: a recording's
//! objects are written with server-side apply (field manager `opsdeck-play`) and the play's
//! label, statuses through the status subresource, recorded nodes mapped onto the cluster's
//! own pools, controllers left to make what they make, the timeline played, and `--cleanup`
//! removing exactly what the play created. Also: a context that does not look like a test
//! cluster is refused before any connection.
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them); panics when they are missing.

mod common;

use std::process::{Command, Output, Stdio};

use common::cluster::RealCluster;
use common::tmux::binary;

fn play(args: &[&str]) -> Output {
    Command::new(binary())
        .arg("play")
        .args(args)
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("run opsdeck play")
}

fn text(out: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `opsdeck play ARGS --cleanup` in the background when dropped, so that a failing test
/// leaves nothing behind in the shared cluster (after a passing one it finds nothing).
struct CleanupOnDrop(Vec<String>);

impl Drop for CleanupOnDrop {
    fn drop(&mut self) {
        let _ = Command::new(binary())
            .arg("play")
            .args(&self.0)
            .arg("--cleanup")
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
}

#[test]
fn a_context_that_does_not_look_like_a_test_cluster_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: prod-eu\nclusters:\n- name: prod-eu\n  cluster: {server: 'https://203.0.113.10:6443'}\ncontexts:\n- name: prod-eu\n  context: {cluster: prod-eu, user: admin}\nusers:\n- name: admin\n  user: {token: not-used}\n",
    )
    .expect("write kubeconfig");
    let k = kubeconfig.display().to_string();
    let out = play(&["--recording", "cnpg-failover", "--kubeconfig", &k]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does not look like a test cluster") && stderr.contains("--yes"),
        "{}",
        text(&out)
    );
    assert!(out.stdout.is_empty(), "nothing is planned: {}", text(&out));
}

#[test]
fn cnpg_failover_plays_into_the_real_cluster_and_cleanup_removes_it() {
    let c = RealCluster::from_env();
    let prefix = format!("pl{}", std::process::id());
    let kubeconfig = c.kubeconfig().display().to_string();
    let base = [
        "--recording",
        "cnpg-failover",
        "--kubeconfig",
        &kubeconfig,
        "--context",
        c.admin_context(),
        "--namespace-prefix",
        &prefix,
    ];
    let _guard = CleanupOnDrop(base.iter().map(|s| s.to_string()).collect());
    let mut args = base.to_vec();
    args.extend(["--speed", "30"]);
    let out = play(&args);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The plan comes first and names what is left to the cluster.
    for want in [
        &format!("namespaces: {prefix}-default, {prefix}-cnpg-system, {prefix}-keycloak"),
        "3 Node: the cluster's own nodes are used",
        "pause, step and seek are not possible on a real cluster",
        "(0 left alone, 0 failed)",
        "timeline played",
    ] {
        assert!(stdout.contains(want), "{want:?} missing:\n{}", text(&out));
    }
    let ns = format!("{prefix}-keycloak");
    let label = format!("opsdeck.dev/played-by={prefix}");

    // The timeline ran: keycloak-db-2 is primary on timeline 2, written through /status.
    let cluster = c.kubectl_json(&[
        "-n",
        &ns,
        "get",
        "clusters.postgresql.cnpg.io",
        "keycloak-db",
        "--show-managed-fields",
    ]);
    assert_eq!(
        cluster["status"]["currentPrimary"], "keycloak-db-2",
        "{cluster}"
    );
    assert_eq!(cluster["status"]["timelineID"], 2, "{cluster}");
    assert_eq!(
        cluster["metadata"]["labels"]["opsdeck.dev/played-by"],
        prefix.as_str()
    );
    let managers: Vec<(String, String)> = cluster["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .map(|m| {
            (
                m["manager"].as_str().unwrap_or("").to_string(),
                m["subresource"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        managers.contains(&("opsdeck-play".into(), String::new()))
            && managers.contains(&("opsdeck-play".into(), "status".into())),
        "{managers:?}"
    );

    // The CNPG pods (no operator runs here) are written, bound to the cluster's database
    // nodes, owned by the written Cluster (real uid) and run by kwok.
    let pods = c.kubectl_json(&["-n", &ns, "get", "pods", "-l", &label]);
    let pods = pods["items"].as_array().expect("items");
    assert_eq!(pods.len(), 3, "{pods:?}");
    let db_nodes = c.kubectl_json(&["get", "nodes", "-l", "eks.amazonaws.com/nodegroup=database"]);
    let db_nodes: Vec<&str> = db_nodes["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|n| n["metadata"]["name"].as_str())
        .collect();
    for p in pods {
        let node = p["spec"]["nodeName"].as_str().unwrap_or("");
        assert!(
            db_nodes.contains(&node),
            "{} on {node}",
            p["metadata"]["name"]
        );
        assert_eq!(
            p["metadata"]["ownerReferences"][0]["uid"], cluster["metadata"]["uid"],
            "{p}"
        );
    }

    // The operator's Deployment is written; its ReplicaSet and pod are the controllers'.
    let cnpg_ns = format!("{prefix}-cnpg-system");
    c.poll("the deployment controller's ReplicaSet", |c| {
        let rs = c.kubectl_json(&["-n", &cnpg_ns, "get", "replicasets"]);
        let items = rs["items"].as_array()?;
        items
            .iter()
            .find(|r| r["metadata"]["ownerReferences"][0]["kind"] == "Deployment")
            .map(|_| ())
    });

    // A second play of the same recording and prefix is idempotent (its own objects).
    let mut again = base.to_vec();
    again.extend(["--speed", "0"]);
    let out = play(&again);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(0 left alone, 0 failed)"),
        "{}",
        text(&out)
    );

    // --cleanup removes the play's namespaces (finalizers included) and keeps the CRD.
    let mut cleanup = base.to_vec();
    cleanup.push("--cleanup");
    let out = play(&cleanup);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("kept CustomResourceDefinition clusters.postgresql.cnpg.io")
            || !stdout.contains("CustomResourceDefinition"),
        "{stdout}"
    );
    c.poll("the play's namespaces gone", |c| {
        let left = c.kubectl_json(&["get", "namespaces", "-l", &label]);
        left["items"].as_array()?.is_empty().then_some(())
    });
    let crd = c.kubectl_as(
        c.admin_context(),
        &["get", "crd", "clusters.postgresql.cnpg.io"],
    );
    assert!(crd.status.success(), "the CRD is kept");
    let nodes = c.kubectl_json(&["get", "nodes"]);
    assert_eq!(
        nodes["items"].as_array().map(Vec::len),
        Some(8),
        "the play creates no nodes"
    );
}
