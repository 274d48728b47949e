//! The instant queries behind the metric columns of the other panes (node pools, CNPG).
//! They use only what kube-prometheus-stack and the CloudNativePG exporter provide out of
//! the box; a recording that wants those columns filled records answers to exactly these.

/// CPU cores in use per node (cAdvisor via the kubelet; the `node` label is set by
/// kube-prometheus-stack's kubelet ServiceMonitor).
pub const NODE_CPU: &str =
    r#"sum by (node) (rate(container_cpu_usage_seconds_total{container!="",image!=""}[5m]))"#;

/// Working-set memory bytes per node.
pub const NODE_MEMORY: &str =
    r#"sum by (node) (container_memory_working_set_bytes{container!="",image!=""})"#;

/// Replication lag in seconds per CNPG instance pod (the operator's exporter, port 9187).
pub const CNPG_LAG: &str = r#"max by (namespace, pod) (cnpg_pg_replication_lag)"#;

/// Every pane query, for recorders and for the check that a recording answers them.
pub const ALL: &[&str] = &[NODE_CPU, NODE_MEMORY, CNPG_LAG];
