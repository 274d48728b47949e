//! A read-only panel of lines computed from watches: the owners tree (`:xray`) and the
//! why-Pending explanation. Lines may point at an object (Enter describes it).

use std::sync::Arc;

use super::columns::Tone;
use super::view::{Cursor, ObjSource, TextMode, View};
use super::{App, Level, strings};
use crate::model::WatchSpec;

/// An object a line points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTarget {
    /// `Deployment`, …
    pub kind: String,
    /// `apps/v1`; empty when unknown.
    pub api_version: String,
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PanelLine {
    pub text: String,
    pub tone: Tone,
    pub target: Option<LineTarget>,
}

impl PanelLine {
    pub fn new(text: impl Into<String>, tone: Tone) -> PanelLine {
        PanelLine {
            text: text.into(),
            tone,
            target: None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum PanelKind {
    /// The owners tree of one object, or (without a name) of every object of the kind.
    Xray {
        root: WatchSpec,
        name: Option<String>,
    },
    /// Why a pod is Pending.
    Pending { pod: ObjSource },
}

#[derive(Debug, Clone)]
pub struct PanelView {
    pub kind: PanelKind,
    /// Every watch the lines are computed from.
    pub watches: Vec<WatchSpec>,
    pub title: String,
    pub lines: Vec<PanelLine>,
    pub cursor: Cursor,
}

impl PanelView {
    pub fn crumb(&self) -> String {
        self.title.clone()
    }
}

impl App {
    pub(super) fn push_panel(&mut self, view: PanelView) {
        self.stack.push(View::Panel(Box::new(view)));
        self.prune_watches();
        let i = self.stack.len() - 1;
        self.refresh_view(i);
    }

    /// Recomputes the lines of the panel at `i`.
    pub(super) fn refresh_panel(&mut self, i: usize) {
        let Some(View::Panel(p)) = self.stack.get(i) else {
            return;
        };
        let lines = match &p.kind {
            PanelKind::Xray { root, name } => self.xray_lines(p, root, name.as_deref()),
            PanelKind::Pending { pod } => self.pending_lines(p, pod),
        };
        let h = self.list_height();
        if let Some(View::Panel(p)) = self.stack.get_mut(i) {
            p.lines = lines;
            let len = p.lines.len();
            p.cursor.fit(len, h);
        }
    }

    pub(super) fn panel_move(&mut self, delta: isize) {
        let h = self.list_height();
        if let Some(View::Panel(p)) = self.stack.last_mut() {
            let len = p.lines.len();
            p.cursor.step(delta, len, h);
        }
    }

    /// Enter on a line that names an object: its describe view.
    pub(super) fn panel_select(&mut self) {
        let Some(View::Panel(p)) = self.top() else {
            return;
        };
        let Some(t) = p
            .lines
            .get(p.cursor.selected)
            .and_then(|l| l.target.clone())
        else {
            return;
        };
        let kind = self
            .catalog
            .kinds()
            .iter()
            .find(|k| {
                k.kind == t.kind && (t.api_version.is_empty() || k.api_version() == t.api_version)
            })
            .cloned()
            .or_else(|| self.catalog.resolve(&t.kind));
        let Some(kind) = kind else {
            return self.flash(format!("unknown kind {}", t.kind), Level::Warn);
        };
        let spec = WatchSpec::new(Arc::clone(&kind), t.namespace.clone(), None, None);
        self.open_text_for(
            TextMode::Describe,
            ObjSource {
                spec,
                namespace: t.namespace,
                name: t.name,
            },
        );
    }

    /// The top view's selected object, for `x` and `W`.
    pub(super) fn selected_or_shown(&self) -> Option<ObjSource> {
        match self.top()? {
            View::Text(t) => Some(t.source.clone()),
            _ => self.selected_source(),
        }
    }

    pub(super) fn nothing_selected(&mut self) {
        self.flash(strings::NOTHING_SELECTED, Level::Warn);
    }
}
