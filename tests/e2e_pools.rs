//! The node pools pane end to end in a real terminal (tmux), against `--sandbox` (the
//! embedded platform recording: pools infra×3, apps×3, database×2 tainted, across three
//! zones, EKS cluster platform-prod whose node groups the sandbox serves): `:pools` shows
//! the pools, their zones, the database taint and the EKS scaling numbers; Enter drills pool →
//! nodes → pods; `s` changes a node group's scaling through a confirmation and the new
//! numbers show; `--readonly` refuses it.
//!
//! The binary is `$OPSDECK_BIN`, else the one `cargo test` builds.

mod common;

use std::time::Duration;

use common::tmux::Tmux;

/// Generous liveness deadline for each screen.
const WAIT: Duration = Duration::from_secs(60);

/// The console on its in-process sandbox (the platform recording) with `args`.
fn console(name: &str, args: &str) -> Tmux {
    let mut all = vec!["--sandbox"];
    all.extend(args.split_whitespace());
    Tmux::start(name, &all, WAIT)
}

/// `:pools`, then the pools with their EKS data.
fn open_pools(t: &Tmux) -> String {
    t.wait_for(&["● connected"]);
    t.keys(&[":"]);
    t.text("pools");
    t.keys(&["Enter"]);
    t.wait_for(&[
        "pools[3]",
        "EKS platform-prod",
        "ACTIVE 2/3/6",
        "ACTIVE 2/2/3",
    ])
}

/// The table row of a pool (the line starting with its name inside the border).
fn row<'a>(screen: &'a str, pool: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.starts_with(&format!("│{pool} ")))
        .unwrap_or_else(|| panic!("no row for pool {pool}:\n{screen}"))
}

#[test]
fn pools_zones_taint_eks_drill_down_and_scaling() {
    let t = console("main", "");
    let s = open_pools(&t);
    // Three pools with their zones (and node counts), the database taint as Kubernetes
    // shows it, and EKS min/desired/max.
    for (pool, nodes, zones, eks) in [
        ("apps", "3/3", "eu-west-1{a:1,b:1,c:1}", "ACTIVE 2/3/6"),
        ("database", "2/2", "eu-west-1{a:1,b:1}", "ACTIVE 2/2/3"),
        ("infra", "3/3", "eu-west-1{a:1,b:1,c:1}", "ACTIVE 2/3/6"),
    ] {
        let r = row(&s, pool);
        for want in [nodes, zones, eks] {
            assert!(r.contains(want), "{pool}: {want:?} missing in {r:?}");
        }
    }
    assert!(row(&s, "database").contains("workload-type=database:NoSchedule"));
    assert!(row(&s, "apps").contains("<none>"));
    // The detail area of the selected pool (the first, apps): zones in full, EKS details.
    t.wait_for(&[
        "pool apps",
        "zones eu-west-1a:1  eu-west-1b:1  eu-west-1c:1",
        "release 1.31.4-20250203",
        "AMI AL2023_x86_64_STANDARD",
    ]);

    // Enter on database → its two nodes (label selector) → Enter → the first node's pods.
    t.keys(&["j"]);
    t.wait_for(&[
        "pool database",
        "taints     workload-type=database:NoSchedule",
    ]);
    t.keys(&["Enter"]);
    t.wait_for(&[
        "nodes (pool database)",
        "nodes[2] -l eks.amazonaws.com/nodegroup=database",
        "ip-10-0-21-76.eu-west-1.compute.internal",
        "ip-10-0-60-218.eu-west-1.compute.internal",
    ]);
    t.keys(&["Enter"]);
    t.wait_for(&[
        "pods (node ip-10-0-21-76.eu-west-1.compute.internal)",
        "spec.nodeName=ip-10-0-21-76.eu-west-1.compute.internal",
        "keycloak-db-1",
    ]);
    t.keys(&["Escape", "Escape"]);
    t.wait_for(&["pools[3]", "pool database"]);

    // `s`: a prompt with the current numbers, a confirmation naming the node group, and
    // the new numbers from EKS.
    t.keys(&["s"]);
    t.wait_for(&["scale node group database min/desired/max (now 2/2/3): 2/2/3"]);
    t.keys(&["C-u"]);
    t.text("2/3/3");
    t.keys(&["Enter"]);
    t.wait_for(&[
        "Scale EKS node group platform-prod/database min/desired/max from 2/2/3 to 2/3/3?",
        "Confirm",
    ]);
    t.keys(&["y"]);
    let s = t.wait_for(&[
        "scale node group database to min/desired/max 2/3/3: done",
        "ACTIVE 2/3/3",
    ]);
    assert!(row(&s, "database").contains("ACTIVE 2/3/3"), "{s}");
    t.wait_for(&["min 2  desired 3  max 3"]);
    t.quit();
}

#[test]
fn readonly_refuses_node_group_scaling() {
    let t = console("readonly", "--readonly");
    let s = open_pools(&t);
    // The header says READONLY before the (shortened) EKS context.
    assert!(s.contains("READONLY"), "{s}");
    assert!(
        !s.contains("Scale node group"),
        "the footer offers scaling:\n{s}"
    );
    t.keys(&["s"]);
    let s = t.wait_for(&["read-only mode: scale is disabled"]);
    assert!(!s.contains("Scale EKS node group"), "a dialog opened:\n{s}");
    assert!(!s.contains("min/desired/max (now"), "a prompt opened:\n{s}");
    t.quit();
}
