//! RBAC as users have it, on the real control plane of `scripts/cluster up`: the `view`
//! context is a bearer-token user (`viewer`) with the `view` ClusterRole bound in namespace
//! `view` only (and, for these tests, in a namespace of their own).
//!
//! - The console lands in the context's namespace, reads it, says in words what it may not
//!   read ("forbidden: user viewer cannot list pods at the cluster scope"), the panes degrade
//!   in words, and mutating actions show the API server's 403 in the status line.
//! - `opsdeck install --config` as that user names every missing permission
//!   (SelfSubjectAccessReview) and applies nothing; as admin the check passes.
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them); fails loudly without them.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::cluster::RealCluster;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(60);

/// Binds the `view` ClusterRole to the restricted user in `ns` (as `scripts/cluster` does in
/// namespace `view`).
fn let_viewer_read(c: &RealCluster, ns: &str) {
    c.kubectl_ok(&[
        "-n",
        ns,
        "create",
        "rolebinding",
        "viewer-view",
        "--clusterrole=view",
        "--user=viewer",
    ]);
}

#[test]
fn view_user_lands_reads_and_is_denied_in_words() {
    let c = RealCluster::from_env();
    let ns = c.namespace("rbac");
    let ns = ns.name();
    let_viewer_read(&c, ns);
    c.kubectl_ok(&[
        "-n",
        ns,
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
    ]);
    c.kubectl_ok(&[
        "-n",
        ns,
        "rollout",
        "status",
        "deployment/web",
        "--timeout=90s",
    ]);
    // The view user sees it the same way with kubectl.
    let out = c.kubectl_as(c.view_context(), &["-n", ns, "get", "deployment", "web"]);
    assert!(out.status.success(), "{out:?}");

    let kubeconfig = c.kubeconfig().display().to_string();
    let t = Tmux::start(
        "rbac",
        &["--kubeconfig", &kubeconfig, "--context", c.view_context()],
        WAIT,
    );
    // Lands in the context's namespace, which it may read: no error anywhere.
    let s = t.wait_for(&[
        "user viewer",
        "● connected",
        &format!("pods({})", c.view_namespace()),
    ]);
    t.wait_until("the pods table to load without an error", |s| {
        s.contains(&format!("pods({})[", c.view_namespace()))
    });
    let s2 = t.screen();
    for bad in ["forbidden", "stale", "error", "cannot"] {
        assert!(
            !s2.to_lowercase().contains(bad),
            "{bad:?} on the landing screen:\n{s}\n{s2}"
        );
    }

    // Every namespace: the table says in words what the user may not do.
    t.keys(&["0"]);
    let s = t.wait_for(&["forbidden: user viewer cannot list pods at the cluster scope"]);
    assert!(
        s.contains("pick a namespace you may read"),
        "no way out named:\n{s}"
    );
    // One line says it: no repeated error lines.
    let n = s.matches("forbidden: user viewer").count();
    assert!(n <= 2, "the denial is shown {n} times:\n{s}");

    // A namespace it may read: the pods of the Deployment.
    t.keys(&[":"]);
    t.text(&format!("ns {ns}"));
    t.keys(&["Enter"]);
    t.wait_for(&[&format!("pods({ns})"), "web-", "Running"]);

    // Deleting a pod: the API's 403 in the status line, the table stays.
    t.keys(&["C-d"]);
    t.wait_for(&["Delete pod", "Confirm"]);
    t.keys(&["y"]);
    let s = t.wait_for(&["forbidden: user viewer cannot delete pods web-"]);
    assert!(s.contains(&format!("in namespace {ns}")), "{s}");
    assert!(s.contains("Running"), "the table broke:\n{s}");

    // Scale and restart of the Deployment: 403s in words too.
    t.keys(&[":"]);
    t.text("deploy");
    t.keys(&["Enter"]);
    t.wait_for(&[&format!("deployments({ns})"), "web"]);
    t.keys(&["r"]);
    t.wait_for(&["Restart deployment"]);
    t.keys(&["y"]);
    t.wait_for(&["forbidden: user viewer cannot patch deployments.apps web"]);
    t.keys(&["s"]);
    t.wait_for(&[&format!("scale deployment {ns}/web (now 1) to:")]);
    t.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    t.text("3");
    t.keys(&["Enter"]);
    t.wait_for(&["Scale deployment"]);
    t.keys(&["y"]);
    t.wait_for(&["forbidden: user viewer cannot patch deployments.apps"]);
    // The Deployment is unchanged.
    let replicas = c.kubectl_ok(&[
        "-n",
        ns,
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.replicas}",
    ]);
    assert_eq!(replicas.trim(), "1");

    // Panes degrade in words: node pools without node access.
    t.keys(&["Escape", ":"]);
    t.text("pools");
    t.keys(&["Enter"]);
    let s = t.wait_for(&[
        "forbidden: user viewer cannot list nodes at the cluster scope: node pools need get/list/watch on nodes",
    ]);
    assert!(!s.contains("no nodes"), "{s}");

    // Waves and CNPG: the CRD is absent (said so) or present and forbidden (said so); the
    // shared cluster may have either, other tests install Argo CD.
    for (command, absent, plural) in [
        (
            "waves",
            "serves no applications.argoproj.io",
            "applications.argoproj.io",
        ),
        (
            "cnpg",
            "CloudNativePG is not installed",
            "clusters.postgresql.cnpg.io",
        ),
    ] {
        t.keys(&["Escape", ":"]);
        t.text(command);
        t.keys(&["Enter"]);
        let denied = format!("forbidden: user viewer cannot list {plural}");
        t.wait_until(&format!(":{command} in words"), |s| {
            s.contains(absent) || s.contains(&denied)
        });
    }
    // Metrics: looking for Prometheus needs a cluster-wide list of Services.
    t.keys(&["Escape", ":"]);
    t.text("metrics");
    t.keys(&["Enter"]);
    t.wait_for(&["forbidden: user viewer cannot list services at the cluster scope"]);
    t.quit();
}

/// The install configuration of the documented example, with its own Argo CD namespace.
fn install_config(dir: &Path, namespace: &str) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/install");
    let text = std::fs::read_to_string(fixtures.join("install.toml"))
        .expect("install.toml")
        .replace(
            "manifest = \"argocd-install.yaml\"",
            &format!(
                "manifest = {:?}",
                fixtures.join("argocd-install.yaml").display().to_string()
            ),
        )
        .replace(
            "namespace = \"argo\"",
            &format!("namespace = {namespace:?}"),
        )
        .replace(
            "path = \"gitops\"",
            &format!("path = {:?}", dir.join("gitops").display().to_string()),
        );
    let path = dir.join("install.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Sets the kubeconfig's current context (the install config names none): a copy of the
/// cluster's kubeconfig.
fn kubeconfig_with_current(c: &RealCluster, dir: &Path, context: &str) -> PathBuf {
    let path = dir.join(format!("kubeconfig-{context}"));
    std::fs::copy(c.kubeconfig(), &path).expect("copy kubeconfig");
    let out = Command::new(common::kubectl_path())
        .args(["config", "use-context", context, "--kubeconfig"])
        .arg(&path)
        .output()
        .expect("kubectl");
    assert!(out.status.success(), "{out:?}");
    path
}

#[test]
fn install_as_view_user_names_every_missing_permission_and_applies_nothing() {
    let c = RealCluster::from_env();
    let dir = tempfile::tempdir().expect("tmp");
    let argo_ns = format!("argo-rbac-{}", std::process::id());
    let config = install_config(dir.path(), &argo_ns);
    let kc = kubeconfig_with_current(&c, dir.path(), c.view_context());
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("install")
        .arg("--config")
        .arg(&config)
        .arg("--yes")
        .env("KUBECONFIG", &kc)
        .env("OPSDECK_DATA_DIR", dir.path().join("data"))
        .stdin(Stdio::null())
        .output()
        .expect("opsdeck install runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the view user installed:\n{text}");
    assert!(text.contains("missing permissions: context view"), "{text}");
    assert!(text.contains("nothing was applied"), "{text}");
    for want in [
        "cannot get, create, patch namespaces at the cluster scope",
        &format!("cannot get, create, patch secrets in namespace {argo_ns}"),
        "cannot get, create, patch customresourcedefinitions.apiextensions.k8s.io at the cluster scope",
        "cannot get, create, patch clusterroles.rbac.authorization.k8s.io at the cluster scope",
        &format!("cannot get, list, create, patch deployments.apps in namespace {argo_ns}"),
        &format!("cannot get, create, patch configmaps in namespace {argo_ns}"),
        &format!("cannot get, create, patch applications.argoproj.io in namespace {argo_ns}"),
        &format!("cannot get, list, create, patch statefulsets.apps in namespace {argo_ns}"),
    ] {
        assert!(text.contains(want), "{want:?} not named:\n{text}");
    }
    // Nothing reached the cluster: no namespace, no key Secret, no CRD of Argo CD's.
    let out = c.kubectl_as(c.admin_context(), &["get", "namespace", &argo_ns]);
    assert!(!out.status.success(), "namespace {argo_ns} was created");
    // No age key was generated either (the check runs before the step applies).
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                files(&e.path(), out);
            } else {
                out.push(e.path());
            }
        }
    }
    let mut left = Vec::new();
    files(&dir.path().join("data/keys"), &mut left);
    assert!(left.is_empty(), "a key was written: {left:?}");
}

#[test]
fn install_as_admin_passes_the_permission_check() {
    let c = RealCluster::from_env();
    let dir = tempfile::tempdir().expect("tmp");
    let argo_ns = format!("argo-rbac-admin-{}", std::process::id());
    let config = install_config(dir.path(), &argo_ns);
    let kc = kubeconfig_with_current(&c, dir.path(), c.admin_context());
    // A dry run: every step's check (the permission check first) and plan, nothing applied.
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("install")
        .arg("--config")
        .arg(&config)
        .arg("--dry-run")
        .env("KUBECONFIG", &kc)
        .env("OPSDECK_DATA_DIR", dir.path().join("data"))
        .stdin(Stdio::null())
        .output()
        .expect("opsdeck install runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("missing permissions"), "{text}");
    for want in [
        "plan for step 2 (Age key)",
        "plan for step 3 (Argo CD)",
        "plan for step 4 (Apps)",
        &format!("+ create Namespace {argo_ns}"),
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    let out = c.kubectl_as(c.admin_context(), &["get", "namespace", &argo_ns]);
    assert!(!out.status.success(), "a dry run created {argo_ns}");
}

/// Deletes cluster-scoped objects a test created.
struct ClusterScoped<'a> {
    cluster: &'a RealCluster,
    objects: Vec<String>,
}

impl Drop for ClusterScoped<'_> {
    fn drop(&mut self) {
        for o in &self.objects {
            let _ = self
                .cluster
                .kubectl_as(self.cluster.admin_context(), &["delete", o, "--wait=false"]);
        }
    }
}

#[test]
fn a_user_who_may_not_read_the_contexts_namespace_lands_in_one_it_may_read() {
    let c = RealCluster::from_env();
    let ns = c.namespace("land");
    let ns = ns.name();
    // A service account of this test: `view` in its namespace, and allowed to list
    // namespaces (so the console can look for one it may read); nothing in `default`.
    c.kubectl_ok(&["-n", ns, "create", "serviceaccount", "lander"]);
    c.kubectl_ok(&[
        "-n",
        ns,
        "create",
        "rolebinding",
        "lander-view",
        "--clusterrole=view",
        &format!("--serviceaccount={ns}:lander"),
    ]);
    let role = format!("opsdeck-test-ns-lister-{ns}");
    let _cleanup = ClusterScoped {
        cluster: &c,
        objects: vec![
            format!("clusterrolebinding/{role}"),
            format!("clusterrole/{role}"),
        ],
    };
    c.kubectl_ok(&[
        "create",
        "clusterrole",
        &role,
        "--verb=list",
        "--resource=namespaces",
    ]);
    c.kubectl_ok(&[
        "create",
        "clusterrolebinding",
        &role,
        &format!("--clusterrole={role}"),
        &format!("--serviceaccount={ns}:lander"),
    ]);
    c.kubectl_ok(&["-n", ns, "run", "here", "--image=nginx:1.27"]);
    let token = c.kubectl_ok(&["-n", ns, "create", "token", "lander"]);

    let out = c.kubectl_ok(&["config", "view", "--raw", "--minify", "-o", "json"]);
    let admin: serde_json::Value = serde_json::from_str(&out).expect("kubeconfig JSON");
    let cluster = admin["clusters"][0].clone();
    let kc = serde_json::json!({"apiVersion": "v1", "kind": "Config",
        "clusters": [cluster],
        "users": [{"name": "lander", "user": {"token": token.trim()}}],
        "contexts": [{"name": "lander", "context": {
            "cluster": cluster["name"], "user": "lander"}}],
        "current-context": "lander"});
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, kc.to_string()).expect("kubeconfig");

    let t = Tmux::start("land", &["--kubeconfig", &path.display().to_string()], WAIT);
    let s = t.wait_for(&[
        &format!("namespace {ns}"),
        "you may not list pods in default",
        &format!("pods({ns})"),
        "here",
    ]);
    assert!(!s.contains("pods(default)"), "{s}");
    t.quit();
}
