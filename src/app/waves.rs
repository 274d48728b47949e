//! The Argo CD sync waves pane (`:waves`) and its app detail.
//!
//! The pane watches Applications in every namespace, the `argocd-cm` ConfigMaps, and — only
//! in the namespaces of apps that are not healthy — Deployments and Pods, so that a blocker
//! reads `Deployment cert-manager-webhook 0/2 available, 2 pods CrashLoopBackOff`. The
//! analysis ([`crate::domain::waves::analyze`]) runs here, in `update`, whenever one of those
//! watches changes (and on a slow tick, for the age of running operations); rendering only
//! reads the result kept in the view.

mod actions;
pub(crate) use actions::source_of;
#[cfg(test)]
pub(crate) mod fixture;
pub(crate) mod layout;
pub(crate) mod strings;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::model::object::Obj;
use jiff::Timestamp;
use kube::runtime::reflector::{ObjectRef, Store};

use super::effect::Effect;
use super::pane::{Pane, PaneCx, Refreshed};
use super::view::{Cursor, View};
use super::{App, WatchStatus};
use crate::domain::waves::{
    self, Analysis, AppKey, AppSummary, ArgoCdConfig, HealthCode, LiveObjects, ResourceSummary,
    Rollout, SyncCode, Trap, TrapOptions, WaveLane, WavesModel,
};
use crate::model::action::Action;
use crate::model::views::{Application, Workload};
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
    /// Counts the analyses (what [`Drawn`] was made from).
    pub generation: u64,
    /// What the frames draw of the model, kept from the last rebuild of the rows.
    pub drawn: Option<Drawn>,
}

/// What the pane draws that only the analysis and the root decide: made once per rebuild of
/// the rows, not per frame (at 1,000 Applications, walking the tree and measuring every
/// name each frame cost more than drawing the rows).
#[derive(Debug, Clone)]
pub struct Drawn {
    generation: u64,
    root: Option<AppKey>,
    pub summary: layout::Items,
    pub tree: Vec<layout::TreeLine>,
    /// Width of the lanes' name column before it is clamped.
    pub name_width: usize,
}

impl WavesView {
    /// The kept drawing data while it matches the analysis and the root.
    fn drawn(&self) -> Option<&Drawn> {
        self.drawn
            .as_ref()
            .filter(|d| d.generation == self.generation && d.root == self.root)
    }

    /// The lines above the lanes: the rollout in words, traps, the Argo CD config.
    pub fn summary(&self) -> Cow<'_, layout::Items> {
        match self.drawn() {
            Some(d) => Cow::Borrowed(&d.summary),
            None => Cow::Owned(layout::summary_items(self)),
        }
    }

    /// The app-of-apps tree, one line per app.
    pub fn tree(&self) -> Cow<'_, [layout::TreeLine]> {
        match self.drawn() {
            Some(d) => Cow::Borrowed(&d.tree),
            None => Cow::Owned(layout::tree_lines(self)),
        }
    }

    /// Width the lanes' names ask for (before clamping).
    pub fn name_width(&self) -> usize {
        match self.drawn() {
            Some(d) => d.name_width,
            None => layout::name_width(self),
        }
    }

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
        self.drawn = Some(Drawn {
            generation: self.generation,
            root: self.root.clone(),
            summary: layout::summary_items(self),
            tree: layout::tree_lines(self),
            name_width: layout::name_width(self),
        });
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

/// The typed view of a store's object; list items without `apiVersion` and `kind` are
/// taken for the watch's kind.
pub(crate) fn view_as<V: crate::model::views::View>(obj: &Obj, kind: &ResourceKind) -> Option<V> {
    V::from_obj_as(obj, &kind.api_version(), &kind.kind).ok()
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
fn pick_config<'a>(cms: &'a [Arc<Obj>], apps: &[Application]) -> Option<&'a Obj> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for a in apps {
        if !a.meta.namespace.is_empty() {
            *counts.entry(a.meta.namespace.as_str()).or_default() += 1;
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

fn history_of(obj: &Application) -> Vec<HistoryEntry> {
    obj.status
        .history
        .iter()
        .rev()
        .take(HISTORY)
        .map(|h| {
            let revision = h
                .revision
                .as_deref()
                .map(waves::short_revision)
                .or_else(|| {
                    h.revisions.as_ref().map(|r| {
                        r.iter()
                            .filter_map(|s| s.0.as_deref())
                            .map(waves::short_revision)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                })
                .unwrap_or_default();
            let by = h.initiated_by.as_ref();
            let initiated_by = match (
                by.and_then(|b| b.username.as_deref()),
                by.is_some_and(|b| b.automated),
            ) {
                (Some(u), _) => u.to_string(),
                (_, true) => "automated".to_string(),
                _ => String::new(),
            };
            HistoryEntry {
                id: h.id.unwrap_or(0),
                revision,
                deployed_at: h.deployed_at,
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
            generation: 0,
            drawn: None,
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
            self.refresh_view(i);
            for j in i + 1..self.stack.len() {
                if matches!(self.stack[j], View::WaveApp(_)) {
                    self.refresh_view(j);
                }
            }
        }
    }
}

impl Pane for WavesView {
    fn watches(&self) -> Vec<&WatchSpec> {
        std::iter::once(&self.apps)
            .chain(std::iter::once(&self.config))
            .chain(&self.live)
            .collect()
    }

    /// Recomputes the analysis from the stores; the Deployment and Pod watches follow the
    /// namespaces of unhealthy apps.
    fn refresh(&mut self, cx: &mut PaneCx<'_>) -> Refreshed {
        let apps_kind = self.apps.kind.clone();
        let apps: Vec<Application> = cx
            .store(&self.apps)
            .map(|s| s.state())
            .unwrap_or_default()
            .iter()
            .filter_map(|o| view_as(o, &apps_kind))
            .collect();
        let cms = cx.store(&self.config).map(|s| s.state());
        let config_source = match (cx.status(&self.config), &cms) {
            (None | Some(WatchStatus::Loading), _) => ConfigSource::Loading,
            (Some(status), Some(cms)) => match pick_config(cms, &apps) {
                Some(cm) => {
                    let config = ArgoCdConfig::from_configmap(&cm.data);
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
                .map(|cm| ArgoCdConfig::from_configmap(&cm.data)),
            _ => None,
        };
        let mut live = LiveObjects::new();
        for spec in &self.live {
            if let Some(store) = cx.store(spec) {
                for o in store.state() {
                    if let Some(w) = view_as::<Workload>(&o, &spec.kind) {
                        live.insert(w);
                    }
                }
            }
        }
        let analysis = waves::analyze(
            &apps,
            config.as_ref(),
            &live,
            cx.now,
            &TrapOptions::default(),
        );

        // Deployment and Pod watches follow the namespaces of unhealthy apps.
        let namespaces = live_namespaces(&analysis.model);
        let deploy = core_kind(
            cx.catalog,
            "deployments.apps",
            ("apps", "Deployment", "deployments"),
        );
        let pods = core_kind(cx.catalog, "pods", ("", "Pod", "pods"));
        let live_specs: Vec<WatchSpec> = namespaces
            .into_iter()
            .flat_map(|ns| {
                [
                    WatchSpec::new(deploy.clone(), Some(ns.clone()), None, None),
                    WatchSpec::new(pods.clone(), Some(ns), None, None),
                ]
            })
            .collect();
        let live_changed = live_specs
            .iter()
            .map(|s| &s.key)
            .ne(self.live.iter().map(|s| &s.key));
        self.live = live_specs;
        self.analysis = Some(analysis);
        self.generation += 1;
        self.config_source = config_source;
        self.computed_at = Some(cx.now);
        self.settle_root();
        // The summary above the lanes depends on the new analysis: measure after it.
        let height = self.rows_shown(cx);
        self.rebuild_rows(height);
        Refreshed {
            watches_changed: live_changed,
        }
    }

    fn rows_shown(&self, cx: &PaneCx<'_>) -> usize {
        layout::lane_rows(&cx.viewport, cx.prompt, self)
    }

    fn step(&mut self, delta: isize, rows: usize) {
        WavesView::step(self, delta, rows);
    }

    fn fit(&mut self, rows: usize) {
        let len = self.rows.len();
        self.cursor.fit(len, rows);
    }

    fn action(&mut self, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
        actions::lanes_action(self, a, cx)
    }
}

impl Pane for WaveAppView {
    fn watches(&self) -> Vec<&WatchSpec> {
        vec![&self.apps]
    }

    /// Rebuilds the detail from the waves view below it and the store.
    fn refresh(&mut self, cx: &mut PaneCx<'_>) -> Refreshed {
        let below = cx.below.iter().rev().find_map(|v| match v {
            View::Waves(w) => Some(w),
            _ => None,
        });
        let summary = below.and_then(|w| w.app(&self.key)).cloned();
        let traps = below.map(|w| w.traps_of(&self.key)).unwrap_or_default();
        let raw = cx
            .store(&self.apps)
            .and_then(|s| lookup_app(s, &self.apps, &self.key))
            .and_then(|o| view_as::<Application>(&o, &self.apps.kind));
        // Without a waves view below (or before it has the app), read the object itself.
        let summary = summary.or_else(|| raw.as_ref().and_then(AppSummary::of));
        let loaded = cx
            .status(&self.apps)
            .is_some_and(|s| *s != WatchStatus::Loading);
        match (summary, raw) {
            (Some(app), Some(raw)) if app.exists => {
                let first = self.app.is_none();
                self.resources = resource_rows(&app);
                self.history = history_of(&raw);
                self.app = Some(app);
                self.traps = traps;
                self.missing = false;
                if first {
                    // Open on the first resource that is not synced and healthy.
                    self.cursor.selected = self
                        .resources
                        .iter()
                        .position(ResourceRow::is_problem)
                        .unwrap_or(0);
                }
            }
            _ => self.missing = loaded,
        }
        // The lines above the resources depend on the new data: measure after it.
        self.fit(self.rows_shown(cx));
        Refreshed::default()
    }

    fn rows_shown(&self, cx: &PaneCx<'_>) -> usize {
        layout::detail_rows(&cx.viewport, cx.prompt, self, cx.now)
    }

    fn step(&mut self, delta: isize, rows: usize) {
        let len = self.resources.len();
        self.cursor.step(delta, len, rows);
    }

    fn fit(&mut self, rows: usize) {
        let len = self.resources.len();
        self.cursor.fit(len, rows);
    }

    fn action(&mut self, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
        actions::detail_action(self, a, cx)
    }
}
