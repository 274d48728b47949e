//! Shell (`s` on a pod or a container, k9s's key) and `:exec CMD…`. The shell is a request
//! the console's event loop takes (it owns the terminal); `:exec` streams the command's
//! output into a log-style view.

use super::prompt::{Prompt, PromptKind};
use super::view::{LogsView, View};
use super::{Action, App, Level};
use crate::sources::Request;
use crate::sources::exec::{ExecSpec, ShellSpec};

/// A pod chosen for a shell or a command: where, and its containers (init ones excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodChoice {
    pub namespace: String,
    pub pod: String,
    pub containers: Vec<String>,
    /// The container the user pointed at (containers view), if any.
    pub container: Option<String>,
}

/// The words of a `:exec` line: split on spaces, or run by `/bin/sh -c` when it uses
/// quotes, pipes, redirections or variables.
pub(crate) fn exec_argv(line: &str) -> Vec<String> {
    let shell_syntax = line.chars().any(|c| {
        matches!(
            c,
            '"' | '\'' | '|' | '&' | ';' | '<' | '>' | '$' | '*' | '`'
        )
    });
    if shell_syntax {
        vec!["/bin/sh".into(), "-c".into(), line.to_string()]
    } else {
        line.split_whitespace().map(str::to_string).collect()
    }
}

impl App {
    /// The pod under the cursor (pods table or containers view).
    fn pod_choice(&self) -> Option<PodChoice> {
        let (obj, container) = match self.top()? {
            View::Table(t) if t.kind().plural == "pods" && t.kind().group.is_empty() => {
                (t.selected()?.clone(), None)
            }
            View::Containers(c) => {
                let obj = self.store(&c.source.spec.key).and_then(|s| {
                    s.state()
                        .into_iter()
                        .find(|o| o.metadata.name.as_deref() == Some(&c.source.name))
                })?;
                let row = c.rows.get(c.cursor.selected).filter(|r| !r.init);
                (obj, row.map(|r| r.name.clone()))
            }
            _ => return None,
        };
        let containers = obj.data["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str().map(str::to_string))
            .collect();
        Some(PodChoice {
            namespace: obj.metadata.namespace.clone()?,
            pod: obj.metadata.name.clone()?,
            containers,
            container,
        })
    }

    /// Whether `s` means a shell here (a pod or a container) rather than scale.
    pub fn shell_here(&self) -> bool {
        match self.top() {
            Some(View::Table(t)) => t.kind().plural == "pods" && t.kind().group.is_empty(),
            Some(View::Containers(_)) => true,
            _ => false,
        }
    }

    /// Shell, exec and port-forward keys; whether the action was taken.
    pub(super) fn day2_action(&mut self, a: Action) -> bool {
        if self.pf_action(a) {
            return true;
        }
        match a {
            Action::Scale if self.shell_here() => self.shell_ask(),
            Action::PortForward => self.pf_ask(),
            _ => return false,
        }
        true
    }

    /// `s` on a pod: asks for the container when there are several.
    fn shell_ask(&mut self) {
        if self.readonly {
            return self.flash_for(super::strings::readonly("shell"), Level::Warn, 6);
        }
        let Some(choice) = self.pod_choice() else {
            return self.flash(super::strings::NOTHING_SELECTED, Level::Warn);
        };
        if let Some(c) = choice.container.clone() {
            return self.shell_start(&choice, &c);
        }
        match choice.containers.as_slice() {
            [] => self.flash("the pod has no containers", Level::Warn),
            [only] => {
                let only = only.clone();
                self.shell_start(&choice, &only);
            }
            [first, ..] => {
                let first = first.clone();
                self.open_prompt(Prompt::new(PromptKind::ShellContainer(choice), &first));
            }
        }
    }

    /// The container prompt's answer.
    pub(super) fn shell_submit(&mut self, text: &str, choice: PodChoice) {
        let name = text.trim();
        if !choice.containers.iter().any(|c| c == name) {
            if let Some(p) = self.prompt.as_mut() {
                p.error = Some(format!(
                    "no container {name:?} (containers: {})",
                    choice.containers.join(", ")
                ));
            }
            return;
        }
        self.close_prompt();
        let name = name.to_string();
        self.shell_start(&choice, &name);
    }

    fn shell_start(&mut self, choice: &PodChoice, container: &str) {
        let shells = if self.config.settings.shells.is_empty() {
            vec!["/bin/sh".to_string()]
        } else {
            self.config.settings.shells.clone()
        };
        self.request(Request::Shell(ShellSpec {
            namespace: choice.namespace.clone(),
            pod: choice.pod.clone(),
            container: container.to_string(),
            shells,
        }));
    }

    /// Whether a shell was asked for (taken out of the requests, for the event loop).
    pub fn take_shell(&mut self) -> Option<ShellSpec> {
        let i = self
            .requests
            .iter()
            .position(|r| matches!(r, Request::Shell(_)))?;
        match self.requests.remove(i) {
            Request::Shell(s) => Some(s),
            _ => None,
        }
    }

    /// How a shell session ended (the event loop reports it).
    pub fn shell_ended(&mut self, text: String, error: bool) {
        let level = if error { Level::Error } else { Level::Info };
        self.flash_for(text, level, 10);
    }

    /// `:exec CMD…` in the selected pod (its container under the cursor, else the first).
    pub(super) fn exec_command(&mut self, line: &str) {
        if self.readonly {
            return self.flash_for(super::strings::readonly("exec"), Level::Warn, 6);
        }
        let Some(choice) = self.pod_choice() else {
            return self.flash(
                "select a pod (or one of its containers) for :exec",
                Level::Warn,
            );
        };
        let container = choice
            .container
            .clone()
            .or_else(|| choice.containers.first().cloned());
        let id = self.next_log_id;
        self.next_log_id += 1;
        let cap = self.config.settings.log_lines.max(100);
        self.stack.push(View::Logs(LogsView::output(
            id,
            &choice.namespace,
            &choice.pod,
            container.as_deref().unwrap_or_default(),
            format!("exec {}/{}: {line}", choice.namespace, choice.pod),
            cap,
        )));
        self.request(Request::Exec(ExecSpec {
            id,
            namespace: choice.namespace,
            pod: choice.pod,
            container,
            command: exec_argv(line),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_lines_use_a_shell_only_for_shell_syntax() {
        assert_eq!(exec_argv("ls -la /tmp"), vec!["ls", "-la", "/tmp"]);
        assert_eq!(
            exec_argv("echo $HOME | wc -c"),
            vec!["/bin/sh", "-c", "echo $HOME | wc -c"]
        );
    }
}
