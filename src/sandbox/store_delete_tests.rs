//! Unit tests of deletion as the API server does it: propagation policies, namespaces that
//! terminate before they go, and server-side apply conflicts through the store.

use super::*;
use serde_json::json;

fn store_with_ns() -> (Store, Registry) {
    let store = Store::new();
    store
        .load(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}))
        .expect("namespace loads");
    let reg = store.registry();
    (store, reg)
}

fn cms(reg: &Registry) -> ResourceKind {
    reg.lookup("", "v1", "configmaps")
        .cloned()
        .expect("configmaps")
}

fn cm(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})
}

/// An owner and a dependent; returns the owner's uid.
fn owner_and_dependent(store: &Store, rt: &ResourceKind) -> String {
    let owner = store
        .create(rt, "demo", cm("owner"), &WriteOpts::default())
        .expect("owner");
    let uid = owner["metadata"]["uid"].as_str().expect("uid").to_string();
    let mut dep = cm("dep");
    dep["metadata"]["ownerReferences"] =
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}]);
    store
        .create(rt, "demo", dep, &WriteOpts::default())
        .expect("dependent");
    uid
}

fn delete_with(store: &Store, rt: &ResourceKind, policy: &str) -> Arc<Value> {
    let opts = WriteOpts {
        propagation: Some(policy.to_string()),
        ..Default::default()
    };
    store
        .delete(rt, "demo", "owner", &opts, None)
        .expect("delete")
}

#[test]
fn orphan_propagation_keeps_dependents_without_the_owner_reference() {
    let (store, reg) = store_with_ns();
    let rt = cms(&reg);
    owner_and_dependent(&store, &rt);
    let answer = delete_with(&store, &rt, "Orphan");
    assert_eq!(answer["metadata"]["finalizers"], json!(["orphan"]));
    assert!(answer["metadata"]["deletionTimestamp"].is_string());
    assert!(store.get(&rt, "demo", "owner").is_err());
    let dep = store.get(&rt, "demo", "dep").expect("dependent kept");
    assert!(dep["metadata"].get("ownerReferences").is_none(), "{dep}");
}

#[test]
fn foreground_and_background_propagation_delete_dependents() {
    for policy in ["Foreground", "Background"] {
        let (store, reg) = store_with_ns();
        let rt = cms(&reg);
        owner_and_dependent(&store, &rt);
        let answer = delete_with(&store, &rt, policy);
        if policy == "Foreground" {
            assert_eq!(
                answer["metadata"]["finalizers"],
                json!(["foregroundDeletion"])
            );
        }
        assert!(store.get(&rt, "demo", "owner").is_err(), "{policy}");
        assert!(store.get(&rt, "demo", "dep").is_err(), "{policy}");
    }
}

#[test]
fn a_terminating_namespace_refuses_new_content_until_it_goes() {
    let (store, reg) = store_with_ns();
    let rt = cms(&reg);
    store
        .create(&rt, "demo", cm("inside"), &WriteOpts::default())
        .expect("create");
    let marked = store.begin_namespace_deletion("demo").expect("marked");
    assert_eq!(marked["status"]["phase"], "Terminating");
    assert!(marked["metadata"]["deletionTimestamp"].is_string());
    let err = store
        .create(&rt, "demo", cm("late"), &WriteOpts::default())
        .expect_err("refused");
    assert_eq!((err.code, err.reason), (403, "Forbidden"));
    assert_eq!(
        err.details.expect("details")["causes"][0]["reason"],
        "NamespaceTerminating"
    );
    assert!(store.get(&rt, "demo", "inside").is_ok());
    store.finish_namespace_deletion("demo");
    assert!(store.get(&rt, "demo", "inside").is_err());
    let ns = reg.lookup("", "v1", "namespaces").cloned().expect("ns");
    assert!(store.get(&ns, "", "demo").is_err());
}

#[test]
fn apply_conflicts_with_another_manager_unless_forced() {
    let (store, reg) = store_with_ns();
    let rt = cms(&reg);
    let apply = |manager: &str, force: bool, value: &str| {
        let opts = WriteOpts {
            field_manager: Some(manager.to_string()),
            force,
            ..Default::default()
        };
        let mut body = cm("ssa");
        body["data"] = json!({"shared": value});
        store.patch(
            &rt,
            "demo",
            "ssa",
            PatchType::Apply,
            &body,
            Sub::Main,
            &opts,
        )
    };
    apply("alice", false, "a").expect("create");
    let err = apply("bob", false, "b").expect_err("conflict");
    assert_eq!(err.code, 409);
    assert_eq!(
        err.message,
        "Apply failed with 1 conflict: conflict with \"alice\": .data.shared"
    );
    let forced = apply("bob", true, "b").expect("forced");
    assert_eq!(forced["data"]["shared"], "b");
    let managers: Vec<&str> = forced["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert_eq!(managers, vec!["bob"]);
    let err = store
        .patch(
            &rt,
            "demo",
            "ssa",
            PatchType::Apply,
            &cm("ssa"),
            Sub::Main,
            &WriteOpts::default(),
        )
        .expect_err("no field manager");
    assert_eq!((err.code, err.reason), (422, "Invalid"));
}
