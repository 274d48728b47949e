//! Day-2 work on one object, end to end in tmux against the real control plane of
//! `scripts/cluster up` (issue #23 part 2): `e` edits in a scripted `$VISUAL` (a conflict
//! made between open and save reopens the editor with the error; an unchanged file changes
//! nothing; `--readonly` refuses), `x` shows a Deployment's ReplicaSet and pods, `W`
//! explains a pod that tolerates no taint against the kwok node pools, and `c` puts the name
//! on the clipboard through OSC 52 (tmux with `set-clipboard on` keeps it as a buffer).
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them).

mod common;

use std::path::Path;
use std::time::Duration;

use common::cluster::RealCluster;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(60);

fn console(c: &RealCluster, name: &str, ns: &str, extra: &[&str], env: &[(&str, &str)]) -> Tmux {
    let kubeconfig = c.kubeconfig().display().to_string();
    let mut args = vec![
        "--kubeconfig",
        &kubeconfig,
        "--context",
        c.admin_context(),
        "-n",
        ns,
    ];
    args.extend_from_slice(extra);
    let t = Tmux::start_env(name, &args, env, (160, 45), WAIT);
    t.wait_for(&["● connected"]);
    t
}

fn deployment(c: &RealCluster, ns: &str, name: &str) {
    c.kubectl_ok(&["-n", ns, "create", "deployment", name, "--image=nginx:1.27"]);
    c.kubectl_ok(&[
        "-n",
        ns,
        "rollout",
        "status",
        &format!("deployment/{name}"),
        "--timeout=90s",
    ]);
}

fn field(c: &RealCluster, ns: &str, what: &str, path: &str) -> String {
    c.kubectl_ok(&["-n", ns, "get", what, "-o", &format!("jsonpath={path}")])
}

/// A `$VISUAL` that keeps a copy of every file it is given (`open-N.yaml`) and runs the
/// script's step N on it.
fn editor(dir: &Path, steps: &[&str]) -> String {
    let mut script = format!(
        "#!/bin/sh\nset -e\nd={}\nn=$(cat \"$d/count\" 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > \"$d/count\"\ncp \"$1\" \"$d/open-$n.yaml\"\ncase $n in\n",
        dir.display()
    );
    for (i, s) in steps.iter().enumerate() {
        script.push_str(&format!("{}) {s} ;;\n", i + 1));
    }
    script.push_str("esac\n");
    let path = dir.join("editor.sh");
    std::fs::write(&path, script).expect("write editor");
    let _ = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&path)
        .status();
    path.display().to_string()
}

#[test]
fn edit_conflict_unchanged_and_readonly() {
    let c = RealCluster::from_env();
    let ns = c.namespace("edit");
    let ns = ns.name();
    deployment(&c, ns, "web");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubectl = format!(
        "{} --kubeconfig {} --context {}",
        std::env::var("OPSDECK_TEST_CLUSTER_KUBECTL").expect("OPSDECK_TEST_CLUSTER_KUBECTL"),
        c.kubeconfig().display(),
        c.admin_context()
    );
    // 1: someone else annotates the Deployment while the file is open, and the user scales
    //    to 3 → conflict, reopened; 2: the user saves the reopened file as it is;
    // 3: (second `e`) the file is saved unchanged.
    let visual = editor(
        dir.path(),
        &[
            &format!(
                "{kubectl} -n {ns} annotate deployment web other=change >/dev/null; sed -i 's/replicas: 1$/replicas: 3/' \"$1\""
            ),
            "true",
            "true",
        ],
    );
    let t = console(&c, "edit", ns, &["-c", "deploy"], &[("VISUAL", &visual)]);
    t.wait_for(&["deployments", "web", "1/1"]);
    t.keys(&["e"]);
    t.wait_for(&["edit deployment", "saved"]);
    let first = std::fs::read_to_string(dir.path().join("open-1.yaml")).expect("open-1");
    assert!(first.starts_with("# Edit the object"), "{first}");
    assert!(
        !first.contains("managedFields:") && !first.contains("\nstatus:"),
        "{first}"
    );
    assert!(first.contains("resourceVersion:"), "{first}");
    let second = std::fs::read_to_string(dir.path().join("open-2.yaml")).expect("open-2");
    assert!(
        second.contains("# The last save was not applied:"),
        "{second}"
    );
    assert!(second.contains("409 Conflict"), "{second}");
    assert!(second.contains("replicas: 3"), "{second}");
    // The other change is kept: the user's edit went over the newest version.
    assert_eq!(field(&c, ns, "deployment/web", "{.spec.replicas}"), "3");
    assert_eq!(
        field(&c, ns, "deployment/web", "{.metadata.annotations.other}"),
        "change"
    );

    // Unchanged file: nothing is written (same resourceVersion).
    let rv = field(&c, ns, "deployment/web", "{.metadata.resourceVersion}");
    t.keys(&["e"]);
    t.wait_for(&["no changes"]);
    assert!(dir.path().join("open-3.yaml").exists());
    assert_eq!(
        field(&c, ns, "deployment/web", "{.metadata.resourceVersion}"),
        rv
    );
    t.quit();

    // --readonly: refused with a plain message, the editor never runs.
    let t = console(
        &c,
        "edit-ro",
        ns,
        &["--readonly", "-c", "deploy"],
        &[("VISUAL", &visual)],
    );
    t.wait_for(&["deployments", "web"]);
    t.keys(&["e"]);
    t.wait_for(&["read-only mode: edit is disabled"]);
    assert!(!dir.path().join("open-4.yaml").exists());
    t.quit();
}

#[test]
fn xray_of_a_deployment_shows_its_replicaset_and_pods() {
    let c = RealCluster::from_env();
    let ns = c.namespace("xray");
    let ns = ns.name();
    deployment(&c, ns, "shop");
    c.kubectl_ok(&["-n", ns, "scale", "deployment/shop", "--replicas=2"]);
    c.kubectl_ok(&[
        "-n",
        ns,
        "rollout",
        "status",
        "deployment/shop",
        "--timeout=90s",
    ]);
    let rs = c.kubectl_ok(&[
        "-n",
        ns,
        "get",
        "rs",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let t = console(&c, "xray", ns, &["-c", "deploy"], &[]);
    t.wait_for(&["deployments", "shop", "2/2"]);
    t.keys(&["x"]);
    let s = t.wait_until("the tree with two running pods", |s| {
        s.lines()
            .filter(|l| l.contains("└─ ✓ Pod shop-") && l.contains("Running"))
            .count()
            == 2
    });
    assert!(
        s.contains("✓ Deployment") && s.contains("shop  2/2 ready"),
        "{s}"
    );
    assert!(
        s.contains(&format!("└─ ✓ ReplicaSet {rs}  2/2 ready")),
        "{s}"
    );
    // Enter on the ReplicaSet line describes it.
    t.keys(&["j", "Enter"]);
    t.wait_for(&[&format!("describe replicaset {ns}/{rs}")]);
    t.quit();
}

#[test]
fn why_pending_explains_a_pod_that_tolerates_no_taint() {
    let c = RealCluster::from_env();
    let ns = c.namespace("pending");
    let ns = ns.name();
    // Wants the database pool (nodeSelector) but does not tolerate its taint.
    c.kubectl_stdin_ok(
        &["-n", ns, "apply", "-f", "-"],
        r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pg"},
            "spec": {"nodeSelector": {"workload-type": "database"},
                     "containers": [{"name": "pg", "image": "postgres:17",
                                     "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}}}]}}"#,
    );
    c.poll("the scheduler to give up on pod pg", |c| {
        let reason = field(c, ns, "pod/pg", "{.status.conditions[0].reason}");
        (reason == "Unschedulable").then_some(())
    });
    // The console opens on the pods of `-n` (a `-c po` would reopen the table once
    // discovery answers, closing a panel opened before).
    let t = console(&c, "pending", ns, &[], &[]);
    t.wait_for(&["pods", "pg", "Pending"]);
    t.keys(&["W"]);
    let s = t.wait_for(&[
        "why pending pg",
        "is Pending; it requests 0.25 CPU and 256 MiB",
        "The scheduler says:",
        "that the pod does not tolerate",
        "✗ database (2 nodes)",
        "✗ taints: not tolerated: workload-type=database:NoSchedule",
        "✗ labels: no node matches nodeSelector workload-type=database",
        "Verdict: no pool can run it",
    ]);
    assert!(
        s.contains("✗ apps (3 nodes)") && s.contains("✗ infra (3 nodes)"),
        "{s}"
    );
    // From the describe view too.
    t.keys(&["Escape", "d"]);
    t.wait_for(&["describe pod"]);
    t.keys(&["W"]);
    t.wait_for(&["why pending pg", "Verdict: no pool can run it"]);
    t.quit();
}

#[test]
fn copy_name_reaches_the_clipboard_through_osc52() {
    let c = RealCluster::from_env();
    let ns = c.namespace("copy");
    let ns = ns.name();
    deployment(&c, ns, "clip-me");
    let t = console(&c, "copy", ns, &["-c", "deploy"], &[]);
    let set = t.tmux(&["set-option", "-g", "set-clipboard", "on"]);
    assert!(set.status.success(), "{set:?}");
    t.wait_for(&["deployments", "clip-me"]);
    t.keys(&["c"]);
    t.wait_for(&["copied name clip-me to the clipboard"]);
    let buffer = t.wait_until_buffer("clip-me");
    assert_eq!(buffer, "clip-me");
    t.quit();
}

trait Buffer {
    fn wait_until_buffer(&self, want: &str) -> String;
}

impl Buffer for Tmux {
    /// tmux keeps what an application copies with OSC 52 as its newest paste buffer.
    fn wait_until_buffer(&self, want: &str) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let out = self.tmux(&["show-buffer"]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if text == want || std::time::Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
