//! `e`: edit one object in `$VISUAL`/`$EDITOR`, as `kubectl edit` does. The console's event
//! loop runs the session (`crate::edit_session`: GET, editor, PUT); this module holds the
//! request and the pure text work: the editable document, its comment header, parsing what
//! the user saved, and the body of the update.
//!
//! What the file holds: the object without `metadata.managedFields` (kubectl hides them too)
//! and without `status` (not editable with an update; the update puts the status read back
//! so that kinds without a status subresource, such as Argo CD Applications, keep theirs).
//! `metadata.resourceVersion`, `uid`, `generation` and `creationTimestamp` stay, as kubectl
//! keeps them: the resourceVersion is the optimistic lock of the update (a change made by
//! someone else since the file was opened is a conflict, never silently overwritten), and
//! the others identify the object being edited.

use serde_json::Value;

use super::{App, Level, strings};
use crate::sources::{ObjectTarget, Request};

/// The first lines of the file (comments; the parser skips them).
const HEADER: &[&str] = &[
    "# Edit the object below and save to update it; close without saving to leave it as it is.",
    "# Lines starting with '#' are ignored; saving an empty file cancels the edit.",
    "# managedFields and status are not shown; metadata.resourceVersion is the version read:",
    "# if the object changed since, saving reopens this file with the error.",
    "#",
];

/// The object as the editor shows it: without managed fields and status.
pub(crate) fn editable(object: &Value) -> Value {
    let mut v = object.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
        if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("managedFields");
        }
    }
    v
}

/// YAML of a value.
pub(crate) fn to_yaml(v: &Value) -> Result<String, String> {
    serde_saphyr::to_string(v).map_err(|e| format!("cannot render YAML: {e}"))
}

/// The file's text: the header, the errors of the last save (if any), then the YAML.
pub(crate) fn document(errors: &[String], yaml: &str) -> String {
    let mut out = String::new();
    for l in HEADER {
        out.push_str(l);
        out.push('\n');
    }
    if !errors.is_empty() {
        out.push_str("# The last save was not applied:\n");
        for e in errors {
            for line in e.lines() {
                out.push_str("#   ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push_str("#\n");
    }
    out.push_str(yaml);
    if !yaml.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The text without its leading comment block (to put a new header on it).
pub(crate) fn body(text: &str) -> &str {
    let mut rest = text;
    while let Some(line) = rest.lines().next() {
        if !line.starts_with('#') {
            break;
        }
        rest = rest[line.len()..].strip_prefix('\n').unwrap_or("");
    }
    rest
}

/// What the user saved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Saved {
    /// Only comments and blank lines: the edit is cancelled.
    Empty,
    /// Not YAML, or not one object: reopened with the error.
    Invalid(String),
    Object(Value),
}

pub(crate) fn parse(text: &str) -> Saved {
    let content = text
        .lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    if !content {
        return Saved::Empty;
    }
    match serde_saphyr::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Saved::Object(v),
        Ok(_) => Saved::Invalid("the file must hold one object (a YAML mapping)".into()),
        Err(e) => Saved::Invalid(format!("invalid YAML: {e}")),
    }
}

/// The update's body: what the user saved, with the status read put back, and the
/// resourceVersion read when the user removed it (an update without one would not be
/// checked against concurrent changes).
pub(crate) fn update_body(saved: &Value, live: &Value) -> Value {
    let mut v = saved.clone();
    if let Some(o) = v.as_object_mut() {
        if let Some(status) = live.get("status") {
            o.insert("status".into(), status.clone());
        }
        let rv = live.pointer("/metadata/resourceVersion").cloned();
        if let (Some(m), Some(rv)) = (
            o.entry("metadata")
                .or_insert_with(|| Value::Object(Default::default()))
                .as_object_mut(),
            rv,
        ) {
            m.entry("resourceVersion").or_insert(rv);
        }
    }
    v
}

/// The user's changes as a JSON merge patch (RFC 7386): what `saved` changes of `original`
/// (removed fields are `null`; lists are replaced whole).
pub(crate) fn merge_patch(original: &Value, saved: &Value) -> Value {
    match (original, saved) {
        (Value::Object(o), Value::Object(s)) => {
            let mut out = serde_json::Map::new();
            for (k, v) in s {
                match o.get(k) {
                    Some(ov) if ov == v => {}
                    Some(ov) => {
                        out.insert(k.clone(), merge_patch(ov, v));
                    }
                    None => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            for k in o.keys() {
                if !s.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        _ => saved.clone(),
    }
}

/// After a conflict: the user's changes (from `original` to `saved`) applied over the
/// newest version of the object, shown as the editor shows it. Its resourceVersion is the
/// newest, so saving it again is an update of that version.
pub(crate) fn rebase(original: &Value, saved: &Value, latest: &Value) -> Value {
    let mut patch = merge_patch(original, saved);
    if let Some(m) = patch
        .pointer_mut("/metadata")
        .and_then(Value::as_object_mut)
    {
        m.remove("resourceVersion");
    }
    let mut out = editable(latest);
    json_patch::merge(&mut out, &patch);
    out
}

/// Top-level paths (`spec.replicas`, `metadata.labels`) whose values differ between two
/// versions of an object, ignoring what the server changes on every write.
pub(crate) fn changed_paths(a: &Value, b: &Value) -> Vec<String> {
    const NOISE: &[&str] = &[
        "metadata.resourceVersion",
        "metadata.managedFields",
        "metadata.generation",
        "status",
    ];
    let mut out = Vec::new();
    diff(a, b, "", 2, &mut out);
    out.retain(|p| {
        !NOISE
            .iter()
            .any(|n| p == n || p.starts_with(&format!("{n}.")))
    });
    out
}

fn diff(a: &Value, b: &Value, path: &str, depth: usize, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if depth > 0 => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let null = Value::Null;
                diff(
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    &p,
                    depth - 1,
                    out,
                );
            }
        }
        _ => out.push(path.to_string()),
    }
}

/// What a conflict says in the reopened file.
pub(crate) fn conflict_note(error: &str, fields: &[String]) -> Vec<String> {
    let changed = if fields.is_empty() {
        String::new()
    } else {
        format!(" (it changed: {})", fields.join(", "))
    };
    vec![
        error.to_string(),
        format!("The object changed since this file was opened{changed}."),
        "Below, your changes are applied over its newest version: check them and save again,"
            .into(),
        "or empty the file to cancel.".into(),
    ]
}

impl App {
    /// `e`: edit the selected (or shown) object; refused in read-only mode.
    pub(super) fn edit_selected(&mut self) {
        if self.readonly {
            return self.flash_for(strings::readonly("edit"), Level::Warn, 6);
        }
        let Some(target) = self.object_target() else {
            return self.flash(strings::NOTHING_SELECTED, Level::Warn);
        };
        self.request(Request::Edit(target));
    }

    /// An edit waiting for the terminal (taken out of the requests by the event loop).
    pub fn take_edit(&mut self) -> Option<ObjectTarget> {
        let i = self
            .requests
            .iter()
            .position(|r| matches!(r, Request::Edit(_)))?;
        match self.requests.remove(i) {
            Request::Edit(t) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "42",
                         "managedFields": [{"manager": "kubectl"}], "uid": "u-1"},
            "spec": {"replicas": 2},
            "status": {"readyReplicas": 2}
        })
    }

    #[test]
    fn the_file_has_no_managed_fields_nor_status_but_keeps_the_version() {
        let e = editable(&live());
        assert!(e.get("status").is_none());
        assert!(e.pointer("/metadata/managedFields").is_none());
        assert_eq!(e.pointer("/metadata/resourceVersion"), Some(&json!("42")));
        let text = document(&[], &to_yaml(&e).unwrap());
        assert!(text.starts_with("# Edit the object"), "{text}");
        assert_eq!(parse(&text), Saved::Object(e));
    }

    #[test]
    fn errors_go_in_the_header_and_a_new_save_replaces_them() {
        let yaml = to_yaml(&editable(&live())).unwrap();
        let first = document(&["Conflict: the object has been modified".into()], &yaml);
        assert!(
            first.contains("#   Conflict: the object has been modified\n"),
            "{first}"
        );
        assert_eq!(body(&first), yaml);
        let second = document(&["invalid YAML: x".into()], body(&first));
        assert!(!second.contains("Conflict"), "{second}");
        assert!(second.contains("#   invalid YAML: x"), "{second}");
    }

    #[test]
    fn empty_and_invalid_files() {
        assert_eq!(parse("# only\n\n  # comments\n"), Saved::Empty);
        assert!(matches!(parse("spec: [1,\n"), Saved::Invalid(e) if e.starts_with("invalid YAML")));
        assert!(matches!(parse("- a\n- b\n"), Saved::Invalid(_)));
    }

    #[test]
    fn the_update_keeps_status_and_the_version_read() {
        let mut saved = editable(&live());
        saved["spec"]["replicas"] = json!(3);
        saved["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("resourceVersion");
        let body = update_body(&saved, &live());
        assert_eq!(body["status"], json!({"readyReplicas": 2}));
        assert_eq!(body["metadata"]["resourceVersion"], json!("42"));
        assert_eq!(body["spec"]["replicas"], json!(3));
    }

    #[test]
    fn after_a_conflict_the_users_changes_go_over_the_newest_version() {
        let original = editable(&live());
        let mut saved = original.clone();
        saved["spec"]["replicas"] = json!(3);
        saved["metadata"]["labels"] = json!({"tier": "web"});
        let mut latest = live();
        latest["metadata"]["resourceVersion"] = json!("50");
        latest["metadata"]["annotations"] = json!({"other": "change"});
        let r = rebase(&original, &saved, &latest);
        assert_eq!(r["spec"]["replicas"], json!(3));
        assert_eq!(r["metadata"]["labels"], json!({"tier": "web"}));
        assert_eq!(r["metadata"]["annotations"], json!({"other": "change"}));
        assert_eq!(r["metadata"]["resourceVersion"], json!("50"));
        assert!(r.get("status").is_none());
        // A removed field is removed from the newest version too.
        let mut removed = original.clone();
        removed["metadata"].as_object_mut().unwrap().remove("uid");
        assert!(
            rebase(&original, &removed, &latest)
                .pointer("/metadata/uid")
                .is_none()
        );
    }

    #[test]
    fn changed_paths_ignore_server_noise() {
        let a = live();
        let mut b = live();
        b["metadata"]["resourceVersion"] = json!("43");
        b["spec"]["replicas"] = json!(5);
        b["metadata"]["labels"] = json!({"x": "y"});
        assert_eq!(changed_paths(&a, &b), ["metadata.labels", "spec.replicas"]);
    }
}
