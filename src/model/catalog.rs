//! The catalog of resource kinds the cluster serves (from discovery), with k9s-style
//! aliases. Before discovery answers, a built-in catalog of common kinds is used.

use std::sync::Arc;

use super::resource::{ResourceKind, builtin_kinds};

/// k9s aliases: alias → a name the catalog resolves.
pub(crate) const ALIASES: &[(&str, &str)] = &[
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
    pub(crate) discovered: bool,
}

/// The kinds of the catalog used before discovery answers, in its order.
const BEFORE_DISCOVERY: &[&str] = &[
    "pods",
    "services",
    "namespaces",
    "nodes",
    "events",
    "configmaps",
    "secrets",
    "serviceaccounts",
    "persistentvolumeclaims",
    "persistentvolumes",
    "endpoints",
    "deployments.apps",
    "statefulsets.apps",
    "daemonsets.apps",
    "replicasets.apps",
    "jobs.batch",
    "cronjobs.batch",
    "ingresses.networking.k8s.io",
    "customresourcedefinitions.apiextensions.k8s.io",
];

impl Catalog {
    pub fn new(kinds: Vec<ResourceKind>) -> Catalog {
        Catalog {
            kinds: kinds.into_iter().map(Arc::new).collect(),
            discovered: true,
        }
    }

    /// Common kinds, usable before discovery answers.
    pub(crate) fn builtin() -> Catalog {
        let all = builtin_kinds();
        let kinds = BEFORE_DISCOVERY
            .iter()
            .filter_map(|name| all.iter().find(|k| k.full_name() == *name).cloned());
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
            ..ResourceKind::default()
        }
    }

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
    fn the_catalog_before_discovery_is_made_of_builtin_kinds() {
        let c = Catalog::builtin();
        assert!(!c.discovered);
        let names: Vec<String> = c.kinds().iter().map(|k| k.full_name()).collect();
        assert_eq!(names, BEFORE_DISCOVERY);
        let deploy = c.resolve("deploy").expect("deployments");
        assert_eq!(deploy.api_version(), "apps/v1");
        assert!(deploy.scale.is_some() && deploy.status && !deploy.custom);
    }

    #[test]
    fn words_include_aliases_that_resolve() {
        let words = with_crds().words();
        assert!(words.contains(&"cnpg".to_string()));
        assert!(words.contains(&"applications.argoproj.io".to_string()));
        assert!(!Catalog::builtin().words().contains(&"cnpg".to_string()));
    }
}
