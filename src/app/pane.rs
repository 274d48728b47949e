//! Panes as components: what [`App`](super::App) asks of the node pools, sync waves, CNPG and
//! metrics panes — the watches they need, rebuilding their model from a [`PaneCx`] (stores,
//! catalog, clock, viewport and the state panes share), moving their selection, and answering
//! their keys with [`Effect`]s the app applies — so that `update` dispatches through [`Pane`]
//! instead of a match per pane.

use std::collections::HashMap;

use jiff::Timestamp;
use kube::runtime::reflector::Store;

use super::cnpg::CnpgState;
use super::effect::Effect;
use super::metrics::MetricsState;
use super::pools::EksState;
use super::view::View;
use super::viewport::Viewport;
use super::{WatchData, WatchStatus};
use crate::model::action::Action;
use crate::model::object::Obj;
use crate::model::{Catalog, WatchKey, WatchSpec};

/// What a pane reads to rebuild itself.
pub(crate) struct PaneCx<'a> {
    pub(super) watches: &'a HashMap<WatchKey, WatchData>,
    pub catalog: &'a Catalog,
    pub now: Timestamp,
    pub viewport: Viewport,
    /// A prompt line takes a row of the body.
    pub prompt: bool,
    /// The views below this one (a detail reads the list it was opened from).
    pub below: &'a [View],
    pub eks: &'a EksState,
    pub metrics: &'a MetricsState,
    /// The CNPG Clusters, pods and nodes kept across views (node copies are cached here).
    pub cnpg: &'a mut CnpgState,
    /// `--readonly`: actions that change the cluster are refused.
    pub readonly: bool,
    /// The context's user (named in an Argo CD sync).
    pub user: &'a str,
}

impl PaneCx<'_> {
    pub(crate) fn store(&self, spec: &WatchSpec) -> Option<&Store<Obj>> {
        self.watches.get(&spec.key).and_then(|w| w.store.as_ref())
    }

    pub(crate) fn status(&self, spec: &WatchSpec) -> Option<&WatchStatus> {
        self.watches.get(&spec.key).map(|w| &w.status)
    }

    /// Rows of a list that fills the body.
    pub(crate) fn list_rows(&self) -> usize {
        self.viewport.list_rows(self.prompt)
    }
}

/// What rebuilding a pane changed besides the pane itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Refreshed {
    /// The pane now needs other watches (the app starts and stops them).
    pub watches_changed: bool,
}

/// A pane: a view with its own watches, model and selection.
pub(crate) trait Pane {
    /// The watches it needs while it is on the stack.
    fn watches(&self) -> Vec<&WatchSpec>;

    /// Rebuilds its model from the stores (and the state panes share).
    fn refresh(&mut self, cx: &mut PaneCx<'_>) -> Refreshed;

    /// Rows of its list that the viewport shows.
    fn rows_shown(&self, cx: &PaneCx<'_>) -> usize;

    /// Moves the selection by `delta` rows (Up, Down, PageUp, …) with `rows` shown.
    fn step(&mut self, delta: isize, rows: usize);

    /// Keeps the selection visible with `rows` shown (after a resize or a prompt).
    fn fit(&mut self, rows: usize);

    /// Answers an action with what the app should do (reading only itself and `cx`);
    /// `None` leaves the action to the app.
    fn action(&mut self, _a: Action, _cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
        None
    }
}

/// The pane a view is, if it is one.
pub(crate) fn pane(v: &View) -> Option<&dyn Pane> {
    match v {
        View::Pools(p) => Some(p),
        View::Waves(w) => Some(w),
        View::WaveApp(d) => Some(d),
        View::Cnpg(l) => Some(l),
        View::CnpgDetail(d) => Some(d),
        View::Metrics(m) => Some(m),
        _ => None,
    }
}

pub(crate) fn pane_mut(v: &mut View) -> Option<&mut dyn Pane> {
    match v {
        View::Pools(p) => Some(p),
        View::Waves(w) => Some(w),
        View::WaveApp(d) => Some(d),
        View::Cnpg(l) => Some(l),
        View::CnpgDetail(d) => Some(d),
        View::Metrics(m) => Some(m),
        _ => None,
    }
}

impl super::App {
    /// Rebuilds the view at `i` when it is a pane (stopping and starting watches when its
    /// needs changed); `false` when it is not one.
    pub(super) fn refresh_pane(&mut self, i: usize) -> bool {
        let (below, rest) = self.stack.split_at_mut(i);
        let Some(pane) = rest.first_mut().and_then(pane_mut) else {
            return false;
        };
        let mut cx = PaneCx {
            watches: &self.watches,
            catalog: &self.catalog,
            now: self.now,
            viewport: self.viewport,
            prompt: self.prompt.is_some(),
            below,
            eks: &self.eks,
            metrics: &self.metrics,
            cnpg: &mut self.cnpg,
            readonly: self.readonly,
            user: &self.cluster.user,
        };
        if pane.refresh(&mut cx).watches_changed {
            self.prune_watches();
        }
        true
    }

    /// Moves the selection of the top view when it is a pane; `false` when it is not one.
    pub(super) fn pane_step(&mut self, delta: isize) -> bool {
        let i = self.stack.len().saturating_sub(1);
        self.with_pane(i, |pane, cx| {
            let rows = pane.rows_shown(cx);
            pane.step(delta, rows);
        })
    }

    /// Gives the action to the top view when it is a pane and applies what it answers;
    /// `false` when it is not one or leaves the action to the app.
    pub(super) fn pane_action(&mut self, a: Action) -> bool {
        match self.pane_effects(a) {
            Some(effects) => {
                self.apply(effects);
                true
            }
            None => false,
        }
    }

    /// What the top view answers to the action when it is a pane, not applied yet.
    pub(super) fn pane_effects(&mut self, a: Action) -> Option<Vec<Effect>> {
        let i = self.stack.len().checked_sub(1)?;
        let mut effects = None;
        self.with_pane(i, |pane, cx| effects = pane.action(a, cx));
        effects
    }

    /// Keeps every pane's selection visible (after a resize or a prompt).
    pub(super) fn refit_panes(&mut self) {
        for i in 0..self.stack.len() {
            self.with_pane(i, |pane, cx| {
                let rows = pane.rows_shown(cx);
                pane.fit(rows);
            });
        }
    }

    fn with_pane(&mut self, i: usize, f: impl FnOnce(&mut dyn Pane, &PaneCx<'_>)) -> bool {
        if i >= self.stack.len() {
            return false;
        }
        let (below, rest) = self.stack.split_at_mut(i);
        let Some(pane) = rest.first_mut().and_then(pane_mut) else {
            return false;
        };
        let cx = PaneCx {
            watches: &self.watches,
            catalog: &self.catalog,
            now: self.now,
            viewport: self.viewport,
            prompt: self.prompt.is_some(),
            below,
            eks: &self.eks,
            metrics: &self.metrics,
            cnpg: &mut self.cnpg,
            readonly: self.readonly,
            user: &self.cluster.user,
        };
        f(pane, &cx);
        true
    }
}

#[cfg(test)]
mod tests;
