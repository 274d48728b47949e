//! The Argo CD sync waves pane (`:waves`) and its app detail.
//!
//! The pane watches Applications in every namespace, the `argocd-cm` ConfigMaps, and — only
//! in the namespaces of apps that are not healthy — Deployments and Pods, so that a blocker
//! reads `Deployment cert-manager-webhook 0/2 available, 2 pods CrashLoopBackOff`. The
//! analysis ([`crate::domain::waves::analyze`]) runs here, in `update`, whenever one of those
//! watches changes (and on a slow tick, for the age of running operations); rendering only
//! reads the result kept in the view.

mod actions;
#[cfg(test)]
pub(crate) mod fixture;
pub mod strings;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::model::object::Obj;
use jiff::Timestamp;
use kube::runtime::reflector::{ObjectRef, Store};
use serde_json::Value;

use super::view::{Cursor, View};
use super::{App, WatchStatus};
use crate::domain::waves::{
    self, Analysis, AppKey, AppSummary, ArgoCdConfig, HealthCode, LiveObjects, ResourceSummary,
    Rollout, SyncCode, Trap, TrapOptions, WaveLane, WavesModel,
};
use crate::model::{Catalog, ResourceKind, WatchSpec};

/// At most this many namespaces get Deployment and Pod watches for blocker details.
const MAX_LIVE_NAMESPACES: usize = 8;
/// The analysis is redone on ticks at most this often (ages of running operations).
const RECOMPUTE_SECS: i64 = 30;
/// Field selector of the `argocd-cm` watch.
const ARGOCD_CM_FIELDS: &str = "metadata.name=argocd-cm";
/// Operation history entries shown in the detail.
const HISTORY: usize = 3;

/// One row of the lanes list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaveRow {
    /// The app of apps itself (when one is chosen).
    Parent(AppKey),
    /// A lane heading: index into [`WavesView::lanes`].
    Lane(usize),
    App(AppKey),
}

impl WaveRow {
    pub fn app(&self) -> Option<&AppKey> {
        match self {
            WaveRow::Parent(k) | WaveRow::App(k) => Some(k),
            WaveRow::Lane(_) => None,
        }
    }
}

/// Where `argocd-cm` stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    Loading,
    /// Read from this namespace.
    Found {
        namespace: String,
        health_check: bool,
    },
    Missing,
    Failed(String),
}

/// `:waves`: wave lanes of one app of apps (or of all apps), the rollout in words, traps.
#[derive(Debug, Clone)]
pub struct WavesView {
    pub apps: WatchSpec,
    pub config: WatchSpec,
    /// Deployments and Pods of the namespaces where unhealthy apps have workloads.
    pub live: Vec<WatchSpec>,
    pub analysis: Option<Analysis>,
    pub config_source: ConfigSource,
    /// The app of apps shown; `None` shows every app.
    pub root: Option<AppKey>,
    /// The user chose `root` (else it follows the first app of apps).
    pub root_chosen: bool,
    pub lanes: Vec<WaveLane>,
    pub rows: Vec<WaveRow>,
    pub cursor: Cursor,
    pub computed_at: Option<Timestamp>,
}

impl WavesView {
    pub fn model(&self) -> Option<&WavesModel> {
        self.analysis.as_ref().map(|a| &a.model)
    }

    pub fn app(&self, key: &AppKey) -> Option<&AppSummary> {
        self.model().and_then(|m| m.get(key))
    }

    /// The rollout of the chosen root (or of all apps).
    pub fn rollout(&self) -> Option<&Rollout> {
        self.analysis
            .as_ref()?
            .rollouts
            .iter()
            .find(|r| r.parent == self.root)
    }

    /// Apps of apps in tree order, then `None` (all apps).
    pub fn root_choices(&self) -> Vec<Option<AppKey>> {
        let mut out: Vec<Option<AppKey>> = self
            .model()
            .map(|m| m.tree.parents().into_iter().map(Some).collect())
            .unwrap_or_default();
        out.push(None);
        out
    }

    /// Traps about the chosen root's family (every trap when all apps are shown).
    pub fn traps(&self) -> Vec<&Trap> {
        let Some(analysis) = &self.analysis else {
            return Vec::new();
        };
        let family: Option<BTreeSet<&AppKey>> = self.root.as_ref().map(|r| {
            std::iter::once(r)
                .chain(analysis.model.tree.children_of(r))
                .collect()
        });
        analysis
            .traps
            .iter()
            .filter(|t| match &family {
                Some(f) => t.apps.iter().any(|a| f.contains(a)),
                None => true,
            })
            .collect()
    }

    /// Traps naming one app.
    pub fn traps_of(&self, key: &AppKey) -> Vec<Trap> {
        self.analysis
            .as_ref()
            .map(|a| {
                a.traps
                    .iter()
                    .filter(|t| t.apps.contains(key))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn selected_app(&self) -> Option<&AppKey> {
        self.rows.get(self.cursor.selected).and_then(WaveRow::app)
    }

    /// Moves the selection by `delta` rows, skipping lane headings.
    pub fn step(&mut self, delta: isize, height: usize) {
        let len = self.rows.len();
        self.cursor.step(delta, len, height);
        self.skip_heading(if delta < 0 { -1 } else { 1 }, height);
    }

    /// Moves off a lane heading, in `dir` first, else the other way.
    fn skip_heading(&mut self, dir: isize, height: usize) {
        let len = self.rows.len();
        if self
            .rows
            .get(self.cursor.selected)
            .and_then(WaveRow::app)
            .is_some()
        {
            return;
        }
        let from = self.cursor.selected as isize;
        let find = |d: isize| {
            let mut i = from + d;
            while i >= 0 && (i as usize) < len {
                if self.rows[i as usize].app().is_some() {
                    return Some(i as usize);
                }
                i += d;
            }
            None
        };
        if let Some(i) = find(dir).or_else(|| find(-dir)) {
            self.cursor.selected = i;
        }
        // Keep a heading just above the selection in view when possible.
        if self.cursor.selected > 0 && self.cursor.offset == self.cursor.selected {
            self.cursor.offset -= 1;
        }
        self.cursor.fit(len, height);
    }

    /// Rebuilds lanes and rows for the chosen root, keeping the selected app.
    fn rebuild_rows(&mut self, height: usize) {
        let selected = self.selected_app().cloned();
        let Some(model) = self.model() else {
            self.lanes.clear();
            self.rows.clear();
            self.cursor = Cursor::default();
            return;
        };
        let lanes = model.lanes(self.root.as_ref());
        let mut rows = Vec::new();
        if let Some(root) = &self.root {
            rows.push(WaveRow::Parent(root.clone()));
        }
        for (i, lane) in lanes.iter().enumerate() {
            rows.push(WaveRow::Lane(i));
            rows.extend(lane.apps.iter().cloned().map(WaveRow::App));
        }
        self.lanes = lanes;
        self.rows = rows;
        if let Some(key) = selected
            && let Some(pos) = self.rows.iter().position(|r| r.app() == Some(&key))
        {
            self.cursor.selected = pos;
        }
        let len = self.rows.len();
        self.cursor.fit(len, height);
        self.skip_heading(1, height);
    }

    /// Picks the root: the user's choice while it exists, else the first app of apps.
    fn settle_root(&mut self) {
        let choices = self.root_choices();
        if self.root_chosen && choices.contains(&self.root) {
            return;
        }
        self.root_chosen = false;
        self.root = choices.into_iter().next().flatten();
    }
}

/// One entry of `status.history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub id: i64,
    pub revision: String,
    pub deployed_at: Option<Timestamp>,
    pub initiated_by: String,
}

/// A resource of the app detail.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRow {
    pub res: ResourceSummary,
    /// `PreSync`… from the last sync result, or `hook` when only flagged.
    pub hook: Option<String>,
    /// The health message, else the last sync result's message when it failed or was a hook.
    pub message: Option<String>,
    /// The last sync result failed for it.
    pub failed: bool,
}

/// The detail of one Application (Enter in `:waves`).
#[derive(Debug, Clone)]
pub struct WaveAppView {
    pub apps: WatchSpec,
    pub key: AppKey,
    pub app: Option<AppSummary>,
    pub history: Vec<HistoryEntry>,
    pub traps: Vec<Trap>,
    pub resources: Vec<ResourceRow>,
    pub cursor: Cursor,
    /// The Application is gone; the last state stays.
    pub missing: bool,
}

impl ResourceRow {
    /// Out of sync, not healthy, or failed in the last sync.
    pub fn is_problem(&self) -> bool {
        self.failed
            || self.res.sync == SyncCode::OutOfSync
            || self
                .res
                .health
                .as_ref()
                .is_some_and(HealthCode::is_unhealthy)
    }
}

impl WaveAppView {
    pub fn selected(&self) -> Option<&ResourceRow> {
        self.resources.get(self.cursor.selected)
    }
}

/// The Application kind: from discovery, else as Argo CD serves it.
pub(crate) fn application_kind(catalog: &Catalog) -> Arc<ResourceKind> {
    catalog
        .resolve(&format!("{}.{}", waves::PLURAL, waves::GROUP))
        .unwrap_or_else(|| {
            Arc::new(ResourceKind {
                group: waves::GROUP.into(),
                version: waves::VERSION.into(),
                kind: waves::KIND.into(),
                plural: waves::PLURAL.into(),
                singular: waves::KIND.to_ascii_lowercase(),
                short_names: vec!["app".into(), "apps".into()],
                namespaced: true,
                verbs: Vec::new(),
                printer_columns: Vec::new(),
                ..ResourceKind::default()
            })
        })
}

/// A built-in kind (always in the catalog, discovered or not).
fn core_kind(catalog: &Catalog, name: &str, fallback: (&str, &str, &str)) -> Arc<ResourceKind> {
    catalog.resolve(name).unwrap_or_else(|| {
        let (group, kind, plural) = fallback;
        Arc::new(ResourceKind {
            group: group.into(),
            version: "v1".into(),
            kind: kind.into(),
            plural: plural.into(),
            singular: kind.to_ascii_lowercase(),
            short_names: Vec::new(),
            namespaced: true,
            verbs: Vec::new(),
            printer_columns: Vec::new(),
            ..ResourceKind::default()
        })
    })
}

/// An object as JSON with `apiVersion` and `kind` (list items may lack them).
pub(crate) fn typed_json(obj: &Obj, kind: &ResourceKind) -> Value {
    let mut v = serde_json::to_value(obj).unwrap_or(Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.entry("apiVersion")
            .or_insert_with(|| Value::String(kind.api_version()));
        map.entry("kind")
            .or_insert_with(|| Value::String(kind.kind.clone()));
    }
    v
}

/// One Application from the store.
pub(crate) fn lookup_app(store: &Store<Obj>, spec: &WatchSpec, key: &AppKey) -> Option<Arc<Obj>> {
    let r = ObjectRef::<Obj>::new_with(&key.name, spec.kind.api_resource()).within(&key.namespace);
    store.get(&r)
}

/// Namespaces where apps that are not healthy have Deployments or Pods.
fn live_namespaces(model: &WavesModel) -> BTreeSet<String> {
    model
        .apps
        .values()
        .filter(|a| a.exists && a.health != HealthCode::Healthy)
        .flat_map(|a| a.resources.iter())
        .map(|r| &r.resource)
        .filter(|r| {
            (r.group == "apps" && r.kind == "Deployment") || (r.group.is_empty() && r.kind == "Pod")
        })
        .map(|r| r.namespace.clone())
        .filter(|ns| !ns.is_empty())
        .take(MAX_LIVE_NAMESPACES * 4)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .take(MAX_LIVE_NAMESPACES)
        .collect()
}

/// The `argocd-cm` to use: the one in the namespace holding the most Applications.
fn pick_config<'a>(cms: &'a [Arc<Obj>], apps: &[Value]) -> Option<&'a Obj> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for a in apps {
        if let Some(ns) = a.pointer("/metadata/namespace").and_then(Value::as_str) {
            *counts.entry(ns).or_default() += 1;
        }
    }
    cms.iter()
        .filter(|c| c.metadata.name.as_deref() == Some(waves::ARGOCD_CM))
        .max_by_key(|c| {
            let ns = c.metadata.namespace.as_deref().unwrap_or("");
            // Prefer more apps; among equals the first namespace (max_by_key keeps the last).
            (
                counts.get(ns).copied().unwrap_or(0),
                std::cmp::Reverse(ns.to_string()),
            )
        })
        .map(|c| &**c)
}

fn history_of(obj: &Value) -> Vec<HistoryEntry> {
    let list = obj
        .pointer("/status/history")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    list.iter()
        .rev()
        .take(HISTORY)
        .map(|h| {
            let revision = h
                .get("revision")
                .and_then(Value::as_str)
                .map(waves::short_revision)
                .or_else(|| {
                    h.get("revisions").and_then(Value::as_array).map(|r| {
                        r.iter()
                            .filter_map(Value::as_str)
                            .map(waves::short_revision)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                })
                .unwrap_or_default();
            let by = h.get("initiatedBy");
            let initiated_by = match (
                by.and_then(|b| b.get("username")).and_then(Value::as_str),
                by.and_then(|b| b.get("automated")).and_then(Value::as_bool),
            ) {
                (Some(u), _) if !u.is_empty() => u.to_string(),
                (_, Some(true)) => "automated".to_string(),
                _ => String::new(),
            };
            HistoryEntry {
                id: h.get("id").and_then(Value::as_i64).unwrap_or(0),
                revision,
                deployed_at: h
                    .get("deployedAt")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok()),
                initiated_by,
            }
        })
        .collect()
}

fn resource_rows(app: &AppSummary) -> Vec<ResourceRow> {
    let result = |r: &ResourceSummary| {
        app.operation.as_ref().and_then(|op| {
            op.sync_result.iter().find(|e| {
                e.resource.kind == r.resource.kind
                    && e.resource.name == r.resource.name
                    && e.resource.namespace == r.resource.namespace
            })
        })
    };
    let mut rows: Vec<ResourceRow> = app
        .resources
        .iter()
        .map(|r| {
            let entry = result(r);
            let hook = entry
                .and_then(|e| e.hook_type.clone())
                .or_else(|| r.hook.then(|| "hook".to_string()));
            // `Deployment "x" exceeded its progress deadline`: the row already names it.
            let quoted = format!("{} \"{}\" ", r.resource.kind, r.resource.name);
            let health = r
                .health_message
                .as_deref()
                .map(|m| m.strip_prefix(&quoted).unwrap_or(m).to_string());
            // A sync result says something only when it failed or ran a hook.
            let message = health.or_else(|| {
                entry
                    .filter(|e| e.status != "Synced" || e.hook_type.is_some())
                    .and_then(|e| e.message.clone())
            });
            ResourceRow {
                res: r.clone(),
                hook,
                message,
                failed: entry.is_some_and(|e| e.status == "SyncFailed"),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let k = |r: &ResourceRow| {
            (
                r.res.sync_wave,
                r.res.resource.kind.clone(),
                r.res.resource.namespace.clone(),
                r.res.resource.name.clone(),
            )
        };
        k(a).cmp(&k(b))
    });
    rows
}

impl App {
    /// `:waves`: opens the pane as the new root view.
    pub(super) fn open_waves(&mut self) {
        let kind = application_kind(&self.catalog);
        let cm = core_kind(&self.catalog, "configmaps", ("", "ConfigMap", "configmaps"));
        let view = WavesView {
            apps: WatchSpec::new(kind, None, None, None),
            config: WatchSpec::new(cm, None, None, Some(ARGOCD_CM_FIELDS.into())),
            live: Vec::new(),
            analysis: None,
            config_source: ConfigSource::Loading,
            root: None,
            root_chosen: false,
            lanes: Vec::new(),
            rows: Vec::new(),
            cursor: Cursor::default(),
            computed_at: None,
        };
        self.clear_stack();
        self.stack.push(View::Waves(view));
        self.prune_watches();
        let i = self.stack.len() - 1;
        self.refresh_view(i);
    }

    /// Opens the detail of an app (it must exist).
    pub(super) fn open_wave_app(&mut self, key: AppKey) {
        let apps = match self.stack.iter().rev().find_map(|v| match v {
            View::Waves(w) => Some(w.apps.clone()),
            _ => None,
        }) {
            Some(s) => s,
            None => WatchSpec::new(application_kind(&self.catalog), None, None, None),
        };
        self.stack.push(View::WaveApp(WaveAppView {
            apps,
            key,
            app: None,
            history: Vec::new(),
            traps: Vec::new(),
            resources: Vec::new(),
            cursor: Cursor::default(),
            missing: false,
        }));
        let i = self.stack.len() - 1;
        self.refresh_view(i);
    }

    fn watch_status(&self, spec: &WatchSpec) -> Option<&WatchStatus> {
        self.watches.get(&spec.key).map(|w| &w.status)
    }

    /// Recomputes the analysis of the waves view at `i` from its stores.
    pub(super) fn refresh_waves(&mut self, i: usize) {
        let Some(View::Waves(w)) = self.stack.get(i) else {
            return;
        };
        let apps_kind = w.apps.kind.clone();
        let apps: Vec<Value> = self
            .store(&w.apps.key)
            .map(|s| s.state())
            .unwrap_or_default()
            .iter()
            .map(|o| typed_json(o, &apps_kind))
            .collect();
        let cms = self.store(&w.config.key).map(|s| s.state());
        let config_source = match (self.watch_status(&w.config), &cms) {
            (None | Some(WatchStatus::Loading), _) => ConfigSource::Loading,
            (Some(status), Some(cms)) => match pick_config(cms, &apps) {
                Some(cm) => {
                    let config = ArgoCdConfig::from_configmap(&typed_json(cm, &w.config.kind));
                    ConfigSource::Found {
                        namespace: cm.metadata.namespace.clone().unwrap_or_default(),
                        health_check: config.has_app_health_check(),
                    }
                }
                None => match status {
                    WatchStatus::Stale { error, .. } => ConfigSource::Failed(error.clone()),
                    _ => ConfigSource::Missing,
                },
            },
            (Some(WatchStatus::Stale { error, .. }), None) => ConfigSource::Failed(error.clone()),
            (Some(_), None) => ConfigSource::Missing,
        };
        let config = match &config_source {
            ConfigSource::Found { .. } => cms
                .as_deref()
                .and_then(|c| pick_config(c, &apps))
                .map(|cm| ArgoCdConfig::from_configmap(&typed_json(cm, &w.config.kind))),
            _ => None,
        };
        let mut live = LiveObjects::new();
        for spec in &w.live {
            if let Some(store) = self.store(&spec.key) {
                for o in store.state() {
                    live.insert(typed_json(&o, &spec.kind));
                }
            }
        }
        let analysis = waves::analyze(
            &apps,
            config.as_ref(),
            &live,
            self.now,
            &TrapOptions::default(),
        );

        // Deployment and Pod watches follow the namespaces of unhealthy apps.
        let namespaces = live_namespaces(&analysis.model);
        let deploy = core_kind(
            &self.catalog,
            "deployments.apps",
            ("apps", "Deployment", "deployments"),
        );
        let pods = core_kind(&self.catalog, "pods", ("", "Pod", "pods"));
        let live_specs: Vec<WatchSpec> = namespaces
            .into_iter()
            .flat_map(|ns| {
                [
                    WatchSpec::new(deploy.clone(), Some(ns.clone()), None, None),
                    WatchSpec::new(pods.clone(), Some(ns), None, None),
                ]
            })
            .collect();

        let now = self.now;
        let Some(View::Waves(w)) = self.stack.get_mut(i) else {
            return;
        };
        let live_changed = live_specs
            .iter()
            .map(|s| &s.key)
            .ne(w.live.iter().map(|s| &s.key));
        w.live = live_specs;
        w.analysis = Some(analysis);
        w.config_source = config_source;
        w.computed_at = Some(now);
        w.settle_root();
        // The summary above the lanes depends on the new analysis: measure after it.
        let height = self.lanes_height_for(i);
        if let Some(View::Waves(w)) = self.stack.get_mut(i) {
            w.rebuild_rows(height);
        }
        if live_changed {
            self.prune_watches();
        }
    }

    /// Rebuilds the app detail at `i` from the waves view below it and the store.
    pub(super) fn refresh_wave_app(&mut self, i: usize) {
        let Some(View::WaveApp(d)) = self.stack.get(i) else {
            return;
        };
        let key = d.key.clone();
        let below = self.stack[..i].iter().rev().find_map(|v| match v {
            View::Waves(w) => Some(w),
            _ => None,
        });
        let summary = below.and_then(|w| w.app(&key)).cloned();
        let traps = below.map(|w| w.traps_of(&key)).unwrap_or_default();
        let raw = self
            .store(&d.apps.key)
            .and_then(|s| lookup_app(s, &d.apps, &key))
            .map(|o| typed_json(&o, &d.apps.kind));
        // Without a waves view below (or before it has the app), read the object itself.
        let summary = summary.or_else(|| raw.as_ref().and_then(AppSummary::from_json));
        let loaded = self
            .watch_status(&d.apps)
            .is_some_and(|s| *s != WatchStatus::Loading);
        let Some(View::WaveApp(d)) = self.stack.get_mut(i) else {
            return;
        };
        match (summary, raw) {
            (Some(app), Some(raw)) if app.exists => {
                let first = d.app.is_none();
                d.resources = resource_rows(&app);
                d.history = history_of(&raw);
                d.app = Some(app);
                d.traps = traps;
                d.missing = false;
                if first {
                    // Open on the first resource that is not synced and healthy.
                    d.cursor.selected = d
                        .resources
                        .iter()
                        .position(ResourceRow::is_problem)
                        .unwrap_or(0);
                }
            }
            _ => d.missing = loaded,
        }
        // The lines above the resources depend on the new data: measure after it.
        let height = self.detail_height_for(i);
        if let Some(View::WaveApp(d)) = self.stack.get_mut(i) {
            let len = d.resources.len();
            d.cursor.fit(len, height);
        }
    }

    /// Visible rows of the lanes list of the waves view at `i`.
    fn lanes_height_for(&self, i: usize) -> usize {
        match self.stack.get(i) {
            Some(View::Waves(w)) => {
                crate::ui::waves::lane_rows(self.size, self.prompt.is_some(), w)
            }
            _ => self.list_height(),
        }
    }

    /// Visible rows of the resources list of the detail at `i`.
    fn detail_height_for(&self, i: usize) -> usize {
        match self.stack.get(i) {
            Some(View::WaveApp(d)) => {
                crate::ui::waves::detail_rows(self.size, self.prompt.is_some(), d, self.now)
            }
            _ => self.list_height(),
        }
    }

    /// Re-fits the pane's cursors after a resize or a prompt.
    pub(super) fn refit_waves(&mut self) {
        for i in 0..self.stack.len() {
            match &self.stack[i] {
                View::Waves(_) => {
                    let h = self.lanes_height_for(i);
                    if let Some(View::Waves(w)) = self.stack.get_mut(i) {
                        let len = w.rows.len();
                        w.cursor.fit(len, h);
                    }
                }
                View::WaveApp(_) => {
                    let h = self.detail_height_for(i);
                    if let Some(View::WaveApp(d)) = self.stack.get_mut(i) {
                        let len = d.resources.len();
                        d.cursor.fit(len, h);
                    }
                }
                _ => {}
            }
        }
    }

    /// Redoes stale analyses on ticks (running-operation ages change with time alone).
    pub(super) fn tick_waves(&mut self) {
        let now = self.now;
        let due: Vec<usize> = (0..self.stack.len())
            .filter(|i| match &self.stack[*i] {
                View::Waves(w) => w
                    .computed_at
                    .is_none_or(|t| now.as_second() - t.as_second() >= RECOMPUTE_SECS),
                _ => false,
            })
            .collect();
        for i in due {
            self.refresh_waves(i);
            for j in i + 1..self.stack.len() {
                if matches!(self.stack[j], View::WaveApp(_)) {
                    self.refresh_wave_app(j);
                }
            }
        }
    }

    /// Moves the selection of the top view when it belongs to this pane.
    pub(super) fn waves_move(&mut self, delta: isize) -> bool {
        let i = self.stack.len().saturating_sub(1);
        match self.stack.last() {
            Some(View::Waves(_)) => {
                let h = self.lanes_height_for(i);
                if let Some(View::Waves(w)) = self.stack.last_mut() {
                    w.step(delta, h);
                }
                true
            }
            Some(View::WaveApp(_)) => {
                let h = self.detail_height_for(i);
                if let Some(View::WaveApp(d)) = self.stack.last_mut() {
                    let len = d.resources.len();
                    d.cursor.step(delta, len, h);
                }
                true
            }
            _ => false,
        }
    }
}
