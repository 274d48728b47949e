//! Exec credential plugins (`users[].user.exec`: `aws eks get-token`, kubelogin, gke-gcloud-
//! auth-plugin), run by opsdeck itself before a client is built, speaking
//! `client.authentication.k8s.io/v1` (and v1beta1).
//!
//! Why not leave it to kube-rs 5: it runs the plugin while building the client, twice with
//! rustls (once for a client certificate in the TLS setup, once for the bearer token), with
//! the terminal inherited unless `interactiveMode: Never` and no check that there is a
//! terminal at all, with no time limit, and a failure reads as a Debug dump of the plugin's
//! output bytes. Here the plugin runs once, on the real terminal when it may ask
//! (`IfAvailable` with a terminal, or `Always`), before the console takes the screen; its
//! credential replaces the `exec` section in the kubeconfig held in memory, so kube-rs only
//! sees a token or a client certificate. A failure names the command and the end of what it
//! wrote on stderr.

use std::io::{IsTerminal as _, Write as _};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use kube::config::{ExecConfig, ExecInteractiveMode};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt as _;

/// A plugin that may not ask anything gets this long to answer.
pub(crate) const NON_INTERACTIVE_TIMEOUT: Duration = Duration::from_secs(60);
/// How much of the plugin's stderr a failure quotes.
const STDERR_TAIL: usize = 600;

/// What a plugin handed back.
#[derive(Clone)]
pub(crate) struct Credential {
    pub token: Option<String>,
    /// PEM certificate and key.
    pub(crate) client_cert: Option<(String, String)>,
    pub expires: Option<jiff::Timestamp>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field(
                "client_cert",
                &self.client_cert.as_ref().map(|_| "<redacted>"),
            )
            .field("expires", &self.expires)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum PluginError {
    #[error("credential plugin `{command}` could not start: {error}")]
    Start { command: String, error: String },
    #[error("credential plugin `{command}` failed ({status}){}", stderr_suffix(.stderr))]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("credential plugin `{command}` did not answer within {}s{}", .secs, stderr_suffix(.stderr))]
    Timeout {
        command: String,
        secs: u64,
        stderr: String,
    },
    #[error("credential plugin `{command}` printed no ExecCredential: {error}")]
    Output { command: String, error: String },
    #[error(
        "credential plugin `{command}` needs a terminal (interactiveMode: Always) and opsdeck has none (stdin is not a terminal)"
    )]
    NeedsTerminal { command: String },
    #[error("credential plugin: the kubeconfig's exec section has no command")]
    NoCommand,
}

fn stderr_suffix(stderr: &str) -> String {
    let s = stderr.trim();
    if s.is_empty() {
        String::new()
    } else {
        format!(
            "; its stderr: {}",
            crate::domain::text::one_line(s, STDERR_TAIL)
        )
    }
}

/// The command line as the user wrote it (program and arguments).
pub(crate) fn command_line(exec: &ExecConfig) -> String {
    let mut parts = vec![exec.command.clone().unwrap_or_default()];
    parts.extend(exec.args.clone().unwrap_or_default());
    parts.join(" ")
}

/// Whether the plugin gets the terminal: `Never` no; `Always` yes (`None` without one);
/// `IfAvailable` (and unset, client-go's default for v1beta1) when stdin is a terminal.
pub(crate) fn interactive(mode: Option<&ExecInteractiveMode>, have_terminal: bool) -> Option<bool> {
    match mode {
        Some(ExecInteractiveMode::Never) => Some(false),
        Some(ExecInteractiveMode::Always) if !have_terminal => None,
        Some(ExecInteractiveMode::Always) => Some(true),
        Some(ExecInteractiveMode::IfAvailable) | None => Some(have_terminal),
    }
}

/// `KUBERNETES_EXEC_INFO`: the request the plugin reads.
pub(crate) fn exec_info(exec: &ExecConfig, interactive: bool, cluster: Option<Value>) -> Value {
    let api_version = exec
        .api_version
        .clone()
        .unwrap_or_else(|| "client.authentication.k8s.io/v1".into());
    let mut spec = json!({"interactive": interactive});
    if exec.provide_cluster_info
        && let Some(c) = cluster
    {
        spec["cluster"] = c;
    }
    json!({"apiVersion": api_version, "kind": "ExecCredential", "spec": spec})
}

/// Reads the plugin's answer (JSON; YAML is accepted as client-go does).
pub(crate) fn parse_credential(stdout: &[u8]) -> Result<Credential, String> {
    let v: Value = serde_json::from_slice(stdout)
        .or_else(|_| serde_saphyr::from_slice(stdout))
        .map_err(|e| format!("{e}"))?;
    if v["kind"].as_str() != Some("ExecCredential") {
        return Err(format!(
            "kind is {:?}, not ExecCredential",
            v["kind"].as_str().unwrap_or("missing")
        ));
    }
    let status = &v["status"];
    if status.is_null() {
        return Err("no status".into());
    }
    let expires = match status["expirationTimestamp"].as_str() {
        Some(t) => Some(
            t.parse::<jiff::Timestamp>()
                .map_err(|e| format!("expirationTimestamp {t:?}: {e}"))?,
        ),
        None => None,
    };
    let token = status["token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let client_cert = match (
        status["clientCertificateData"].as_str(),
        status["clientKeyData"].as_str(),
    ) {
        (Some(c), Some(k)) => Some((c.to_string(), k.to_string())),
        _ => None,
    };
    if token.is_none() && client_cert.is_none() {
        return Err("status has neither a token nor clientCertificateData/clientKeyData".into());
    }
    Ok(Credential {
        token,
        client_cert,
        expires,
    })
}

/// Runs the plugin once. `have_terminal`: stdin is a terminal the plugin may use (the console
/// has not taken the screen yet). `cluster`: the cluster section for `provideClusterInfo`.
pub(crate) async fn run(
    exec: &ExecConfig,
    have_terminal: bool,
    cluster: Option<Value>,
) -> Result<Credential, PluginError> {
    let program = exec.command.clone().ok_or(PluginError::NoCommand)?;
    let command = command_line(exec);
    let interactive =
        interactive(exec.interactive_mode.as_ref(), have_terminal).ok_or_else(|| {
            PluginError::NeedsTerminal {
                command: command.clone(),
            }
        })?;
    let mut cmd = tokio::process::Command::new(&program);
    cmd.args(exec.args.clone().unwrap_or_default());
    for e in exec.env.clone().unwrap_or_default() {
        if let (Some(n), Some(v)) = (e.get("name"), e.get("value")) {
            cmd.env(n, v);
        }
    }
    for n in exec.drop_env.clone().unwrap_or_default() {
        cmd.env_remove(n);
    }
    cmd.env(
        "KUBERNETES_EXEC_INFO",
        exec_info(exec, interactive, cluster).to_string(),
    );
    cmd.stdin(if interactive {
        Stdio::inherit()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    tracing::info!(%command, interactive, "running the credential plugin");
    let mut child = cmd.spawn().map_err(|e| PluginError::Start {
        command: command.clone(),
        error: e.to_string(),
    })?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    // stderr goes to the terminal as it comes (prompts end without a newline) when the
    // plugin may ask; a copy is kept for the error message either way.
    let err_task = tokio::spawn(async move {
        let mut kept = Vec::new();
        let mut buf = [0u8; 1024];
        while let Some(s) = stderr.as_mut() {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if interactive {
                        let mut e = std::io::stderr();
                        let _ = e.write_all(&buf[..n]);
                        let _ = e.flush();
                    }
                    kept.extend_from_slice(&buf[..n]);
                    if kept.len() > 64 * 1024 {
                        kept.drain(..kept.len() - 16 * 1024);
                    }
                }
            }
        }
        String::from_utf8_lossy(&kept).into_owned()
    });
    let out_task = tokio::spawn(async move {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut out).await;
        }
        out
    });
    let status = if interactive {
        child.wait().await
    } else {
        match tokio::time::timeout(NON_INTERACTIVE_TIMEOUT, child.wait()).await {
            Ok(s) => s,
            Err(_) => {
                let _ = child.kill().await;
                let stderr = err_task.await.unwrap_or_default();
                return Err(PluginError::Timeout {
                    command,
                    secs: NON_INTERACTIVE_TIMEOUT.as_secs(),
                    stderr,
                });
            }
        }
    }
    .map_err(|e| PluginError::Start {
        command: command.clone(),
        error: e.to_string(),
    })?;
    let stdout = out_task.await.unwrap_or_default();
    let stderr = err_task.await.unwrap_or_default();
    if !status.success() {
        return Err(PluginError::Failed {
            command,
            status: status.to_string(),
            stderr,
        });
    }
    parse_credential(&stdout).map_err(|error| PluginError::Output { command, error })
}

/// Puts `cred` in place of the user's `exec` section (kube-rs then sends the token or the
/// certificate and never runs the plugin).
pub(crate) fn install(auth: &mut kube::config::AuthInfo, cred: &Credential) {
    auth.exec = None;
    if let Some(t) = &cred.token {
        auth.token = Some(t.clone().into());
        auth.token_file = None;
    }
    if let Some((cert, key)) = &cred.client_cert {
        let b64 = base64::engine::general_purpose::STANDARD;
        auth.client_certificate = None;
        auth.client_key = None;
        auth.client_certificate_data = Some(b64.encode(cert));
        auth.client_key_data = Some(b64.encode(key).into());
    }
}

/// Whether stdin is a terminal a plugin could ask on.
pub(crate) fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Why signing in failed, with the fix to print (the console reports it as a user error).
#[derive(Debug)]
pub(crate) struct SignInError {
    pub message: String,
    pub(crate) fix: Option<String>,
}

/// Before the console takes the screen: runs the context's credential plugin on the real
/// terminal (it may ask for an MFA code or open a browser). A failure prints the plugin's
/// command and stderr and, on a terminal, offers to run it again; without a terminal (or when
/// the user quits) it is the error to report.
pub(crate) async fn sign_in(target: &mut super::Target) -> Result<(), SignInError> {
    if target.exec_plugin().is_none() {
        return Ok(());
    }
    if let Some(e) = target.missing_plugin() {
        return Err(SignInError {
            message: e.to_string(),
            fix: None,
        });
    }
    let terminal = stdin_is_terminal();
    loop {
        match target.run_exec_plugin(terminal).await {
            Ok(expires) => {
                if let Some(t) = expires {
                    tracing::info!(%t, "credential plugin: signed in");
                }
                return Ok(());
            }
            Err(e) => {
                tracing::warn!("{e}");
                let fix = "check that the plugin works on its own (run the command above), then run opsdeck again";
                if !terminal {
                    return Err(SignInError {
                        message: e.to_string(),
                        fix: Some(fix.into()),
                    });
                }
                eprintln!("opsdeck: {e}");
                eprint!("press Enter to run the credential plugin again, or q and Enter to quit: ");
                let _ = std::io::stderr().flush();
                let mut answer = String::new();
                let read = tokio::task::spawn_blocking(move || {
                    std::io::stdin().read_line(&mut answer).map(|n| (n, answer))
                })
                .await;
                match read {
                    Ok(Ok((n, a))) if n > 0 && !a.trim().eq_ignore_ascii_case("q") => {}
                    _ => {
                        return Err(SignInError {
                            message: e.to_string(),
                            fix: Some(fix.into()),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interactive_modes() {
        use ExecInteractiveMode::*;
        assert_eq!(interactive(Some(&Never), true), Some(false));
        assert_eq!(interactive(Some(&IfAvailable), true), Some(true));
        assert_eq!(interactive(Some(&IfAvailable), false), Some(false));
        assert_eq!(interactive(None, false), Some(false));
        assert_eq!(interactive(Some(&Always), true), Some(true));
        assert_eq!(interactive(Some(&Always), false), None);
    }

    #[test]
    fn credentials_parse_and_errors_say_what_is_wrong() {
        let c = parse_credential(
            br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"abc","expirationTimestamp":"2030-01-01T00:00:00Z"}}"#,
        )
        .expect("parses");
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(
            c.expires.map(|t| t.to_string()).as_deref(),
            Some("2030-01-01T00:00:00Z")
        );
        assert!(!format!("{c:?}").contains("abc"));
        let c = parse_credential(
            b"kind: ExecCredential\nstatus:\n  clientCertificateData: CERT\n  clientKeyData: KEY\n",
        )
        .expect("YAML");
        assert_eq!(c.client_cert, Some(("CERT".into(), "KEY".into())));
        assert!(parse_credential(b"not json").is_err());
        let e = parse_credential(br#"{"kind":"ExecCredential","status":{}}"#).unwrap_err();
        assert!(e.contains("neither a token"), "{e}");
    }

    #[tokio::test]
    async fn a_failing_plugin_is_named_with_its_stderr() {
        let exec = ExecConfig {
            api_version: Some("client.authentication.k8s.io/v1".into()),
            command: Some("sh".into()),
            args: Some(vec![
                "-c".into(),
                "echo 'token expired: run login' >&2; exit 3".into(),
            ]),
            env: None,
            drop_env: None,
            install_hint: None,
            interactive_mode: Some(ExecInteractiveMode::Never),
            provide_cluster_info: false,
            cluster: None,
            other: Default::default(),
        };
        let e = run(&exec, false, None).await.unwrap_err().to_string();
        assert!(e.contains("credential plugin `sh -c"), "{e}");
        assert!(e.contains("exit status: 3"), "{e}");
        assert!(e.contains("its stderr: token expired: run login"), "{e}");
        let mut always = exec.clone();
        always.interactive_mode = Some(ExecInteractiveMode::Always);
        let e = run(&always, false, None).await.unwrap_err().to_string();
        assert!(e.contains("needs a terminal"), "{e}");
    }

    #[tokio::test]
    async fn the_plugin_reads_its_request_and_the_credential_replaces_exec() {
        let exec = ExecConfig {
            api_version: Some("client.authentication.k8s.io/v1".into()),
            command: Some("sh".into()),
            args: Some(vec![
                "-c".into(),
                r#"case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) ;; *) exit 9;; esac; printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t-%s"}}' "$X""#.into(),
            ]),
            env: Some(vec![
                [("name".to_string(), "X".to_string()), ("value".to_string(), "1".to_string())]
                    .into_iter()
                    .collect(),
            ]),
            drop_env: None,
            install_hint: None,
            interactive_mode: Some(ExecInteractiveMode::IfAvailable),
            provide_cluster_info: false,
            cluster: None,
            other: Default::default(),
        };
        let cred = run(&exec, false, None).await.expect("runs");
        let mut auth = kube::config::AuthInfo {
            exec: Some(exec),
            ..Default::default()
        };
        install(&mut auth, &cred);
        assert!(auth.exec.is_none());
        let shown = serde_json::to_value(&auth).expect("serializes");
        assert_eq!(shown["token"], "t-1");
    }
}
