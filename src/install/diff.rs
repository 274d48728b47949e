//! A field-by-field diff of two versions of one object (the live object and the result of a
//! server-side dry-run apply), with values, as `kubectl diff` shows them: lists of named
//! items (containers, env, volumes, ports) are matched by name, server bookkeeping
//! (resourceVersion, managedFields, generation, status) is left out, and a Secret's values
//! are never shown.

use serde_json::Value;

/// Longest value shown in a diff line.
const MAX_VALUE: usize = 96;

/// Metadata fields the server maintains; a change there is not a change the user makes.
const BOOKKEEPING: &[&str] = &[
    "resourceVersion",
    "managedFields",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
];

/// The differences from `live` to `after` as lines: `~ spec.replicas: 2 → 1`,
/// `+ spec.template.spec.containers[name=x]: {…}`, `- data.y: "v"`. `secret` redacts values.
pub(crate) fn field_diff(live: &Value, after: &Value, secret: bool) -> Vec<String> {
    let mut out = Vec::new();
    let (Some(l), Some(a)) = (live.as_object(), after.as_object()) else {
        return out;
    };
    for key in union(l.keys(), a.keys()) {
        if key == "status" {
            continue;
        }
        let (lv, av) = (l.get(&key), a.get(&key));
        if key == "metadata" {
            let strip = |v: Option<&Value>| {
                let mut v = v.cloned().unwrap_or(Value::Null);
                if let Some(m) = v.as_object_mut() {
                    for k in BOOKKEEPING {
                        m.remove(*k);
                    }
                }
                v
            };
            walk(&strip(lv), &strip(av), "metadata", secret, &mut out);
            continue;
        }
        match (lv, av) {
            (Some(lv), Some(av)) => walk(lv, av, &key, secret, &mut out),
            (Some(lv), None) => out.push(format!("- {key}: {}", show(lv, secret))),
            (None, Some(av)) => out.push(format!("+ {key}: {}", show(av, secret))),
            (None, None) => {}
        }
    }
    out
}

fn union<'a>(
    a: impl Iterator<Item = &'a String>,
    b: impl Iterator<Item = &'a String>,
) -> Vec<String> {
    let mut keys: Vec<String> = a.cloned().collect();
    for k in b {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys
}

fn child(prefix: &str, key: &str) -> String {
    if key.contains('.') || key.contains('/') || key.contains(' ') {
        format!("{prefix}[{key:?}]")
    } else if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The name of a list item, when it has one (the merge key of most Kubernetes lists).
fn item_name(v: &Value) -> Option<&str> {
    v.get("name").and_then(Value::as_str)
}

fn named_list(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| item_name(i).is_some())
}

fn walk(live: &Value, after: &Value, path: &str, secret: bool, out: &mut Vec<String>) {
    if same(live, after) {
        return;
    }
    match (live, after) {
        (Value::Object(l), Value::Object(a)) => {
            for key in union(l.keys(), a.keys()) {
                let p = child(path, &key);
                match (l.get(&key), a.get(&key)) {
                    (Some(lv), Some(av)) => walk(lv, av, &p, secret, out),
                    (Some(lv), None) => out.push(format!("- {p}: {}", show(lv, secret))),
                    (None, Some(av)) => out.push(format!("+ {p}: {}", show(av, secret))),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(l), Value::Array(a))
            if (named_list(l) || l.is_empty()) && (named_list(a) || a.is_empty()) =>
        {
            for item in l {
                let name = item_name(item).unwrap_or("");
                let p = format!("{path}[name={name}]");
                match a.iter().find(|x| item_name(x) == Some(name)) {
                    Some(other) => walk(item, other, &p, secret, out),
                    None => out.push(format!("- {p}: {}", show(item, secret))),
                }
            }
            for item in a {
                let name = item_name(item).unwrap_or("");
                if !l.iter().any(|x| item_name(x) == Some(name)) {
                    out.push(format!("+ {path}[name={name}]: {}", show(item, secret)));
                }
            }
        }
        _ => out.push(format!(
            "~ {path}: {} → {}",
            show(live, secret),
            show(after, secret)
        )),
    }
}

/// Equal values (numbers compared by value: 1 and 1.0 are one value).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// A value as one short line: compact JSON, multi-line strings shortened.
pub(crate) fn show(v: &Value, secret: bool) -> String {
    if secret {
        return "<redacted>".into();
    }
    let text = match v {
        Value::String(s) if s.contains('\n') => {
            let first = s.lines().next().unwrap_or("");
            format!("{first:?}… ({} lines)", s.lines().count())
        }
        other => other.to_string(),
    };
    if text.chars().count() > MAX_VALUE {
        let cut: String = text.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Named items (containers, init containers) the result of an apply would hold beside the
/// ones the manifest names: server-side apply merges these lists by name, so a live
/// container named differently from the manifest's is kept and both run. Returns
/// `(path, names kept, names added)` per list.
pub(crate) fn merged_lists(
    desired: &Value,
    after: &Value,
) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut out = Vec::new();
    for list in ["containers", "initContainers"] {
        let pointer = format!("/spec/template/spec/{list}");
        let (Some(want), Some(got)) = (
            desired.pointer(&pointer).and_then(Value::as_array),
            after.pointer(&pointer).and_then(Value::as_array),
        ) else {
            continue;
        };
        let wanted: Vec<&str> = want.iter().filter_map(item_name).collect();
        let extra: Vec<String> = got
            .iter()
            .filter_map(item_name)
            .filter(|n| !wanted.contains(n))
            .map(str::to_string)
            .collect();
        if !extra.is_empty() {
            out.push((
                format!("spec.template.spec.{list}"),
                extra,
                wanted.iter().map(|s| s.to_string()).collect(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_and_named_lists() {
        let live = json!({
            "metadata": {"name": "s", "resourceVersion": "1", "managedFields": [{}]},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "redis", "image": "redis:7.0"}]}}},
            "status": {"replicas": 2}
        });
        let after = json!({
            "metadata": {"name": "s", "resourceVersion": "2"},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "redis", "image": "redis:7.2"},
                {"name": "argocd-redis", "image": "redis:7.2"}]}}},
            "status": {"replicas": 1}
        });
        let lines = field_diff(&live, &after, false);
        assert_eq!(
            lines,
            vec![
                "~ spec.replicas: 2 → 1",
                "~ spec.template.spec.containers[name=redis].image: \"redis:7.0\" → \"redis:7.2\"",
                "+ spec.template.spec.containers[name=argocd-redis]: {\"name\":\"argocd-redis\",\"image\":\"redis:7.2\"}",
            ]
        );
        assert!(field_diff(&live, &live, false).is_empty());
    }

    #[test]
    fn secrets_are_redacted_and_dotted_keys_quoted() {
        let live = json!({"data": {"key.txt": "b2xk"}});
        let after = json!({"data": {"key.txt": "bmV3"}});
        assert_eq!(
            field_diff(&live, &after, true),
            vec!["~ data[\"key.txt\"]: <redacted> → <redacted>"]
        );
    }

    #[test]
    fn merged_container_lists_are_found() {
        let desired =
            json!({"spec": {"template": {"spec": {"containers": [{"name": "argocd-redis"}]}}}});
        let after = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "redis"}, {"name": "argocd-redis"}]}}}});
        let m = merged_lists(&desired, &after);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].1, vec!["redis"]);
        assert!(merged_lists(&desired, &desired).is_empty());
    }
}
