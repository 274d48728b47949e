//! What `opsdeck play` writes into a real cluster, decided without I/O: which recorded
//! objects are written and how they are rewritten (namespaces prefixed, nodes mapped onto
//! the cluster's own, identity fields dropped, the play's label added), and which are left
//! to the cluster's controllers or skipped, with the reason shown to the user.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::domain::pools::{PROVIDER_LABELS, UNPOOLED, ZONE_LABEL};

/// The label on everything a play creates; `--cleanup` deletes by it.
pub(crate) const PLAYED_BY: &str = "opsdeck.dev/played-by";
/// The field manager of every write.
pub(crate) const FIELD_MANAGER: &str = "opsdeck-play";

/// Kinds whose status a controller of the real cluster writes: their recorded status is
/// not written, and timeline changes of it are skipped.
const CONTROLLED_STATUS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Namespace",
];

/// Owners whose pods (or ReplicaSets) the real cluster's controllers create themselves.
const CONTROLLER_OWNERS: &[&str] = &[
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "Deployment",
];

/// What happens to one recorded object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Disposition {
    /// Written (server-side apply), then its status through the status subresource.
    Write,
    /// Not written; the reason is printed.
    Skip(String),
}

/// How names move from the recording to the cluster.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mapping {
    /// `--namespace-prefix`: `keycloak` becomes `P-keycloak`; cluster-scoped objects (other
    /// than CRDs and nodes) get the prefix in their name too.
    pub prefix: Option<String>,
    /// The value of [`PLAYED_BY`].
    pub id: String,
    /// Recorded node name → the cluster's node it is played on.
    pub nodes: BTreeMap<String, String>,
    /// Recorded uid → the uid of the object written for it (filled while writing).
    pub uids: BTreeMap<String, String>,
}

impl Mapping {
    pub(crate) fn namespace(&self, ns: &str) -> String {
        match &self.prefix {
            Some(p) => format!("{p}-{ns}"),
            None => ns.to_string(),
        }
    }

    fn cluster_name(&self, name: &str) -> String {
        self.namespace(name)
    }

    /// The cluster's node for a recorded node name (unchanged when unknown).
    pub(crate) fn node(&self, name: &str) -> String {
        self.nodes
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// The name an object of `kind` gets in the cluster.
    pub(crate) fn object_name(&self, kind: &str, name: &str, namespaced: bool) -> String {
        if namespaced || kind == "CustomResourceDefinition" {
            name.to_string()
        } else if kind == "Node" {
            self.node(name)
        } else {
            self.cluster_name(name)
        }
    }
}

/// The id of a play: the prefix, else the recording's name, as a label value.
pub(crate) fn play_id(prefix: Option<&str>, recording: &str) -> String {
    let raw = prefix.unwrap_or(recording);
    let mut id: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    while id.ends_with(['-', '_', '.']) {
        id.pop();
    }
    if id.is_empty() { "play".into() } else { id }
}

fn kind_of(obj: &Value) -> &str {
    obj.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn controller_owner(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|r| r.get("kind").and_then(Value::as_str))
}

/// Whether the real cluster's controllers make this object themselves, and what is done.
pub(crate) fn disposition(obj: &Value) -> Disposition {
    let kind = kind_of(obj);
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let owner = controller_owner(obj);
    match kind {
        "Node" => Disposition::Skip(
            "the cluster's own nodes are used: pods go to the node of the same pool and zone"
                .into(),
        ),
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" | "APIService" => {
            Disposition::Skip(
                "would send the API server's requests to a service that does not run here".into(),
            )
        }
        "Endpoints" | "EndpointSlice" | "ControllerRevision" => {
            Disposition::Skip("the cluster's controllers keep it".into())
        }
        "Replay" if api_version.starts_with("opsdeck.dev/") => {
            Disposition::Skip("the sandbox's replay controls".into())
        }
        "ReplicaSet" if owner == Some("Deployment") => {
            Disposition::Skip("the deployment controller makes it from its Deployment".into())
        }
        "Pod" if owner.is_some_and(|o| CONTROLLER_OWNERS.contains(&o)) => {
            Disposition::Skip(format!(
                "its {} makes it (under a name of its own unless a StatefulSet's)",
                owner.unwrap_or_default()
            ))
        }
        _ => Disposition::Write,
    }
}

/// Rank in write order: CRDs, namespaces, objects without owners, owned objects, events.
pub(crate) fn rank(obj: &Value) -> u8 {
    match kind_of(obj) {
        "CustomResourceDefinition" => 0,
        "Namespace" => 1,
        "ServiceAccount" | "ConfigMap" | "Secret" => 2,
        "Event" => 6,
        "Pod" => 5,
        _ if obj.pointer("/metadata/ownerReferences").is_some() => 4,
        _ => 3,
    }
}

/// Whether the recorded status of `kind` is written (through the status subresource when
/// the kind has one).
pub(crate) fn writes_status(kind: &str) -> bool {
    !CONTROLLED_STATUS.contains(&kind) && kind != "CustomResourceDefinition"
}

/// Replaces every string equal to a key of `map` (recorded uids, node names).
fn replace_strings(v: &mut Value, map: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(to) = map.get(s.as_str()) {
                *s = to.clone();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| replace_strings(x, map)),
        Value::Object(o) => o.values_mut().for_each(|x| replace_strings(x, map)),
        _ => {}
    }
}

/// Prefixes the namespace fields that name where something lives.
pub(crate) fn rename_namespaces(obj: &mut Value, m: &Mapping) {
    if m.prefix.is_none() {
        return;
    }
    let rename = |v: Option<&mut Value>| {
        if let Some(Value::String(s)) = v
            && !s.is_empty()
        {
            *s = m.namespace(s);
        }
    };
    rename(obj.pointer_mut("/metadata/namespace"));
    rename(obj.pointer_mut("/involvedObject/namespace"));
    rename(obj.pointer_mut("/regarding/namespace"));
    rename(obj.pointer_mut("/spec/destination/namespace"));
    for list in [
        "/status/resources",
        "/status/operationState/syncResult/resources",
    ] {
        if let Some(Value::Array(items)) = obj.pointer_mut(list) {
            for item in items {
                rename(item.get_mut("namespace"));
            }
        }
    }
}

/// Rewrites uids, node names and namespaces inside a patch body or object.
pub(crate) fn rewrite_refs(v: &mut Value, m: &Mapping) {
    replace_strings(v, &m.uids);
    replace_strings(v, &m.nodes);
}

/// The object as it is applied (main resource): identity fields dropped, names mapped,
/// the play's label, owner references to objects not written removed, no status unless the
/// kind keeps status in the main resource (`status_in_main`).
pub(crate) fn prepare(obj: &Value, m: &Mapping, namespaced: bool, status_in_main: bool) -> Value {
    let mut o = obj.clone();
    let kind = kind_of(obj).to_string();
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for f in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            meta.remove(f);
        }
        if let Some(Value::String(name)) = meta.get_mut("name") {
            *name = m.object_name(&kind, name, namespaced);
        }
        if !namespaced {
            meta.remove("namespace");
        }
        // Owner references whose owner was not written would make the garbage collector
        // delete the object at once: keep only those the play wrote.
        if let Some(Value::Array(refs)) = meta.get_mut("ownerReferences") {
            refs.retain(|r| {
                r.get("uid")
                    .and_then(Value::as_str)
                    .is_some_and(|u| m.uids.contains_key(u))
            });
            if refs.is_empty() {
                meta.remove("ownerReferences");
            }
        }
        let labels = meta
            .entry("labels")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(l) = labels.as_object_mut() {
            l.insert(PLAYED_BY.into(), Value::String(m.id.clone()));
        }
    }
    rename_namespaces(&mut o, m);
    rewrite_refs(&mut o, m);
    if !status_in_main && let Some(map) = o.as_object_mut() {
        map.remove("status");
    }
    match kind.as_str() {
        "Service" => {
            if let Some(spec) = o.get_mut("spec").and_then(Value::as_object_mut) {
                // Addresses come from the cluster's own ranges.
                for f in ["clusterIP", "clusterIPs", "healthCheckNodePort"] {
                    spec.remove(f);
                }
                if let Some(Value::Array(ports)) = spec.get_mut("ports") {
                    for p in ports {
                        if let Some(p) = p.as_object_mut() {
                            p.remove("nodePort");
                        }
                    }
                }
            }
        }
        "PersistentVolumeClaim" => {
            if let Some(spec) = o.get_mut("spec").and_then(Value::as_object_mut) {
                spec.remove("volumeName");
            }
        }
        "CustomResourceDefinition" => {
            if let Some(map) = o.as_object_mut() {
                map.remove("status");
            }
        }
        "Event" => {
            // The API server wants an action with an eventTime (the scheduler's "Binding").
            if let Some(map) = o.as_object_mut()
                && map.get("eventTime").is_some_and(|t| !t.is_null())
                && map.get("action").is_none_or(Value::is_null)
            {
                let reason = map.get("reason").cloned().unwrap_or(Value::Null);
                map.insert("action".into(), reason);
            }
        }
        _ => {}
    }
    o
}

/// Drops what the cluster's kubelet (kwok) owns from a recorded pod status: its addresses
/// come from the node the pod runs on, and the API server refuses others.
pub(crate) fn strip_kubelet_fields(kind: &str, status: &mut Value) {
    if kind != "Pod" {
        return;
    }
    if let Some(map) = status.as_object_mut() {
        for f in ["hostIP", "hostIPs", "podIP", "podIPs"] {
            map.remove(f);
        }
    }
}

/// The status body written through the status subresource (`None` when nothing to write).
pub(crate) fn status_body(
    obj: &Value,
    m: &Mapping,
    name: &str,
    namespace: Option<&str>,
) -> Option<Value> {
    let mut status = obj.get("status")?.clone();
    if status.as_object().is_some_and(Map::is_empty) {
        return None;
    }
    let mut wrapper = serde_json::json!({
        "apiVersion": obj.get("apiVersion").cloned().unwrap_or(Value::Null),
        "kind": obj.get("kind").cloned().unwrap_or(Value::Null),
        "metadata": {"name": name},
    });
    if let Some(ns) = namespace {
        wrapper["metadata"]["namespace"] = Value::String(ns.to_string());
    }
    // Namespaces named in status (Argo CD's resources) are renamed by the caller's prepare
    // of the whole object; here the status alone is rewritten the same way.
    strip_kubelet_fields(kind_of(obj), &mut status);
    let mut whole = serde_json::json!({"status": status.take()});
    rename_namespaces(&mut whole, m);
    rewrite_refs(&mut whole, m);
    wrapper["status"] = whole["status"].take();
    Some(wrapper)
}

/// Namespaces that written objects live in but the recording does not declare (as
/// `Namespace` objects): they are created too (or left alone when the cluster has them).
pub(crate) fn missing_namespaces(objects: &[Value]) -> Vec<Value> {
    let declared: std::collections::BTreeSet<&str> = objects
        .iter()
        .filter(|o| kind_of(o) == "Namespace")
        .filter_map(|o| o.pointer("/metadata/name").and_then(Value::as_str))
        .collect();
    let used: std::collections::BTreeSet<&str> = objects
        .iter()
        .filter(|o| disposition(o) == Disposition::Write)
        .filter_map(|o| o.pointer("/metadata/namespace").and_then(Value::as_str))
        .filter(|n| !n.is_empty() && !declared.contains(n))
        .collect();
    used.into_iter()
        .map(|n| serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}))
        .collect()
}

/// ServiceAccounts that written pods and workloads name but the recording does not hold:
/// a real API server refuses such pods.
pub(crate) fn missing_service_accounts(objects: &[Value]) -> Vec<Value> {
    let key = |o: &Value, sa: &str| {
        (
            o.pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            sa.to_string(),
        )
    };
    let declared: std::collections::BTreeSet<(String, String)> = objects
        .iter()
        .filter(|o| kind_of(o) == "ServiceAccount")
        .filter_map(|o| {
            let name = o.pointer("/metadata/name").and_then(Value::as_str)?;
            Some(key(o, name))
        })
        .collect();
    let mut wanted = std::collections::BTreeSet::new();
    for o in objects
        .iter()
        .filter(|o| disposition(o) == Disposition::Write)
    {
        let sa = o
            .pointer("/spec/serviceAccountName")
            .or_else(|| o.pointer("/spec/template/spec/serviceAccountName"))
            .or_else(|| o.pointer("/spec/jobTemplate/spec/template/spec/serviceAccountName"))
            .and_then(Value::as_str);
        if let Some(sa) = sa.filter(|s| !s.is_empty() && *s != "default") {
            let k = key(o, sa);
            if !declared.contains(&k) && !k.0.is_empty() {
                wanted.insert(k);
            }
        }
    }
    wanted
        .into_iter()
        .map(|(ns, name)| {
            serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": name, "namespace": ns}})
        })
        .collect()
}

/// A node as the mapping sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeSpot {
    pub name: String,
    pub pool: String,
    pub zone: String,
}

impl NodeSpot {
    pub(crate) fn of(node: &Value) -> NodeSpot {
        NodeSpot {
            name: node
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            pool: PROVIDER_LABELS
                .iter()
                .find_map(|(label, _)| {
                    node.pointer("/metadata/labels")
                        .and_then(|l| l.get(*label))
                        .and_then(Value::as_str)
                })
                .unwrap_or(UNPOOLED)
                .to_string(),
            zone: node
                .pointer(&format!(
                    "/metadata/labels/{}",
                    ZONE_LABEL.replace('/', "~1")
                ))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        }
    }
}

/// Maps each recorded node onto a cluster node: same pool and zone, else same pool, else
/// same zone, else any; among equals the one given the fewest recorded nodes so far, then by
/// name (deterministic).
pub(crate) fn map_nodes(recorded: &[NodeSpot], cluster: &[NodeSpot]) -> BTreeMap<String, String> {
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = BTreeMap::new();
    let mut sorted: Vec<&NodeSpot> = cluster.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for r in recorded {
        let score = |c: &NodeSpot| match (c.pool == r.pool, c.zone == r.zone) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => 3,
        };
        let best = sorted
            .iter()
            .min_by_key(|c| (score(c), used.get(c.name.as_str()).copied().unwrap_or(0)));
        if let Some(c) = best {
            *used.entry(c.name.as_str()).or_default() += 1;
            out.insert(r.name.clone(), c.name.clone());
        }
    }
    out
}

/// Whether a context looks like a test cluster: its server is on a loopback address, or the
/// context's or cluster's name contains `kind`, `kwok`, `k3d`, `minikube`, `test`, `sandbox`
/// or `docker-desktop`.
pub(crate) fn looks_like_test_cluster(server: &str, context: &str, cluster: &str) -> bool {
    const WORDS: &[&str] = &[
        "kind",
        "kwok",
        "k3d",
        "minikube",
        "test",
        "sandbox",
        "docker-desktop",
    ];
    let host = server
        .split("://")
        .nth(1)
        .unwrap_or(server)
        .split('/')
        .next()
        .unwrap_or("");
    let host = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let named = [context, cluster].iter().any(|n| {
        let n = n.to_ascii_lowercase();
        WORDS.iter().any(|w| n.contains(w))
    });
    loopback || named
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapping() -> Mapping {
        Mapping {
            prefix: Some("p1".into()),
            id: "p1".into(),
            nodes: BTreeMap::from([("rec-node".into(), "real-node".into())]),
            uids: BTreeMap::from([("u-owner".into(), "real-owner".into())]),
        }
    }

    #[test]
    fn test_cluster_rule() {
        assert!(looks_like_test_cluster(
            "https://127.0.0.1:6443",
            "prod",
            "prod"
        ));
        assert!(looks_like_test_cluster(
            "https://[::1]:6443",
            "prod",
            "prod"
        ));
        assert!(looks_like_test_cluster(
            "https://localhost:6443",
            "prod",
            "prod"
        ));
        assert!(looks_like_test_cluster("https://10.0.0.1", "kind-dev", "x"));
        assert!(looks_like_test_cluster("https://10.0.0.1", "x", "kwok-a"));
        assert!(!looks_like_test_cluster(
            "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
            "arn:aws:eks:eu-west-1:1:cluster/prod",
            "prod"
        ));
        assert!(!looks_like_test_cluster("https://128.0.0.1:443", "a", "b"));
    }

    #[test]
    fn controllers_make_replicasets_and_their_pods() {
        let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "a",
            "ownerReferences": [{"kind": "Deployment", "controller": true, "uid": "x", "name": "d", "apiVersion": "apps/v1"}]}});
        assert!(matches!(disposition(&rs), Disposition::Skip(_)));
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a-1",
            "ownerReferences": [{"kind": "StatefulSet", "controller": true, "uid": "x", "name": "a", "apiVersion": "apps/v1"}]}});
        assert!(matches!(disposition(&pod), Disposition::Skip(_)));
        let cnpg = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-1",
            "ownerReferences": [{"kind": "Cluster", "controller": true, "uid": "x", "name": "db", "apiVersion": "postgresql.cnpg.io/v1"}]}});
        assert_eq!(disposition(&cnpg), Disposition::Write);
        let hook = json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "w"}});
        assert!(matches!(disposition(&hook), Disposition::Skip(_)));
    }

    #[test]
    fn prepare_maps_names_owners_and_labels() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-1", "namespace": "keycloak",
            "uid": "u-pod", "resourceVersion": "5", "creationTimestamp": "2026-01-01T00:00:00Z",
            "ownerReferences": [{"kind": "Cluster", "controller": true, "uid": "u-owner", "name": "db", "apiVersion": "postgresql.cnpg.io/v1"},
                                {"kind": "Thing", "uid": "u-gone", "name": "t", "apiVersion": "v1"}]},
            "spec": {"nodeName": "rec-node", "containers": []}, "status": {"phase": "Running"}});
        let out = prepare(&pod, &mapping(), true, false);
        assert_eq!(out["metadata"]["namespace"], "p1-keycloak");
        assert_eq!(out["metadata"]["labels"][PLAYED_BY], "p1");
        assert_eq!(out["spec"]["nodeName"], "real-node");
        assert!(out["metadata"].get("uid").is_none());
        assert!(out["metadata"].get("creationTimestamp").is_none());
        assert!(out.get("status").is_none());
        let refs = out["metadata"]["ownerReferences"].as_array().expect("refs");
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0]["uid"], "real-owner");
        let status = status_body(&pod, &mapping(), "db-1", Some("p1-keycloak")).expect("status");
        assert_eq!(status["status"]["phase"], "Running");
        assert_eq!(status["metadata"]["namespace"], "p1-keycloak");
    }

    #[test]
    fn namespaces_and_cluster_scoped_names_get_the_prefix() {
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "argo"}});
        assert_eq!(
            prepare(&ns, &mapping(), false, false)["metadata"]["name"],
            "p1-argo"
        );
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "clusters.postgresql.cnpg.io"}, "status": {"x": 1}});
        let out = prepare(&crd, &mapping(), false, true);
        assert_eq!(out["metadata"]["name"], "clusters.postgresql.cnpg.io");
        assert!(out.get("status").is_none());
        let app = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "a", "namespace": "argo"}, "spec": {"destination": {"namespace": "keycloak"}},
            "status": {"resources": [{"namespace": "keycloak", "kind": "Pod"}]}});
        let out = prepare(&app, &mapping(), true, true);
        assert_eq!(out["spec"]["destination"]["namespace"], "p1-keycloak");
        assert_eq!(out["status"]["resources"][0]["namespace"], "p1-keycloak");
    }

    #[test]
    fn nodes_map_by_pool_then_zone_and_spread() {
        let spot = |n: &str, p: &str, z: &str| NodeSpot {
            name: n.into(),
            pool: p.into(),
            zone: z.into(),
        };
        let cluster = [
            spot("db-a", "database", "a"),
            spot("db-b", "database", "b"),
            spot("infra-a", "infra", "a"),
        ];
        let recorded = [
            spot("r1", "database", "a"),
            spot("r2", "database", "b"),
            spot("r3", "database", "c"),
            spot("r4", "infra", "a"),
        ];
        let m = map_nodes(&recorded, &cluster);
        assert_eq!(m["r1"], "db-a");
        assert_eq!(m["r2"], "db-b");
        assert!(m["r3"].starts_with("db-"), "{m:?}");
        assert_eq!(m["r4"], "infra-a");
    }

    #[test]
    fn play_ids_are_label_values() {
        assert_eq!(play_id(Some("t1"), "platform"), "t1");
        assert_eq!(play_id(None, "wave stuck!"), "wave-stuck");
    }
}
