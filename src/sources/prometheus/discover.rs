//! Finding the cluster's own Prometheus when no URL is configured: the Services the
//! Prometheus Operator (`prometheus-operated`) and kube-prometheus-stack create, or any
//! Service that looks like a Prometheus server, reached through the service proxy.

use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ListParams};

use super::proxy::ServiceRef;

/// Names of Services that sit beside Prometheus but are not it.
const NOT_PROMETHEUS: &[&str] = &[
    "alertmanager",
    "node-exporter",
    "operator",
    "kube-state-metrics",
    "pushgateway",
    "grafana",
    "adapter",
    "blackbox",
    "kubelet",
];

fn port_of(svc: &Service) -> Option<String> {
    let ports = svc.spec.as_ref()?.ports.as_ref()?;
    let named = ports
        .iter()
        .find(|p| matches!(p.name.as_deref(), Some("http-web" | "web" | "http")));
    let by_number = ports.iter().find(|p| p.port == 9090);
    let p = named.or(by_number)?;
    Some(p.name.clone().unwrap_or_else(|| p.port.to_string()))
}

/// How likely a Service is Prometheus: lower is better; `None` when it is not.
fn rank(svc: &Service) -> Option<u8> {
    let name = svc.metadata.name.as_deref()?;
    port_of(svc)?;
    let labels = svc.metadata.labels.clone().unwrap_or_default();
    if name == "prometheus-operated" {
        return Some(0);
    }
    if NOT_PROMETHEUS.iter().any(|n| name.contains(n)) {
        return None;
    }
    if labels.get("app.kubernetes.io/name").map(String::as_str) == Some("prometheus")
        || labels
            .get("app")
            .is_some_and(|a| a.ends_with("-prometheus") || a == "prometheus")
    {
        return Some(1);
    }
    name.contains("prometheus").then_some(2)
}

/// Every Service among `services` that looks like Prometheus, best first (ties: namespace
/// `monitoring` first, then by name).
pub(crate) fn candidates(services: &[Service]) -> Vec<ServiceRef> {
    let mut ranked: Vec<(u8, bool, ServiceRef)> = services
        .iter()
        .filter_map(|s| {
            let r = rank(s)?;
            let namespace = s.metadata.namespace.clone().unwrap_or_default();
            Some((
                r,
                namespace != "monitoring",
                ServiceRef {
                    namespace,
                    name: s.metadata.name.clone()?,
                    port: port_of(s)?,
                },
            ))
        })
        .collect();
    ranked.sort_by(|a, b| {
        (a.0, a.1, &a.2.namespace, &a.2.name).cmp(&(b.0, b.1, &b.2.namespace, &b.2.name))
    });
    ranked.into_iter().map(|(_, _, s)| s).collect()
}

/// The best Prometheus Service among `services`.
pub(crate) fn pick(services: &[Service]) -> Option<ServiceRef> {
    candidates(services).into_iter().next()
}

/// Lists Services once and picks Prometheus. An error is the API server's answer (for
/// example RBAC forbidding a cluster-wide list).
pub(crate) async fn discover(client: kube::Client) -> Result<Option<ServiceRef>, String> {
    let api: Api<Service> = Api::all(client);
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| crate::sources::error_chain(&e))?;
    Ok(pick(&list.items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn svc(ns: &str, name: &str, labels: serde_json::Value, ports: serde_json::Value) -> Service {
        serde_json::from_value(json!({
            "metadata": {"namespace": ns, "name": name, "labels": labels},
            "spec": {"ports": ports}
        }))
        .unwrap()
    }

    #[test]
    fn prefers_the_operator_service_then_labelled_prometheus() {
        let web = json!([{"name": "http-web", "port": 9090}]);
        let mut list = vec![
            svc(
                "monitoring",
                "kube-prometheus-stack-alertmanager",
                json!({}),
                json!([{"name": "http-web", "port": 9093}]),
            ),
            svc(
                "monitoring",
                "kube-prometheus-stack-prometheus-node-exporter",
                json!({}),
                json!([{"name": "http-metrics", "port": 9100}]),
            ),
            svc(
                "monitoring",
                "kube-prometheus-stack-prometheus",
                json!({"app": "kube-prometheus-stack-prometheus"}),
                web.clone(),
            ),
            svc(
                "default",
                "web",
                json!({}),
                json!([{"name": "http", "port": 80}]),
            ),
        ];
        assert_eq!(
            pick(&list),
            Some(ServiceRef {
                namespace: "monitoring".into(),
                name: "kube-prometheus-stack-prometheus".into(),
                port: "http-web".into()
            })
        );
        list.push(svc("monitoring", "prometheus-operated", json!({}), web));
        assert_eq!(pick(&list).unwrap().name, "prometheus-operated");
        assert_eq!(
            pick(&list).unwrap().proxy_path(),
            "/api/v1/namespaces/monitoring/services/prometheus-operated:http-web/proxy"
        );
    }

    #[test]
    fn unnamed_port_9090_and_nothing_found() {
        let list = vec![svc(
            "obs",
            "prometheus-server",
            json!({}),
            json!([{"port": 9090}]),
        )];
        assert_eq!(pick(&list).unwrap().port, "9090");
        let none = vec![svc(
            "default",
            "web",
            json!({}),
            json!([{"name": "http", "port": 80}]),
        )];
        assert_eq!(pick(&none), None);
    }
}
