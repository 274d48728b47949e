//! One model of an API resource: a kind served at a group/version, with its names, scope,
//! verbs, subresources and printer columns. The sources' discovery builds it from the
//! server's `APIResourceList`, the sandbox's registry serves it (and builds it from a CRD),
//! the catalog resolves command words to it, and kube's `ApiResource` is derived from it.

mod builtin;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource;
use kube::core::ApiResource;
use serde_json::Value;

pub(crate) use builtin::builtin_kinds;

/// A CRD's `additionalPrinterColumns` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PrinterColumn {
    pub name: String,
    pub(crate) json_path: String,
    /// `string`, `integer`, `number`, `boolean`, `date`.
    pub(crate) type_: String,
    pub format: String,
    pub(crate) description: String,
    pub(crate) priority: i64,
}

impl PrinterColumn {
    /// The columns of one CRD version's `additionalPrinterColumns`. An entry without a
    /// name or a JSONPath is skipped (nothing could be printed); the type defaults to string.
    pub(crate) fn parse_list(cols: &Value) -> Vec<PrinterColumn> {
        let Some(cols) = cols.as_array() else {
            return Vec::new();
        };
        cols.iter()
            .filter_map(|c| {
                let text = |k: &str| c[k].as_str().unwrap_or("").to_string();
                Some(PrinterColumn {
                    name: c["name"].as_str()?.to_string(),
                    json_path: c["jsonPath"].as_str()?.to_string(),
                    type_: c["type"].as_str().unwrap_or("string").to_string(),
                    format: text("format"),
                    description: text("description"),
                    priority: c["priority"].as_i64().unwrap_or(0),
                })
            })
            .collect()
    }
}

/// Where a scalable resource keeps its replica counts (its `scale` subresource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalePaths {
    pub(crate) spec_replicas: String,
    pub(crate) status_replicas: String,
    pub(crate) label_selector: Option<String>,
}

impl Default for ScalePaths {
    /// The paths of the built-in scalable kinds (and a CRD's defaults).
    fn default() -> Self {
        ScalePaths {
            spec_replicas: ".spec.replicas".into(),
            status_replicas: ".status.replicas".into(),
            label_selector: Some(".status.selector".into()),
        }
    }
}

/// One resource kind, served at `group/version` under `plural`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceKind {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub(crate) singular: String,
    pub(crate) short_names: Vec<String>,
    /// `all` for the kinds `kubectl get all` lists, or a CRD's categories.
    pub(crate) categories: Vec<String>,
    pub namespaced: bool,
    /// The verbs discovery lists; empty when not known (every verb is then assumed).
    pub verbs: Vec<String>,
    /// Whether the kind has a `status` subresource (known for built-in kinds and CRDs).
    pub status: bool,
    /// Its `scale` subresource (known for built-in kinds and CRDs).
    pub scale: Option<ScalePaths>,
    /// Defined by a CRD (custom resources take no strategic merge patches).
    pub(crate) custom: bool,
    pub(crate) printer_columns: Vec<PrinterColumn>,
}

/// The verbs the API server lists for a resource (namespaces have no `deletecollection`).
pub(crate) fn standard_verbs(group: &str, plural: &str) -> Vec<String> {
    [
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    ]
    .into_iter()
    .filter(|v| !(group.is_empty() && plural == "namespaces" && *v == "deletecollection"))
    .map(str::to_string)
    .collect()
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

impl ResourceKind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `plural` for the core group, `plural.group` otherwise: the group-resource, as
    /// Kubernetes names it in errors.
    pub(crate) fn full_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// kube's name for the kind (what `Api::*_with` and watches take).
    pub(crate) fn api_resource(&self) -> ApiResource {
        ApiResource::from(self)
    }

    #[cfg(test)]
    pub(crate) fn supports(&self, verb: &str) -> bool {
        self.verbs.is_empty() || self.verbs.iter().any(|v| v == verb)
    }

    /// Whether `word` names this kind (plural, singular, short name, kind, `plural.group`,
    /// `singular.group`, `plural.version.group`).
    pub(crate) fn is_named(&self, word: &str) -> bool {
        let w = word.to_ascii_lowercase();
        w == self.plural
            || w == self.singular
            || w == self.kind.to_ascii_lowercase()
            || self.short_names.contains(&w)
            || (!self.group.is_empty()
                && (w == self.full_name()
                    || w == format!("{}.{}", self.singular, self.group)
                    || w == format!("{}.{}.{}", self.plural, self.version, self.group)))
    }

    /// A resource of a discovery `APIResourceList` for `group_version`; `None` for a
    /// subresource (`pods/log`).
    pub(crate) fn from_discovery(group_version: &str, r: APIResource) -> Option<ResourceKind> {
        if r.name.contains('/') {
            return None;
        }
        let (group, version) = split_api_version(group_version);
        let singular = if r.singular_name.is_empty() {
            r.kind.to_ascii_lowercase()
        } else {
            r.singular_name
        };
        Some(ResourceKind {
            group: r.group.unwrap_or_else(|| group.to_string()),
            version: r.version.unwrap_or_else(|| version.to_string()),
            kind: r.kind,
            plural: r.name,
            singular,
            short_names: r.short_names.unwrap_or_default(),
            categories: r.categories.unwrap_or_default(),
            namespaced: r.namespaced,
            verbs: r.verbs,
            status: false,
            scale: None,
            custom: false,
            printer_columns: Vec::new(),
        })
    }

    /// The kinds a `CustomResourceDefinition` object defines (one per served version), or
    /// an error naming the field that makes it unusable.
    pub(crate) fn from_crd(crd: &Value) -> Result<Vec<ResourceKind>, String> {
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
            let scale = sub.and_then(|s| s.get("scale")).map(|sc| {
                let path = |k: &str, default: &str| -> String {
                    sc.get(k).and_then(Value::as_str).unwrap_or(default).into()
                };
                ScalePaths {
                    spec_replicas: path("specReplicasPath", ".spec.replicas"),
                    status_replicas: path("statusReplicasPath", ".status.replicas"),
                    label_selector: sc
                        .get("labelSelectorPath")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                }
            });
            out.push(ResourceKind {
                group: group.clone(),
                verbs: standard_verbs(&group, &plural),
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
                printer_columns: PrinterColumn::parse_list(&v["additionalPrinterColumns"]),
            });
        }
        Ok(out)
    }
}

impl From<&ResourceKind> for ApiResource {
    fn from(k: &ResourceKind) -> ApiResource {
        ApiResource {
            group: k.group.clone(),
            version: k.version.clone(),
            api_version: k.api_version(),
            kind: k.kind.clone(),
            plural: k.plural.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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
                "versions": [
                    {"name": "v1alpha1", "served": true, "storage": true,
                     "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.size"}},
                     "additionalPrinterColumns": [
                        {"name": "Sync Status", "type": "string", "jsonPath": ".status.sync.status"},
                        {"name": "Revision", "jsonPath": ".status.sync.revision", "priority": 10, "description": "the revision"},
                        {"name": "No path", "type": "string"}]},
                    {"name": "v1beta1", "served": false}]
            }
        })
    }

    #[test]
    fn a_crd_defines_one_kind_per_served_version() {
        let kinds = ResourceKind::from_crd(&app_crd()).expect("valid crd");
        assert_eq!(kinds.len(), 1);
        let k = &kinds[0];
        assert_eq!(k.api_version(), "argoproj.io/v1alpha1");
        assert_eq!(k.full_name(), "applications.argoproj.io");
        assert!(k.custom && k.namespaced && k.status);
        let scale = k.scale.as_ref().expect("scale subresource");
        assert_eq!(scale.spec_replicas, ".spec.size");
        assert_eq!(scale.status_replicas, ".status.replicas");
        assert_eq!(scale.label_selector, None);
        assert!(k.supports("deletecollection"));
        let cols: Vec<(&str, &str, i64)> = k
            .printer_columns
            .iter()
            .map(|c| (c.name.as_str(), c.type_.as_str(), c.priority))
            .collect();
        assert_eq!(
            cols,
            [("Sync Status", "string", 0), ("Revision", "string", 10)]
        );
        assert_eq!(k.printer_columns[1].description, "the revision");
    }

    #[test]
    fn a_bad_crd_names_the_field() {
        let mut crd = app_crd();
        crd["spec"]["scope"] = json!("Galaxy");
        let err = ResourceKind::from_crd(&crd).unwrap_err();
        assert!(err.contains("spec.scope"), "{err}");
        crd["spec"]["scope"] = json!("Namespaced");
        crd["metadata"]["name"] = json!("wrong");
        let err = ResourceKind::from_crd(&crd).unwrap_err();
        assert!(err.contains("metadata.name"), "{err}");
        crd["spec"]["names"]
            .as_object_mut()
            .map(|n| n.remove("plural"));
        let err = ResourceKind::from_crd(&crd).unwrap_err();
        assert_eq!(err, "spec.names.plural is required");
    }

    #[test]
    fn discovery_entries_become_kinds_and_subresources_are_skipped() {
        let entry = |v: Value| -> APIResource { serde_json::from_value(v).expect("APIResource") };
        let deploy = ResourceKind::from_discovery(
            "apps/v1",
            entry(json!({"name": "deployments", "singularName": "", "namespaced": true,
                "kind": "Deployment", "verbs": ["get", "list"], "shortNames": ["deploy"], "categories": ["all"]})),
        )
        .expect("a resource");
        assert_eq!(deploy.api_version(), "apps/v1");
        assert_eq!(deploy.singular, "deployment");
        assert_eq!(deploy.categories, ["all"]);
        assert!(deploy.supports("list") && !deploy.supports("delete"));
        assert!(deploy.is_named("deployments.v1.apps") && deploy.is_named("deploy"));
        let ar = deploy.api_resource();
        assert_eq!(
            (
                ar.group.as_str(),
                ar.api_version.as_str(),
                ar.plural.as_str()
            ),
            ("apps", "apps/v1", "deployments")
        );
        let scale = ResourceKind::from_discovery(
            "apps/v1",
            entry(
                json!({"name": "deployments/scale", "singularName": "", "namespaced": true,
                "kind": "Scale", "group": "autoscaling", "version": "v1", "verbs": ["get"]}),
            ),
        );
        assert_eq!(scale, None);
        let pod = ResourceKind::from_discovery(
            "v1",
            entry(
                json!({"name": "pods", "singularName": "pod", "namespaced": true,
                "kind": "Pod", "verbs": []}),
            ),
        )
        .expect("a resource");
        assert_eq!((pod.group.as_str(), pod.api_version()), ("", "v1".into()));
        assert!(pod.supports("watch"), "no verbs listed: all assumed");
    }

    #[test]
    fn namespaces_have_no_deletecollection() {
        assert!(!standard_verbs("", "namespaces").contains(&"deletecollection".to_string()));
        assert!(standard_verbs("", "pods").contains(&"deletecollection".to_string()));
        assert_eq!(split_api_version("apps/v1"), ("apps", "v1"));
        assert_eq!(split_api_version("v1"), ("", "v1"));
    }
}
