//! Unit tests of the store's API semantics.

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

fn rt(reg: &Registry, group: &str, version: &str, plural: &str) -> ResourceKind {
    reg.lookup(group, version, plural)
        .cloned()
        .expect("type exists")
}

fn cm(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"a": "1"}})
}

fn deployment() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
}

fn rv(obj: &Value) -> String {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn create_sets_server_fields_and_rejects_duplicates() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let created = store
        .create(&cms, "demo", cm("a"), &WriteOpts::default())
        .expect("created");
    assert!(
        created["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| u.len() == 36)
    );
    assert!(created["metadata"]["creationTimestamp"].is_string());
    assert_eq!(created["metadata"]["namespace"], "demo");
    let err = store
        .create(&cms, "demo", cm("a"), &WriteOpts::default())
        .unwrap_err();
    assert_eq!((err.code, err.reason), (409, "AlreadyExists"));
    let err = store
        .create(&cms, "missing", cm("b"), &WriteOpts::default())
        .unwrap_err();
    assert_eq!((err.code, err.reason), (404, "NotFound"));
    assert!(err.message.contains("namespaces \"missing\" not found"));
}

#[test]
fn generate_name_and_invalid_names() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let obj = json!({"metadata": {"generateName": "job-"}, "data": {}});
    let created = store
        .create(&cms, "demo", obj, &WriteOpts::default())
        .expect("created");
    assert!(
        created["metadata"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("job-") && n.len() == 9)
    );
    let err = store
        .create(&cms, "demo", cm("Bad_Name"), &WriteOpts::default())
        .unwrap_err();
    assert_eq!(err.reason, "Invalid");
}

#[test]
fn stale_update_conflicts() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let first = store
        .create(&cms, "demo", cm("a"), &WriteOpts::default())
        .expect("created");
    let mut edit = (*first).clone();
    edit["data"]["a"] = json!("2");
    let second = store
        .update(
            &cms,
            "demo",
            "a",
            edit.clone(),
            Sub::Main,
            &WriteOpts::default(),
        )
        .expect("updated");
    assert_ne!(rv(&first), rv(&second));
    let err = store
        .update(&cms, "demo", "a", edit, Sub::Main, &WriteOpts::default())
        .unwrap_err();
    assert_eq!((err.code, err.reason), (409, "Conflict"));
}

#[test]
fn no_op_update_keeps_resource_version() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let first = store
        .create(&cms, "demo", cm("a"), &WriteOpts::default())
        .expect("created");
    let again = store
        .update(
            &cms,
            "demo",
            "a",
            (*first).clone(),
            Sub::Main,
            &WriteOpts::default(),
        )
        .expect("no-op");
    assert_eq!(rv(&first), rv(&again));
}

#[test]
fn status_and_spec_are_isolated_and_generation_tracks_spec() {
    let (store, reg) = store_with_ns();
    let deps = rt(&reg, "apps", "v1", "deployments");
    let mut d = deployment();
    d["status"] = json!({"replicas": 9});
    let created = store
        .create(&deps, "demo", d, &WriteOpts::default())
        .expect("created");
    assert_eq!(created["metadata"]["generation"], 1);
    // Status in a main-resource write is ignored.
    assert!(created.get("status").is_none());
    let status_patch = json!({"status": {"readyReplicas": 1}, "spec": {"replicas": 5}});
    let patched = store
        .patch(
            &deps,
            "demo",
            "web",
            PatchType::Merge,
            &status_patch,
            Sub::Status,
            &WriteOpts::default(),
        )
        .expect("status patched");
    assert_eq!(patched["status"]["readyReplicas"], 1);
    assert_eq!(
        patched["spec"]["replicas"], 1,
        "status write must not touch spec"
    );
    assert_eq!(
        patched["metadata"]["generation"], 1,
        "status write must not bump generation"
    );
    let spec_patch = json!({"spec": {"replicas": 3}, "status": {"readyReplicas": 7}});
    let patched = store
        .patch(
            &deps,
            "demo",
            "web",
            PatchType::Merge,
            &spec_patch,
            Sub::Main,
            &WriteOpts::default(),
        )
        .expect("spec patched");
    assert_eq!(patched["spec"]["replicas"], 3);
    assert_eq!(
        patched["status"]["readyReplicas"], 1,
        "main write must not touch status"
    );
    assert_eq!(patched["metadata"]["generation"], 2);
}

#[test]
fn scale_subresource_reads_and_writes_replicas() {
    let (store, reg) = store_with_ns();
    let deps = rt(&reg, "apps", "v1", "deployments");
    store
        .create(&deps, "demo", deployment(), &WriteOpts::default())
        .expect("created");
    let patched = store
        .patch(
            &deps,
            "demo",
            "web",
            PatchType::Merge,
            &json!({"spec": {"replicas": 4}}),
            Sub::Scale,
            &WriteOpts::default(),
        )
        .expect("scaled");
    assert_eq!(patched["spec"]["replicas"], 4);
    let scale = scale_of(&deps, &patched).expect("scale view");
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["spec"]["replicas"], 4);
    assert_eq!(scale["status"]["selector"], "app=web");
}

#[test]
fn server_side_apply_creates_merges_and_is_idempotent() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let opts = WriteOpts {
        field_manager: Some("test".into()),
        ..Default::default()
    };
    let applied = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "1", "b": "2"}});
    let first = store
        .patch(
            &cms,
            "demo",
            "ssa",
            PatchType::Apply,
            &applied,
            Sub::Main,
            &opts,
        )
        .expect("created");
    let second = store
        .patch(
            &cms,
            "demo",
            "ssa",
            PatchType::Apply,
            &applied,
            Sub::Main,
            &opts,
        )
        .expect("no-op");
    assert_eq!(rv(&first), rv(&second));
    let managed = &second["metadata"]["managedFields"][0];
    assert_eq!(managed["manager"], "test");
    assert_eq!(managed["operation"], "Apply");
    // Another manager's field stays; a field this manager stops applying goes.
    let other = WriteOpts {
        field_manager: Some("other".into()),
        ..Default::default()
    };
    store
        .patch(
            &cms,
            "demo",
            "ssa",
            PatchType::Merge,
            &json!({"data": {"c": "3"}}),
            Sub::Main,
            &other,
        )
        .expect("merge");
    let shrunk = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "1"}});
    let third = store
        .patch(
            &cms,
            "demo",
            "ssa",
            PatchType::Apply,
            &shrunk,
            Sub::Main,
            &opts,
        )
        .expect("applied");
    assert_eq!(third["data"], json!({"a": "1", "c": "3"}));
}

#[test]
fn strategic_merge_is_refused_for_custom_resources() {
    let store = Store::new();
    store
        .load(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}))
        .expect("ns");
    store
        .load(json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                     "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
                     "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}}]}}))
        .expect("crd");
    let reg = store.registry();
    let widgets = rt(&reg, "example.com", "v1", "widgets");
    store
        .create(
            &widgets,
            "demo",
            json!({"metadata": {"name": "w"}, "spec": {"size": 1}}),
            &WriteOpts::default(),
        )
        .expect("created");
    let err = store
        .patch(
            &widgets,
            "demo",
            "w",
            PatchType::Strategic,
            &json!({"spec": {"size": 2}}),
            Sub::Main,
            &WriteOpts::default(),
        )
        .unwrap_err();
    assert_eq!(err.code, 415);
}

#[test]
fn finalizers_delay_deletion_until_removed() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let mut obj = cm("f");
    obj["metadata"]["finalizers"] = json!(["example.com/hold"]);
    store
        .create(&cms, "demo", obj, &WriteOpts::default())
        .expect("created");
    let marked = store
        .delete(&cms, "demo", "f", &WriteOpts::default(), None)
        .expect("marked");
    assert!(marked["metadata"]["deletionTimestamp"].is_string());
    assert!(store.get(&cms, "demo", "f").is_ok());
    store
        .patch(
            &cms,
            "demo",
            "f",
            PatchType::Merge,
            &json!({"metadata": {"finalizers": null}}),
            Sub::Main,
            &WriteOpts::default(),
        )
        .expect("finalizer removed");
    assert_eq!(store.get(&cms, "demo", "f").unwrap_err().code, 404);
}

#[test]
fn deleting_an_owner_collects_its_dependents() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let owner = store
        .create(&cms, "demo", cm("owner"), &WriteOpts::default())
        .expect("owner");
    let uid = owner["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let mut child = cm("child");
    child["metadata"]["ownerReferences"] =
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}]);
    store
        .create(&cms, "demo", child, &WriteOpts::default())
        .expect("child");
    store
        .delete(&cms, "demo", "owner", &WriteOpts::default(), None)
        .expect("deleted");
    assert_eq!(store.get(&cms, "demo", "child").unwrap_err().code, 404);
}

#[test]
fn deleting_a_namespace_deletes_its_objects() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let nss = rt(&reg, "", "v1", "namespaces");
    store
        .create(&cms, "demo", cm("a"), &WriteOpts::default())
        .expect("created");
    store
        .delete(&nss, "", "demo", &WriteOpts::default(), None)
        .expect("deleted");
    assert_eq!(store.get(&cms, "demo", "a").unwrap_err().code, 404);
}

#[test]
fn list_pages_with_continue_tokens_and_selectors() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    for i in 0..5 {
        let mut c = cm(&format!("c{i}"));
        c["metadata"]["labels"] = json!({"even": (i % 2 == 0).to_string()});
        store
            .create(&cms, "demo", c, &WriteOpts::default())
            .expect("created");
    }
    let none = LabelSelector::default();
    let all = FieldSelector::default();
    let page = store
        .list(&cms, "demo", &none, &all, Some(2), None)
        .expect("page 1");
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.remaining, Some(3));
    let token = page.continue_token.expect("more pages");
    let page2 = store
        .list(&cms, "demo", &none, &all, Some(10), Some(&token))
        .expect("page 2");
    assert_eq!(page2.items.len(), 3);
    assert!(page2.continue_token.is_none());
    assert_eq!(page2.items[0]["metadata"]["name"], "c2");
    let even = LabelSelector::parse("even=true").expect("selector");
    assert_eq!(
        store
            .list(&cms, "", &even, &all, None, None)
            .expect("list")
            .items
            .len(),
        3
    );
    let named = FieldSelector::parse("metadata.name=c4").expect("selector");
    assert_eq!(
        store
            .list(&cms, "", &none, &named, None, None)
            .expect("list")
            .items
            .len(),
        1
    );
}

#[test]
fn watch_resumes_from_history_and_expires_after_compaction() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let first = store
        .create(&cms, "demo", cm("a"), &WriteOpts::default())
        .expect("created");
    let from: u64 = rv(&first).parse().expect("numeric rv");
    store
        .create(&cms, "demo", cm("b"), &WriteOpts::default())
        .expect("created");
    store
        .delete(&cms, "demo", "a", &WriteOpts::default(), None)
        .expect("deleted");
    let sub = store.watch(&cms, Some(from)).expect("resumes");
    let types: Vec<&str> = sub.initial.iter().map(|e| e.type_.as_str()).collect();
    assert_eq!(types, vec!["ADDED", "DELETED"]);
    let fresh = store.watch(&cms, None).expect("from now");
    assert_eq!(
        fresh.initial.len(),
        1,
        "synthetic ADDED for the current object"
    );
    store.compact();
    let err = store.watch(&cms, Some(from)).err().expect("expired");
    assert_eq!(err.code, 410);
}

#[tokio::test]
async fn live_events_reach_subscribers() {
    let (store, reg) = store_with_ns();
    let cms = rt(&reg, "", "v1", "configmaps");
    let mut sub = store
        .watch(&cms, Some(store.resource_version()))
        .expect("watch");
    store
        .create(&cms, "demo", cm("live"), &WriteOpts::default())
        .expect("created");
    let ev = sub.live.recv().await.expect("event");
    assert_eq!(ev.type_, EventType::Added);
    assert_eq!(ev.object["metadata"]["name"], "live");
}

#[test]
fn secrets_string_data_is_encoded() {
    let (store, reg) = store_with_ns();
    let secrets = rt(&reg, "", "v1", "secrets");
    let s = json!({"metadata": {"name": "s"}, "stringData": {"key.txt": "hello"}});
    let created = store
        .create(&secrets, "demo", s, &WriteOpts::default())
        .expect("created");
    assert_eq!(created["data"]["key.txt"], "aGVsbG8=");
    assert!(created.get("stringData").is_none());
    assert_eq!(created["type"], "Opaque");
}

#[test]
fn watch_history_is_bounded_by_bytes_and_too_old_versions_get_410() {
    let budget = 2 * 1024 * 1024;
    let store = Store::with_history_budget(budget);
    store
        .load(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}))
        .expect("namespace loads");
    let reg = store.registry();
    let cms = rt(&reg, "", "v1", "configmaps");
    let mut big = cm("big");
    big["data"]["blob"] = json!("x".repeat(10 * 1024));
    let created = store
        .create(&cms, "demo", big, &WriteOpts::default())
        .expect("create");
    let first_rv: u64 = rv(&created).parse().expect("rv");
    // 2,000 patches of a 10 KiB object: ~20 MiB of versions, ten times the budget.
    for i in 0..2_000 {
        let patch =
            json!({"data": {"n": i.to_string(), "blob": format!("{i}{}", "y".repeat(10 * 1024))}});
        store
            .patch(
                &cms,
                "demo",
                "big",
                PatchType::Merge,
                &patch,
                Sub::Main,
                &WriteOpts::default(),
            )
            .expect("patch");
    }
    let (bytes, events) = store.history_size();
    assert!(
        bytes <= budget,
        "history holds {bytes} bytes, budget {budget}"
    );
    assert!(events < 2_000, "kept {events} events of 2,001");
    assert!(events > 10, "kept only {events} events");
    // The oldest versions are gone: 410, as a real API server answers.
    let err = store.watch(&cms, Some(first_rv)).err().expect("too old");
    assert_eq!(err.code, 410, "{err}");
    // A recent version still resumes.
    let now = store.resource_version();
    let sub = store.watch(&cms, Some(now - 3)).expect("recent resumes");
    assert_eq!(sub.initial.len(), 3);
}
