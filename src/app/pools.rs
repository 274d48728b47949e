//! The node pools pane (`:pools`): nodes grouped into pools with capacity, requests, spread,
//! warnings and EKS node group data. The model is rebuilt here when the node or pod watch
//! or the EKS data changes (never per frame); the UI only reads it.
//!
//! Drill-down: Enter on a pool opens the nodes table scoped by the pool's label selector;
//! Enter on a node there opens its pods (the usual node → pods drill). `s` changes the
//! selected pool's EKS node group scaling, behind a prompt and a confirmation.

pub(super) mod actions;
pub(crate) mod index;
pub(crate) mod strings;

use jiff::Timestamp;

use super::effect::Effect;
use super::pane::{Pane, PaneCx, Refreshed};
use super::view::{Cursor, View};
use super::{App, Level, WatchStatus};
use crate::domain::dashboard::panes;
use crate::domain::pools::{self, NodegroupInfo, Pool};
use crate::model::WatchSpec;
use crate::model::action::Action;
use crate::sources::nodegroups::EksEvent;

/// Rows of the pools table in a body `height` rows high: two fifths of it (borders and
/// heading excluded); the detail below takes the rest.
pub(crate) fn table_rows_in(height: u16) -> usize {
    (usize::from(height) * 2 / 5).saturating_sub(3).max(3)
}

/// EKS node group data, kept across openings of the pane (shown with its age).
#[derive(Debug, Clone, PartialEq)]
pub struct EksState {
    /// Whether the sources have said which EKS cluster the context is.
    pub known: bool,
    /// The context's EKS cluster; `None` when it is not one (and no `--eks-cluster`).
    pub cluster: Option<String>,
    /// The last node groups described.
    pub groups: Vec<NodegroupInfo>,
    pub status: WatchStatus,
    /// When `groups` was last refreshed.
    pub updated: Option<Timestamp>,
}

impl Default for EksState {
    fn default() -> Self {
        EksState {
            known: false,
            cluster: None,
            groups: Vec::new(),
            status: WatchStatus::Loading,
            updated: None,
        }
    }
}

/// `min/desired/max` of a node group.
pub(crate) type Scaling = (i32, i32, i32);

#[derive(Debug, Clone)]
pub struct PoolsView {
    /// Every node (cluster-scoped).
    pub nodes: WatchSpec,
    /// Pods of every namespace (requests per node, tolerations).
    pub pods: WatchSpec,
    /// `--pool-label` / `pool_label`: group by this label instead of the provider's.
    pub pool_label: Option<String>,
    pub pools: Vec<Pool>,
    pub cursor: Cursor,
    /// What the last refresh read, so that the next one reads only what changed.
    pub index: index::PoolsIndex,
}

impl PoolsView {
    pub fn selected(&self) -> Option<&Pool> {
        self.pools.get(self.cursor.selected)
    }
}

impl Pane for PoolsView {
    fn watches(&self) -> Vec<&WatchSpec> {
        vec![&self.nodes, &self.pods]
    }

    /// Recomputes the pools from the watch stores, the EKS data and the nodes' usage.
    fn refresh(&mut self, cx: &mut PaneCx<'_>) -> Refreshed {
        let nodes = cx.store(&self.nodes).map(|s| s.state()).unwrap_or_default();
        let pods = cx.store(&self.pods).map(|s| s.state()).unwrap_or_default();
        let eks: &[NodegroupInfo] = if cx.eks.cluster.is_some() {
            &cx.eks.groups
        } else {
            &[]
        };
        let mut grouped = self
            .index
            .group(&nodes, &pods, self.pool_label.as_deref(), eks);
        let m = cx.metrics;
        let cpu = m.pane_values(panes::NODE_CPU, "node").unwrap_or_default();
        let mem = m
            .pane_values(panes::NODE_MEMORY, "node")
            .unwrap_or_default();
        if !cpu.is_empty() || !mem.is_empty() {
            pools::apply_usage(&mut grouped, &cpu, &mem);
        }
        let name = self.selected().map(|p| p.name.clone());
        self.pools = grouped;
        if let Some(pos) = name.and_then(|n| self.pools.iter().position(|p| p.name == n)) {
            self.cursor.selected = pos;
        }
        self.fit(self.rows_shown(cx));
        Refreshed::default()
    }

    /// The table takes two fifths of the body; the detail below takes the rest.
    fn rows_shown(&self, cx: &PaneCx<'_>) -> usize {
        table_rows_in(cx.viewport.body(cx.prompt).1)
    }

    fn step(&mut self, delta: isize, rows: usize) {
        let len = self.pools.len();
        self.cursor.step(delta, len, rows);
    }

    fn fit(&mut self, rows: usize) {
        let len = self.pools.len();
        self.cursor.fit(len, rows);
    }

    fn action(&mut self, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
        actions::action(self, a, cx)
    }
}

/// Parses `min/desired/max` (`2/4/6`), or a lone desired size kept within the current
/// min and max.
pub(crate) fn parse_scaling(text: &str, current: Scaling) -> Result<Scaling, String> {
    let parts: Vec<&str> = text.split('/').map(str::trim).collect();
    let num = |s: &str| {
        s.parse::<i32>()
            .map_err(|_| strings::SCALING_FORMAT.to_string())
    };
    let (min, desired, max) = match parts.as_slice() {
        [d] => (current.0, num(d)?, current.2),
        [a, b, c] => (num(a)?, num(b)?, num(c)?),
        _ => return Err(strings::SCALING_FORMAT.into()),
    };
    if min < 0 || max < 1 || min > desired || desired > max {
        return Err(strings::scaling_order(min, desired, max));
    }
    Ok((min, desired, max))
}

impl App {
    /// `:pools`: the pane as the new root view.
    pub(super) fn open_pools(&mut self) {
        let (Some(nodes), Some(pods)) =
            (self.catalog.resolve("nodes"), self.catalog.resolve("pods"))
        else {
            return self.flash(strings::NO_NODE_KINDS, Level::Error);
        };
        let view = PoolsView {
            nodes: WatchSpec::new(nodes, None, None, None),
            pods: WatchSpec::new(pods, None, None, None),
            pool_label: self.config.settings.pool_label.clone(),
            pools: Vec::new(),
            cursor: Cursor::default(),
            index: index::PoolsIndex::default(),
        };
        self.clear_stack();
        self.stack.push(View::Pools(view));
        self.prune_watches();
        self.refresh_view(0);
    }

    /// Whether node groups should be polled (a pools pane is on the stack).
    pub fn eks_wanted(&self) -> bool {
        self.stack.iter().any(|v| matches!(v, View::Pools(_))) || self.pending_wants_eks()
    }

    fn refresh_all_pools(&mut self) {
        for i in 0..self.stack.len() {
            if matches!(self.stack[i], View::Pools(_)) {
                self.refresh_view(i);
            }
        }
    }

    pub(super) fn handle_eks(&mut self, ev: EksEvent) {
        let now = self.now;
        let e = &mut self.eks;
        match ev {
            EksEvent::Cluster(cluster) => {
                if cluster != e.cluster || !e.known {
                    *e = EksState {
                        known: true,
                        cluster,
                        ..EksState::default()
                    };
                }
            }
            EksEvent::Nodegroups { cluster, groups } => {
                if e.cluster.as_deref() != Some(cluster.as_str()) {
                    return;
                }
                e.groups = groups;
                e.status = WatchStatus::Ready;
                e.updated = Some(now);
            }
            EksEvent::Failed { cluster, error } => {
                if e.cluster.as_deref() != Some(cluster.as_str()) {
                    return;
                }
                let since = match &e.status {
                    WatchStatus::Stale { since, .. } => *since,
                    _ => e.updated.unwrap_or(now),
                };
                e.status = WatchStatus::Stale { error, since };
            }
        }
        self.refresh_all_pools();
    }
}

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;
