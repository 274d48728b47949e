use super::*;
use serde_json::json;

fn obj(v: serde_json::Value) -> Arc<Obj> {
    Arc::new(Obj::from_json(v).expect("object"))
}

fn owner(kind: &str, uid: &str) -> serde_json::Value {
    json!([{"apiVersion": "apps/v1", "kind": kind, "name": "x", "uid": uid}])
}

fn pod(
    name: &str,
    owners: serde_json::Value,
    labels: serde_json::Value,
    phase: &str,
    ready: bool,
) -> Arc<Obj> {
    obj(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "uid": format!("u-{name}"),
                     "ownerReferences": owners, "labels": labels},
        "status": {"phase": phase, "containerStatuses": [{"name": "c", "ready": ready, "state": {}}]}
    }))
}

fn names(t: &Tree) -> Vec<String> {
    flatten(t)
        .iter()
        .map(|(d, i)| {
            format!(
                "{}{} {} {}",
                "  ".repeat(*d),
                i.health.mark(),
                i.kind,
                i.name
            )
        })
        .collect()
}

#[test]
fn deployment_to_replicasets_to_pods() {
    let deploy = obj(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "uid": "d1"},
        "spec": {"replicas": 2}, "status": {"readyReplicas": 1}}));
    let rs = |n: &str, uid: &str, want: i64, ready: i64| {
        obj(json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": n, "namespace": "shop", "uid": uid,
                     "ownerReferences": owner("Deployment", if n == "other" { "d2" } else { "d1" })},
        "spec": {"replicas": want}, "status": {"readyReplicas": ready}}))
    };
    let r = Related {
        replicasets: vec![
            rs("web-new", "r2", 2, 1),
            rs("web-old", "r1", 0, 0),
            rs("other", "r3", 1, 1),
        ],
        pods: vec![
            pod(
                "web-new-a",
                owner("ReplicaSet", "r2"),
                json!({}),
                "Running",
                true,
            ),
            pod(
                "web-new-b",
                owner("ReplicaSet", "r2"),
                json!({}),
                "Pending",
                false,
            ),
            pod(
                "stray",
                owner("ReplicaSet", "r3"),
                json!({}),
                "Running",
                true,
            ),
        ],
        ..Related::default()
    };
    let t = build("Deployment", "apps/v1", &deploy, &r);
    assert_eq!(
        names(&t),
        [
            "◐ Deployment web",
            "  ◐ ReplicaSet web-new",
            "    ✓ Pod web-new-a",
            "    ◐ Pod web-new-b",
            "  ✓ ReplicaSet web-old",
        ]
    );
    assert_eq!(t.item.status, "1/2 ready");
}

#[test]
fn service_selects_pods_and_statefulset_owns_pvcs() {
    let svc = obj(json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "db", "namespace": "shop", "uid": "s1"},
        "spec": {"selector": {"app": "db"}}}));
    let sts = obj(json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop", "uid": "t1"},
        "spec": {"replicas": 1, "volumeClaimTemplates": [{"metadata": {"name": "data"}}]},
        "status": {"readyReplicas": 1}}));
    let pvc = |n: &str| {
        obj(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": n, "namespace": "shop", "uid": n}, "status": {"phase": "Bound"}}))
    };
    let r = Related {
        pods: vec![
            pod(
                "db-0",
                owner("StatefulSet", "t1"),
                json!({"app": "db"}),
                "Running",
                true,
            ),
            pod("web", json!([]), json!({"app": "web"}), "Running", true),
        ],
        pvcs: vec![pvc("data-db-0"), pvc("data-dbx-0"), pvc("logs")],
        ..Related::default()
    };
    assert_eq!(
        names(&build("Service", "v1", &svc, &r)),
        ["✓ Service db", "  ✓ Pod db-0"]
    );
    assert_eq!(
        names(&build("StatefulSet", "apps/v1", &sts, &r)),
        [
            "✓ StatefulSet db",
            "  ✓ Pod db-0",
            "  ✓ PersistentVolumeClaim data-db-0"
        ]
    );
}

#[test]
fn application_lists_its_resources_and_cnpg_its_labelled_objects() {
    let app = obj(
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "shop", "namespace": "argo", "uid": "a1"},
        "status": {"sync": {"status": "OutOfSync"}, "health": {"status": "Degraded"},
          "resources": [
            {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "shop", "name": "web",
             "status": "Synced", "health": {"status": "Healthy"}},
            {"version": "v1", "kind": "Service", "namespace": "shop", "name": "web", "status": "OutOfSync"}]}}),
    );
    let t = build(
        "Application",
        "argoproj.io/v1alpha1",
        &app,
        &Related::default(),
    );
    assert_eq!(
        names(&t),
        [
            "✗ Application shop",
            "  ✓ Deployment web",
            "  ◐ Service web"
        ]
    );
    assert_eq!(t.children[0].item.api_version, "apps/v1");
    assert_eq!(t.children[0].item.namespace.as_deref(), Some("shop"));

    let cluster = obj(
        json!({"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
        "metadata": {"name": "pg", "namespace": "shop", "uid": "c1"},
        "status": {"phase": "Cluster in healthy state"}}),
    );
    let svc = obj(json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "pg-rw", "namespace": "shop", "labels": {"cnpg.io/cluster": "pg"}}}));
    let r = Related {
        pods: vec![pod(
            "pg-1",
            json!([]),
            json!({"cnpg.io/cluster": "pg", "cnpg.io/instanceRole": "primary"}),
            "Failed",
            false,
        )],
        services: vec![svc],
        ..Related::default()
    };
    let t = build("Cluster", "postgresql.cnpg.io/v1", &cluster, &r);
    assert_eq!(
        names(&t),
        ["◐ Cluster pg", "  ✗ Pod pg-1", "  ✓ Service pg-rw"]
    );
    assert_eq!(t.children[0].item.status, "Failed, primary");
}
