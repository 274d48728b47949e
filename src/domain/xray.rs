//! Owners and dependents (`:xray`): the tree under an object, built from ownerReferences,
//! label selectors and what an object lists of its own:
//! Deployment → ReplicaSets → Pods, StatefulSet → Pods and PVCs (from its
//! volumeClaimTemplates), DaemonSet/ReplicaSet/Job → Pods, CronJob → Jobs → Pods,
//! Service → the Pods its selector picks, Argo CD Application → `status.resources`,
//! CloudNativePG Cluster → Pods, Services and PVCs labelled `cnpg.io/cluster`; any other
//! object → what names it as owner. Each node carries a health mark.

use std::sync::Arc;

use crate::model::object::{Obj, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Health {
    Healthy,
    Progressing,
    Degraded,
    Unknown,
}

impl Health {
    /// The mark shown before a node.
    pub(crate) fn mark(self) -> &'static str {
        match self {
            Health::Healthy => "✓",
            Health::Progressing => "◐",
            Health::Degraded => "✗",
            Health::Unknown => "?",
        }
    }
}

/// One object in the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    /// `Deployment`, `Pod`, …
    pub kind: String,
    /// `apps/v1`; empty when unknown (Application resources name a group only).
    pub api_version: String,
    pub namespace: Option<String>,
    pub name: String,
    pub health: Health,
    /// A few words: `3/3 ready`, `Running`, `Bound`, `Synced`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tree {
    pub(crate) item: Item,
    pub children: Vec<Tree>,
}

/// Objects of the root's namespace the tree may hold.
#[derive(Debug, Clone, Default)]
pub(crate) struct Related {
    pub pods: Vec<Arc<Obj>>,
    pub replicasets: Vec<Arc<Obj>>,
    pub(crate) jobs: Vec<Arc<Obj>>,
    pub(crate) pvcs: Vec<Arc<Obj>>,
    pub services: Vec<Arc<Obj>>,
}

fn kind_of(o: &Obj, fallback: &str) -> String {
    o.types
        .as_ref()
        .map(|t| t.kind.clone())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

fn api_version_of(o: &Obj, fallback: &str) -> String {
    o.types
        .as_ref()
        .map(|t| t.api_version.clone())
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

fn owned_by(o: &Obj, uid: &str) -> bool {
    o.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|r| r.uid == uid)
}

fn labelled(o: &Obj, key: &str, value: &str) -> bool {
    o.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(key))
        .is_some_and(|v| v == value)
}

fn name(o: &Obj) -> String {
    o.metadata.name.clone().unwrap_or_default()
}

fn sorted(mut v: Vec<Tree>) -> Vec<Tree> {
    v.sort_by(|a, b| (&a.item.kind, &a.item.name).cmp(&(&b.item.kind, &b.item.name)));
    v
}

/// Health of a workload from its replica counts.
fn replicas_health(o: &Obj) -> (Health, String) {
    let want = o
        .data
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let ready = o
        .data
        .pointer("/status/readyReplicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let h = if ready >= want {
        Health::Healthy
    } else if ready == 0 && want > 0 {
        Health::Degraded
    } else {
        Health::Progressing
    };
    (h, format!("{ready}/{want} ready"))
}

/// Health of a pod: phase, readiness and the reason a container waits.
pub(crate) fn pod_health(o: &Obj) -> (Health, String) {
    let phase = o
        .data
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Unknown");
    let statuses = o
        .data
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .unwrap_or(&[]);
    let waiting = statuses.iter().find_map(|c| {
        c.pointer("/state/waiting/reason")
            .and_then(Value::as_str)
            .filter(|r| *r != "ContainerCreating" && *r != "PodInitializing")
    });
    if let Some(reason) = waiting {
        return (Health::Degraded, reason.to_string());
    }
    let ready = statuses
        .iter()
        .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
        .count();
    match phase {
        "Running" if ready == statuses.len() => (Health::Healthy, "Running".into()),
        "Running" => (
            Health::Progressing,
            format!("Running, {ready}/{} ready", statuses.len()),
        ),
        "Succeeded" => (Health::Healthy, "Completed".into()),
        "Pending" => (Health::Progressing, "Pending".into()),
        "Failed" => (Health::Degraded, "Failed".into()),
        other => (Health::Unknown, other.to_string()),
    }
}

fn pvc_health(o: &Obj) -> (Health, String) {
    match o.data.pointer("/status/phase").and_then(Value::as_str) {
        Some("Bound") => (Health::Healthy, "Bound".into()),
        Some("Lost") => (Health::Degraded, "Lost".into()),
        Some(p) => (Health::Progressing, p.to_string()),
        None => (Health::Unknown, "unknown".into()),
    }
}

fn job_health(o: &Obj) -> (Health, String) {
    let get = |k: &str| {
        o.data
            .pointer(&format!("/status/{k}"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    if get("failed") > 0 && get("succeeded") == 0 {
        (Health::Degraded, format!("{} failed", get("failed")))
    } else if get("succeeded") > 0 && get("active") == 0 {
        (Health::Healthy, "Complete".into())
    } else {
        (Health::Progressing, format!("{} active", get("active")))
    }
}

fn leaf(o: &Obj, kind: &str, api_version: &str, (health, status): (Health, String)) -> Tree {
    Tree {
        item: Item {
            kind: kind_of(o, kind),
            api_version: api_version_of(o, api_version),
            namespace: o.metadata.namespace.clone(),
            name: name(o),
            health,
            status,
        },
        children: Vec::new(),
    }
}

fn pods_owned(uid: &str, r: &Related) -> Vec<Tree> {
    sorted(
        r.pods
            .iter()
            .filter(|p| owned_by(p, uid))
            .map(|p| leaf(p, "Pod", "v1", pod_health(p)))
            .collect(),
    )
}

fn selects(selector: &Value, o: &Obj) -> bool {
    let Some(sel) = selector.as_object().filter(|s| !s.is_empty()) else {
        return false;
    };
    sel.iter()
        .all(|(k, v)| v.as_str().is_some_and(|v| labelled(o, k, v)))
}

/// Worst of the children's marks (and the node's own).
fn worst(own: Health, children: &[Tree]) -> Health {
    let rank = |h: Health| match h {
        Health::Healthy => 0,
        Health::Unknown => 1,
        Health::Progressing => 2,
        Health::Degraded => 3,
    };
    children
        .iter()
        .map(|c| c.item.health)
        .chain(std::iter::once(own))
        .max_by_key(|h| rank(*h))
        .unwrap_or(own)
}

/// The tree under `root` (of kind `kind`, e.g. `Deployment`).
pub(crate) fn build(kind: &str, api_version: &str, root: &Obj, r: &Related) -> Tree {
    let uid = root.metadata.uid.clone().unwrap_or_default();
    let root_name = name(root);
    let (mut health, mut status, children) =
        match kind {
            "Deployment" => {
                let (h, s) = replicas_health(root);
                let rs = r
                    .replicasets
                    .iter()
                    .filter(|x| owned_by(x, &uid))
                    .map(|x| {
                        let mut t = leaf(x, "ReplicaSet", "apps/v1", replicas_health(x));
                        t.children = pods_owned(x.metadata.uid.as_deref().unwrap_or(""), r);
                        t
                    })
                    .collect();
                (h, s, sorted(rs))
            }
            "StatefulSet" => {
                let (h, s) = replicas_health(root);
                let mut c = pods_owned(&uid, r);
                let templates: Vec<String> = root
                    .data
                    .pointer("/spec/volumeClaimTemplates")
                    .and_then(Value::as_array)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|t| t.pointer("/metadata/name").and_then(Value::as_str))
                    .map(|t| format!("{t}-{root_name}-"))
                    .collect();
                c.extend(sorted(
                    r.pvcs
                        .iter()
                        .filter(|p| {
                            let n = name(p);
                            owned_by(p, &uid)
                                || templates.iter().any(|t| {
                                    n.strip_prefix(t.as_str())
                                        .is_some_and(|o| o.parse::<u32>().is_ok())
                                })
                        })
                        .map(|p| leaf(p, "PersistentVolumeClaim", "v1", pvc_health(p)))
                        .collect(),
                ));
                (h, s, c)
            }
            "ReplicaSet" => {
                let (h, s) = replicas_health(root);
                (h, s, pods_owned(&uid, r))
            }
            "DaemonSet" => {
                let want = root
                    .data
                    .pointer("/status/desiredNumberScheduled")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let ready = root
                    .data
                    .pointer("/status/numberReady")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let h = if ready >= want {
                    Health::Healthy
                } else {
                    Health::Progressing
                };
                (h, format!("{ready}/{want} ready"), pods_owned(&uid, r))
            }
            "Job" => {
                let (h, s) = job_health(root);
                (h, s, pods_owned(&uid, r))
            }
            "CronJob" => {
                let jobs = r
                    .jobs
                    .iter()
                    .filter(|j| owned_by(j, &uid))
                    .map(|j| {
                        let mut t = leaf(j, "Job", "batch/v1", job_health(j));
                        t.children = pods_owned(j.metadata.uid.as_deref().unwrap_or(""), r);
                        t
                    })
                    .collect();
                (Health::Healthy, String::new(), sorted(jobs))
            }
            "Pod" => {
                let (h, s) = pod_health(root);
                let c = r
                    .pvcs
                    .iter()
                    .filter(|p| {
                        root.data
                            .pointer("/spec/volumes")
                            .and_then(Value::as_array)
                            .unwrap_or(&[])
                            .iter()
                            .any(|v| {
                                v.pointer("/persistentVolumeClaim/claimName")
                                    .and_then(Value::as_str)
                                    == Some(name(p).as_str())
                            })
                    })
                    .map(|p| leaf(p, "PersistentVolumeClaim", "v1", pvc_health(p)))
                    .collect();
                (h, s, sorted(c))
            }
            "Service" => {
                let selector = root
                    .data
                    .pointer("/spec/selector")
                    .cloned()
                    .unwrap_or_default();
                let pods: Vec<Tree> = r
                    .pods
                    .iter()
                    .filter(|p| selects(&selector, p))
                    .map(|p| leaf(p, "Pod", "v1", pod_health(p)))
                    .collect();
                let ready = pods
                    .iter()
                    .filter(|p| p.item.health == Health::Healthy)
                    .count();
                let h = match (selector.as_object().is_some_and(|s| !s.is_empty()), ready) {
                    (false, _) => Health::Unknown,
                    (true, 0) => Health::Degraded,
                    (true, n) if n < pods.len() => Health::Progressing,
                    _ => Health::Healthy,
                };
                let s = if h == Health::Unknown {
                    "no selector".to_string()
                } else {
                    format!("{ready}/{} endpoints ready", pods.len())
                };
                (h, s, sorted(pods))
            }
            "Application" => {
                let resources = root
                    .data
                    .pointer("/status/resources")
                    .and_then(Value::as_array)
                    .unwrap_or(&[]);
                let c = resources
                    .iter()
                    .map(|res| {
                        let s = |k: &str| res.pointer(k).and_then(Value::as_str).unwrap_or("");
                        let group = s("/group");
                        let version = s("/version");
                        let api_version = match (group, version) {
                            ("", "") => String::new(),
                            ("", v) => v.to_string(),
                            (g, "") => g.to_string(),
                            (g, v) => format!("{g}/{v}"),
                        };
                        let health = match s("/health/status") {
                            "Healthy" => Health::Healthy,
                            "Progressing" | "Suspended" => Health::Progressing,
                            "Degraded" | "Missing" => Health::Degraded,
                            _ if s("/status") == "OutOfSync" => Health::Progressing,
                            _ => Health::Unknown,
                        };
                        let status = [s("/status"), s("/health/status")]
                            .into_iter()
                            .filter(|x| !x.is_empty())
                            .collect::<Vec<_>>()
                            .join(", ");
                        Tree {
                            item: Item {
                                kind: s("/kind").to_string(),
                                api_version,
                                namespace: Some(s("/namespace"))
                                    .filter(|n| !n.is_empty())
                                    .map(str::to_string),
                                name: s("/name").to_string(),
                                health,
                                status,
                            },
                            children: Vec::new(),
                        }
                    })
                    .collect();
                let sync = root
                    .data
                    .pointer("/status/sync/status")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let app_health = root
                    .data
                    .pointer("/status/health/status")
                    .and_then(Value::as_str)
                    .unwrap_or("Unknown");
                let h = match app_health {
                    "Healthy" => Health::Healthy,
                    "Progressing" | "Suspended" => Health::Progressing,
                    "Degraded" | "Missing" => Health::Degraded,
                    _ => Health::Unknown,
                };
                (h, format!("{sync}, {app_health}"), c)
            }
            "Cluster" if api_version.starts_with("postgresql.cnpg.io/") => {
                let label = "cnpg.io/cluster";
                let mut c: Vec<Tree> =
                    r.pods
                        .iter()
                        .filter(|p| labelled(p, label, &root_name))
                        .map(|p| {
                            let mut t = leaf(p, "Pod", "v1", pod_health(p));
                            if let Some(role) = p.metadata.labels.as_ref().and_then(|l| {
                                l.get("cnpg.io/instanceRole").or_else(|| l.get("role"))
                            }) {
                                t.item.status = format!("{}, {role}", t.item.status);
                            }
                            t
                        })
                        .collect();
                c = sorted(c);
                c.extend(sorted(
                    r.services
                        .iter()
                        .filter(|s| labelled(s, label, &root_name) || owned_by(s, &uid))
                        .map(|s| leaf(s, "Service", "v1", (Health::Healthy, String::new())))
                        .collect(),
                ));
                c.extend(sorted(
                    r.pvcs
                        .iter()
                        .filter(|p| labelled(p, label, &root_name))
                        .map(|p| leaf(p, "PersistentVolumeClaim", "v1", pvc_health(p)))
                        .collect(),
                ));
                let phase = root
                    .data
                    .pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let h = if phase == "Cluster in healthy state" {
                    Health::Healthy
                } else if phase.is_empty() {
                    Health::Unknown
                } else {
                    Health::Progressing
                };
                (h, phase.to_string(), c)
            }
            _ => {
                let mut c = pods_owned(&uid, r);
                for (list, k, av, f) in [
                    (
                        &r.replicasets,
                        "ReplicaSet",
                        "apps/v1",
                        replicas_health as fn(&Obj) -> _,
                    ),
                    (&r.jobs, "Job", "batch/v1", job_health),
                    (&r.pvcs, "PersistentVolumeClaim", "v1", pvc_health),
                ] {
                    c.extend(sorted(
                        list.iter()
                            .filter(|x| owned_by(x, &uid))
                            .map(|x| leaf(x, k, av, f(x)))
                            .collect(),
                    ));
                }
                (Health::Unknown, String::new(), c)
            }
        };
    // A parent that looks fine but has a failing child shows it.
    let w = worst(health, &children);
    if health == Health::Healthy && w == Health::Degraded {
        health = Health::Progressing;
        if status.is_empty() {
            status = "a dependent is failing".into();
        }
    }
    Tree {
        item: Item {
            kind: kind.to_string(),
            api_version: api_version.to_string(),
            namespace: root.metadata.namespace.clone(),
            name: root_name,
            health,
            status,
        },
        children,
    }
}

/// The tree as lines: depth and item, parents before their children.
pub(crate) fn flatten(tree: &Tree) -> Vec<(usize, &Item)> {
    fn walk<'a>(t: &'a Tree, depth: usize, out: &mut Vec<(usize, &'a Item)>) {
        out.push((depth, &t.item));
        for c in &t.children {
            walk(c, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(tree, 0, &mut out);
    out
}

#[cfg(test)]
mod tests;
