//! What is already in the cluster before a step plans: who installed an object (a Helm
//! release, `kubectl apply`, another field manager) and which version, read from the live
//! objects' labels, annotations, managedFields and image tags. Pure: the steps fetch, this
//! reads.

use serde_json::Value;

use super::apply::FIELD_MANAGER;

/// Controllers that write bookkeeping into objects others own; not installers.
const CONTROLLERS: &[&str] = &[
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-apiserver",
];

/// Who manages a live object besides opsdeck, in words: "Helm release argocd (chart
/// argo-cd-8.6.4)", "kubectl apply (client-side)", "field manager kustomize-controller".
pub(crate) fn owners(live: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let label = |k: &str| {
        live.pointer("/metadata/labels")
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
    };
    let annotation = |k: &str| {
        live.pointer("/metadata/annotations")
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
    };
    if label("app.kubernetes.io/managed-by") == Some("Helm")
        || annotation("meta.helm.sh/release-name").is_some()
    {
        let release = annotation("meta.helm.sh/release-name")
            .or_else(|| label("app.kubernetes.io/instance"))
            .unwrap_or("?");
        match label("helm.sh/chart") {
            Some(chart) => out.push(format!("Helm release {release} (chart {chart})")),
            None => out.push(format!("Helm release {release}")),
        }
    }
    if annotation("kubectl.kubernetes.io/last-applied-configuration").is_some() {
        out.push("kubectl apply (client-side)".into());
    }
    for m in managers(live) {
        let word = match m.as_str() {
            "kubectl-client-side-apply" | "kubectl-last-applied" => continue,
            "helm" if out.iter().any(|o| o.starts_with("Helm")) => continue,
            "kubectl" => "kubectl apply --server-side".to_string(),
            other => format!("field manager {other}"),
        };
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// Field managers of the main resource (not its status), opsdeck and controllers left out.
pub(crate) fn managers(live: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in live
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if entry
            .get("subresource")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
        {
            continue;
        }
        let Some(m) = entry.get("manager").and_then(Value::as_str) else {
            continue;
        };
        if m == FIELD_MANAGER || CONTROLLERS.contains(&m) || out.iter().any(|o| o == m) {
            continue;
        }
        out.push(m.to_string());
    }
    out
}

/// Whether opsdeck is one of the object's field managers.
pub(crate) fn managed_by_opsdeck(live: &Value) -> bool {
    live.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .is_some_and(|m| {
            m.iter()
                .any(|e| e.get("manager").and_then(Value::as_str) == Some(FIELD_MANAGER))
        })
}

/// The version an object declares: its `app.kubernetes.io/version` label, else the tag of
/// its first container's image.
pub(crate) fn version(live: &Value) -> Option<String> {
    if let Some(v) = live
        .pointer("/metadata/labels/app.kubernetes.io~1version")
        .and_then(Value::as_str)
    {
        return Some(v.to_string());
    }
    let image = live
        .pointer("/spec/template/spec/containers/0/image")
        .and_then(Value::as_str)?;
    let tail = image.rsplit('/').next().unwrap_or(image);
    let tag = tail.split_once(':')?.1;
    Some(tag.split('@').next().unwrap_or(tag).to_string())
}

/// One line about an existing install: which version, how many of the manifest's objects
/// exist, and who installed them (most common first). `None` when nothing of it exists or
/// only opsdeck manages what does.
pub(crate) fn describe_install(
    product: &str,
    namespace: &str,
    total: usize,
    live: &[Value],
) -> Option<String> {
    let foreign: Vec<&Value> = live
        .iter()
        .filter(|o| !owners(o).is_empty() || !managed_by_opsdeck(o))
        .collect();
    if foreign.is_empty() {
        return None;
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    // One Helm release is one installer, with or without its chart label.
    let base = |w: &str| w.split(" (chart").next().unwrap_or(w).to_string();
    for o in live {
        for w in owners(o) {
            match counts.iter_mut().find(|(x, _)| base(x) == base(&w)) {
                Some((x, n)) => {
                    *n += 1;
                    if w.len() > x.len() {
                        *x = w;
                    }
                }
                None => counts.push((w, 1)),
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let by = if counts.is_empty() {
        "an unknown installer (no field managers recorded)".to_string()
    } else {
        counts
            .iter()
            .map(|(w, _)| w.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut versions: Vec<String> = live
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("Deployment"))
        .filter_map(version)
        .collect();
    versions.sort();
    versions.dedup();
    let version = match versions.as_slice() {
        [] => String::new(),
        [v] => format!(" {v}"),
        vs => format!(" (versions {})", vs.join(", ")),
    };
    Some(format!(
        "{product}{version} is already installed in {namespace}: {} of the manifest's {total} objects exist, installed by {by}",
        live.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn helm_and_kubectl_installs_are_told_apart() {
        let helm = json!({"kind": "Deployment", "metadata": {
            "labels": {"app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "argo-cd-8.6.4",
                "app.kubernetes.io/version": "v3.1.9"},
            "annotations": {"meta.helm.sh/release-name": "argocd"}}});
        assert_eq!(
            owners(&helm),
            vec!["Helm release argocd (chart argo-cd-8.6.4)"]
        );
        assert_eq!(version(&helm).as_deref(), Some("v3.1.9"));
        let kubectl = json!({"kind": "Deployment", "metadata": {
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
            "managedFields": [
                {"manager": "kubectl-client-side-apply", "operation": "Update"},
                {"manager": "kube-controller-manager", "operation": "Update", "subresource": "status"},
                {"manager": "opsdeck", "operation": "Apply"}]},
            "spec": {"template": {"spec": {"containers": [{"image": "quay.io/argoproj/argocd:v3.0.6"}]}}}});
        assert_eq!(owners(&kubectl), vec!["kubectl apply (client-side)"]);
        assert_eq!(version(&kubectl).as_deref(), Some("v3.0.6"));
        assert!(managed_by_opsdeck(&kubectl));
        let line = describe_install("Argo CD", "argo", 27, &[helm, kubectl]).expect("found");
        assert!(line.contains("2 of the manifest's 27 objects"), "{line}");
        assert!(line.contains("versions v3.0.6, v3.1.9"), "{line}");
        let crd = json!({"kind": "CustomResourceDefinition", "metadata": {
            "labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "argocd"}}});
        let helm = json!({"kind": "Deployment", "metadata": {
            "labels": {"app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "argo-cd-8.6.4"},
            "annotations": {"meta.helm.sh/release-name": "argocd"}}});
        let line = describe_install("Argo CD", "argo", 2, &[crd, helm]).expect("found");
        assert!(
            line.ends_with("installed by Helm release argocd (chart argo-cd-8.6.4)"),
            "{line}"
        );
        let mine = json!({"metadata": {"managedFields": [{"manager": "opsdeck"}]}});
        assert_eq!(describe_install("Argo CD", "argo", 1, &[mine]), None);
    }
}
