//! Live objects the caller already watches, to say why a workload is unhealthy when Argo CD
//! does not store per-resource health (3.x) or only stores a terse message.

use std::collections::BTreeMap;

use serde_json::Value;

use super::app::ResourceRef;
use super::{array_at, group_of, int_at, str_at};

/// Workloads and pods by reference. Empty is fine: explanations then say less.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveObjects {
    objects: BTreeMap<ResourceRef, Value>,
}

impl LiveObjects {
    pub fn new() -> LiveObjects {
        LiveObjects::default()
    }

    /// Adds (or replaces) an object; objects without kind or name are ignored.
    pub fn insert(&mut self, obj: Value) {
        let s = |p: &str| str_at(&obj, p).unwrap_or("").to_string();
        let key = ResourceRef {
            group: group_of(str_at(&obj, "/apiVersion").unwrap_or("")).to_string(),
            kind: s("/kind"),
            namespace: s("/metadata/namespace"),
            name: s("/metadata/name"),
        };
        if !key.kind.is_empty() && !key.name.is_empty() {
            self.objects.insert(key, obj);
        }
    }

    pub fn get(&self, resource: &ResourceRef) -> Option<&Value> {
        self.objects.get(resource)
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// What is wrong with a live resource, in a few words (`0/2 available, 2 pods
    /// CrashLoopBackOff`); `None` when it is absent or nothing is wrong that we can see.
    pub fn hint(&self, resource: &ResourceRef) -> Option<String> {
        let obj = self.get(resource)?;
        let mut hint = workload_hint(obj)?;
        if let Some(reasons) = self.pod_reasons(obj) {
            hint.push_str(", ");
            hint.push_str(&reasons);
        }
        Some(hint)
    }

    /// Waiting reasons of the pods a workload selects: `2 pods CrashLoopBackOff`.
    fn pod_reasons(&self, workload: &Value) -> Option<String> {
        let selector = workload
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())?;
        let namespace = str_at(workload, "/metadata/namespace").unwrap_or("");
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for (key, pod) in &self.objects {
            if key.kind != "Pod" || !key.group.is_empty() || key.namespace != namespace {
                continue;
            }
            let labels = pod.pointer("/metadata/labels");
            let selected = selector
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
            if selected && let Some(reason) = pod_reason(pod) {
                *counts.entry(reason).or_default() += 1;
            }
        }
        let parts: Vec<String> = counts
            .into_iter()
            .map(|(reason, n)| match n {
                1 => format!("1 pod {reason}"),
                n => format!("{n} pods {reason}"),
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The first waiting (or failed-terminated) reason among a pod's containers.
fn pod_reason(pod: &Value) -> Option<String> {
    let statuses = array_at(pod, "/status/initContainerStatuses")
        .iter()
        .chain(array_at(pod, "/status/containerStatuses"));
    for cs in statuses {
        if let Some(reason) = str_at(cs, "/state/waiting/reason").filter(|r| !r.is_empty()) {
            return Some(reason.to_string());
        }
        if int_at(cs, "/state/terminated/exitCode").is_some_and(|c| c != 0) {
            let reason = str_at(cs, "/state/terminated/reason").unwrap_or("Error");
            return Some(reason.to_string());
        }
    }
    None
}

/// What is visibly wrong with a workload from its own status: `0/2 available` for a
/// Deployment, `1/3 ready` for a StatefulSet, `CrashLoopBackOff` for a Pod. `None` when it
/// looks fine or the kind is not a workload.
pub fn workload_hint(obj: &Value) -> Option<String> {
    let kind = str_at(obj, "/kind")?;
    let int = |p: &str| int_at(obj, p).unwrap_or(0);
    let desired = int_at(obj, "/spec/replicas").unwrap_or(1);
    match kind {
        "Deployment" => {
            let available = int("/status/availableReplicas");
            (available < desired).then(|| format!("{available}/{desired} available"))
        }
        "StatefulSet" => {
            let ready = int("/status/readyReplicas");
            (ready < desired).then(|| format!("{ready}/{desired} ready"))
        }
        "DaemonSet" => {
            let want = int("/status/desiredNumberScheduled");
            let available = int("/status/numberAvailable");
            (available < want).then(|| format!("{available}/{want} available"))
        }
        "Pod" => pod_reason(obj),
        "PersistentVolumeClaim" => str_at(obj, "/status/phase")
            .filter(|p| *p != "Bound")
            .map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{crashing_pod, webhook_deployment};
    use super::*;
    use serde_json::json;

    fn webhook_ref() -> ResourceRef {
        ResourceRef {
            group: "apps".into(),
            kind: "Deployment".into(),
            namespace: "cert-manager".into(),
            name: "cert-manager-webhook".into(),
        }
    }

    #[test]
    fn deployment_hint_counts_available_replicas() {
        assert_eq!(
            workload_hint(&webhook_deployment(0)).as_deref(),
            Some("0/2 available")
        );
        assert_eq!(workload_hint(&webhook_deployment(2)), None);
    }

    #[test]
    fn other_workloads() {
        let sts =
            json!({"kind": "StatefulSet", "spec": {"replicas": 3}, "status": {"readyReplicas": 1}});
        assert_eq!(workload_hint(&sts).as_deref(), Some("1/3 ready"));
        let ds = json!({"kind": "DaemonSet", "status": {"desiredNumberScheduled": 4, "numberAvailable": 4}});
        assert_eq!(workload_hint(&ds), None);
        let pvc = json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}});
        assert_eq!(workload_hint(&pvc).as_deref(), Some("Pending"));
        assert_eq!(workload_hint(&json!({"kind": "Service"})), None);
        assert_eq!(
            workload_hint(&crashing_pod("p", "cert-manager-webhook")).as_deref(),
            Some("CrashLoopBackOff")
        );
    }

    #[test]
    fn hint_adds_reasons_of_selected_pods() {
        let mut live = LiveObjects::new();
        live.insert(webhook_deployment(0));
        live.insert(crashing_pod(
            "cert-manager-webhook-7d9f8-abcde",
            "cert-manager-webhook",
        ));
        live.insert(crashing_pod(
            "cert-manager-webhook-7d9f8-fghij",
            "cert-manager-webhook",
        ));
        live.insert(crashing_pod("other", "cainjector"));
        assert_eq!(
            live.hint(&webhook_ref()).as_deref(),
            Some("0/2 available, 2 pods CrashLoopBackOff")
        );
        let missing = ResourceRef {
            name: "nope".into(),
            ..webhook_ref()
        };
        assert_eq!(live.hint(&missing), None);
    }
}
