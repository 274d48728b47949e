//! The differential conformance harness: the same scenario runs against the real kube-apiserver
//! of `scripts/cluster up` (admin context) and against an `opsdeck sandbox` process; each step
//! records what a client saw (status code, normalized body, kubectl's output), and the two
//! records are compared path by path.
//!
//! Differences are checked against an explicit list of expected ones: a difference not on the
//! list fails the test, and so does a listed difference that no longer happens (it was fixed,
//! so the list and recordings/README.md must lose it).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::{Map, Value, json};

use crate::common::SandboxProcess;

/// Which server a [`Server`] is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    Real,
    Sandbox,
}

impl Side {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Side::Real => "real",
            Side::Sandbox => "sandbox",
        }
    }
}

fn required_env(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!(
            "{name} is not set: the conformance suite compares the sandbox with the real control \
             plane. Run it with scripts/test, or start the cluster with `scripts/cluster up` and \
             `eval \"$(scripts/cluster env)\"` first"
        )
    })
}

/// One server under test, with a kube-rs client and kubectl pointed at it.
pub(crate) struct Server {
    pub side: Side,
    pub client: Client,
    kubeconfig: PathBuf,
    context: Option<String>,
    home: tempfile::TempDir,
    _sandbox: Option<SandboxProcess>,
}

/// What one HTTP exchange returned.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl Reply {
    /// Status code and body as one observation.
    pub(crate) fn obs(&self) -> Value {
        json!({"code": self.status, "body": self.body})
    }
}

async fn client_for(kubeconfig: &PathBuf, context: Option<String>) -> Client {
    let kc = Kubeconfig::read_from(kubeconfig)
        .unwrap_or_else(|e| panic!("reading {}: {e}", kubeconfig.display()));
    let opts = KubeConfigOptions {
        context,
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .unwrap_or_else(|e| panic!("kubeconfig {}: {e}", kubeconfig.display()));
    Client::try_from(config).expect("kube client")
}

impl Server {
    /// The real control plane named by `OPSDECK_TEST_CLUSTER_*` (admin context).
    pub(crate) async fn real() -> Server {
        let kubeconfig = PathBuf::from(required_env("OPSDECK_TEST_CLUSTER_KUBECONFIG"));
        assert!(
            kubeconfig.is_file(),
            "OPSDECK_TEST_CLUSTER_KUBECONFIG={} is not a file: is the cluster still up? (scripts/cluster status)",
            kubeconfig.display()
        );
        let context = required_env("OPSDECK_TEST_CLUSTER_ADMIN_CONTEXT");
        let client = client_for(&kubeconfig, Some(context.clone())).await;
        Server {
            side: Side::Real,
            client,
            kubeconfig,
            context: Some(context),
            home: tempfile::tempdir().expect("tempdir"),
            _sandbox: None,
        }
    }

    /// A fresh `opsdeck sandbox` serving an empty recording.
    pub(crate) async fn sandbox() -> Server {
        let yaml = crate::common::recording_yaml("conformance", "", "");
        let sandbox = tokio::task::spawn_blocking(move || SandboxProcess::with_recording(&yaml))
            .await
            .expect("start sandbox");
        let kubeconfig = sandbox.kubeconfig().to_path_buf();
        let client = client_for(&kubeconfig, None).await;
        Server {
            side: Side::Sandbox,
            client,
            kubeconfig,
            context: None,
            home: tempfile::tempdir().expect("tempdir"),
            _sandbox: Some(sandbox),
        }
    }

    /// The sandbox's log (empty for the real server).
    pub(crate) fn log_tail(&self) -> String {
        self._sandbox
            .as_ref()
            .map(SandboxProcess::log_tail)
            .unwrap_or_default()
    }

    /// One HTTP request; the reply's body is parsed as JSON when it is JSON, else kept as a
    /// string.
    pub(crate) async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut req = http::Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(kube::client::Body::from(body.unwrap_or_default()))
            .expect("request");
        let resp = self
            .client
            .send(req)
            .await
            .unwrap_or_else(|e| panic!("{} {method} {path}: {e}", self.side.name()));
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Reply {
            status,
            content_type,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.raw("GET", path, &[("Accept", "application/json")], None)
            .await
    }

    pub(crate) async fn get_as(&self, path: &str, accept: &str) -> Reply {
        self.raw("GET", path, &[("Accept", accept)], None).await
    }

    /// A request with a JSON body of the given content type.
    pub(crate) async fn send_json(
        &self,
        method: &str,
        path: &str,
        ctype: &str,
        body: &Value,
    ) -> Reply {
        self.raw(
            method,
            path,
            &[("Content-Type", ctype), ("Accept", "application/json")],
            Some(serde_json::to_vec(body).expect("json")),
        )
        .await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send_json("POST", path, "application/json", body).await
    }

    pub(crate) async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send_json("PUT", path, "application/json", body).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Reply {
        self.raw("DELETE", path, &[("Accept", "application/json")], None)
            .await
    }

    /// POST that must succeed (2xx); returns the body.
    pub(crate) async fn create_ok(&self, path: &str, body: &Value) -> Value {
        let r = self.post(path, body).await;
        assert!(
            (200..300).contains(&r.status),
            "{}: POST {path} failed: {} {}\n{}",
            self.side.name(),
            r.status,
            r.body,
            self.log_tail()
        );
        r.body
    }

    /// Reads a watch stream until `want` events arrived or `timeout` passed. Returns the
    /// status code and the events.
    pub(crate) async fn watch(
        &self,
        path: &str,
        want: usize,
        timeout: Duration,
    ) -> (u16, Vec<Value>) {
        let req = http::Request::builder()
            .method("GET")
            .uri(path)
            .header("Accept", "application/json")
            .body(kube::client::Body::from(Vec::new()))
            .expect("request");
        let resp = self
            .client
            .send(req)
            .await
            .unwrap_or_else(|e| panic!("{} watch {path}: {e}", self.side.name()));
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        let mut buf = Vec::<u8>::new();
        let mut events = Vec::new();
        let deadline = Instant::now() + timeout;
        while events.len() < want {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match tokio::time::timeout(left, body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Some(data) = frame.data_ref() {
                        buf.extend_from_slice(data);
                    }
                    while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = buf.drain(..=pos).collect();
                        if let Ok(v) = serde_json::from_slice::<Value>(&line) {
                            events.push(v);
                        }
                    }
                }
                _ => break,
            }
        }
        if events.is_empty()
            && !buf.is_empty()
            && let Ok(v) = serde_json::from_slice::<Value>(&buf)
        {
            events.push(v);
        }
        (status, events)
    }

    /// kubectl pointed at this server (not run yet).
    pub(crate) fn kubectl_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(crate::common::kubectl_path());
        cmd.arg("--kubeconfig").arg(&self.kubeconfig);
        if let Some(ctx) = &self.context {
            cmd.arg("--context").arg(ctx);
        }
        cmd.args(args)
            .env_remove("KUBECONFIG")
            .env("HOME", self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs kubectl (with `stdin` when given); the observation is its exit code, stdout and
    /// stderr.
    pub(crate) async fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Value {
        let mut cmd = self.kubectl_cmd(args);
        let stdin = stdin.map(str::to_string);
        let out = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut child = cmd.spawn().expect("spawn kubectl");
            let mut pipe = child.stdin.take().expect("stdin");
            if let Some(text) = stdin {
                pipe.write_all(text.as_bytes()).expect("write stdin");
            }
            drop(pipe);
            child.wait_with_output().expect("kubectl output")
        })
        .await
        .expect("kubectl thread");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stdout = match serde_json::from_str::<Value>(&stdout) {
            Ok(v) if stdout.trim_start().starts_with('{') => v,
            _ => Value::String(stdout),
        };
        json!({
            "exit": out.status.code(),
            "stdout": stdout,
            "stderr": String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A namespace name unique to this process and call, the same for both servers.
pub(crate) fn fresh_namespace(scenario: &str) -> String {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let short: String = scenario
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(30)
        .collect();
    format!("conf-{short}-{}-{n}", std::process::id())
}

/// The record of one scenario run on one server: named steps, in order.
#[derive(Default)]
pub(crate) struct Record {
    pub steps: Vec<(String, Value)>,
}

impl Record {
    pub(crate) fn add(&mut self, step: &str, value: Value) {
        self.steps.push((step.to_string(), value));
    }
}

/// Values a client cannot expect to be equal between two servers, replaced by placeholders.
pub(crate) fn normalize(value: &Value, ns: &str) -> Value {
    fn walk(v: &Value, key: Option<&str>, ns: &str) -> Value {
        match v {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), walk(v, Some(k), ns));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .filter(|i| !is_root_ca(i))
                    .map(|i| walk(i, key, ns))
                    .collect(),
            ),
            Value::String(s) => {
                let placeholder = match key {
                    Some("uid") => Some("<uid>"),
                    Some("resourceVersion") => Some("<rv>"),
                    Some(
                        "creationTimestamp" | "deletionTimestamp" | "time" | "lastTransitionTime"
                        | "lastUpdateTime" | "lastHeartbeatTime" | "lastProbeTime" | "startTime"
                        | "startedAt" | "firstTimestamp" | "lastTimestamp" | "eventTime"
                        | "renewTime" | "acquireTime",
                    ) => Some("<time>"),
                    Some("continue") if !s.is_empty() => Some("<continue>"),
                    _ => None,
                };
                match placeholder {
                    Some(p) => Value::String(p.to_string()),
                    None => Value::String(normalize_text(s, ns)),
                }
            }
            Value::Number(_) if key == Some("remainingItemCount") => v.clone(),
            other => other.clone(),
        }
    }
    walk(value, None, ns)
}

/// The CA bundle configmap the real controller-manager publishes into every namespace: a
/// server-only object out of the comparison's scope.
const ROOT_CA: &str = "kube-root-ca.crt";

fn is_root_ca(v: &Value) -> bool {
    v == ROOT_CA
        || v.get("name").is_some_and(|n| n == ROOT_CA)
        || v.pointer("/metadata/name").is_some_and(|n| n == ROOT_CA)
        || v.pointer("/object/metadata/name")
            .is_some_and(|n| n == ROOT_CA)
}

/// Text normalization: generated-name suffixes, uids and ages in kubectl's tables.
pub(crate) fn normalize_text(s: &str, _ns: &str) -> String {
    let uid = regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        .expect("regex");
    let s = uid.replace_all(s, "<uid>");
    // Lines naming the root CA configmap (kubectl's tables and names).
    let s: String = if s.contains(ROOT_CA) {
        s.split_inclusive('\n')
            .filter(|l| !l.contains(ROOT_CA))
            .collect()
    } else {
        s.into_owned()
    };
    // Ages in kubectl's tables: "5s", "2m3s" between blanks; column padding is collapsed.
    let age = regex::Regex::new(r"(?m)(^|\s)\d+[smhd](\d+[smh])?(\s+|$)").expect("regex");
    let s = age.replace_all(&s, "${1}<age> ");
    let blanks = regex::Regex::new(r"[ \t]+").expect("regex");
    blanks.replace_all(&s, " ").into_owned()
}

/// One observed difference.
#[derive(Debug, Clone)]
pub(crate) struct Difference {
    pub path: String,
    pub real: String,
    pub sandbox: String,
}

fn short(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".to_string(),
        Some(Value::String(s)) => {
            let s = s.replace('\n', "⏎");
            if s.chars().count() > 160 {
                format!("{:?}…", s.chars().take(160).collect::<String>())
            } else {
                format!("{s:?}")
            }
        }
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 160 {
                format!("{}…", s.chars().take(160).collect::<String>())
            } else {
                s
            }
        }
    }
}

/// Path-by-path differences between two JSON values.
pub(crate) fn diff(
    path: &str,
    real: Option<&Value>,
    sandbox: Option<&Value>,
    out: &mut Vec<Difference>,
) {
    match (real, sandbox) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                diff(&format!("{path}.{k}"), a.get(k), b.get(k), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), Some(x), Some(y), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Difference {
            path: path.to_string(),
            real: short(a),
            sandbox: short(b),
        }),
    }
}

/// A difference the sandbox is known to have, with why (mirrored in recordings/README.md).
pub(crate) struct Expected {
    pub scenario: &'static str,
    /// The difference's path starts with this (`step` then `.body.…`); `*` stands for any
    /// run of characters (`table *.columns[*].description`). A leading `~` marks a difference
    /// that depends on the real server's history (it may or may not happen).
    pub path: &'static str,
    pub why: &'static str,
}

/// Whether `path` starts with `pattern`, where `*` in the pattern matches any characters.
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let re = format!(
        "^{}",
        pattern
            .trim_start_matches('~')
            .split('*')
            .map(regex::escape)
            .collect::<Vec<_>>()
            .join(".*")
    );
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(path))
}

/// Compares the two records of one scenario, prints the report and panics on a new
/// difference or on an expected one that did not happen.
pub(crate) fn compare(
    scenario: &str,
    ns: &str,
    real: &Record,
    sandbox: &Record,
    expected: &[Expected],
) {
    let mut diffs = Vec::new();
    let real_steps: BTreeMap<&str, &Value> =
        real.steps.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let sandbox_steps: BTreeMap<&str, &Value> =
        sandbox.steps.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut order: Vec<&str> = real.steps.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in &sandbox.steps {
        if !order.contains(&k.as_str()) {
            order.push(k);
        }
    }
    for step in order {
        let a = real_steps.get(step).map(|v| normalize(v, ns));
        let b = sandbox_steps.get(step).map(|v| normalize(v, ns));
        diff(step, a.as_ref(), b.as_ref(), &mut diffs);
    }
    let mine: Vec<&Expected> = expected.iter().filter(|e| e.scenario == scenario).collect();
    let mut used = vec![false; mine.len()];
    let mut report = String::new();
    let mut unexpected = 0;
    for d in &diffs {
        let hit = mine.iter().position(|e| path_matches(e.path, &d.path));
        let mark = match hit {
            Some(i) => {
                used[i] = true;
                "expected"
            }
            None => {
                unexpected += 1;
                "NEW"
            }
        };
        let _ = writeln!(
            report,
            "  [{mark}] {}\n      real:    {}\n      sandbox: {}",
            d.path, d.real, d.sandbox
        );
    }
    let stale: Vec<&&Expected> = mine
        .iter()
        .zip(&used)
        .filter(|(e, u)| !**u && !e.path.starts_with('~'))
        .map(|(e, _)| e)
        .collect();
    println!(
        "conformance {scenario}: {} steps, {} differences ({} new), {} expected-but-gone",
        real.steps.len().max(sandbox.steps.len()),
        diffs.len(),
        unexpected,
        stale.len()
    );
    print!("{report}");
    for e in &stale {
        println!("  [FIXED?] {} (listed: {})", e.path, e.why);
    }
    // The report also goes to a file, so a passing run can show it too (libtest keeps the
    // output of passing tests to itself).
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(
        dir.join(format!("{scenario}.txt")),
        format!(
            "conformance {scenario}: {} differences ({unexpected} new, {} listed but gone)\n{report}",
            diffs.len(),
            stale.len()
        ),
    );
    assert!(
        unexpected == 0 && stale.is_empty(),
        "conformance {scenario}: {unexpected} new difference(s) between the real apiserver and the \
         sandbox, {} listed difference(s) no longer seen; fix the sandbox or update the \
         expected list in tests/conformance.rs and recordings/README.md:\n{report}{}",
        stale.len(),
        stale
            .iter()
            .map(|e| format!("  [FIXED?] {}\n", e.path))
            .collect::<String>()
    );
}
