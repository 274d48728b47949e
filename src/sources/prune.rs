//! Pruning objects on ingest, before they enter a watch's store: what no list, pane or
//! column reads is dropped, and the maps that stay are rebuilt at their exact size.
//!
//! A `Obj` keeps its body as a `serde_json::Value`; every map entry costs more
//! than 100 bytes, so 50,000 pods kept whole need most of a gigabyte. The describe and
//! YAML views do not read the store: they fetch the whole object with a GET
//! (see [`super::fetch`]), so they show every field.
//!
//! Dropped from every kind: `metadata.managedFields` and the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation (kubectl hides both in
//! `describe`, and `get -o yaml` hides managed fields). Pods keep what the pods table
//! (READY, STATUS, RESTARTS, IP, NODE), the containers view, the node pools (requests,
//! tolerations), the sync waves and the CNPG panes read.

use kube::api::ApiResource;

use crate::model::object::{Map, Obj, Value};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Pod `spec` fields kept.
const POD_SPEC: &[&str] = &[
    "nodeName",
    "containers",
    "initContainers",
    "tolerations",
    "restartPolicy",
    // Why Pending (`W`): what the scheduler matches against node labels.
    "nodeSelector",
    "affinity",
];
/// Fields kept of each container and init container in a pod's spec (`ports`: the
/// port-forward prompt offers them).
const CONTAINER: &[&str] = &["name", "image", "resources", "restartPolicy", "ports"];
/// Pod `status` fields kept.
const POD_STATUS: &[&str] = &[
    "phase",
    "reason",
    "message",
    "podIP",
    "hostIP",
    "nominatedNodeName",
    "conditions",
    "containerStatuses",
    "initContainerStatuses",
];
/// Fields kept of each pod condition (`message`: the pods table shows an unschedulable
/// pod's PodScheduled message where its node would be).
const CONDITION: &[&str] = &["type", "status", "reason", "message", "lastTransitionTime"];
/// Fields kept of each container status.
const CONTAINER_STATUS: &[&str] = &["name", "ready", "restartCount", "state", "lastState"];

/// How the objects of one watch are pruned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pruning {
    /// Managed fields and the last-applied annotation only.
    Metadata,
    /// Pods: also the spec and status fields nothing but describe/YAML shows.
    Pod,
}

impl Pruning {
    pub(crate) fn for_kind(ar: &ApiResource) -> Pruning {
        if ar.group.is_empty() && ar.plural == "pods" {
            Pruning::Pod
        } else {
            Pruning::Metadata
        }
    }

    /// Prunes one object in place.
    pub(crate) fn apply(self, obj: &mut Obj) {
        // Which kind it is, the store knows.
        obj.types = None;
        let meta = &mut obj.metadata;
        meta.managed_fields = None;
        if let Some(a) = meta.annotations.as_mut() {
            a.remove(LAST_APPLIED);
        }
        if self == Pruning::Pod
            && let Value::Object(data) = &mut obj.data
        {
            prune_pod(data);
        }
    }
}

/// Applies `f` to every map in the array at `map[key]`.
fn each(map: &mut Map, key: &str, f: impl Fn(&mut Map)) {
    if let Some(items) = map.get_mut(key).and_then(Value::as_array_mut) {
        for item in items {
            if let Value::Object(m) = item {
                f(m);
            }
        }
    }
}

fn prune_pod(data: &mut Map) {
    if let Some(Value::Object(spec)) = data.get_mut("spec") {
        spec.retain_keys(POD_SPEC);
        each(spec, "containers", |c| c.retain_keys(CONTAINER));
        each(spec, "initContainers", |c| c.retain_keys(CONTAINER));
    }
    if let Some(Value::Object(status)) = data.get_mut("status") {
        status.retain_keys(POD_STATUS);
        each(status, "conditions", |c| c.retain_keys(CONDITION));
        each(status, "containerStatuses", |c| {
            c.retain_keys(CONTAINER_STATUS)
        });
        each(status, "initContainerStatuses", |c| {
            c.retain_keys(CONTAINER_STATUS)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Obj {
        Obj::from_json(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop",
                "labels": {"app": "web"},
                "annotations": {LAST_APPLIED: "{}", "keep": "me"},
                "managedFields": [{"manager": "kubectl", "operation": "Apply"}]},
            "spec": {"nodeName": "n1", "serviceAccountName": "default",
                "volumes": [{"name": "data", "emptyDir": {}}],
                "tolerations": [{"key": "k", "operator": "Exists"}],
                "containers": [{"name": "app", "image": "web:1", "env": [{"name": "A", "value": "b"}],
                    "resources": {"requests": {"cpu": "50m"}}, "ports": [{"containerPort": 80}]}]},
            "status": {"phase": "Running", "podIP": "10.0.0.5", "qosClass": "Burstable",
                "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2025-01-01T00:00:00Z"}],
                "containerStatuses": [{"name": "app", "ready": true, "restartCount": 2,
                    "image": "web:1", "imageID": "sha256:x", "containerID": "containerd://y",
                    "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}]}
        }))
        .expect("a pod")
    }

    #[test]
    fn pods_keep_what_the_views_read() {
        let mut p = pod();
        Pruning::for_kind(&ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()))
            .apply(&mut p);
        assert!(p.metadata.managed_fields.is_none());
        let annotations = p.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(annotations.keys().collect::<Vec<_>>(), ["keep"]);
        assert_eq!(
            p.data.to_json(),
            json!({
                "spec": {"nodeName": "n1",
                    "tolerations": [{"key": "k", "operator": "Exists"}],
                    "containers": [{"name": "app", "image": "web:1", "resources": {"requests": {"cpu": "50m"}},
                        "ports": [{"containerPort": 80}]}]},
                "status": {"phase": "Running", "podIP": "10.0.0.5",
                    "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"}],
                    "containerStatuses": [{"name": "app", "ready": true, "restartCount": 2,
                        "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}]}
            })
        );
    }

    #[test]
    fn other_kinds_lose_only_managed_fields_and_last_applied() {
        let mut d = pod();
        let data = d.data.clone();
        let ar = ApiResource::erase::<k8s_openapi::api::apps::v1::Deployment>(&());
        Pruning::for_kind(&ar).apply(&mut d);
        assert!(d.metadata.managed_fields.is_none());
        assert_eq!(d.data, data);
    }
}
