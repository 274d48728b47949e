//! What the pane's actions do, as [`Effect`]s: open the detail, jump to a resource, change
//! the root, and the Application actions (sync, refresh, hard refresh, terminate) behind a
//! confirmation.

use std::sync::Arc;

use super::super::effect::Effect;
use super::super::pane::PaneCx;
use super::super::strings::{NOTHING_SELECTED, readonly};
use super::super::view::{ObjSource, View};
use super::super::{Dialog, Level};
use super::{WaveAppView, WavesView, layout, lookup_app, strings, view_as};
use crate::domain::waves::{
    AppKey, RefreshKind, ResourceRef, SyncRequest, refresh_patch, sync_patch, terminate_patch,
};
use crate::model::action::Action;
use crate::model::views::Application;
use crate::model::{Catalog, ResourceKind, WatchSpec};
use crate::sources::{ObjectTarget, Request};

/// The lanes' actions; `None` for the ones they leave to the app.
pub(super) fn lanes_action(w: &mut WavesView, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
    Some(match a {
        Action::Select => open_app(w, cx),
        Action::NextRoot => {
            next_root(w, cx);
            Vec::new()
        }
        Action::Refresh | Action::Sync | Action::HardRefresh | Action::Terminate => {
            let key = w.selected_app().cloned();
            app_action(a, key, &w.apps, Some(w), cx)
        }
        _ => return None,
    })
}

/// The detail's actions; `None` for the ones it leaves to the app.
pub(super) fn detail_action(d: &WaveAppView, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
    Some(match a {
        Action::Select => match d.selected() {
            Some(row) => open_resource(&row.res.resource, &d.key, &d.apps, cx),
            None => vec![Effect::flash(NOTHING_SELECTED, Level::Warn)],
        },
        Action::Refresh | Action::Sync | Action::HardRefresh | Action::Terminate => {
            app_action(a, Some(d.key.clone()), &d.apps, None, cx)
        }
        _ => return None,
    })
}

/// The Application object of `key` from the pane's watch.
fn application(
    apps: &WatchSpec,
    key: &AppKey,
    cx: &PaneCx<'_>,
) -> Option<(ObjectTarget, Application)> {
    let obj = lookup_app(cx.store(apps)?, apps, key)?;
    let target = ObjectTarget {
        kind: apps.kind.clone(),
        namespace: Some(key.namespace.clone()),
        name: key.name.clone(),
    };
    Some((target, view_as(&obj, &apps.kind)?))
}

/// Whether the app is only declared by its parent (not created yet), with the parent: as
/// the lanes (`top`, when they are the pane) or the lanes below the pane know it.
fn declared_only(top: Option<&WavesView>, below: &[View], key: &AppKey) -> Option<Option<AppKey>> {
    let below = below.iter().rev().filter_map(|v| match v {
        View::Waves(w) => Some(w),
        _ => None,
    });
    top.into_iter().chain(below).find_map(|w| {
        w.app(key)
            .filter(|a| !a.exists)
            .map(|a| a.parent.as_ref().map(|p| p.key.clone()))
    })
}

/// Enter on the lanes: the selected app's detail.
fn open_app(w: &WavesView, cx: &PaneCx<'_>) -> Vec<Effect> {
    let Some(key) = w.selected_app().cloned() else {
        return vec![Effect::flash(NOTHING_SELECTED, Level::Warn)];
    };
    if let Some(parent) = declared_only(Some(w), cx.below, &key) {
        let text = strings::not_created(&key, parent.as_ref());
        return vec![Effect::flash(text, Level::Warn)];
    }
    vec![Effect::OpenWaveApp(key)]
}

/// Enter on a managed resource: a child Application in its detail, anything else in its
/// kind's table, scoped to that one object.
fn open_resource(r: &ResourceRef, app: &AppKey, apps: &WatchSpec, cx: &PaneCx<'_>) -> Vec<Effect> {
    if r.is_application() {
        let namespace = if r.namespace.is_empty() {
            app.namespace.clone()
        } else {
            r.namespace.clone()
        };
        let key = AppKey::new(namespace, r.name.clone());
        if application(apps, &key, cx).is_some() {
            return vec![Effect::OpenWaveApp(key)];
        }
    }
    let Some((kind, namespace)) = resource_kind(cx.catalog, r) else {
        return vec![Effect::flash(strings::unknown_kind(r), Level::Warn)];
    };
    vec![Effect::OpenTable {
        kind,
        namespace: Some(namespace),
        labels: None,
        fields: Some(format!("metadata.name={}", r.name)),
        scope: Some(strings::resource_scope(app)),
    }]
}

/// The catalog kind of a resource and the namespace to look in.
fn resource_kind(
    catalog: &Catalog,
    r: &ResourceRef,
) -> Option<(Arc<ResourceKind>, Option<String>)> {
    let kind = catalog
        .kinds()
        .iter()
        .find(|k| k.group == r.group && k.kind == r.kind)
        .cloned()?;
    let namespace = (kind.namespaced && !r.namespace.is_empty()).then(|| r.namespace.clone());
    Some((kind, namespace))
}

/// Describe / YAML source of a waves view: the selected app (lanes) or the selected
/// resource (detail); `None` for other views.
pub(crate) fn source_of(view: &View, catalog: &Catalog) -> Option<ObjSource> {
    match view {
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
            let (kind, namespace) = resource_kind(catalog, r)?;
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
fn next_root(w: &mut WavesView, cx: &PaneCx<'_>) {
    let choices = w.root_choices();
    let pos = choices.iter().position(|c| *c == w.root).unwrap_or(0);
    w.root = choices.get((pos + 1) % choices.len()).cloned().flatten();
    w.root_chosen = true;
    let h = layout::lane_rows(&cx.viewport, cx.prompt, w);
    w.rebuild_rows(h);
}

/// Sync, refresh, hard refresh, terminate of the app `key` (the lanes' selection or the
/// detail's app): refused in read-only mode and with the domain's reason; otherwise a
/// confirmation naming the app and what is written.
fn app_action(
    a: Action,
    key: Option<AppKey>,
    apps: &WatchSpec,
    lanes: Option<&WavesView>,
    cx: &PaneCx<'_>,
) -> Vec<Effect> {
    if cx.readonly {
        return vec![Effect::flash_for(readonly(a.name()), Level::Warn, 6)];
    }
    let Some(key) = key else {
        return vec![Effect::flash(NOTHING_SELECTED, Level::Warn)];
    };
    if let Some(parent) = declared_only(lanes, cx.below, &key) {
        let text = strings::not_created(&key, parent.as_ref());
        return vec![Effect::flash(text, Level::Warn)];
    }
    let Some((target, obj)) = application(apps, &key, cx) else {
        return vec![Effect::flash(strings::APP_GONE, Level::Warn)];
    };
    let user = if cx.user.is_empty() {
        strings::DEFAULT_USER
    } else {
        cx.user
    };
    let (verb, title, built) = match a {
        Action::Sync => {
            let request = SyncRequest {
                username: user.to_string(),
                ..SyncRequest::default()
            };
            (
                "sync",
                "Sync",
                sync_patch(&obj, &request)
                    .map(|p| (p, strings::confirm_sync(&key, request.prune, user))),
            )
        }
        Action::Refresh | Action::HardRefresh => {
            let (kind, verb, title) = if a == Action::Refresh {
                (RefreshKind::Normal, "refresh", "Refresh")
            } else {
                (RefreshKind::Hard, "hard refresh", "Hard refresh")
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
        _ => return Vec::new(),
    };
    match built {
        Err(e) => vec![Effect::flash_for(
            strings::refused(verb, &key, &e),
            Level::Warn,
            8,
        )],
        Ok((patch, message)) => vec![Effect::Dialog(Dialog {
            title: title.into(),
            message,
            request: Request::Patch {
                target,
                patch,
                what: strings::done_what(verb, &key),
            },
            expect: None,
            typed: String::new(),
        })],
    }
}
