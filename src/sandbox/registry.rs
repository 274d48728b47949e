//! Resource types the sandbox serves: the built-in kinds and the CRDs registered when a
//! `CustomResourceDefinition` is created.

use serde_json::{Value, json};

/// Where a scalable resource keeps its replica counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalePaths {
    pub spec_replicas: String,
    pub status_replicas: String,
    pub label_selector: Option<String>,
}

/// A printer column as a CRD declares it (`additionalPrinterColumns`).
#[derive(Debug, Clone, PartialEq)]
pub struct PrinterColumn {
    pub name: String,
    pub type_: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
    pub json_path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub namespaced: bool,
    pub status: bool,
    pub scale: Option<ScalePaths>,
    /// Served by a CRD (custom resources take no strategic merge patches).
    pub custom: bool,
    pub printer_columns: Vec<PrinterColumn>,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `pods`, `deployments.apps`: the group-resource, as Kubernetes names it in errors.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn key(&self) -> ResKey {
        ResKey {
            group: self.group.clone(),
            plural: self.plural.clone(),
        }
    }

    /// The verbs discovery lists (namespaces have no `deletecollection` on the API server).
    pub fn verbs(&self) -> Vec<&'static str> {
        let mut verbs = vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ];
        if self.group.is_empty() && self.plural == "namespaces" {
            verbs.retain(|v| *v != "deletecollection");
        }
        verbs
    }

    /// Entries of an `APIResourceList` for this type (the resource and its subresources).
    pub fn discovery_entries(&self) -> Vec<Value> {
        let mut main = json!({
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": self.verbs(),
        });
        if !self.short_names.is_empty() {
            main["shortNames"] = json!(self.short_names);
        }
        if !self.categories.is_empty() {
            main["categories"] = json!(self.categories);
        }
        let mut out = vec![main];
        let sub = |name: &str, kind: &str, group: Option<&str>, verbs: &[&str]| {
            let mut v = json!({
                "name": format!("{}/{}", self.plural, name),
                "singularName": "",
                "namespaced": self.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if let Some(g) = group {
                v["group"] = json!(g);
                v["version"] = json!("v1");
            }
            v
        };
        if self.status {
            out.push(sub("status", &self.kind, None, &["get", "patch", "update"]));
        }
        if self.scale.is_some() {
            out.push(sub(
                "scale",
                "Scale",
                Some("autoscaling"),
                &["get", "patch", "update"],
            ));
        }
        if self.group.is_empty() && self.plural == "pods" {
            out.push(sub("log", "Pod", None, &["get"]));
        }
        out
    }

    /// Whether `name` designates this type as kubectl resolves it.
    pub fn matches_name(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        let (base, group) = match name.split_once('.') {
            Some((b, g)) => (b.to_string(), Some(g.to_string())),
            None => (name.clone(), None),
        };
        if let Some(g) = group {
            return (base == self.plural || base == self.singular) && g == self.group;
        }
        base == self.plural
            || base == self.singular
            || base == self.kind.to_ascii_lowercase()
            || self.short_names.contains(&base)
    }
}

/// Identifies the storage of one resource type (group + plural).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResKey {
    pub group: String,
    pub plural: String,
}

#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<ResourceType>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

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

impl Registry {
    pub fn builtin() -> Self {
        let types = BUILTINS
            .iter()
            .map(
                |&(group, version, kind, plural, short, namespaced, status, scale)| ResourceType {
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
                    status,
                    scale: scale.then(|| ScalePaths {
                        spec_replicas: ".spec.replicas".into(),
                        status_replicas: ".status.replicas".into(),
                        label_selector: Some(".status.selector".into()),
                    }),
                    custom: false,
                    printer_columns: vec![],
                },
            )
            .collect();
        Registry { types }
    }

    pub fn types(&self) -> &[ResourceType] {
        &self.types
    }

    /// The type served at `group/version` under `plural`.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    /// The type of `apiVersion` + `kind`.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceType> {
        let (group, version) = split_api_version(api_version);
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.kind == kind)
    }

    pub fn by_key(&self, key: &ResKey) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == key.group && t.plural == key.plural)
    }

    /// Groups and their versions, core group excluded, in registration order.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for t in self.types.iter().filter(|t| !t.group.is_empty()) {
            match out.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, versions)) => {
                    if !versions.contains(&t.version) {
                        versions.push(t.version.clone());
                    }
                }
                None => out.push((t.group.clone(), vec![t.version.clone()])),
            }
        }
        out
    }

    pub fn in_group_version<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a ResourceType> + 'a {
        self.types
            .iter()
            .filter(move |t| t.group == group && t.version == version)
    }

    /// Registers (or re-registers) the types of a CRD object. Returns an error message
    /// naming the field when the CRD is not usable.
    pub fn register_crd(&mut self, crd: &Value) -> Result<Vec<ResourceType>, String> {
        let types = crd_types(crd)?;
        let group = types.first().map(|t| t.group.clone()).unwrap_or_default();
        let plural = types.first().map(|t| t.plural.clone()).unwrap_or_default();
        self.types
            .retain(|t| !(t.custom && t.group == group && t.plural == plural));
        self.types.extend(types.iter().cloned());
        Ok(types)
    }

    /// Removes the types served by a CRD; returns their storage key.
    pub fn unregister_crd(&mut self, crd: &Value) -> Option<ResKey> {
        let group = crd.pointer("/spec/group")?.as_str()?.to_string();
        let plural = crd.pointer("/spec/names/plural")?.as_str()?.to_string();
        self.types
            .retain(|t| !(t.custom && t.group == group && t.plural == plural));
        Some(ResKey { group, plural })
    }
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

/// The resource types a CRD object defines (one per served version).
pub fn crd_types(crd: &Value) -> Result<Vec<ResourceType>, String> {
    let s = |path: &str| {
        crd.pointer(path)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                format!(
                    "spec.{} is required",
                    path.trim_start_matches("/spec/").replace('/', ".")
                )
            })
    };
    let group = s("/spec/group")?;
    let kind = s("/spec/names/kind")?;
    let plural = s("/spec/names/plural")?;
    let singular = s("/spec/names/singular").unwrap_or_else(|_| kind.to_ascii_lowercase());
    let list = |path: &str| -> Vec<String> {
        crd.pointer(path)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let short_names = list("/spec/names/shortNames");
    let categories = list("/spec/names/categories");
    let namespaced = match crd.pointer("/spec/scope").and_then(Value::as_str) {
        Some("Namespaced") => true,
        Some("Cluster") => false,
        _ => return Err("spec.scope must be Namespaced or Cluster".into()),
    };
    let name = crd
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name != format!("{plural}.{group}") {
        return Err(format!(
            "metadata.name must be spec.names.plural+\".\"+spec.group ({plural}.{group})"
        ));
    }
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .filter(|v| !v.is_empty())
        .ok_or("spec.versions must have at least one version")?;
    let mut out = Vec::new();
    for v in versions {
        if v.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let version = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or("spec.versions[].name is required")?
            .to_string();
        let sub = v.get("subresources");
        let status = sub.and_then(|s| s.get("status")).is_some();
        let scale = sub.and_then(|s| s.get("scale")).map(|sc| ScalePaths {
            spec_replicas: sc
                .get("specReplicasPath")
                .and_then(Value::as_str)
                .unwrap_or(".spec.replicas")
                .into(),
            status_replicas: sc
                .get("statusReplicasPath")
                .and_then(Value::as_str)
                .unwrap_or(".status.replicas")
                .into(),
            label_selector: sc
                .get("labelSelectorPath")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
        let printer_columns = v
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
            .map(|cols| {
                cols.iter()
                    .map(|c| {
                        let f =
                            |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                        PrinterColumn {
                            name: f("name"),
                            type_: f("type"),
                            format: f("format"),
                            description: f("description"),
                            priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
                            json_path: f("jsonPath"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(ResourceType {
            group: group.clone(),
            version,
            kind: kind.clone(),
            plural: plural.clone(),
            singular: singular.clone(),
            short_names: short_names.clone(),
            categories: categories.clone(),
            namespaced,
            status,
            scale,
            custom: true,
            printer_columns,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app_crd() -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "applications.argoproj.io"},
            "spec": {
                "group": "argoproj.io",
                "names": {"kind": "Application", "plural": "applications", "singular": "application", "shortNames": ["app", "apps"]},
                "scope": "Namespaced",
                "versions": [{"name": "v1alpha1", "served": true, "storage": true,
                    "additionalPrinterColumns": [{"name": "Sync Status", "type": "string", "jsonPath": ".status.sync.status"}]}]
            }
        })
    }

    #[test]
    fn builtin_names_resolve_like_kubectl() {
        let r = Registry::builtin();
        let find = |n: &str| {
            r.types()
                .iter()
                .find(|t| t.matches_name(n))
                .map(|t| t.kind.clone())
        };
        assert_eq!(find("po").as_deref(), Some("Pod"));
        assert_eq!(find("deploy").as_deref(), Some("Deployment"));
        assert_eq!(find("deployments.apps").as_deref(), Some("Deployment"));
        assert_eq!(find("crd").as_deref(), Some("CustomResourceDefinition"));
        assert!(
            r.lookup("apps", "v1", "statefulsets")
                .is_some_and(|t| t.scale.is_some())
        );
    }

    #[test]
    fn crd_registration_adds_and_removes_types() {
        let mut r = Registry::builtin();
        let types = r.register_crd(&app_crd()).expect("valid crd");
        assert_eq!(types.len(), 1);
        let t = r
            .by_kind("argoproj.io/v1alpha1", "Application")
            .expect("registered");
        assert!(t.namespaced && !t.status && t.custom);
        assert_eq!(t.printer_columns[0].json_path, ".status.sync.status");
        assert!(
            r.groups()
                .iter()
                .any(|(g, v)| g == "argoproj.io" && v == &["v1alpha1"])
        );
        assert!(r.types().iter().any(|t| t.matches_name("apps")));
        r.unregister_crd(&app_crd());
        assert!(r.by_kind("argoproj.io/v1alpha1", "Application").is_none());
    }

    #[test]
    fn bad_crd_names_the_field() {
        let mut crd = app_crd();
        crd["spec"]["scope"] = json!("Galaxy");
        assert!(crd_types(&crd).unwrap_err().contains("spec.scope"));
        crd["spec"]["scope"] = json!("Namespaced");
        crd["metadata"]["name"] = json!("wrong");
        assert!(crd_types(&crd).unwrap_err().contains("metadata.name"));
    }
}
