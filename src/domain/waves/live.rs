//! Live objects the caller already watches, to say why a workload is unhealthy when Argo CD
//! does not store per-resource health (3.x) or only stores a terse message.

use std::collections::BTreeMap;

use super::app::ResourceRef;
use crate::model::views::Workload;

/// Workloads and pods by reference. Empty is fine: explanations then say less.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveObjects {
    objects: BTreeMap<ResourceRef, Workload>,
}

impl LiveObjects {
    pub fn new() -> LiveObjects {
        LiveObjects::default()
    }

    /// Adds (or replaces) an object; objects without kind or name are ignored.
    pub fn insert(&mut self, obj: Workload) {
        let key = ResourceRef {
            group: obj.meta.group().to_string(),
            kind: obj.meta.kind.clone(),
            namespace: obj.meta.namespace.clone(),
            name: obj.meta.name.clone(),
        };
        if !key.kind.is_empty() && !key.name.is_empty() {
            self.objects.insert(key, obj);
        }
    }

    pub fn get(&self, resource: &ResourceRef) -> Option<&Workload> {
        self.objects.get(resource)
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// What is wrong with a live resource, in a few words (`0/2 available, 2 pods
    /// CrashLoopBackOff`); `None` when it is absent or nothing is wrong that we can see.
    pub(crate) fn hint(&self, resource: &ResourceRef) -> Option<String> {
        let obj = self.get(resource)?;
        let mut hint = workload_hint(obj)?;
        if let Some(reasons) = self.pod_reasons(obj) {
            hint.push_str(", ");
            hint.push_str(&reasons);
        }
        Some(hint)
    }

    /// Waiting reasons of the pods a workload selects: `2 pods CrashLoopBackOff`.
    fn pod_reasons(&self, workload: &Workload) -> Option<String> {
        let selector = &workload.spec.selector.match_labels;
        if selector.is_empty() {
            return None;
        }
        let namespace = &workload.meta.namespace;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for (key, pod) in &self.objects {
            if key.kind != "Pod" || !key.group.is_empty() || key.namespace != *namespace {
                continue;
            }
            let selected = selector
                .iter()
                .all(|(k, v)| pod.meta.labels.get(k) == Some(v));
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
fn pod_reason(pod: &Workload) -> Option<String> {
    pod.status
        .init_container_statuses
        .iter()
        .chain(&pod.status.container_statuses)
        .find_map(|cs| cs.problem())
        .map(str::to_string)
}

/// What is visibly wrong with a workload from its own status: `0/2 available` for a
/// Deployment, `1/3 ready` for a StatefulSet, `CrashLoopBackOff` for a Pod. `None` when it
/// looks fine or the kind is not a workload.
pub(crate) fn workload_hint(obj: &Workload) -> Option<String> {
    let s = &obj.status;
    let desired = obj.spec.replicas.unwrap_or(1);
    match obj.meta.kind.as_str() {
        "Deployment" => {
            let available = s.available_replicas.unwrap_or(0);
            (available < desired).then(|| format!("{available}/{desired} available"))
        }
        "StatefulSet" => {
            let ready = s.ready_replicas.unwrap_or(0);
            (ready < desired).then(|| format!("{ready}/{desired} ready"))
        }
        "DaemonSet" => {
            let want = s.desired_number_scheduled.unwrap_or(0);
            let available = s.number_available.unwrap_or(0);
            (available < want).then(|| format!("{available}/{want} available"))
        }
        "Pod" => pod_reason(obj),
        "PersistentVolumeClaim" => s
            .phase
            .as_deref()
            .filter(|p| *p != "Bound")
            .map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{crashing_pod, webhook_deployment, workload};
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
            workload_hint(&workload(webhook_deployment(0))).as_deref(),
            Some("0/2 available")
        );
        assert_eq!(workload_hint(&workload(webhook_deployment(2))), None);
    }

    #[test]
    fn other_workloads() {
        let sts =
            json!({"kind": "StatefulSet", "spec": {"replicas": 3}, "status": {"readyReplicas": 1}});
        assert_eq!(workload_hint(&workload(sts)).as_deref(), Some("1/3 ready"));
        let ds = json!({"kind": "DaemonSet", "status": {"desiredNumberScheduled": 4, "numberAvailable": 4}});
        assert_eq!(workload_hint(&workload(ds)), None);
        let pvc = json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}});
        assert_eq!(workload_hint(&workload(pvc)).as_deref(), Some("Pending"));
        assert_eq!(workload_hint(&workload(json!({"kind": "Service"}))), None);
        assert_eq!(
            workload_hint(&workload(crashing_pod("p", "cert-manager-webhook"))).as_deref(),
            Some("CrashLoopBackOff")
        );
    }

    #[test]
    fn hint_adds_reasons_of_selected_pods() {
        let mut live = LiveObjects::new();
        live.insert(workload(webhook_deployment(0)));
        live.insert(workload(crashing_pod(
            "cert-manager-webhook-7d9f8-abcde",
            "cert-manager-webhook",
        )));
        live.insert(workload(crashing_pod(
            "cert-manager-webhook-7d9f8-fghij",
            "cert-manager-webhook",
        )));
        live.insert(workload(crashing_pod("other", "cainjector")));
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
