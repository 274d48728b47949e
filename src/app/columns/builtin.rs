//! Built-in columns of common kinds, computed as kubectl prints them.

use crate::model::object::Obj;
use crate::model::object::Value;
use jiff::Timestamp;

use super::{Cell, Column, ColumnKind, Tone, age, tone_for};

fn i64_at(v: &Value, path: &[&str]) -> i64 {
    let mut x = v;
    for p in path {
        x = &x[*p];
    }
    x.as_i64().unwrap_or(0)
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut x = v;
    for p in path {
        x = &x[*p];
    }
    x.as_str().unwrap_or("")
}

/// (ready, total) containers of a pod.
pub(crate) fn pod_ready(obj: &Obj) -> (usize, usize) {
    let total = obj.data["spec"]["containers"]
        .as_array()
        .map_or(0, <[Value]>::len);
    let ready = obj.data["status"]["containerStatuses"]
        .as_array()
        .map_or(0, |s| {
            s.iter()
                .filter(|c| c["ready"].as_bool() == Some(true))
                .count()
        });
    (ready, total)
}

pub(crate) fn pod_restarts(obj: &Obj) -> i64 {
    obj.data["status"]["containerStatuses"]
        .as_array()
        .map_or(0, |s| {
            s.iter()
                .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                .sum()
        })
}

/// The STATUS column as kubectl computes it (simplified).
pub(crate) fn pod_status(obj: &Obj) -> String {
    let status = &obj.data["status"];
    let mut reason = status["reason"]
        .as_str()
        .or_else(|| status["phase"].as_str())
        .unwrap_or("Unknown")
        .to_string();
    if let Some(inits) = status["initContainerStatuses"].as_array() {
        let total = inits.len();
        for (i, c) in inits.iter().enumerate() {
            let state = &c["state"];
            if state["terminated"]["exitCode"].as_i64() == Some(0) {
                continue;
            }
            if let Some(r) = state["waiting"]["reason"]
                .as_str()
                .filter(|r| *r != "PodInitializing")
            {
                return format!("Init:{r}");
            }
            if state["terminated"].is_object() {
                let r = state["terminated"]["reason"].as_str().unwrap_or("Error");
                return format!("Init:{r}");
            }
            return format!("Init:{i}/{total}");
        }
    }
    if let Some(cs) = status["containerStatuses"].as_array() {
        let mut has_running = false;
        for c in cs.iter().rev() {
            let state = &c["state"];
            if let Some(r) = state["waiting"]["reason"].as_str() {
                reason = r.to_string();
            } else if state["terminated"].is_object() {
                reason = match state["terminated"]["reason"].as_str() {
                    Some(r) => r.to_string(),
                    None => match state["terminated"]["signal"].as_i64() {
                        Some(s) if s != 0 => format!("Signal:{s}"),
                        _ => format!(
                            "ExitCode:{}",
                            state["terminated"]["exitCode"].as_i64().unwrap_or(0)
                        ),
                    },
                };
            } else if c["ready"].as_bool() == Some(true) && state["running"].is_object() {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            reason = "Running".into();
        }
    }
    if obj.metadata.deletion_timestamp.is_some() {
        reason = if status["reason"].as_str() == Some("NodeLost") {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    reason
}

fn pod_ready_cell(obj: &Obj, _: Timestamp) -> Cell {
    let (r, t) = pod_ready(obj);
    Cell::toned(
        format!("{r}/{t}"),
        if r == t { Tone::Normal } else { Tone::Warn },
    )
}

fn pod_status_cell(obj: &Obj, _: Timestamp) -> Cell {
    let s = pod_status(obj);
    let (r, t) = pod_ready(obj);
    let tone = match tone_for(&s) {
        Tone::Ok if s == "Running" && r < t => Tone::Warn,
        Tone::Ok if s == "Completed" || s == "Succeeded" => Tone::Muted,
        other => other,
    };
    Cell::toned(s, tone)
}

/// The pod's node; for a pod the scheduler could not place (its `PodScheduled` condition
/// False), the scheduler's reason and message instead, e.g. `<Unschedulable> 0/6 nodes are
/// available: 3 node(s) had untolerated taint …`. STATUS stays kubectl's `Pending`; the
/// answer to "which node?" is where the node would be (kubectl shows `<none>` there).
fn pod_node_cell(obj: &Obj, _: Timestamp) -> Cell {
    let node = str_at(&obj.data, &["spec", "nodeName"]);
    if !node.is_empty() {
        return Cell::new(node);
    }
    match unscheduled_reason(obj) {
        Some(text) => Cell::toned(text, Tone::Warn),
        None => Cell::new(""),
    }
}

/// `<reason> message` of a pod's `PodScheduled` condition when it is False.
fn unscheduled_reason(obj: &Obj) -> Option<String> {
    let cond = obj.data["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "PodScheduled" && c["status"] == "False")?;
    let reason = str_at(cond, &["reason"]);
    let message = str_at(cond, &["message"]).trim();
    let reason = if reason.is_empty() {
        "Unschedulable"
    } else {
        reason
    };
    Some(if message.is_empty() {
        format!("<{reason}>")
    } else {
        format!("<{reason}> {message}")
    })
}

fn pod_restarts_cell(obj: &Obj, _: Timestamp) -> Cell {
    let n = pod_restarts(obj);
    Cell::toned(n.to_string(), if n > 0 { Tone::Warn } else { Tone::Normal })
}

fn replicas_ready_cell(obj: &Obj, _: Timestamp) -> Cell {
    let want = obj.data["spec"]["replicas"].as_i64().unwrap_or(1);
    let ready = i64_at(&obj.data, &["status", "readyReplicas"]);
    Cell::toned(
        format!("{ready}/{want}"),
        if ready >= want { Tone::Ok } else { Tone::Warn },
    )
}

fn node_status_cell(obj: &Obj, _: Timestamp) -> Cell {
    let ready = obj.data["status"]["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
        .map(|c| str_at(c, &["status"]) == "True");
    let mut text = match ready {
        Some(true) => "Ready".to_string(),
        Some(false) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if obj.data["spec"]["unschedulable"].as_bool() == Some(true) {
        text.push_str(",SchedulingDisabled");
    }
    let tone = match ready {
        Some(true) if !text.contains(',') => Tone::Ok,
        Some(true) => Tone::Warn,
        _ => Tone::Error,
    };
    Cell::toned(text, tone)
}

fn node_roles_cell(obj: &Obj, _: Timestamp) -> Cell {
    let roles: Vec<&str> = obj
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    Cell::new(if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    })
}

fn service_ports_cell(obj: &Obj, _: Timestamp) -> Cell {
    let ports = obj.data["spec"]["ports"].as_array().map(|ps| {
        ps.iter()
            .map(|p| {
                let port = p["port"].as_i64().unwrap_or(0);
                let proto = p["protocol"].as_str().unwrap_or("TCP");
                match p["nodePort"].as_i64() {
                    Some(np) => format!("{port}:{np}/{proto}"),
                    None => format!("{port}/{proto}"),
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    });
    Cell::new(
        ports
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "<none>".into()),
    )
}

fn external_ip_cell(obj: &Obj, _: Timestamp) -> Cell {
    let ing: Vec<String> = obj.data["status"]["loadBalancer"]["ingress"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| {
                    i["ip"]
                        .as_str()
                        .or_else(|| i["hostname"].as_str())
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    let ext: Vec<String> = obj.data["spec"]["externalIPs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let all: Vec<String> = ing.into_iter().chain(ext).collect();
    if !all.is_empty() {
        return Cell::new(all.join(","));
    }
    Cell::new(if str_at(&obj.data, &["spec", "type"]) == "LoadBalancer" {
        "<pending>"
    } else {
        "<none>"
    })
}

fn data_count_cell(obj: &Obj, _: Timestamp) -> Cell {
    let n = obj.data["data"].as_object().map_or(0, |m| m.len())
        + obj.data["binaryData"].as_object().map_or(0, |m| m.len());
    Cell::new(n.to_string())
}

fn event_last_seen_cell(obj: &Obj, now: Timestamp) -> Cell {
    let t = ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .find_map(|f| {
            obj.data[*f]
                .as_str()
                .and_then(|s| s.parse::<Timestamp>().ok())
        })
        .or_else(|| obj.metadata.creation_timestamp.as_ref().map(|t| t.0));
    Cell::new(t.map(|t| age(t, now)).unwrap_or_default())
}

fn event_type_cell(obj: &Obj, _: Timestamp) -> Cell {
    let t = str_at(&obj.data, &["type"]).to_string();
    let tone = if t == "Warning" {
        Tone::Warn
    } else {
        Tone::Normal
    };
    Cell::toned(t, tone)
}

fn event_object_cell(obj: &Obj, _: Timestamp) -> Cell {
    let io = &obj.data["involvedObject"];
    let io = if io.is_object() {
        io
    } else {
        &obj.data["regarding"]
    };
    Cell::new(format!(
        "{}/{}",
        str_at(io, &["kind"]).to_ascii_lowercase(),
        str_at(io, &["name"])
    ))
}

fn job_completions_cell(obj: &Obj, _: Timestamp) -> Cell {
    let want = obj.data["spec"]["completions"].as_i64().unwrap_or(1);
    let done = i64_at(&obj.data, &["status", "succeeded"]);
    Cell::toned(
        format!("{done}/{want}"),
        if done >= want { Tone::Ok } else { Tone::Normal },
    )
}

fn crd_name_cell(obj: &Obj, _: Timestamp) -> Cell {
    Cell::new(str_at(&obj.data, &["spec", "group"]).to_string())
}

/// Built-in columns (between NAME and AGE) of common kinds, by `plural.group`.
pub(super) fn builtin_columns(full_name: &str) -> Option<Vec<Column>> {
    use ColumnKind::Builtin;
    let b = |n: &str, f: fn(&Obj, Timestamp) -> Cell| Column::new(n, Builtin(f));
    let p = Column::path;
    Some(match full_name {
        "pods" => vec![
            b("READY", pod_ready_cell),
            b("STATUS", pod_status_cell),
            b("RESTARTS", pod_restarts_cell),
            p("IP", ".status.podIP"),
            b("NODE", pod_node_cell),
        ],
        "deployments.apps" => vec![
            b("READY", replicas_ready_cell),
            p("UP-TO-DATE", ".status.updatedReplicas"),
            p("AVAILABLE", ".status.availableReplicas"),
        ],
        "statefulsets.apps" => vec![b("READY", replicas_ready_cell)],
        "replicasets.apps" => vec![
            p("DESIRED", ".spec.replicas"),
            p("CURRENT", ".status.replicas"),
            p("READY", ".status.readyReplicas"),
        ],
        "daemonsets.apps" => vec![
            p("DESIRED", ".status.desiredNumberScheduled"),
            p("CURRENT", ".status.currentNumberScheduled"),
            p("READY", ".status.numberReady"),
            p("UP-TO-DATE", ".status.updatedNumberScheduled"),
            p("AVAILABLE", ".status.numberAvailable"),
        ],
        "nodes" => vec![
            b("STATUS", node_status_cell),
            b("ROLES", node_roles_cell),
            p("VERSION", ".status.nodeInfo.kubeletVersion"),
            p(
                "INTERNAL-IP",
                r#".status.addresses[?(@.type=="InternalIP")].address"#,
            ),
        ],
        "services" => vec![
            p("TYPE", ".spec.type"),
            p("CLUSTER-IP", ".spec.clusterIP"),
            b("EXTERNAL-IP", external_ip_cell),
            b("PORT(S)", service_ports_cell),
        ],
        "namespaces" => vec![p("STATUS", ".status.phase")],
        "configmaps" => vec![b("DATA", data_count_cell)],
        "secrets" => vec![p("TYPE", ".type"), b("DATA", data_count_cell)],
        "events" => vec![
            Column::new("LAST SEEN", ColumnKind::Clock(event_last_seen_cell)),
            b("TYPE", event_type_cell),
            p("REASON", ".reason"),
            b("OBJECT", event_object_cell),
            p("MESSAGE", ".message"),
        ],
        "persistentvolumeclaims" => vec![
            p("STATUS", ".status.phase"),
            p("VOLUME", ".spec.volumeName"),
            p("CAPACITY", ".status.capacity.storage"),
            p("STORAGECLASS", ".spec.storageClassName"),
        ],
        "persistentvolumes" => vec![
            p("CAPACITY", ".spec.capacity.storage"),
            p("RECLAIM POLICY", ".spec.persistentVolumeReclaimPolicy"),
            p("STATUS", ".status.phase"),
            p("STORAGECLASS", ".spec.storageClassName"),
        ],
        "jobs.batch" => vec![b("COMPLETIONS", job_completions_cell)],
        "cronjobs.batch" => vec![
            p("SCHEDULE", ".spec.schedule"),
            p("SUSPEND", ".spec.suspend"),
            p("ACTIVE", ".status.active[*].name"),
        ],
        "ingresses.networking.k8s.io" => vec![
            p("CLASS", ".spec.ingressClassName"),
            p("HOSTS", ".spec.rules[*].host"),
            p("ADDRESS", ".status.loadBalancer.ingress[*].ip"),
        ],
        "customresourcedefinitions.apiextensions.k8s.io" => vec![b("GROUP", crd_name_cell)],
        "serviceaccounts" | "endpoints" => vec![],
        _ => return None,
    })
}
