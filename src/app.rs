//! Application state and the one place it changes: [`App::update`].
//!
//! Terminal keys become [`Action`]s through the keymap ([`App::on_key`]); source events,
//! ticks and resizes arrive as [`Msg`]s. `update` never performs I/O: it records
//! [`Request`]s for the sources (drained by the event loop) and declares the watches the
//! view stack needs ([`App::desired_watches`]).

pub(crate) mod clipboard;
pub(crate) mod cnpg;
pub(crate) mod columns;
pub(crate) mod command;
pub(crate) mod ctx;
pub(crate) mod describe;
pub(crate) mod drill;
pub(crate) mod edit;
pub(crate) mod effect;
pub(crate) mod filter;
#[cfg(test)]
pub(crate) mod fixture;
mod handlers;
mod hints;
pub(crate) use handlers::HelpLine;
pub(crate) mod jsonpath;
pub mod metrics;
pub(crate) mod pane;
pub(crate) mod panel;
pub(crate) mod pending;
pub(crate) mod pf;
pub(crate) mod plugins;
pub(crate) mod pools;
pub(crate) mod prompt;
mod refresh;
pub(crate) mod replay;
pub(crate) mod shell;
pub(crate) mod strings;
pub(crate) mod view;
pub(crate) mod viewport;
mod watchset;
pub(crate) mod waves;
pub(crate) mod wizard;
pub(crate) mod xray;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::model::object::Obj;
use crossterm::event::KeyEvent;
use jiff::{SignedDuration, Timestamp};
use kube::runtime::reflector::Store;

use crate::model::action::{Action, Context};
use prompt::{History, Prompt};
use view::View;
use viewport::Viewport;

use crate::config::{Config, Key};
use crate::model::{Catalog, ConnState, ResourceKind, WatchKey, WatchSpec};
use crate::sources::{ClusterInfo, LogId, ObjectTarget, Request, SourceEvent};

/// Everything `update` reacts to besides actions.
#[derive(Debug, Clone)]
pub enum Msg {
    Action(Action),
    /// A character typed into the focused prompt.
    Input(char),
    Source(SourceEvent),
    /// A key typed into the focused text editor (the PromQL editor).
    EditorKey(KeyEvent),
    Tick(Timestamp),
    /// The terminal's new layout, measured by the event loop.
    Resize(Viewport),
    /// Run a user plugin (by name) on the focused view.
    Plugin(String),
    /// Run a user hotkey's `:` command (by name).
    Hotkey(String),
}

/// Freshness of one watch's data. Failures are state: the last data stays with its age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchStatus {
    Loading,
    Ready,
    Stale { error: String, since: Timestamp },
}

#[derive(Debug, Clone)]
pub struct WatchData {
    pub store: Option<Store<Obj>>,
    pub status: WatchStatus,
    /// When the data last changed.
    pub updated: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub level: Level,
    pub until: Timestamp,
}

/// A confirmation overlay for a destructive request. Confirming takes an explicit key
/// (`y`), never Enter alone; with `expect`, the user types that name first (namespaces,
/// CNPG promote) and Enter confirms only when it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    pub title: String,
    pub message: String,
    pub request: Request,
    pub expect: Option<String>,
    /// What was typed so far (with `expect`).
    pub typed: String,
}

/// Startup choices.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-n`; `None` uses the context's namespace.
    pub namespace: Option<String>,
    /// `-A`
    pub all_namespaces: bool,
}

pub struct App {
    pub config: Config,
    pub readonly: bool,
    pub cluster: ClusterInfo,
    pub conn: ConnState,
    pub version: Option<String>,
    pub catalog: Catalog,
    /// Current namespace; `None` means all namespaces.
    pub namespace: Option<String>,
    namespace_chosen: bool,
    /// The namespace is the context's, chosen by the console: a [`SourceEvent::Landing`]
    /// may still move it to one the user may read.
    landing_pending: bool,
    /// Namespace favourites (k9s's `1`–`9`): the namespaces used last, most recent first.
    pub ns_favourites: Vec<String>,
    pub stack: Vec<View>,
    pub watches: HashMap<WatchKey, WatchData>,
    /// Watches that changed since the views were last refreshed (see [`App::flush_changes`]).
    changed: BTreeSet<WatchKey>,
    pub prompt: Option<Prompt>,
    pub dialog: Option<Dialog>,
    pub flash: Option<Flash>,
    pub history: History,
    /// CloudNativePG Clusters, their pods and failover timelines, kept while the console runs.
    pub cnpg: cnpg::CnpgState,
    /// Replay controls, when the cluster is a sandbox replaying a recording.
    pub replay: replay::ReplayState,
    /// A `:` command to run once discovery has answered (`--command`).
    startup_command: Option<String>,
    /// EKS node groups of the context's cluster (node pools pane).
    pub eks: pools::EksState,
    /// Prometheus: where it is, dashboards, PromQL history, pane metric columns.
    pub metrics: metrics::MetricsState,
    /// Port forwards (`shift-f`, `:pf`).
    pub pf: pf::PfState,
    /// Contexts' reachability and last views (`:ctx`).
    pub ctx: ctx::CtxState,
    pub now: Timestamp,
    /// The kubeconfig file plugins see as `$KUBECONFIG` (the console sets it).
    pub kubeconfig_path: Option<String>,
    /// Terminal size and body area, as the ui lays them out (`Msg::Resize`).
    pub viewport: Viewport,
    pub quit: bool,
    requests: Vec<Request>,
    next_log_id: LogId,
    /// A YAML copy (`Y` on a table row) waiting for the whole object.
    pending_copy: Option<clipboard::PendingCopy>,
}

impl App {
    pub fn new(config: Config, options: Options, now: Timestamp) -> App {
        let readonly = config.settings.readonly;
        let (namespace, namespace_chosen) = match (options.all_namespaces, options.namespace) {
            (true, _) => (None, true),
            (false, Some(ns)) => (Some(ns), true),
            (false, None) => (Some("default".to_string()), false),
        };
        let mut app = App {
            config,
            readonly,
            cluster: ClusterInfo::default(),
            conn: ConnState::Connecting,
            version: None,
            catalog: Catalog::builtin(),
            ns_favourites: namespace
                .iter()
                .filter(|_| namespace_chosen)
                .cloned()
                .collect(),
            namespace,
            namespace_chosen,
            landing_pending: false,
            stack: Vec::new(),
            watches: HashMap::new(),
            changed: BTreeSet::new(),
            prompt: None,
            dialog: None,
            flash: None,
            history: History::default(),
            cnpg: cnpg::CnpgState::default(),
            replay: replay::ReplayState::default(),
            startup_command: None,
            eks: pools::EksState::default(),
            metrics: metrics::MetricsState::default(),
            pf: pf::PfState::default(),
            ctx: ctx::CtxState::default(),
            now,
            kubeconfig_path: None,
            viewport: Viewport::default(),
            quit: false,
            requests: Vec::new(),
            next_log_id: 1,
            pending_copy: None,
        };
        if let Some(first) = app.config.problems.first() {
            let text = strings::config_problems(&first.to_string(), app.config.problems.len() - 1);
            app.flash_for(text, Level::Error, 30);
        }
        if let Some(pods) = app.catalog.resolve("pods") {
            app.open_table(pods, None, None, None, None, false);
        }
        app
    }

    /// The keymap context of what has focus: dialog, prompt, or the top view.
    pub fn focused_context(&self) -> Context {
        if self.dialog.is_some() {
            Context::Dialog
        } else if self.prompt.is_some() {
            Context::Prompt
        } else {
            self.top_context()
        }
    }

    /// The context of the top view (ignoring overlays).
    pub fn top_context(&self) -> Context {
        self.stack.last().map_or(Context::Table, View::context)
    }

    /// Maps a terminal key through the keymap and applies it.
    pub fn on_key(&mut self, ev: &KeyEvent) {
        let Some(key) = Key::from_event(ev) else {
            return;
        };
        if let Some(msg) = self.user_key(key) {
            return self.dispatch(msg);
        }
        let ctx = self.focused_context();
        if self.typing_dialog_key(ev) {
            return;
        }
        let before = self.view_signature();
        let flash_before = self.flash.clone();
        let action = match ctx {
            Context::Prompt | Context::Dialog | Context::Editor => {
                self.config.keymap.lookup_only(ctx, key)
            }
            _ => self.config.keymap.lookup(ctx, key),
        };
        match action {
            Some(a) => self.dispatch(Msg::Action(a)),
            None if ctx == Context::Prompt => {
                if let Some(c) = key.typed_char() {
                    self.dispatch(Msg::Input(c));
                }
            }
            None if ctx == Context::Editor => self.dispatch(Msg::EditorKey(*ev)),
            None if ctx == Context::Dialog => {}
            None => self.flash(strings::unknown_key(&key.to_string()), Level::Warn),
        }
        // A message about the last view does not outlive it.
        if self.flash.is_some() && self.flash == flash_before && self.view_signature() != before {
            self.flash = None;
        }
    }

    /// Which view is on top (its depth and breadcrumb), to clear messages on a change.
    fn view_signature(&self) -> (usize, Option<String>) {
        (self.stack.len(), self.top().map(View::crumb))
    }

    /// Keys of a dialog that asks for a name: typed into it (Enter confirms, Esc cancels).
    fn typing_dialog_key(&mut self, ev: &KeyEvent) -> bool {
        use crossterm::event::{KeyCode, KeyModifiers};
        let Some(d) = self.dialog.as_mut().filter(|d| d.expect.is_some()) else {
            return false;
        };
        match ev.code {
            KeyCode::Esc => self.dialog = None,
            KeyCode::Enter => self.dispatch(Msg::Action(Action::Confirm)),
            KeyCode::Backspace => {
                d.typed.pop();
            }
            KeyCode::Char('c') if ev.modifiers.contains(KeyModifiers::CONTROL) => {
                self.dialog = None;
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => d.typed.push(c),
            _ => {}
        }
        true
    }

    /// Applies a message and every follow-up action it yields.
    pub fn dispatch(&mut self, msg: Msg) {
        self.dispatch_deferred(msg);
        self.flush_changes();
    }

    /// [`App::dispatch`] without refreshing the views whose watch changed: a batch of
    /// source events refreshes each view once, at [`App::flush_changes`]. (A pane that
    /// takes longer to recompute than changes take to arrive would otherwise fall further
    /// behind with every event.)
    pub fn dispatch_deferred(&mut self, msg: Msg) {
        let mut next = self.update(msg);
        let mut guard = 0;
        while let Some(action) = next {
            guard += 1;
            if guard > 16 {
                break;
            }
            next = self.update(Msg::Action(action));
        }
    }

    /// Refreshes the views of every watch that changed since the last call.
    pub fn flush_changes(&mut self) {
        for key in std::mem::take(&mut self.changed) {
            self.refresh_key(&key);
            self.replay_observe(&key);
        }
    }

    /// The one state transition.
    pub fn update(&mut self, msg: Msg) -> Option<Action> {
        match msg {
            Msg::Action(a) => self.handle_action(a),
            Msg::Input(c) => {
                self.prompt_input(c);
                None
            }
            Msg::Source(ev) => {
                self.handle_source(ev);
                None
            }
            Msg::EditorKey(key) => {
                self.editor_key(&key);
                None
            }
            Msg::Tick(now) => {
                self.now = now;
                if self.flash.as_ref().is_some_and(|f| f.until <= now) {
                    self.flash = None;
                }
                self.cnpg_tick();
                self.tick_waves();
                self.metrics_tick();
                None
            }
            Msg::Resize(viewport) => {
                self.viewport = viewport;
                self.refit();
                None
            }
            Msg::Plugin(name) => {
                self.run_plugin(&name);
                None
            }
            Msg::Hotkey(name) => {
                self.run_hotkey(&name);
                None
            }
        }
    }

    /// Whether the screen shows something that changes with time alone (ages, countdowns).
    pub fn time_dependent(&self) -> bool {
        true
    }

    /// Requests for the sources since the last call.
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    /// Whether `:install` asked for the wizard (taken out of the requests).
    pub fn take_install(&mut self) -> bool {
        let before = self.requests.len();
        self.requests.retain(|r| *r != Request::Install);
        self.requests.len() != before
    }

    /// Runs a `:` command (`cnpg`, `po kube-system`, …) once discovery has answered.
    pub fn set_startup_command(&mut self, command: &str) {
        let command = command.trim().trim_start_matches(':').trim();
        self.startup_command = Some(command.to_string()).filter(|c| !c.is_empty());
    }

    pub fn top(&self) -> Option<&View> {
        self.stack.last()
    }

    pub fn flash_for(&mut self, text: impl Into<String>, level: Level, secs: i64) {
        let text = text.into();
        match level {
            Level::Error => tracing::warn!("{text}"),
            _ => tracing::info!("{text}"),
        }
        self.flash = Some(Flash {
            text,
            level,
            until: self
                .now
                .checked_add(SignedDuration::from_secs(secs))
                .unwrap_or(self.now),
        });
    }

    pub fn flash(&mut self, text: impl Into<String>, level: Level) {
        self.flash_for(text, level, effect::FLASH_SECS);
    }

    fn request(&mut self, r: Request) {
        self.requests.push(r);
    }

    /// Rows a list view can show at the current size.
    pub fn list_height(&self) -> usize {
        self.viewport.list_rows(self.prompt.is_some())
    }

    /// Lines a text view can show at the current size.
    pub fn text_height(&self) -> usize {
        self.viewport.text_rows(self.prompt.is_some())
    }

    fn store(&self, key: &WatchKey) -> Option<&Store<Obj>> {
        self.watches.get(key).and_then(|w| w.store.as_ref())
    }

    /// The watch spec for a kind in a namespace (respecting cluster scope).
    fn spec_for(
        &self,
        kind: Arc<ResourceKind>,
        namespace: Option<String>,
        labels: Option<String>,
        fields: Option<String>,
    ) -> WatchSpec {
        WatchSpec::new(kind, namespace, labels, fields)
    }

    fn handle_source(&mut self, ev: SourceEvent) {
        match ev {
            SourceEvent::Client(_) => {}
            SourceEvent::Metrics(ev) => self.handle_metrics_event(ev),
            SourceEvent::Cluster(info) => {
                if !self.namespace_chosen {
                    self.namespace = Some(info.namespace.clone());
                    self.namespace_chosen = true;
                    self.landing_pending = true;
                    self.remember_namespace(&info.namespace);
                    self.reopen_root();
                }
                self.cluster = info;
            }
            SourceEvent::Landing { namespace, from } => {
                // Only while still in the context's namespace the console chose itself.
                if std::mem::take(&mut self.landing_pending)
                    && self.namespace.as_deref() == Some(from.as_str())
                {
                    self.namespace = Some(namespace.clone());
                    self.remember_namespace(&namespace);
                    self.reopen_root();
                    self.flash_for(strings::landed(&namespace, &from), Level::Info, 15);
                }
            }
            SourceEvent::Connection(state) => {
                // Without a cluster, discovery never answers: a startup command (such as
                // `metrics`) runs now, and the cluster views say why they are empty.
                if matches!(state, ConnState::Failed(_))
                    && let Some(command) = self.startup_command.take()
                {
                    self.conn = state;
                    self.run_command_text(&command);
                    return;
                }
                self.conn = state;
            }
            SourceEvent::Version(v) => self.version = Some(v),
            SourceEvent::Discovered(catalog) => {
                self.catalog = catalog;
                self.rekind_views();
                if let Some(command) = self.startup_command.take() {
                    self.run_command_text(&command);
                }
            }
            SourceEvent::WatchStarted { key, store } => {
                if self.all_watches().iter().any(|s| s.key == key) {
                    self.watches.insert(
                        key.clone(),
                        WatchData {
                            store: Some(store),
                            status: WatchStatus::Loading,
                            updated: None,
                        },
                    );
                    self.refresh_key(&key);
                    self.replay_observe(&key);
                }
            }
            SourceEvent::WatchReady(key) => {
                if let Some(w) = self.watches.get_mut(&key) {
                    w.status = WatchStatus::Ready;
                    w.updated = Some(self.now);
                }
                self.refresh_key(&key);
                self.replay_observe(&key);
            }
            SourceEvent::WatchChanged(key) => {
                if let Some(w) = self.watches.get_mut(&key) {
                    w.updated = Some(self.now);
                    // Changes come from a working watch (one that resumed without a relist).
                    if matches!(w.status, WatchStatus::Stale { .. }) {
                        w.status = WatchStatus::Ready;
                    }
                }
                self.changed.insert(key);
            }
            SourceEvent::WatchResumed(key) => {
                if let Some(w) = self.watches.get_mut(&key)
                    && matches!(w.status, WatchStatus::Stale { .. })
                {
                    w.status = WatchStatus::Ready;
                    w.updated = Some(self.now);
                }
            }
            SourceEvent::WatchFailed { key, error } => {
                let now = self.now;
                if let Some(w) = self.watches.get_mut(&key) {
                    let since = match &w.status {
                        WatchStatus::Stale { since, .. } => *since,
                        _ => w.updated.unwrap_or(now),
                    };
                    w.status = WatchStatus::Stale { error, since };
                }
            }
            SourceEvent::LogLines { id, lines } => {
                let height = self.text_height();
                if let Some(l) = self.logs_mut(id) {
                    l.push(lines);
                    if l.follow {
                        let n = l.visible().count();
                        l.scroll = n.saturating_sub(height);
                    }
                }
            }
            SourceEvent::LogEnded { id, error } => {
                if let Some(l) = self.logs_mut(id) {
                    l.status = match error {
                        Some(e) => view::LogStatus::Failed(e),
                        None => view::LogStatus::Ended,
                    };
                }
            }
            SourceEvent::LogReconnecting { id, error } => {
                if let Some(l) = self.logs_mut(id) {
                    l.status = view::LogStatus::Reconnecting(error);
                }
            }
            SourceEvent::LogResumed { id } => {
                if let Some(l) = self.logs_mut(id)
                    && matches!(l.status, view::LogStatus::Reconnecting(_))
                {
                    l.status = view::LogStatus::Streaming;
                }
            }
            SourceEvent::Eks(ev) => self.handle_eks(ev),
            SourceEvent::Forward(ev) => self.pf_event(ev),
            SourceEvent::ContextProbed { name, reach } => self.ctx.probed(name, reach),
            SourceEvent::Fetched { target, object } => {
                self.copy_fetched(&target, &object);
                self.fetched(&target, object);
            }
            SourceEvent::Done { message, error } => match error {
                None if self.cnpg_request_done(&message) => {}
                None => self.flash(strings::done(&message), Level::Info),
                Some(e) => self.flash_for(strings::failed(&message, &e), Level::Error, 10),
            },
        }
    }

    fn logs_mut(&mut self, id: LogId) -> Option<&mut view::LogsView> {
        self.stack.iter_mut().find_map(|v| match v {
            View::Logs(l) if l.id == id => Some(l),
            _ => None,
        })
    }

    /// Opens a kind's table: pushed on the stack (drill-down) or as the new root (command).
    fn open_table(
        &mut self,
        kind: Arc<ResourceKind>,
        namespace: Option<Option<String>>,
        labels: Option<String>,
        fields: Option<String>,
        scope: Option<String>,
        push: bool,
    ) {
        let ns = namespace.unwrap_or_else(|| self.namespace.clone());
        let spec = self.spec_for(kind.clone(), ns.clone(), labels, fields);
        let all = kind.namespaced && spec.key.namespace.is_none();
        let columns = columns::columns_for(&kind, all);
        let table = view::TableView {
            sort: view::SortBy::default_for(&columns),
            columns,
            spec,
            scope,
            filter: filter::Filter::None,
            filter_text: String::new(),
            rows: Vec::new(),
            total: 0,
            cursor: view::Cursor::default(),
            order: Default::default(),
        };
        if !push {
            self.clear_stack();
        }
        self.stack.push(View::Table(table));
        self.prune_watches();
        let key = match self.stack.last() {
            Some(View::Table(t)) => t.spec.key.clone(),
            _ => return,
        };
        self.refresh_key(&key);
    }

    /// Pops every view, stopping log streams.
    fn clear_stack(&mut self) {
        while let Some(v) = self.stack.pop() {
            if let View::Logs(l) = v {
                self.request(Request::StopLogs(l.id));
            }
        }
    }

    /// Pops the top view (never the last one).
    fn pop_view(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        if let Some(View::Logs(l)) = self.stack.pop() {
            self.request(Request::StopLogs(l.id));
        }
        self.prune_watches();
    }

    /// Re-opens the root table with the current namespace.
    fn reopen_root(&mut self) {
        if let Some(View::Table(t)) = self.stack.first() {
            let kind = t.kind().clone();
            self.open_table(kind, None, None, None, None, false);
        }
    }

    /// After discovery: views opened from the built-in catalog get the server's kind
    /// (printer columns, real version).
    fn rekind_views(&mut self) {
        let mut changed = false;
        for v in &mut self.stack {
            if let View::Table(t) = v
                && let Some(k) = self.catalog.resolve(&t.kind().full_name())
                && *k != **t.kind()
            {
                let key = &t.spec.key;
                t.spec = WatchSpec::new(
                    k.clone(),
                    key.namespace.clone(),
                    key.labels.clone(),
                    key.fields.clone(),
                );
                let all = k.namespaced && t.spec.key.namespace.is_none();
                t.columns = columns::columns_for(&k, all);
                if !t.columns.iter().any(|c| c.name == t.sort.column) {
                    t.sort = view::SortBy::default_for(&t.columns);
                }
                changed = true;
            }
        }
        if changed {
            self.prune_watches();
            let keys: Vec<WatchKey> = self.desired_watches().into_iter().map(|s| s.key).collect();
            for k in keys {
                self.refresh_key(&k);
            }
        }
    }

    fn object_target(&self) -> Option<ObjectTarget> {
        match self.top()? {
            View::Table(t) => {
                let obj = t.selected()?;
                Some(ObjectTarget {
                    kind: t.kind().clone(),
                    namespace: obj.metadata.namespace.clone(),
                    name: obj.metadata.name.clone()?,
                })
            }
            View::Containers(c) => Some(ObjectTarget {
                kind: c.source.kind().clone(),
                namespace: c.source.namespace.clone(),
                name: c.source.name.clone(),
            }),
            View::Text(t) => Some(ObjectTarget {
                kind: t.source.kind().clone(),
                namespace: t.source.namespace.clone(),
                name: t.source.name.clone(),
            }),
            _ => None,
        }
    }

    /// Namespace names known from any namespaces watch (for `:ns` completion).
    pub fn known_namespaces(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .watches
            .iter()
            .filter(|(k, _)| k.plural == "namespaces" && k.api_version == "v1")
            .filter_map(|(_, w)| w.store.as_ref())
            .flat_map(|s| s.state())
            .filter_map(|o| o.metadata.name.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The namespace shown in the header: the top table's (so that it is in step with
    /// what the table shows), else the current one.
    pub fn namespace_label(&self) -> String {
        let ns = match self.top() {
            Some(View::Table(t)) if t.kind().namespaced => t.spec.key.namespace.as_ref(),
            _ => self.namespace.as_ref(),
        };
        match ns {
            Some(ns) => ns.clone(),
            None => "all".into(),
        }
    }

    /// Puts a namespace first among the favourites (at most 9, as k9s).
    pub(crate) fn remember_namespace(&mut self, ns: &str) {
        if self.ns_favourites.first().map(String::as_str) == Some(ns) {
            return;
        }
        self.ns_favourites.retain(|n| n != ns);
        self.ns_favourites.insert(0, ns.to_string());
        self.ns_favourites.truncate(9);
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod day2_tests;
