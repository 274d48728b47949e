//! The real Kubernetes control plane of `scripts/cluster up` (etcd, kube-apiserver,
//! controller-manager, scheduler, kwok nodes), as the tests see it: a kubeconfig with an admin
//! and a restricted context, named by environment variables that `scripts/test` (or
//! `eval "$(scripts/cluster env)"`) exports. Missing variables are a panic that says how to
//! start the cluster, never a skipped test.
//!
//! Tests share the one cluster: each works in namespaces of its own ([`RealCluster::namespace`]),
//! deleted when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

fn required_env(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!(
            "{name} is not set: this test drives the real control plane. Run it with scripts/test, \
             or start the cluster with `scripts/cluster up` and `eval \"$(scripts/cluster env)\"` first"
        )
    })
}

/// The running test cluster.
pub(crate) struct RealCluster {
    kubeconfig: PathBuf,
    admin: String,
    view: String,
    view_namespace: String,
    /// HOME for kubectl: no discovery cache or config of the user's.
    home: tempfile::TempDir,
}

static NAMESPACE_SEQ: AtomicU32 = AtomicU32::new(0);

impl RealCluster {
    /// The cluster named by `OPSDECK_TEST_CLUSTER_*`; panics when they are missing or the
    /// kubeconfig is not there.
    pub(crate) fn from_env() -> RealCluster {
        let kubeconfig = PathBuf::from(required_env("OPSDECK_TEST_CLUSTER_KUBECONFIG"));
        assert!(
            kubeconfig.is_file(),
            "OPSDECK_TEST_CLUSTER_KUBECONFIG={} is not a file: is the cluster still up? (scripts/cluster status)",
            kubeconfig.display()
        );
        RealCluster {
            kubeconfig,
            admin: required_env("OPSDECK_TEST_CLUSTER_ADMIN_CONTEXT"),
            view: required_env("OPSDECK_TEST_CLUSTER_VIEW_CONTEXT"),
            view_namespace: required_env("OPSDECK_TEST_CLUSTER_VIEW_NAMESPACE"),
            home: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub(crate) fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    pub(crate) fn admin_context(&self) -> &str {
        &self.admin
    }

    pub(crate) fn view_context(&self) -> &str {
        &self.view
    }

    /// The one namespace where the restricted context may read.
    pub(crate) fn view_namespace(&self) -> &str {
        &self.view_namespace
    }

    /// kubectl with the given context (not run yet).
    pub(crate) fn kubectl_cmd(&self, context: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(super::kubectl_path());
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--context")
            .arg(context)
            .args(args)
            .env_remove("KUBECONFIG")
            .env("HOME", self.home.path())
            .stdin(Stdio::null());
        cmd
    }

    pub(crate) fn kubectl_as(&self, context: &str, args: &[&str]) -> Output {
        self.kubectl_cmd(context, args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", super::kubectl_path().display()))
    }

    /// kubectl as admin; panics with stderr unless it succeeds. Returns stdout.
    pub(crate) fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl_as(&self.admin, args);
        assert!(
            out.status.success(),
            "`kubectl {}` failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("kubectl stdout is UTF-8")
    }

    /// kubectl as admin with `stdin` (for `-f -`).
    pub(crate) fn kubectl_stdin_ok(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut child = self
            .kubectl_cmd(&self.admin, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kubectl");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write kubectl stdin");
        let out = child.wait_with_output().expect("wait kubectl");
        assert!(
            out.status.success(),
            "`kubectl {}` failed\n--- stdin ---\n{stdin}\n--- stderr ---\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    }

    /// `kubectl … -o json` as admin, parsed.
    pub(crate) fn kubectl_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-o", "json"]);
        let out = self.kubectl_ok(&all);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("`kubectl {}` printed no JSON: {e}\n{out}", all.join(" ")))
    }

    /// A fresh namespace named `<prefix>-<pid>-<n>`, deleted (without waiting) when dropped.
    pub(crate) fn namespace(&self, prefix: &str) -> TestNamespace<'_> {
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            NAMESPACE_SEQ.fetch_add(1, Ordering::SeqCst)
        );
        self.kubectl_ok(&["create", "namespace", &name]);
        // The controller-manager's service-account controller adds `default` shortly after;
        // pods are refused until it exists.
        self.poll("the default service account in the new namespace", |c| {
            c.kubectl_as(&c.admin, &["-n", &name, "get", "serviceaccount", "default"])
                .status
                .success()
                .then_some(())
        });
        TestNamespace {
            cluster: self,
            name,
        }
    }

    /// Polls `f` every 200 ms until it returns `Some` (that value) or 90 s pass (panics
    /// naming `what`).
    pub(crate) fn poll<T>(&self, what: &str, f: impl Fn(&RealCluster) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(v) = f(self) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "gave up waiting for {what} on the test cluster"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// A namespace of one test; deleted when dropped.
pub(crate) struct TestNamespace<'a> {
    cluster: &'a RealCluster,
    name: String,
}

impl TestNamespace<'_> {
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestNamespace<'_> {
    fn drop(&mut self) {
        let _ = self.cluster.kubectl_as(
            &self.cluster.admin,
            &["delete", "namespace", &self.name, "--wait=false"],
        );
    }
}
