//! `meta.k8s.io/v1` Table responses (`Accept: application/json;as=Table;…`), the way
//! `kubectl get` prints: the columns of the built-in kinds as the API server's printers
//! define them, and CRD `additionalPrinterColumns`.

use serde_json::{Value, json};

use super::registry::{PrinterColumn, ResourceKind};
use crate::domain::duration::human_duration;

/// (name, type, priority)
type Col = (&'static str, &'static str, i64);

fn columns(rt: &ResourceKind) -> Vec<Col> {
    let age = ("Age", "string", 0);
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Pod") => vec![
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            age,
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ],
        ("", "Node") => vec![
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Roles", "string", 0),
            age,
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        ("", "Namespace") => vec![("Name", "string", 0), ("Status", "string", 0), age],
        ("", "Service") => vec![
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            age,
            ("Selector", "string", 1),
        ],
        ("", "ConfigMap") => vec![("Name", "string", 0), ("Data", "string", 0), age],
        ("", "Secret") => vec![
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Data", "integer", 0),
            age,
        ],
        ("", "ServiceAccount") => vec![("Name", "string", 0), ("Secrets", "integer", 0), age],
        ("", "Event") => vec![
            ("Last Seen", "string", 0),
            ("Type", "string", 0),
            ("Reason", "string", 0),
            ("Object", "string", 0),
            ("Message", "string", 0),
        ],
        ("apps", "Deployment") => vec![
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "string", 0),
            ("Available", "string", 0),
            age,
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        ("apps", "ReplicaSet") => vec![
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            age,
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        ("apps", "StatefulSet") => vec![
            ("Name", "string", 0),
            ("Ready", "string", 0),
            age,
            ("Containers", "string", 1),
            ("Images", "string", 1),
        ],
        ("apps", "DaemonSet") => vec![
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            age,
            ("Containers", "string", 1),
            ("Images", "string", 1),
        ],
        ("policy", "PodDisruptionBudget") => vec![
            ("Name", "string", 0),
            ("Min Available", "string", 0),
            ("Max Unavailable", "string", 0),
            ("Allowed Disruptions", "integer", 0),
            age,
        ],
        ("coordination.k8s.io", "Lease") => {
            vec![("Name", "string", 0), ("Holder", "string", 0), age]
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            vec![("Name", "string", 0), ("Created At", "date", 0)]
        }
        _ => vec![("Name", "string", 0), age],
    }
}

/// Age of an RFC 3339 timestamp, or `<unknown>`.
pub(crate) fn age(ts: Option<&str>) -> String {
    let Some(ts) = ts.and_then(|t| t.parse::<jiff::Timestamp>().ok()) else {
        return "<unknown>".into();
    };
    human_duration(jiff::Timestamp::now().as_second() - ts.as_second())
}

fn s<'a>(obj: &'a Value, ptr: &str) -> &'a str {
    obj.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn n(obj: &Value, ptr: &str) -> i64 {
    obj.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

fn arr<'a>(obj: &'a Value, ptr: &str) -> &'a [Value] {
    obj.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn or_none(text: String) -> String {
    if text.is_empty() {
        "<none>".into()
    } else {
        text
    }
}

fn containers_images(obj: &Value) -> (String, String) {
    let cs = arr(obj, "/spec/template/spec/containers");
    let names: Vec<&str> = cs.iter().map(|c| s(c, "/name")).collect();
    let images: Vec<&str> = cs.iter().map(|c| s(c, "/image")).collect();
    (names.join(","), images.join(","))
}

fn selector_text(obj: &Value) -> String {
    let Some(sel) = obj.pointer("/spec/selector") else {
        return "<none>".into();
    };
    let mut parts: Vec<String> = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    if parts.is_empty()
        && let Some(m) = sel.as_object()
        && sel.get("matchExpressions").is_none()
    {
        parts = m
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect();
    }
    or_none(parts.join(","))
}

/// Pod STATUS as kubectl shows it (reason of a waiting/terminated container wins).
pub(crate) fn pod_status(pod: &Value) -> String {
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        return "Terminating".into();
    }
    let mut reason = s(pod, "/status/reason").to_string();
    if reason.is_empty() {
        reason = s(pod, "/status/phase").to_string();
    }
    for c in arr(pod, "/status/containerStatuses") {
        let waiting = s(c, "/state/waiting/reason");
        let terminated = s(c, "/state/terminated/reason");
        if !waiting.is_empty() {
            reason = waiting.to_string();
        } else if !terminated.is_empty() {
            reason = terminated.to_string();
        }
    }
    if reason.is_empty() {
        "Unknown".into()
    } else {
        reason
    }
}

fn pod_cells(pod: &Value) -> Vec<Value> {
    let statuses = arr(pod, "/status/containerStatuses");
    let total = arr(pod, "/spec/containers").len();
    let ready = statuses
        .iter()
        .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
        .count();
    let restarts: i64 = statuses.iter().map(|c| n(c, "/restartCount")).sum();
    let last_restart = statuses
        .iter()
        .filter_map(|c| {
            c.pointer("/lastState/terminated/finishedAt")
                .and_then(Value::as_str)
        })
        .max();
    let restarts = match (restarts, last_restart) {
        (r, Some(t)) if r > 0 => format!("{r} ({} ago)", age(Some(t))),
        (r, _) => r.to_string(),
    };
    vec![
        json!(s(pod, "/metadata/name")),
        json!(format!("{ready}/{total}")),
        json!(pod_status(pod)),
        json!(restarts),
        json!(age(pod
            .pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str))),
        json!(or_none(s(pod, "/status/podIP").to_string())),
        json!(or_none(s(pod, "/spec/nodeName").to_string())),
        json!(or_none(s(pod, "/status/nominatedNodeName").to_string())),
        json!("<none>"),
    ]
}

fn node_cells(node: &Value) -> Vec<Value> {
    let ready = arr(node, "/status/conditions")
        .iter()
        .find(|c| s(c, "/type") == "Ready")
        .map(|c| {
            if s(c, "/status") == "True" {
                "Ready"
            } else {
                "NotReady"
            }
        })
        .unwrap_or("Unknown");
    let mut status = ready.to_string();
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<String> = node
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.keys()
                .filter_map(|k| {
                    k.strip_prefix("node-role.kubernetes.io/")
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    let addr = |t: &str| {
        arr(node, "/status/addresses")
            .iter()
            .find(|a| s(a, "/type") == t)
            .map(|a| s(a, "/address").to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    vec![
        json!(s(node, "/metadata/name")),
        json!(status),
        json!(or_none(roles.join(","))),
        json!(age(node
            .pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str))),
        json!(s(node, "/status/nodeInfo/kubeletVersion")),
        json!(addr("InternalIP")),
        json!(addr("ExternalIP")),
        json!(s(node, "/status/nodeInfo/osImage")),
        json!(s(node, "/status/nodeInfo/kernelVersion")),
        json!(s(node, "/status/nodeInfo/containerRuntimeVersion")),
    ]
}

fn service_cells(svc: &Value, created: &str) -> Vec<Value> {
    let ports: Vec<String> = arr(svc, "/spec/ports")
        .iter()
        .map(|p| {
            let port = n(p, "/port");
            let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
            match p.get("nodePort").and_then(Value::as_i64) {
                Some(np) => format!("{port}:{np}/{proto}"),
                None => format!("{port}/{proto}"),
            }
        })
        .collect();
    let typ = s(svc, "/spec/type");
    let external: Vec<String> = arr(svc, "/status/loadBalancer/ingress")
        .iter()
        .map(|i| {
            let ip = s(i, "/ip");
            if ip.is_empty() {
                s(i, "/hostname").to_string()
            } else {
                ip.to_string()
            }
        })
        .collect();
    let external = if !external.is_empty() {
        external.join(",")
    } else if typ == "LoadBalancer" {
        "<pending>".into()
    } else {
        "<none>".into()
    };
    let selector = svc
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    vec![
        json!(s(svc, "/metadata/name")),
        json!(typ),
        json!(or_none(s(svc, "/spec/clusterIP").to_string())),
        json!(external),
        json!(or_none(ports.join(","))),
        json!(created),
        json!(or_none(selector)),
    ]
}

fn cells(rt: &ResourceKind, obj: &Value) -> Vec<Value> {
    let name = json!(s(obj, "/metadata/name"));
    let created = age(obj
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str));
    let data_len = |p: &str| {
        obj.pointer(p)
            .and_then(Value::as_object)
            .map(|m| m.len())
            .unwrap_or(0)
    };
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Pod") => pod_cells(obj),
        ("", "Node") => node_cells(obj),
        ("", "Namespace") => vec![name, json!(s(obj, "/status/phase")), json!(created)],
        ("", "Service") => service_cells(obj, &created),
        ("", "ConfigMap") => vec![
            name,
            json!(data_len("/data") + data_len("/binaryData")),
            json!(created),
        ],
        ("", "Secret") => vec![
            name,
            json!(s(obj, "/type")),
            json!(data_len("/data")),
            json!(created),
        ],
        ("", "ServiceAccount") => vec![name, json!(arr(obj, "/secrets").len()), json!(created)],
        ("", "Event") => {
            let last = [
                "/lastTimestamp",
                "/eventTime",
                "/metadata/creationTimestamp",
            ]
            .iter()
            .find_map(|p| obj.pointer(p).and_then(Value::as_str));
            let kind = s(obj, "/involvedObject/kind").to_ascii_lowercase();
            vec![
                json!(age(last)),
                json!(s(obj, "/type")),
                json!(s(obj, "/reason")),
                json!(format!("{kind}/{}", s(obj, "/involvedObject/name"))),
                json!(s(obj, "/message")),
            ]
        }
        ("apps", "Deployment") => {
            let (c, i) = containers_images(obj);
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    n(obj, "/status/readyReplicas"),
                    n(obj, "/spec/replicas")
                )),
                json!(n(obj, "/status/updatedReplicas")),
                json!(n(obj, "/status/availableReplicas")),
                json!(created),
                json!(c),
                json!(i),
                json!(selector_text(obj)),
            ]
        }
        ("apps", "ReplicaSet") => {
            let (c, i) = containers_images(obj);
            vec![
                name,
                json!(n(obj, "/spec/replicas")),
                json!(n(obj, "/status/replicas")),
                json!(n(obj, "/status/readyReplicas")),
                json!(created),
                json!(c),
                json!(i),
                json!(selector_text(obj)),
            ]
        }
        ("apps", "StatefulSet") => {
            let (c, i) = containers_images(obj);
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    n(obj, "/status/readyReplicas"),
                    n(obj, "/spec/replicas")
                )),
                json!(created),
                json!(c),
                json!(i),
            ]
        }
        ("apps", "DaemonSet") => {
            let (c, i) = containers_images(obj);
            let node_selector = obj
                .pointer("/spec/template/spec/nodeSelector")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            vec![
                name,
                json!(n(obj, "/status/desiredNumberScheduled")),
                json!(n(obj, "/status/currentNumberScheduled")),
                json!(n(obj, "/status/numberReady")),
                json!(n(obj, "/status/updatedNumberScheduled")),
                json!(n(obj, "/status/numberAvailable")),
                json!(or_none(node_selector)),
                json!(created),
                json!(c),
                json!(i),
            ]
        }
        ("policy", "PodDisruptionBudget") => {
            let val = |p: &str| match obj.pointer(p) {
                Some(Value::String(x)) => x.clone(),
                Some(Value::Number(x)) => x.to_string(),
                _ => "N/A".into(),
            };
            vec![
                name,
                json!(val("/spec/minAvailable")),
                json!(val("/spec/maxUnavailable")),
                json!(n(obj, "/status/disruptionsAllowed")),
                json!(created),
            ]
        }
        ("coordination.k8s.io", "Lease") => vec![
            name,
            json!(or_none(s(obj, "/spec/holderIdentity").to_string())),
            json!(created),
        ],
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            vec![name, json!(s(obj, "/metadata/creationTimestamp"))]
        }
        _ => vec![name, json!(created)],
    }
}

/// Evaluates the JSONPath subset CRD printer columns use: `.a.b`, `.a[0].b`,
/// `.a[?(@.type=="Ready")].status`.
pub(crate) fn json_path<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = obj;
    let mut rest = path
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches('.');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inner = &after[..end];
            rest = after[end + 1..].trim_start_matches('.');
            if let Some(filter) = inner.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')')) {
                let (field, want) = filter.split_once("==")?;
                let want = want.trim().trim_matches(|c| c == '"' || c == '\'');
                cur = cur.as_array()?.iter().find(|e| {
                    e.get(field.trim())
                        .is_some_and(|v| v.as_str() == Some(want) || *v.to_string() == *want)
                })?;
            } else {
                let idx: usize = inner.parse().ok()?;
                cur = cur.as_array()?.get(idx)?;
            }
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let field = &rest[..end];
        cur = cur.get(field)?;
        rest = rest[end..].trim_start_matches('.');
    }
    Some(cur)
}

fn printer_cell(obj: &Value, col: &PrinterColumn) -> Value {
    let Some(v) = json_path(obj, &col.json_path) else {
        return Value::Null;
    };
    match (col.type_.as_str(), v) {
        ("date", Value::String(t)) => json!(age(Some(t))),
        (_, Value::String(_) | Value::Number(_) | Value::Bool(_)) => v.clone(),
        (_, Value::Null) => Value::Null,
        (_, other) => json!(other.to_string()),
    }
}

fn column_definitions(rt: &ResourceKind) -> Vec<Value> {
    if rt.custom {
        let mut cols = vec![
            json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
        ];
        if rt.printer_columns.is_empty() {
            cols.push(json!({"name": "Age", "type": "date", "format": "", "description": "Creation timestamp", "priority": 0}));
        }
        for c in &rt.printer_columns {
            cols.push(json!({"name": c.name, "type": c.type_, "format": c.format, "description": c.description, "priority": c.priority}));
        }
        return cols;
    }
    columns(rt)
        .into_iter()
        .map(|(name, type_, priority)| {
            let format = if name == "Name" { "name" } else { "" };
            json!({"name": name, "type": type_, "format": format, "description": "", "priority": priority})
        })
        .collect()
}

fn row(rt: &ResourceKind, obj: &Value, include: &str) -> Value {
    let cells = if rt.custom {
        let mut c = vec![json!(s(obj, "/metadata/name"))];
        if rt.printer_columns.is_empty() {
            c.push(json!(age(obj
                .pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str))));
        }
        c.extend(rt.printer_columns.iter().map(|col| printer_cell(obj, col)));
        c
    } else {
        cells(rt, obj)
    };
    let mut row = json!({"cells": cells});
    match include {
        "None" => {}
        "Object" => row["object"] = obj.clone(),
        _ => {
            row["object"] = json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj.get("metadata").cloned().unwrap_or(json!({})),
            })
        }
    }
    row
}

/// A Table of `objects`. `include` is the `includeObject` parameter (None, Metadata,
/// Object; default Metadata).
pub(crate) fn table<'a>(
    rt: &ResourceKind,
    objects: impl IntoIterator<Item = &'a Value>,
    resource_version: u64,
    continue_token: Option<&str>,
    include: &str,
) -> Value {
    let rows: Vec<Value> = objects.into_iter().map(|o| row(rt, o, include)).collect();
    let mut meta = json!({"resourceVersion": resource_version.to_string()});
    if let Some(c) = continue_token {
        meta["continue"] = json!(c);
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": column_definitions(rt),
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_path_subset() {
        let obj = json!({"status": {"conditions": [{"type": "A", "status": "False"}, {"type": "Ready", "status": "True"}],
            "sync": {"status": "Synced"}, "list": [1, 2]}});
        assert_eq!(
            json_path(&obj, ".status.sync.status"),
            Some(&json!("Synced"))
        );
        assert_eq!(
            json_path(&obj, ".status.conditions[?(@.type==\"Ready\")].status"),
            Some(&json!("True"))
        );
        assert_eq!(json_path(&obj, ".status.list[1]"), Some(&json!(2)));
        assert_eq!(json_path(&obj, ".status.missing"), None);
    }

    #[test]
    fn pod_status_prefers_container_reason() {
        let pod = json!({"status": {"phase": "Running", "containerStatuses": [{"state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        assert_eq!(pod_status(&pod), "CrashLoopBackOff");
    }
}
