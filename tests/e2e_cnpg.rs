//! The CloudNativePG pane end to end in a real terminal (tmux):
//!
//! - against `opsdeck --sandbox --recording cnpg-failover`, the failover shows live in the
//!   list and in the detail (phase "Failing over", "failover starting", the new primary
//!   keycloak-db-2 on timeline 2, healthy again) and the failover timeline fills in, without
//!   a key press (`--command` opens the pane);
//! - against a separate `opsdeck sandbox --recording cnpg-failover --speed 0` (paused),
//!   promote writes the Cluster's status subresource and nothing else, checked with the real
//!   kubectl; `--readonly` refuses it.
//!
//! The console binary is `$OPSDECK_BIN`, else the one `cargo test` builds. Deadlines are
//! generous liveness limits; the screen is polled, never timed.

mod common;

use std::path::Path;
use std::time::Duration;

use common::SandboxProcess;
use common::tmux::Tmux;
use serde_json::Value;

/// Liveness limit: the recording plays 24 s.
const WAIT: Duration = Duration::from_secs(90);

/// The cells of the list row of keycloak-db (columns are separated by two spaces or more).
fn row_cells(screen: &str) -> Option<Vec<String>> {
    let line = screen
        .lines()
        .find(|l| l.contains(" keycloak-db ") && l.contains("keycloak "))?;
    let inner = line.trim_matches(|c: char| c == '│' || c.is_whitespace());
    Some(
        inner
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// Index of the first screen satisfying `pred`, with what it is for failure messages.
fn first(screens: &[String], what: &str, pred: impl Fn(&str) -> bool) -> usize {
    screens.iter().position(|s| pred(s)).unwrap_or_else(|| {
        panic!(
            "never saw {what}; screens seen:\n{}",
            screens.join("\n----------------\n")
        )
    })
}

#[test]
fn failover_shows_live_in_the_cluster_list() {
    let t = cnpg_console(
        "list",
        &[
            "--sandbox",
            "--recording",
            "cnpg-failover",
            "--command",
            "cnpg",
        ],
    );
    // NAMESPACE NAME PHASE INSTANCES PRIMARY TL PROMOTED WARNINGS
    let cell = |s: &str, i: usize| {
        row_cells(s)
            .and_then(|c| c.get(i).cloned())
            .unwrap_or_default()
    };
    let healthy_again = |s: &str| {
        cell(s, 2) == "Cluster in healthy state"
            && cell(s, 4) == "keycloak-db-2"
            && cell(s, 5) == "2"
    };
    let screens = t.record_until("the cluster healthy again on keycloak-db-2", healthy_again);
    let healthy = first(&screens, "the healthy cluster on keycloak-db-1", |s| {
        cell(s, 2) == "Cluster in healthy state"
            && cell(s, 4) == "keycloak-db-1"
            && cell(s, 5) == "1"
    });
    let failing_over = first(&screens, "phase Failing over", |s| {
        cell(s, 2) == "Failing over"
    });
    let starting = first(&screens, "failover starting", |s| {
        cell(s, 4) == "keycloak-db-1 (failover starting)"
    });
    let switching = first(&screens, "switching to keycloak-db-2", |s| {
        cell(s, 4) == "keycloak-db-1 (switching to keycloak-db-2)"
    });
    let promoted = first(&screens, "keycloak-db-2 primary on timeline 2", |s| {
        cell(s, 4) == "keycloak-db-2" && cell(s, 5) == "2"
    });
    let back = screens.len() - 1;
    assert!(
        healthy < failing_over
            && failing_over <= starting
            && starting < switching
            && switching < promoted
            && promoted <= back,
        "order of screens: healthy {healthy}, failing over {failing_over}, starting {starting}, switching {switching}, promoted {promoted}, back {back}"
    );
    // While failing over fewer instances are ready (`2/2 of 3`) and the row warns.
    assert!(
        screens[failing_over..promoted]
            .iter()
            .any(|s| cell(s, 3) == "2/2 of 3" && cell(s, 7).starts_with('⚠')),
        "no `2/2 of 3` with a warning during the failover"
    );
    t.quit();
}

#[test]
fn failover_timeline_fills_in_the_detail() {
    let t = cnpg_console(
        "detail",
        &[
            "--sandbox",
            "--recording",
            "cnpg-failover",
            "--command",
            "cnpg keycloak/keycloak-db",
        ],
    );
    let sentences = [
        "Cluster in healthy state; primary keycloak-db-1, timeline 1",
        "primary keycloak-db-1 failing",
        "Failing over (Initiating a failover from keycloak-db-1)",
        "failover starting (targetPrimary pending)",
        "failing over from keycloak-db-1 to keycloak-db-2",
        "promoted keycloak-db-2 (timeline 1 → 2)",
        "keycloak-db-1 rejoined as replica",
    ];
    let done = |s: &str| {
        s.contains("keycloak-db-1 rejoined as replica")
            && s.lines()
                .any(|l| l.contains("Phase ") && l.contains("Cluster in healthy state"))
    };
    let screens = t.record_until(
        "the timeline to reach the rejoin and the healthy phase",
        done,
    );
    let last = screens.last().cloned().unwrap_or_default();
    // Every step is on the final screen, in order.
    let positions: Vec<usize> = sentences
        .iter()
        .map(|n| {
            last.find(n)
                .unwrap_or_else(|| panic!("timeline lacks {n:?}; screen:\n{last}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "timeline out of order: {positions:?}\n{last}"
    );
    assert!(last.contains("keycloak-db-2"), "{last}");
    let header = |s: &str, label: &str| {
        s.lines()
            .find(|l| l.contains(label))
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(
        header(&last, "Primary ").contains("keycloak-db-2"),
        "{last}"
    );
    assert!(header(&last, "Timeline ").contains(" 2 "), "{last}");
    // It filled in live: the promotion showed before the rejoin did.
    first(&screens, "the promotion before the rejoin", |s| {
        s.contains("promoted keycloak-db-2") && !s.contains("rejoined as replica")
    });
    // And the header showed the failover while it ran.
    first(&screens, "the failover in the header", |s| {
        header(s, "Phase ").contains("Failing over")
    });
    t.quit();
}

#[test]
fn a_seek_back_rebuilds_the_timeline_from_the_replayed_state() {
    let t = cnpg_console(
        "seek",
        &[
            "--sandbox",
            "--recording",
            "cnpg-failover",
            "--command",
            "cnpg keycloak/keycloak-db",
        ],
    );
    t.wait_until("the failover to complete", |s| {
        s.contains("keycloak-db-1 rejoined as replica")
    });
    // Pause, then back to the start.
    t.keys(&["F6"]);
    t.wait_for(&["paused"]);
    t.keys(&["C-g"]);
    t.wait_for(&["replay seek"]);
    t.text("0s");
    t.keys(&["Enter"]);
    let screen = t.wait_until("the timeline of the replayed state", |s| {
        s.contains("Cluster in healthy state; primary keycloak-db-1, timeline 1")
            && !s.contains("rejoined as replica")
    });
    for stale in [
        "promoted",
        "failing over",
        "Failing over",
        "rejoined",
        "timeline 2",
    ] {
        assert!(
            !screen.contains(stale),
            "{stale:?} left in the timeline after the seek:\n{screen}"
        );
    }
    t.quit();
}

fn cluster_json(sandbox: &SandboxProcess) -> Value {
    sandbox.kubectl_json(&[
        "get",
        "clusters.postgresql.cnpg.io",
        "-n",
        "keycloak",
        "keycloak-db",
    ])
}

/// The keys of `a` and `b` whose values differ.
fn changed_keys(a: &Value, b: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (a, b) = (
        a.as_object().unwrap_or(&empty),
        b.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn cnpg_console(name: &str, args: &[&str]) -> Tmux {
    Tmux::start(name, args, WAIT)
}

fn console(name: &str, kubeconfig: &Path, extra: &[&str]) -> Tmux {
    let kubeconfig = kubeconfig.display().to_string();
    let mut args = vec![
        "--kubeconfig",
        kubeconfig.as_str(),
        "--command",
        "cnpg keycloak/keycloak-db",
    ];
    args.extend(extra);
    cnpg_console(name, &args)
}

#[test]
fn promote_writes_the_status_subresource_and_the_sandbox_operator_completes_it() {
    // Paused: keycloak-db stays healthy with keycloak-db-1 primary.
    let sandbox =
        SandboxProcess::start_with(None, &["--recording", "cnpg-failover", "--speed", "0"]);
    let before = cluster_json(&sandbox);
    assert_eq!(before["status"]["currentPrimary"], "keycloak-db-1");

    // --readonly refuses, and nothing changes.
    {
        let t = console("readonly", sandbox.kubeconfig(), &["--readonly"]);
        t.wait_for(&["keycloak-db-3", "Cluster in healthy state", "READONLY"]);
        t.keys(&["j", "j", "P"]);
        t.wait_for(&["read-only mode: promote is disabled"]);
        t.quit();
        assert_eq!(
            cluster_json(&sandbox),
            before,
            "read-only mode changed the Cluster"
        );
    }

    let t = console("promote", sandbox.kubeconfig(), &[]);
    t.wait_for(&["keycloak-db-3", "Cluster in healthy state"]);
    // The primary is refused by the domain, with the reason.
    t.keys(&["P"]);
    t.wait_for(&["promote refused: keycloak-db-1 is already the primary of keycloak-db"]);
    // keycloak-db-3: confirm, then the console patches.
    t.keys(&["j", "j", "P"]);
    t.wait_for(&[
        "Promote keycloak-db-3 to primary of Cluster keycloak/keycloak-db?",
        "type keycloak-db-3 to confirm",
    ]);
    // A promote needs the instance's name typed: `y` or Enter alone do nothing.
    t.keys(&["Enter"]);
    t.wait_for(&["type keycloak-db-3 and press enter to confirm"]);
    t.text("keycloak-db-3");
    t.keys(&["Enter"]);
    // The API server took the request; the operator has to act on it.
    t.wait_for(&["switchover to keycloak-db-3 requested; waiting for the operator"]);
    // The watch brings the change back to the pane.
    let switching = t.wait_for(&[
        "keycloak-db-1 (switching to keycloak-db-3)",
        "Switchover in progress",
    ]);
    assert!(!switching.contains(": done"), "{switching}");
    // The sandbox plays the operator: the switchover completes, the console says so.
    let done = t.wait_for(&[
        "switchover done: keycloak-db-3 is the primary of keycloak/keycloak-db",
        "promoted keycloak-db-3 (timeline 1 → 2)",
    ]);
    let phase = done
        .lines()
        .find(|l| l.contains("Phase "))
        .unwrap_or_default();
    assert!(phase.contains("Cluster in healthy state"), "{done}");
    t.quit();

    let after = cluster_json(&sandbox);
    // The console wrote what `kubectl cnpg promote` writes (targetPrimary and its
    // timestamp); the operator then completed the switchover.
    assert_eq!(after["status"]["targetPrimary"], "keycloak-db-3");
    assert_ne!(
        after["status"]["targetPrimaryTimestamp"],
        before["status"]["targetPrimaryTimestamp"]
    );
    assert_eq!(after["status"]["currentPrimary"], "keycloak-db-3");
    assert_eq!(after["status"]["phase"], "Cluster in healthy state");
    assert_eq!(
        after["status"]["timelineID"],
        before["status"]["timelineID"].as_i64().unwrap_or(0) + 1
    );
    let roles = sandbox.kubectl_ok(&[
        "get",
        "pods",
        "-n",
        "keycloak",
        "-l",
        "cnpg.io/instanceRole=primary",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ]);
    assert_eq!(roles, "keycloak-db-3");
    // Nothing else: spec, generation, labels, annotations… only the resourceVersion moved.
    assert_eq!(after["spec"], before["spec"], "spec changed");
    assert_eq!(
        changed_keys(&before["metadata"], &after["metadata"]),
        ["resourceVersion"],
        "metadata before: {}\nmetadata after: {}",
        before["metadata"],
        after["metadata"]
    );
    assert_eq!(
        changed_keys(&before, &after),
        ["metadata", "status"],
        "top-level fields"
    );
    let got = sandbox.kubectl_ok(&[
        "get",
        "clusters.postgresql.cnpg.io",
        "-n",
        "keycloak",
        "keycloak-db",
        "-o",
        "jsonpath={.metadata.generation}|{.status.targetPrimary}",
    ]);
    assert_eq!(
        got,
        format!("{}|keycloak-db-3", before["metadata"]["generation"])
    );
}
