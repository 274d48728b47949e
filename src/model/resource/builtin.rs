//! The kinds every Kubernetes API server serves (those opsdeck and its sandbox know).

use super::{ResourceKind, ScalePaths, standard_verbs};

/// (group, version, kind, plural, short names, namespaced, status, scale)
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    bool,
    bool,
    bool,
);

#[rustfmt::skip]
const BUILTINS: &[Builtin] = &[
    ("", "v1", "Namespace", "namespaces", &["ns"], false, true, false),
    ("", "v1", "Node", "nodes", &["no"], false, true, false),
    ("", "v1", "Pod", "pods", &["po"], true, true, false),
    ("", "v1", "Service", "services", &["svc"], true, true, false),
    ("", "v1", "ConfigMap", "configmaps", &["cm"], true, false, false),
    ("", "v1", "Secret", "secrets", &[], true, false, false),
    ("", "v1", "ServiceAccount", "serviceaccounts", &["sa"], true, false, false),
    ("", "v1", "Event", "events", &["ev"], true, false, false),
    ("", "v1", "Endpoints", "endpoints", &["ep"], true, false, false),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", &["pvc"], true, true, false),
    ("", "v1", "PersistentVolume", "persistentvolumes", &["pv"], false, true, false),
    ("", "v1", "ResourceQuota", "resourcequotas", &["quota"], true, true, false),
    ("", "v1", "LimitRange", "limitranges", &["limits"], true, false, false),
    ("", "v1", "ReplicationController", "replicationcontrollers", &["rc"], true, true, true),
    ("apps", "v1", "Deployment", "deployments", &["deploy"], true, true, true),
    ("apps", "v1", "ReplicaSet", "replicasets", &["rs"], true, true, true),
    ("apps", "v1", "StatefulSet", "statefulsets", &["sts"], true, true, true),
    ("apps", "v1", "DaemonSet", "daemonsets", &["ds"], true, true, false),
    ("apps", "v1", "ControllerRevision", "controllerrevisions", &[], true, false, false),
    ("batch", "v1", "Job", "jobs", &[], true, true, false),
    ("batch", "v1", "CronJob", "cronjobs", &["cj"], true, true, false),
    ("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", &["hpa"], true, true, false),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", &["pdb"], true, true, false),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", &["ing"], true, true, false),
    ("networking.k8s.io", "v1", "IngressClass", "ingressclasses", &[], false, false, false),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", &["netpol"], true, false, false),
    ("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", &[], true, false, false),
    ("storage.k8s.io", "v1", "StorageClass", "storageclasses", &["sc"], false, false, false),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", &[], true, false, false),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", &[], true, false, false),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", &[], false, false, false),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", &[], false, false, false),
    ("coordination.k8s.io", "v1", "Lease", "leases", &[], true, false, false),
    ("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", &["pc"], false, false, false),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", &["crd", "crds"], false, true, false),
    ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", &[], false, false, false),
    ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", &[], false, false, false),
];

/// The `all` category, as kubectl's `get all` uses it.
const CATEGORY_ALL: &[&str] = &[
    "pods",
    "services",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "replicationcontrollers",
    "horizontalpodautoscalers",
];

/// The built-in kinds, core group first, in the order discovery lists them.
pub(crate) fn builtin_kinds() -> Vec<ResourceKind> {
    BUILTINS
        .iter()
        .map(
            |&(group, version, kind, plural, short, namespaced, status, scale)| ResourceKind {
                group: group.into(),
                version: version.into(),
                kind: kind.into(),
                plural: plural.into(),
                singular: kind.to_ascii_lowercase(),
                short_names: short.iter().map(|s| s.to_string()).collect(),
                categories: if CATEGORY_ALL.contains(&plural) {
                    vec!["all".into()]
                } else {
                    vec![]
                },
                namespaced,
                verbs: standard_verbs(group, plural),
                status,
                scale: scale.then(ScalePaths::default),
                custom: false,
                printer_columns: vec![],
            },
        )
        .collect()
}
