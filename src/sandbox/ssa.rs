//! Server-side apply ownership: a field another manager owns may only be changed by an apply
//! that forces it (then the other manager loses the field), otherwise the apply fails with a
//! 409 `Conflict` whose causes name each field and its owner, as the API server does.

use serde_json::{Map, Value, json};

use super::error::ApiError;

/// One field of a `fieldsV1` set, as the keys leading to it (`f:data`, `f:x`, `k:{…}`).
type FieldPath = Vec<String>;

/// Every leaf of a `fieldsV1` set (a `.` entry stands for its parent).
fn leaves(set: &Value, prefix: &mut FieldPath, out: &mut Vec<FieldPath>) {
    let Some(map) = set.as_object() else {
        return;
    };
    if map.is_empty() {
        if !prefix.is_empty() {
            out.push(prefix.clone());
        }
        return;
    }
    for (k, child) in map {
        if k == "." {
            continue;
        }
        prefix.push(k.clone());
        leaves(child, prefix, out);
        prefix.pop();
    }
}

/// The value at a field path in an object (`None` when it is not there).
fn value_at<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for key in path {
        if let Some(field) = key.strip_prefix("f:") {
            cur = cur.get(field)?;
        } else if let Some(id) = key.strip_prefix("k:") {
            let id: Map<String, Value> = serde_json::from_str(id).ok()?;
            cur = cur
                .as_array()?
                .iter()
                .find(|item| id.iter().all(|(k, v)| item.get(k) == Some(v)))?;
        } else if let Some(v) = key.strip_prefix("v:") {
            let v: Value = serde_json::from_str(v).ok()?;
            cur = cur.as_array()?.iter().find(|item| **item == v)?;
        } else {
            return None;
        }
    }
    Some(cur)
}

/// How the API server prints a field path: `.data.x`, `.spec.containers[name="a"].image`.
fn display(path: &[String]) -> String {
    let mut out = String::new();
    for key in path {
        if let Some(field) = key.strip_prefix("f:") {
            out.push('.');
            out.push_str(field);
        } else if let Some(id) = key.strip_prefix("k:") {
            let id: Map<String, Value> = serde_json::from_str(id).unwrap_or_default();
            let parts: Vec<String> = id.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("[{}]", parts.join(",")));
        } else if let Some(v) = key.strip_prefix("v:") {
            out.push_str(&format!("[={v}]"));
        }
    }
    out
}

/// A field the applier would change that another manager owns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conflict {
    pub manager: String,
    pub path: FieldPath,
    /// The API version of the manager's entry when it wrote with an update (the API server
    /// names those managers `"<manager>" using <apiVersion>`; appliers by name only).
    pub(crate) using: Option<String>,
}

impl Conflict {
    /// The manager as the API server names it in conflict messages.
    fn who(&self) -> String {
        match &self.using {
            Some(v) => format!("\"{}\" using {v}", self.manager),
            None => format!("\"{}\"", self.manager),
        }
    }
}

/// The conflicts of `manager` applying `patch` (whose field set is `applied`) to `current`:
/// fields owned by another manager (its entry for the main resource) whose value the apply
/// would change.
pub(crate) fn conflicts(
    current: &Value,
    manager: &str,
    applied: &Value,
    patch: &Value,
) -> Vec<Conflict> {
    let mut mine = Vec::new();
    leaves(applied, &mut Vec::new(), &mut mine);
    let mut out = Vec::new();
    for entry in managed(current) {
        let other = entry.get("manager").and_then(Value::as_str).unwrap_or("");
        if other == manager || entry.get("subresource").is_some_and(|s| s != "") {
            continue;
        }
        let mut theirs = Vec::new();
        leaves(
            entry.get("fieldsV1").unwrap_or(&Value::Null),
            &mut Vec::new(),
            &mut theirs,
        );
        for path in &mine {
            if theirs.contains(path)
                && value_at(current, path) != value_at(patch, path)
                && !out
                    .iter()
                    .any(|c: &Conflict| c.path == *path && c.manager == other)
            {
                out.push(Conflict {
                    manager: other.to_string(),
                    path: path.clone(),
                    using: (entry.get("operation").and_then(Value::as_str) == Some("Update")).then(
                        || {
                            entry
                                .get("apiVersion")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string()
                        },
                    ),
                });
            }
        }
    }
    out
}

fn managed(obj: &Value) -> Vec<Value> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The 409 the API server answers for an apply with conflicts.
pub(crate) fn conflict_error(conflicts: &[Conflict]) -> ApiError {
    let mut managers: Vec<String> = Vec::new();
    for c in conflicts {
        if !managers.contains(&c.who()) {
            managers.push(c.who());
        }
    }
    let n = conflicts.len();
    let mut message = format!(
        "Apply failed with {n} conflict{}: ",
        if n == 1 { "" } else { "s" }
    );
    let groups: Vec<String> = managers
        .iter()
        .map(|m| {
            let paths: Vec<String> = conflicts
                .iter()
                .filter(|c| c.who() == *m)
                .map(|c| display(&c.path))
                .collect();
            if paths.len() == 1 {
                format!("conflict with {m}: {}", paths[0])
            } else {
                format!(
                    "conflicts with {m}:\n{}",
                    paths
                        .iter()
                        .map(|p| format!("- {p}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            }
        })
        .collect();
    message.push_str(&groups.join("\n"));
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|c| {
            json!({"reason": "FieldManagerConflict",
                   "message": format!("conflict with {}", c.who()),
                   "field": display(&c.path)})
        })
        .collect();
    let mut e = ApiError::new(409, "Conflict", message);
    e.details = Some(json!({ "causes": causes }));
    e
}

/// The 422 for an apply without `fieldManager`.
pub(crate) fn field_manager_required() -> ApiError {
    let mut e = ApiError::new(
        422,
        "Invalid",
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
    );
    e.details = Some(json!({
        "group": "meta.k8s.io",
        "kind": "PatchOptions",
        "causes": [{"reason": "FieldValueRequired",
                    "message": "Required value: is required for apply patch",
                    "field": "fieldManager"}],
    }));
    e
}

/// Removes forced-over fields from their previous owners' entries (entries left empty go).
pub(crate) fn take_ownership(obj: &mut Value, conflicts: &[Conflict]) {
    let Some(list) = obj
        .pointer_mut("/metadata/managedFields")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for entry in list.iter_mut() {
        let manager = entry
            .get("manager")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let Some(fields) = entry.get_mut("fieldsV1") else {
            continue;
        };
        for c in conflicts.iter().filter(|c| c.manager == manager) {
            remove_path(fields, &c.path);
        }
    }
    list.retain(|e| {
        e.get("fieldsV1")
            .and_then(Value::as_object)
            .is_none_or(|m| !m.is_empty())
    });
}

/// Removes a leaf, and the parents it leaves empty (a parent kept by `.` stays).
fn remove_path(set: &mut Value, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Some(map) = set.as_object_mut() else {
        return;
    };
    if rest.is_empty() {
        map.remove(first);
        return;
    }
    if let Some(child) = map.get_mut(first) {
        remove_path(child, rest);
        if child.as_object().is_some_and(Map::is_empty) {
            map.remove(first);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj() -> Value {
        json!({
            "metadata": {"managedFields": [
                {"manager": "alice", "operation": "Apply", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:data": {"f:shared": {}, "f:mine": {}}}}
            ]},
            "data": {"shared": "a", "mine": "m"}
        })
    }

    #[test]
    fn a_changed_field_of_another_manager_conflicts() {
        let patch = json!({"data": {"shared": "b"}});
        let applied = json!({"f:data": {"f:shared": {}}});
        let c = conflicts(&obj(), "bob", &applied, &patch);
        assert_eq!(c.len(), 1);
        let e = conflict_error(&c);
        assert_eq!(e.code, 409);
        assert_eq!(
            e.message,
            "Apply failed with 1 conflict: conflict with \"alice\": .data.shared"
        );
        assert_eq!(
            e.details.expect("details")["causes"][0]["field"],
            ".data.shared"
        );
    }

    #[test]
    fn the_same_value_is_shared_and_own_fields_never_conflict() {
        let applied = json!({"f:data": {"f:shared": {}}});
        assert!(conflicts(&obj(), "bob", &applied, &json!({"data": {"shared": "a"}})).is_empty());
        assert!(conflicts(&obj(), "alice", &applied, &json!({"data": {"shared": "z"}})).is_empty());
    }

    #[test]
    fn forcing_moves_the_field_away_from_its_owner() {
        let mut o = obj();
        let c = vec![Conflict {
            manager: "alice".into(),
            path: vec!["f:data".into(), "f:shared".into()],
            using: None,
        }];
        take_ownership(&mut o, &c);
        assert_eq!(
            o["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:data": {"f:mine": {}}})
        );
        take_ownership(
            &mut o,
            &[Conflict {
                manager: "alice".into(),
                path: vec!["f:data".into(), "f:mine".into()],
                using: None,
            }],
        );
        assert_eq!(o["metadata"]["managedFields"], json!([]));
    }

    #[test]
    fn list_items_are_shown_by_their_key() {
        assert_eq!(
            display(&[
                "f:spec".into(),
                "f:containers".into(),
                "k:{\"name\":\"a\"}".into(),
                "f:image".into()
            ]),
            ".spec.containers[name=\"a\"].image"
        );
    }
}
