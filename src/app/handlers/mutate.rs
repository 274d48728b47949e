//! Actions that change the cluster (delete, restart, scale, …) and their confirm dialogs.

use super::*;

impl App {
    pub(super) fn mutate(&mut self, a: Action) {
        if self.readonly {
            return self.flash_for(strings::readonly(a.name()), Level::Warn, 6);
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

    pub(super) fn dialog_action(&mut self, a: Action) {
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
}
