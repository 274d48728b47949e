//! `opsdeck install --config … --yes` (the binary) against the real control plane of
//! `scripts/cluster up`, checked with the built kubectl: the Argo CD CRDs Established by the
//! real apiserver, the age Secret, argocd-cm and the root Application applied server-side with
//! opsdeck's field manager; a re-run changes nothing (resourceVersions unchanged); and a chain
//! of runs each SIGKILLed at another point (step boundaries, just after the key Secret, in the
//! middle of the Argo CD objects) that the next run resumes, ending complete with nothing
//! duplicated (no second key, Secret data unchanged, no backup Secret, one ReplicaSet per
//! Deployment, no repeated containers, volumes, mounts or env entries).
//!
//! The cluster is shared with tests running in parallel: the install goes into a namespace of
//! this test's own, and the manifest's cluster-scoped RBAC objects get names of their own. The
//! CRDs are cluster-scoped and shared on purpose: another test may have installed them (another
//! field manager, client-side apply); the install must adopt them without a conflict.
//! Their resourceVersions are not compared (another test may touch them); the re-run's own
//! "already in place" for every step covers them.
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them); panics when they are missing.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use common::argocd::{Installed, manifest};
use common::cluster::RealCluster;
use serde_json::Value;

const RUN_DEADLINE: Duration = Duration::from_secs(180);
const SECRET: &str = "helm-secrets-private-keys";

/// The documented example, for this cluster, context, namespace and manifest.
fn write_config(c: &RealCluster, dir: &Path, ns: &str, manifest: &Path) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/install");
    let text = std::fs::read_to_string(fixtures.join("install.toml"))
        .expect("install.toml")
        .replace(
            "# kubeconfig = \"~/.kube/config\"",
            &format!("kubeconfig = {:?}", c.kubeconfig().display().to_string()),
        )
        .replace(
            "# context = \"my-cluster\"",
            &format!("context = {:?}", c.admin_context()),
        )
        .replace("namespace = \"argo\"", &format!("namespace = {ns:?}"))
        .replace(
            "manifest = \"argocd-install.yaml\"",
            &format!("manifest = {:?}", manifest.display().to_string()),
        )
        // The CRDs may be there already, from another test (another field manager, another
        // shape: a recording played into the cluster): taken over, as the wizard offers.
        .replace(
            "rollout_timeout = \"0s\"",
            "rollout_timeout = \"120s\"\nexisting = \"force\"",
        );
    assert!(
        text.contains(&format!("namespace = {ns:?}")) && text.contains("context = "),
        "the example changed shape:\n{text}"
    );
    let path = dir.join("install.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

fn install_cmd(dir: &Path, config: &Path, log: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.arg("install")
        .arg("--config")
        .arg(config)
        .arg("--yes")
        .env_remove("KUBECONFIG")
        .env("OPSDECK_DATA_DIR", dir.join("data"))
        .env("HOME", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join(log)).expect("stderr file"));
    cmd
}

/// Runs the install until a line of its output satisfies `kill_at` (then SIGKILL, returns
/// the output so far and `true`) or it ends (returns its output and `false`; panics unless
/// it succeeded).
fn run_until(
    dir: &Path,
    config: &Path,
    run: usize,
    kill_at: &dyn Fn(&str) -> bool,
) -> (String, bool) {
    let log = format!("run-{run}.stderr");
    let mut child = install_cmd(dir, config, &log)
        .spawn()
        .expect("spawn opsdeck install");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + RUN_DEADLINE;
    let mut out = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                out.push_str(&line);
                out.push('\n');
                if kill_at(&line) {
                    child.kill().expect("SIGKILL");
                    let _ = child.wait();
                    return (out, true);
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("run {run}: opsdeck install hung:\n{out}");
            }
        }
    }
    let status = child.wait().expect("wait");
    let stderr = std::fs::read_to_string(dir.join(&log)).unwrap_or_default();
    assert!(
        status.success(),
        "run {run}: opsdeck install failed ({status}):\n{out}\n--- stderr ---\n{stderr}"
    );
    (out, false)
}

fn items(c: &RealCluster, args: &[&str]) -> Vec<Value> {
    c.kubectl_json(args)["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn names(list: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = list
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap_or("").to_string())
        .collect();
    out.sort();
    out
}

/// Whether `manager` applied (server-side) fields of `obj`.
fn applied_by(obj: &Value, manager: &str) -> bool {
    obj["metadata"]["managedFields"]
        .as_array()
        .is_some_and(|m| {
            m.iter()
                .any(|e| e["manager"] == manager && e["operation"] == "Apply")
        })
}

/// kind/name → resourceVersion of everything the install made in `ns`, and its renamed
/// cluster-scoped RBAC objects.
fn versions(c: &RealCluster, ns: &str) -> BTreeMap<String, String> {
    let mut all = items(
        c,
        &[
            "-n",
            ns,
            "get",
            "deploy,sts,rs,cm,secret,svc,sa,role,rolebinding,applications.argoproj.io",
        ],
    );
    let rbac: Vec<String> = ["argocd-application-controller", "argocd-server"]
        .iter()
        .map(|n| format!("{ns}-{n}"))
        .collect();
    for kind in ["clusterrole", "clusterrolebinding"] {
        let mut args = vec!["get", kind];
        args.extend(rbac.iter().map(String::as_str));
        all.extend(items(c, &args));
    }
    all.push(c.kubectl_json(&["get", "namespace", ns]));
    all.iter()
        .map(|o| {
            (
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap_or(""),
                    o["metadata"]["name"].as_str().unwrap_or("")
                ),
                o["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

/// The versions once the controllers are done (Deployments' status follows their pods on the
/// kwok nodes): the same twice, 2 s apart.
fn settled(c: &RealCluster, ns: &str) -> BTreeMap<String, String> {
    let mut last = versions(c, ns);
    for _ in 0..60 {
        std::thread::sleep(Duration::from_secs(2));
        let now = versions(c, ns);
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the objects in {ns} never settled: {last:?}")
}

/// Names in a list field of an object (containers, volumes, env …).
fn listed(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn no_repeats(what: &str, names: &[String]) {
    let mut seen = names.to_vec();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), names.len(), "{what} repeats a name: {names:?}");
}

/// Everything is there exactly once.
fn assert_complete(c: &RealCluster, ns: &str) {
    for crd in [
        "applications.argoproj.io",
        "applicationsets.argoproj.io",
        "appprojects.argoproj.io",
    ] {
        let o = c.kubectl_json(&["get", "crd", crd]);
        let established = o["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Established" && c["status"] == "True")
        });
        assert!(established, "{crd} is not Established: {}", o["status"]);
    }

    let secrets = items(c, &["-n", ns, "get", "secrets"]);
    assert_eq!(
        names(&secrets),
        ["argocd-secret", SECRET],
        "no backup, no second key Secret"
    );
    let secret = c.kubectl_json(&["-n", ns, "get", "secret", SECRET, "--show-managed-fields"]);
    assert!(applied_by(&secret, "opsdeck"), "{}", secret["metadata"]);
    assert!(
        secret["data"]["key.txt"].is_string(),
        "{}",
        secret["metadata"]
    );

    let cm = c.kubectl_json(&[
        "-n",
        ns,
        "get",
        "configmap",
        "argocd-cm",
        "--show-managed-fields",
    ]);
    assert!(applied_by(&cm, "opsdeck"), "{}", cm["metadata"]);
    assert!(
        cm["data"]["resource.customizations.health.argoproj.io_Application"].is_string(),
        "{}",
        cm["data"]
    );
    assert!(
        cm["data"]["helm.valuesFileSchemes"].is_string(),
        "{}",
        cm["data"]
    );

    let apps = items(
        c,
        &[
            "-n",
            ns,
            "get",
            "applications.argoproj.io",
            "--show-managed-fields",
        ],
    );
    assert_eq!(names(&apps), ["root"]);
    assert!(applied_by(&apps[0], "opsdeck"), "{}", apps[0]["metadata"]);
    assert_eq!(apps[0]["spec"]["source"]["path"], "apps/dev");

    let deploys = items(c, &["-n", ns, "get", "deployments"]);
    assert_eq!(
        names(&deploys),
        ["argocd-redis", "argocd-repo-server", "argocd-server"]
    );
    assert_eq!(
        names(&items(c, &["-n", ns, "get", "statefulsets"])),
        ["argocd-application-controller"]
    );
    // A template applied twice differently would roll out a second ReplicaSet.
    let rs = items(c, &["-n", ns, "get", "replicasets"]);
    assert_eq!(
        rs.len(),
        3,
        "one ReplicaSet per Deployment: {:?}",
        names(&rs)
    );
    for d in &deploys {
        let name = d["metadata"]["name"].as_str().unwrap_or("");
        let pod = &d["spec"]["template"]["spec"];
        let containers = listed(&pod["containers"]);
        assert_eq!(containers.len(), 1, "{name}: {containers:?}");
        no_repeats(&format!("{name} volumes"), &listed(&pod["volumes"]));
        for ct in pod["containers"].as_array().into_iter().flatten() {
            no_repeats(&format!("{name} env"), &listed(&ct["env"]));
            no_repeats(
                &format!("{name} volumeMounts"),
                &listed(&ct["volumeMounts"]),
            );
        }
    }
    let repo = deploys
        .iter()
        .find(|d| d["metadata"]["name"] == "argocd-repo-server")
        .expect("repo server");
    assert!(
        listed(&repo["spec"]["template"]["spec"]["volumes"]).contains(&SECRET.to_string()),
        "the repo server mounts the key Secret"
    );
    for kind in ["clusterrolebinding", "clusterrole"] {
        let o = c.kubectl_json(&[
            "get",
            kind,
            &format!("{ns}-argocd-server"),
            "--show-managed-fields",
        ]);
        assert!(applied_by(&o, "opsdeck"), "{kind}: {}", o["metadata"]);
    }
    let crb = c.kubectl_json(&[
        "get",
        "clusterrolebinding",
        &format!("{ns}-argocd-application-controller"),
    ]);
    assert_eq!(
        crb["subjects"][0]["namespace"], ns,
        "subjects moved to the namespace"
    );
    assert_eq!(crb["subjects"][0]["name"], "argocd-application-controller");
}

type KillAt = Box<dyn Fn(&str) -> bool>;

fn at(f: impl Fn(&str) -> bool + 'static) -> KillAt {
    Box::new(f)
}

/// The local age keys under the data directory.
fn local_keys(dir: &Path) -> Vec<PathBuf> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.file_name().is_some_and(|n| n == "key.txt") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&dir.join("data/keys"), &mut out);
    out
}

#[test]
fn install_killed_at_each_point_resumes_then_a_rerun_is_a_noop() {
    let c = RealCluster::from_env();
    let ns = format!(
        "install-real-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 100_000)
            .unwrap_or(0)
    );
    let guard = Installed {
        cluster: &c,
        ns: ns.clone(),
    };
    let dir = tempfile::tempdir().expect("tmp");
    let manifest = manifest(dir.path(), &ns);
    let config = write_config(&c, dir.path(), &ns, &manifest);

    // Each run is killed at a later point than the one before; the next resumes from the
    // state the killed one left (each kill point is "just after" the line: the process runs
    // on for a moment, as a real kill lands anywhere).
    let cm_line = format!("create ConfigMap {ns}/argocd-cm");
    let points: Vec<(&str, KillAt)> = vec![
        ("at step 2", at(|l| l.starts_with("==> step 2/4"))),
        // (or, should the kill before have landed after the Secret, the next step)
        (
            "just after the key Secret",
            at(|l| l.trim_start().starts_with("created Secret") || l.starts_with("==> step 3/4")),
        ),
        ("at step 3", at(|l| l.starts_with("==> step 3/4"))),
        (
            "in the middle of the Argo CD objects",
            at(move |l| l.trim() == cm_line || l.starts_with("==> step 4/4")),
        ),
        ("at step 4", at(|l| l.starts_with("==> step 4/4"))),
    ];
    let mut secret_data: Option<Value> = None;
    for (run, (what, kill_at)) in points.iter().enumerate() {
        let (out, killed) = run_until(dir.path(), &config, run, kill_at.as_ref());
        assert!(
            killed,
            "run {run} finished before being killed {what}:\n{out}"
        );
        if run > 0 {
            assert!(out.contains("resuming at step"), "run {run}:\n{out}");
        }
        // Once there, the key Secret's data never changes.
        let got = c.kubectl_as(
            c.admin_context(),
            &["-n", &ns, "get", "secret", SECRET, "-o", "json"],
        );
        if got.status.success() {
            let data = serde_json::from_slice::<Value>(&got.stdout).expect("json")["data"].clone();
            match &secret_data {
                Some(before) => assert_eq!(&data, before, "killed {what}: the key Secret changed"),
                None => secret_data = Some(data),
            }
        }
        assert!(
            local_keys(dir.path()).len() <= 1,
            "{:?}",
            local_keys(dir.path())
        );
    }
    let (out, killed) = run_until(dir.path(), &config, points.len(), &|_: &str| false);
    assert!(!killed);
    assert!(out.contains("resuming at step 4 (Apps)"), "{out}");
    assert_complete(&c, &ns);
    let secret = c.kubectl_json(&["-n", &ns, "get", "secret", SECRET]);
    assert_eq!(
        Some(&secret["data"]),
        secret_data.as_ref(),
        "the key Secret changed"
    );
    let keys = local_keys(dir.path());
    assert_eq!(keys.len(), 1, "one local key: {keys:?}");
    let local = std::fs::read_to_string(&keys[0]).expect("key");
    let in_cluster = c.kubectl_ok(&[
        "-n",
        &ns,
        "get",
        "secret",
        SECRET,
        "-o",
        "jsonpath={.data.key\\.txt}",
    ]);
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(in_cluster.trim())
        .expect("base64");
    assert_eq!(
        String::from_utf8_lossy(&decoded).trim(),
        local.trim(),
        "the Secret holds the local key"
    );

    // A re-run: every step already in place, no plan, and not one resourceVersion changed.
    let before = settled(&c, &ns);
    let (again, _) = run_until(dir.path(), &config, points.len() + 1, &|_: &str| false);
    assert_eq!(again.matches("already in place").count(), 4, "{again}");
    assert!(!again.contains("plan for step"), "{again}");
    assert_eq!(versions(&c, &ns), before, "a re-run changed the cluster");
    assert_complete(&c, &ns);
    drop(guard);
}

/// The install's state file (`<data>/install/<cluster identity>-<env>.json`), parsed.
fn state_file(dir: &Path) -> Value {
    let install = dir.join("data/install");
    let files: Vec<PathBuf> = std::fs::read_dir(&install)
        .unwrap_or_else(|e| panic!("{}: {e}", install.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(files.len(), 1, "one state file: {files:?}");
    let text = std::fs::read_to_string(&files[0]).expect("state file");
    serde_json::from_str(&text).expect("state JSON")
}

/// A CRD with a real structural schema meets an object it refuses: the API server's
/// validation message reaches the user, naming each field (no debug dump); the state file
/// keeps the steps done before and the failure; the key Secret is kept; once the manifest
/// is fixed, the next run resumes at Argo CD and completes, the Widget stored as fixed.
#[test]
fn an_object_the_schema_refuses_is_named_and_the_fixed_run_resumes() {
    let c = RealCluster::from_env();
    let ns = format!("install-schema-{}", std::process::id());
    let guard = Installed {
        cluster: &c,
        ns: ns.clone(),
    };
    let dir = tempfile::tempdir().expect("tmp");
    let manifest =
        common::argocd::manifest_with_widget(dir.path(), &ns, common::argocd::BAD_WIDGET);
    let config = write_config(&c, dir.path(), &ns, &manifest);

    let out = install_cmd(dir.path(), &config, "bad.stderr")
        .output()
        .expect("opsdeck install runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = std::fs::read_to_string(dir.path().join("bad.stderr")).unwrap_or_default();
    let all = format!("{stdout}\n{stderr}");
    assert!(!out.status.success(), "the bad Widget was accepted:\n{all}");
    for said in [
        &format!("opsdeck: apply Widget {ns}/dashboard: "),
        ".spec.size: expected numeric (int or float), got string",
    ] {
        assert!(
            stderr.contains(said),
            "stderr does not say {said:?}:\n{all}"
        );
    }
    for dump in ["Status {", "ErrorResponse", "StatusDetails"] {
        assert!(!all.contains(dump), "a debug dump ({dump}):\n{all}");
    }
    // Nothing lost: the steps before are done in the state file, the failure recorded.
    let state = state_file(dir.path());
    let steps = &state["steps"];
    assert_eq!(steps["cluster"]["status"], "done", "{state}");
    assert_eq!(steps["age_key"]["status"], "done", "{state}");
    assert_eq!(steps["argo_cd"]["status"], "failed", "{state}");
    let recorded = steps["argo_cd"]["message"].as_str().unwrap_or("");
    assert!(recorded.contains("spec.size"), "{state}");
    let secret = c.kubectl_json(&["-n", &ns, "get", "secret", SECRET]);
    let refused = c.kubectl_as(
        c.admin_context(),
        &["-n", &ns, "get", "widgets.schema.opsdeck.test", "dashboard"],
    );
    assert!(!refused.status.success(), "the refused Widget exists");

    // Fixed: the next run resumes at Argo CD and completes.
    common::argocd::manifest_with_widget(dir.path(), &ns, common::argocd::GOOD_WIDGET);
    let (out, _) = run_until(dir.path(), &config, 1, &|_: &str| false);
    assert!(out.contains("resuming at step 3 (Argo CD)"), "{out}");
    assert_complete(&c, &ns);
    let widget = c.kubectl_json(&["-n", &ns, "get", "widgets.schema.opsdeck.test", "dashboard"]);
    assert_eq!(widget["spec"]["size"], 3, "{widget}");
    assert_eq!(widget["spec"]["color"], "green", "{widget}");
    let after = c.kubectl_json(&["-n", &ns, "get", "secret", SECRET]);
    assert_eq!(after["data"], secret["data"], "the key Secret changed");
    assert_eq!(local_keys(dir.path()).len(), 1, "one local key");
    drop(guard);
}
