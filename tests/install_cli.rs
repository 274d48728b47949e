//! `opsdeck install --config … --yes` (the binary) against `opsdeck sandbox` (the binary),
//! checked with the real kubectl: a full install, a re-run with no changes, `--dry-run`, and a
//! run killed (SIGKILL) during the Argo CD step that a second run finishes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::SandboxProcess;

const RECORDING: &str = r#"
apiVersion: opsdeck.dev/v1
kind: Recording
metadata:
  name: install-target
  kubernetesVersion: v1.31.0
objects:
  - {apiVersion: v1, kind: Node, metadata: {name: node-a}}
"#;

/// A copy of the documented example with absolute paths and the given rollout timeout.
fn write_config(dir: &Path, rollout: &str) -> PathBuf {
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
            "rollout_timeout = \"0s\"",
            &format!("rollout_timeout = {rollout:?}"),
        );
    let path = dir.join("install.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

fn install_cmd(sb: &SandboxProcess, dir: &Path, config: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.arg("install")
        .arg("--config")
        .arg(config)
        .args(extra)
        .env("KUBECONFIG", sb.kubeconfig())
        .env("OPSDECK_DATA_DIR", dir.join("data"))
        .stdin(Stdio::null());
    cmd
}

fn run_ok(mut cmd: Command) -> String {
    let out: Output = cmd.output().expect("opsdeck install runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "opsdeck install failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn install_rerun_and_dry_run_with_kubectl() {
    let sb = SandboxProcess::with_recording(RECORDING);
    let dir = tempfile::tempdir().expect("tmp");
    let config = write_config(dir.path(), "0s");

    let dry = run_ok(install_cmd(&sb, dir.path(), &config, &["--dry-run"]));
    assert!(dry.contains("+ create Namespace argo"), "{dry}");
    assert!(
        dry.contains("+ create CustomResourceDefinition applications.argoproj.io"),
        "{dry}"
    );
    assert!(!dry.contains("AGE-SECRET-KEY"), "{dry}");
    // A dry run asks nothing and leaves no progress behind.
    assert!(!dry.contains("[y/N]"), "{dry}");
    let state_dir = dir.path().join("data/install");
    let left: Vec<_> = std::fs::read_dir(&state_dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a dry run wrote {left:?}");
    sb.kubectl_err(&["get", "namespace", "argo"]);

    let first = run_ok(install_cmd(&sb, dir.path(), &config, &["--yes"]));
    // The summary's commands name the kubeconfig and context the install used.
    assert!(
        first.contains("admin password: kubectl --kubeconfig ")
            && first.contains(" --context opsdeck-sandbox-install-target -n argo get secret argocd-initial-admin-secret"),
        "{first}"
    );
    assert!(!first.contains("AGE-SECRET-KEY"), "{first}");
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

    // The state file is named as the wizard names it (the context, not `current-context`),
    // so `opsdeck install` (the wizard) resumes what the CLI did.
    let context = sb.kubectl_ok(&["config", "current-context"]);
    let names: Vec<String> = std::fs::read_dir(&state_dir)
        .expect("state dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&format!("{}-dev.json", context.trim())),
        "{names:?} (context {context})"
    );
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");

    let second = run_ok(install_cmd(&sb, dir.path(), &config, &["--yes"]));
    assert_eq!(second.matches("already in place").count(), 4, "{second}");
    assert!(!second.contains("plan for step"), "{second}");
}

#[test]
fn killed_during_argocd_step_resumes() {
    let sb = SandboxProcess::with_recording(RECORDING);
    let dir = tempfile::tempdir().expect("tmp");
    // A long rollout wait keeps the first run inside step 3 (nothing becomes available in the
    // sandbox) until it is killed.
    let slow = write_config(dir.path(), "10m");
    let mut child = install_cmd(&sb, dir.path(), &slow, &["--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let state_dir = dir.path().join("data/install");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let applying = std::fs::read_dir(&state_dir)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .and_then(|e| std::fs::read_to_string(e.path()).ok())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v["steps"]["argo_cd"]["status"] == "applying");
        let deployed = sb
            .kubectl(&[
                "-n",
                "argo",
                "get",
                "statefulset",
                "argocd-application-controller",
            ])
            .status
            .success();
        if applying && deployed {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the install never reached the Argo CD rollout wait"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();

    let fast = write_config(dir.path(), "0s");
    let resumed = run_ok(install_cmd(&sb, dir.path(), &fast, &["--yes"]));
    assert!(
        resumed.contains("resuming at step 3 (Argo CD)"),
        "{resumed}"
    );
    // Killed in the rollout wait, everything was applied already: the resumed check finds it
    // in place, verifies it and goes on to the apps step.
    assert!(resumed.contains(": Argo CD applied in argo"), "{resumed}");
    assert!(resumed.contains("==> step 4/4: Apps"), "{resumed}");
    sb.kubectl_ok(&["-n", "argo", "get", "applications.argoproj.io", "root"]);
}

/// `install --config … --yes` on the `platform` recording (Argo CD installed by Helm, a key
/// Secret without a usable key): each question stops the run with the config key to set and
/// changes nothing; `stop` stops; `force` adopts, a re-run has nothing to change, and the
/// summary warns about the placeholder repository URL.
#[test]
fn install_config_on_a_cluster_with_argocd() {
    let sb = SandboxProcess::platform();
    let dir = tempfile::tempdir().expect("tmp");
    let base = write_config(dir.path(), "0s");
    let text = std::fs::read_to_string(&base).expect("config");
    let variant = |name: &str, key: &str, argocd: &str| {
        let t = text
            .replace(
                "secret_key = \"key.txt\"",
                &format!("secret_key = \"key.txt\"\nexisting = {key:?}"),
            )
            .replace(
                "rollout_timeout = \"0s\"",
                &format!("rollout_timeout = \"0s\"\nexisting = {argocd:?}"),
            );
        let p = dir.path().join(name);
        std::fs::write(&p, t).expect("write");
        p
    };
    let rvs = || {
        sb.kubectl_json(&["-n", "argo", "get", "deploy,cm,secret", "-o", "json"])["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|o| {
                o["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    let before = rvs();

    // The key question first: nothing applied.
    let out = install_cmd(
        &sb,
        dir.path(),
        &variant("ask.toml", "ask", "ask"),
        &["--yes"],
    )
    .output()
    .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("holds no usable key"), "{stdout}");
    assert!(
        format!("{stdout}{stderr}").contains("age_key.existing"),
        "{stdout}\n{stderr}"
    );
    assert_eq!(rvs(), before, "the question changed the cluster");

    // Keep the Secret; stop at Argo CD: nothing of Argo CD changes.
    let argo_before = sb.kubectl_json(&["-n", "argo", "get", "deploy", "-o", "json"]);
    let out = install_cmd(
        &sb,
        dir.path(),
        &variant("stop.toml", "keep", "stop"),
        &["--yes"],
    )
    .output()
    .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{all}");
    assert!(
        all.contains("stopped:") && all.contains("Helm release argocd"),
        "{all}"
    );
    assert_eq!(
        sb.kubectl_json(&["-n", "argo", "get", "deploy", "-o", "json"])["items"]
            .as_array()
            .map(|i| i
                .iter()
                .map(|o| o["metadata"]["resourceVersion"].clone())
                .collect::<Vec<_>>()),
        argo_before["items"].as_array().map(|i| i
            .iter()
            .map(|o| o["metadata"]["resourceVersion"].clone())
            .collect::<Vec<_>>()),
    );

    // Force: adopted; the re-run has nothing to change for Argo CD.
    let force = variant("force.toml", "keep", "force");
    let first = run_ok(install_cmd(&sb, dir.path(), &force, &["--yes"]));
    assert!(
        first.contains("- spec.template.spec.containers[name=redis]"),
        "{first}"
    );
    assert!(first.contains("is a placeholder"), "{first}");
    let again = run_ok(install_cmd(&sb, dir.path(), &force, &["--yes"]));
    assert!(again.contains("already in place: Argo CD"), "{again}");
    let redis = sb.kubectl_json(&["-n", "argo", "get", "deploy", "argocd-redis", "-o", "json"]);
    assert_eq!(
        redis["spec"]["template"]["spec"]["containers"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

/// The last non-empty line of a screen: the prompt the install waits at.
fn prompt_line(screen: &str) -> String {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// `install --config` without `--yes` on a terminal (tmux) on the `platform` recording: the
/// key question is asked with numbered choices (1 = keep), the answer recorded and the step
/// planned again; the Argo CD question answered `stop` stops with Argo CD untouched.
#[test]
fn install_config_on_a_terminal_asks_the_questions() {
    let sb = SandboxProcess::platform();
    let dir = tempfile::tempdir().expect("tmp");
    let config = write_config(dir.path(), "0s");
    let deploy_rvs = || {
        sb.kubectl_json(&["-n", "argo", "get", "deploy"])["items"]
            .as_array()
            .map(|i| {
                i.iter()
                    .map(|o| o["metadata"]["resourceVersion"].clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let before = deploy_rvs();
    let kubeconfig = sb.kubeconfig().display().to_string();
    let config_arg = config.display().to_string();
    let t = common::tmux::Tmux::start_env(
        "install-ask",
        &["install", "--config", &config_arg],
        &[
            ("KUBECONFIG", &kubeconfig),
            // The error report without a backtrace, so it fits the screen.
            ("RUST_BACKTRACE", "0"),
            ("RUST_LIB_BACKTRACE", "0"),
        ],
        (160, 45),
        Duration::from_secs(90),
    );
    let mut transcript = Vec::new();
    let mut last = String::new();
    for _ in 0..12 {
        let screen = t.wait_until("the next prompt", |s| {
            let p = prompt_line(s);
            p != last
                && (p.starts_with("OPSDECK-EXITED")
                    || p.ends_with("[y/N]")
                    || p.starts_with("choose 1-"))
        });
        transcript.push(screen.clone());
        last = prompt_line(&screen);
        if last.starts_with("OPSDECK-EXITED") {
            break;
        }
        let answer = if last.ends_with("[y/N]") {
            "y"
        } else if last.contains("(recorded as age_key.existing)") {
            "1"
        } else if last.contains("(recorded as argocd.existing)") {
            "stop"
        } else {
            panic!("unexpected prompt {last:?}:\n{screen}")
        };
        t.text(answer);
        t.keys(&["Enter"]);
        // The echoed answer changes the prompt line.
        last = format!("{last} {answer}");
    }
    let all = transcript.join("\n");
    assert!(all.contains("1) keep:"), "{all}");
    assert!(all.contains("age_key.existing = \"keep\""), "{all}");
    assert!(all.contains("kept as chosen"), "{all}");
    let end = transcript.last().cloned().unwrap_or_default();
    assert!(
        end.contains("stopped:") && !end.contains("OPSDECK-EXITED 0"),
        "{end}"
    );
    // Only the parse error's "AGE-SECRET-KEY-1… line" ever shows, never a key.
    assert!(
        all.match_indices("AGE-SECRET-KEY-1")
            .all(|(i, m)| all[i + m.len()..].starts_with('…')),
        "{all}"
    );
    assert_eq!(deploy_rvs(), before, "stop changed Argo CD");
}
