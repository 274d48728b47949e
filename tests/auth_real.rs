//! Authentication as users have it, against the real control plane of `scripts/cluster up`:
//! a client certificate (the admin context), a bearer token (the view context), and an exec
//! credential plugin speaking client.authentication.k8s.io/v1 (a test script handing back
//! the view user's token): non-interactive, interactive (it asks for an MFA code on the
//! terminal before the console takes the screen; the test types it in tmux), and failing
//! (its command and stderr are named, Enter runs it again; without a terminal it is a plain
//! error, not a hang). Mid-session: an `interactiveMode: Always` plugin whose credential is
//! refused (401) or about to expire gets the terminal lent by the console (the screen is
//! left, the plugin asks, the console comes back); a credential that says it expires soon is
//! refreshed ahead of its `expirationTimestamp`, with the expiry enforced for real (bound
//! ServiceAccount tokens whose Secret the test deletes when the plugin said they expire).
//!
//! Needs OPSDECK_TEST_CLUSTER_* (scripts/test exports them); fails loudly without them.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::cluster::RealCluster;
use common::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(60);

/// The test plugin. `PLUGIN_MODE`: `plain` answers, `ask` asks for an MFA code on the
/// terminal first, `fail-once` fails (as an expired login does) on its first run, `fail`
/// always fails, `expired` hands out a token the server refuses, then fails, then answers;
/// `ask-refused` asks every time and hands out a token the server refuses, then one said to
/// expire in 40 s, then a lasting one; `short` hands out a fresh bound ServiceAccount token
/// said to expire in 40 s on each run (its Secret's name, issue and expiry times appended to
/// `$PLUGIN_RUNS.tokens`, the token to `$PLUGIN_RUNS.token-<name>`). Every run appends its
/// KUBERNETES_EXEC_INFO to `PLUGIN_RUNS`.
const PLUGIN: &str = r#"#!/bin/sh
echo "$KUBERNETES_EXEC_INFO" >> "$PLUGIN_RUNS"
credential() {
  printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' "$1" "$2"
}
case "$PLUGIN_MODE" in
  ask-refused)
    printf 'MFA code for viewer: ' >&2
    read -r code || { echo "no terminal to ask on" >&2; exit 2; }
    [ "$code" = 424242 ] || { echo "wrong MFA code" >&2; exit 1; }
    n=$(wc -l < "$PLUGIN_RUNS")
    if [ "$n" -eq 1 ]; then credential revoked-token 2099-01-01T00:00:00Z; exit 0; fi
    if [ "$n" -eq 2 ]; then
      credential "$(cat "$TOKEN_FILE")" "$(date -u -d '+40 seconds' +%Y-%m-%dT%H:%M:%SZ)"; exit 0
    fi ;;
  short)
    name="short-$(date +%s%N)"
    k() { "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" --context "$ADMIN_CONTEXT" -n "$SHORT_NS" "$@"; }
    k create secret generic "$name" >/dev/null || exit 3
    token=$(k create token short-lived --bound-object-kind Secret --bound-object-name "$name" --duration 10m) || exit 4
    expires=$(date -u -d '+40 seconds' +%Y-%m-%dT%H:%M:%SZ)
    printf '%s' "$token" > "$PLUGIN_RUNS.token-$name"
    echo "$name $(date -u +%s) $(date -u -d "$expires" +%s)" >> "$PLUGIN_RUNS.tokens"
    credential "$token" "$expires"
    exit 0 ;;
  ask)
    printf 'MFA code for viewer: ' >&2
    read -r code || { echo "no terminal to ask on" >&2; exit 2; }
    [ "$code" = 424242 ] || { echo "wrong MFA code" >&2; exit 1; } ;;
  fail-once)
    if [ ! -e "$PLUGIN_RUNS.failed" ]; then
      : > "$PLUGIN_RUNS.failed"
      echo "token expired for viewer: sign in again" >&2
      exit 1
    fi ;;
  fail)
    echo "token expired for viewer: sign in again" >&2
    exit 1 ;;
  expired)
    # 1st run: a token the API server refuses; 2nd: the login expired; then a good one.
    n=$(wc -l < "$PLUGIN_RUNS")
    if [ "$n" -eq 1 ]; then
      printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"revoked-token","expirationTimestamp":"2099-01-01T00:00:00Z"}}\n'
      exit 0
    fi
    if [ "$n" -eq 2 ]; then
      echo "refresh token expired for viewer" >&2
      exit 1
    fi ;;
esac
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2099-01-01T00:00:00Z"}}\n' "$(cat "$TOKEN_FILE")"
"#;

struct PluginSetup {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl PluginSetup {
    fn runs_file(&self, mode: &str) -> PathBuf {
        self.dir.path().join(format!("runs-{mode}"))
    }

    /// What the plugin got as KUBERNETES_EXEC_INFO, one line per run.
    fn runs(&self, mode: &str) -> Vec<String> {
        std::fs::read_to_string(self.runs_file(mode))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// A kubeconfig for the test cluster with one context per plugin mode: `exec-<mode>`, user
/// `exec-<mode>` (the plugin with that mode and `interactive`), namespace `view`.
fn setup(c: &RealCluster, modes: &[(&str, &str)]) -> PluginSetup {
    let dir = tempfile::tempdir().expect("tmp");
    let plugin = dir.path().join("test-credential-plugin");
    std::fs::write(&plugin, PLUGIN).expect("plugin");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let token = PathBuf::from(
        std::env::var("OPSDECK_TEST_CLUSTER_DIR").expect("OPSDECK_TEST_CLUSTER_DIR is set"),
    )
    .join("pki/viewer.token");
    assert!(token.is_file(), "{} missing", token.display());
    // The cluster entry of the test kubeconfig, then one user and context per mode, written
    // as JSON (a kubeconfig is YAML): kubectl would store the plugin path relative.
    let out = c.kubectl_ok(&["config", "view", "--raw", "--minify", "-o", "json"]);
    let admin: serde_json::Value = serde_json::from_str(&out).expect("kubeconfig JSON");
    let cluster = admin["clusters"][0].clone();
    let cluster_name = cluster["name"].as_str().expect("cluster name").to_string();
    let mut users = Vec::new();
    let mut contexts = Vec::new();
    for (mode, interactive) in modes {
        let name = format!("exec-{mode}");
        let env = |k: &str, v: String| serde_json::json!({"name": k, "value": v});
        users.push(serde_json::json!({"name": name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": plugin.display().to_string(),
            "env": [
                env("PLUGIN_MODE", mode.to_string()),
                env("PLUGIN_RUNS", dir.path().join(format!("runs-{mode}")).display().to_string()),
                env("TOKEN_FILE", token.display().to_string()),
                env("KUBECTL", common::kubectl_path().display().to_string()),
                env("ADMIN_KUBECONFIG", c.kubeconfig().display().to_string()),
                env("ADMIN_CONTEXT", c.admin_context().to_string()),
                env("SHORT_NS", c.view_namespace().to_string()),
                env("HOME", dir.path().display().to_string()),
            ],
            "interactiveMode": interactive,
        }}}));
        contexts.push(serde_json::json!({"name": name, "context": {
            "cluster": cluster_name, "user": name, "namespace": c.view_namespace()}}));
    }
    let kc = serde_json::json!({"apiVersion": "v1", "kind": "Config",
        "clusters": [cluster], "users": users, "contexts": contexts,
        "current-context": format!("exec-{}", modes[0].0)});
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, kc.to_string()).expect("write kubeconfig");
    PluginSetup { dir, kubeconfig }
}

fn console(name: &str, kubeconfig: &Path, context: &str) -> Tmux {
    let kubeconfig = kubeconfig.display().to_string();
    Tmux::start(
        name,
        &["--kubeconfig", &kubeconfig, "--context", context],
        WAIT,
    )
}

/// Connected as `context` (the header names the user only when it differs from the
/// context's name), in namespace `view`, its pods listed.
fn connected_in_view(t: &Tmux, c: &RealCluster, context: &str) {
    t.wait_for(&[
        &format!("context {context} "),
        "● connected",
        "k8s v1.37",
        &format!("pods({})[", c.view_namespace()),
    ]);
}

#[test]
fn client_certificate_and_bearer_token() {
    let c = RealCluster::from_env();
    let t = console("cert", c.kubeconfig(), c.admin_context());
    t.wait_for(&[
        "context admin",
        "● connected",
        "k8s v1.37",
        "pods(default)[",
    ]);
    t.quit();
    let t = console("token", c.kubeconfig(), c.view_context());
    connected_in_view(&t, &c, c.view_context());
    t.wait_for(&["user viewer"]);
    t.quit();
}

#[test]
fn exec_plugin_non_interactive_runs_once() {
    let c = RealCluster::from_env();
    let s = setup(&c, &[("plain", "Never")]);
    let t = console("exec-plain", &s.kubeconfig, "exec-plain");
    connected_in_view(&t, &c, "exec-plain");
    t.quit();
    let runs = s.runs("plain");
    assert_eq!(
        runs.len(),
        1,
        "the plugin ran {} times: {runs:?}",
        runs.len()
    );
    assert!(
        runs[0].contains(r#""apiVersion":"client.authentication.k8s.io/v1""#)
            && runs[0].contains(r#""interactive":false"#),
        "{runs:?}"
    );
}

#[test]
fn exec_plugin_interactive_asks_on_the_terminal_before_the_screen() {
    let c = RealCluster::from_env();
    let s = setup(&c, &[("ask", "Always")]);
    let t = console("exec-ask", &s.kubeconfig, "exec-ask");
    // The prompt is on the plain terminal: the console has not taken the screen yet.
    let screen = t.wait_for(&["MFA code for viewer:"]);
    assert!(!screen.contains("● connected"), "{screen}");
    t.text("424242");
    t.keys(&["Enter"]);
    connected_in_view(&t, &c, "exec-ask");
    t.quit();
    let runs = s.runs("ask");
    assert_eq!(runs.len(), 1, "asked {} times: {runs:?}", runs.len());
    assert!(runs[0].contains(r#""interactive":true"#), "{runs:?}");
}

#[test]
fn failing_exec_plugin_is_named_and_retried() {
    let c = RealCluster::from_env();
    let s = setup(&c, &[("fail-once", "IfAvailable"), ("fail", "Never")]);
    let t = console("exec-retry", &s.kubeconfig, "exec-fail-once");
    let screen = t.wait_for(&[
        "credential plugin `",
        "test-credential-plugin` failed (exit status: 1)",
        "its stderr: token expired for viewer: sign in again",
        "press Enter to run the credential plugin again",
    ]);
    assert!(!screen.contains("● connected"), "{screen}");
    t.keys(&["Enter"]);
    connected_in_view(&t, &c, "exec-fail-once");
    t.quit();
    assert_eq!(s.runs("fail-once").len(), 2);

    // Without a terminal (a script, CI): a plain error naming the plugin, at once.
    let out = Command::new(common::tmux::binary())
        .arg("--kubeconfig")
        .arg(&s.kubeconfig)
        .args(["--context", "exec-fail"])
        .env("OPSDECK_DATA_DIR", s.dir.path().join("data"))
        .env("OPSDECK_CONFIG_DIR", s.dir.path().join("config"))
        .stdin(Stdio::null())
        .output()
        .expect("opsdeck runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("test-credential-plugin` failed (exit status: 1); its stderr: token expired for viewer: sign in again"),
        "{err}"
    );
    assert!(!err.contains("press Enter"), "{err}");
}

#[test]
fn refused_credential_runs_the_plugin_again_with_a_clear_message() {
    let c = RealCluster::from_env();
    let s = setup(&c, &[("expired", "IfAvailable")]);
    let t = console("exec-expired", &s.kubeconfig, "exec-expired");
    // The refused token, then the failing run: said in the header, with the retry.
    t.wait_for(&[
        "refused the credential from the exec plugin (401 Unauthorized)",
        "its stderr: refresh token expired for viewer",
        "retrying in",
    ]);
    // The next retry signs in and connects.
    connected_in_view(&t, &c, "exec-expired");
    t.quit();
    let runs = s.runs("expired");
    assert_eq!(runs.len(), 3, "{runs:?}");
    // Runs after the screen was taken never get the terminal.
    assert!(runs[1].contains(r#""interactive":false"#), "{runs:?}");
}

#[test]
fn switching_to_a_context_with_a_plugin_runs_it_without_the_terminal() {
    let c = RealCluster::from_env();
    let s = setup(&c, &[("plain", "Never"), ("fail-once", "IfAvailable")]);
    let t = console("exec-ctx", &s.kubeconfig, "exec-plain");
    connected_in_view(&t, &c, "exec-plain");
    t.keys(&[":"]);
    t.text("ctx exec-fail-once");
    t.keys(&["Enter"]);
    // Its first run fails: said with its stderr and a retry, then it signs in.
    t.wait_for(&["its stderr: token expired for viewer", "retrying in"]);
    connected_in_view(&t, &c, "exec-fail-once");
    t.quit();
    let runs = s.runs("fail-once");
    assert_eq!(runs.len(), 2, "{runs:?}");
    // The console held the screen: the plugin never got the terminal.
    assert!(
        runs.iter().all(|r| r.contains(r#""interactive":false"#)),
        "{runs:?}"
    );
}

/// An `interactiveMode: Always` plugin mid-session: its credential refused (401), the console
/// leaves the screen, says why, and the plugin asks on the real terminal; the console comes
/// back connected with its watches. The next credential says it expires in 40 s: well
/// before, the console lends the terminal again ("expires at") and the plugin asks again.
#[test]
fn interactive_plugin_asks_again_mid_session_on_the_lent_terminal() {
    let c = RealCluster::from_env();
    let s = setup(&c, &[("ask-refused", "Always")]);
    let t = console("exec-ask-again", &s.kubeconfig, "exec-ask-refused");
    let screen = t.wait_for(&["MFA code for viewer:"]);
    assert!(!screen.contains("● connected"), "{screen}");
    t.text("424242");
    t.keys(&["Enter"]);
    // Refused: the screen is left, the reason said, and the plugin asks below it.
    let refused = "opsdeck: the API server refused the credential from the exec plugin (401 Unauthorized); the credential plugin `";
    let screen = t.wait_until("the plugin asking after the 401", |s| {
        s.split_once(refused)
            .is_some_and(|(_, after)| after.contains("MFA code for viewer:"))
    });
    assert!(screen.contains("runs on the terminal"), "{screen}");
    assert!(!screen.contains("● connected"), "{screen}");
    t.text("424242");
    t.keys(&["Enter"]);
    connected_in_view(&t, &c, "exec-ask-refused");
    // Ahead of the 40 s expiry: asked again on the lent terminal, then back.
    let soon = "opsdeck: the credential from the exec plugin expires at ";
    t.wait_until("the plugin asking ahead of the expiry", |s| {
        s.split_once(soon)
            .is_some_and(|(_, after)| after.contains("MFA code for viewer:"))
    });
    t.text("424242");
    t.keys(&["Enter"]);
    connected_in_view(&t, &c, "exec-ask-refused");
    t.quit();
    let runs = s.runs("ask-refused");
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert!(
        runs.iter().all(|r| r.contains(r#""interactive":true"#)),
        "every run had the terminal: {runs:?}"
    );
}

/// One line of `$PLUGIN_RUNS.tokens` (after the bound Secret's name): when the token was
/// issued and when the plugin said it expires (Unix seconds).
#[derive(Debug, Clone)]
struct Issued {
    issued: i64,
    expires: i64,
}

fn issued(s: &PluginSetup) -> Vec<Issued> {
    let path = PathBuf::from(format!("{}.tokens", s.runs_file("short").display()));
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            f.next()?;
            Some(Issued {
                issued: f.next()?.parse().ok()?,
                expires: f.next()?.parse().ok()?,
            })
        })
        .collect()
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A non-interactive plugin whose tokens expire for real: each is a ServiceAccount token
/// bound to a Secret of its own, and the test deletes that Secret the second the plugin said
/// the token expires (the API server refuses it from then on; checked with kubectl). The
/// console refreshes each token ahead of its expiry in the background: the next run comes
/// before the last token dies, no screen ever shows a refused credential or an unreachable
/// server, and the watches go on (a pod created after two refreshes shows up).
#[test]
fn credentials_are_refreshed_before_they_expire_and_nothing_fails() {
    let c = RealCluster::from_env();
    let ns = c.view_namespace().to_string();
    let sa = "short-lived";
    let _ = c.kubectl_as(
        c.admin_context(),
        &["-n", &ns, "delete", "sa", sa, "--ignore-not-found"],
    );
    c.kubectl_ok(&["-n", &ns, "create", "serviceaccount", sa]);
    let binding = format!("{sa}-view");
    let _ = c.kubectl_as(
        c.admin_context(),
        &[
            "-n",
            &ns,
            "delete",
            "rolebinding",
            &binding,
            "--ignore-not-found",
        ],
    );
    c.kubectl_ok(&[
        "-n",
        &ns,
        "create",
        "rolebinding",
        &binding,
        "--clusterrole=view",
        &format!("--serviceaccount={ns}:{sa}"),
    ]);
    let s = setup(&c, &[("short", "Never")]);
    // Three tokens of 40 s, each replaced 20 s before its expiry: over a minute.
    let kubeconfig = s.kubeconfig.display().to_string();
    let t = Tmux::start(
        "exec-short",
        &["--kubeconfig", &kubeconfig, "--context", "exec-short"],
        Duration::from_secs(180),
    );
    connected_in_view(&t, &c, "exec-short");
    // Revokes each token when the plugin said it expires; checks the first is refused then.
    let revoked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let revoker = {
        let revoked = revoked.clone();
        let stop = stop.clone();
        let runs = s.runs_file("short");
        let kubeconfig = c.kubeconfig().to_path_buf();
        let view = c.view_context().to_string();
        let ns = ns.clone();
        std::thread::spawn(move || {
            let c = RealCluster::from_env();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let path = PathBuf::from(format!("{}.tokens", runs.display()));
                let lines = std::fs::read_to_string(path).unwrap_or_default();
                for l in lines.lines() {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    let (Some(name), Some(exp)) = (f.first(), f.get(2)) else {
                        continue;
                    };
                    let done = revoked.lock().expect("lock").contains(&name.to_string());
                    if done || exp.parse::<i64>().unwrap_or(i64::MAX) > now_secs() {
                        continue;
                    }
                    c.kubectl_ok(&["-n", &ns, "delete", "secret", name]);
                    let token = std::fs::read_to_string(format!("{}.token-{name}", runs.display()))
                        .expect("the token file");
                    // The revoked token is refused by the API server from now on.
                    let out = Command::new(common::kubectl_path())
                        .arg("--kubeconfig")
                        .arg(&kubeconfig)
                        .args(["--context", &view, "--token", &token])
                        .args(["-n", &ns, "get", "pods"])
                        .output()
                        .expect("kubectl");
                    let err = String::from_utf8_lossy(&out.stderr).to_string();
                    assert!(
                        !out.status.success() && err.contains("Unauthorized"),
                        "the revoked token still works: {err}"
                    );
                    revoked.lock().expect("lock").push(name.to_string());
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    // Two tokens revoked after their expiry, the console on the third.
    let screens = t.record_until("two refreshes and two revoked tokens", |_| {
        revoked.lock().expect("lock").len() >= 2 && issued(&s).len() >= 3
    });
    let pod = format!("after-refresh-{}", std::process::id());
    c.kubectl_ok(&[
        "-n",
        &ns,
        "run",
        &pod,
        "--image=registry.example/none:1",
        "--restart=Never",
    ]);
    let more = t.record_until("the pod created after the refreshes", |s| s.contains(&pod));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    revoker
        .join()
        .expect("the revoker checked each revoked token");
    t.quit();
    let _ = c.kubectl_as(
        c.admin_context(),
        &["-n", &ns, "delete", "pod", &pod, "--wait=false"],
    );
    for screen in screens.iter().chain(&more) {
        for bad in ["401 Unauthorized", "refused the credential", "unreachable"] {
            assert!(!screen.contains(bad), "a screen says {bad:?}:\n{screen}");
        }
    }
    let tokens = issued(&s);
    for pair in tokens.windows(2) {
        assert!(
            pair[1].issued < pair[0].expires,
            "a token was replaced only after it expired: {tokens:?}"
        );
    }
    let runs = s.runs("short");
    assert!(
        runs.iter().all(|r| r.contains(r#""interactive":false"#)),
        "{runs:?}"
    );
    for (kind, name) in [("rolebinding", binding.as_str()), ("serviceaccount", sa)] {
        let _ = c.kubectl_as(c.admin_context(), &["-n", &ns, "delete", kind, name]);
    }
}
