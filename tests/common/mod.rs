//! Helpers shared by the integration tests: the `opsdeck sandbox` binary as a child process,
//! the real `kubectl` pointed at it, small fixture recordings and kubectl table parsing.
//!
//! Every helper fails loudly: a missing peer (kubectl) or a sandbox that does not come up is a
//! panic naming what is missing, never a silently skipped test.

// The idiom for helpers shared by integration tests (a tests/common.rs would be a test
// target of its own).
#![allow(clippy::mod_module_files)]
#![allow(dead_code)] // each test binary uses a different subset of these helpers

pub(crate) mod argocd;
pub(crate) mod cluster;
pub(crate) mod proxy;
pub(crate) mod tmux;

use std::collections::BTreeMap;

use base64::Engine;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the sandbox binary may take to print where it listens.
const STARTUP_DEADLINE: Duration = Duration::from_secs(60);

/// One running `opsdeck sandbox` process, killed when dropped.
pub(crate) struct SandboxProcess {
    child: Child,
    /// Temporary directory holding the kubeconfig, the recording and the sandbox's log.
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    url: String,
    stdout_lines: Arc<Mutex<Vec<String>>>,
}

impl SandboxProcess {
    /// `opsdeck sandbox` serving the embedded `platform` recording.
    pub(crate) fn platform() -> Self {
        Self::start_with(None, &[])
    }

    /// `opsdeck sandbox --recording <tmp file holding yaml>`.
    pub(crate) fn with_recording(yaml: &str) -> Self {
        Self::start_with(Some(yaml), &[])
    }

    /// `opsdeck sandbox [--recording <tmp file holding yaml>] EXTRA_ARGS…`.
    pub(crate) fn start_with(recording_yaml: Option<&str>, extra_args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("create temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let log_path = dir.path().join("sandbox.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
        cmd.arg("sandbox")
            .arg("--port")
            .arg("0")
            .arg("--write-kubeconfig")
            .arg(&kubeconfig);
        if let Some(yaml) = recording_yaml {
            let rec = dir.path().join("recording.yaml");
            std::fs::write(&rec, yaml).expect("write fixture recording");
            cmd.arg("--recording").arg(&rec);
        }
        cmd.args(extra_args);
        let log = std::fs::File::create(&log_path).expect("create sandbox log");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {}: {e}", env!("CARGO_BIN_EXE_opsdeck")));

        // Collect stdout on a thread, so the child never blocks on a full pipe.
        let stdout = child.stdout.take().expect("piped stdout");
        let stdout_lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = channel::<String>();
        {
            let lines = Arc::clone(&stdout_lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    lines.lock().expect("lines lock").push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }

        let mut sandbox = SandboxProcess {
            child,
            dir,
            kubeconfig,
            url: String::new(),
            stdout_lines,
        };
        sandbox.url = sandbox.wait_listening(&rx);
        sandbox
    }

    /// Waits for `listening on http://…` and for the kubeconfig file; returns the URL.
    fn wait_listening(&mut self, rx: &Receiver<String>) -> String {
        let deadline = Instant::now() + STARTUP_DEADLINE;
        let export_line = format!("export KUBECONFIG={}", self.kubeconfig.display());
        let mut url = None;
        let mut exported = false;
        while url.is_none() || !exported {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.trim().strip_prefix("listening on ") {
                        url = Some(rest.trim().to_string());
                    }
                    exported |= line.trim() == export_line;
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.fail_startup("no `listening on` and `export KUBECONFIG=` lines")
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail_startup("the sandbox closed stdout (exited?)")
                }
            }
        }
        while !self.kubeconfig.exists()
            || std::fs::metadata(&self.kubeconfig).map_or(0, |m| m.len()) == 0
        {
            if Instant::now() > deadline {
                self.fail_startup("the kubeconfig was not written");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let url = url.expect("url set");
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("https://127.0.0.1:"),
            "unexpected sandbox URL {url:?}"
        );
        url
    }

    fn fail_startup(&mut self, what: &str) -> ! {
        let status = self.child.try_wait().ok().flatten();
        panic!(
            "opsdeck sandbox did not start: {what} (exit status: {status:?})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout(),
            self.log()
        );
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Process id of the sandbox (for /proc/<pid>/status).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// A scratch directory that lives as long as the sandbox.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything the sandbox printed on stdout so far.
    pub(crate) fn stdout(&self) -> String {
        self.stdout_lines.lock().expect("lines lock").join("\n")
    }

    /// Everything the sandbox wrote on stderr so far (its log).
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sandbox.log")).unwrap_or_default()
    }

    /// The sandbox's log, last lines only (for failure messages).
    pub(crate) fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// A `kubectl` command pointed at this sandbox (not run yet).
    pub(crate) fn kubectl_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(kubectl_path());
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path()) // no discovery cache or config from the user
            .stdin(Stdio::null());
        cmd
    }

    /// Runs kubectl against this sandbox and returns what it did.
    pub(crate) fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_cmd(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", kubectl_path().display()))
    }

    /// Runs kubectl; panics with its stderr (and the sandbox's log) unless it succeeds.
    /// Returns stdout.
    pub(crate) fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        if !out.status.success() {
            panic!(
                "`kubectl {}` failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- sandbox log (tail) ---\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                self.log_tail()
            );
        }
        // client-go logs discovery and decoding trouble as klog lines (`E1122 00:08:08 …`,
        // `W1122 …`) even when the command succeeds: a real cluster causes none.
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(line) = stderr.lines().find(|l| is_klog_problem(l)) {
            panic!(
                "`kubectl {}` succeeded but client-go complained:\n{line}\n--- stderr ---\n{stderr}",
                args.join(" ")
            );
        }
        String::from_utf8(out.stdout).expect("kubectl stdout is UTF-8")
    }

    /// Runs kubectl expecting it to fail; returns stderr.
    pub(crate) fn kubectl_err(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            !out.status.success(),
            "`kubectl {}` succeeded but should have failed\n--- stdout ---\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Runs kubectl with `stdin` as its standard input (for `-f -`).
    pub(crate) fn kubectl_stdin_ok(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut child = self
            .kubectl_cmd(args)
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
            "`kubectl {}` failed\n--- stderr ---\n{}\n--- sandbox log (tail) ---\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr),
            self.log_tail()
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    }

    /// `kubectl get … -o json`, parsed.
    pub(crate) fn kubectl_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-o", "json"]);
        let out = self.kubectl_ok(&all);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("`kubectl {}` printed no JSON: {e}\n{out}", all.join(" ")))
    }

    /// Starts a long-running kubectl (e.g. `get --watch`) whose stdout lines arrive on a
    /// channel. The child is killed when the returned guard is dropped.
    pub(crate) fn kubectl_stream(&self, args: &[&str]) -> KubectlStream {
        let mut child = self
            .kubectl_cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kubectl");
        let stdout: ChildStdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_text = Arc::new(Mutex::new(String::new()));
        {
            let stderr_text = Arc::clone(&stderr_text);
            std::thread::spawn(move || {
                let mut buf = String::new();
                let _ = stderr.read_to_string(&mut buf);
                stderr_text.lock().expect("stderr lock").push_str(&buf);
            });
        }
        KubectlStream {
            child,
            lines: rx,
            seen: Vec::new(),
            stderr: stderr_text,
        }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running kubectl whose stdout is read line by line.
pub(crate) struct KubectlStream {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl KubectlStream {
    /// Reads lines until one satisfies `pred` (returns it) or `deadline` passes (panics with
    /// everything seen so far and kubectl's stderr).
    pub(crate) fn wait_for_line(
        &mut self,
        what: &str,
        deadline: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let end = Instant::now() + deadline;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(e) => {
                    let _ = self.child.kill();
                    std::thread::sleep(Duration::from_millis(100));
                    panic!(
                        "kubectl never printed {what} within {deadline:?} ({e:?})\n--- stdout so far ---\n{}\n--- stderr ---\n{}",
                        self.seen.join("\n"),
                        self.stderr.lock().expect("stderr lock")
                    );
                }
            }
        }
    }

    /// Every line read so far.
    pub(crate) fn seen(&self) -> &[String] {
        &self.seen
    }
}

impl Drop for KubectlStream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A klog error or warning line: `E1122 00:08:08.349804   26173 file.go:53] …`.
fn is_klog_problem(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 6
        && (b[0] == b'E' || b[0] == b'W')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' '
}

/// The kubectl under test: `$OPSDECK_TEST_KUBECTL` (scripts/test sets it to the kubectl built
/// from tests/cluster/, the release of the test control plane), else that build in
/// `target/cluster/bin`. Never a kubectl that happens to be on PATH. Panics when there is
/// none: these tests need the real client.
pub(crate) fn kubectl_path() -> PathBuf {
    if let Some(path) = std::env::var_os("OPSDECK_TEST_KUBECTL").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "OPSDECK_TEST_KUBECTL={} is not a file; run the tests with scripts/test",
            path.display()
        );
        return path;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let built = target.join("cluster/bin/kubectl");
    assert!(
        built.is_file(),
        "kubectl is missing: these tests drive the real kubectl, built from tests/cluster/ with Go. \
         Run them with scripts/test, or build it with `scripts/cluster build` ({} then exists), \
         or set OPSDECK_TEST_KUBECTL.",
        built.display()
    );
    built
}

/// Path of a file under `tests/fixtures/`.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A small recording: `objects` and `timeline` are YAML sequences (already indented by
/// nothing; they are re-indented here).
pub(crate) fn recording_yaml(name: &str, objects: &str, timeline: &str) -> String {
    fn indent(block: &str) -> String {
        block
            .lines()
            .map(|l| {
                if l.trim().is_empty() {
                    String::new()
                } else {
                    format!("  {l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
    let mut out = format!(
        "apiVersion: opsdeck.dev/v1\nkind: Recording\nmetadata:\n  name: {name}\n  description: test fixture\n  kubernetesVersion: v1.31.4\n"
    );
    if objects.trim().is_empty() {
        out.push_str("objects: []\n");
    } else {
        out.push_str("objects:\n");
        out.push_str(&indent(objects));
        out.push('\n');
    }
    if timeline.trim().is_empty() {
        out.push_str("timeline: []\n");
    } else {
        out.push_str("timeline:\n");
        out.push_str(&indent(timeline));
        out.push('\n');
    }
    out
}

/// A minimal Pod as a recording object (YAML list item).
pub(crate) fn pod_yaml(
    namespace: &str,
    name: &str,
    labels: &[(&str, &str)],
    phase: &str,
) -> String {
    let labels = if labels.is_empty() {
        "{}".to_string()
    } else {
        format!(
            "{{{}}}",
            labels
                .iter()
                .map(|(k, v)| format!("{k:?}: {v:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let ready = if phase == "Running" { "true" } else { "false" };
    let container_statuses = if phase == "Running" {
        format!(
            "\n    containerStatuses:\n      - name: app\n        image: nginx:1.27\n        imageID: docker.io/library/nginx@sha256:0000\n        ready: {ready}\n        started: true\n        restartCount: 0\n        state: {{running: {{startedAt: \"2026-11-01T10:00:00Z\"}}}}"
        )
    } else {
        String::new()
    };
    format!(
        r#"- apiVersion: v1
  kind: Pod
  metadata:
    name: {name}
    namespace: {namespace}
    labels: {labels}
    uid: {uid}
    creationTimestamp: "2026-11-01T10:00:00Z"
  spec:
    nodeName: node-a
    containers:
      - name: app
        image: nginx:1.27
  status:
    phase: {phase}
    conditions:
      - type: Ready
        status: "{ready_cap}"
        lastTransitionTime: "2026-11-01T10:00:00Z"{container_statuses}"#,
        uid = uuid_for(namespace, name),
        ready_cap = if phase == "Running" { "True" } else { "False" },
    )
}

/// A minimal Namespace as a recording object (YAML list item).
pub(crate) fn namespace_yaml(name: &str) -> String {
    format!(
        "- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: {name}\n    uid: {}\n    creationTimestamp: \"2026-11-01T09:00:00Z\"\n  spec: {{finalizers: [kubernetes]}}\n  status: {{phase: Active}}",
        uuid_for("", name)
    )
}

/// A stable, valid-looking UID for a fixture object.
pub(crate) fn uuid_for(namespace: &str, name: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("opsdeck-test/{namespace}/{name}").as_bytes(),
    )
    .to_string()
}

/// Parses kubectl's table output (`kubectl get` without `-o`) into rows keyed by the header's
/// column names. Cells are cut at the header's column offsets (kubectl aligns them), so empty
/// cells and values with spaces are handled; the amount of padding is not assumed.
pub(crate) fn parse_table(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return vec![];
    };
    let chars: Vec<char> = header.chars().collect();
    let mut starts = vec![];
    for i in 0..chars.len() {
        let starts_here =
            chars[i] != ' ' && (i == 0 || (i >= 2 && chars[i - 1] == ' ' && chars[i - 2] == ' '));
        if starts_here {
            starts.push(i);
        }
    }
    let names: Vec<String> = starts
        .iter()
        .enumerate()
        .map(|(n, &s)| {
            let end = starts.get(n + 1).copied().unwrap_or(chars.len());
            chars[s..end].iter().collect::<String>().trim().to_string()
        })
        .collect();
    lines
        .map(|line| {
            let cs: Vec<char> = line.chars().collect();
            names
                .iter()
                .enumerate()
                .map(|(n, name)| {
                    let s = starts[n].min(cs.len());
                    let e = starts.get(n + 1).copied().unwrap_or(cs.len()).min(cs.len());
                    // The last column takes the rest of the line.
                    let e = if n + 1 == names.len() { cs.len() } else { e };
                    (
                        name.clone(),
                        cs[s..e].iter().collect::<String>().trim().to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

/// The column names of a kubectl table's header line.
pub(crate) fn table_header(text: &str) -> Vec<String> {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    header
        .split("  ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// After an install into `sb`, every form of the age private key that must not leak: the
/// key itself, the Secret's base64 values, and the base64 of the bare key.
pub(crate) fn age_key_needles(sb: &SandboxProcess) -> Vec<String> {
    let secret = sb.kubectl_json(&[
        "-n",
        "argo",
        "get",
        "secret",
        "helm-secrets-private-keys",
        "-o",
        "json",
    ]);
    age_key_needles_from(&secret)
}

/// [`age_key_needles`] of a key Secret read elsewhere (the real control plane).
pub(crate) fn age_key_needles_from(secret: &serde_json::Value) -> Vec<String> {
    let data = secret["data"].as_object().expect("the key Secret has data");
    let mut needles = Vec::new();
    for value in data.values() {
        let b64 = value.as_str().expect("base64 string").to_string();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&b64)
            .expect("valid base64");
        let text = String::from_utf8(decoded).expect("key text");
        for word in text.split_whitespace() {
            if word.starts_with("AGE-SECRET-KEY-") {
                needles.push(word.to_string());
                needles.push(base64::engine::general_purpose::STANDARD.encode(word));
            }
        }
        // Long enough to be unmistakable, short enough to survive a wrapped line.
        needles.push(b64.chars().take(40).collect());
    }
    assert!(
        needles.iter().any(|n| n.starts_with("AGE-SECRET-KEY-")),
        "the Secret holds no age key: {secret}"
    );
    needles
}

/// Fails, naming `what`, when `text` holds one of the [`age_key_needles`].
pub(crate) fn assert_no_age_key(what: &str, text: &str, needles: &[String]) {
    for n in needles {
        assert!(
            !text.contains(n.as_str()),
            "{what} shows the age private key (as {}…):\n{text}",
            n.chars().take(20).collect::<String>()
        );
    }
}
