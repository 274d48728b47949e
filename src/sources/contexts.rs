//! Reachability of the kubeconfig's contexts (`:ctx`), probed in the background: each
//! context gets its own client (its own credentials, which may run a plugin) and one
//! `/version` request, all within [`PROBE_TIMEOUT`]. Nothing waits on a probe.

use std::time::Duration;

use super::{Sender, SourceEvent, Target};

/// How long one context's probe may take in all (credentials plugin included).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(6);

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
pub fn credential_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("credential plugin")
        || m.contains("auth exec")
        || m.contains("exec-plugin")
        || m.contains("exec plugin")
        || m.contains("failed exec auth")
        || m.contains("authexec")
}

/// Probes one context and reports [`SourceEvent::ContextProbed`].
pub async fn probe(mut target: Target, name: String, tx: Sender) {
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
        Err(e) => return Reach::Credentials(e.to_string()),
    };
    match client.apiserver_version().await {
        Ok(v) => Reach::Reachable(v.git_version),
        Err(e) => {
            let text = super::error_chain(&e);
            if credential_error(&text) {
                Reach::Credentials(text)
            } else {
                Reach::Unreachable(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
