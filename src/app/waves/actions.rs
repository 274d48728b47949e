//! What the pane's actions do: open the detail, jump to a resource, change the root, and the
//! Application actions (sync, refresh, hard refresh, terminate) behind a confirmation.

use super::super::view::{ObjSource, View};
use super::super::{App, Dialog, Level};
use super::{lookup_app, strings, view_as};
use crate::domain::waves::{
    AppKey, RefreshKind, ResourceRef, SyncRequest, refresh_patch, sync_patch, terminate_patch,
};
use crate::model::WatchSpec;
use crate::model::action::Action;
use crate::model::views::Application;
use crate::sources::{ObjectTarget, Request};

impl App {
    /// The app the top view acts on: the selected row of the lanes, or the detail's app.
    pub(crate) fn waves_target_app(&self) -> Option<AppKey> {
        match self.top()? {
            View::Waves(w) => w.selected_app().cloned(),
            View::WaveApp(d) => Some(d.key.clone()),
            _ => None,
        }
    }

    /// The Application object of `key` from the pane's watch.
    fn application(&self, key: &AppKey) -> Option<(ObjectTarget, Application)> {
        let spec = self.stack.iter().rev().find_map(|v| match v {
            View::Waves(w) => Some(&w.apps),
            View::WaveApp(d) => Some(&d.apps),
            _ => None,
        })?;
        let obj = lookup_app(self.store(&spec.key)?, spec, key)?;
        let target = ObjectTarget {
            kind: spec.kind.clone(),
            namespace: Some(key.namespace.clone()),
            name: key.name.clone(),
        };
        Some((target, view_as(&obj, &spec.kind)?))
    }

    /// Whether the app is only declared by its parent (not created yet), with the parent.
    fn declared_only(&self, key: &AppKey) -> Option<Option<AppKey>> {
        self.stack.iter().rev().find_map(|v| match v {
            View::Waves(w) => w
                .app(key)
                .filter(|a| !a.exists)
                .map(|a| a.parent.as_ref().map(|p| p.key.clone())),
            _ => None,
        })
    }

    /// Enter: the lanes open the app's detail; the detail jumps to the selected resource.
    pub(in crate::app) fn waves_select(&mut self) {
        match self.top() {
            Some(View::Waves(_)) => {
                let Some(key) = self.waves_target_app() else {
                    return self.flash(super::super::strings::NOTHING_SELECTED, Level::Warn);
                };
                if let Some(parent) = self.declared_only(&key) {
                    return self.flash(strings::not_created(&key, parent.as_ref()), Level::Warn);
                }
                self.open_wave_app(key);
            }
            Some(View::WaveApp(d)) => {
                let Some(row) = d.selected() else {
                    return self.flash(super::super::strings::NOTHING_SELECTED, Level::Warn);
                };
                let (resource, app) = (row.res.resource.clone(), d.key.clone());
                self.open_resource(&resource, &app);
            }
            _ => {}
        }
    }

    /// Opens a managed resource: a child Application in its detail, anything else in its
    /// kind's table, scoped to that one object.
    fn open_resource(&mut self, r: &ResourceRef, app: &AppKey) {
        if r.is_application() {
            let key = AppKey::new(
                if r.namespace.is_empty() {
                    app.namespace.clone()
                } else {
                    r.namespace.clone()
                },
                r.name.clone(),
            );
            if self.application(&key).is_some() {
                return self.open_wave_app(key);
            }
        }
        let Some((kind, namespace)) = self.resource_kind(r) else {
            return self.flash(strings::unknown_kind(r), Level::Warn);
        };
        self.open_table(
            kind,
            Some(namespace),
            None,
            Some(format!("metadata.name={}", r.name)),
            Some(strings::resource_scope(app)),
            true,
        );
    }

    /// The catalog kind of a resource and the namespace to look in.
    fn resource_kind(
        &self,
        r: &ResourceRef,
    ) -> Option<(std::sync::Arc<crate::model::ResourceKind>, Option<String>)> {
        let kind = self
            .catalog
            .kinds()
            .iter()
            .find(|k| k.group == r.group && k.kind == r.kind)
            .cloned()?;
        let namespace = (kind.namespaced && !r.namespace.is_empty()).then(|| r.namespace.clone());
        Some((kind, namespace))
    }

    /// Describe / YAML source: the selected app (lanes) or the selected resource (detail).
    pub(in crate::app) fn waves_source(&self) -> Option<ObjSource> {
        match self.top()? {
            View::Waves(w) => {
                let key = w.selected_app()?;
                if w.app(key).is_some_and(|a| !a.exists) {
                    return None;
                }
                Some(ObjSource {
                    spec: w.apps.clone(),
                    namespace: Some(key.namespace.clone()),
                    name: key.name.clone(),
                })
            }
            View::WaveApp(d) => {
                let r = &d.selected()?.res.resource;
                let (kind, namespace) = self.resource_kind(r)?;
                let fields = format!("metadata.name={}", r.name);
                Some(ObjSource {
                    spec: WatchSpec::new(kind, namespace.clone(), None, Some(fields)),
                    namespace,
                    name: r.name.clone(),
                })
            }
            _ => None,
        }
    }

    /// Tab: the next app of apps (then all apps, then the first again).
    pub(in crate::app) fn waves_next_root(&mut self) {
        let (viewport, prompt) = (self.viewport, self.prompt.is_some());
        let Some(View::Waves(w)) = self.stack.last_mut() else {
            return;
        };
        let choices = w.root_choices();
        let pos = choices.iter().position(|c| *c == w.root).unwrap_or(0);
        w.root = choices.get((pos + 1) % choices.len()).cloned().flatten();
        w.root_chosen = true;
        let h = super::layout::lane_rows(&viewport, prompt, w);
        w.rebuild_rows(h);
    }

    /// Sync, refresh, hard refresh, terminate: refused in read-only mode and with the
    /// domain's reason; otherwise a confirmation naming the app and what is written.
    pub(in crate::app) fn waves_action(&mut self, a: Action) {
        if !matches!(self.top(), Some(View::Waves(_) | View::WaveApp(_))) {
            return;
        }
        if self.readonly {
            return self.flash_for(super::super::strings::readonly(a.name()), Level::Warn, 6);
        }
        let Some(key) = self.waves_target_app() else {
            return self.flash(super::super::strings::NOTHING_SELECTED, Level::Warn);
        };
        if let Some(parent) = self.declared_only(&key) {
            return self.flash(strings::not_created(&key, parent.as_ref()), Level::Warn);
        }
        let Some((target, obj)) = self.application(&key) else {
            return self.flash(strings::APP_GONE, Level::Warn);
        };
        let user = if self.cluster.user.is_empty() {
            strings::DEFAULT_USER.to_string()
        } else {
            self.cluster.user.clone()
        };
        let (verb, title, built) = match a {
            Action::Sync => {
                let request = SyncRequest {
                    username: user.clone(),
                    ..SyncRequest::default()
                };
                (
                    "sync",
                    "Sync",
                    sync_patch(&obj, &request)
                        .map(|p| (p, strings::confirm_sync(&key, request.prune, &user))),
                )
            }
            Action::Refresh | Action::HardRefresh => {
                let kind = if a == Action::Refresh {
                    RefreshKind::Normal
                } else {
                    RefreshKind::Hard
                };
                let verb = if a == Action::Refresh {
                    "refresh"
                } else {
                    "hard refresh"
                };
                let title = if a == Action::Refresh {
                    "Refresh"
                } else {
                    "Hard refresh"
                };
                (
                    verb,
                    title,
                    Ok((
                        refresh_patch(kind),
                        strings::confirm_refresh(&key, kind.as_str()),
                    )),
                )
            }
            Action::Terminate => (
                "terminate",
                "Terminate",
                terminate_patch(&obj).map(|p| (p, strings::confirm_terminate(&key))),
            ),
            _ => return,
        };
        match built {
            Err(e) => self.flash_for(strings::refused(verb, &key, &e), Level::Warn, 8),
            Ok((patch, message)) => {
                self.dialog = Some(Dialog {
                    title: title.into(),
                    message,
                    request: Request::Patch {
                        target,
                        patch,
                        what: strings::done_what(verb, &key),
                    },
                    expect: None,
                    typed: String::new(),
                });
            }
        }
    }
}
