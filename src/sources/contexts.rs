//! Reachability of the kubeconfig's contexts (`:ctx`), probed in the background: each
//! context gets its own client (its own credentials, which may run a plugin) and one
//! `/version` request, all within [`PROBE_TIMEOUT`]. Nothing waits on a probe.

use std::time::Duration;

use super::{Sender, SourceEvent, Target};

/// How long one context's probe may take in all (credentials plugin included).
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(6);

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The server answered with this version.
    Reachable(String),
    /// The credentials could not be obtained (exec plugin failed, bad TLS material, …).
    Credentials(String),
    /// No answer (refused, timeout, not a Kubernetes API).
    Unreachable(String),
}

/// Whether an error comes from getting credentials rather than from the server.
pub(crate) fn credential_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("credential plugin")
        || m.contains("auth exec")
        || m.contains("exec-plugin")
        || m.contains("exec plugin")
        || m.contains("failed exec auth")
        || m.contains("authexec")
}

/// Probes one context and reports [`SourceEvent::ContextProbed`].
pub(crate) async fn probe(mut target: Target, name: String, tx: Sender) {
    let reach = match target.switch_context(&name) {
        Err(e) => Reach::Credentials(e.to_string()),
        Ok(()) => match tokio::time::timeout(PROBE_TIMEOUT, probe_inner(&target)).await {
            Ok(r) => r,
            Err(_) => Reach::Unreachable(format!("no answer in {}s", PROBE_TIMEOUT.as_secs())),
        },
    };
    let _ = tx.send(SourceEvent::ContextProbed { name, reach });
}

async fn probe_inner(target: &Target) -> Reach {
    let client = match target.request_client().await {
        Ok(c) => c,
        Err(e) => {
            let text = e.to_string();
            let plugin = target.exec_plugin().and_then(|p| p.command);
            return Reach::Credentials(match credential_error(&text) || plugin.is_some() {
                true => short_credential_error(plugin.as_deref(), &text),
                false => text,
            });
        }
    };
    match client.apiserver_version().await {
        Ok(v) => Reach::Reachable(v.git_version),
        Err(e) => {
            let text = super::error_chain(&e);
            if credential_error(&text) {
                let plugin = target.exec_plugin().and_then(|p| p.command);
                Reach::Credentials(short_credential_error(plugin.as_deref(), &text))
            } else {
                Reach::Unreachable(text)
            }
        }
    }
}

/// A credential plugin's failure in a few words: the plugin, its exit status and what it
/// wrote on stderr (kube's message also repeats the plugin's whole environment).
pub(crate) fn short_credential_error(plugin: Option<&str>, text: &str) -> String {
    let status = text
        .split("failed with status ")
        .nth(1)
        .map(|r| r.split(": Output").next().unwrap_or(r).trim().to_string());
    let stderr = text
        .split("stderr: \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|s| s.replace("\\n", " ").trim().to_string())
        .filter(|s| !s.is_empty());
    let what = match (status, stderr) {
        (Some(st), Some(e)) => format!("{st}: {e}"),
        (Some(st), None) => st,
        (None, Some(e)) => e,
        (None, None) => text.rsplit(": ").next().unwrap_or(text).trim().to_string(),
    };
    match plugin {
        Some(p) => format!("plugin `{p}` failed: {what}"),
        None => what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_errors_read_short() {
        let text = r#"kubeconfig kc, context x: auth error: auth exec command 'KUBERNETES_EXEC_INFO="{}" aws eks get-token' failed with status exit status: 255: Output { status: ExitStatus(unix_wait_status(65280)), stdout: "", stderr: "token expired\n" }"#;
        assert_eq!(
            short_credential_error(Some("aws"), text),
            "plugin `aws` failed: exit status: 255: token expired"
        );
        assert!(credential_error(text));
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable_and_a_failing_plugin_is_a_credential_error() {
        let kc = r#"
apiVersion: v1
kind: Config
current-context: closed
clusters:
- name: c1
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u1
  user: {token: abc}
- name: broken
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: "false"
contexts:
- name: closed
  context: {cluster: c1, user: u1}
- name: plugin
  context: {cluster: c1, user: broken}
"#;
        let t = Target::from_yaml(kc, "kc.yaml", None).expect("loads");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        probe(t.clone(), "closed".into(), tx.clone()).await;
        probe(t, "plugin".into(), tx).await;
        let mut got = Vec::new();
        while let Ok(ev) = rx.try_recv() {
            if let SourceEvent::ContextProbed { name, reach } = ev {
                got.push((name, reach));
            }
        }
        assert!(
            matches!(&got[0], (n, Reach::Unreachable(_)) if n == "closed"),
            "{got:?}"
        );
        assert!(
            matches!(&got[1], (n, Reach::Credentials(_)) if n == "plugin"),
            "{got:?}"
        );
    }
}
