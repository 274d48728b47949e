//! The PromQL editor (`e` on a panel, `:promql`): a multi-line tui-textarea, run with a
//! key, the answer as a chart (range query over the pane's time range) or a table (instant
//! query), history kept across runs and sessions, and Prometheus's own error message shown
//! under the line and column it points at.

use crossterm::event::KeyEvent;
use jiff::Timestamp;
use tui_textarea::{CursorMove, TextArea};

use super::range::TimeRange;
use super::{Shown, step_for, strings};
use crate::app::view::View;
use crate::app::{App, Level};
use crate::domain::dashboard::QueryResult;
use crate::domain::dashboard::model::{Dashboard, Grid, Panel, PanelKind, Target};
use crate::model::action::Action;
use crate::sources::Request;
use crate::sources::prometheus::manager::MetricsRequest;
use crate::sources::prometheus::task::{MetricsAnswer, MetricsQuery, QueryId, Window};

/// How the answer is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultMode {
    Chart,
    Table,
}

/// The last run's state.
#[derive(Debug, Clone, PartialEq)]
pub enum EditorStatus {
    Idle,
    Running {
        since: Timestamp,
    },
    Done {
        at: Timestamp,
    },
    /// Prometheus's message, and the 1-based (line, column) it points at.
    Failed {
        error: String,
        position: Option<(usize, usize)>,
    },
}

#[derive(Debug, Clone)]
pub struct EditorView {
    pub textarea: TextArea<'static>,
    pub mode: ResultMode,
    pub range: TimeRange,
    pub status: EditorStatus,
    pub result: Option<QueryResult>,
    /// The window of the chart shown.
    pub shown: Option<Shown>,
    /// The query text that produced `result`.
    pub ran: String,
    pending: Option<QueryId>,
    /// Position while browsing history (`None` when editing).
    history_pos: Option<usize>,
}

impl EditorView {
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    fn set_text(&mut self, text: &str) {
        let mut t = TextArea::new(text.lines().map(str::to_string).collect());
        t.move_cursor(CursorMove::Bottom);
        t.move_cursor(CursorMove::End);
        self.textarea = t;
    }
}

/// A one-panel dashboard for drawing the editor's answer with the dashboard widgets.
pub(crate) fn result_panel(mode: ResultMode) -> Panel {
    Panel {
        title: strings::EDITOR_TITLE.into(),
        kind: match mode {
            ResultMode::Chart => PanelKind::Timeseries,
            ResultMode::Table => PanelKind::Table,
        },
        grid: Grid {
            x: 0,
            y: 0,
            w: 24,
            h: 10,
        },
        targets: vec![Target::default()],
        ..Panel::default()
    }
}

impl App {
    /// Opens the editor with `text` over `range`.
    pub(in crate::app) fn open_editor(&mut self, text: &str, range: TimeRange) {
        let mut view = EditorView {
            textarea: TextArea::default(),
            mode: ResultMode::Chart,
            range,
            status: EditorStatus::Idle,
            result: None,
            shown: None,
            ran: String::new(),
            pending: None,
            history_pos: None,
        };
        view.set_text(text);
        self.stack.push(View::Editor(Box::new(view)));
    }

    /// `:promql [query]`: the editor on its own (last hour).
    pub(in crate::app) fn open_promql(&mut self, text: &str) {
        let text = if text.is_empty() {
            self.metrics.history.last().cloned().unwrap_or_default()
        } else {
            text.to_string()
        };
        self.open_editor(&text, TimeRange::last(std::time::Duration::from_secs(3600)));
    }

    fn top_editor(&mut self) -> Option<&mut EditorView> {
        match self.stack.last_mut() {
            Some(View::Editor(e)) => Some(e),
            _ => None,
        }
    }

    /// Typing into the editor.
    pub(in crate::app) fn editor_key(&mut self, key: &KeyEvent) {
        if let Some(e) = self.top_editor() {
            e.textarea.input(*key);
            e.history_pos = None;
        }
    }

    /// Editor actions; `true` when handled.
    pub(super) fn editor_action(&mut self, a: Action) -> bool {
        match a {
            Action::RunQuery => self.run_editor_query(),
            Action::ToggleResult => {
                let Some(e) = self.top_editor() else {
                    return false;
                };
                e.mode = match e.mode {
                    ResultMode::Chart => ResultMode::Table,
                    ResultMode::Table => ResultMode::Chart,
                };
                let rerun = !e.ran.is_empty();
                if rerun {
                    self.run_editor_query();
                }
            }
            Action::HistoryPrev | Action::HistoryNext => {
                let history = self.metrics.history.clone();
                let Some(e) = self.top_editor() else {
                    return false;
                };
                if history.is_empty() {
                    return true;
                }
                let pos = match (a, e.history_pos) {
                    (Action::HistoryPrev, None) => Some(history.len() - 1),
                    (Action::HistoryPrev, Some(p)) => Some(p.saturating_sub(1)),
                    (_, Some(p)) if p + 1 < history.len() => Some(p + 1),
                    (_, _) => None,
                };
                match pos {
                    Some(p) => e.set_text(&history[p]),
                    None => e.set_text(""),
                }
                e.history_pos = pos;
            }
            _ => return false,
        }
        true
    }

    fn run_editor_query(&mut self) {
        self.start_editor_query(true);
    }

    /// Runs the editor's text; `remember`: add it to the history (a query typed and run, not
    /// a panel's query shown on `e`).
    pub(in crate::app) fn start_editor_query(&mut self, remember: bool) {
        let now = self.now;
        let width = self.viewport.size.0;
        let id = self.next_query_id();
        let Some(e) = self.top_editor() else { return };
        let text = e.text();
        if text.trim().is_empty() {
            e.status = EditorStatus::Failed {
                error: strings::EMPTY_QUERY.into(),
                position: None,
            };
            return;
        }
        let window = match e.mode {
            ResultMode::Chart => {
                let (start, end) = e.range.bounds(now);
                let d = Dashboard {
                    title: String::new(),
                    description: String::new(),
                    range: String::new(),
                    refresh: None,
                    variables: Vec::new(),
                    panels: vec![result_panel(ResultMode::Chart)],
                    rows: Vec::new(),
                };
                let step = step_for(&d, e.range.length, width, None);
                e.shown = Some(Shown {
                    start: start.as_second() as f64,
                    end: end.as_second() as f64,
                    step: step.as_secs_f64(),
                });
                Some(Window { start, end, step })
            }
            ResultMode::Table => None,
        };
        e.pending = Some(id);
        e.status = EditorStatus::Running { since: now };
        e.ran = text.clone();
        self.request(Request::Metrics(MetricsRequest::Run(vec![MetricsQuery {
            id,
            expr: text.clone(),
            window,
        }])));
        if remember {
            self.remember_query(&text);
        }
    }

    /// An answer for an editor; `true` when it was one.
    pub(super) fn editor_answer(&mut self, a: &MetricsAnswer) -> bool {
        let Some(e) = self.stack.iter_mut().rev().find_map(|v| match v {
            View::Editor(e) if e.pending == Some(a.id) => Some(e),
            _ => None,
        }) else {
            return false;
        };
        e.pending = None;
        match &a.result {
            Ok(r) => {
                e.result = Some(r.clone());
                e.status = EditorStatus::Done { at: a.received };
            }
            Err(err) => {
                // The old answer belongs to another query.
                e.result = None;
                let position = err.position();
                if let Some((line, col)) = position {
                    let row = line.saturating_sub(1).min(u16::MAX as usize) as u16;
                    let col = col.saturating_sub(1).min(u16::MAX as usize) as u16;
                    e.textarea.move_cursor(CursorMove::Jump(row, col));
                }
                e.status = EditorStatus::Failed {
                    error: err.to_string(),
                    position,
                };
            }
        }
        if let EditorStatus::Failed { error, .. } = &e.status
            && !a.result.as_ref().is_err_and(|x| x.is_bad_query())
        {
            let text = error.clone();
            self.flash(text, Level::Error);
        }
        true
    }
}
