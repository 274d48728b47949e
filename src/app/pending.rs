//! `W` on a pod (in the pods table or its describe view): why it is Pending, explained
//! against the node pools ([`crate::domain::pending`]): the scheduler's message in words,
//! and per pool its taints, labels, room and (EKS) whether it could grow. Live: computed
//! again when the pods, nodes or the pod's events change.

use super::columns::Tone;
use super::panel::{PanelKind, PanelLine, PanelView};
use super::view::{Cursor, ObjSource, View};
use super::{App, Level};
use crate::domain::pending::{self, Check, cpu_text, memory_text};
use crate::model::WatchSpec;
use crate::model::object::Obj;
use crate::model::views::{Event, Node, Pod, View as ObjView};

/// The typed views of a store's objects (objects without a body left out).
fn views<V: ObjView>(objs: &[std::sync::Arc<Obj>]) -> Vec<V> {
    objs.iter().filter_map(|o| V::from_obj(o).ok()).collect()
}

fn check_line(c: &Check) -> PanelLine {
    let (mark, tone) = if c.ok {
        ("✓", Tone::Ok)
    } else {
        ("✗", Tone::Error)
    };
    PanelLine::new(format!("     {mark} {}", c.text), tone)
}

impl App {
    /// `W`: the explanation panel for the selected (or shown) pod.
    pub(super) fn open_why_pending(&mut self) {
        let Some(src) = self.selected_or_shown() else {
            return self.nothing_selected();
        };
        if src.kind().full_name() != "pods" {
            return self.flash("why Pending: select a pod", Level::Warn);
        }
        let (Some(nodes), Some(pods), Some(events)) = (
            self.catalog.resolve("nodes"),
            self.catalog.resolve("pods"),
            self.catalog.resolve("events"),
        ) else {
            return self.flash(
                "why Pending: the cluster has no nodes, pods or events kinds",
                Level::Warn,
            );
        };
        let watches = vec![
            WatchSpec::new(pods, None, None, None),
            WatchSpec::new(nodes, None, None, None),
            WatchSpec::new(
                events,
                src.namespace.clone(),
                None,
                Some(format!("involvedObject.name={}", src.name)),
            ),
        ];
        let title = format!("why pending {}", src.name);
        self.push_panel(PanelView {
            kind: PanelKind::Pending { pod: src },
            watches,
            title,
            lines: Vec::new(),
            cursor: Cursor::default(),
        });
    }

    /// Whether a why-Pending panel is open (EKS node groups are polled for it).
    pub fn pending_wants_eks(&self) -> bool {
        self.stack
            .iter()
            .any(|v| matches!(v, View::Panel(p) if matches!(p.kind, PanelKind::Pending { .. })))
    }

    pub(super) fn pending_lines(&self, p: &PanelView, pod: &ObjSource) -> Vec<PanelLine> {
        let [pods_w, nodes_w, events_w] = p.watches.as_slice() else {
            return Vec::new();
        };
        let pods: Vec<std::sync::Arc<Obj>> = self
            .store(&pods_w.key)
            .map(|s| s.state())
            .unwrap_or_default();
        let Some(me) = pods.iter().find(|o| {
            o.metadata.name.as_deref() == Some(pod.name.as_str())
                && o.metadata.namespace == pod.namespace
        }) else {
            return vec![PanelLine::new(super::strings::LOADING, Tone::Muted)];
        };
        let Ok(pod_v) = Pod::from_obj(me) else {
            return vec![PanelLine::new(super::strings::LOADING, Tone::Muted)];
        };
        let all: Vec<Pod> = views(&pods);
        let state = |w: &WatchSpec| self.store(&w.key).map(|s| s.state()).unwrap_or_default();
        let nodes: Vec<Node> = views(&state(nodes_w));
        let events: Vec<Event> = views(&state(events_w));
        let eks = if self.eks.cluster.is_some() {
            self.eks.groups.as_slice()
        } else {
            &[]
        };
        let e = pending::explain(
            &pod_v,
            &nodes,
            &all,
            &events,
            self.config.settings.pool_label.as_deref(),
            eks,
        );
        let ns = pod.namespace.as_deref().unwrap_or("");
        let mut out = vec![PanelLine::new(
            format!(
                "pod {ns}/{} is {}; it requests {} and {}",
                pod.name,
                e.phase,
                cpu_text(e.requests.0),
                memory_text(e.requests.1)
            ),
            if e.phase == "Pending" {
                Tone::Warn
            } else {
                Tone::Ok
            },
        )];
        out.push(PanelLine::new(String::new(), Tone::Normal));
        match &e.scheduler {
            Some(m) => {
                out.push(PanelLine::new("The scheduler says:", Tone::Normal));
                for r in &e.reasons {
                    out.push(PanelLine::new(format!("  • {r}"), Tone::Normal));
                }
                out.push(PanelLine::new(format!("  ({m})"), Tone::Muted));
            }
            None => out.push(PanelLine::new(
                "The scheduler has not said why yet (no FailedScheduling event).",
                Tone::Muted,
            )),
        }
        out.push(PanelLine::new(String::new(), Tone::Normal));
        out.push(PanelLine::new("Node pools:", Tone::Normal));
        for pf in &e.pools {
            let (mark, tone) = if pf.fits_now {
                ("✓", Tone::Ok)
            } else if pf.fits_after_scale {
                ("◐", Tone::Warn)
            } else {
                ("✗", Tone::Error)
            };
            out.push(PanelLine::new(
                format!("  {mark} {} ({} nodes)", pf.name, pf.nodes),
                tone,
            ));
            out.push(check_line(&pf.taints));
            out.push(check_line(&pf.labels));
            out.push(check_line(&pf.room));
            if let Some(s) = &pf.scale {
                out.push(check_line(s));
            }
        }
        out.push(PanelLine::new(String::new(), Tone::Normal));
        out.push(PanelLine::new(
            format!("Verdict: {}", e.verdict),
            if e.pools.iter().any(|p| p.fits_now || p.fits_after_scale) {
                Tone::Warn
            } else {
                Tone::Error
            },
        ));
        out
    }
}
