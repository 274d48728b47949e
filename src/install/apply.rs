//! The manifest apply engine: multi-document YAML → objects; per object a preview (a
//! server-side dry-run apply diffed against the live object: create / update with the
//! changed fields and values / unchanged / conflict), server-side apply (field manager
//! `opsdeck`, `force` only on the user's word), CRDs first with a wait for Established, and
//! a bounded wait for workloads to become available.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiResource, Scope, pinned_kind};
use serde_json::Value;

use super::plan::{Change, ChangeKind};
use super::{InstallError, diff, existing};

pub(crate) const FIELD_MANAGER: &str = "opsdeck";

/// How often waits poll the API server.
const POLL: Duration = Duration::from_millis(500);

/// Parses a multi-document YAML manifest (empty documents skipped, `kind: List` flattened).
pub fn parse_manifest(text: &str, origin: &str) -> Result<Vec<Value>, InstallError> {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(text).map_err(|e| InstallError::Manifest {
            origin: origin.into(),
            message: e.to_string(),
        })?;
    let mut out = Vec::new();
    for doc in docs {
        if doc.is_null() {
            continue;
        }
        if doc.get("kind").and_then(Value::as_str) == Some("List") {
            if let Some(items) = doc.get("items").and_then(Value::as_array) {
                out.extend(items.iter().cloned());
            }
            continue;
        }
        out.push(doc);
    }
    for (i, obj) in out.iter().enumerate() {
        if obj.get("apiVersion").and_then(Value::as_str).is_none()
            || obj.get("kind").and_then(Value::as_str).is_none()
            || name(obj).is_empty()
        {
            return Err(InstallError::Manifest {
                origin: origin.into(),
                message: format!("object #{} lacks apiVersion, kind or metadata.name", i + 1),
            });
        }
    }
    Ok(out)
}

pub fn kind(obj: &Value) -> &str {
    obj.get("kind").and_then(Value::as_str).unwrap_or("")
}

pub fn name(obj: &Value) -> &str {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

pub fn namespace(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/namespace").and_then(Value::as_str)
}

pub(crate) fn is_crd(obj: &Value) -> bool {
    kind(obj) == "CustomResourceDefinition"
}

/// "Kind ns/name" or "Kind name".
pub fn target(obj: &Value) -> String {
    match namespace(obj) {
        Some(ns) => format!("{} {ns}/{}", kind(obj), name(obj)),
        None => format!("{} {}", kind(obj), name(obj)),
    }
}

fn gvk(obj: &Value) -> GroupVersionKind {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    GroupVersionKind::gvk(group, version, kind(obj))
}

/// Whether every field of `desired` has the same value in `live` (lists element-wise, same
/// length), so fields the server adds (defaults, status, metadata) do not count as drift.
pub fn contains(desired: &Value, live: &Value) -> bool {
    match (desired, live) {
        (Value::Object(d), Value::Object(l)) => d
            .iter()
            .all(|(k, v)| l.get(k).is_some_and(|lv| contains(v, lv)) || v.is_null()),
        (Value::Array(d), Value::Array(l)) => {
            d.len() == l.len() && d.iter().zip(l).all(|(a, b)| contains(a, b))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => desired == live,
    }
}

/// The paths where `live` differs from `desired` (values never shown: Secrets go through
/// here too).
#[cfg(test)]
pub(crate) fn diff_paths(desired: &Value, live: &Value, prefix: &str, out: &mut Vec<String>) {
    match (desired, live) {
        (Value::Object(d), Value::Object(l)) => {
            for (k, v) in d {
                let path = if prefix.is_empty() {
                    k.clone()
                } else if k.contains('.') || k.contains('/') {
                    format!("{prefix}[{k:?}]")
                } else {
                    format!("{prefix}.{k}")
                };
                match l.get(k) {
                    None if v.is_null() => {}
                    None => out.push(format!("+ {path}")),
                    Some(lv) => diff_paths(v, lv, &path, out),
                }
            }
        }
        _ if contains(desired, live) => {}
        _ => out.push(format!("~ {prefix}")),
    }
}

/// Applies objects to one cluster, resolving kinds through discovery.
pub struct Applier {
    client: kube::Client,
    default_namespace: String,
    resolved: HashMap<String, (ApiResource, Scope)>,
    /// Take over fields other managers own (and replace merged container lists): only when
    /// the user chose it.
    pub force: bool,
    /// The live objects `check` found (what already exists).
    pub live: Vec<Value>,
    /// Lists (JSON pointer, the manifest's items) to replace before applying, by target.
    replace: HashMap<String, Vec<(String, Value)>>,
}

impl Applier {
    pub fn new(client: kube::Client, default_namespace: &str) -> Applier {
        Applier {
            client,
            default_namespace: default_namespace.into(),
            resolved: HashMap::new(),
            force: false,
            live: Vec::new(),
            replace: HashMap::new(),
        }
    }

    /// The kind's API resource and scope; `None` when the server does not serve it (yet).
    async fn resolve(&mut self, obj: &Value) -> Result<Option<(ApiResource, Scope)>, InstallError> {
        let gvk = gvk(obj);
        let key = format!("{}/{}/{}", gvk.group, gvk.version, gvk.kind);
        if let Some(r) = self.resolved.get(&key) {
            return Ok(Some(r.clone()));
        }
        match pinned_kind(&self.client, &gvk).await {
            Ok((ar, caps)) => {
                self.resolved.insert(key, (ar.clone(), caps.scope.clone()));
                Ok(Some((ar, caps.scope)))
            }
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
            Err(kube::Error::Discovery(_)) => Ok(None),
            Err(e) => Err(InstallError::kube(format!("discover {key}"), e)),
        }
    }

    fn api(&self, ar: &ApiResource, scope: &Scope, ns: Option<&str>) -> Api<DynamicObject> {
        match (scope, ns) {
            (Scope::Namespaced, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, ar),
            (Scope::Namespaced, None) => {
                Api::namespaced_with(self.client.clone(), &self.default_namespace, ar)
            }
            (Scope::Cluster, _) => Api::all_with(self.client.clone(), ar),
        }
    }

    /// Sets the default namespace on namespaced objects that have none (as `kubectl apply -n`
    /// does), then previews the apply: a server-side dry-run apply (`dryRun=All`) of the
    /// object diffed field by field against the live object. Conflicts with other field
    /// managers (without `force`) and container lists the apply would merge are
    /// [`ChangeKind::Conflict`]s; an object whose values would not change but that opsdeck
    /// does not manage yet is an update of ownership only.
    pub async fn check(&mut self, obj: &mut Value) -> Result<Change, InstallError> {
        let Some((ar, scope)) = self.resolve(obj).await? else {
            if namespace(obj).is_none() && !is_crd(obj) && kind(obj) != "Namespace" {
                // Not served yet (its CRD comes with this plan): assume namespaced.
                set_namespace(obj, &self.default_namespace);
            }
            return Ok(
                Change::new(ChangeKind::Create, target(obj)).with_detail(vec![
                    "(kind not served yet: its CRD is applied first)".into(),
                ]),
            );
        };
        match scope {
            Scope::Namespaced if namespace(obj).is_none() => {
                set_namespace(obj, &self.default_namespace)
            }
            Scope::Cluster => {
                if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("namespace");
                }
            }
            Scope::Namespaced => {}
        }
        let api = self.api(&ar, &scope, namespace(obj));
        let live = api
            .get_opt(name(obj))
            .await
            .map_err(|e| InstallError::kube(format!("get {}", target(obj)), e))?;
        let Some(live) = live else {
            return Ok(Change::new(ChangeKind::Create, target(obj)));
        };
        let live = serde_json::to_value(&live)
            .map_err(|e| InstallError::Invalid(format!("live {}: {e}", target(obj))))?;
        self.live.push(live.clone());
        let mut params = PatchParams::apply(FIELD_MANAGER).dry_run();
        params.force = self.force;
        let after = match api.patch(name(obj), &params, &Patch::Apply(&*obj)).await {
            Ok(after) => serde_json::to_value(&after)
                .map_err(|e| InstallError::Invalid(format!("dry run {}: {e}", target(obj))))?,
            Err(kube::Error::Api(s)) if s.code == 409 => {
                let mut detail: Vec<String> = s
                    .message
                    .lines()
                    .map(|l| format!("x {}", l.trim()))
                    .collect();
                detail.push(
                    "x these fields belong to another manager: choose force to take them over"
                        .into(),
                );
                return Ok(Change::new(ChangeKind::Conflict, target(obj)).with_detail(detail));
            }
            Err(e) => {
                return Err(InstallError::kube(
                    format!("dry-run apply {}", target(obj)),
                    e,
                ));
            }
        };
        let mut after = after;
        let merged = diff::merged_lists(obj, &after);
        let mut notes = Vec::new();
        if !merged.is_empty() {
            if !self.force {
                let detail = merged
                    .iter()
                    .map(|(path, kept, wanted)| {
                        format!(
                            "x {path}: the live {} would keep running beside the manifest's {} \
                             (server-side apply merges this list by name); choose force to replace them",
                            kept.join(", "),
                            wanted.join(", ")
                        )
                    })
                    .collect();
                return Ok(Change::new(ChangeKind::Conflict, target(obj)).with_detail(detail));
            }
            // With force the list is replaced by the manifest's before the apply.
            let mut lists = Vec::new();
            for (path, _, _) in &merged {
                let pointer = format!("/{}", path.replace('.', "/"));
                if let (Some(want), Some(slot)) =
                    (obj.pointer(&pointer).cloned(), after.pointer_mut(&pointer))
                {
                    // What the server makes of the manifest's items (defaults included).
                    if let (Some(w), Some(got)) = (want.as_array(), slot.as_array()) {
                        let kept: Vec<Value> = got
                            .iter()
                            .filter(|g| w.iter().any(|x| x.get("name") == g.get("name")))
                            .cloned()
                            .collect();
                        *slot = Value::Array(kept);
                    }
                    lists.push((pointer, want));
                }
            }
            notes.push("! the merged list is replaced by the manifest's (force)".to_string());
            self.replace.insert(target(obj), lists);
        }
        let mut detail = diff::field_diff(&live, &after, kind(obj) == "Secret");
        let others = existing::owners(&live);
        if detail.is_empty() {
            // An apply that sets no field (a bare Namespace) records no manager.
            if existing::managed_by_opsdeck(&live) || !sets_fields(obj) {
                return Ok(Change::new(ChangeKind::Unchanged, target(obj)));
            }
            detail.push(format!(
                "~ metadata.managedFields: opsdeck becomes a field manager (values unchanged; now managed by {})",
                if others.is_empty() {
                    "no one".to_string()
                } else {
                    others.join(", ")
                }
            ));
        } else if !others.is_empty() {
            detail.push(format!("! managed by {}", others.join(", ")));
        }
        detail.extend(notes);
        Ok(Change::new(ChangeKind::Update, target(obj)).with_detail(detail))
    }

    /// Server-side apply of one object (after `check` set its namespace), with `force` only
    /// when the user chose it. A container list `check` found merged is first replaced by
    /// the manifest's (a JSON patch), so no container is ever duplicated.
    pub async fn apply(&mut self, obj: &Value) -> Result<(), InstallError> {
        let Some((ar, scope)) = self.resolve(obj).await? else {
            return Err(InstallError::Invalid(format!(
                "{}: the server does not serve {} (is its CRD installed?)",
                target(obj),
                obj.get("apiVersion").and_then(Value::as_str).unwrap_or("")
            )));
        };
        let api = self.api(&ar, &scope, namespace(obj));
        if let Some(lists) = self.replace.get(&target(obj)) {
            // A JSON merge patch replaces a list as a whole.
            let mut patch = Value::Object(serde_json::Map::new());
            for (pointer, want) in lists {
                let mut slot = &mut patch;
                for key in pointer.trim_start_matches('/').split('/') {
                    slot = &mut slot[key];
                }
                *slot = want.clone();
            }
            api.patch(
                name(obj),
                &PatchParams {
                    field_manager: Some(FIELD_MANAGER.into()),
                    ..PatchParams::default()
                },
                &Patch::Merge(&patch),
            )
            .await
            .map_err(|e| InstallError::kube(format!("replace lists of {}", target(obj)), e))?;
        }
        let mut params = PatchParams::apply(FIELD_MANAGER);
        params.force = self.force;
        api.patch(name(obj), &params, &Patch::Apply(obj))
            .await
            .map_err(|e| InstallError::kube(format!("apply {}", target(obj)), e))?;
        Ok(())
    }

    /// Waits until each CRD reports `Established=True`.
    pub(crate) async fn wait_established(
        &mut self,
        names: &[String],
        timeout: Duration,
        say: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<(), InstallError> {
        let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
        ));
        let api: Api<DynamicObject> = Api::all_with(self.client.clone(), &ar);
        let deadline = Instant::now() + timeout;
        for name in names {
            loop {
                let crd = api
                    .get_opt(name)
                    .await
                    .map_err(|e| InstallError::kube(format!("get CRD {name}"), e))?;
                let established = crd.as_ref().is_some_and(|c| {
                    c.data
                        .pointer("/status/conditions")
                        .and_then(Value::as_array)
                        .is_some_and(|cs| {
                            cs.iter()
                                .any(|c| c["type"] == "Established" && c["status"] == "True")
                        })
                });
                if established {
                    say(&format!("CRD {name} established"));
                    break;
                }
                if Instant::now() >= deadline {
                    return Err(InstallError::Timeout(format!(
                        "CRD {name} not Established after {}s",
                        timeout.as_secs()
                    )));
                }
                tokio::time::sleep(POLL).await;
            }
        }
        // Kinds served by the new CRDs resolve now.
        self.resolved.clear();
        Ok(())
    }
}

/// Whether an object sets any field beyond its identity (apiVersion, kind, name, namespace).
fn sets_fields(obj: &Value) -> bool {
    obj.as_object().is_some_and(|o| {
        o.iter().any(|(k, v)| match k.as_str() {
            "apiVersion" | "kind" => false,
            "metadata" => v
                .as_object()
                .is_some_and(|m| m.keys().any(|k| k != "name" && k != "namespace")),
            _ => true,
        })
    })
}

fn set_namespace(obj: &mut Value, ns: &str) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("namespace".into(), Value::String(ns.into()));
    }
}

/// Whether a Deployment or StatefulSet reports all its replicas available.
pub(crate) fn workload_available(obj: &Value) -> bool {
    let want = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let field = if obj.get("kind").and_then(Value::as_str) == Some("StatefulSet") {
        "/status/readyReplicas"
    } else {
        "/status/availableReplicas"
    };
    let have = obj.pointer(field).and_then(Value::as_i64).unwrap_or(0);
    let observed_ok = match (
        obj.pointer("/status/observedGeneration")
            .and_then(Value::as_i64),
        obj.pointer("/metadata/generation").and_then(Value::as_i64),
    ) {
        (Some(o), Some(g)) => o >= g,
        _ => true,
    };
    have >= want && observed_ok
}

/// Workloads (`Deployment`/`StatefulSet` names in `ns`) not available yet.
pub(crate) async fn unavailable_workloads(
    client: &kube::Client,
    ns: &str,
    workloads: &[(String, String)],
) -> Result<Vec<String>, InstallError> {
    let mut out = Vec::new();
    for (kind, name) in workloads {
        let ar = ApiResource::from_gvk(&GroupVersionKind::gvk("apps", "v1", kind));
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ar);
        let obj = api
            .get_opt(name)
            .await
            .map_err(|e| InstallError::kube(format!("get {kind} {ns}/{name}"), e))?;
        let ok = obj
            .and_then(|o| serde_json::to_value(o).ok())
            .is_some_and(|v| workload_available(&v));
        if !ok {
            out.push(format!("{kind} {name}"));
        }
    }
    Ok(out)
}

/// Waits (bounded) until the workloads are available; returns those still unavailable at the
/// deadline, reporting progress as it goes. A zero timeout checks once.
pub(crate) async fn wait_available(
    client: &kube::Client,
    ns: &str,
    workloads: &[(String, String)],
    timeout: Duration,
    say: &(dyn Fn(&str) + Send + Sync),
) -> Result<Vec<String>, InstallError> {
    let deadline = Instant::now() + timeout;
    let mut last_count = usize::MAX;
    loop {
        let pending = unavailable_workloads(client, ns, workloads).await?;
        if pending.is_empty() {
            say(&format!("all {} workloads available", workloads.len()));
            return Ok(pending);
        }
        if pending.len() != last_count {
            say(&format!(
                "waiting for {} of {} workloads to become available: {}",
                pending.len(),
                workloads.len(),
                pending.join(", ")
            ));
            last_count = pending.len();
        }
        if Instant::now() >= deadline {
            return Ok(pending);
        }
        tokio::time::sleep(POLL * 4).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contains_ignores_server_added_fields() {
        let desired = json!({"metadata": {"name": "a"}, "spec": {"ports": [{"port": 80}]}});
        let live = json!({"metadata": {"name": "a", "uid": "x"},
            "spec": {"ports": [{"port": 80, "protocol": "TCP"}]}, "status": {}});
        assert!(contains(&desired, &live));
        let changed = json!({"metadata": {"name": "a"}, "spec": {"ports": [{"port": 81}]}});
        assert!(!contains(&changed, &live));
        let mut paths = Vec::new();
        diff_paths(&changed, &live, "", &mut paths);
        assert_eq!(paths, vec!["~ spec.ports"]);
    }

    #[test]
    fn diff_paths_quote_dotted_keys() {
        let desired = json!({"data": {"helm.valuesFileSchemes": "x", "url": "u"}});
        let live = json!({"data": {"url": "u"}});
        let mut paths = Vec::new();
        diff_paths(&desired, &live, "", &mut paths);
        assert_eq!(paths, vec!["+ data[\"helm.valuesFileSchemes\"]"]);
    }

    #[test]
    fn parses_multi_document_manifests() {
        let objs = parse_manifest(
            "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n",
            "m.yaml",
        )
        .expect("parses");
        assert_eq!(objs.len(), 2);
        assert_eq!(target(&objs[1]), "ConfigMap b");
        assert!(parse_manifest("apiVersion: v1\nkind: ConfigMap\n", "m.yaml").is_err());
    }

    #[test]
    fn availability() {
        assert!(!workload_available(
            &json!({"kind": "Deployment", "spec": {"replicas": 2}, "status": {"availableReplicas": 1}})
        ));
        assert!(workload_available(
            &json!({"kind": "Deployment", "spec": {"replicas": 2}, "status": {"availableReplicas": 2}})
        ));
        assert!(workload_available(
            &json!({"kind": "StatefulSet", "spec": {}, "status": {"readyReplicas": 1}})
        ));
    }
}
