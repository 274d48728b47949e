//! The platform apps the wizard can scaffold, with the seeds' default sync waves
//! (monitoring -10, cert-manager -5, traefik -2, Postgres operator -1, keycloak 0).

/// One catalog entry: a Helm chart from a chart repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CatalogApp {
    pub name: &'static str,
    pub(crate) description: &'static str,
    /// Sync wave of its Application in the app of apps.
    pub wave: i32,
    pub(crate) repo_url: &'static str,
    pub chart: &'static str,
    /// Pinned chart version.
    pub(crate) revision: &'static str,
    pub namespace: &'static str,
    /// Default values scaffolded for each environment.
    pub values: &'static str,
}

/// Enabled when the config names none.
pub(crate) const DEFAULT_APPS: &[&str] = &[
    "kube-prometheus-stack",
    "cert-manager",
    "traefik",
    "cloudnative-pg",
    "keycloak",
];

pub(crate) const CATALOG: &[CatalogApp] = &[
    CatalogApp {
        name: "kube-prometheus-stack",
        description: "Prometheus operator, Prometheus, Alertmanager and Grafana",
        wave: -10,
        repo_url: "https://prometheus-community.github.io/helm-charts",
        chart: "kube-prometheus-stack",
        revision: "77.6.2",
        namespace: "monitoring",
        values: "grafana:\n  enabled: true\nprometheus-node-exporter:\n  # collect metrics on tainted pools too\n  tolerations:\n    - operator: Exists\n",
    },
    CatalogApp {
        name: "cert-manager",
        description: "Certificates from Let's Encrypt or a private CA",
        wave: -5,
        repo_url: "https://charts.jetstack.io",
        chart: "cert-manager",
        revision: "v1.18.2",
        namespace: "cert-manager",
        values: "crds:\n  enabled: true\nreplicaCount: 2\npodDisruptionBudget:\n  enabled: true\n",
    },
    CatalogApp {
        name: "traefik",
        description: "Ingress controller (default IngressClass)",
        wave: -2,
        repo_url: "https://traefik.github.io/charts",
        chart: "traefik",
        revision: "37.1.1",
        namespace: "traefik",
        values: "deployment:\n  replicas: 2\ningressClass:\n  enabled: true\n  isDefaultClass: true\n",
    },
    CatalogApp {
        name: "cloudnative-pg",
        description: "CloudNativePG operator for PostgreSQL clusters",
        wave: -1,
        repo_url: "https://cloudnative-pg.github.io/charts",
        chart: "cloudnative-pg",
        revision: "0.26.0",
        namespace: "cnpg-system",
        values: "replicaCount: 1\n",
    },
    CatalogApp {
        name: "keycloak",
        description: "Single sign-on (Bitnami chart)",
        wave: 0,
        repo_url: "https://charts.bitnami.com/bitnami",
        chart: "keycloak",
        revision: "25.2.0",
        namespace: "keycloak",
        values: "replicaCount: 2\nproduction: true\n",
    },
    CatalogApp {
        name: "loki",
        description: "Log aggregation (Grafana Loki)",
        wave: -9,
        repo_url: "https://grafana.github.io/helm-charts",
        chart: "loki",
        revision: "6.40.0",
        namespace: "monitoring",
        values: "deploymentMode: SingleBinary\nsingleBinary:\n  replicas: 1\n",
    },
    CatalogApp {
        name: "external-dns",
        description: "DNS records for Services and Ingresses",
        wave: -4,
        repo_url: "https://kubernetes-sigs.github.io/external-dns",
        chart: "external-dns",
        revision: "1.19.0",
        namespace: "external-dns",
        values: "policy: upsert-only\n",
    },
];

pub(crate) fn find(name: &str) -> Option<&'static CatalogApp> {
    CATALOG.iter().find(|a| a.name == name)
}

pub(crate) fn names() -> Vec<&'static str> {
    CATALOG.iter().map(|a| a.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_waves_and_defaults_exist() {
        for (name, wave) in [
            ("kube-prometheus-stack", -10),
            ("cert-manager", -5),
            ("traefik", -2),
            ("cloudnative-pg", -1),
            ("keycloak", 0),
        ] {
            assert_eq!(find(name).map(|a| a.wave), Some(wave), "{name}");
        }
        assert!(DEFAULT_APPS.iter().all(|n| find(n).is_some()));
    }
}
