//! A `kubectl describe`-like text built from an object and the events about it.

use std::sync::Arc;

use crate::model::object::Obj;
use crate::model::object::{Key, Value};
use jiff::Timestamp;

use super::columns::{age, pod_status};
use super::jsonpath::scalar_text;
use crate::model::ResourceKind;

const LABEL_W: usize = 16;

fn field(out: &mut Vec<String>, label: &str, value: &str) {
    out.push(format!("{:<w$}{value}", format!("{label}:"), w = LABEL_W));
}

fn map_field(
    out: &mut Vec<String>,
    label: &str,
    map: Option<&std::collections::BTreeMap<String, String>>,
) {
    match map.filter(|m| !m.is_empty()) {
        None => field(out, label, "<none>"),
        Some(m) => {
            for (i, (k, v)) in m.iter().enumerate() {
                let v = if v.len() > 120 {
                    format!("{}…", &v[..v.floor_char_boundary(120)])
                } else {
                    v.clone()
                };
                if i == 0 {
                    field(out, label, &format!("{k}={v}"));
                } else {
                    out.push(format!("{:LABEL_W$}{k}={v}", ""));
                }
            }
        }
    }
}

/// Renders a JSON value as an indented tree (`key: value`, `- item`).
fn tree(out: &mut Vec<String>, v: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match x {
                    Value::Object(m) if !m.is_empty() => {
                        out.push(format!("{pad}{k}:"));
                        tree(out, x, indent + 2);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push(format!("{pad}{k}:"));
                        tree(out, x, indent + 2);
                    }
                    other => out.push(format!("{pad}{k}: {}", short(other))),
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter() {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        let mut sub = Vec::new();
                        tree(&mut sub, item, indent + 2);
                        for (i, line) in sub.into_iter().enumerate() {
                            if i == 0 {
                                out.push(format!("{pad}- {}", line.trim_start()));
                            } else {
                                out.push(line);
                            }
                        }
                    }
                    other => out.push(format!("{pad}- {}", short(other))),
                }
            }
        }
        other => out.push(format!("{pad}{}", short(other))),
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        other => scalar_text(other),
    }
}

fn container_state(state: &Value) -> String {
    if let Some(r) = state.get("running") {
        return format!(
            "Running (started {})",
            r["startedAt"].as_str().unwrap_or("?")
        );
    }
    if let Some(w) = state.get("waiting") {
        return format!("Waiting ({})", w["reason"].as_str().unwrap_or("?"));
    }
    if let Some(t) = state.get("terminated") {
        return format!(
            "Terminated ({}, exit code {})",
            t["reason"].as_str().unwrap_or("?"),
            t["exitCode"].as_i64().unwrap_or(0)
        );
    }
    "<unknown>".into()
}

fn describe_pod(out: &mut Vec<String>, obj: &Obj) {
    let spec = &obj.data["spec"];
    let status = &obj.data["status"];
    field(out, "Node", spec["nodeName"].as_str().unwrap_or("<none>"));
    field(out, "Status", &pod_status(obj));
    field(out, "IP", status["podIP"].as_str().unwrap_or("<none>"));
    field(
        out,
        "QoS Class",
        status["qosClass"].as_str().unwrap_or("<none>"),
    );
    if let Some(sa) = spec["serviceAccountName"].as_str() {
        field(out, "Service Acct", sa);
    }
    let statuses = status["containerStatuses"].as_array().unwrap_or_default();
    for (title, key) in [
        ("Init Containers", "initContainers"),
        ("Containers", "containers"),
    ] {
        let Some(containers) = spec[key].as_array().filter(|c| !c.is_empty()) else {
            continue;
        };
        out.push(format!("{title}:"));
        let statuses = if key == "containers" {
            statuses
        } else {
            status["initContainerStatuses"]
                .as_array()
                .unwrap_or_default()
        };
        for c in containers {
            let name = c["name"].as_str().unwrap_or("?");
            out.push(format!("  {name}:"));
            out.push(format!(
                "    Image:      {}",
                c["image"].as_str().unwrap_or("?")
            ));
            if let Some(ports) = c["ports"].as_array() {
                let p: Vec<String> = ports
                    .iter()
                    .map(|p| {
                        format!(
                            "{}/{}",
                            p["containerPort"],
                            p["protocol"].as_str().unwrap_or("TCP")
                        )
                    })
                    .collect();
                out.push(format!("    Ports:      {}", p.join(", ")));
            }
            if let Some(st) = statuses.iter().find(|s| s["name"].as_str() == Some(name)) {
                out.push(format!("    State:      {}", container_state(&st["state"])));
                if st["lastState"].as_object().is_some_and(|m| !m.is_empty()) {
                    out.push(format!(
                        "    Last State: {}",
                        container_state(&st["lastState"])
                    ));
                }
                out.push(format!(
                    "    Ready:      {}",
                    st["ready"].as_bool().unwrap_or(false)
                ));
                out.push(format!(
                    "    Restarts:   {}",
                    st["restartCount"].as_i64().unwrap_or(0)
                ));
            }
        }
    }
    if let Some(conds) = status["conditions"].as_array().filter(|c| !c.is_empty()) {
        out.push("Conditions:".into());
        // The Type column is as wide as its longest value (PodReadyToStartContainers),
        // two spaces before Status, as kubectl aligns it.
        let width = conds
            .iter()
            .map(|c| c["type"].as_str().unwrap_or("?").chars().count())
            .max()
            .unwrap_or(0)
            .max("Type".len());
        out.push(format!("  {:<width$}  Status", "Type"));
        for c in conds {
            out.push(format!(
                "  {:<width$}  {}",
                c["type"].as_str().unwrap_or("?"),
                c["status"].as_str().unwrap_or("?")
            ));
        }
    }
}

/// Whether an event is about this object.
pub(crate) fn event_is_about(ev: &Obj, kind: &ResourceKind, obj: &Obj) -> bool {
    let io = &ev.data["involvedObject"];
    let io = if io.is_object() {
        io
    } else {
        &ev.data["regarding"]
    };
    io["name"].as_str() == obj.metadata.name.as_deref()
        && io["kind"].as_str() == Some(kind.kind.as_str())
        && (obj.metadata.namespace.is_none()
            || io["namespace"].as_str() == obj.metadata.namespace.as_deref())
}

fn event_time(ev: &Obj) -> Option<Timestamp> {
    ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .find_map(|f| {
            ev.data[*f]
                .as_str()
                .and_then(|s| s.parse::<Timestamp>().ok())
        })
        .or_else(|| ev.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// The describe text. `events` are all events of the namespace (filtered here), or `None`
/// while they are loading.
pub(crate) fn describe(
    kind: &ResourceKind,
    obj: &Obj,
    events: Option<&[Arc<Obj>]>,
    now: Timestamp,
) -> Vec<String> {
    let mut out = Vec::new();
    let meta = &obj.metadata;
    field(&mut out, "Name", meta.name.as_deref().unwrap_or(""));
    if let Some(ns) = &meta.namespace {
        field(&mut out, "Namespace", ns);
    }
    field(
        &mut out,
        "Kind",
        &format!("{} ({})", kind.kind, kind.api_version()),
    );
    map_field(&mut out, "Labels", meta.labels.as_ref());
    let annotations = meta.annotations.as_ref().map(|a| {
        a.iter()
            .filter(|(k, _)| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    });
    map_field(&mut out, "Annotations", annotations.as_ref());
    if let Some(t) = &meta.creation_timestamp {
        field(
            &mut out,
            "Created",
            &format!("{} ({} ago)", t.0, age(t.0, now)),
        );
    }
    if let Some(owners) = meta.owner_references.as_ref().filter(|o| !o.is_empty()) {
        let o: Vec<String> = owners
            .iter()
            .map(|o| format!("{}/{}", o.kind, o.name))
            .collect();
        field(&mut out, "Controlled By", &o.join(", "));
    }
    if let Some(why) = &obj.invalid {
        field(
            &mut out,
            "Invalid",
            &format!("could not be read whole: {why}"),
        );
    }
    if kind.full_name() == "pods" {
        describe_pod(&mut out, obj);
    } else if kind.full_name() == "secrets" {
        describe_secret(&mut out, obj);
    } else if let Value::Object(map) = &obj.data {
        for (k, v) in map {
            if k == "apiVersion" || k == "kind" {
                continue;
            }
            let mut title: Vec<char> = k.chars().collect();
            if let Some(f) = title.first_mut() {
                *f = f.to_ascii_uppercase();
            }
            let title: String = title.into_iter().collect();
            match v {
                Value::Object(m) if !m.is_empty() => {
                    out.push(format!("{title}:"));
                    tree(&mut out, v, 2);
                }
                Value::Array(a) if !a.is_empty() => {
                    out.push(format!("{title}:"));
                    tree(&mut out, v, 2);
                }
                other => field(&mut out, &title, &short(other)),
            }
        }
    }
    match events {
        None => field(&mut out, "Events", "<loading>"),
        Some(all) => {
            let mut mine: Vec<&Arc<Obj>> = all
                .iter()
                .filter(|e| event_is_about(e, kind, obj))
                .collect();
            if mine.is_empty() {
                field(&mut out, "Events", "<none>");
            } else {
                mine.sort_by_key(|e| event_time(e));
                out.push("Events:".into());
                out.push(format!(
                    "  {:<8} {:<20} {:<6} {:<20} Message",
                    "Type", "Reason", "Age", "From"
                ));
                out.push(format!(
                    "  {:<8} {:<20} {:<6} {:<20} -------",
                    "----", "------", "---", "----"
                ));
                for e in mine {
                    let from = e.data["source"]["component"]
                        .as_str()
                        .or_else(|| e.data["reportingComponent"].as_str())
                        .unwrap_or("");
                    out.push(format!(
                        "  {:<8} {:<20} {:<6} {:<20} {}",
                        e.data["type"].as_str().unwrap_or(""),
                        e.data["reason"].as_str().unwrap_or(""),
                        event_time(e).map(|t| age(t, now)).unwrap_or_default(),
                        from,
                        e.data["message"].as_str().unwrap_or("").replace('\n', " ")
                    ));
                }
            }
        }
    }
    out
}

/// Bytes of a Secret value (base64 in `data`, text in `stringData`).
fn secret_size(v: &Value, encoded: bool) -> usize {
    use base64::Engine;
    let text = v.as_str().unwrap_or("");
    if encoded {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_or(text.len(), |b| b.len())
    } else {
        text.len()
    }
}

/// A Secret as `kubectl describe` shows it: the type, and each key with its size; never
/// a value.
fn describe_secret(out: &mut Vec<String>, obj: &Obj) {
    field(out, "Type", obj.data["type"].as_str().unwrap_or("Opaque"));
    out.push(String::new());
    out.push("Data".into());
    out.push("====".into());
    let mut any = false;
    for (section, encoded) in [("data", true), ("stringData", false)] {
        if let Value::Object(map) = &obj.data[section] {
            for (k, v) in map {
                out.push(format!("{k}:  {} bytes", secret_size(v, encoded)));
                any = true;
            }
        }
    }
    if !any {
        out.push("<none>".into());
    }
}

/// What the YAML view shows instead of a Secret's value.
pub(crate) fn hidden_value(bytes: usize) -> String {
    format!("<hidden: {bytes} bytes>")
}

/// The YAML view text (without `managedFields`, as k9s shows it), with every Secret value
/// hidden.
#[cfg(test)]
fn yaml(obj: &Obj) -> Vec<String> {
    yaml_revealing(obj, None)
}

/// The YAML view text (without `managedFields`, as k9s shows it). A Secret's values are
/// hidden (their sizes shown), except the key named in `reveal`.
pub(crate) fn yaml_revealing(obj: &Obj, reveal: Option<&str>) -> Vec<String> {
    let mut o = obj.clone();
    o.metadata.managed_fields = None;
    let is_secret = o
        .types
        .as_ref()
        .is_some_and(|t| t.kind == "Secret" && t.api_version == "v1");
    if is_secret {
        hide_secret_values(&mut o, reveal);
    }
    match serde_saphyr::to_string(&o) {
        Ok(s) => s.lines().map(str::to_string).collect(),
        Err(e) => vec![format!("cannot render YAML: {e}")],
    }
}

/// Replaces every Secret value by its size, except `reveal` (shown decoded, as text).
fn hide_secret_values(o: &mut Obj, reveal: Option<&str>) {
    use base64::Engine;
    if let Some(ann) = o.metadata.annotations.as_mut()
        && let Some(v) = ann.get_mut("kubectl.kubernetes.io/last-applied-configuration")
    {
        *v = hidden_value(v.len());
    }
    let Value::Object(fields) = &o.data else {
        return;
    };
    let hide = |map: &crate::model::object::Map, encoded: bool| -> Value {
        Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = if reveal == Some(k) {
                        let text = v.as_str().unwrap_or("");
                        if encoded {
                            base64::engine::general_purpose::STANDARD
                                .decode(text.trim())
                                .map(|b| String::from_utf8_lossy(&b).into_owned())
                                .unwrap_or_else(|_| text.to_string())
                        } else {
                            text.to_string()
                        }
                    } else {
                        hidden_value(secret_size(v, encoded))
                    };
                    (Key::new(k), Value::from(shown.as_str()))
                })
                .collect(),
        )
    };
    let data = fields
        .iter()
        .map(|(k, v)| {
            let v = match (k, v) {
                ("data", Value::Object(m)) => hide(m, true),
                ("stringData", Value::Object(m)) => hide(m, false),
                _ => v.clone(),
            };
            (Key::new(k), v)
        })
        .collect();
    o.data = Value::Object(data);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Catalog;

    fn obj(v: serde_json::Value) -> Obj {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn describes_a_deployment_with_events() {
        let kind = Catalog::builtin().resolve("deploy").unwrap();
        let d = obj(
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}, "creationTimestamp": "2025-01-10T11:00:00Z"},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "a", "image": "nginx"}]}}},
            "status": {"readyReplicas": 2}}),
        );
        let ev = Arc::new(obj(serde_json::json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web.1", "namespace": "shop"},
            "involvedObject": {"kind": "Deployment", "name": "web", "namespace": "shop"},
            "type": "Normal", "reason": "ScalingReplicaSet", "message": "Scaled up to 2",
            "lastTimestamp": "2025-01-10T11:58:00Z", "source": {"component": "deployment-controller"}})));
        let other = Arc::new(obj(serde_json::json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "db.1", "namespace": "shop"},
            "involvedObject": {"kind": "Deployment", "name": "db", "namespace": "shop"}, "reason": "X"})));
        let now: Timestamp = "2025-01-10T12:00:00Z".parse().unwrap();
        let text = describe(&kind, &d, Some(&[ev, other]), now).join("\n");
        assert!(text.contains("Name:           web"), "{text}");
        assert!(text.contains("Labels:         app=web"), "{text}");
        assert!(text.contains("Spec:\n  replicas: 2"), "{text}");
        assert!(
            text.contains("      - name: a\n        image: nginx") || text.contains("- name: a"),
            "{text}"
        );
        assert!(text.contains("ScalingReplicaSet"), "{text}");
        assert!(!text.contains("db.1") && !text.contains(" X "), "{text}");
        assert!(
            describe(&kind, &d, None, now)
                .last()
                .unwrap()
                .contains("<loading>")
        );
    }

    #[test]
    fn yaml_drops_managed_fields() {
        let d = obj(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "managedFields": [{"manager": "kubectl"}]}, "data": {"k": "v"}}));
        let text = yaml(&d).join("\n");
        assert!(text.contains("name: c"), "{text}");
        assert!(!text.contains("managedFields"), "{text}");
        assert!(text.contains("k: v"), "{text}");
    }

    #[test]
    fn secrets_show_sizes_never_values() {
        use base64::Engine;
        let key = "AGE-SECRET-KEY-1PLANTEDSECRETNEVERTOBESEENONSCREEN";
        let b64 = base64::engine::general_purpose::STANDARD.encode(key);
        let kind = Catalog::builtin().resolve("secrets").unwrap();
        let s = obj(serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "helm-secrets-private-keys", "namespace": "argo",
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": format!("{{\"data\":{{\"key.txt\":\"{b64}\"}}}}")}},
            "type": "Opaque", "data": {"key.txt": b64.clone(), "empty": ""}}));
        let now: Timestamp = "2025-01-10T12:00:00Z".parse().unwrap();
        let text = describe(&kind, &s, Some(&[]), now).join("\n");
        assert!(
            text.contains(&format!("key.txt:  {} bytes", key.len())),
            "{text}"
        );
        assert!(text.contains("empty:  0 bytes"), "{text}");
        assert!(text.contains("Type:           Opaque"), "{text}");
        let yaml_text = yaml(&s).join("\n");
        for text in [&text, &yaml_text] {
            assert!(!text.contains(&b64) && !text.contains(key), "{text}");
        }
        assert!(yaml_text.contains(&hidden_value(key.len())), "{yaml_text}");
        // One key revealed on request: that value, decoded; the others stay hidden.
        let revealed = yaml_revealing(&s, Some("key.txt")).join("\n");
        assert!(revealed.contains(key), "{revealed}");
        assert!(revealed.contains(&hidden_value(0)), "{revealed}");
        assert!(!revealed.contains(&b64), "{revealed}");
    }

    #[test]
    fn an_unreadable_object_says_why() {
        let kind = Catalog::builtin().resolve("cm").unwrap();
        let bad = obj(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "bad", "labels": ["x"]}, "data": {"k": "v"}}));
        let now: Timestamp = "2025-01-10T12:00:00Z".parse().unwrap();
        let text = describe(&kind, &bad, Some(&[]), now).join("\n");
        assert!(
            text.contains("Invalid:") && text.contains("metadata.labels"),
            "{text}"
        );
        assert!(text.contains("k: v"), "{text}");
    }

    #[test]
    fn pod_conditions_are_aligned_columns() {
        let kind = Catalog::builtin().resolve("pods").unwrap();
        let p = obj(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "a", "image": "nginx"}]},
            "status": {"phase": "Running", "conditions": [
                {"type": "PodReadyToStartContainers", "status": "True"},
                {"type": "Ready", "status": "False"}]}}));
        let now: Timestamp = "2025-01-10T12:00:00Z".parse().unwrap();
        let text = describe(&kind, &p, Some(&[]), now).join("\n");
        assert!(
            text.contains(
                "  Type                       Status\n  PodReadyToStartContainers  True\n  Ready                      False"
            ),
            "{text}"
        );
    }
}
