//! The console end to end in a real terminal (tmux) against the real control plane of
//! `scripts/cluster up` (Kubernetes v1.37, kwok nodes shaped like the seeds' EKS node groups):
//! it connects with the kubeconfig's admin context, `:po` lists the pods of every namespace, a
//! pod created with kubectl shows up live, and `:pools` groups the kwok nodes into the infra,
//! apps and database pools.
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them); the binary is `$OPSDECK_BIN`,
//! else the one `cargo test` builds.

mod common;

use std::time::Duration;

use common::cluster::RealCluster;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(60);

/// The table row of a pool (the line starting with its name inside the border).
fn pool_row<'a>(screen: &'a str, pool: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.starts_with(&format!("│{pool} ")))
        .unwrap_or_else(|| panic!("no row for pool {pool}:\n{screen}"))
}

#[test]
fn console_on_the_real_cluster_pods_live_and_pools() {
    let c = RealCluster::from_env();
    let ns = c.namespace("e2e");
    let ns = ns.name();
    c.kubectl_ok(&["-n", ns, "run", "before", "--image=nginx:1.27"]);
    c.kubectl_ok(&[
        "-n",
        ns,
        "wait",
        "--for=condition=Ready",
        "pod/before",
        "--timeout=90s",
    ]);

    let kubeconfig = c.kubeconfig().display().to_string();
    let t = Tmux::start(
        "cluster",
        &[
            "--kubeconfig",
            &kubeconfig,
            "--context",
            c.admin_context(),
            "-A",
        ],
        WAIT,
    );
    t.wait_for(&["● connected", "k8s v1.37", "pods(all)"]);

    // `:po` shows the pods; the filter narrows them to this test's namespace (other tests
    // share the cluster).
    t.keys(&[":"]);
    t.text("po");
    t.keys(&["Enter"]);
    t.wait_for(&["pods(all)"]);
    t.keys(&["/"]);
    t.text(ns);
    t.keys(&["Enter"]);
    let s = t.wait_for(&[ns, "before", "Running"]);
    assert!(!s.contains("live-"), "{s}");

    // A pod created with kubectl appears without a key press, and kwok runs it.
    c.kubectl_ok(&["-n", ns, "run", "live-pod", "--image=nginx:1.27"]);
    t.wait_until("live-pod to show as Running", |s| {
        s.lines()
            .any(|l| l.contains("live-pod") && l.contains("Running"))
    });

    // `:pools` groups the kwok nodes by their EKS node group.
    t.keys(&["Escape", ":"]);
    t.text("pools");
    t.keys(&["Enter"]);
    let s = t.wait_for(&["pools[3]", "infra", "apps", "database"]);
    for (pool, nodes, zones) in [
        ("apps", "3/3", "eu-west-1{a:1,b:1,c:1}"),
        ("database", "2/2", "eu-west-1{a:1,b:1}"),
        ("infra", "3/3", "eu-west-1{a:1,b:1,c:1}"),
    ] {
        let r = pool_row(&s, pool);
        for want in [nodes, zones] {
            assert!(r.contains(want), "{pool}: {want:?} missing in {r:?}\n{s}");
        }
    }
    assert!(
        pool_row(&s, "database").contains("workload-type=database:NoSchedule"),
        "{s}"
    );
    t.quit();
}
