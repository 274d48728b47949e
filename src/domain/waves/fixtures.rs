//! Builders of realistic Application objects for the unit tests.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::annotation;

pub(crate) const SHA: &str = "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39";

pub(super) fn ts(text: &str) -> Timestamp {
    text.parse().expect("test timestamp")
}

/// The tests' "now".
pub(super) fn now() -> Timestamp {
    ts("2026-11-01T09:30:00Z")
}

/// Sets `value` at a JSON pointer, creating objects on the way.
pub(crate) fn set_path(target: &mut Value, pointer: &str, value: Value) {
    let mut cur = target;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = json!({});
        }
        let map = cur.as_object_mut().expect("object");
        if i == parts.len() - 1 {
            map.insert((*part).to_string(), value);
            return;
        }
        cur = map.entry((*part).to_string()).or_insert_with(|| json!({}));
    }
}

/// An Application as Argo CD 2.x stores it (Synced, Healthy, single source), adjustable.
pub(crate) struct App {
    v: Value,
}

impl App {
    pub(super) fn new(name: &str) -> App {
        App {
            v: json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {
                    "name": name,
                    "namespace": "argo",
                    "uid": format!("00000000-0000-4000-8000-{:0>12}", name.len()),
                    "creationTimestamp": "2026-11-01T08:00:00Z",
                    "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                    "generation": 3,
                    "resourceVersion": "1234"
                },
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": "https://git.example.com/platform.git",
                        "path": format!("platform/{name}"),
                        "targetRevision": "main"
                    },
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": name
                    }
                },
                "status": {
                    "sync": {
                        "status": "Synced",
                        "revision": SHA,
                        "comparedTo": {
                            "source": {
                                "repoURL": "https://git.example.com/platform.git",
                                "path": format!("platform/{name}"),
                                "targetRevision": "main"
                            },
                            "destination": {"server": "https://kubernetes.default.svc", "namespace": name}
                        }
                    },
                    "health": {"status": "Healthy"},
                    "reconciledAt": "2026-11-01T09:29:00Z",
                    "sourceType": "Directory"
                }
            }),
        }
    }

    pub(super) fn build(self) -> Value {
        self.v
    }

    pub(super) fn set(mut self, pointer: &str, value: Value) -> App {
        set_path(&mut self.v, pointer, value);
        self
    }

    pub(super) fn namespace(self, ns: &str) -> App {
        self.set("/metadata/namespace", json!(ns))
    }

    pub(super) fn annotation(mut self, key: &str, value: &str) -> App {
        let anns = self
            .v
            .pointer_mut("/metadata")
            .and_then(Value::as_object_mut)
            .expect("metadata")
            .entry("annotations")
            .or_insert_with(|| json!({}));
        anns[key] = json!(value);
        self
    }

    pub(super) fn label(mut self, key: &str, value: &str) -> App {
        let labels = self
            .v
            .pointer_mut("/metadata")
            .and_then(Value::as_object_mut)
            .expect("metadata")
            .entry("labels")
            .or_insert_with(|| json!({}));
        labels[key] = json!(value);
        self
    }

    pub(super) fn wave(self, wave: &str) -> App {
        self.annotation(annotation::SYNC_WAVE, wave)
    }

    /// Annotation tracking by `parent` (the 3.x default).
    pub(crate) fn tracking(self, parent: &str) -> App {
        let ns = self.v["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let name = self.v["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        self.annotation(
            annotation::TRACKING_ID,
            &format!("{parent}:argoproj.io/Application:{ns}/{name}"),
        )
    }

    pub(super) fn owner(mut self, kind: &str, name: &str) -> App {
        self.v["metadata"]["ownerReferences"] = json!([{
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": kind,
            "name": name,
            "uid": "11111111-2222-4333-8444-555555555555",
            "controller": true,
            "blockOwnerDeletion": true
        }]);
        self
    }

    pub(super) fn sync(self, status: &str) -> App {
        self.set("/status/sync/status", json!(status))
    }

    pub(super) fn health(self, status: &str, message: Option<&str>) -> App {
        let mut h = json!({"status": status});
        if let Some(m) = message {
            h["message"] = json!(m);
        }
        self.set("/status/health", h)
    }

    pub(crate) fn health_since(self, at: &str) -> App {
        self.set("/status/health/lastTransitionTime", json!(at))
    }

    /// Argo CD ≥ 3.0 default: resource health not stored.
    pub(crate) fn app_tree(self) -> App {
        self.set("/status/resourceHealthSource", json!("appTree"))
    }

    pub(crate) fn automated(self, prune: bool, self_heal: bool) -> App {
        self.set(
            "/spec/syncPolicy",
            json!({"automated": {"prune": prune, "selfHeal": self_heal}, "syncOptions": ["CreateNamespace=true"]}),
        )
    }

    fn push(mut self, pointer: &str, item: Value) -> App {
        if self.v.pointer(pointer).is_none() {
            set_path(&mut self.v, pointer, json!([]));
        }
        if let Some(list) = self.v.pointer_mut(pointer).and_then(Value::as_array_mut) {
            list.push(item);
        }
        self
    }

    /// A `status.resources` entry; `health` is `(status, message)`, message may be empty.
    pub(crate) fn resource(
        self,
        group: &str,
        kind: &str,
        ns: &str,
        name: &str,
        status: &str,
        health: Option<(&str, &str)>,
    ) -> App {
        let mut r = json!({"group": group, "version": "v1", "kind": kind, "namespace": ns, "name": name, "status": status});
        if group.is_empty() {
            r.as_object_mut().expect("object").remove("group");
        }
        if let Some((h, m)) = health {
            r["health"] = json!({"status": h});
            if !m.is_empty() {
                r["health"]["message"] = json!(m);
            }
        }
        self.push("/status/resources", r)
    }

    /// A child Application entry in `status.resources` (omitted wave when 0, as Argo CD).
    pub(crate) fn child_app(
        self,
        name: &str,
        status: &str,
        health: Option<&str>,
        wave: i64,
    ) -> App {
        let mut r = json!({"group": "argoproj.io", "version": "v1alpha1", "kind": "Application", "namespace": "argo", "name": name, "status": status});
        if let Some(h) = health {
            r["health"] = json!({"status": h});
        }
        if wave != 0 {
            r["syncWave"] = json!(wave);
        }
        self.push("/status/resources", r)
    }

    pub(crate) fn condition(self, kind: &str, message: &str) -> App {
        self.push(
            "/status/conditions",
            json!({"type": kind, "message": message, "lastTransitionTime": "2026-11-01T09:10:00Z"}),
        )
    }

    pub(crate) fn history(self, revision: &str, deployed_at: &str) -> App {
        self.push(
            "/status/history",
            json!({"id": 0, "revision": revision, "deployedAt": deployed_at, "deployStartedAt": deployed_at,
                   "source": {"repoURL": "https://git.example.com/platform.git", "path": "platform", "targetRevision": "main"},
                   "initiatedBy": {"automated": true}}),
        )
    }

    pub(crate) fn operation_running(self, started_at: &str, message: &str) -> App {
        self.set(
            "/status/operationState",
            json!({
                "operation": {"sync": {"revision": SHA, "prune": true, "syncOptions": ["CreateNamespace=true"]},
                              "initiatedBy": {"automated": true}, "retry": {"limit": 5}},
                "phase": "Running",
                "message": message,
                "startedAt": started_at,
                "syncResult": {"revision": SHA, "source": {"repoURL": "https://git.example.com/platform.git", "path": "platform", "targetRevision": "main"}, "resources": []}
            }),
        )
    }

    pub(crate) fn operation_finished(
        self,
        phase: &str,
        message: &str,
        started: &str,
        finished: &str,
    ) -> App {
        self.set(
            "/status/operationState",
            json!({
                "operation": {"sync": {"revision": SHA}, "initiatedBy": {"username": "admin"}},
                "phase": phase,
                "message": message,
                "startedAt": started,
                "finishedAt": finished,
                "syncResult": {"revision": SHA, "resources": []}
            }),
        )
    }

    /// The top-level `operation` the controller keeps while it runs an auto-sync.
    pub(crate) fn requested_by_automation(self) -> App {
        self.set(
            "/operation",
            json!({"initiatedBy": {"automated": true}, "sync": {"revision": SHA, "prune": true}, "retry": {"limit": 5}}),
        )
    }

    pub(crate) fn multi_source(mut self, sources: &[Value]) -> App {
        if let Some(spec) = self.v.get_mut("spec").and_then(Value::as_object_mut) {
            spec.remove("source");
            spec.insert("sources".into(), json!(sources));
        }
        self
    }

    pub(crate) fn revisions(mut self, revisions: &[&str]) -> App {
        if let Some(sync) = self
            .v
            .pointer_mut("/status/sync")
            .and_then(Value::as_object_mut)
        {
            sync.remove("revision");
            sync.insert("revisions".into(), json!(revisions));
        }
        self
    }
}

/// The stalled platform of the wave-stuck recording, Argo CD 2.x shapes: the root waits for
/// cert-manager (wave -5, Degraded because of its webhook); traefik, cnpg-operator and
/// keycloak are not created yet.
pub(crate) fn stuck_platform() -> Vec<Value> {
    let root = App::new("platform-root")
        .automated(true, true)
        .sync("OutOfSync")
        .health("Degraded", None)
        .operation_running(
            "2026-11-01T09:25:00Z",
            "waiting for healthy state of argoproj.io/Application/cert-manager",
        )
        .requested_by_automation()
        .child_app("monitoring", "Synced", Some("Healthy"), -10)
        .child_app("cert-manager", "Synced", Some("Degraded"), -5)
        .child_app("traefik", "OutOfSync", Some("Missing"), -2)
        .child_app("cnpg-operator", "OutOfSync", Some("Missing"), -1)
        .child_app("keycloak", "OutOfSync", Some("Missing"), 0)
        .build();
    let monitoring = App::new("monitoring")
        .wave("-10")
        .tracking("platform-root")
        .automated(true, true)
        .build();
    let cert_manager = App::new("cert-manager")
        .wave("-5")
        .tracking("platform-root")
        .automated(true, true)
        .health("Degraded", None)
        .resource(
            "apps",
            "Deployment",
            "cert-manager",
            "cert-manager",
            "Synced",
            Some(("Healthy", "")),
        )
        .resource(
            "apps",
            "Deployment",
            "cert-manager",
            "cert-manager-webhook",
            "Synced",
            Some((
                "Degraded",
                "Deployment \"cert-manager-webhook\" exceeded its progress deadline",
            )),
        )
        .build();
    vec![root, monitoring, cert_manager]
}

/// `cert-manager/cert-manager-webhook` with 2 replicas, `available` of them available.
pub(crate) fn webhook_deployment(available: i64) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "cert-manager-webhook", "namespace": "cert-manager"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "webhook", "app.kubernetes.io/instance": "cert-manager"}}
        },
        "status": {"replicas": 2, "updatedReplicas": 2, "availableReplicas": available, "unavailableReplicas": 2 - available}
    })
}

/// A pod of cert-manager's `component` (`cert-manager-webhook` → label name `webhook`) in
/// CrashLoopBackOff.
pub(crate) fn crashing_pod(name: &str, component: &str) -> Value {
    let short = component.trim_start_matches("cert-manager-");
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "cert-manager",
                     "labels": {"app.kubernetes.io/name": short, "app.kubernetes.io/instance": "cert-manager"}},
        "status": {"phase": "Running", "containerStatuses": [{
            "name": "cert-manager-webhook", "ready": false, "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 1m20s restarting failed container"}}
        }]}
    })
}

/// The typed view of an Application (or any object) built by these fixtures.
pub(super) fn view(v: Value) -> crate::model::views::Application {
    use crate::model::views::View;
    crate::model::views::Application::from_json(v).expect("a fixture is an object")
}

pub(super) fn views(list: Vec<Value>) -> Vec<crate::model::views::Application> {
    list.into_iter().map(view).collect()
}

/// The typed view of a workload or pod built by these fixtures.
pub(super) fn workload(mut v: Value) -> crate::model::views::Workload {
    use crate::model::views::View;
    if let Some(map) = v.as_object_mut()
        && !map.contains_key("apiVersion")
    {
        map.insert("apiVersion".into(), json!("v1"));
    }
    crate::model::views::Workload::from_json(v).expect("a fixture is an object")
}
