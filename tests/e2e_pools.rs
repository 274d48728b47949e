//! The node pools pane end to end in a real terminal (tmux), against `--sandbox` (the
//! embedded platform recording: pools infra×3, apps×3, database×2 tainted, across three
//! zones, EKS cluster platform-prod whose node groups the sandbox serves): `:pools` shows
//! the pools, their zones, the database taint and the EKS scaling numbers; Enter drills pool →
//! nodes → pods; `s` changes a node group's scaling through a confirmation and the new
//! numbers show; `--readonly` refuses it.
//!
//! The binary is `$OPSDECK_BIN`, else `target/release/opsdeck` (scripts/test builds it).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Generous liveness deadline for each screen.
const WAIT: Duration = Duration::from_secs(60);

fn binary() -> PathBuf {
    let bin = std::env::var_os("OPSDECK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/opsdeck")
        });
    assert!(
        bin.exists(),
        "opsdeck binary not found at {} — build it with `cargo build --release` (scripts/test does) or set OPSDECK_BIN",
        bin.display()
    );
    bin
}

/// A tmux server on its own socket running the console, killed on drop.
struct Tmux {
    socket: String,
    _dir: tempfile::TempDir,
}

impl Tmux {
    fn start(name: &str, args: &str) -> Tmux {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = format!("opsdeck-pools-{}-{name}", std::process::id());
        // AWS_* variables of the environment must not steer the sandbox's EKS settings.
        let cmd = format!(
            "env -u AWS_PROFILE -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_EKS OPSDECK_DATA_DIR={d}/data OPSDECK_CONFIG_DIR={d}/config AWS_CONFIG_FILE={d}/aws-config AWS_SHARED_CREDENTIALS_FILE={d}/aws-credentials NO_COLOR= {bin} --sandbox {args}; echo OPSDECK-EXITED $?; sleep 600",
            d = dir.path().display(),
            bin = binary().display(),
        );
        let t = Tmux { socket, _dir: dir };
        let out = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "160",
            "-y",
            "45",
            &cmd,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed (is tmux installed?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux: {e} (tmux is required for this test)"))
    }

    /// Sends tmux key names (`Enter`, `Escape`, `C-u`) or single characters.
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "main", k]);
            // A lone Escape followed at once by a key reads as Alt-key.
            let pause = if *k == "Escape" { 300 } else { 80 };
            std::thread::sleep(Duration::from_millis(pause));
        }
    }

    /// Types text literally.
    fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "main", "-l", text]);
        std::thread::sleep(Duration::from_millis(100));
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    /// Polls the screen until every needle shows, or fails with the screen.
    fn wait_for(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let s = self.screen();
            if needles.iter().all(|n| s.contains(n)) {
                return s;
            }
            if s.contains("OPSDECK-EXITED") || Instant::now() > deadline {
                panic!("waiting for {needles:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `:pools`, then the pools with their EKS data.
    fn open_pools(&self) -> String {
        self.wait_for(&["● connected"]);
        self.keys(&[":"]);
        self.text("pools");
        self.keys(&["Enter"]);
        self.wait_for(&[
            "pools[3]",
            "EKS platform-prod",
            "ACTIVE 2/3/6",
            "ACTIVE 2/2/3",
        ])
    }

    fn quit(&self) {
        self.keys(&["C-c"]);
        self.wait_for(&["OPSDECK-EXITED 0"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
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
    let t = Tmux::start("main", "");
    let s = t.open_pools();
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
    let t = Tmux::start("readonly", "--readonly");
    // (The header's `[read-only]` is beyond the long ARN context at this width.)
    let s = t.open_pools();
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
