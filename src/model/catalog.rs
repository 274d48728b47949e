//! The catalog of resource kinds the cluster serves (from discovery), with k9s-style
//! aliases. Before discovery answers, a built-in catalog of common kinds is used.

use std::sync::Arc;

use kube::core::ApiResource;

/// A CRD's `additionalPrinterColumns` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterColumn {
    pub name: String,
    pub json_path: String,
    /// `string`, `integer`, `number`, `boolean`, `date`.
    pub type_: String,
    pub priority: i64,
}

/// One servable resource kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceKind {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub printer_columns: Vec<PrinterColumn>,
}

impl ResourceKind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `plural` for the core group, `plural.group` otherwise.
    pub fn full_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: self.api_version(),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }

    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.is_empty() || self.verbs.iter().any(|v| v == verb)
    }

    /// Whether `word` names this kind (plural, singular, short name, kind, `plural.group`).
    pub fn is_named(&self, word: &str) -> bool {
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
}

/// k9s aliases: alias → a name the catalog resolves.
pub const ALIASES: &[(&str, &str)] = &[
    ("po", "pods"),
    ("deploy", "deployments.apps"),
    ("dp", "deployments.apps"),
    ("svc", "services"),
    ("no", "nodes"),
    ("ns", "namespaces"),
    ("ev", "events"),
    ("cm", "configmaps"),
    ("sec", "secrets"),
    ("sa", "serviceaccounts"),
    ("sts", "statefulsets.apps"),
    ("ds", "daemonsets.apps"),
    ("rs", "replicasets.apps"),
    ("jo", "jobs.batch"),
    ("cj", "cronjobs.batch"),
    ("pvc", "persistentvolumeclaims"),
    ("pv", "persistentvolumes"),
    ("ep", "endpoints"),
    ("ing", "ingresses.networking.k8s.io"),
    ("crd", "customresourcedefinitions.apiextensions.k8s.io"),
    ("crds", "customresourcedefinitions.apiextensions.k8s.io"),
    ("apps", "applications.argoproj.io"),
    ("app", "applications.argoproj.io"),
    ("appproj", "appprojects.argoproj.io"),
    ("cnpg", "clusters.postgresql.cnpg.io"),
    ("pg", "clusters.postgresql.cnpg.io"),
];

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    kinds: Vec<Arc<ResourceKind>>,
    /// True once filled from the server's discovery.
    pub discovered: bool,
}

fn builtin(
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
    short: &[&str],
    namespaced: bool,
) -> ResourceKind {
    ResourceKind {
        group: group.to_string(),
        version: version.to_string(),
        kind: kind.to_string(),
        plural: plural.to_string(),
        singular: kind.to_ascii_lowercase(),
        short_names: short.iter().map(|s| s.to_string()).collect(),
        namespaced,
        verbs: Vec::new(),
        printer_columns: Vec::new(),
    }
}

impl Catalog {
    pub fn new(kinds: Vec<ResourceKind>) -> Catalog {
        Catalog {
            kinds: kinds.into_iter().map(Arc::new).collect(),
            discovered: true,
        }
    }

    /// Common kinds, usable before discovery answers.
    pub fn builtin() -> Catalog {
        let kinds = vec![
            builtin("", "v1", "Pod", "pods", &["po"], true),
            builtin("", "v1", "Service", "services", &["svc"], true),
            builtin("", "v1", "Namespace", "namespaces", &["ns"], false),
            builtin("", "v1", "Node", "nodes", &["no"], false),
            builtin("", "v1", "Event", "events", &["ev"], true),
            builtin("", "v1", "ConfigMap", "configmaps", &["cm"], true),
            builtin("", "v1", "Secret", "secrets", &[], true),
            builtin("", "v1", "ServiceAccount", "serviceaccounts", &["sa"], true),
            builtin(
                "",
                "v1",
                "PersistentVolumeClaim",
                "persistentvolumeclaims",
                &["pvc"],
                true,
            ),
            builtin(
                "",
                "v1",
                "PersistentVolume",
                "persistentvolumes",
                &["pv"],
                false,
            ),
            builtin("", "v1", "Endpoints", "endpoints", &["ep"], true),
            builtin("apps", "v1", "Deployment", "deployments", &["deploy"], true),
            builtin("apps", "v1", "StatefulSet", "statefulsets", &["sts"], true),
            builtin("apps", "v1", "DaemonSet", "daemonsets", &["ds"], true),
            builtin("apps", "v1", "ReplicaSet", "replicasets", &["rs"], true),
            builtin("batch", "v1", "Job", "jobs", &[], true),
            builtin("batch", "v1", "CronJob", "cronjobs", &["cj"], true),
            builtin(
                "networking.k8s.io",
                "v1",
                "Ingress",
                "ingresses",
                &["ing"],
                true,
            ),
            builtin(
                "apiextensions.k8s.io",
                "v1",
                "CustomResourceDefinition",
                "customresourcedefinitions",
                &["crd", "crds"],
                false,
            ),
        ];
        Catalog {
            kinds: kinds.into_iter().map(Arc::new).collect(),
            discovered: false,
        }
    }

    pub fn kinds(&self) -> &[Arc<ResourceKind>] {
        &self.kinds
    }

    /// Resolves a command word: alias, plural, singular, short name, kind or `plural.group`.
    /// The first match in discovery order wins (the core group comes first).
    pub fn resolve(&self, word: &str) -> Option<Arc<ResourceKind>> {
        let w = word.trim().to_ascii_lowercase();
        if w.is_empty() {
            return None;
        }
        if let Some(k) = self.kinds.iter().find(|k| k.is_named(&w)) {
            return Some(k.clone());
        }
        let (_, target) = ALIASES.iter().find(|(a, _)| *a == w)?;
        self.kinds.iter().find(|k| k.is_named(target)).cloned()
    }

    /// Every word that names a kind, for completion (aliases included when they resolve).
    pub fn words(&self) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        for k in &self.kinds {
            words.push(k.plural.clone());
            words.push(k.singular.clone());
            words.extend(k.short_names.iter().cloned());
            if !k.group.is_empty() {
                words.push(k.full_name());
            }
        }
        for (alias, _) in ALIASES {
            if self.resolve(alias).is_some() {
                words.push(alias.to_string());
            }
        }
        words.retain(|w| !w.is_empty());
        words.sort();
        words.dedup();
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_crds() -> Catalog {
        let mut kinds: Vec<ResourceKind> = Catalog::builtin()
            .kinds()
            .iter()
            .map(|k| (**k).clone())
            .collect();
        kinds.push(builtin(
            "argoproj.io",
            "v1alpha1",
            "Application",
            "applications",
            &["app", "apps"],
            true,
        ));
        kinds.push(builtin(
            "postgresql.cnpg.io",
            "v1",
            "Cluster",
            "clusters",
            &[],
            true,
        ));
        Catalog::new(kinds)
    }

    #[test]
    fn resolves_names_short_names_and_aliases() {
        let c = with_crds();
        for (word, full) in [
            ("po", "pods"),
            ("pod", "pods"),
            ("Pods", "pods"),
            ("deploy", "deployments.apps"),
            ("deployment.apps", "deployments.apps"),
            ("deployments.v1.apps", "deployments.apps"),
            ("svc", "services"),
            ("no", "nodes"),
            ("ns", "namespaces"),
            ("ev", "events"),
            ("apps", "applications.argoproj.io"),
            ("applications.argoproj.io", "applications.argoproj.io"),
            ("cnpg", "clusters.postgresql.cnpg.io"),
            ("clusters.postgresql.cnpg.io", "clusters.postgresql.cnpg.io"),
        ] {
            assert_eq!(
                c.resolve(word).map(|k| k.full_name()).as_deref(),
                Some(full),
                "{word}"
            );
        }
        assert!(c.resolve("nothing").is_none());
        assert!(
            Catalog::builtin().resolve("cnpg").is_none(),
            "aliases need the kind to exist"
        );
    }

    #[test]
    fn words_include_aliases_that_resolve() {
        let words = with_crds().words();
        assert!(words.contains(&"cnpg".to_string()));
        assert!(words.contains(&"applications.argoproj.io".to_string()));
        assert!(!Catalog::builtin().words().contains(&"cnpg".to_string()));
    }
}
