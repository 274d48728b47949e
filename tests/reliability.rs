//! Regression tests of issue 22's defects, run against the real binary and the sandbox:
//! hostile durations and speeds (1), servers that never answer (4), recordings of thousands
//! of pods made by `opsdeck record` (6), objects the API server refuses (10) and the CLI's
//! error output and files (12). The console's terminal on signals (2) is checked in tmux.
//! The pure parts of these defects are unit tests beside the code.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kube::Client;
use opsdeck::recording::Recording;
use opsdeck::sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

use common::SandboxProcess;

/// A command that does not return by then counts as hung (a liveness check, not a timing).
const HUNG: Duration = Duration::from_secs(90);

fn opsdeck() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.stdin(Stdio::null())
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "");
    cmd
}

/// Runs `cmd` to its end, or kills it and fails when it runs past [`HUNG`].
fn run_bounded(mut cmd: Command, what: &str) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot spawn: {e}"));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let end = Instant::now() + HUNG;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {}s (hung)", HUNG.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An error a user may meet: plain text, one exit status 1, no panic, no report of a bug.
fn assert_plain_failure(out: &Output, what: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(!err.contains("Location:"), "{what}: {err}");
    assert!(!err.contains('\u{1b}'), "{what}: ANSI codes in {err:?}");
    err
}

/// A kubeconfig whose only context points at `server`.
fn kubeconfig(dir: &Path, server: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: hang\nclusters:\n- name: hang\n  cluster: {{server: \"{server}\"}}\nusers:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: hang\n  context: {{cluster: hang, user: u}}\n"
        ),
    )
    .expect("write kubeconfig");
    path
}

/// A server that accepts connections and never answers (connections are held open).
fn black_hole() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            match conn {
                Ok(c) => held.push(c),
                Err(_) => break,
            }
        }
    });
    (url, handle)
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

// ---- 1. Durations and speeds ------------------------------------------------------------

fn replay_recording() -> String {
    let objects = [common::namespace_yaml("demo")].join("\n");
    let timeline = "- at: 1s\n  apply: {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: demo}}\n- at: 2s\n  apply: {apiVersion: v1, kind: ConfigMap, metadata: {name: b, namespace: demo}}\n";
    common::recording_yaml("durations", &objects, timeline)
}

#[tokio::test]
async fn overflowing_seeks_are_422_and_the_sandbox_keeps_serving() {
    let recording = Recording::parse(&replay_recording(), "durations.yaml").expect("parses");
    let sb = Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed: 0.0,
    })
    .await
    .expect("sandbox");
    let client = Client::try_from(sb.kube_config()).expect("client");
    let ar = kube::api::ApiResource::from_gvk_with_plural(
        &kube::api::GroupVersionKind::gvk("sandbox.opsdeck.dev", "v1", "Replay"),
        "replays",
    );
    let replays: kube::Api<kube::api::DynamicObject> = kube::Api::all_with(client.clone(), &ar);
    for seek in [
        json!(1e300),
        json!("99999999999999999999h"),
        json!(-5),
        json!("-5s"),
    ] {
        let err = replays
            .patch(
                "current",
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(json!({"spec": {"seek": seek}})),
            )
            .await
            .expect_err("refused");
        let kube::Error::Api(status) = err else {
            panic!("seek {seek}: not a Status: {err:?}")
        };
        assert_eq!(status.code, 422, "seek {seek}: {status:?}");
        assert!(status.message.contains("spec.seek"), "{}", status.message);
    }
    // Still serving, and a sane seek works.
    replays
        .patch(
            "current",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(json!({"spec": {"seek": "1500ms"}})),
        )
        .await
        .expect("a valid seek");
    replays.get("current").await.expect("the sandbox answers");
}

#[test]
fn overflowing_and_non_finite_flags_are_clear_errors() {
    for speed in ["1e300", "NaN", "inf", "-1"] {
        let mut cmd = opsdeck();
        cmd.args(["sandbox", "--port", "0", &format!("--speed={speed}")]);
        let out = run_bounded(cmd, "opsdeck sandbox --speed");
        let err = text(&out.stderr);
        assert!(!out.status.success(), "--speed {speed} accepted");
        assert!(err.contains("--speed"), "{speed}: {err}");
        assert!(!err.contains("NaNx") && !err.contains("panicked"), "{err}");
    }
    let dir = tempfile::tempdir().expect("tmp");
    let (server, _hole) = black_hole();
    let kc = kubeconfig(dir.path(), &server);
    let out_file = dir.path().join("r.yaml");
    for (duration, says) in [
        ("99999999999999999999h", "too large"),
        ("-5s", "cannot be negative"),
    ] {
        let mut cmd = opsdeck();
        cmd.arg("record")
            .arg("--kubeconfig")
            .arg(&kc)
            .arg("--out")
            .arg(&out_file)
            .arg(format!("--duration={duration}"));
        let out = run_bounded(cmd, "opsdeck record --duration");
        let err = assert_plain_failure(&out, duration);
        assert!(err.contains("--duration") && err.contains(says), "{err}");
    }
    assert!(files_in(dir.path()).iter().all(|f| !f.contains("r.yaml")));
    // A recording with an offset past any clock.
    let bad = replay_recording().replace("at: 2s", "at: 99999999999999999999h");
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, bad).expect("write");
    let mut cmd = opsdeck();
    cmd.args(["sandbox", "--port", "0", "--recording"])
        .arg(&path);
    let out = run_bounded(cmd, "opsdeck sandbox --recording bad.yaml");
    let err = assert_plain_failure(&out, "bad offset");
    assert!(
        err.contains("bad.yaml") && err.contains("too large"),
        "{err}"
    );
}

// ---- 4. Servers that never answer --------------------------------------------------------

#[test]
fn record_against_a_silent_server_ends_in_time_and_names_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let (server, _hole) = black_hole();
    let kc = kubeconfig(dir.path(), &server);
    let out_file = dir.path().join("incident.yaml");
    let mut cmd = opsdeck();
    cmd.arg("record")
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("--out")
        .arg(&out_file)
        .args(["--duration", "3s"]);
    let out = run_bounded(cmd, "opsdeck record against a black hole");
    let err = assert_plain_failure(&out, "record");
    assert!(err.contains(&server), "the message names the server: {err}");
    assert!(err.contains("--duration"), "{err}");
    // 12: a failed recording leaves no file, empty or temporary.
    assert_eq!(files_in(dir.path()), ["kubeconfig"], "{err}");
}

#[test]
fn install_against_a_silent_server_fails_and_names_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let (server, _hole) = black_hole();
    let kc = kubeconfig(dir.path(), &server);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/install");
    let config = dir.path().join("install.toml");
    let text = std::fs::read_to_string(fixtures.join("install.toml"))
        .expect("install.toml")
        .replace(
            "manifest = \"argocd-install.yaml\"",
            &format!(
                "manifest = {:?}",
                fixtures.join("argocd-install.yaml").display().to_string()
            ),
        );
    std::fs::write(&config, text).expect("config");
    let mut cmd = opsdeck();
    cmd.arg("install")
        .arg("--config")
        .arg(&config)
        .arg("--yes")
        .env("KUBECONFIG", &kc)
        .env("OPSDECK_DATA_DIR", dir.path().join("data"));
    let out = run_bounded(cmd, "opsdeck install against a black hole");
    let err = assert_plain_failure(&out, "install");
    assert!(err.contains(&server), "the message names the server: {err}");
}

// ---- 6. Record → replay at thousands of pods ----------------------------------------------

#[test]
fn a_recording_of_5000_pods_made_by_record_replays() {
    let sb = SandboxProcess::start_with(
        None,
        &[
            "--synthetic",
            "nodes=50,pods=5000,apps=1,cnpg=1,churn=1",
            "--speed",
            "0",
        ],
    );
    let dir = tempfile::tempdir().expect("tmp");
    let out_file = dir.path().join("big.yaml");
    let mut cmd = opsdeck();
    cmd.arg("record")
        .arg("--kubeconfig")
        .arg(sb.kubeconfig())
        .arg("--out")
        .arg(&out_file)
        .args(["--duration", "2s", "--kinds", "namespaces,nodes,pods"]);
    let out = run_bounded(cmd, "opsdeck record of 5,000 pods");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::metadata(&out_file).expect("written").len() > 0);
    let (rec, timeline) = opsdeck::sandbox::load_streaming(Some(&out_file))
        .unwrap_or_else(|e| panic!("the recording does not load: {e:#}"));
    let pods = rec.objects.iter().filter(|o| o["kind"] == "Pod").count();
    assert!(pods >= 5_000, "{pods} pods");
    assert!(timeline.is_some(), "record's layout streams");
    // And the binary serves it.
    let mut cmd = opsdeck();
    cmd.args(["sandbox", "--port", "0", "--recording"])
        .arg(&out_file)
        .args(["--write-kubeconfig"])
        .arg(dir.path().join("kc"));
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    let n = stdout.read(&mut first).unwrap_or(0);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text(&first[..n]).contains("opsdeck sandbox: serving recording"),
        "{}",
        text(&first[..n])
    );
}

// ---- 10. Objects the API server refuses ----------------------------------------------------

async fn sandbox_with_demo() -> (Sandbox, Client) {
    let yaml = common::recording_yaml("valid", &common::namespace_yaml("demo"), "");
    let recording = Recording::parse(&yaml, "valid.yaml").expect("parses");
    let sb = Sandbox::start(SandboxOptions {
        recording,
        port: 0,
        speed: 1.0,
    })
    .await
    .expect("sandbox");
    let client = Client::try_from(sb.kube_config()).expect("client");
    (sb, client)
}

/// Sends a raw request; returns the status code and the body as JSON.
async fn raw(client: &Client, method: &str, uri: &str, ct: &str, body: Vec<u8>) -> (u16, Value) {
    let req = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", ct)
        .body(body)
        .expect("request");
    match client.request_text(req).await {
        Ok(t) => (200, serde_json::from_str(&t).unwrap_or(Value::Null)),
        Err(kube::Error::Api(s)) => (s.code, serde_json::to_value(&*s).unwrap_or(Value::Null)),
        Err(e) => panic!(
            "{method} {}: not a Status answer: {e:?}",
            &uri[..uri.len().min(80)]
        ),
    }
}

#[tokio::test]
async fn invalid_metadata_is_refused_as_the_api_server_does() {
    let (_sb, client) = sandbox_with_demo().await;
    let cms = "/api/v1/namespaces/demo/configmaps";
    let post = |body: Value| {
        raw(
            &client,
            "POST",
            cms,
            "application/json",
            body.to_string().into_bytes(),
        )
    };
    let (code, status) = post(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "listy", "labels": ["a", "b"]}}))
    .await;
    assert_eq!(code, 400, "{status}");
    assert_eq!(status["reason"], "BadRequest");
    assert!(
        status["message"].as_str().is_some_and(|m| m
            .contains("cannot unmarshal array into Go struct field ObjectMeta.metadata.labels")),
        "{status}"
    );
    let (code, status) = post(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "Bad_Name", "labels": {"ok": "not valid!"}, "annotations": {"a b": "x"}}}))
    .await;
    assert_eq!(code, 422, "{status}");
    assert_eq!(status["reason"], "Invalid");
    let fields: Vec<&str> = status["details"]["causes"]
        .as_array()
        .expect("causes")
        .iter()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["metadata.name", "metadata.labels", "metadata.annotations"],
        "{status}"
    );
    // Nothing was stored: a list still decodes whole.
    let (code, list) = raw(&client, "GET", cms, "application/json", Vec::new()).await;
    assert_eq!(code, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");

    // A JSON patch renaming the object.
    let (code, _) =
        post(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})).await;
    assert_eq!(code, 200);
    let (code, status) = raw(
        &client,
        "PATCH",
        &format!("{cms}/a"),
        "application/json-patch+json",
        json!([{"op": "replace", "path": "/metadata/name", "value": "b"}])
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(code, 400, "{status}");
    assert!(
        status["message"].as_str().is_some_and(
            |m| m.contains("the name of the object (b) does not match the name on the URL (a)")
        ),
        "{status}"
    );
    let (code, status) = raw(
        &client,
        "PATCH",
        &format!("{cms}/a"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"x": 5}}})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(code, 400, "labels of numbers: {status}");

    // Selectors the API server refuses.
    for (query, says) in [
        (
            "fieldSelector=spec.bogus%3D1",
            "field label not supported: spec.bogus",
        ),
        ("fieldSelector=bogus", "invalid selector"),
        (
            "labelSelector=app%20notin%20()",
            "values set can't be empty",
        ),
    ] {
        let (code, status) = raw(
            &client,
            "GET",
            &format!("{cms}?{query}"),
            "application/json",
            Vec::new(),
        )
        .await;
        assert_eq!(code, 400, "{query}: {status}");
        assert!(
            status["message"].as_str().is_some_and(|m| m.contains(says)),
            "{query}: {status}"
        );
    }
    let pods =
        "/api/v1/namespaces/demo/pods?fieldSelector=spec.nodeName%3Dn1,status.phase%3DRunning";
    assert_eq!(
        raw(&client, "GET", pods, "application/json", Vec::new())
            .await
            .0,
        200
    );

    // Limits answer with Status objects too.
    let big = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"},
        "data": {"blob": "x".repeat(4 * 1024 * 1024)}});
    let (code, status) = post(big).await;
    // (kube-rs reports a body that is not a `Status` with the reason "Failed to parse error
    // data": these reasons come from the sandbox's own `Status`.)
    assert_eq!(code, 413, "{status}");
    assert_eq!(status["reason"], "RequestEntityTooLarge", "{status}");
    let long = format!("{cms}?labelSelector=a%3D{}", "x".repeat(40 * 1024));
    let (code, status) = raw(&client, "GET", &long, "application/json", Vec::new()).await;
    assert_eq!(code, 414, "{status}");
    assert_eq!(status["reason"], "RequestURITooLong", "{status}");
}

// ---- 12. CLI output and files -------------------------------------------------------------

#[test]
fn cli_errors_are_plain_without_a_terminal() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut cmd = opsdeck();
    cmd.arg("record")
        .arg("--kubeconfig")
        .arg(dir.path().join("missing-kubeconfig"))
        .arg("--out")
        .arg(dir.path().join("r.yaml"));
    let out = run_bounded(cmd, "opsdeck record with a missing kubeconfig");
    let err = assert_plain_failure(&out, "missing kubeconfig");
    // An expected error: the plain line naming the file, with the fix on the next line.
    assert!(err.starts_with("opsdeck: kubeconfig "), "{err}");
    assert!(err.contains("missing-kubeconfig"), "{err}");
    assert!(files_in(dir.path()).is_empty());
}

// ---- 2. The terminal after a signal ---------------------------------------------------------

/// A tmux server on its own socket, killed when dropped.
struct Pane {
    socket: String,
    _dir: tempfile::TempDir,
}

impl Pane {
    /// Runs `opsdeck ARGS…` in a pane; when it exits, the shell prints its status and the
    /// terminal's modes (`stty -a`), so the test sees what the user would be left with.
    fn start(name: &str, args: &str) -> Pane {
        let dir = tempfile::tempdir().expect("tmp");
        let socket = format!("opsdeck-sig-{}-{name}", std::process::id());
        let cmd = format!(
            "unset KUBECONFIG; OPSDECK_DATA_DIR={d}/data OPSDECK_CONFIG_DIR={d}/config NO_COLOR= {bin} {args}; echo OPSDECK-EXITED $?; stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo|isig)$' | tr '\\n' ' '; echo STTY-END; sleep 600",
            d = dir.path().display(),
            bin = common::tmux::binary().display(),
        );
        let pane = Pane { socket, _dir: dir };
        let out = pane.tmux(&[
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
            "tmux new-session failed (tmux is required): {}",
            text(&out.stderr)
        );
        pane
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux: {e} (tmux is required)"))
    }

    fn screen(&self) -> String {
        text(
            &self
                .tmux(&["capture-pane", "-p", "-J", "-t", "main"])
                .stdout,
        )
    }

    fn format(&self, f: &str) -> String {
        text(
            &self
                .tmux(&["display-message", "-p", "-t", "main", f])
                .stdout,
        )
        .trim()
        .to_string()
    }

    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + HUNG;
        loop {
            let s = self.screen();
            if done(&s) {
                return s;
            }
            assert!(
                Instant::now() < end,
                "gave up waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The pid of opsdeck: the child of the pane's shell.
    fn opsdeck_pid(&self) -> u32 {
        let shell = self.format("#{pane_pid}");
        let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
            .expect("/proc children (Linux)");
        children
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no child of the pane's shell {shell}"))
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// Sends `signal` to the program in the pane and checks that it exits with 128 + n and leaves
/// the terminal as it found it: main screen, cursor shown, canonical mode and echo on.
fn check_restored(pane: &Pane, signal: &str, number: i32) {
    assert_eq!(
        pane.format("#{alternate_on}"),
        "1",
        "the program has the alternate screen"
    );
    let pid = pane.opsdeck_pid();
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let screen = pane.wait_until("the exit and stty", |s| s.contains("STTY-END"));
    assert!(
        screen.contains(&format!("OPSDECK-EXITED {}", 128 + number)),
        "{signal}: {screen}"
    );
    let modes: Vec<&str> = screen
        .lines()
        .find(|l| l.contains("STTY-END"))
        .unwrap_or("")
        .split_whitespace()
        .collect();
    for mode in ["icanon", "echo", "isig"] {
        assert!(
            modes.contains(&mode),
            "{signal}: {mode} off after exit: {modes:?}"
        );
    }
    assert_eq!(
        pane.format("#{alternate_on}"),
        "0",
        "{signal}: still on the alternate screen"
    );
    assert_eq!(
        pane.format("#{cursor_flag}"),
        "1",
        "{signal}: the cursor is hidden"
    );
}

#[test]
fn signals_restore_the_terminal_of_the_console() {
    for (signal, number) in [("TERM", 15), ("HUP", 1), ("INT", 2)] {
        let pane = Pane::start(&format!("console-{signal}"), "--sandbox");
        pane.wait_until("the console", |s| s.contains("connected"));
        check_restored(&pane, signal, number);
    }
}

#[test]
fn signals_restore_the_terminal_of_the_wizard() {
    for (signal, number) in [("TERM", 15), ("HUP", 1)] {
        let pane = Pane::start(&format!("wizard-{signal}"), "install");
        pane.wait_until("the wizard", |s| s.contains("Age key"));
        check_restored(&pane, signal, number);
    }
    // `:install` inside the console: the wizard has the terminal when the signal comes.
    let pane = Pane::start("console-install", "--sandbox -c install");
    pane.wait_until("the wizard in the console", |s| s.contains("Age key"));
    check_restored(&pane, "TERM", 15);
}
