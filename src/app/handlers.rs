//! Action handling: what each [`Action`] does to the state, per focused view.

use super::command::{self, Command, NsArg};
use super::drill::{Drill, drill};
use super::filter::Filter;
use super::prompt::{Prompt, PromptKind};
use super::strings;
use super::view::{
    ContainersView, ContextsView, Cursor, HelpView, LogStatus, LogsView, ObjSource, TextMode,
    TextView, View,
};
use super::{App, Dialog, Level, WatchStatus};
use crate::model::WatchSpec;
use crate::model::action::{Action, Context};
use crate::sources::{LogRequest, ObjectTarget, Request};

mod commands;
mod help;
mod mutate;
mod open;
mod prompt;

pub(crate) use help::HelpLine;

pub(super) const SCALABLE: &[&str] = &["deployments.apps", "statefulsets.apps", "replicasets.apps"];
pub(super) const RESTARTABLE: &[&str] =
    &["deployments.apps", "statefulsets.apps", "daemonsets.apps"];
/// Kinds whose `l` shows their pods to pick one for logs.
pub(super) const WORKLOADS: &[&str] = &[
    "deployments.apps",
    "statefulsets.apps",
    "daemonsets.apps",
    "replicasets.apps",
    "jobs.batch",
];

impl App {
    pub(super) fn handle_action(&mut self, a: Action) -> Option<Action> {
        if self.dialog.is_some() {
            self.dialog_action(a);
            return None;
        }
        if self.prompt.is_some() {
            self.prompt_action(a);
            return None;
        }
        if self.pane_action(a) {
            return None;
        }
        if self.metrics_action(a) {
            return None;
        }
        if self.replay_action(a) {
            return None;
        }
        if self.day2_action(a) {
            return None;
        }
        match a {
            Action::Quit => self.quit = true,
            Action::Back => self.back(),
            Action::Help => {
                if matches!(self.top(), Some(View::Help(_))) {
                    self.pop_view();
                } else {
                    let context = self.top_context();
                    self.stack.push(View::Help(HelpView { context, scroll: 0 }));
                }
            }
            Action::Command => self.open_prompt(Prompt::new(PromptKind::Command, "")),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.list_height().max(2) as isize - 1)),
            Action::PageDown => self.move_by(self.list_height().max(2) as isize - 1),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::Select => self.select(),
            Action::Filter => {
                let text = match self.top() {
                    Some(View::Table(t)) => Some(t.filter_text.clone()),
                    Some(View::Logs(l)) => Some(l.filter_text.clone()),
                    _ => None,
                };
                if let Some(text) = text {
                    self.open_prompt(Prompt::new(PromptKind::Filter, &text));
                }
            }
            Action::Search => {
                if let Some(View::Text(t)) = self.top() {
                    let text = t.search.clone().unwrap_or_default();
                    self.open_prompt(Prompt::new(PromptKind::Search, &text));
                }
            }
            Action::SearchNext => self.jump_match(1),
            Action::SearchPrev => self.jump_match(-1),
            Action::Describe => self.open_text(TextMode::Describe),
            Action::Yaml => self.open_text(TextMode::Yaml),
            Action::Logs => self.open_logs_from_selection(false),
            Action::LogsPrevious => self.open_logs_from_selection(true),
            Action::Delete | Action::Restart | Action::Scale => self.mutate(a),
            // Taken by `day2_action` above.
            Action::PortForward => {}
            Action::SortName
            | Action::SortAge
            | Action::SortStatus
            | Action::SortReady
            | Action::SortRestarts
            | Action::SortIp
            | Action::SortNode => {
                if let Some((column, desc_first)) = a.sort_column() {
                    self.sort_table(column, None, desc_first);
                }
            }
            Action::Namespace0
            | Action::Namespace1
            | Action::Namespace2
            | Action::Namespace3
            | Action::Namespace4
            | Action::Namespace5
            | Action::Namespace6
            | Action::Namespace7
            | Action::Namespace8
            | Action::Namespace9 => {
                let slot = a.namespace_slot().unwrap_or(0);
                let arg = match slot {
                    0 => Some(NsArg::All),
                    i => self.ns_favourites.get(i - 1).cloned().map(NsArg::Named),
                };
                match arg {
                    Some(arg) => self.run_command(Command::Namespace(Some(arg))),
                    None => self.flash(strings::no_favourite(slot), Level::Warn),
                }
            }
            Action::Refresh => {
                if let Some(View::Table(t)) = self.top() {
                    let key = t.spec.key.clone();
                    self.reload_watch(key);
                }
            }
            // The sync waves pane's (taken by `pane_action` above).
            Action::Sync | Action::HardRefresh | Action::Terminate | Action::NextRoot => {}
            Action::ToggleWrap => match self.stack.last_mut() {
                Some(View::Text(t)) => t.wrap = !t.wrap,
                Some(View::Logs(l)) => l.wrap = !l.wrap,
                _ => {}
            },
            Action::ToggleFollow => {
                let h = self.text_height();
                if let Some(View::Logs(l)) = self.stack.last_mut() {
                    l.follow = !l.follow;
                    if l.follow {
                        l.scroll = l.visible().count().saturating_sub(h);
                    }
                }
            }
            Action::ToggleTimestamps => {
                if let Some(View::Logs(l)) = self.stack.last_mut() {
                    l.timestamps = !l.timestamps;
                }
            }
            Action::TogglePrevious => self.toggle_previous(),
            Action::RevealSecret => self.ask_reveal(),
            Action::Promote => self.flash(super::cnpg::strings::PROMOTE_FROM_DETAIL, Level::Warn),
            Action::Edit => self.edit_selected(),
            Action::Xray => self.open_xray_from_selection(),
            Action::WhyPending => self.open_why_pending(),
            Action::CopyName | Action::CopyYaml => self.copy_selected(a),
            Action::Confirm
            | Action::Cancel
            | Action::Submit
            | Action::Complete
            | Action::HistoryPrev
            | Action::HistoryNext
            | Action::DeleteBack
            | Action::DeleteForward
            | Action::CursorLeft
            | Action::CursorRight
            | Action::CursorHome
            | Action::CursorEnd
            | Action::ClearLine
            | Action::NextPanel
            | Action::PrevPanel
            | Action::Zoom
            | Action::RangeNext
            | Action::RangePrev
            | Action::RangeCustom
            | Action::Pause
            | Action::RefreshInterval
            | Action::VarNext
            | Action::VarSelect
            | Action::DashboardNext
            | Action::DashboardPrev
            | Action::EditQuery
            | Action::ToggleRow
            | Action::Notes
            | Action::RunQuery
            | Action::ToggleResult => {}
            // The install wizard's own (its keys: install::tui::keys).
            Action::Close | Action::NextField | Action::PrevField | Action::Retry => {}
            // Handled by `replay_action` above.
            Action::ReplayPause
            | Action::ReplayStep
            | Action::ReplaySlower
            | Action::ReplayFaster
            | Action::ReplaySeek => {}
        }
        None
    }

    /// `reveal_secret` in the YAML view of a Secret: asks which key (the value is shown only
    /// after a confirmation, and only until the view closes).
    fn ask_reveal(&mut self) {
        if !self.showing_secret_yaml() {
            return self.flash(strings::REVEAL_ONLY_SECRETS, Level::Warn);
        }
        let Some(View::Text(t)) = self.top() else {
            return;
        };
        let keys: Vec<String> = t
            .full
            .as_ref()
            .map(|o| {
                ["data", "stringData"]
                    .iter()
                    .filter_map(|s| o.data[*s].as_object())
                    .flat_map(|m| m.keys().map(str::to_string).collect::<Vec<_>>())
                    .collect()
            })
            .unwrap_or_default();
        let what = format!(
            "Secret {}/{}",
            t.source.namespace.clone().unwrap_or_default(),
            t.source.name
        );
        if keys.is_empty() {
            return self.flash(strings::REVEAL_NOTHING, Level::Warn);
        }
        let first = if keys.len() == 1 {
            keys[0].clone()
        } else {
            String::new()
        };
        self.open_prompt(Prompt::new(PromptKind::RevealSecret { what, keys }, &first));
    }

    /// The focused view is the YAML of a Secret (where `reveal_secret` means something).
    pub fn showing_secret_yaml(&self) -> bool {
        matches!(self.top(), Some(View::Text(t))
            if t.mode == TextMode::Yaml && t.source.kind().full_name() == "secrets")
    }

    /// Shows `key`'s value in the focused YAML view.
    fn reveal(&mut self, key: String) {
        let i = self.stack.len().saturating_sub(1);
        if let Some(View::Text(t)) = self.stack.last_mut() {
            t.revealed = Some(key);
            self.refresh_view(i);
        }
    }

    /// Orders the top table by `column` (a header name, case-insensitive, or its unique
    /// prefix): `dir` names the direction; without it, the same column again flips it and
    /// a new column starts descending when `desc_first` (restarts), ascending otherwise.
    pub(super) fn sort_table(&mut self, column: &str, dir: Option<bool>, desc_first: bool) {
        let Some(View::Table(t)) = self.stack.last_mut() else {
            return self.flash(strings::SORT_ONLY_TABLES, Level::Warn);
        };
        let wanted = column.to_ascii_uppercase();
        let exact = t.columns.iter().find(|c| c.name == wanted);
        let by_prefix: Vec<&str> = t
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| n.starts_with(&wanted))
            .collect();
        let name = match (exact, by_prefix.as_slice()) {
            (Some(c), _) => c.name.clone(),
            (None, [one]) => one.to_string(),
            _ => {
                let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                let text = strings::no_such_column(column, &t.kind().plural, &names);
                return self.flash(text, Level::Warn);
            }
        };
        let desc = match dir {
            Some(d) => d,
            None if t.sort.column == name => !t.sort.desc,
            None => desc_first,
        };
        t.sort = super::view::SortBy {
            column: name.clone(),
            desc,
        };
        t.cursor = Cursor::default();
        let i = self.stack.len() - 1;
        self.refresh_view(i);
        let arrow = if desc { "descending" } else { "ascending" };
        self.flash(format!("sorted by {name}, {arrow}"), Level::Info);
    }

    /// ctrl-r on a table (as k9s): lists the kind again from the API server.
    fn reload_watch(&mut self, key: crate::model::WatchKey) {
        if let Some(w) = self.watches.get_mut(&key) {
            w.status = WatchStatus::Loading;
        }
        self.request(Request::Rewatch(key));
        self.flash(strings::RELOADING, Level::Info);
    }

    fn back(&mut self) {
        let root = self.stack.len() == 1;
        match self.stack.last_mut() {
            Some(View::Table(t)) if root && !t.filter.is_none() => {
                t.filter = Filter::None;
                t.filter_text.clear();
                self.refresh_view(0);
            }
            _ => self.pop_view(),
        }
    }

    fn move_by(&mut self, delta: isize) {
        if self.pane_step(delta) {
            return;
        }
        let list_h = self.list_height();
        let text_h = self.text_height();
        let help_len = self.help_lines(self.help_context()).len();
        let clamp = |pos: usize, len: usize, h: usize| -> usize {
            let max = len.saturating_sub(h) as isize;
            (pos as isize).saturating_add(delta).clamp(0, max.max(0)) as usize
        };
        match self.stack.last_mut() {
            Some(View::Table(t)) => {
                let len = t.rows.len();
                t.cursor.step(delta, len, list_h);
            }
            Some(View::Containers(c)) => {
                let len = c.rows.len();
                c.cursor.step(delta, len, list_h);
            }
            Some(View::Contexts(c)) => {
                let len = c.names.len();
                c.cursor.step(delta, len, list_h);
            }
            Some(View::Editor(_) | View::Forwards(_)) => {}
            Some(View::Panel(_)) => self.panel_move(delta),
            Some(View::Text(t)) => t.scroll = clamp(t.scroll, t.lines.len(), text_h),
            Some(View::Help(h)) => h.scroll = clamp(h.scroll, help_len, text_h),
            Some(View::Logs(l)) => {
                let n = l.visible().count();
                l.scroll = clamp(l.scroll, n, text_h);
                l.follow = l.scroll + text_h >= n;
            }
            // Moved by `pane_step` above.
            Some(
                View::Pools(_)
                | View::Waves(_)
                | View::WaveApp(_)
                | View::Cnpg(_)
                | View::CnpgDetail(_)
                | View::Metrics(_),
            ) => {}
            None => {}
        }
    }

    fn select(&mut self) {
        match self.top() {
            Some(View::Table(t)) => {
                let Some(obj) = t.selected().cloned() else {
                    return self.flash(strings::NOTHING_SELECTED, Level::Warn);
                };
                let kind = t.kind().clone();
                let spec = t.spec.clone();
                match drill(&kind, &obj) {
                    Drill::Table {
                        kind: target,
                        namespace,
                        labels,
                        fields,
                        title,
                    } => {
                        if let Some(k) = self.catalog.resolve(&target) {
                            self.open_table(k, Some(namespace), labels, fields, Some(title), true);
                        }
                    }
                    Drill::Containers => {
                        let source = ObjSource {
                            spec,
                            namespace: obj.metadata.namespace.clone(),
                            name: obj.metadata.name.clone().unwrap_or_default(),
                        };
                        self.stack.push(View::Containers(ContainersView {
                            source,
                            rows: Vec::new(),
                            cursor: Cursor::default(),
                            missing: false,
                        }));
                        let i = self.stack.len() - 1;
                        self.refresh_view(i);
                    }
                    Drill::Describe => self.open_text(TextMode::Describe),
                }
            }
            Some(View::Containers(_)) => self.open_logs_from_selection(false),
            Some(View::Panel(_)) => self.panel_select(),
            Some(View::Contexts(c)) => {
                if let Some(name) = c.names.get(c.cursor.selected).cloned() {
                    self.switch_context(&name);
                }
            }
            _ => {}
        }
    }

    /// The object under the cursor as a source for describe/YAML/logs.
    pub(super) fn selected_source(&self) -> Option<ObjSource> {
        match self.top()? {
            View::Table(t) => {
                let obj = t.selected()?;
                Some(ObjSource {
                    spec: t.spec.clone(),
                    namespace: obj.metadata.namespace.clone(),
                    name: obj.metadata.name.clone()?,
                })
            }
            View::Containers(c) => Some(c.source.clone()),
            v @ (View::Waves(_) | View::WaveApp(_)) => super::waves::source_of(v, &self.catalog),
            _ => None,
        }
    }

    fn jump_match(&mut self, dir: isize) {
        let h = self.text_height();
        if let Some(View::Text(t)) = self.stack.last_mut() {
            if t.matches.is_empty() {
                return;
            }
            let n = t.matches.len() as isize;
            t.current_match = (t.current_match as isize + dir).rem_euclid(n) as usize;
            let line = t.matches[t.current_match];
            t.scroll = line
                .saturating_sub(h / 3)
                .min(t.lines.len().saturating_sub(h));
        }
    }

    /// The status of the watch behind the top view.
    pub fn top_status(&self) -> Option<&WatchStatus> {
        let spec = self.top()?.watches().into_iter().next()?;
        self.watches.get(&spec.key).map(|w| &w.status)
    }

    /// For tests and the UI: the object target of the selection.
    pub fn selection_target(&self) -> Option<ObjectTarget> {
        self.object_target()
    }
}
