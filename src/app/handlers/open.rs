//! Views opened from the selection: describe/YAML text and pod logs.

use super::*;

impl App {
    pub(super) fn open_text(&mut self, mode: TextMode) {
        let Some(source) = self.selected_source() else {
            return self.flash(strings::NOTHING_SELECTED, Level::Warn);
        };
        self.open_text_for(mode, source);
    }

    /// Describe or YAML of one object, pushed on the stack.
    pub(in crate::app) fn open_text_for(&mut self, mode: TextMode, source: ObjSource) {
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

    pub(super) fn open_logs_from_selection(&mut self, previous: bool) {
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
    pub(in crate::app) fn open_logs(
        &mut self,
        namespace: String,
        pod: String,
        container: String,
        previous: bool,
    ) {
        let id = self.next_log_id;
        self.next_log_id += 1;
        let cap = self.config.settings.log_lines.max(100);
        self.stack.push(View::Logs(LogsView::new(
            id,
            (&namespace, &pod, &container),
            None,
            previous,
            cap,
        )));
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
    pub(super) fn logs_key_name(&self) -> String {
        self.config
            .keymap
            .binding(Context::Table, Action::Logs)
            .and_then(|b| b.keys.first())
            .map_or_else(|| "l".to_string(), |k| k.to_string())
    }

    pub(super) fn toggle_previous(&mut self) {
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
}
