//! Resource types the sandbox serves: the built-in kinds and the CRDs registered when a
//! `CustomResourceDefinition` is created.

use serde_json::Value;

pub(crate) use crate::model::resource::{
    PrinterColumn, ResourceKind, ScalePaths, builtin_kinds, split_api_version,
};

/// Identifies the storage of one resource type (group + plural).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResKey {
    pub group: String,
    pub plural: String,
}

impl ResKey {
    pub(crate) fn of(t: &ResourceKind) -> ResKey {
        ResKey {
            group: t.group.clone(),
            plural: t.plural.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Registry {
    types: Vec<ResourceKind>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    pub(crate) fn builtin() -> Self {
        Registry {
            types: builtin_kinds(),
        }
    }

    #[cfg(test)]
    pub(crate) fn types(&self) -> &[ResourceKind] {
        &self.types
    }

    /// The type served at `group/version` under `plural`.
    pub(crate) fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceKind> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    /// The type of `apiVersion` + `kind`.
    pub(crate) fn by_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceKind> {
        let (group, version) = split_api_version(api_version);
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.kind == kind)
    }

    pub(crate) fn by_key(&self, key: &ResKey) -> Option<&ResourceKind> {
        self.types
            .iter()
            .find(|t| t.group == key.group && t.plural == key.plural)
    }

    /// Groups and their versions, core group excluded, in registration order.
    pub(crate) fn groups(&self) -> Vec<(String, Vec<String>)> {
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

    pub(crate) fn in_group_version<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a ResourceKind> + 'a {
        self.types
            .iter()
            .filter(move |t| t.group == group && t.version == version)
    }

    /// Registers (or re-registers) the types of a CRD object. Returns an error message
    /// naming the field when the CRD is not usable.
    pub(crate) fn register_crd(&mut self, crd: &Value) -> Result<Vec<ResourceKind>, String> {
        let types = ResourceKind::from_crd(crd)?;
        let group = types.first().map(|t| t.group.clone()).unwrap_or_default();
        let plural = types.first().map(|t| t.plural.clone()).unwrap_or_default();
        self.types
            .retain(|t| !(t.custom && t.group == group && t.plural == plural));
        self.types.extend(types.iter().cloned());
        Ok(types)
    }

    /// Removes the types served by a CRD; returns their storage key.
    pub(crate) fn unregister_crd(&mut self, crd: &Value) -> Option<ResKey> {
        let group = crd.pointer("/spec/group")?.as_str()?.to_string();
        let plural = crd.pointer("/spec/names/plural")?.as_str()?.to_string();
        self.types
            .retain(|t| !(t.custom && t.group == group && t.plural == plural));
        Some(ResKey { group, plural })
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
                .find(|t| t.is_named(n))
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
        assert!(r.types().iter().any(|t| t.is_named("apps")));
        r.unregister_crd(&app_crd());
        assert!(r.by_kind("argoproj.io/v1alpha1", "Application").is_none());
    }

    #[test]
    fn bad_crd_names_the_field() {
        let mut crd = app_crd();
        crd["spec"]["scope"] = json!("Galaxy");
        assert!(
            Registry::builtin()
                .register_crd(&crd)
                .unwrap_err()
                .contains("spec.scope")
        );
        crd["spec"]["scope"] = json!("Namespaced");
        crd["metadata"]["name"] = json!("wrong");
        assert!(
            Registry::builtin()
                .register_crd(&crd)
                .unwrap_err()
                .contains("metadata.name")
        );
    }
}
