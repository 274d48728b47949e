//! Expected user errors print one or two plain lines with the fix: no color-eyre report
//! (`Location:`, backtrace hints), no ANSI colours when stderr is not a terminal, exit code
//! 1 (2 for clap's usage errors). The opsdeck binary runs as a child process with its
//! output captured.

use std::path::Path;
use std::process::{Command, Output};

/// `opsdeck ARGS` with its own config/data directories and HOME, no KUBECONFIG or AWS
/// settings from the environment, plus `env`.
fn opsdeck(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.args(args)
        .env_remove("KUBECONFIG")
        .env_remove("AWS_PROFILE")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env("HOME", dir)
        .env("OPSDECK_CONFIG_DIR", dir.join("config"))
        .env("OPSDECK_DATA_DIR", dir.join("data"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run opsdeck")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Plain text only: no ANSI escapes, no eyre report.
fn assert_plain(err: &str) {
    assert!(!err.contains('\u{1b}'), "ANSI escapes on a pipe:\n{err:?}");
    assert!(!err.contains("Location:"), "an eyre report:\n{err}");
    assert!(!err.contains("BACKTRACE"), "an eyre report:\n{err}");
}

const KUBECONFIG: &str = r#"apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: dev
    cluster: {server: "http://127.0.0.1:1"}
contexts:
  - name: dev
    context: {cluster: dev, user: dev}
  - name: staging
    context: {cluster: dev, user: dev}
users:
  - name: dev
    user: {}
"#;

#[test]
fn missing_kubeconfig_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path(), &[], &[("KUBECONFIG", "/nonexistent")]);
    let err = stderr(&out);
    assert_plain(&err);
    assert_eq!(
        err,
        "opsdeck: kubeconfig /nonexistent does not exist\n\
         point KUBECONFIG or --kubeconfig at a kubeconfig file (as for kubectl), or to try opsdeck without a cluster: opsdeck --sandbox\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn no_kubeconfig_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path(), &[], &[]);
    let err = stderr(&out);
    assert_plain(&err);
    let home = dir.path().join(".kube").join("config");
    assert_eq!(
        err,
        format!(
            "opsdeck: no kubeconfig found (looked at {})\n\
             pass --kubeconfig FILE or set KUBECONFIG, or to try opsdeck without a cluster: opsdeck --sandbox\n",
            home.display()
        )
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn unknown_context_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, KUBECONFIG).unwrap();
    let kc = kc.display().to_string();
    let out = opsdeck(dir.path(), &["--kubeconfig", &kc, "--context", "prod"], &[]);
    let err = stderr(&out);
    assert_plain(&err);
    assert_eq!(
        err,
        format!(
            "opsdeck: context \"prod\" is not in {kc}\n\
             known contexts: dev, staging (pass one with --context)\n"
        )
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn invalid_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, "clusters: [\n  - {name: a\n").unwrap();
    let kc = kc.display().to_string();
    let out = opsdeck(dir.path(), &[], &[("KUBECONFIG", &kc)]);
    let err = stderr(&out);
    assert_plain(&err);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with(&format!("opsdeck: cannot read kubeconfig {kc}: ")),
        "{err}"
    );
    assert_eq!(
        lines[1],
        "fix the file (kubectl config view shows what kubectl reads), or to try opsdeck without a cluster: opsdeck --sandbox"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_log_level() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path(), &["--log-level", "a=b"], &[]);
    let err = stderr(&out);
    assert_plain(&err);
    assert_eq!(
        err,
        "opsdeck: bad --log-level \"a=b\"\nuse one of error, warn, info, debug, trace\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_flag_is_a_short_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path(), &["--bogus"], &[]);
    let err = stderr(&out);
    assert_plain(&err);
    assert!(
        err.starts_with("error: unexpected argument '--bogus' found\n"),
        "{err}"
    );
    assert!(err.contains("Usage: opsdeck"), "{err}");
    assert!(err.lines().count() <= 6, "{err}");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_recording_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(
        dir.path(),
        &["--sandbox", "--recording", "/nonexistent.yaml"],
        &[],
    );
    let err = stderr(&out);
    assert_plain(&err);
    assert!(err.starts_with("opsdeck: "), "{err}");
    assert!(err.contains("/nonexistent.yaml"), "{err}");
    assert!(err.lines().count() <= 2, "{err}");
    assert_eq!(out.status.code(), Some(1));
}
