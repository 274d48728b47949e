//! `x` on any object, `:xray KIND [NAME]`: owners and dependents as a tree
//! ([`crate::domain::xray`]), live from watches of the object's namespace, with health marks;
//! Enter describes the object on the line.

use std::sync::Arc;

use super::App;
use super::columns::Tone;
use super::panel::{LineTarget, PanelKind, PanelLine, PanelView};
use super::view::{Cursor, ObjSource};
use crate::domain::xray::{self, Health, Related};
use crate::model::WatchSpec;
use crate::model::object::Obj;

/// Kinds whose objects may hang under another in the tree (watched in its namespace).
const RELATED: &[&str] = &[
    "pods",
    "replicasets.apps",
    "jobs.batch",
    "persistentvolumeclaims",
    "services",
];

fn tone(h: Health) -> Tone {
    match h {
        Health::Healthy => Tone::Ok,
        Health::Progressing => Tone::Warn,
        Health::Degraded => Tone::Error,
        Health::Unknown => Tone::Muted,
    }
}

impl App {
    /// `x`: the tree under the selected (or shown) object.
    pub(super) fn open_xray_from_selection(&mut self) {
        let Some(src) = self.selected_or_shown() else {
            return self.nothing_selected();
        };
        let ObjSource {
            spec,
            namespace,
            name,
        } = src;
        let root = WatchSpec::new(spec.kind.clone(), namespace.clone(), None, None);
        self.open_xray(root, namespace, Some(name));
    }

    /// `:xray KIND [NAME]`: one object's tree, or every object of the kind in the namespace.
    pub(super) fn open_xray_command(&mut self, kind: &str, name: Option<String>) {
        let Some(k) = self.catalog.resolve(kind) else {
            return self.flash(format!("xray: unknown kind {kind:?}"), super::Level::Warn);
        };
        let ns = self.namespace.clone();
        let root = WatchSpec::new(k, ns.clone(), None, None);
        self.open_xray(root, ns, name);
    }

    fn open_xray(&mut self, root: WatchSpec, namespace: Option<String>, name: Option<String>) {
        let namespace = if root.kind.namespaced {
            namespace
        } else {
            None
        };
        let mut watches = vec![root.clone()];
        for r in RELATED {
            if let Some(k) = self.catalog.resolve(r) {
                watches.push(WatchSpec::new(k, namespace.clone(), None, None));
            }
        }
        let title = match &name {
            Some(n) => format!("xray {} {n}", root.kind.singular),
            None => format!("xray {}", root.kind.plural),
        };
        self.push_panel(PanelView {
            kind: PanelKind::Xray { root, name },
            watches,
            title,
            lines: Vec::new(),
            cursor: Cursor::default(),
        });
    }

    fn objects(&self, spec: &WatchSpec) -> Vec<Arc<Obj>> {
        self.store(&spec.key).map(|s| s.state()).unwrap_or_default()
    }

    pub(super) fn xray_lines(
        &self,
        p: &PanelView,
        root: &WatchSpec,
        name: Option<&str>,
    ) -> Vec<PanelLine> {
        let mut related = Related::default();
        for w in p.watches.iter().skip(1) {
            let objs = self.objects(w);
            match w.kind.full_name().as_str() {
                "pods" => related.pods = objs,
                "replicasets.apps" => related.replicasets = objs,
                "jobs.batch" => related.jobs = objs,
                "persistentvolumeclaims" => related.pvcs = objs,
                "services" => related.services = objs,
                _ => {}
            }
        }
        let mut roots: Vec<Arc<Obj>> = self
            .objects(root)
            .into_iter()
            .filter(|o| name.is_none_or(|n| o.metadata.name.as_deref() == Some(n)))
            .collect();
        roots.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        if roots.is_empty() {
            let loaded = self
                .watches
                .get(&root.key)
                .is_some_and(|w| w.status != super::WatchStatus::Loading);
            let text = if loaded {
                format!("no {} {}", root.kind.singular, name.unwrap_or(""))
            } else {
                super::strings::LOADING.to_string()
            };
            return vec![PanelLine::new(text, Tone::Muted)];
        }
        let kind = root.kind.kind.clone();
        let api_version = root.kind.api_version();
        let mut out = Vec::new();
        for r in roots {
            let tree = xray::build(&kind, &api_version, &r, &related);
            let flat = xray::flatten(&tree);
            for (depth, item) in &flat {
                let indent = if *depth == 0 {
                    String::new()
                } else {
                    format!("{}└─ ", "   ".repeat(depth - 1))
                };
                let ns = item
                    .namespace
                    .as_deref()
                    .filter(|n| Some(*n) != r.metadata.namespace.as_deref() || *depth == 0)
                    .map(|n| format!("{n}/"))
                    .unwrap_or_default();
                let status = if item.status.is_empty() {
                    String::new()
                } else {
                    format!("  {}", item.status)
                };
                out.push(PanelLine {
                    text: format!(
                        "{indent}{} {} {ns}{}{status}",
                        item.health.mark(),
                        item.kind,
                        item.name
                    ),
                    tone: tone(item.health),
                    target: Some(LineTarget {
                        kind: item.kind.clone(),
                        api_version: item.api_version.clone(),
                        namespace: item.namespace.clone(),
                        name: item.name.clone(),
                    }),
                });
            }
        }
        out
    }
}
