//! The metrics pane (`:metrics`): Grafana-style dashboards fed by Prometheus queries, and
//! the PromQL editor ([`editor`]). `update` decides when to query (opening, auto refresh,
//! a range or variable change, `r`) and folds answers into each panel's data; failures keep
//! the last data with its age. The same source feeds the metric columns of the node pools
//! and CNPG panes ([`PaneMetrics`]).

mod actions;
pub(crate) mod editor;
mod pane;
pub mod panel;
pub(crate) mod range;
pub(crate) mod strings;
#[cfg(test)]
mod tests;
pub(crate) mod vars;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use self::panel::{PanelData, PanelStatus};
use self::range::TimeRange;
use self::vars::VarAnswer;
pub(crate) use self::vars::VarState;
use super::view::View;
use super::{App, Level};
use crate::domain::dashboard::axis::{choose_step, parse_duration};
use crate::domain::dashboard::layout::{Item, Placed, arrange};
use crate::domain::dashboard::load::{DashboardError, Loaded};
use crate::domain::dashboard::model::{Dashboard, GRID_COLUMNS};
use crate::domain::dashboard::template::{Bindings, expand};
use crate::domain::dashboard::{QueryResult, panes};
use crate::model::BackendState;
use crate::sources::Request;
use crate::sources::prometheus::PromError;
use crate::sources::prometheus::manager::{MetricsEvent, MetricsRequest};
use crate::sources::prometheus::task::{LabelAnswer, MetricsAnswer, MetricsQuery, QueryId, Window};

/// A refresh running longer than this marks its panels "slow".
const SLOW_AFTER: i64 = 10;
/// Seconds after which a dashboard with failed panels is refreshed again.
const RETRY_FAILED: i64 = 5;
/// How often the pools and CNPG panes refresh their metric columns.
const PANE_EVERY: i64 = 30;
/// Auto refresh intervals `i` cycles through (`None`: off).
const REFRESH_CHOICES: &[Option<u64>] = &[None, Some(10), Some(30), Some(60), Some(300)];
/// The smallest query step (Prometheus's usual scrape interval).
const MIN_STEP: Duration = Duration::from_secs(15);
/// Entries kept in the PromQL history.
const HISTORY_CAP: usize = 200;

/// One pane query's latest answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaneMetric {
    pub result: Option<QueryResult>,
    /// When `result` was fetched.
    pub at: Option<Timestamp>,
    /// The last refresh's error (the last result stays).
    pub error: Option<String>,
    pending: Option<QueryId>,
    asked: Option<Timestamp>,
}

/// The metric columns of the pools and CNPG panes, by query ([`panes`]).
pub type PaneMetrics = BTreeMap<&'static str, PaneMetric>;

/// Prometheus as the whole app sees it.
#[derive(Debug, Clone)]
pub struct MetricsState {
    pub backend: BackendState,
    pub dashboards: Vec<Loaded>,
    /// Dashboards that failed to load (file and reason).
    pub problems: Vec<String>,
    /// PromQL editor history, oldest first.
    pub history: Vec<String>,
    pub panes: PaneMetrics,
    /// Time zone of chart axes.
    pub tz: jiff::tz::TimeZone,
    next_id: QueryId,
}

impl Default for MetricsState {
    fn default() -> Self {
        let mut state = MetricsState {
            backend: BackendState::Discovering,
            dashboards: Vec::new(),
            problems: Vec::new(),
            history: Vec::new(),
            panes: PaneMetrics::new(),
            tz: jiff::tz::TimeZone::system(),
            next_id: 1,
        };
        state.set_dashboards(crate::domain::dashboard::load::builtin());
        state
    }
}

impl MetricsState {
    /// Built-in and user dashboards; a user dashboard with a built-in's id replaces it.
    pub fn set_dashboards(&mut self, loaded: Vec<Result<Loaded, DashboardError>>) {
        for item in loaded {
            match item {
                Ok(d) => match self.dashboards.iter_mut().find(|x| x.id == d.id) {
                    Some(slot) => *slot = d,
                    None => self.dashboards.push(d),
                },
                Err(e) => self.problems.push(e.to_string()),
            }
        }
    }

    fn id(&mut self) -> QueryId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub fn ready(&self) -> bool {
        matches!(self.backend, BackendState::Ready { .. })
    }

    /// Replication lag per instance pod of one namespace (CNPG panes).
    pub fn cnpg_metrics(
        &self,
        namespace: &str,
    ) -> BTreeMap<String, crate::domain::cnpg::InstanceMetrics> {
        let Some(r) = self
            .panes
            .get(panes::CNPG_LAG)
            .and_then(|m| m.result.as_ref())
        else {
            return BTreeMap::new();
        };
        r.series
            .iter()
            .filter(|s| s.labels.get("namespace").map(String::as_str) == Some(namespace))
            .filter_map(|s| {
                let pod = s.labels.get("pod")?;
                let lag = s.points.iter().rev().map(|p| p.1).find(|v| v.is_finite())?;
                Some((
                    pod.clone(),
                    crate::domain::cnpg::InstanceMetrics {
                        lag_seconds: Some(lag),
                        wal_receiver_up: None,
                    },
                ))
            })
            .collect()
    }

    /// The latest value per `label` of a pane query, with the age of the data.
    pub fn pane_values(&self, query: &str, label: &str) -> Option<BTreeMap<String, f64>> {
        let m = self.panes.get(query)?;
        m.result.as_ref().map(|r| r.latest_by(label))
    }
}

/// The data window of the last refresh, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown {
    pub start: f64,
    pub end: f64,
    pub step: f64,
}

#[derive(Debug, Clone)]
pub struct MetricsView {
    /// `cluster-overview`, …
    pub id: String,
    /// The dashboard as loaded.
    pub base: Arc<Dashboard>,
    /// The dashboard drawn: repeated rows and panels expanded for the selected values.
    pub dashboard: Arc<Dashboard>,
    /// Rows the user opened or closed (by [`row_key`]), against their saved state.
    pub toggled: BTreeSet<String>,
    /// The import report is shown instead of the panels.
    pub show_notes: bool,
    /// This dashboard's import report (skipped panels, notes).
    pub notes: Vec<String>,
    /// A refresh waits for variables to resolve.
    pub refresh_waiting: bool,
    pub range: TimeRange,
    pub refresh: Option<Duration>,
    pub paused: bool,
    pub vars: Vec<VarState>,
    pub var_focus: usize,
    /// One per panel of `dashboard`.
    pub panels: Vec<PanelData>,
    /// Index into [`MetricsView::items`]: a row header or a panel.
    pub selected: usize,
    pub zoom: bool,
    pub scroll: u16,
    pub shown: Option<Shown>,
    pub last_sent: Option<Timestamp>,
    /// Query → (panel, target) of the refresh under way.
    pending: HashMap<QueryId, (usize, usize)>,
    /// Answers of the refresh under way, per panel and target.
    parts: Vec<Vec<Option<Result<QueryResult, PromError>>>>,
    /// Variable queries under way.
    var_pending: HashMap<QueryId, usize>,
}

/// Identifies a row across repeat expansions: its title and repeat values.
pub fn row_key(row: &crate::domain::dashboard::Row) -> String {
    let mut k = row.title.clone();
    for (n, v) in &row.scoped {
        k.push_str(&format!("|{n}={v}"));
    }
    k
}

impl MetricsView {
    pub fn refreshing(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The query step at `width` columns and the template values of the current choices.
    pub fn bindings(&self, width: u16) -> (Duration, Bindings) {
        let zoomed = if self.zoom {
            self.selected_panel()
        } else {
            None
        };
        let step = step_for(&self.dashboard, self.range.length, width, zoomed);
        (step, self.bindings_for(step))
    }

    /// Whether row `r` of the drawn dashboard is collapsed now.
    pub fn collapsed(&self) -> Vec<bool> {
        self.dashboard
            .rows
            .iter()
            .map(|r| r.collapsed ^ self.toggled.contains(&row_key(r)))
            .collect()
    }

    /// Row headers and visible panels, top to bottom.
    pub fn items(&self) -> Vec<Placed> {
        let mut items = arrange(&self.dashboard, &self.collapsed());
        items.sort_by_key(|p| (p.y, p.x));
        items
    }

    /// The selected panel (not a row header).
    pub fn selected_panel(&self) -> Option<usize> {
        match self.items().get(self.selected)?.item {
            Item::Panel(i) => Some(i),
            Item::Row(_) => None,
        }
    }

    /// Opens or closes the row of the selected item.
    pub fn toggle_row(&mut self) -> bool {
        let items = self.items();
        let Some(sel) = items.get(self.selected) else {
            return false;
        };
        let row = match sel.item {
            Item::Row(r) => Some(r),
            Item::Panel(p) => self.dashboard.panels.get(p).and_then(|p| p.options.row),
        };
        let Some(r) = row.and_then(|r| self.dashboard.rows.get(r)) else {
            return false;
        };
        let key = row_key(r);
        if !self.toggled.remove(&key) {
            self.toggled.insert(key);
        }
        // Keep the header selected.
        if let Some(i) = self
            .items()
            .iter()
            .position(|p| p.item == Item::Row(row.unwrap_or(0)))
        {
            self.selected = i;
        }
        true
    }
}

/// The query step for a dashboard drawn `width` columns wide: from its widest time-series
/// panel (the whole width when zoomed).
pub fn step_for(d: &Dashboard, range: Duration, width: u16, zoomed: Option<usize>) -> Duration {
    let grid_w = match zoomed.and_then(|i| d.panels.get(i)) {
        Some(_) => GRID_COLUMNS,
        None => d
            .panels
            .iter()
            .filter(|p| p.kind.needs_range())
            .map(|p| p.grid.w)
            .max()
            .unwrap_or(GRID_COLUMNS),
    };
    let cols = (u32::from(width) * u32::from(grid_w.min(GRID_COLUMNS)) / u32::from(GRID_COLUMNS))
        .saturating_sub(10)
        .max(10) as u16;
    choose_step(range, cols, MIN_STEP)
}

fn ts(secs: f64) -> Timestamp {
    Timestamp::from_second(secs as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl App {
    /// Dashboards from files (`set_dashboards`) and the PromQL history, at startup.
    pub fn set_metrics_inputs(
        &mut self,
        dashboards: Vec<Result<Loaded, DashboardError>>,
        history: Vec<String>,
    ) {
        self.metrics.set_dashboards(dashboards);
        if let Some(first) = self.metrics.problems.first().cloned() {
            let text = strings::dashboards_failed(self.metrics.problems.len(), &first);
            self.flash_for(text, Level::Error, 30);
        }
        self.metrics.history = history;
    }

    /// `:metrics [dashboard]`.
    pub(super) fn open_metrics(&mut self, name: Option<&str>) {
        if self.metrics.dashboards.is_empty() {
            return self.flash(strings::NO_DASHBOARDS, Level::Error);
        }
        let index = match name {
            None => 0,
            Some(n) => {
                let n = n.to_ascii_lowercase();
                match self.metrics.dashboards.iter().position(|d| {
                    d.id == n || d.dashboard.title.to_ascii_lowercase() == n || d.id.starts_with(&n)
                }) {
                    Some(i) => i,
                    None => {
                        let known: Vec<String> = self
                            .metrics
                            .dashboards
                            .iter()
                            .map(|d| d.id.clone())
                            .collect();
                        return self.flash(strings::unknown_dashboard(&n, &known), Level::Error);
                    }
                }
            }
        };
        let view = self.metrics_view(index);
        self.clear_stack();
        self.stack.push(View::Metrics(view));
        self.prune_watches();
        self.start_variables();
        self.start_refresh();
    }

    /// Dashboard ids, for `:metrics` completion.
    pub fn dashboard_ids(&self) -> Vec<String> {
        self.metrics
            .dashboards
            .iter()
            .map(|d| d.id.clone())
            .collect()
    }

    fn metrics_view(&self, index: usize) -> MetricsView {
        let loaded = &self.metrics.dashboards[index.min(self.metrics.dashboards.len() - 1)];
        let d = &loaded.dashboard;
        let length = parse_duration(&d.range).unwrap_or(Duration::from_secs(3600));
        let refresh = d
            .refresh
            .as_deref()
            .and_then(parse_duration)
            .filter(|r| !r.is_zero());
        let vars: Vec<VarState> = d.variables.iter().map(VarState::new).collect();
        let mut view = MetricsView {
            id: loaded.id.clone(),
            base: Arc::new(d.clone()),
            dashboard: Arc::new(d.clone()),
            toggled: BTreeSet::new(),
            show_notes: false,
            notes: loaded.report(),
            refresh_waiting: false,
            range: TimeRange::last(length),
            refresh,
            paused: false,
            vars,
            var_focus: 0,
            panels: d.panels.iter().map(|_| PanelData::loading()).collect(),
            selected: 0,
            zoom: false,
            scroll: 0,
            shown: None,
            last_sent: None,
            pending: HashMap::new(),
            parts: Vec::new(),
            var_pending: HashMap::new(),
        };
        view.var_focus = view.vars.iter().position(|v| v.hide < 2).unwrap_or(0);
        if view.vars_ready() {
            let (step, _) = view.bindings(self.viewport.size.0);
            view.expand(step);
        }
        view
    }

    fn top_metrics(&mut self) -> Option<&mut MetricsView> {
        match self.stack.last_mut() {
            Some(View::Metrics(m)) => Some(m),
            _ => None,
        }
    }

    /// Queries every panel of the top dashboard for its current window.
    pub(super) fn start_refresh(&mut self) {
        let now = self.now;
        let width = self.viewport.size.0;
        let mut ids: Vec<QueryId> = Vec::new();
        let Some(m) = self.top_metrics() else { return };
        // The first refresh waits for the variables (and runs when they resolve).
        if !m.vars_ready() {
            m.refresh_waiting = true;
            return;
        }
        m.refresh_waiting = false;
        let Some(View::Metrics(m)) = self.stack.last() else {
            return;
        };
        // Only panels on screen: those in collapsed rows are queried when opened.
        let visible: BTreeSet<usize> = m
            .items()
            .iter()
            .filter_map(|p| match p.item {
                Item::Panel(i) => Some(i),
                Item::Row(_) => None,
            })
            .collect();
        let targets: usize = m.dashboard.panels.iter().map(|p| p.targets.len()).sum();
        for _ in 0..targets {
            ids.push(self.metrics.id());
        }
        let Some(m) = self.top_metrics() else { return };
        let (start, end) = m.range.bounds(now);
        let (step, bindings) = m.bindings(width);
        let live = m.range.end.is_none();
        let step_secs = SignedDuration::try_from(step).unwrap_or(SignedDuration::from_secs(15));
        let mut queries = Vec::new();
        m.pending.clear();
        m.parts = m
            .dashboard
            .panels
            .iter()
            .map(|p| vec![None; p.targets.len()])
            .collect();
        let mut ids = ids.into_iter();
        for (i, panel) in m.dashboard.panels.iter().enumerate() {
            if !visible.contains(&i) || !panel.kind.queries() {
                if let Some(p) = m.parts.get_mut(i) {
                    p.clear();
                }
                continue;
            }
            let bindings = bindings.scoped(&panel.options.scoped);
            for (j, target) in panel.targets.iter().enumerate() {
                let Some(id) = ids.next() else { break };
                let expr = expand(&target.expr, &bindings);
                let window = if panel.kind.needs_range() {
                    Some(Window { start, end, step })
                } else if live {
                    None
                } else {
                    Some(Window {
                        start: end.checked_sub(step_secs).unwrap_or(end),
                        end,
                        step,
                    })
                };
                m.pending.insert(id, (i, j));
                queries.push(MetricsQuery { id, expr, window });
            }
        }
        m.shown = Some(Shown {
            start: start.as_second() as f64,
            end: end.as_second() as f64,
            step: step.as_secs_f64(),
        });
        m.last_sent = Some(now);
        for p in &mut m.panels {
            p.slow = false;
        }
        if !queries.is_empty() {
            self.request(Request::Metrics(MetricsRequest::Run(queries)));
        }
    }

    pub(super) fn handle_metrics_event(&mut self, ev: MetricsEvent) {
        match ev {
            MetricsEvent::Backend(state) => {
                let became_ready =
                    !self.metrics.ready() && matches!(state, BackendState::Ready { .. });
                self.metrics.backend = state;
                if became_ready {
                    for m in self.metrics.panes.values_mut() {
                        m.asked = None;
                    }
                    self.pane_metrics_tick();
                }
            }
            MetricsEvent::Answer(a) => self.metrics_answer(a),
            MetricsEvent::Labels(a) => self.label_answer(a),
        }
    }

    fn metrics_answer(&mut self, a: MetricsAnswer) {
        // Pane queries.
        if let Some(m) = self
            .metrics
            .panes
            .values_mut()
            .find(|m| m.pending == Some(a.id))
        {
            m.pending = None;
            match a.result {
                Ok(r) => {
                    m.result = Some(r);
                    m.at = Some(a.received);
                    m.error = None;
                }
                Err(e) => m.error = Some(e.to_string()),
            }
            self.refresh_panes_with_metrics();
            return;
        }
        if self.editor_answer(&a) {
            return;
        }
        let result = a.result.clone().map(VarAnswer::Series);
        if self.variable_answer(a.id, result) {
            return;
        }
        for view in self.stack.iter_mut() {
            let View::Metrics(m) = view else { continue };
            let Some((i, j)) = m.pending.remove(&a.id) else {
                continue;
            };
            if let Some(slot) = m.parts.get_mut(i).and_then(|p| p.get_mut(j)) {
                *slot = Some(a.result);
            }
            let done = m
                .parts
                .get(i)
                .is_some_and(|p| p.iter().all(Option::is_some));
            if done {
                let parts = std::mem::take(&mut m.parts[i]);
                let (Some(panel), Some(data)) = (m.dashboard.panels.get(i), m.panels.get_mut(i))
                else {
                    return;
                };
                fold_panel(panel, data, parts, a.received);
            }
            return;
        }
    }

    fn label_answer(&mut self, a: LabelAnswer) {
        self.variable_answer(a.id, a.result.map(VarAnswer::Labels));
    }

    /// Each tick: auto refresh, slow marks, pane metric refresh.
    pub(super) fn metrics_tick(&mut self) {
        let now = self.now;
        let mut due = false;
        if let Some(m) = self.top_metrics() {
            let since = m
                .last_sent
                .map_or(i64::MAX, |t| now.as_second() - t.as_second());
            if m.refreshing() && since >= SLOW_AFTER {
                let waiting: Vec<usize> = m.pending.values().map(|(i, _)| *i).collect();
                for i in waiting {
                    if let Some(p) = m.panels.get_mut(i) {
                        p.slow = true;
                    }
                }
            }
            // Failed panels are asked again soon (so they recover soon after the server),
            // also when auto refresh is off or slower.
            let failed = m
                .panels
                .iter()
                .any(|p| matches!(p.status, PanelStatus::Failed { .. }));
            due = !m.paused
                && m.range.end.is_none()
                && !m.refreshing()
                && (m.refresh.is_some_and(|r| since >= r.as_secs() as i64)
                    || (failed && since >= RETRY_FAILED));
        }
        if due {
            self.start_refresh();
        }
        self.pane_metrics_tick();
    }

    /// Which pane queries the view stack needs.
    fn wanted_pane_queries(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.stack.iter().any(|v| matches!(v, View::Pools(_))) {
            out.extend([panes::NODE_CPU, panes::NODE_MEMORY]);
        }
        if self
            .stack
            .iter()
            .any(|v| matches!(v, View::Cnpg(_) | View::CnpgDetail(_)))
        {
            out.push(panes::CNPG_LAG);
        }
        out
    }

    /// Refreshes the pane queries of open panes every [`PANE_EVERY`] seconds.
    pub(super) fn pane_metrics_tick(&mut self) {
        if !self.metrics.ready() {
            return;
        }
        let now = self.now;
        let mut queries = Vec::new();
        for q in self.wanted_pane_queries() {
            let id = self.metrics.next_id;
            let m = self.metrics.panes.entry(q).or_default();
            let due = m.pending.is_none()
                && m.asked
                    .is_none_or(|t| now.as_second() - t.as_second() >= PANE_EVERY);
            if due {
                m.pending = Some(id);
                m.asked = Some(now);
                self.metrics.next_id += 1;
                queries.push(MetricsQuery {
                    id,
                    expr: q.to_string(),
                    window: None,
                });
            }
        }
        if !queries.is_empty() {
            self.request(Request::Metrics(MetricsRequest::Run(queries)));
        }
    }

    /// Rebuilds the pools and CNPG models that show pane metrics.
    fn refresh_panes_with_metrics(&mut self) {
        for i in 0..self.stack.len() {
            if matches!(
                self.stack[i],
                View::Pools(_) | View::Cnpg(_) | View::CnpgDetail(_)
            ) {
                self.refresh_view(i);
            }
        }
    }

    /// A typed time range (`c` in the pane).
    pub(super) fn set_metrics_range(&mut self, text: &str) {
        let now = self.now;
        match range::parse(text, now) {
            Ok(r) => {
                if let Some(m) = self.top_metrics() {
                    m.range = r;
                }
                self.start_refresh();
            }
            Err(why) => self.flash(
                format!(
                    "{} ({})",
                    strings::bad_range(text, &why),
                    strings::RANGE_HELP
                ),
                Level::Error,
            ),
        }
    }

    /// Appends to the PromQL history (deduplicated, bounded) and saves it.
    pub(super) fn remember_query(&mut self, query: &str) {
        let h = &mut self.metrics.history;
        h.retain(|q| q != query);
        h.push(query.to_string());
        if h.len() > HISTORY_CAP {
            let extra = h.len() - HISTORY_CAP;
            h.drain(..extra);
        }
        let entries = h.clone();
        self.request(Request::Metrics(MetricsRequest::SaveHistory(entries)));
    }

    pub(super) fn next_query_id(&mut self) -> QueryId {
        self.metrics.id()
    }

    pub(super) fn metrics_next_id(&mut self) -> QueryId {
        self.metrics.id()
    }
}

/// Folds a panel's answers: all targets' series when every one succeeded; otherwise the
/// first error, keeping the data shown before.
fn fold_panel(
    panel: &crate::domain::dashboard::model::Panel,
    data: &mut PanelData,
    parts: Vec<Option<Result<QueryResult, PromError>>>,
    received: Timestamp,
) {
    let mut series = Vec::new();
    let mut error = None;
    for (target, part) in panel.targets.iter().zip(parts) {
        match part {
            Some(Ok(r)) => series.extend(self::panel::plotted_target(target, &r)),
            Some(Err(e)) => {
                error.get_or_insert(e.to_string());
            }
            None => {}
        }
    }
    data.slow = false;
    match error {
        None => {
            data.series = series;
            data.status = PanelStatus::Ready { at: received };
        }
        Some(error) => {
            let data_at = match &data.status {
                PanelStatus::Ready { at } => Some(*at),
                PanelStatus::Failed { data_at, .. } => *data_at,
                PanelStatus::Loading => None,
            };
            data.status = PanelStatus::Failed { error, data_at };
        }
    }
}

/// The data window of a shown refresh as timestamps (for the editor's chart too).
pub fn window_of(shown: &Shown) -> (Timestamp, Timestamp) {
    (ts(shown.start), ts(shown.end))
}

#[cfg(test)]
impl App {
    /// The queries of every `Run` request since the last call (tests).
    pub fn take_metric_runs(&mut self) -> Vec<MetricsQuery> {
        self.take_requests()
            .into_iter()
            .filter_map(|r| match r {
                Request::Metrics(MetricsRequest::Run(q)) => Some(q),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// Delivers a query's answer as the Prometheus source would, received now (tests).
    pub fn answer_metric(&mut self, id: QueryId, result: Result<QueryResult, PromError>) {
        let now = self.now;
        self.dispatch(super::Msg::Source(crate::sources::SourceEvent::Metrics(
            MetricsEvent::Answer(MetricsAnswer {
                id,
                sent: now,
                received: now,
                result,
            }),
        )));
    }
}
