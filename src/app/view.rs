//! The view stack's view types. Each view knows its keymap context, its breadcrumb and
//! which watches it needs; new panes (node pools, sync waves, CNPG, metrics, wizard) plug in
//! as new variants.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::model::object::Obj;

use super::columns::Column;
use super::filter::Filter;
use crate::model::action::Context;
use crate::model::{ResourceKind, WatchSpec};
use crate::sources::LogId;

/// A selection in a list plus the first visible row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` rows within `len`, keeping the selection inside `height` rows.
    pub fn step(&mut self, delta: isize, len: usize, height: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        let max = len - 1;
        self.selected = (self.selected as isize + delta).clamp(0, max as isize) as usize;
        self.fit(len, height);
    }

    pub fn fit(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        self.selected = self.selected.min(len - 1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

/// Where a single object lives: the watch holding it and its name.
#[derive(Debug, Clone)]
pub struct ObjSource {
    pub spec: WatchSpec,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjSource {
    pub fn kind(&self) -> &Arc<ResourceKind> {
        &self.spec.kind
    }
}

/// A table's order: a column by its header name, ascending or descending. The default,
/// NAME ascending, orders by namespace then name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortBy {
    pub column: String,
    pub desc: bool,
}

impl Default for SortBy {
    fn default() -> Self {
        SortBy {
            column: "NAME".into(),
            desc: false,
        }
    }
}

impl SortBy {
    /// The default order of a table: by namespace then name (NAMESPACE ▲ when the table
    /// shows several namespaces, NAME ▲ otherwise).
    pub fn default_for(columns: &[Column]) -> SortBy {
        let column = if columns.iter().any(|c| c.name == "NAMESPACE") {
            "NAMESPACE"
        } else {
            "NAME"
        };
        SortBy {
            column: column.into(),
            desc: false,
        }
    }

    /// `▲` ascending, `▼` descending.
    pub fn marker(&self) -> char {
        if self.desc { '▼' } else { '▲' }
    }
}

#[derive(Debug, Clone)]
pub struct TableView {
    pub spec: WatchSpec,
    /// Why the table is scoped (`node ip-10-0-1-5`), shown in the breadcrumb.
    pub scope: Option<String>,
    pub columns: Vec<Column>,
    pub filter: Filter,
    pub filter_text: String,
    /// The order of the rows (`shift-N`/`shift-A`/… or `:sort COLUMN`).
    pub sort: SortBy,
    /// Rows after filtering, in the `sort` order.
    pub rows: Vec<Arc<Obj>>,
    /// Rows before the `/` filter.
    pub total: usize,
    pub cursor: Cursor,
    /// What keeps `rows` in order between refreshes (a change moves its row only).
    pub order: super::refresh::order::RowOrder,
}

impl TableView {
    pub fn kind(&self) -> &Arc<ResourceKind> {
        &self.spec.kind
    }

    pub fn selected(&self) -> Option<&Arc<Obj>> {
        self.rows.get(self.cursor.selected)
    }

    /// Header names, the sorted column marked `▲`/`▼`.
    pub fn header(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| {
                if c.name == self.sort.column {
                    format!("{}{}", c.name, self.sort.marker())
                } else {
                    c.name.clone()
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRow {
    pub name: String,
    pub image: String,
    pub init: bool,
    pub ready: bool,
    pub state: String,
    pub restarts: i64,
}

/// The containers of one pod (Enter on a pod).
#[derive(Debug, Clone)]
pub struct ContainersView {
    pub source: ObjSource,
    pub rows: Vec<ContainerRow>,
    pub cursor: Cursor,
    pub missing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextMode {
    Describe,
    Yaml,
}

/// Describe and YAML: scrollable, searchable text about one object, kept live.
#[derive(Debug, Clone)]
pub struct TextView {
    pub mode: TextMode,
    pub source: ObjSource,
    /// Events of the object's namespace (describe only).
    pub events: Option<WatchSpec>,
    pub lines: Vec<String>,
    pub scroll: usize,
    pub wrap: bool,
    pub search: Option<String>,
    /// Line numbers containing the search.
    pub matches: Vec<usize>,
    pub current_match: usize,
    /// The object is gone (deleted); the last text stays.
    pub missing: bool,
    /// The whole object from a GET (watch stores keep objects pruned); the text is made
    /// from it once it is as recent as the watched copy.
    pub full: Option<Arc<Obj>>,
    /// The resourceVersion of the watched copy a GET was asked for.
    pub fetching: Option<String>,
    /// The Secret key whose value the YAML view shows (confirmed by the user); every other
    /// value shows its size.
    pub revealed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogStatus {
    Streaming,
    /// The stream dropped and is being reopened (the error says why it dropped).
    Reconnecting(String),
    Ended,
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct LogsView {
    pub id: LogId,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// A plugin's output (instead of a pod's logs): the crumb.
    pub title: Option<String>,
    pub previous: bool,
    pub follow: bool,
    pub timestamps: bool,
    pub wrap: bool,
    pub filter: Filter,
    pub filter_text: String,
    /// Bounded ring buffer of raw lines (with the server's timestamp prefix).
    pub lines: VecDeque<String>,
    pub cap: usize,
    pub dropped: u64,
    /// First visible line among the (filtered) lines when not following.
    pub scroll: usize,
    pub status: LogStatus,
}

impl LogsView {
    /// A followed, unfiltered pane for one container's log stream (`previous`: the last
    /// terminated container's) or a command's output (with a `title`).
    pub fn new(
        id: u64,
        (namespace, pod, container): (&str, &str, &str),
        title: Option<String>,
        previous: bool,
        cap: usize,
    ) -> Self {
        LogsView {
            id,
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            container: container.to_string(),
            title,
            previous,
            follow: true,
            timestamps: false,
            wrap: false,
            filter: Filter::None,
            filter_text: String::new(),
            lines: VecDeque::new(),
            cap,
            dropped: 0,
            scroll: 0,
            status: LogStatus::Streaming,
        }
    }

    /// A pane for one command's output (`:exec`, a background plugin): followed, unfiltered.
    pub fn output(
        id: u64,
        namespace: &str,
        pod: &str,
        container: &str,
        title: String,
        cap: usize,
    ) -> Self {
        Self::new(id, (namespace, pod, container), Some(title), false, cap)
    }

    /// Appends lines, dropping the oldest beyond the cap.
    pub fn push(&mut self, lines: Vec<String>) {
        for l in lines {
            self.lines.push_back(l);
        }
        while self.lines.len() > self.cap {
            self.lines.pop_front();
            self.dropped += 1;
            self.scroll = self.scroll.saturating_sub(1);
        }
    }

    /// Lines passing the filter, as shown (timestamps stripped unless on).
    pub fn visible(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .map(|l| {
                if self.timestamps {
                    l.as_str()
                } else {
                    strip_timestamp(l)
                }
            })
            .filter(|l| self.filter.matches(l, None))
    }
}

/// Drops a leading RFC 3339 timestamp (as the API server prefixes with `timestamps=true`).
pub(crate) fn strip_timestamp(line: &str) -> &str {
    match line.split_once(' ') {
        Some((ts, rest)) if ts.parse::<jiff::Timestamp>().is_ok() => rest,
        _ => line,
    }
}

#[derive(Debug, Clone)]
pub struct HelpView {
    /// The context of the view help was opened from.
    pub context: Context,
    pub scroll: usize,
}

/// `:ctx` without a name: the kubeconfig's contexts.
#[derive(Debug, Clone)]
pub struct ContextsView {
    pub names: Vec<String>,
    pub current: String,
    pub cursor: Cursor,
}

#[derive(Debug, Clone)]
pub enum View {
    Table(TableView),
    Containers(ContainersView),
    Text(TextView),
    Logs(LogsView),
    Help(HelpView),
    Contexts(ContextsView),
    /// `:waves`: Argo CD sync wave lanes, the rollout in words and traps.
    Waves(super::waves::WavesView),
    /// One Argo CD Application in detail (Enter in `:waves`).
    WaveApp(super::waves::WaveAppView),
    Pools(super::pools::PoolsView),
    /// `:cnpg`: every CloudNativePG Cluster.
    Cnpg(super::cnpg::CnpgListView),
    /// One CloudNativePG Cluster in detail, with its failover timeline.
    CnpgDetail(super::cnpg::CnpgDetailView),
    /// `:metrics`: a dashboard of Prometheus panels.
    Metrics(super::metrics::MetricsView),
    /// The PromQL editor and its answer.
    Editor(Box<super::metrics::editor::EditorView>),
    /// `:pf`: port forwards.
    Forwards(super::pf::PfView),
    /// `:xray` owners tree or the why-Pending explanation.
    Panel(Box<super::panel::PanelView>),
}

impl View {
    pub fn context(&self) -> Context {
        match self {
            View::Table(_)
            | View::Containers(_)
            | View::Contexts(_)
            | View::Forwards(_)
            | View::Panel(_) => Context::Table,
            View::Text(_) => Context::Text,
            View::Logs(_) => Context::Logs,
            View::Help(_) => Context::Help,
            View::Waves(_) | View::WaveApp(_) => Context::Waves,
            View::Pools(_) => Context::Pools,
            View::Cnpg(_) | View::CnpgDetail(_) => Context::Cnpg,
            View::Metrics(_) => Context::Metrics,
            View::Editor(_) => Context::Editor,
        }
    }

    /// The breadcrumb text.
    pub fn crumb(&self) -> String {
        match self {
            View::Table(t) => match &t.scope {
                Some(scope) => format!("{} ({scope})", t.kind().plural),
                None => t.kind().plural.clone(),
            },
            View::Containers(c) => format!("containers ({})", c.source.name),
            View::Text(t) => match t.mode {
                TextMode::Describe => format!("describe {}", t.source.name),
                TextMode::Yaml => format!("yaml {}", t.source.name),
            },
            View::Logs(l) => match &l.title {
                Some(t) => t.clone(),
                None => format!("logs {}/{}", l.pod, l.container),
            },
            View::Help(_) => "help".into(),
            View::Contexts(_) => "contexts".into(),
            View::Forwards(_) => "port-forwards".into(),
            View::Waves(w) => super::waves::strings::crumb(w.root.as_ref()),
            View::WaveApp(d) => super::waves::strings::detail_crumb(&d.key),
            View::Pools(_) => super::pools::strings::TITLE.into(),
            View::Cnpg(_) => super::cnpg::strings::LIST_TITLE.into(),
            View::CnpgDetail(d) => super::cnpg::strings::crumb_detail(&d.key.1),
            View::Metrics(m) => format!("{} {}", super::metrics::strings::TITLE, m.id),
            View::Editor(_) => super::metrics::strings::EDITOR_TITLE.into(),
            View::Panel(p) => p.crumb(),
        }
    }

    /// Watches this view reads.
    pub fn watches(&self) -> Vec<&WatchSpec> {
        if let Some(pane) = super::pane::pane(self) {
            return pane.watches();
        }
        match self {
            View::Table(t) => vec![&t.spec],
            View::Containers(c) => vec![&c.source.spec],
            View::Text(t) => std::iter::once(&t.source.spec)
                .chain(t.events.as_ref())
                .collect(),
            View::Logs(_)
            | View::Help(_)
            | View::Contexts(_)
            | View::Forwards(_)
            | View::Editor(_) => Vec::new(),
            View::Panel(p) => p.watches.iter().collect(),
            // Panes: their watches above.
            View::Waves(_)
            | View::WaveApp(_)
            | View::Pools(_)
            | View::Cnpg(_)
            | View::CnpgDetail(_)
            | View::Metrics(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_stays_visible() {
        let mut c = Cursor::default();
        c.step(5, 10, 3);
        assert_eq!(
            c,
            Cursor {
                selected: 5,
                offset: 3
            }
        );
        c.step(-4, 10, 3);
        assert_eq!(
            c,
            Cursor {
                selected: 1,
                offset: 1
            }
        );
        c.step(100, 10, 3);
        assert_eq!(
            c,
            Cursor {
                selected: 9,
                offset: 7
            }
        );
        c.fit(4, 3);
        assert_eq!(
            c,
            Cursor {
                selected: 3,
                offset: 1
            }
        );
        c.step(1, 0, 3);
        assert_eq!(c, Cursor::default());
    }

    #[test]
    fn log_buffer_is_bounded() {
        let mut l = LogsView {
            id: 1,
            namespace: "ns".into(),
            pod: "p".into(),
            container: "c".into(),
            title: None,
            previous: false,
            follow: true,
            timestamps: false,
            wrap: false,
            filter: Filter::None,
            filter_text: String::new(),
            lines: VecDeque::new(),
            cap: 3,
            dropped: 0,
            scroll: 2,
            status: LogStatus::Streaming,
        };
        l.push(
            (0..5)
                .map(|i| format!("2025-01-01T00:00:0{i}Z line {i}"))
                .collect(),
        );
        assert_eq!(l.lines.len(), 3);
        assert_eq!(l.dropped, 2);
        assert_eq!(l.scroll, 0);
        assert_eq!(
            l.visible().collect::<Vec<_>>(),
            ["line 2", "line 3", "line 4"]
        );
        l.timestamps = true;
        l.filter = Filter::parse("3").unwrap();
        assert_eq!(
            l.visible().collect::<Vec<_>>(),
            ["2025-01-01T00:00:03Z line 3"]
        );
    }
}
