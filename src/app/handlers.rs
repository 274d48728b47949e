//! Action handling: what each [`Action`] does to the state, per focused view.

use std::collections::VecDeque;

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

/// One line of the generated help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Section(String),
    Binding {
        keys: String,
        desc: String,
        action: String,
    },
    Text(String, String),
    Problem(String),
}

impl HelpLine {
    /// A keymap binding: its keys, description and action name.
    pub fn binding(b: &crate::config::Binding) -> HelpLine {
        HelpLine::Binding {
            keys: b
                .keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            desc: b.desc.clone(),
            action: b.action.name().to_string(),
        }
    }
}

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
        if self.cnpg_action(a) {
            return None;
        }
        if self.metrics_action(a) {
            return None;
        }
        if self.replay_action(a) {
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
                if matches!(self.top(), Some(View::Pools(_))) {
                    self.refresh_eks();
                } else if let Some(View::Table(t)) = self.top() {
                    let key = t.spec.key.clone();
                    self.reload_watch(key);
                } else {
                    self.waves_action(a);
                }
            }
            Action::Sync | Action::HardRefresh | Action::Terminate => self.waves_action(a),
            Action::NextRoot => self.waves_next_root(),
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

    pub(super) fn open_prompt(&mut self, p: Prompt) {
        self.prompt = Some(p);
        self.refit();
    }

    fn close_prompt(&mut self) {
        self.prompt = None;
        self.refit();
    }

    fn move_by(&mut self, delta: isize) {
        if self.waves_move(delta) {
            return;
        }
        let list_h = self.list_height();
        let text_h = self.text_height();
        let help_len = self.help_lines(self.help_context()).len();
        let pools_h = self.pools_list_height();
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
            Some(View::Pools(p)) => {
                let len = p.pools.len();
                p.cursor.step(delta, len, pools_h);
            }
            Some(View::Metrics(_) | View::Editor(_)) => {}
            Some(View::Cnpg(l)) => {
                let len = l.rows.len();
                l.cursor.step(delta, len, list_h);
            }
            Some(View::CnpgDetail(d)) => {
                let len = d.detail.as_ref().map_or(0, |x| x.instances.len());
                d.cursor.step(delta, len, list_h);
            }
            Some(View::Text(t)) => t.scroll = clamp(t.scroll, t.lines.len(), text_h),
            Some(View::Help(h)) => h.scroll = clamp(h.scroll, help_len, text_h),
            Some(View::Logs(l)) => {
                let n = l.visible().count();
                l.scroll = clamp(l.scroll, n, text_h);
                l.follow = l.scroll + text_h >= n;
            }
            // Moved by `waves_move` above.
            Some(View::Waves(_) | View::WaveApp(_)) => {}
            None => {}
        }
    }

    fn help_context(&self) -> Context {
        match self.top() {
            Some(View::Help(h)) => h.context,
            _ => self.top_context(),
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
            Some(View::Pools(_)) => self.select_pool(),
            Some(View::Waves(_) | View::WaveApp(_)) => self.waves_select(),
            Some(View::Contexts(c)) => {
                if let Some(name) = c.names.get(c.cursor.selected).cloned() {
                    self.switch_context(&name);
                }
            }
            _ => {}
        }
    }

    /// The object under the cursor as a source for describe/YAML/logs.
    fn selected_source(&self) -> Option<ObjSource> {
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
            View::Waves(_) | View::WaveApp(_) => self.waves_source(),
            _ => None,
        }
    }

    fn open_text(&mut self, mode: TextMode) {
        let Some(source) = self.selected_source() else {
            return self.flash(strings::NOTHING_SELECTED, Level::Warn);
        };
        self.open_text_for(mode, source);
    }

    /// Describe or YAML of one object, pushed on the stack.
    pub(super) fn open_text_for(&mut self, mode: TextMode, source: ObjSource) {
        let events = match mode {
            TextMode::Describe => self.catalog.resolve("events").map(|k| {
                let ns = source.namespace.clone().or_else(|| Some("default".into()));
                WatchSpec::new(k, ns, None, None)
            }),
            TextMode::Yaml => None,
        };
        self.stack.push(View::Text(TextView {
            mode,
            source,
            events,
            lines: Vec::new(),
            scroll: 0,
            wrap: false,
            search: None,
            matches: Vec::new(),
            current_match: 0,
            missing: false,
            full: None,
            fetching: None,
            revealed: None,
        }));
        let i = self.stack.len() - 1;
        self.refresh_view(i);
    }

    fn open_logs_from_selection(&mut self, previous: bool) {
        let target = match self.top() {
            Some(View::Table(t)) if t.kind().full_name() == "pods" => t.selected().map(|pod| {
                let default = pod
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("kubectl.kubernetes.io/default-container").cloned())
                    .or_else(|| {
                        pod.data["spec"]["containers"][0]["name"]
                            .as_str()
                            .map(str::to_string)
                    })
                    .unwrap_or_default();
                (
                    pod.metadata.namespace.clone().unwrap_or_default(),
                    pod.metadata.name.clone().unwrap_or_default(),
                    default,
                )
            }),
            Some(View::Containers(c)) => c.rows.get(c.cursor.selected).map(|row| {
                (
                    c.source.namespace.clone().unwrap_or_default(),
                    c.source.name.clone(),
                    row.name.clone(),
                )
            }),
            Some(View::Table(t)) if WORKLOADS.contains(&t.kind().full_name().as_str()) => {
                // A workload's logs are its pods' logs: show its pods to pick one.
                let Some(obj) = t.selected().cloned() else {
                    return self.flash(strings::NOTHING_SELECTED, Level::Warn);
                };
                let kind = t.kind().clone();
                if let Drill::Table {
                    kind: target,
                    namespace,
                    labels,
                    fields,
                    title,
                } = drill(&kind, &obj)
                    && let Some(k) = self.catalog.resolve(&target)
                {
                    self.open_table(
                        k,
                        Some(namespace),
                        labels,
                        fields,
                        Some(title.clone()),
                        true,
                    );
                    let key = self.logs_key_name();
                    return self.flash(strings::pick_pod_for_logs(&title, &key), Level::Info);
                }
                return self.flash(strings::LOGS_ONLY_PODS, Level::Warn);
            }
            _ => return self.flash(strings::LOGS_ONLY_PODS, Level::Warn),
        };
        let Some((namespace, pod, container)) = target else {
            return self.flash(strings::NOTHING_SELECTED, Level::Warn);
        };
        self.open_logs(namespace, pod, container, previous);
    }

    /// Streams a container's logs in a new view.
    pub(super) fn open_logs(
        &mut self,
        namespace: String,
        pod: String,
        container: String,
        previous: bool,
    ) {
        let id = self.next_log_id;
        self.next_log_id += 1;
        let cap = self.config.settings.log_lines.max(100);
        self.stack.push(View::Logs(LogsView {
            id,
            namespace: namespace.clone(),
            pod: pod.clone(),
            container: container.clone(),
            title: None,
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
        }));
        self.request(Request::StartLogs(LogRequest {
            id,
            namespace,
            pod,
            container,
            previous,
            tail: cap as i64,
        }));
    }

    /// The first key bound to logs in tables (for messages).
    fn logs_key_name(&self) -> String {
        self.config
            .keymap
            .binding(Context::Table, Action::Logs)
            .and_then(|b| b.keys.first())
            .map_or_else(|| "l".to_string(), |k| k.to_string())
    }

    fn toggle_previous(&mut self) {
        let id = self.next_log_id;
        let Some(View::Logs(l)) = self.stack.last_mut() else {
            return;
        };
        if l.title.is_some() {
            // A plugin's output has no previous container.
            return;
        }
        let old = l.id;
        l.id = id;
        l.previous = !l.previous;
        l.lines.clear();
        l.scroll = 0;
        l.follow = true;
        l.status = LogStatus::Streaming;
        let req = LogRequest {
            id,
            namespace: l.namespace.clone(),
            pod: l.pod.clone(),
            container: l.container.clone(),
            previous: l.previous,
            tail: l.cap as i64,
        };
        self.next_log_id += 1;
        self.request(Request::StopLogs(old));
        self.request(Request::StartLogs(req));
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

    fn mutate(&mut self, a: Action) {
        if self.readonly {
            return self.flash_for(strings::readonly(a.name()), Level::Warn, 6);
        }
        if a == Action::Scale && matches!(self.top(), Some(View::Pools(_))) {
            return self.scale_pool();
        }
        let Some(target) = self.object_target() else {
            return self.flash(strings::NOTHING_SELECTED, Level::Warn);
        };
        let full = target.kind.full_name();
        let what = target.describe();
        match a {
            Action::Delete => {
                // Deleting a namespace deletes everything in it: type its name.
                let expect = (full == "namespaces").then(|| target.name.clone());
                let message = match (&expect, matches!(self.top(), Some(View::Containers(_)))) {
                    (Some(_), _) => strings::confirm_delete_namespace(&what),
                    (None, true) => strings::confirm_delete_pod_of_containers(&what),
                    (None, false) => strings::confirm_delete(&what),
                };
                self.dialog = Some(Dialog {
                    title: "Delete".into(),
                    message,
                    request: Request::Delete(target),
                    expect,
                    typed: String::new(),
                });
            }
            Action::Restart => {
                if !RESTARTABLE.contains(&full.as_str()) {
                    return self.flash(strings::NOT_RESTARTABLE, Level::Warn);
                }
                let patch = serde_json::json!({"spec": {"template": {"metadata": {"annotations": {
                    "kubectl.kubernetes.io/restartedAt": self.now.to_string()}}}}});
                self.dialog = Some(Dialog {
                    title: "Restart".into(),
                    message: strings::confirm_restart(&what),
                    request: Request::Patch {
                        target,
                        patch,
                        what: format!("restart {what}"),
                    },
                    expect: None,
                    typed: String::new(),
                });
            }
            Action::Scale => {
                if !SCALABLE.contains(&full.as_str()) {
                    return self.flash(strings::NOT_SCALABLE, Level::Warn);
                }
                let current = match self.top() {
                    Some(View::Table(t)) => t
                        .selected()
                        .and_then(|o| o.data["spec"]["replicas"].as_i64())
                        .unwrap_or(1),
                    _ => 1,
                };
                self.open_prompt(Prompt::new(
                    PromptKind::Scale { target, current },
                    &current.to_string(),
                ));
            }
            _ => {}
        }
    }

    fn dialog_action(&mut self, a: Action) {
        match a {
            Action::Confirm => {
                if let Some(d) = self.dialog.as_ref()
                    && let Some(expect) = &d.expect
                    && d.typed != *expect
                {
                    let text = strings::type_to_confirm(expect);
                    return self.flash(text, Level::Warn);
                }
                if let Some(d) = self.dialog.take() {
                    if let Request::RevealSecret(key) = d.request {
                        // Not logged: which value is on screen is nobody's business.
                        self.reveal(key);
                        return;
                    }
                    tracing::info!(?d.request, "confirmed");
                    match d.request {
                        Request::Plugin(run) => self.start_plugin(run),
                        other => self.request(other),
                    }
                }
            }
            Action::Cancel | Action::Back => self.dialog = None,
            Action::Quit => self.quit = true,
            _ => {}
        }
    }

    pub(super) fn prompt_input(&mut self, c: char) {
        if let Some(p) = self.prompt.as_mut() {
            p.insert(c);
        }
        self.prompt_changed();
    }

    /// Live effects of editing: filters apply as you type, completions refresh.
    fn prompt_changed(&mut self) {
        let Some(p) = self.prompt.as_mut() else {
            return;
        };
        p.error = None;
        match p.kind {
            PromptKind::Filter => {
                let text = p.text.clone();
                match Filter::parse(&text) {
                    Ok(f) => self.set_filter(f, text),
                    Err(e) => {
                        if let Some(p) = self.prompt.as_mut() {
                            p.error = Some(e);
                        }
                    }
                }
            }
            PromptKind::Command => {
                let text = p.text.clone();
                let ids = self.dashboard_ids();
                let c = command::argument_completions(&text, command::DASHBOARD_COMMANDS, &ids)
                    .unwrap_or_else(|| {
                        command::completions(
                            &text,
                            &self.catalog,
                            &self.cluster.contexts,
                            &self.known_namespaces(),
                        )
                    });
                if let Some(p) = self.prompt.as_mut() {
                    p.candidates = c.into_iter().take(8).collect();
                }
            }
            PromptKind::Search
            | PromptKind::RevealSecret { .. }
            | PromptKind::Range
            | PromptKind::Scale { .. }
            | PromptKind::ScaleNodegroup { .. } => {}
        }
    }

    fn set_filter(&mut self, f: Filter, text: String) {
        let h = self.text_height();
        match self.stack.last_mut() {
            Some(View::Table(t)) => {
                t.filter = f;
                t.filter_text = text;
                t.cursor = Cursor::default();
                let i = self.stack.len() - 1;
                self.refresh_view(i);
            }
            Some(View::Logs(l)) => {
                l.filter = f;
                l.filter_text = text;
                if l.follow {
                    l.scroll = l.visible().count().saturating_sub(h);
                } else {
                    l.scroll = 0;
                }
            }
            _ => {}
        }
    }

    fn prompt_action(&mut self, a: Action) {
        let namespaces = self.known_namespaces();
        let dashboards = self.dashboard_ids();
        let Some(p) = self.prompt.as_mut() else {
            return;
        };
        match a {
            Action::Submit => return self.submit_prompt(),
            Action::Cancel | Action::Back => {
                let kind = p.kind.clone();
                self.close_prompt();
                if kind == PromptKind::Filter {
                    self.set_filter(Filter::None, String::new());
                }
                return;
            }
            Action::Complete => {
                if p.kind == PromptKind::Command {
                    let cands = command::argument_completions(
                        &p.text,
                        command::DASHBOARD_COMMANDS,
                        &dashboards,
                    )
                    .unwrap_or_else(|| {
                        command::completions(
                            &p.text,
                            &self.catalog,
                            &self.cluster.contexts,
                            &namespaces,
                        )
                    });
                    let prefix = command::common_prefix(&cands);
                    if prefix.len() > p.text.len() {
                        p.set(&prefix);
                    } else if let Some(first) = cands.first() {
                        p.set(first);
                    }
                }
            }
            Action::HistoryPrev | Action::HistoryNext if p.kind == PromptKind::Command => {
                let len = self.history.len();
                let pos = match (a, p.history_pos) {
                    (Action::HistoryPrev, None) if len > 0 => Some(0),
                    (Action::HistoryPrev, Some(i)) => Some((i + 1).min(len.saturating_sub(1))),
                    (Action::HistoryNext, Some(0)) => None,
                    (Action::HistoryNext, Some(i)) => Some(i - 1),
                    (_, cur) => cur,
                };
                let text = pos
                    .and_then(|i| self.history.get(i))
                    .unwrap_or("")
                    .to_string();
                p.set(&text);
                p.history_pos = pos;
            }
            Action::DeleteBack => p.delete_back(),
            Action::DeleteForward => p.delete_forward(),
            Action::CursorLeft => p.left(),
            Action::CursorRight => p.right(),
            Action::CursorHome => p.home(),
            Action::CursorEnd => p.end(),
            Action::ClearLine => p.clear(),
            Action::Quit => self.quit = true,
            _ => return,
        }
        self.prompt_changed();
    }

    fn submit_prompt(&mut self) {
        let Some(p) = self.prompt.clone() else { return };
        match p.kind {
            PromptKind::Command => {
                let text = p.text.trim().to_string();
                if text.is_empty() {
                    return self.close_prompt();
                }
                if self.expand_alias(&text).is_some() {
                    self.history.push(&text);
                    self.close_prompt();
                    self.run_alias(&text);
                    return;
                }
                // A failed command closes the line too (typing `:` again starts afresh),
                // and says why in the status line.
                self.close_prompt();
                match command::parse(&text, &self.catalog) {
                    Ok(cmd) => {
                        self.history.push(&text);
                        self.run_command(cmd);
                    }
                    Err(e) => self.flash_for(e, Level::Error, 8),
                }
            }
            PromptKind::Filter => self.close_prompt(),
            PromptKind::Range => {
                self.close_prompt();
                self.set_metrics_range(&p.text);
            }
            PromptKind::Search => {
                self.close_prompt();
                let h = self.text_height();
                if let Some(View::Text(t)) = self.stack.last_mut() {
                    t.search = Some(p.text.clone()).filter(|s| !s.is_empty());
                    t.recompute_matches();
                    t.current_match = t.matches.iter().position(|m| *m >= t.scroll).unwrap_or(0);
                    if let Some(line) = t.matches.get(t.current_match) {
                        t.scroll = line
                            .saturating_sub(h / 3)
                            .min(t.lines.len().saturating_sub(h));
                    }
                }
            }
            PromptKind::ScaleNodegroup {
                cluster,
                nodegroup,
                current,
            } => self.submit_scaling(&p.text, cluster, nodegroup, current),
            PromptKind::RevealSecret { what, keys } => {
                let key = p.text.trim().to_string();
                if !keys.contains(&key) {
                    if let Some(p) = self.prompt.as_mut() {
                        p.error = Some(strings::reveal_no_key(&key, &keys));
                    }
                    return;
                }
                self.close_prompt();
                self.dialog = Some(Dialog {
                    title: "Reveal".into(),
                    message: strings::confirm_reveal(&key, &what),
                    request: Request::RevealSecret(key),
                    expect: None,
                    typed: String::new(),
                });
            }
            PromptKind::Scale { target, current } => match p.text.trim().parse::<i64>() {
                Ok(n) if n >= 0 => {
                    self.close_prompt();
                    let what = target.describe();
                    self.dialog = Some(Dialog {
                        title: "Scale".into(),
                        message: strings::confirm_scale(&what, current, n),
                        request: Request::Patch {
                            target,
                            patch: serde_json::json!({"spec": {"replicas": n}}),
                            what: format!("scale {what} to {n}"),
                        },
                        expect: None,
                        typed: String::new(),
                    });
                }
                _ => {
                    if let Some(p) = self.prompt.as_mut() {
                        p.error = Some("enter a number of replicas (0 or more)".into());
                    }
                }
            },
        }
    }

    /// Parses and runs a `:` command line (as `--command` gives it); errors are flashed.
    /// Runs a `:` command line as if typed.
    pub fn run_command_text(&mut self, text: &str) {
        if self.expand_alias(text).is_some() {
            self.run_alias(text);
            return;
        }
        match command::parse(text, &self.catalog) {
            Ok(cmd) => self.run_command(cmd),
            Err(e) => self.flash_for(e, Level::Error, 10),
        }
    }

    fn run_command(&mut self, cmd: Command) {
        self.run_command_inner(cmd);
        // A pane with metric columns may have opened.
        self.pane_metrics_tick();
    }

    fn run_command_inner(&mut self, cmd: Command) {
        match cmd {
            Command::Quit => self.quit = true,
            Command::Cnpg(cluster) => self.open_cnpg(cluster.as_deref()),
            Command::Help => {
                let context = self.top_context();
                self.stack.push(View::Help(HelpView { context, scroll: 0 }));
            }
            Command::Context(None) => {
                let names = self.cluster.contexts.clone();
                let current = self.cluster.context.clone();
                let selected = names.iter().position(|n| *n == current).unwrap_or(0);
                self.stack.push(View::Contexts(ContextsView {
                    names,
                    current,
                    cursor: Cursor {
                        selected,
                        offset: 0,
                    },
                }));
                self.refit();
            }
            Command::Context(Some(name)) => self.switch_context(&name),
            Command::Pools => self.open_pools(),
            Command::Metrics(name) => self.open_metrics(name.as_deref()),
            Command::Promql(text) => self.open_promql(&text),
            Command::Install if self.readonly => {
                self.flash_for(strings::readonly("install"), Level::Warn, 6)
            }
            Command::Install => self.request(Request::Install),
            Command::Waves => self.open_waves(),
            Command::Namespace(None) => {
                if let Some(k) = self.catalog.resolve("namespaces") {
                    self.open_table(k, None, None, None, None, false);
                }
            }
            Command::Namespace(Some(arg)) => {
                self.namespace = match arg {
                    NsArg::All => None,
                    NsArg::Named(n) => Some(n),
                };
                if let Some(n) = self.namespace.clone() {
                    self.remember_namespace(&n);
                }
                let root_kind = match self.stack.first() {
                    Some(View::Table(t)) if t.kind().namespaced => Some(t.kind().clone()),
                    _ => self.catalog.resolve("pods"),
                };
                if let Some(k) = root_kind {
                    self.open_table(k, None, None, None, None, false);
                }
            }
            Command::Replay(c) => self.replay_command(c),
            Command::Kind {
                name,
                namespace,
                labels,
            } => {
                if let Some(k) = self.catalog.resolve(&name) {
                    let ns = namespace.map(|n| match n {
                        NsArg::All => None,
                        NsArg::Named(n) => Some(n),
                    });
                    if let Some(Some(n)) = &ns {
                        self.remember_namespace(n);
                    }
                    self.open_table(k, ns, labels, None, None, false);
                }
            }
            Command::Sort { column, desc } => self.sort_table(&column, desc, false),
        }
    }

    fn switch_context(&mut self, name: &str) {
        if !self.cluster.contexts.iter().any(|c| c == name) {
            return self.flash(
                format!(
                    "unknown context {name:?} (known: {})",
                    self.cluster.contexts.join(", ")
                ),
                Level::Error,
            );
        }
        self.request(Request::SwitchContext(name.to_string()));
        self.namespace_chosen = false;
        self.version = None;
        self.catalog = crate::model::Catalog::builtin();
        self.watches.clear();
        let root = match self.stack.first() {
            Some(View::Table(t)) => self.catalog.resolve(&t.kind().full_name()),
            _ => None,
        };
        let root = root.or_else(|| self.catalog.resolve("pods"));
        if let Some(k) = root {
            self.open_table(k, None, None, None, None, false);
        }
        self.flash(format!("switching to context {name}"), Level::Info);
    }

    /// Help generated from the active keymap for a context.
    pub fn help_lines(&self, context: Context) -> Vec<HelpLine> {
        let mut out = Vec::new();
        let km = &self.config.keymap;
        let section = |out: &mut Vec<HelpLine>, title: String, ctx: Context| {
            out.push(HelpLine::Section(title));
            for b in km.bindings(ctx).filter(|b| !b.action.is_replay()) {
                out.push(HelpLine::binding(b));
            }
        };
        if context != Context::Global {
            section(&mut out, format!("{} keys", context.name()), context);
        }
        section(&mut out, "global keys".into(), Context::Global);
        self.replay_help(&mut out);
        self.user_help(&mut out);
        out.push(HelpLine::Section("commands".into()));
        for (cmd, what) in [
            (
                ":<kind>",
                "resource table by plural, singular, short name or plural.group (tab completes)",
            ),
            (
                ":po :deploy :svc :no :ns :ev",
                "k9s aliases; also :apps (Argo CD) and :cnpg (CloudNativePG)",
            ),
            (":<kind> <ns>|-A", "a kind in another namespace, or in all"),
            (
                ":<kind> -n <ns> -l k=v",
                "a kind in a namespace, with a label selector (kubectl's -n, -l)",
            ),
            (
                ":sort <column> [asc|desc]",
                "order the table by any column (the same sort key again flips it)",
            ),
            (
                ":pools",
                "node pools: nodes by pool label with capacity, zones, taints, EKS node groups",
            ),
            (
                ":waves",
                "Argo CD sync waves: lanes, app-of-apps tree, what blocks the rollout, traps",
            ),
            (
                ":metrics [name]",
                "Prometheus dashboards (cluster-overview, node-pool, cnpg, argocd, yours)",
            ),
            (
                ":promql [query]",
                "the PromQL editor: run a query as a chart or a table",
            ),
            (
                ":install",
                "the install wizard: cluster, age key, Argo CD, apps",
            ),
            (":ns <name>|all", "switch namespace"),
            (
                ":ctx [name]",
                "switch context (without a name: list contexts)",
            ),
            (":q", "quit"),
        ] {
            out.push(HelpLine::Text(cmd.into(), what.into()));
        }
        out.push(HelpLine::Section("filter".into()));
        for (f, what) in [
            ("text", "rows containing text"),
            ("!text", "rows not containing text"),
            ("-l app=web", "label selector (k=v, k!=v, k, !k)"),
        ] {
            out.push(HelpLine::Text(f.into(), what.into()));
        }
        if self.readonly {
            out.push(HelpLine::Section(
                "read-only mode: delete, restart and scale are disabled".into(),
            ));
        }
        if !self.config.problems.is_empty() {
            out.push(HelpLine::Section("configuration problems".into()));
            for p in &self.config.problems {
                out.push(HelpLine::Problem(p.to_string()));
            }
        }
        out
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
