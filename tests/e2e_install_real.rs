//! The full-screen install wizard (`opsdeck install`, no `--config`) in a real terminal
//! (tmux) against the real control plane of `scripts/cluster up`, with the default keys:
//! cluster → age key → Argo CD → apps into a namespace of its own. The Argo CD manifest
//! carries a CRD with a real structural schema and a Widget it refuses: the real API
//! server's validation message shows on the failed step, naming each field; the state file
//! keeps the steps done and the failure; the manifest fixed, `r` retries and the wizard goes
//! on. Then kubectl (`OPSDECK_TEST_KUBECTL`) finds what the wizard created, and the answers
//! it saved re-run without a screen as "already in place" for every step, changing nothing.
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them) and tmux; fails loudly without.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::argocd::{BAD_WIDGET, GOOD_WIDGET, Installed, manifest_with_widget};
use common::cluster::RealCluster;
use common::tmux::Tmux;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(120);
const SECRET: &str = "helm-secrets-private-keys";

/// Every screen seen while waiting, to check none shows the private key.
struct Seen<'a> {
    t: &'a Tmux,
    screens: Vec<String>,
}

impl Seen<'_> {
    fn until(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let seen = self.t.record_until(what, done);
        let last = seen.last().cloned().unwrap_or_default();
        self.screens.extend(seen);
        last
    }

    fn wait_for(&mut self, needles: &[&str]) -> String {
        self.until(&format!("{needles:?}"), |s| {
            needles.iter().all(|n| s.contains(n))
        })
    }

    /// Replaces the focused input's text.
    fn retype(&self, text: &str) {
        self.t.keys(&["C-u"]);
        self.t.text(text);
    }

    /// A step's plan preview, then Enter applies it. The shared cluster may hold the Argo
    /// CD CRDs already (another test installed them): then the wizard asks, and force takes
    /// them over (as the CLI tests configure with `argocd.existing = "force"`).
    fn apply_preview(&mut self) {
        let s = self.until("the plan preview or its question", |s| {
            s.contains("<enter> apply these changes") || s.contains("<2> force")
        });
        if s.contains("<2> force") && !s.contains("<enter> apply these changes") {
            self.t.keys(&["2"]);
            self.wait_for(&["chosen: force", "<enter> apply these changes"]);
        }
        self.t.keys(&["Enter"]);
    }
}

/// The state file of the wizard's install, parsed.
fn state_file(data: &Path) -> Value {
    let dir = data.join("install");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(files.len(), 1, "one state file: {files:?}");
    serde_json::from_str(&std::fs::read_to_string(&files[0]).expect("state")).expect("JSON")
}

/// resourceVersions of what the install put in its namespace (the re-run must keep them).
fn versions(c: &RealCluster, ns: &str) -> Vec<(String, String)> {
    let v = c.kubectl_json(&[
        "-n",
        ns,
        "get",
        "deploy,sts,svc,sa,cm,secret,role,rolebinding,applications.argoproj.io,widgets.schema.opsdeck.test",
    ]);
    let mut out: Vec<(String, String)> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| {
            (
                format!("{}/{}", o["kind"], o["metadata"]["name"]),
                o["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn wizard_installs_into_the_real_control_plane_and_names_what_the_schema_refuses() {
    let c = RealCluster::from_env();
    let ns = format!("wizard-real-{}", std::process::id());
    let guard = Installed {
        cluster: &c,
        ns: ns.clone(),
    };
    let dir = tempfile::tempdir().expect("tmp");
    let gitops = dir.path().join("gitops");
    let saved = dir.path().join("install.toml");
    let data = dir.path().join("data");
    let manifest = manifest_with_widget(dir.path(), &ns, BAD_WIDGET);
    let kubeconfig = c.kubeconfig().display().to_string();
    let data_env = data.display().to_string();
    let home = dir.path().display().to_string();
    let t = Tmux::start_env(
        "install-real",
        &[
            "install",
            "--kubeconfig",
            &kubeconfig,
            "--context",
            c.admin_context(),
        ],
        &[
            ("OPSDECK_DATA_DIR", data_env.as_str()),
            ("HOME", home.as_str()),
        ],
        (160, 50),
        WAIT,
    );
    let mut seen = Seen {
        t: &t,
        screens: Vec::new(),
    };

    // 1. Cluster: the admin context, probed on the real API server.
    seen.wait_for(&["Step 1/4 · Cluster", "✓ reachable: Kubernetes v1.37"]);
    t.keys(&["Enter"]);
    seen.wait_for(&["1 Cluster   done"]);
    t.keys(&["Enter"]);

    // 2. Age key: our namespace and a GitOps folder in the temp dir.
    seen.wait_for(&["Step 2/4 · Age key — answers", SECRET]);
    seen.retype(&ns);
    t.keys(&["Tab", "Tab", "Tab"]);
    seen.retype(&gitops.display().to_string());
    t.keys(&["Enter"]);
    seen.wait_for(&["plan preview", &format!("+ create    Namespace {ns}")]);
    seen.apply_preview();
    seen.wait_for(&["2 Age key   done"]);
    t.keys(&["Enter"]);

    // 3. Argo CD with the Widget the schema refuses: the API server's words, per field.
    seen.wait_for(&["Step 3/4 · Argo CD — answers", "Manifest"]);
    seen.retype(&manifest.display().to_string());
    t.keys(&["Tab"]);
    seen.retype("0s");
    t.keys(&["Enter"]);
    seen.apply_preview();
    let failed = seen.wait_for(&["✗ Failed:", "r retries the step"]);
    let flat: String = failed.split_whitespace().collect::<Vec<_>>().join(" ");
    // The real API server's server-side apply refuses the string where the schema types an
    // integer, naming the field.
    for said in [
        "✗ Failed: apply Widget",
        "/dashboard",
        ".spec.size: expected numeric (int or float), got string",
    ] {
        assert!(
            flat.contains(said),
            "the failure does not say {said:?}:\n{failed}"
        );
    }
    assert!(!flat.contains("Status {"), "a debug dump:\n{failed}");
    // Nothing lost: the state file has steps 1 and 2 done and the failure recorded.
    let state = state_file(&data);
    assert_eq!(state["steps"]["cluster"]["status"], "done", "{state}");
    assert_eq!(state["steps"]["age_key"]["status"], "done", "{state}");
    assert_eq!(state["steps"]["argo_cd"]["status"], "failed", "{state}");
    let key_before = c.kubectl_json(&["-n", &ns, "get", "secret", SECRET])["data"].clone();

    // The manifest fixed: r retries the step with the answers kept.
    manifest_with_widget(dir.path(), &ns, GOOD_WIDGET);
    t.keys(&["r"]);
    seen.apply_preview();
    seen.wait_for(&["3 Argo CD   done"]);
    t.keys(&["Enter"]);

    // 4. Apps: the catalog as offered; preview, apply.
    seen.wait_for(&["Step 4/4 · Apps — answers", "kube-prometheus-stack"]);
    t.keys(&["Enter"]);
    seen.wait_for(&["plan preview", "gitops/apps/dev/cert-manager.yaml"]);
    seen.apply_preview();
    seen.wait_for(&["4 Apps      done"]);
    t.keys(&["Enter"]);

    // Summary: save the answers; close.
    seen.wait_for(&[
        "kubectl --kubeconfig",
        "argocd-initial-admin-secret",
        "public key age1",
    ]);
    seen.retype(&saved.display().to_string());
    t.keys(&["Enter"]);
    seen.wait_for(&["saved "]);
    t.keys(&["Escape"]);
    seen.wait_for(&["OPSDECK-EXITED 0"]);

    // What the real API server holds.
    let key = c.kubectl_json(&["-n", &ns, "get", "secret", SECRET]);
    assert!(key["data"]["key.txt"].is_string(), "{key}");
    assert_eq!(key["data"], key_before, "the retry changed the key Secret");
    let cm = c.kubectl_json(&["-n", &ns, "get", "configmap", "argocd-cm"]);
    assert!(
        cm["data"]["resource.customizations.health.argoproj.io_Application"].is_string(),
        "{cm}"
    );
    let root = c.kubectl_json(&["-n", &ns, "get", "applications.argoproj.io", "root"]);
    assert_eq!(root["spec"]["source"]["path"], "apps/dev", "{root}");
    let widget = c.kubectl_json(&["-n", &ns, "get", "widgets.schema.opsdeck.test", "dashboard"]);
    assert_eq!(widget["spec"]["size"], 3, "{widget}");
    for d in ["argocd-server", "argocd-repo-server", "argocd-redis"] {
        c.kubectl_ok(&["-n", &ns, "get", "deploy", d]);
    }
    assert!(gitops.join(".sops.yaml").exists());
    let needles = common::age_key_needles_from(&key);
    for s in &seen.screens {
        common::assert_no_age_key("a wizard screen", s, &needles);
    }

    // The saved answers again, without a screen: every step in place, nothing changed.
    let before = versions(&c, &ns);
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("install")
        .arg("--config")
        .arg(&saved)
        .arg("--yes")
        .env_remove("KUBECONFIG")
        .env("OPSDECK_DATA_DIR", &data)
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("opsdeck install --config runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("already in place").count(), 4, "{stdout}");
    assert!(!stdout.contains("plan for step"), "{stdout}");
    assert_eq!(versions(&c, &ns), before, "the re-run changed the cluster");
    drop(guard);
}
