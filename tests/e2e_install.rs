//! The interactive install wizard end to end in a real terminal (tmux): `opsdeck install`
//! (no `--config`) against `opsdeck sandbox`, through all four steps with the fixture Argo CD
//! manifest (no network); then the real kubectl finds the namespace, the key Secret, the
//! CRDs, the argocd-cm customization and the root Application; the answers saved from the
//! summary re-run without a screen (`--config … --yes`) as a no-op for Argo CD and apps; no
//! screen ever shows the age private key.
//!
//! The binary is `$OPSDECK_BIN`, else the one `cargo test` builds. kubectl is
//! `$OPSDECK_TEST_KUBECTL`, else the one built from tests/cluster/; tmux is required.

mod common;

use std::path::Path;

use base64::Engine as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::SandboxProcess;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(90);

const RECORDING: &str = r#"
apiVersion: opsdeck.dev/v1
kind: Recording
metadata:
  name: install-target
  kubernetesVersion: v1.31.0
objects:
  - {apiVersion: v1, kind: Node, metadata: {name: node-a}}
"#;

/// Every screen seen while waiting, to check none shows the private key.
struct Seen<'a> {
    t: &'a Tmux,
    screens: Vec<String>,
}

impl Seen<'_> {
    fn wait_for(&mut self, needles: &[&str]) -> String {
        let seen = self.t.record_until(&format!("{needles:?}"), |s| {
            needles.iter().all(|n| s.contains(n))
        });
        let last = seen.last().cloned().unwrap_or_default();
        self.screens.extend(seen);
        last
    }

    /// Replaces the focused input's text.
    fn retype(&self, text: &str) {
        self.t.keys(&["C-u"]);
        self.t.text(text);
    }
}

#[test]
fn interactive_wizard_installs_into_the_sandbox() {
    let sb = SandboxProcess::with_recording(RECORDING);
    let dir = tempfile::tempdir().expect("tmp");
    let gitops = dir.path().join("gitops");
    let saved = dir.path().join("install.toml");
    let manifest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/install/argocd-install.yaml");
    let kubeconfig = sb.kubeconfig().display().to_string();
    let t = Tmux::start("install", &["install", "--kubeconfig", &kubeconfig], WAIT);
    let mut seen = Seen {
        t: &t,
        screens: Vec::new(),
    };

    // 1. Cluster: the kubeconfig's context, probed reachable; nothing to change.
    seen.wait_for(&[
        "Step 1/4 · Cluster",
        "✓ reachable: Kubernetes v1.31.0, 1 nodes",
    ]);
    t.keys(&["Enter"]);
    seen.wait_for(&["✓ Done: already in place: context", "1 Cluster   done"]);
    t.keys(&["Enter"]);

    // 2. Age key: the GitOps folder in the temp dir; preview, apply.
    seen.wait_for(&["Step 2/4 · Age key — answers", "helm-secrets-private-keys"]);
    t.keys(&["Tab", "Tab", "Tab"]);
    seen.retype(&gitops.display().to_string());
    t.keys(&["Enter"]);
    seen.wait_for(&[
        "plan preview",
        "+ create    Namespace argo",
        "<enter> apply these changes",
    ]);
    t.keys(&["Enter"]);
    seen.wait_for(&["✓ Done:", "2 Age key   done"]);
    t.keys(&["Enter"]);

    // 3. Argo CD: the fixture manifest, no rollout wait; a bad timeout is named first.
    seen.wait_for(&["Step 3/4 · Argo CD — answers", "Manifest"]);
    seen.retype(&manifest.display().to_string());
    t.keys(&["Tab"]);
    seen.retype("soon");
    seen.wait_for(&["✗ \"soon\" is not a duration like 30s, 5m or 1h"]);
    seen.retype("0s");
    t.keys(&["Enter"]);
    seen.wait_for(&[
        "plan preview",
        "+ create    CustomResourceDefinition applications.argoproj.io",
    ]);
    t.keys(&["Enter"]);
    seen.wait_for(&["✓ Done: Argo CD applied in argo", "3 Argo CD   done"]);
    t.keys(&["Enter"]);

    // 4. Apps: the catalog checklist with the seeds' waves; preview, apply.
    seen.wait_for(&["Step 4/4 · Apps — answers", "kube-prometheus-stack", "-10"]);
    t.keys(&["Enter"]);
    seen.wait_for(&[
        "plan preview",
        "+ create    file",
        "gitops/apps/dev/cert-manager.yaml",
        "argocd.argoproj.io/sync-wave: \"-5\"",
    ]);
    t.keys(&["Enter"]);
    seen.wait_for(&["✓ Done:", "4 Apps      done"]);
    t.keys(&["Enter"]);

    // Summary: how to reach Argo CD; save the answers for CI; close.
    // The commands name the kubeconfig and context the install used.
    seen.wait_for(&[
        "kubectl --kubeconfig",
        "--context",
        "argocd-initial-admin-secret",
        "public key age1",
    ]);
    seen.retype(&saved.display().to_string());
    t.keys(&["Enter"]);
    seen.wait_for(&["saved "]);
    t.keys(&["Escape"]);
    seen.wait_for(&["OPSDECK-EXITED 0"]);

    for s in &seen.screens {
        assert!(
            !s.contains("AGE-SECRET-KEY"),
            "a screen showed the private key:\n{s}"
        );
    }

    sb.kubectl_ok(&["get", "namespace", "argo"]);
    sb.kubectl_ok(&["-n", "argo", "get", "secret", "helm-secrets-private-keys"]);
    sb.kubectl_ok(&["get", "crd", "applications.argoproj.io"]);
    let cm = sb.kubectl_json(&["-n", "argo", "get", "configmap", "argocd-cm", "-o", "json"]);
    assert!(cm["data"]["resource.customizations.health.argoproj.io_Application"].is_string());
    let root = sb.kubectl_json(&[
        "-n",
        "argo",
        "get",
        "applications.argoproj.io",
        "root",
        "-o",
        "json",
    ]);
    assert_eq!(root["spec"]["source"]["path"], "apps/dev");
    assert!(gitops.join(".sops.yaml").exists());
    // Nor its base64 (the Secret's value, or the bare key's), on any screen.
    let needles = common::age_key_needles(&sb);
    for s in &seen.screens {
        common::assert_no_age_key("a wizard screen", s, &needles);
    }

    // The saved answers run the same install without a screen: Argo CD and apps in place.
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("install")
        .arg("--config")
        .arg(&saved)
        .arg("--yes")
        .env_remove("KUBECONFIG")
        .env("OPSDECK_DATA_DIR", dir.path().join("ci-data"))
        .stdin(Stdio::null())
        .output()
        .expect("opsdeck install --config runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("already in place: Argo CD"), "{stdout}");
    assert!(!stdout.contains("AGE-SECRET-KEY"), "{stdout}");
}

/// `:install` in the console: the wizard takes the screen with the console's context as the
/// cluster answer (probed reachable), and Ctrl-C hands the screen back to the console.
#[test]
fn console_install_command_opens_the_wizard_and_returns() {
    let t = Tmux::start("console-install", &["--sandbox"], WAIT);
    t.wait_for(&["● connected"]);
    t.keys(&[":"]);
    t.text("install");
    t.keys(&["Enter"]);
    let s = t.wait_for(&["Step 1/4 · Cluster — answers", "✓ reachable: Kubernetes"]);
    // The platform recording names its context after the EKS cluster ARN.
    assert!(
        s.contains("(•) arn:aws:eks:eu-west-1:123456789012:cluster/platform-prod"),
        "{s}"
    );
    t.keys(&["C-c"]);
    t.wait_until("the console again", |s| {
        s.contains("● connected") && !s.contains("Step 1/4")
    });
    t.quit();
}

/// The wizard on the `platform` recording, where Argo CD was installed by Helm and the key
/// Secret holds no usable key: the key step asks (keep / replace / import); import asks for
/// the key file on the form (a missing file is named), backs the old Secret up and stores the
/// imported key; the Argo CD step reports the existing install and asks; `q` asks before
/// closing with a plan not applied; stop changes nothing (resourceVersions compared with
/// kubectl); force previews real values, applies, and leaves one redis container.
#[test]
fn wizard_on_a_cluster_with_argocd_asks_and_adopts() {
    let sb = SandboxProcess::platform();
    let dir = tempfile::tempdir().expect("tmp");
    let gitops = dir.path().join("gitops");
    let manifest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/install/argocd-install.yaml");
    let kubeconfig = sb.kubeconfig().display().to_string();
    let t = Tmux::start_sized(
        "install-existing",
        &["install", "--kubeconfig", &kubeconfig],
        (160, 50),
        WAIT,
    );
    let mut seen = Seen {
        t: &t,
        screens: Vec::new(),
    };
    let versions = || {
        let v = sb.kubectl_json(&["-n", "argo", "get", "deploy,cm,secret,svc,sa", "-o", "json"]);
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
    };

    seen.wait_for(&["Step 1/4 · Cluster", "✓ reachable: Kubernetes"]);
    t.keys(&["Enter"]);
    seen.wait_for(&["1 Cluster   done"]);
    t.keys(&["Enter"]);

    // Age key: the recording's Secret holds no usable key: asked, then replaced.
    seen.wait_for(&["Step 2/4 · Age key — answers"]);
    t.keys(&["Tab", "Tab", "Tab"]);
    seen.retype(&gitops.display().to_string());
    t.keys(&["Enter"]);
    seen.wait_for(&[
        "holds no usable key",
        "<1> keep",
        "<2> replace",
        "<3> import",
    ]);
    // 3 = import: the key file is asked on the form and checked as it is typed.
    let import = dir.path().join("import-key.txt");
    let imported = opsdeck::install::agekey::AgeKey::generate();
    imported.save_new(&import).expect("key file to import");
    t.keys(&["3"]);
    seen.wait_for(&["type the key file to import", "Import key file"]);
    t.text(&dir.path().join("nope.txt").display().to_string());
    seen.wait_for(&["does not exist"]);
    seen.retype(&import.display().to_string());
    t.keys(&["Enter"]);
    seen.wait_for(&[
        "helm-secrets-private-keys-backup-<time>",
        "+ the imported key (public key",
        "<enter> apply these changes",
    ]);
    t.keys(&["Enter"]);
    seen.wait_for(&["2 Age key   done"]);
    let secret = sb.kubectl_json(&["-n", "argo", "get", "secret", "helm-secrets-private-keys"]);
    let held = secret["data"]["key.txt"].as_str().unwrap_or("").to_string();
    let held = base64::engine::general_purpose::STANDARD
        .decode(held)
        .expect("base64");
    assert_eq!(
        held,
        imported.file_bytes(),
        "the Secret holds the imported key"
    );
    t.keys(&["Enter"]);

    // Argo CD: found, asked; q asks before closing; stop changes nothing.
    seen.wait_for(&["Step 3/4 · Argo CD — answers", "Manifest"]);
    seen.retype(&manifest.display().to_string());
    t.keys(&["Tab"]);
    seen.retype("0s");
    let before = versions();
    t.keys(&["Enter"]);
    seen.wait_for(&[
        "is already installed in argo",
        "Helm release argocd",
        "<1> adopt",
        "<4> stop",
    ]);
    t.keys(&["q"]);
    seen.wait_for(&["Close the wizard? Step 3 (Argo CD) has a plan not applied"]);
    t.keys(&["n"]);
    t.keys(&["4"]);
    seen.wait_for(&["stopped:", "nothing was changed"]);
    assert_eq!(versions(), before, "stop changed the cluster");

    // Edit, check again, force: real values in the preview, applied, one redis container.
    t.keys(&["e"]);
    t.keys(&["Enter"]);
    seen.wait_for(&["<2> force"]);
    t.keys(&["2"]);
    seen.wait_for(&["chosen: force", "<enter> apply these changes"]);
    // The preview is long: page down to the redis Deployment's diff.
    let mut found = false;
    for _ in 0..40 {
        let screen = t.screen();
        if screen.contains("- spec.template.spec.containers[name=redis]")
            && screen.contains("+ spec.template.spec.containers[name=argocd-redis]")
        {
            found = true;
            break;
        }
        t.keys(&["Down"]);
    }
    assert!(found, "no container diff in the preview:\n{}", t.screen());
    t.keys(&["Enter"]);
    seen.wait_for(&["3 Argo CD   done"]);
    let redis = sb.kubectl_json(&["-n", "argo", "get", "deploy", "argocd-redis", "-o", "json"]);
    let names: Vec<&str> = redis["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, vec!["argocd-redis"]);
    // Nothing half done: q closes at once.
    t.keys(&["q"]);
    seen.wait_for(&["OPSDECK-EXITED 0"]);
    let needles = common::age_key_needles(&sb);
    for s in &seen.screens {
        common::assert_no_age_key("a wizard screen", s, &needles);
    }
}
