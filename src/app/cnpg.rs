//! The CloudNativePG pane (`:cnpg`): every `postgresql.cnpg.io/v1` Cluster at a glance, a
//! live `kubectl cnpg status`-like detail per Cluster with its failover timeline, and
//! promote (switchover) behind a confirmation.
//!
//! The models are computed here, in `update()`, when watch data changes (never per frame):
//! [`CnpgListView::rows`] and [`CnpgDetailView::detail`]. The failover timelines live in
//! [`CnpgState`] in the app: the console watches Clusters and their pods in the background
//! as soon as discovery shows the CRD, so a timeline starts when the console first sees a
//! Cluster, before the pane is opened.

mod actions;
#[cfg(test)]
pub(crate) mod fixture;
mod state;
pub(crate) mod strings;

use std::sync::Arc;

use crate::model::object::Obj;
use crate::model::views::{Event, PodDisruptionBudget, Service, View as ObjView};
use kube::runtime::reflector::Store;

pub(crate) use state::{ClusterKey, CnpgState, PendingSwitchover};

use super::effect::Effect;
use super::pane::{Pane, PaneCx, Refreshed};
use super::view::{Cursor, View};
use super::{App, Level, WatchStatus};
use crate::domain::cnpg::{
    self, ClusterDetail, ClusterInputs, ClusterSummary, DetailOptions, InstanceRow, Warning, label,
};
use crate::model::action::Action;
use crate::model::{ResourceKind, WatchKey, WatchSpec};

/// The watches of the list: Clusters and their pods in every namespace, and Nodes.
#[derive(Debug, Clone)]
pub struct ListWatches {
    pub clusters: WatchSpec,
    pub pods: WatchSpec,
    pub nodes: WatchSpec,
}

/// One row of the cluster list.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterRow {
    pub summary: ClusterSummary,
    /// Every warning of the cluster (placement, readiness, streaming, long failover).
    pub warnings: Vec<Warning>,
}

/// `:cnpg`: every Cluster.
#[derive(Debug, Clone)]
pub struct CnpgListView {
    pub watches: ListWatches,
    /// Sorted by namespace and name.
    pub rows: Vec<ClusterRow>,
    pub cursor: Cursor,
}

impl CnpgListView {
    pub fn selected(&self) -> Option<&ClusterRow> {
        self.rows.get(self.cursor.selected)
    }
}

/// One Cluster in detail.
#[derive(Debug, Clone)]
pub struct CnpgDetailView {
    pub key: ClusterKey,
    pub watches: ListWatches,
    /// Services, PodDisruptionBudgets and Events of the Cluster's namespace.
    pub services: WatchSpec,
    pub pdbs: Option<WatchSpec>,
    pub events: WatchSpec,
    pub detail: Option<ClusterDetail>,
    /// The Cluster is gone (or was never there); the last detail stays.
    pub missing: bool,
    /// Selection among the instances.
    pub cursor: Cursor,
}

impl CnpgDetailView {
    pub fn selected(&self) -> Option<&InstanceRow> {
        self.detail
            .as_ref()
            .and_then(|d| d.instances.get(self.cursor.selected))
    }

    pub fn specs(&self) -> Vec<&WatchSpec> {
        let mut out = vec![
            &self.watches.clusters,
            &self.watches.pods,
            &self.watches.nodes,
            &self.services,
        ];
        out.extend(self.pdbs.as_ref());
        out.push(&self.events);
        out
    }
}

impl ListWatches {
    pub fn specs(&self) -> Vec<&WatchSpec> {
        vec![&self.clusters, &self.pods, &self.nodes]
    }
}

/// Cheap filter before reading an Event: is it about this Cluster or one of its pods?
fn event_is_about(obj: &Obj, cluster: &str) -> bool {
    let involved = obj
        .data
        .get("involvedObject")
        .or_else(|| obj.data.get("regarding"));
    let name = involved
        .and_then(|o| o.get("name"))
        .and_then(crate::model::object::Value::as_str)
        .unwrap_or("");
    name == cluster
        || name
            .strip_prefix(cluster)
            .is_some_and(|rest| rest.starts_with('-'))
}

/// The typed views of a store's objects that `keep` accepts.
fn views_where<V: ObjView>(store: Option<&Store<Obj>>, keep: impl Fn(&Obj) -> bool) -> Vec<V> {
    store
        .map(|s| {
            s.state()
                .iter()
                .filter(|o| keep(o))
                .filter_map(|o| V::from_obj(o).ok())
                .collect()
        })
        .unwrap_or_default()
}

impl App {
    fn cnpg_kind(&self) -> Option<Arc<ResourceKind>> {
        self.catalog
            .kinds()
            .iter()
            .find(|k| k.group == cnpg::GROUP && k.plural == cnpg::PLURAL && k.kind == cnpg::KIND)
            .cloned()
    }

    /// The list's watches, when the API server serves CloudNativePG Clusters.
    fn cnpg_list_watches(&self) -> Option<ListWatches> {
        let clusters = self.cnpg_kind()?;
        let pods = self.catalog.resolve("pods")?;
        let nodes = self.catalog.resolve("nodes")?;
        Some(ListWatches {
            clusters: WatchSpec::new(clusters, None, None, None),
            pods: WatchSpec::new(pods, None, Some(label::CLUSTER.to_string()), None),
            nodes: WatchSpec::new(nodes, None, None, None),
        })
    }

    /// Watches kept while the console runs, whatever the view: Clusters and their pods, so
    /// that failover timelines start when a Cluster is first seen.
    pub(super) fn cnpg_background_watches(&self) -> Vec<WatchSpec> {
        if !self.catalog.discovered {
            return Vec::new();
        }
        match self.cnpg_list_watches() {
            Some(w) => vec![w.clusters, w.pods],
            None => Vec::new(),
        }
    }

    /// Feeds the failover timelines after a change of the Clusters or their pods. Called
    /// before views refresh, so the pane shows the timeline with the data.
    pub(super) fn cnpg_observe(&mut self, key: &WatchKey) {
        let Some(w) = self.cnpg_list_watches() else {
            return;
        };
        let is_clusters = *key == w.clusters.key;
        let is_pods = *key == w.pods.key;
        if !is_clusters && !is_pods {
            return;
        }
        let loaded = |k: &WatchKey| {
            self.watches
                .get(k)
                .filter(|d| d.status != WatchStatus::Loading)
                .and_then(|d| d.store.clone())
        };
        let store = loaded(key);
        let Some(store) = store else { return };
        let now = self.now;
        self.cnpg.follow_context(&self.cluster.context);
        let mut pod_keys = Vec::new();
        if is_clusters {
            let changed = self.cnpg.sync_clusters(&store.state());
            pod_keys = self.cnpg.observe_clusters(&changed, now);
            // Pods not synced yet (the pods watch answered first): take them now.
            if let Some(pods) = loaded(&w.pods.key).filter(|_| !pod_keys.is_empty()) {
                self.cnpg.sync_pods(&pods.state());
            }
        }
        if is_pods {
            pod_keys.extend(self.cnpg.sync_pods(&store.state()));
        }
        if self.cnpg.settling(now) {
            // Right after a replay seek: the replayed state arriving, not transitions.
            self.cnpg.rebuild_timelines(now);
            return;
        }
        self.cnpg.observe_pods(&pod_keys, now);
    }

    /// `:cnpg [namespace/]name`: the list, and the detail of a cluster when named.
    pub(super) fn open_cnpg(&mut self, cluster: Option<&str>) {
        let Some(watches) = self.cnpg_list_watches() else {
            let text = if self.catalog.discovered {
                strings::NOT_INSTALLED
            } else {
                strings::WAITING_FOR_DISCOVERY
            };
            return self.flash_for(text, Level::Error, 8);
        };
        self.clear_stack();
        self.stack.push(View::Cnpg(CnpgListView {
            watches,
            rows: Vec::new(),
            cursor: Cursor::default(),
        }));
        self.prune_watches();
        self.refresh_view(0);
        if let Some(arg) = cluster {
            let key = match arg.split_once('/') {
                Some((ns, name)) => (ns.to_string(), name.to_string()),
                None => {
                    let found = self.cnpg.cluster_keys().find(|k| k.1 == arg).cloned();
                    found.unwrap_or_else(|| {
                        (
                            self.namespace.clone().unwrap_or_else(|| "default".into()),
                            arg.to_string(),
                        )
                    })
                }
            };
            if let Some(pos) = self
                .cnpg_list_rows()
                .iter()
                .position(|r| r.summary.namespace == key.0 && r.summary.name == key.1)
                && let Some(View::Cnpg(l)) = self.stack.last_mut()
            {
                l.cursor.selected = pos;
            }
            self.open_cnpg_detail(key);
        }
    }

    fn cnpg_list_rows(&self) -> &[ClusterRow] {
        match self.stack.first() {
            Some(View::Cnpg(l)) => &l.rows,
            _ => &[],
        }
    }

    pub(super) fn open_cnpg_detail(&mut self, key: ClusterKey) {
        let Some(watches) = self.cnpg_list_watches() else {
            return;
        };
        let in_ns = |plural: &str| {
            self.catalog
                .resolve(plural)
                .map(|k| WatchSpec::new(k, Some(key.0.clone()), None, None))
        };
        let (Some(services), Some(events)) = (in_ns("services"), in_ns("events")) else {
            return;
        };
        let pdbs = self
            .catalog
            .resolve("poddisruptionbudgets.policy")
            .map(|k| WatchSpec::new(k, Some(key.0.clone()), None, None));
        self.stack.push(View::CnpgDetail(CnpgDetailView {
            key,
            watches,
            services,
            pdbs,
            events,
            detail: None,
            missing: false,
            cursor: Cursor::default(),
        }));
        let i = self.stack.len() - 1;
        self.refresh_view(i);
    }

    /// A request finished without error: when it is the promote the console sent, the
    /// API server only accepted the switchover request; the operator still has to act.
    /// Returns whether the message was handled.
    pub(super) fn cnpg_request_done(&mut self, message: &str) -> bool {
        let now = self.now;
        let Some(p) = self
            .cnpg
            .switchover
            .as_mut()
            .filter(|p| p.what == message && p.sent.is_none())
        else {
            return false;
        };
        p.sent = Some(now);
        let text = strings::switchover_waiting(&p.pod);
        self.flash_for(text, Level::Info, strings::SWITCHOVER_TIMEOUT_S);
        true
    }

    /// Whether the operator completed the switchover the console asked for, or the wait
    /// timed out: says so once.
    fn cnpg_check_switchover(&mut self) {
        let Some(p) = self.cnpg.switchover.clone() else {
            return;
        };
        let Some(sent) = p.sent else { return };
        let status = self.cnpg.cluster(&p.key).map(|c| &c.status);
        let current = status
            .and_then(|s| s.current_primary.as_deref())
            .unwrap_or("-")
            .to_string();
        let phase = status
            .and_then(|s| s.phase.as_deref())
            .unwrap_or("-")
            .to_string();
        if current == p.pod {
            self.cnpg.switchover = None;
            let text = strings::switchover_done(&p.pod, &p.key.0, &p.key.1);
            return self.flash(text, Level::Info);
        }
        if self.now.as_second() - sent.as_second() >= strings::SWITCHOVER_TIMEOUT_S {
            self.cnpg.switchover = None;
            let text = strings::switchover_timeout(&p.pod, &current, &phase);
            self.flash_for(text, Level::Warn, 15);
        }
    }

    /// Once a second: warnings that depend on the time (a failover running too long) are
    /// recomputed while a change of primary is under way.
    pub(super) fn cnpg_tick(&mut self) {
        self.cnpg_check_switchover();
        for i in 0..self.stack.len() {
            let changing = match &self.stack[i] {
                View::Cnpg(l) => l.rows.iter().any(|r| r.summary.is_primary_changing()),
                View::CnpgDetail(d) => d
                    .detail
                    .as_ref()
                    .is_some_and(|x| x.summary.is_primary_changing()),
                _ => false,
            };
            if changing {
                self.refresh_view(i);
            }
        }
    }
}

impl Pane for CnpgListView {
    fn watches(&self) -> Vec<&WatchSpec> {
        self.watches.specs()
    }

    /// One row per Cluster the shared state knows, from its pods, nodes and metrics.
    fn refresh(&mut self, cx: &mut PaneCx<'_>) -> Refreshed {
        let nodes_store = cx.store(&self.watches.nodes).cloned();
        let nodes_ar = self.watches.nodes.kind.api_resource();
        let keys: Vec<ClusterKey> = cx.cnpg.cluster_keys().cloned().collect();
        let mut rows = Vec::with_capacity(keys.len());
        for key in &keys {
            let nodes = cx.cnpg.nodes_for(key, nodes_store.as_ref(), &nodes_ar);
            let Some(cluster) = cx.cnpg.cluster(key) else {
                continue;
            };
            let metrics = cx.metrics.cnpg_metrics(&key.0);
            let inputs = ClusterInputs {
                pods: cx.cnpg.pods(key),
                nodes: &nodes,
                metrics: &metrics,
                ..ClusterInputs::new(cluster)
            };
            if let Some(d) = cnpg::cluster_detail(&inputs, &DetailOptions::default(), cx.now) {
                rows.push(ClusterRow {
                    summary: d.summary,
                    warnings: d.warnings,
                });
            }
        }
        let selected = self
            .selected()
            .map(|r| (r.summary.namespace.clone(), r.summary.name.clone()));
        self.rows = rows;
        if let Some(sel) = selected
            && let Some(pos) = self
                .rows
                .iter()
                .position(|r| (&r.summary.namespace, &r.summary.name) == (&sel.0, &sel.1))
        {
            self.cursor.selected = pos;
        }
        self.fit(self.rows_shown(cx));
        Refreshed::default()
    }

    fn rows_shown(&self, cx: &PaneCx<'_>) -> usize {
        cx.list_rows()
    }

    fn step(&mut self, delta: isize, rows: usize) {
        let len = self.rows.len();
        self.cursor.step(delta, len, rows);
    }

    fn fit(&mut self, rows: usize) {
        let len = self.rows.len();
        self.cursor.fit(len, rows);
    }

    fn action(&mut self, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
        actions::list_action(self, a, cx)
    }
}

impl Pane for CnpgDetailView {
    fn watches(&self) -> Vec<&WatchSpec> {
        self.specs()
    }

    /// The Cluster's detail from the shared state and the namespace's Services, PDBs and
    /// Events.
    fn refresh(&mut self, cx: &mut PaneCx<'_>) -> Refreshed {
        let key = self.key.clone();
        let name = key.1.clone();
        let nodes_store = cx.store(&self.watches.nodes).cloned();
        let nodes_ar = self.watches.nodes.kind.api_resource();
        let services: Vec<Service> = views_where(cx.store(&self.services), |o| {
            o.metadata.name.as_deref().is_some_and(|n| {
                n.strip_prefix(name.as_str())
                    .is_some_and(|r| r.starts_with('-'))
            })
        });
        let pdbs: Vec<PodDisruptionBudget> =
            views_where(self.pdbs.as_ref().and_then(|p| cx.store(p)), |_| true);
        let events: Vec<Event> = views_where(cx.store(&self.events), |o| event_is_about(o, &name));
        let loaded = cx.cnpg.clusters_loaded();
        let nodes = cx.cnpg.nodes_for(&key, nodes_store.as_ref(), &nodes_ar);
        let pods = cx.cnpg.pods(&key);
        let metrics = cx.metrics.cnpg_metrics(&key.0);
        let detail = cx.cnpg.cluster(&key).and_then(|cluster| {
            let inputs = ClusterInputs {
                pods,
                metrics: &metrics,
                nodes: &nodes,
                services: &services,
                pdbs: &pdbs,
                events: &events,
                ..ClusterInputs::new(cluster)
            };
            cnpg::cluster_detail(&inputs, &DetailOptions::default(), cx.now)
        });
        let selected = self.selected().map(|r| r.pod.clone());
        match detail {
            Some(detail) => {
                self.detail = Some(detail);
                self.missing = false;
            }
            None => self.missing = loaded,
        }
        if let Some(pod) = selected
            && let Some(pos) = self
                .detail
                .as_ref()
                .and_then(|x| x.instances.iter().position(|r| r.pod == pod))
        {
            self.cursor.selected = pos;
        }
        self.fit(self.rows_shown(cx));
        Refreshed::default()
    }

    fn rows_shown(&self, cx: &PaneCx<'_>) -> usize {
        cx.list_rows()
    }

    fn step(&mut self, delta: isize, rows: usize) {
        let len = self.detail.as_ref().map_or(0, |x| x.instances.len());
        self.cursor.step(delta, len, rows);
    }

    fn fit(&mut self, rows: usize) {
        let len = self.detail.as_ref().map_or(0, |x| x.instances.len());
        self.cursor.fit(len, rows);
    }

    fn action(&mut self, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
        actions::detail_action(self, a, cx)
    }
}

#[cfg(test)]
mod tests;
