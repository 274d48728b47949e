//! Strategic merge patch and server-side apply merging, for the built-in list keys.
//!
//! Kubernetes merges lists of built-in kinds by a key declared in the Go types
//! (`patchMergeKey`). The sandbox has no Go types, so the keys of the common lists are
//! named here by field name; any other list is replaced, as for an atomic list.

use serde_json::{Map, Value, json};

/// The merge key of a list field, from its name and elements.
fn merge_key(field: &str, elements: &[&Value]) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "conditions" | "addresses" => "type",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ports" => {
            if elements.iter().any(|e| e.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Primitive lists merged as sets.
fn is_set_list(field: &str) -> bool {
    field == "finalizers"
}

/// Applies a strategic merge patch to `target`. Directives (`$patch`,
/// `$deleteFromPrimitiveList/…`, `$setElementOrder/…`, `$retainKeys`) are honoured or
/// dropped as the API server does.
pub(crate) fn strategic_merge(target: &mut Value, patch: &Value) {
    let Some(patch_map) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if patch_map.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = strip_directives(patch);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(obj) = target.as_object_mut() else {
        return;
    };
    for (key, value) in patch_map {
        if key == "$patch" || key == "$retainKeys" || key.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Some(remove)) = (obj.get_mut(field), value.as_array())
            {
                list.retain(|v| !remove.contains(v));
            }
            continue;
        }
        if value.is_null() {
            obj.remove(key);
            continue;
        }
        if value.get("$patch").and_then(Value::as_str) == Some("delete") {
            obj.remove(key);
            continue;
        }
        match (obj.get_mut(key), value) {
            (Some(existing @ Value::Object(_)), Value::Object(_)) => {
                strategic_merge(existing, value)
            }
            (Some(Value::Array(existing)), Value::Array(items)) => {
                merge_list(key, existing, items);
            }
            _ => {
                obj.insert(key.clone(), strip_directives(value));
            }
        }
    }
}

fn merge_list(field: &str, existing: &mut Vec<Value>, items: &[Value]) {
    if is_set_list(field) {
        for item in items {
            if !existing.contains(item) {
                existing.push(item.clone());
            }
        }
        return;
    }
    let all: Vec<&Value> = existing.iter().chain(items.iter()).collect();
    let Some(key) = merge_key(field, &all).filter(|_| all.iter().all(|v| v.is_object())) else {
        *existing = items.iter().map(strip_directives).collect();
        return;
    };
    if items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        *existing = items
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .map(strip_directives)
            .collect();
        return;
    }
    for item in items {
        let id = item.get(key);
        let pos = existing
            .iter()
            .position(|e| e.get(key) == id && id.is_some());
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(p), true) => {
                existing.remove(p);
            }
            (None, true) => {}
            (Some(p), false) => strategic_merge(&mut existing[p], item),
            (None, false) => existing.push(strip_directives(item)),
        }
    }
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

/// The `fieldsV1` set of the fields an applied configuration names.
pub(crate) fn fields_v1(applied: &Value) -> Value {
    let mut out = Map::new();
    if let Some(m) = applied.as_object() {
        for (k, v) in m {
            if k == "apiVersion" || k == "kind" {
                continue;
            }
            if k == "metadata" {
                let mut meta = Map::new();
                if let Some(mm) = v.as_object() {
                    for (mk, mv) in mm {
                        if matches!(
                            mk.as_str(),
                            "labels" | "annotations" | "finalizers" | "ownerReferences"
                        ) {
                            meta.insert(format!("f:{mk}"), field_set(mk, mv));
                        }
                    }
                }
                if !meta.is_empty() {
                    out.insert("f:metadata".into(), Value::Object(meta));
                }
                continue;
            }
            out.insert(format!("f:{k}"), field_set(k, v));
        }
    }
    Value::Object(out)
}

fn field_set(name: &str, v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, child) in m {
                out.insert(format!("f:{k}"), field_set(k, child));
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let refs: Vec<&Value> = items.iter().collect();
            if is_set_list(name) {
                return Value::Object(
                    items
                        .iter()
                        .map(|i| (format!("v:{i}"), json!({})))
                        .collect(),
                );
            }
            match merge_key(name, &refs).filter(|_| items.iter().all(Value::is_object)) {
                Some(key) => {
                    let mut out = Map::new();
                    for item in items {
                        let id = json!({ key: item.get(key).cloned().unwrap_or(Value::Null) });
                        let mut inner = match field_set("", item) {
                            Value::Object(m) => m,
                            _ => Map::new(),
                        };
                        inner.insert(".".into(), json!({}));
                        out.insert(format!("k:{id}"), Value::Object(inner));
                    }
                    Value::Object(out)
                }
                None => json!({}),
            }
        }
        _ => json!({}),
    }
}

/// Removes from `obj` the fields that `previous` names and `current` no longer does (a
/// manager stopped applying them).
pub(crate) fn remove_unapplied(obj: &mut Value, previous: &Value, current: &Value) {
    let (Some(prev), Some(target)) = (previous.as_object(), obj.as_object_mut()) else {
        return;
    };
    let cur = current.as_object();
    for (pk, pchild) in prev {
        let cchild = cur.and_then(|c| c.get(pk));
        if let Some(field) = pk.strip_prefix("f:") {
            match cchild {
                None => {
                    target.remove(field);
                }
                Some(cchild) => {
                    if let Some(next) = target.get_mut(field) {
                        match next {
                            Value::Array(list) => remove_unapplied_list(list, pchild, cchild),
                            _ => remove_unapplied(next, pchild, cchild),
                        }
                    }
                }
            }
        }
    }
}

fn remove_unapplied_list(list: &mut Vec<Value>, previous: &Value, current: &Value) {
    let (Some(prev), cur) = (previous.as_object(), current.as_object()) else {
        return;
    };
    for (pk, pchild) in prev {
        if let Some(id) = pk.strip_prefix("k:") {
            let Ok(Value::Object(id)) = serde_json::from_str::<Value>(id) else {
                continue;
            };
            let matches = |e: &Value| id.iter().all(|(k, v)| e.get(k) == Some(v));
            match cur.and_then(|c| c.get(pk)) {
                None => list.retain(|e| !matches(e)),
                Some(cchild) => {
                    if let Some(e) = list.iter_mut().find(|e| matches(e)) {
                        remove_unapplied(e, pchild, cchild);
                    }
                }
            }
        } else if let Some(v) = pk.strip_prefix("v:")
            && cur.and_then(|c| c.get(pk)).is_none()
            && let Ok(value) = serde_json::from_str::<Value>(v)
        {
            list.retain(|e| *e != value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment() -> Value {
        json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}], "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "side:1"}
        ]}}}, "metadata": {"finalizers": ["a"]}})
    }

    #[test]
    fn containers_merge_by_name() {
        let mut d = deployment();
        strategic_merge(
            &mut d,
            &json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "env": [{"name": "B", "value": "2"}]}]}}}}),
        );
        let c = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(c.as_array().map(Vec::len), Some(2));
        assert_eq!(c[0]["image"], "app:1");
        assert_eq!(
            c[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
        );
    }

    #[test]
    fn directives_delete_and_replace() {
        let mut d = deployment();
        strategic_merge(
            &mut d,
            &json!({
                "metadata": {"finalizers": ["b"], "$deleteFromPrimitiveList/finalizers": ["a"]},
                "spec": {"replicas": null, "template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}
            }),
        );
        assert!(d["spec"].get("replicas").is_none());
        assert_eq!(d["metadata"]["finalizers"], json!(["b"]));
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        strategic_merge(
            &mut d,
            &json!({"spec": {"$patch": "replace", "paused": true}}),
        );
        assert_eq!(d["spec"], json!({"paused": true}));
    }

    #[test]
    fn unkeyed_lists_are_replaced() {
        let mut v = json!({"spec": {"args": ["a", "b"], "tolerations": [{"key": "x"}]}});
        strategic_merge(
            &mut v,
            &json!({"spec": {"args": ["c"], "tolerations": [{"key": "y"}]}}),
        );
        assert_eq!(v["spec"]["args"], json!(["c"]));
        assert_eq!(v["spec"]["tolerations"], json!([{"key": "y"}]));
    }

    #[test]
    fn fields_v1_and_removal_of_unapplied_fields() {
        let first = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "1", "b": "2"}},
            "data": {"x": "1", "y": "2"}});
        let second = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "1"}},
            "data": {"x": "1"}});
        let f1 = fields_v1(&first);
        assert_eq!(f1["f:data"], json!({"f:x": {}, "f:y": {}}));
        assert_eq!(f1["f:metadata"]["f:labels"], json!({"f:a": {}, "f:b": {}}));
        let mut live = first.clone();
        live["data"]["z"] = json!("other manager");
        remove_unapplied(&mut live, &f1, &fields_v1(&second));
        assert_eq!(live["data"], json!({"x": "1", "z": "other manager"}));
        assert_eq!(live["metadata"]["labels"], json!({"a": "1"}));
    }

    #[test]
    fn keyed_list_fields_and_removal() {
        let first = json!({"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}});
        let second = json!({"spec": {"containers": [{"name": "a", "image": "1"}]}});
        let f1 = fields_v1(&first);
        assert!(
            f1["f:spec"]["f:containers"]
                .get("k:{\"name\":\"a\"}")
                .is_some()
        );
        let mut live = first.clone();
        remove_unapplied(&mut live, &f1, &fields_v1(&second));
        assert_eq!(live, second);
    }
}
