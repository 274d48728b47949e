//! The prompt line: `:` commands and `/` filters as they are typed and submitted.

use super::*;

impl App {
    pub(in crate::app) fn open_prompt(&mut self, p: Prompt) {
        self.prompt = Some(p);
        self.refit();
    }

    pub(in crate::app) fn close_prompt(&mut self) {
        self.prompt = None;
        self.refit();
    }

    pub(in crate::app) fn prompt_input(&mut self, c: char) {
        if let Some(p) = self.prompt.as_mut() {
            p.insert(c);
        }
        self.prompt_changed();
    }

    /// Live effects of editing: filters apply as you type, completions refresh.
    pub(super) fn prompt_changed(&mut self) {
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
            | PromptKind::ShellContainer(_)
            | PromptKind::PortForward(_)
            | PromptKind::ScaleNodegroup { .. } => {}
        }
    }

    pub(super) fn set_filter(&mut self, f: Filter, text: String) {
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

    pub(super) fn prompt_action(&mut self, a: Action) {
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

    pub(super) fn submit_prompt(&mut self) {
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
            } => self.apply(crate::app::pools::actions::submit_scaling(
                &p.text, cluster, nodegroup, current,
            )),
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
            PromptKind::ShellContainer(choice) => self.shell_submit(&p.text, choice),
            PromptKind::PortForward(ask) => self.pf_submit(&p.text, ask),
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
}
