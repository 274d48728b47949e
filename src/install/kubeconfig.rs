//! Adds (or updates) a kubeconfig entry for an EKS cluster with an exec credential
//! (`aws eks get-token`, as eksctl and `aws eks update-kubeconfig` write it) and makes it the
//! current context. Other entries and fields of the file are preserved; written 0600,
//! atomically.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::InstallError;
use super::state::write_atomic;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EksEntry {
    /// Context, cluster and user name (the cluster ARN, as `aws eks update-kubeconfig`).
    pub name: String,
    pub cluster_name: String,
    pub region: String,
    pub endpoint: String,
    /// Base64 PEM of the cluster CA.
    pub(crate) ca_data: String,
}

fn entries(e: &EksEntry) -> (Value, Value, Value) {
    let cluster = json!({"name": e.name, "cluster": {
        "server": e.endpoint, "certificate-authority-data": e.ca_data}});
    let user = json!({"name": e.name, "user": {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "aws",
        "args": ["--region", e.region, "eks", "get-token", "--cluster-name", e.cluster_name, "--output", "json"],
        "interactiveMode": "IfAvailable",
    }}});
    let context = json!({"name": e.name, "context": {"cluster": e.name, "user": e.name}});
    (cluster, user, context)
}

fn upsert(root: &mut Map<String, Value>, list: &str, item: Value) {
    let arr = root.entry(list).or_insert_with(|| json!([]));
    if !arr.is_array() {
        *arr = json!([]);
    }
    if let Some(arr) = arr.as_array_mut() {
        match arr.iter_mut().find(|x| x.get("name") == item.get("name")) {
            Some(x) => *x = item,
            None => arr.push(item),
        }
    }
}

/// The file's new content, or `None` when it already has the entry as current context.
pub(crate) fn updated(
    existing: Option<&str>,
    entry: &EksEntry,
) -> Result<Option<String>, InstallError> {
    let mut doc = match existing {
        Some(t) if !t.trim().is_empty() => serde_saphyr::from_str::<Value>(t)
            .map_err(|e| InstallError::Invalid(format!("kubeconfig is not valid YAML: {e}")))?,
        _ => json!({"apiVersion": "v1", "kind": "Config", "preferences": {}}),
    };
    let before = doc.clone();
    let root = doc
        .as_object_mut()
        .ok_or_else(|| InstallError::Invalid("kubeconfig: top level is not a mapping".into()))?;
    let (cluster, user, context) = entries(entry);
    upsert(root, "clusters", cluster);
    upsert(root, "users", user);
    upsert(root, "contexts", context);
    root.insert("current-context".into(), Value::String(entry.name.clone()));
    if doc == before {
        return Ok(None);
    }
    serde_saphyr::to_string(&doc)
        .map(Some)
        .map_err(|e| InstallError::Invalid(format!("serialize kubeconfig: {e}")))
}

/// Writes the entry into `path`; true when the file changed.
pub(crate) fn write(path: &Path, entry: &EksEntry) -> Result<bool, InstallError> {
    let existing = match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(InstallError::io(path, e)),
    };
    match updated(existing.as_deref(), entry)? {
        None => Ok(false),
        Some(text) => {
            write_atomic(path, text.as_bytes(), Some(0o600))?;
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> EksEntry {
        EksEntry {
            name: "arn:aws:eks:eu-west-1:123456789012:cluster/prod".into(),
            cluster_name: "prod".into(),
            region: "eu-west-1".into(),
            endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com".into(),
            ca_data: "LS0tLS1CRUdJTg==".into(),
        }
    }

    #[test]
    fn adds_entry_keeps_others_and_is_idempotent() {
        let existing = "apiVersion: v1\nkind: Config\ncurrent-context: old\nclusters:\n- name: old\n  cluster: {server: https://old}\ncontexts:\n- name: old\n  context: {cluster: old, user: old}\nusers:\n- name: old\n  user: {token: t}\n";
        let text = updated(Some(existing), &entry())
            .expect("ok")
            .expect("changed");
        let kc = kube::config::Kubeconfig::from_yaml(&text).expect("kube reads it");
        assert_eq!(kc.current_context.as_deref(), Some(entry().name.as_str()));
        assert_eq!(kc.contexts.len(), 2);
        let user = kc
            .auth_infos
            .iter()
            .find(|u| u.name == entry().name)
            .expect("user");
        let exec = user
            .auth_info
            .as_ref()
            .and_then(|a| a.exec.as_ref())
            .expect("exec");
        assert_eq!(exec.command.as_deref(), Some("aws"));
        assert!(
            exec.args
                .as_ref()
                .is_some_and(|a| a.contains(&"get-token".to_string()))
        );
        assert_eq!(updated(Some(&text), &entry()).expect("ok"), None);
    }
}
