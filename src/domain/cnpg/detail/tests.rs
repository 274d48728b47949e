//! Unit tests of `detail`.
use super::super::fixtures::{self, DB1, DB2, DB3, NODE_A, NODE_B, NODE_C};
use super::*;
use serde_json::{Value, json};

fn now() -> Timestamp {
    "2026-11-01T09:00:10Z".parse().expect("ts")
}

fn detail_of(cluster: &Value, pods: &[Value]) -> ClusterDetail {
    let cluster = &fixtures::cl(cluster);
    let pods: Vec<Pod> = fixtures::views(pods);
    let nodes: Vec<Node> = fixtures::views(&fixtures::nodes());
    let services: Vec<Service> = fixtures::views(&fixtures::services());
    let pdbs: Vec<PodDisruptionBudget> = fixtures::views(&fixtures::pdbs());
    let events: Vec<Event> = fixtures::views(&fixtures::events());
    let inputs = ClusterInputs {
        pods: &pods,
        nodes: &nodes,
        services: &services,
        pdbs: &pdbs,
        events: &events,
        ..ClusterInputs::new(cluster)
    };
    cluster_detail(&inputs, &DetailOptions::default(), now()).expect("detail")
}

#[test]
fn healthy_cluster_detail() {
    let d = detail_of(&fixtures::healthy(), &fixtures::healthy_pods());
    type Row<'a> = (
        &'a str,
        InstanceRole,
        bool,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let rows: Vec<Row<'_>> = d
        .instances
        .iter()
        .map(|i| {
            (
                i.pod.as_str(),
                i.role,
                i.ready,
                i.node.as_deref(),
                i.zone.as_deref(),
                i.pool.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                DB1,
                InstanceRole::Primary,
                true,
                Some(NODE_A),
                Some("eu-west-1a"),
                Some("db")
            ),
            (
                DB2,
                InstanceRole::Replica,
                true,
                Some(NODE_B),
                Some("eu-west-1b"),
                Some("db")
            ),
            (
                DB3,
                InstanceRole::Replica,
                true,
                Some(NODE_C),
                Some("eu-west-1c"),
                Some("db")
            ),
        ]
    );
    assert_eq!(d.instances[2].restarts, 1);
    assert_eq!(d.instances[0].streaming, Streaming::NotApplicable);
    // No Prometheus: lag and streaming are unknown, not zero.
    assert_eq!(d.instances[1].lag_seconds, None);
    assert_eq!(d.instances[1].lag_text(), "unknown");
    assert_eq!(d.instances[1].streaming, Streaming::Unknown);
    assert_eq!(d.instances[1].timeline_id, Some(1));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);

    let svc: Vec<(&str, bool, Option<&str>)> = d
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.exists, s.cluster_ip.as_deref()))
        .collect();
    assert_eq!(
        svc,
        vec![
            ("keycloak-db-rw", true, Some("172.20.10.1")),
            ("keycloak-db-ro", true, Some("172.20.10.2")),
            ("keycloak-db-r", true, Some("172.20.10.3")),
        ]
    );
    assert_eq!(d.services[0].port, Some(5432));

    let conds: Vec<(&str, &str)> = d
        .conditions
        .iter()
        .map(|c| (c.type_.as_str(), c.status.as_str()))
        .collect();
    assert_eq!(
        conds,
        vec![("Ready", "True"), ("ContinuousArchiving", "True")]
    );

    let pdbs: Vec<(&str, &str, Option<&str>, Option<i64>)> = d
        .pdbs
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.budget.as_str(),
                p.role.as_deref(),
                p.disruptions_allowed,
            )
        })
        .collect();
    assert_eq!(
        pdbs,
        vec![
            ("keycloak-db", "minAvailable 1", Some("replica"), Some(1)),
            (
                "keycloak-db-primary",
                "minAvailable 1",
                Some("primary"),
                Some(0)
            ),
        ]
    );
}

#[test]
fn events_of_the_cluster_and_its_pods_newest_first() {
    let d = detail_of(&fixtures::healthy(), &fixtures::healthy_pods());
    let got: Vec<(&str, &str)> = d
        .events
        .iter()
        .map(|e| (e.object.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Cluster/keycloak-db", "FailoverTarget"),
            ("Cluster/keycloak-db", "FailingOver"),
            ("Pod/keycloak-db-1", "Unhealthy"),
        ]
    );
    assert_eq!(d.events[2].type_, "Warning");

    // events.k8s.io/v1 shape and truncation
    let c = fixtures::cl(&fixtures::healthy());
    let events: Vec<Event> = fixtures::views(&[json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "e1", "namespace": "keycloak"},
        "regarding": {"kind": "Pod", "name": "keycloak-db-4-join-x7k2p"},
        "reason": "Scheduled", "note": "Successfully assigned", "type": "Normal",
        "eventTime": "2026-11-01T09:00:03.000000Z"
    })]);
    let inputs = ClusterInputs {
        events: &events,
        ..ClusterInputs::new(&c)
    };
    let d = cluster_detail(&inputs, &DetailOptions::default(), now()).expect("detail");
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.events[0].message, "Successfully assigned");
    assert_eq!(d.events[0].object, "Pod/keycloak-db-4-join-x7k2p");
    let opts = DetailOptions {
        max_events: 0,
        ..DetailOptions::default()
    };
    let d = cluster_detail(&inputs, &opts, now()).expect("detail");
    assert!(d.events.is_empty());
}

#[test]
fn roles_from_labels_status_and_fallbacks() {
    let c = fixtures::healthy();
    let primary = fixtures::pod(DB1, "primary", NODE_A, true, 0);
    assert_eq!(
        instance_role(Some(&fixtures::view(&primary)), DB1, &fixtures::cl(&c)),
        InstanceRole::Primary
    );
    let replica = fixtures::pod(DB2, "replica", NODE_B, true, 0);
    assert_eq!(
        instance_role(Some(&fixtures::view(&replica)), DB2, &fixtures::cl(&c)),
        InstanceRole::Replica
    );
    let unhealthy = fixtures::pod(DB1, "unhealthy", NODE_A, false, 0);
    assert_eq!(
        instance_role(Some(&fixtures::view(&unhealthy)), DB1, &fixtures::cl(&c)),
        InstanceRole::Unhealthy
    );

    // Only the deprecated `role` label.
    let mut old = fixtures::pod(DB2, "replica", NODE_B, true, 0);
    old["metadata"]["labels"]
        .as_object_mut()
        .expect("labels")
        .remove("cnpg.io/instanceRole");
    assert_eq!(
        instance_role(Some(&fixtures::view(&old)), DB2, &fixtures::cl(&c)),
        InstanceRole::Replica
    );

    // No role labels at all: status decides.
    let bare = |name: &str| json!({"metadata": {"name": name, "namespace": "keycloak"}});
    assert_eq!(
        instance_role(Some(&fixtures::view(&bare(DB1))), DB1, &fixtures::cl(&c)),
        InstanceRole::Primary
    );
    assert_eq!(
        instance_role(Some(&fixtures::view(&bare(DB3))), DB3, &fixtures::cl(&c)),
        InstanceRole::Replica
    );
    assert_eq!(
        instance_role(
            Some(&fixtures::view(&bare("keycloak-db-9"))),
            "keycloak-db-9",
            &fixtures::cl(&c)
        ),
        InstanceRole::Unknown
    );

    // Listed as failed, or no pod: unhealthy whatever the labels say.
    let failing = fixtures::failing_over_pending();
    assert_eq!(
        instance_role(
            Some(&fixtures::view(&primary)),
            DB1,
            &fixtures::cl(&failing)
        ),
        InstanceRole::Unhealthy
    );
    assert_eq!(
        instance_role(None, DB2, &fixtures::cl(&c)),
        InstanceRole::Unhealthy
    );
}

#[test]
fn missing_pod_and_metrics() {
    let c = fixtures::failing_over_pending();
    let pods = vec![
        fixtures::pod(DB2, "replica", NODE_B, true, 0),
        fixtures::pod(DB3, "replica", NODE_C, true, 0),
        // a pooler pod and a join job pod of the same cluster are not instances
        json!({"metadata": {"name": "keycloak-db-pooler-abc", "namespace": "keycloak",
            "labels": {"cnpg.io/cluster": "keycloak-db", "cnpg.io/podRole": "pooler"}}}),
        json!({"metadata": {"name": "keycloak-db-4-join-x", "namespace": "keycloak",
            "labels": {"cnpg.io/cluster": "keycloak-db", "cnpg.io/jobRole": "join"}}}),
    ];
    let metrics = BTreeMap::from([
        (
            DB2.to_string(),
            InstanceMetrics {
                lag_seconds: Some(0.4),
                wal_receiver_up: Some(false),
            },
        ),
        (
            DB3.to_string(),
            InstanceMetrics {
                lag_seconds: Some(42.0),
                wal_receiver_up: Some(true),
            },
        ),
    ]);
    let pods: Vec<Pod> = fixtures::views(&pods);
    let c = fixtures::cl(&c);
    let inputs = ClusterInputs {
        pods: &pods,
        metrics: &metrics,
        ..ClusterInputs::new(&c)
    };
    let d = cluster_detail(&inputs, &DetailOptions::default(), now()).expect("detail");
    let names: Vec<&str> = d.instances.iter().map(|i| i.pod.as_str()).collect();
    assert_eq!(names, vec![DB1, DB2, DB3]);
    let db1 = &d.instances[0];
    assert!(!db1.exists);
    assert_eq!(db1.role, InstanceRole::Unhealthy);
    assert_eq!(db1.status_group, Some(InstanceStatusGroup::Failed));
    assert_eq!(db1.streaming, Streaming::NotStreaming("pod missing".into()));
    assert_eq!(db1.zone, None);
    assert_eq!(d.instances[1].lag_text(), "0.4s");
    assert_eq!(
        d.instances[1].streaming,
        Streaming::NotStreaming("WAL receiver down".into())
    );
    assert_eq!(d.instances[2].streaming, Streaming::Streaming);
    assert_eq!(d.instances[2].lag_text(), "42s");
    assert!(d.services.iter().all(|s| !s.exists));
}

#[test]
fn pools_and_zones_from_node_labels() {
    let n = |labels: Value| {
        fixtures::view::<Node>(&json!({"metadata": {"name": "n", "labels": labels}}))
    };
    assert_eq!(
        node_pool(&n(json!({"karpenter.sh/nodepool": "general"}))).as_deref(),
        Some("general")
    );
    assert_eq!(
        node_pool(&n(
            json!({"workload-type": "database", "cloud.google.com/gke-nodepool": "pool-1"})
        ))
        .as_deref(),
        Some("pool-1")
    );
    assert_eq!(
        node_pool(&n(json!({"workload-type": "database"}))).as_deref(),
        Some("database")
    );
    assert_eq!(node_pool(&n(json!({}))), None);
    assert_eq!(
        node_zone(&n(json!({"failure-domain.beta.kubernetes.io/zone": "z1"}))).as_deref(),
        Some("z1")
    );
}
