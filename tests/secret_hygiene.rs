//! Secret hygiene as a test: after a full install (`opsdeck install --config … --yes`
//! against `opsdeck sandbox`), the age private key — as text, and as the base64 the Secret
//! holds — shows nowhere it must not: the console's describe and YAML screens of every
//! Secret, the console's log file (at debug level), and a recording made by
//! `opsdeck record`. (The wizard's screens are checked the same way in
//! `tests/e2e_install.rs`.)
//!
//! Needs kubectl and tmux (`scripts/test` installs them).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::SandboxProcess;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(60);

const RECORDING: &str = r#"
apiVersion: opsdeck.dev/v1
kind: Recording
metadata:
  name: install-target
  kubernetesVersion: v1.31.0
objects:
  - {apiVersion: v1, kind: Node, metadata: {name: node-a}}
"#;

/// The documented example config with absolute paths and no rollout wait.
fn write_config(dir: &Path) -> PathBuf {
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
            "path = \"gitops\"",
            &format!("path = {:?}", dir.join("gitops").display().to_string()),
        );
    let path = dir.join("install.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

#[test]
fn the_age_key_shows_nowhere_after_a_full_install() {
    let sb = SandboxProcess::with_recording(RECORDING);
    let dir = tempfile::tempdir().expect("tmp");
    let config = write_config(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("install")
        .arg("--config")
        .arg(&config)
        .arg("--yes")
        .env("KUBECONFIG", sb.kubeconfig())
        .env("OPSDECK_DATA_DIR", dir.path().join("install-data"))
        .stdin(Stdio::null())
        .output()
        .expect("opsdeck install runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "install failed:\n{stdout}\n{stderr}");
    let needles = common::age_key_needles(&sb);
    common::assert_no_age_key("install's output", &format!("{stdout}\n{stderr}"), &needles);

    // The console: describe and YAML of every Secret, in every namespace.
    let data = dir.path().join("console-data");
    let data_env = data.display().to_string();
    let kc = sb.kubeconfig().display().to_string();
    let t = Tmux::start_env(
        "secrets",
        &[
            "--kubeconfig",
            &kc,
            "-A",
            "--log-level",
            "debug",
            "--command",
            "secrets",
        ],
        &[("OPSDECK_DATA_DIR", &data_env)],
        (160, 45),
        WAIT,
    );
    let names: Vec<String> = sb
        .kubectl_ok(&["get", "secrets", "-A", "-o", "name"])
        .lines()
        .map(|l| l.trim_start_matches("secret/").to_string())
        .collect();
    assert!(
        names.iter().any(|n| n == "helm-secrets-private-keys"),
        "{names:?}"
    );
    let title = format!("secrets(all)[{}]", names.len());
    t.wait_for(&[title.as_str(), "helm-secrets-private-keys"]);
    let mut screens = Vec::new();
    for (i, name) in names.iter().enumerate() {
        for (key, header) in [("d", "describe secret"), ("y", "yaml secret")] {
            t.keys(&["g"]);
            for _ in 0..i {
                t.keys(&["j"]);
            }
            t.keys(&[key]);
            let s = t.wait_for(&[header, name.as_str()]);
            screens.push(s);
            // The rest of a long text, a page at a time.
            for _ in 0..3 {
                t.keys(&["PgDn"]);
                screens.push(t.screen());
            }
            t.keys(&["Escape"]);
            t.wait_for(&[title.as_str()]);
        }
    }
    assert!(screens.len() >= names.len() * 2);
    for s in &screens {
        common::assert_no_age_key("a console screen", s, &needles);
    }
    t.quit();
    let log = std::fs::read_to_string(data.join("opsdeck.log")).expect("the console's log file");
    assert!(
        log.contains("connected"),
        "the log file is not the console's:\n{log}"
    );
    common::assert_no_age_key("the console's log file", &log, &needles);

    // A recording of the cluster (redacted by default).
    let rec = dir.path().join("recording.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("record")
        .arg("--out")
        .arg(&rec)
        .arg("--duration")
        .arg("2s")
        .env("KUBECONFIG", sb.kubeconfig())
        .env("OPSDECK_DATA_DIR", dir.path().join("record-data"))
        .stdin(Stdio::null())
        .output()
        .expect("opsdeck record runs");
    assert!(
        out.status.success(),
        "record failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let recorded = std::fs::read_to_string(&rec).expect("the recording");
    assert!(
        recorded.contains("helm-secrets-private-keys"),
        "the Secret was not recorded"
    );
    common::assert_no_age_key("the recording", &recorded, &needles);
    common::assert_no_age_key(
        "record's output",
        &String::from_utf8_lossy(&out.stdout),
        &needles,
    );
}
