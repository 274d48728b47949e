//! Port forwards (`shift-f` on a pod, Deployment, StatefulSet, ReplicaSet or Service; `:pf`
//! lists them): the pure state the list shows, what the selected object offers (its ports,
//! the pods it stands for), and the app's handlers. The forwarding itself is
//! [`crate::sources::portforward`].

use jiff::Timestamp;

use super::prompt::{Prompt, PromptKind};
use super::view::{Cursor, View};
use super::{Action, App, Level};
use crate::model::object::Obj;
use crate::sources::Request;
use crate::sources::portforward::{ForwardEvent, ForwardId, ForwardSpec, PodPick, PortRef};

/// A forward's state as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PfStatus {
    Starting,
    /// Listening, with a pod to forward to.
    Active,
    /// Listening, but no ready pod (connections wait for one).
    Waiting,
    Stopped(Option<String>),
}

impl PfStatus {
    pub fn label(&self) -> String {
        match self {
            PfStatus::Starting => "Starting".into(),
            PfStatus::Active => "Active".into(),
            PfStatus::Waiting => "Waiting (no ready pod)".into(),
            PfStatus::Stopped(None) => "Stopped".into(),
            PfStatus::Stopped(Some(e)) => format!("Failed: {e}"),
        }
    }
}

/// One forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub id: ForwardId,
    pub namespace: String,
    /// `pod/web-1`, `deployment/web`, `service/web`.
    pub target: String,
    pub container_port: u16,
    /// The port asked for, then the one listened on.
    pub local_port: u16,
    pub status: PfStatus,
    pub pod: Option<String>,
    /// Bytes from local clients to the pod.
    pub sent: u64,
    /// Bytes from the pod back.
    pub received: u64,
    pub connections: u32,
    /// Connection failures, and the last one.
    pub errors: u32,
    pub last_error: Option<String>,
    /// How many times the forward moved to another pod.
    pub repicks: u32,
    pub started: Timestamp,
}

/// Every forward of this console run.
#[derive(Debug, Clone, Default)]
pub struct PfState {
    pub forwards: Vec<Forward>,
    next_id: ForwardId,
}

/// The `:pf` list.
#[derive(Debug, Clone, Default)]
pub struct PfView {
    pub cursor: Cursor,
}

impl PfState {
    /// Adds a forward being started; returns its id.
    pub fn add(
        &mut self,
        namespace: &str,
        target: &str,
        container_port: u16,
        local_port: u16,
        now: Timestamp,
    ) -> ForwardId {
        self.next_id += 1;
        let id = self.next_id;
        self.forwards.push(Forward {
            id,
            namespace: namespace.to_string(),
            target: target.to_string(),
            container_port,
            local_port,
            status: PfStatus::Starting,
            pod: None,
            sent: 0,
            received: 0,
            connections: 0,
            errors: 0,
            last_error: None,
            repicks: 0,
            started: now,
        });
        id
    }

    /// Applies what a forward reported.
    pub fn apply(&mut self, ev: &ForwardEvent) {
        let id = match ev {
            ForwardEvent::Listening { id, .. }
            | ForwardEvent::Pod { id, .. }
            | ForwardEvent::Traffic { id, .. }
            | ForwardEvent::Error { id, .. }
            | ForwardEvent::Stopped { id, .. } => *id,
        };
        let Some(f) = self.forwards.iter_mut().find(|f| f.id == id) else {
            return;
        };
        if matches!(f.status, PfStatus::Stopped(_)) {
            return;
        }
        match ev {
            ForwardEvent::Listening { local_port, .. } => {
                f.local_port = *local_port;
                if f.status == PfStatus::Starting {
                    f.status = PfStatus::Waiting;
                }
            }
            ForwardEvent::Pod { pod, .. } => {
                if f.pod.is_some() && pod.is_some() && f.pod != *pod {
                    f.repicks += 1;
                }
                if pod.is_some() {
                    f.pod = pod.clone();
                }
                f.status = if pod.is_some() {
                    PfStatus::Active
                } else {
                    PfStatus::Waiting
                };
            }
            ForwardEvent::Traffic {
                sent,
                received,
                connections,
                ..
            } => {
                f.sent = *sent;
                f.received = *received;
                f.connections = *connections;
            }
            ForwardEvent::Error { error, .. } => {
                f.errors += 1;
                f.last_error = Some(error.clone());
            }
            ForwardEvent::Stopped { error, .. } => f.status = PfStatus::Stopped(error.clone()),
        }
    }

    /// Marks a forward stopped by the user; whether it was running.
    pub fn stop(&mut self, id: ForwardId) -> bool {
        match self.forwards.iter_mut().find(|f| f.id == id) {
            Some(f) if !matches!(f.status, PfStatus::Stopped(_)) => {
                f.status = PfStatus::Stopped(None);
                f.connections = 0;
                true
            }
            _ => false,
        }
    }

    /// Ids of the running forwards.
    pub fn running(&self) -> Vec<ForwardId> {
        self.forwards
            .iter()
            .filter(|f| !matches!(f.status, PfStatus::Stopped(_)))
            .map(|f| f.id)
            .collect()
    }

    /// A local port for a container port: the same number when it is unprivileged and no
    /// running forward uses it, else the next free one from 8080 (or above the port).
    pub fn suggest_local(&self, container_port: u16) -> u16 {
        let used: Vec<u16> = self
            .forwards
            .iter()
            .filter(|f| !matches!(f.status, PfStatus::Stopped(_)))
            .map(|f| f.local_port)
            .collect();
        let mut p = if container_port >= 1024 {
            container_port
        } else {
            8000u16.saturating_add(container_port).max(8080)
        };
        while used.contains(&p) && p < u16::MAX {
            p += 1;
        }
        p
    }
}

/// `LOCAL:PORT`, `PORT` (same local port) or `:PORT` (local port suggested): the local port
/// (or `None`) and the container port.
pub(crate) fn parse_ports(text: &str) -> Result<(Option<u16>, u16), String> {
    let bad = || format!("{text:?}: enter LOCAL:PORT, e.g. 8080:80");
    let num = |s: &str| s.trim().parse::<u16>().ok().filter(|p| *p > 0);
    match text.trim().split_once(':') {
        Some((l, r)) if l.trim().is_empty() => Ok((None, num(r).ok_or_else(bad)?)),
        Some((l, r)) => Ok((Some(num(l).ok_or_else(bad)?), num(r).ok_or_else(bad)?)),
        None => {
            let p = num(text).ok_or_else(bad)?;
            Ok((Some(p), p))
        }
    }
}

fn u16_of(v: &crate::model::object::Value) -> Option<u16> {
    v.as_u64().and_then(|n| u16::try_from(n).ok())
}

/// The ports an object offers to forward to: containers' ports (pods and workloads), a
/// Service's own ports (as `kubectl port-forward svc/NAME LOCAL:PORT`, which then goes to the
/// target port on a pod: see [`service_ports`]).
pub(crate) fn ports_of(plural: &str, obj: &Obj) -> Vec<u16> {
    let containers = match plural {
        "pods" => obj.data["spec"]["containers"].as_array(),
        "services" => {
            let mut out: Vec<u16> = service_ports(obj).into_iter().map(|(p, _)| p).collect();
            out.dedup();
            return out;
        }
        _ => obj.data["spec"]["template"]["spec"]["containers"].as_array(),
    };
    let mut out: Vec<u16> = containers
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .filter_map(|p| u16_of(&p["containerPort"]))
        .collect();
    out.dedup();
    out
}

/// A Service's ports and where each goes on a pod: its `targetPort` (a number, or a container
/// port's name resolved on each pod), else the port itself.
pub(crate) fn service_ports(obj: &Obj) -> Vec<(u16, PortRef)> {
    obj.data["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let port = u16_of(&p["port"])?;
            let target = match (u16_of(&p["targetPort"]), p["targetPort"].as_str()) {
                (Some(n), _) => PortRef::Number(n),
                (None, Some(name)) if name.parse::<u16>().is_ok() => {
                    PortRef::Number(name.parse().unwrap_or(port))
                }
                (None, Some(name)) if !name.is_empty() => PortRef::Named(name.to_string()),
                _ => PortRef::Number(port),
            };
            Some((port, target))
        })
        .collect()
}

/// Which pods a forward to this object uses: the pod itself, or a workload's or Service's
/// label selector (a workload's `matchLabels` and `matchExpressions`).
pub(crate) fn pick_of(plural: &str, obj: &Obj) -> Option<PodPick> {
    let selector = &obj.data["spec"]["selector"];
    let mut sel: Vec<String> = Vec::new();
    let labels = match plural {
        "pods" => return obj.metadata.name.clone().map(PodPick::Named),
        "services" => selector.as_object(),
        "deployments" | "statefulsets" | "replicasets" | "daemonsets" => {
            for e in selector["matchExpressions"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let Some(key) = e["key"].as_str() else {
                    continue;
                };
                let values: Vec<&str> = e["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str())
                    .collect();
                match e["operator"].as_str() {
                    Some("In") => sel.push(format!("{key} in ({})", values.join(","))),
                    Some("NotIn") => sel.push(format!("{key} notin ({})", values.join(","))),
                    Some("Exists") => sel.push(key.to_string()),
                    Some("DoesNotExist") => sel.push(format!("!{key}")),
                    _ => {}
                }
            }
            selector["matchLabels"].as_object()
        }
        _ => return None,
    };
    let mut out: Vec<String> = labels
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
        .collect();
    out.append(&mut sel);
    (!out.is_empty()).then(|| PodPick::Selector(out.join(",")))
}

/// What the prompt for a forward remembers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PfAsk {
    pub namespace: String,
    /// `deployment/web`
    pub target: String,
    pub pick: PodPick,
    pub ports: Vec<u16>,
    /// A Service's ports and their target ports (empty for pods and workloads).
    pub service_ports: Vec<(u16, PortRef)>,
}

pub(crate) fn prompt_label(ask: &PfAsk) -> String {
    let ports = if ask.ports.is_empty() {
        "no declared ports".to_string()
    } else {
        let p: Vec<String> = ask.ports.iter().map(u16::to_string).collect();
        format!("port {}", p.join(", "))
    };
    format!(
        "forward {}/{} ({ports}) LOCAL:PORT: ",
        ask.namespace, ask.target
    )
}

impl App {
    /// `port_forward` on the selection: asks for the ports.
    pub(super) fn pf_ask(&mut self) {
        let (plural, singular, obj) = match self.top() {
            Some(View::Table(t)) => match t.selected() {
                Some(o) => (
                    t.kind().plural.clone(),
                    t.kind().singular.clone(),
                    o.clone(),
                ),
                None => return self.flash(super::strings::NOTHING_SELECTED, Level::Warn),
            },
            Some(View::Containers(c)) => {
                let Some(obj) = self.store(&c.source.spec.key).and_then(|s| {
                    s.state()
                        .into_iter()
                        .find(|o| o.metadata.name.as_deref() == Some(&c.source.name))
                }) else {
                    return self.flash(super::strings::NOTHING_SELECTED, Level::Warn);
                };
                ("pods".to_string(), "pod".to_string(), obj)
            }
            _ => return self.flash(strings::PF_WHERE, Level::Warn),
        };
        let Some(pick) = pick_of(&plural, &obj) else {
            return self.flash(strings::PF_WHERE, Level::Warn);
        };
        let Some(name) = obj.metadata.name.clone() else {
            return;
        };
        let namespace = obj
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        let ports = ports_of(&plural, &obj);
        let service_ports = if plural == "services" {
            service_ports(&obj)
        } else {
            Vec::new()
        };
        let text = match ports.first() {
            Some(p) => format!("{}:{p}", self.pf.suggest_local(*p)),
            None => String::new(),
        };
        let ask = PfAsk {
            namespace,
            target: format!("{singular}/{name}"),
            pick,
            ports,
            service_ports,
        };
        self.open_prompt(Prompt::new(PromptKind::PortForward(ask), &text));
    }

    /// The prompt's answer: starts the forward.
    pub(super) fn pf_submit(&mut self, text: &str, ask: PfAsk) {
        let (local, port) = match parse_ports(text) {
            Ok(p) => p,
            Err(e) => {
                if let Some(p) = self.prompt.as_mut() {
                    p.error = Some(e);
                }
                return;
            }
        };
        self.close_prompt();
        // A Service's port goes to its target port on the pod (kubectl's `svc/NAME L:PORT`).
        let (container_port, named_port) = match ask.service_ports.iter().find(|(p, _)| *p == port)
        {
            Some((_, PortRef::Number(n))) => (*n, None),
            Some((_, PortRef::Named(name))) => (port, Some(name.clone())),
            None => (port, None),
        };
        let local = local.unwrap_or_else(|| self.pf.suggest_local(port));
        let id = self
            .pf
            .add(&ask.namespace, &ask.target, port, local, self.now);
        self.request(Request::Forward(ForwardSpec {
            id,
            namespace: ask.namespace.clone(),
            pick: ask.pick,
            container_port,
            named_port,
            local_port: local,
        }));
        self.flash(
            format!(
                "forwarding 127.0.0.1:{local} → {}/{} port {port} (:pf lists forwards)",
                ask.namespace, ask.target
            ),
            Level::Info,
        );
    }

    pub(super) fn pf_event(&mut self, ev: ForwardEvent) {
        self.pf.apply(&ev);
    }

    /// `:pf` (the list) and `:pf stop` (stop every forward).
    pub(super) fn pf_command(&mut self, stop_all: bool) {
        if stop_all {
            let ids = self.pf.running();
            for id in &ids {
                self.pf.stop(*id);
                self.request(Request::StopForward(*id));
            }
            return self.flash(
                format!("stopped {} port forward(s)", ids.len()),
                Level::Info,
            );
        }
        if !matches!(self.top(), Some(View::Forwards(_))) {
            self.stack.push(View::Forwards(PfView::default()));
        }
    }

    /// Keys of the `:pf` list; whether the action was taken.
    pub(super) fn pf_action(&mut self, a: Action) -> bool {
        let h = self.list_height();
        let len = self.pf.forwards.len();
        let Some(View::Forwards(v)) = self.stack.last_mut() else {
            return false;
        };
        let page = h.max(2) as isize - 1;
        match a {
            Action::Up => v.cursor.step(-1, len, h),
            Action::Down => v.cursor.step(1, len, h),
            Action::PageUp => v.cursor.step(-page, len, h),
            Action::PageDown => v.cursor.step(page, len, h),
            Action::Top => v.cursor.step(isize::MIN / 2, len, h),
            Action::Bottom => v.cursor.step(isize::MAX / 2, len, h),
            Action::Delete => {
                let Some(f) = self.pf.forwards.get(v.cursor.selected) else {
                    return true;
                };
                let (id, what) = (f.id, format!("127.0.0.1:{} → {}", f.local_port, f.target));
                if self.pf.stop(id) {
                    self.request(Request::StopForward(id));
                    self.flash(format!("stopped forward {what}"), Level::Info);
                }
            }
            // Enter: the selected forward's last error in full.
            Action::Select => {
                if let Some(f) = self.pf.forwards.get(v.cursor.selected) {
                    let text = match &f.last_error {
                        Some(e) => format!("{}: {e}", f.target),
                        None => format!("{}: no errors", f.target),
                    };
                    self.flash_for(text, Level::Info, 15);
                }
            }
            Action::Scale | Action::Restart | Action::PortForward => {}
            _ => return false,
        }
        true
    }
}

pub(crate) mod strings {
    pub(crate) const PF_WHERE: &str =
        "port-forward works on a pod, Deployment, StatefulSet, ReplicaSet, DaemonSet or Service";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts() -> Timestamp {
        Timestamp::from_second(1_700_000_000).expect("ts")
    }

    #[test]
    fn ports_parse_in_kubectl_order() {
        assert_eq!(parse_ports("8080:80"), Ok((Some(8080), 80)));
        assert_eq!(parse_ports(" 5432 "), Ok((Some(5432), 5432)));
        assert_eq!(parse_ports(":80"), Ok((None, 80)));
        assert!(parse_ports("x:80").is_err());
        assert!(parse_ports("0:80").is_err());
        assert!(parse_ports("").is_err());
    }

    #[test]
    fn suggested_ports_avoid_running_forwards_and_privileged_ports() {
        let mut s = PfState::default();
        assert_eq!(s.suggest_local(5432), 5432);
        assert_eq!(s.suggest_local(80), 8080);
        let id = s.add("ns", "pod/a", 80, 8080, ts());
        assert_eq!(s.suggest_local(80), 8081);
        s.stop(id);
        assert_eq!(s.suggest_local(80), 8080);
    }

    #[test]
    fn events_move_a_forward_through_its_states() {
        let mut s = PfState::default();
        let id = s.add("ns", "deployment/web", 80, 8080, ts());
        s.apply(&ForwardEvent::Listening {
            id,
            local_port: 8081,
        });
        assert_eq!(s.forwards[0].local_port, 8081);
        assert_eq!(s.forwards[0].status, PfStatus::Waiting);
        s.apply(&ForwardEvent::Pod {
            id,
            pod: Some("web-1".into()),
        });
        assert_eq!(s.forwards[0].status, PfStatus::Active);
        s.apply(&ForwardEvent::Traffic {
            id,
            sent: 6,
            received: 12,
            connections: 1,
        });
        s.apply(&ForwardEvent::Pod { id, pod: None });
        assert_eq!(s.forwards[0].status, PfStatus::Waiting);
        assert_eq!(s.forwards[0].pod.as_deref(), Some("web-1"));
        s.apply(&ForwardEvent::Pod {
            id,
            pod: Some("web-2".into()),
        });
        assert_eq!(s.forwards[0].repicks, 1);
        s.apply(&ForwardEvent::Error {
            id,
            error: "refused".into(),
        });
        let f = &s.forwards[0];
        assert_eq!((f.sent, f.received, f.errors), (6, 12, 1));
        assert_eq!(f.status.label(), "Active");
        assert!(s.stop(id));
        assert!(!s.stop(id));
        assert!(s.running().is_empty());
        // A stopped forward ignores late reports.
        s.apply(&ForwardEvent::Pod {
            id,
            pod: Some("web-3".into()),
        });
        assert_eq!(s.forwards[0].status, PfStatus::Stopped(None));
    }

    #[test]
    fn workloads_and_services_offer_ports_and_selectors() {
        let deploy = Obj::from_json(serde_json::json!({
            "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"spec": {"containers": [
                        {"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 9090}]}]}}}
        }))
        .expect("obj");
        assert_eq!(ports_of("deployments", &deploy), vec![80, 9090]);
        assert_eq!(
            pick_of("deployments", &deploy),
            Some(PodPick::Selector("app=web".into()))
        );
        let svc = Obj::from_json(serde_json::json!({
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web", "tier": "fe"},
                     "ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": "https"}]}
        }))
        .expect("obj");
        assert_eq!(ports_of("services", &svc), vec![80, 443]);
        assert_eq!(
            service_ports(&svc),
            vec![
                (80, PortRef::Number(8080)),
                (443, PortRef::Named("https".into()))
            ]
        );
        assert_eq!(
            pick_of("services", &svc),
            Some(PodPick::Selector("app=web,tier=fe".into()))
        );
        let pod = Obj::from_json(serde_json::json!({"metadata": {"name": "p"}, "spec": {}}))
            .expect("obj");
        assert_eq!(pick_of("pods", &pod), Some(PodPick::Named("p".into())));
        assert!(ports_of("pods", &pod).is_empty());
        assert_eq!(pick_of("configmaps", &pod), None);
        let exprs = Obj::from_json(serde_json::json!({
            "metadata": {"name": "db"},
            "spec": {"selector": {"matchLabels": {"app": "db"}, "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "canary", "operator": "DoesNotExist"}]}}
        }))
        .expect("obj");
        assert_eq!(
            pick_of("statefulsets", &exprs),
            Some(PodPick::Selector("app=db,tier in (a,b),!canary".into()))
        );
    }
}
