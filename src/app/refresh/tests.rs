//! Describe/YAML from a GET of the whole object; table rows sorted by namespace and name.

use std::sync::Arc;

use serde_json::json;

use super::super::fixture;
use super::super::tests::press;
use super::super::view::View;
use super::super::*;
use crate::config::Config;
use crate::model::ConnState;
use crate::sources::{Request, SourceEvent};

/// The fixture app, its objects carrying resourceVersions as a server's do.
fn app_with_versions() -> (App, Vec<crate::model::object::Obj>) {
    let mut objs = fixture::objects();
    for (i, o) in objs.iter_mut().enumerate() {
        o.metadata.resource_version = Some(format!("{}", 100 + i));
    }
    let mut app = App::new(
        Config::default(),
        Options {
            namespace: Some("shop".into()),
            all_namespaces: false,
        },
        fixture::now(),
    );
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(120, 30)));
    app.dispatch(Msg::Source(SourceEvent::Cluster(fixture::cluster())));
    app.dispatch(Msg::Source(SourceEvent::Connection(ConnState::Connected)));
    app.dispatch(Msg::Source(SourceEvent::Discovered(fixture::catalog())));
    feed(&mut app, &objs);
    (app, objs)
}

fn feed(app: &mut App, objs: &[crate::model::object::Obj]) {
    for spec in app.desired_watches() {
        if !app.watches.contains_key(&spec.key) {
            fixture::fill(app, &spec, objs);
        }
    }
}

fn fetches(app: &mut App) -> Vec<crate::sources::ObjectTarget> {
    app.take_requests()
        .into_iter()
        .filter_map(|r| match r {
            Request::Fetch(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn text(app: &App) -> Vec<String> {
    match app.top() {
        Some(View::Text(t)) => t.lines.clone(),
        other => panic!("a text view expected, got {:?}", other.map(View::crumb)),
    }
}

#[test]
fn yaml_shows_the_whole_object_fetched_when_opened_and_when_it_changes() {
    let (mut app, objs) = app_with_versions();
    app.take_requests();
    press(&mut app, "y");
    feed(&mut app, &objs);
    let asked = fetches(&mut app);
    assert_eq!(asked.len(), 1, "one GET when opened");
    assert_eq!(asked[0].name, "orders-db-0");
    assert_eq!(asked[0].namespace.as_deref(), Some("shop"));
    // Until the answer, the watched (pruned) copy is shown.
    assert!(text(&app).iter().any(|l| l.trim() == "name: orders-db-0"));
    assert!(!text(&app).iter().any(|l| l.contains("only-in-the-get")));

    let watched = objs
        .iter()
        .find(|o| o.metadata.name.as_deref() == Some("orders-db-0"))
        .expect("fixture pod")
        .clone();
    let mut full = watched.clone();
    let mut data = full.data.to_json();
    data["spec"]["volumes"] = json!([{"name": "only-in-the-get", "emptyDir": {}}]);
    full.data = data.into();
    app.dispatch(Msg::Source(SourceEvent::Fetched {
        target: asked[0].clone(),
        object: Ok(Arc::new(full.clone())),
    }));
    assert!(text(&app).iter().any(|l| l.contains("only-in-the-get")));

    // Other objects changing: no new GET.
    let key = match app.top() {
        Some(View::Text(t)) => t.source.spec.key.clone(),
        _ => unreachable!(),
    };
    app.dispatch(Msg::Source(SourceEvent::WatchChanged(key.clone())));
    assert!(fetches(&mut app).is_empty());
    assert!(text(&app).iter().any(|l| l.contains("only-in-the-get")));

    // The object itself changes: a new GET; the last whole text stays until it answers.
    let mut changed = watched.clone();
    changed.metadata.resource_version = Some("999".into());
    changed.metadata.labels = Some([("changed".to_string(), "later".to_string())].into());
    let spec = match app.top() {
        Some(View::Text(t)) => t.source.spec.clone(),
        _ => unreachable!(),
    };
    let mut objs2 = objs.clone();
    for o in &mut objs2 {
        if o.metadata.name.as_deref() == Some("orders-db-0") {
            *o = changed.clone();
        }
    }
    app.watches.remove(&key);
    fixture::fill(&mut app, &spec, &objs2);
    let asked = fetches(&mut app);
    assert_eq!(asked.len(), 1, "a GET for the new version");
    assert!(text(&app).iter().any(|l| l.contains("only-in-the-get")));
    let mut full2 = changed.clone();
    let mut data = full2.data.to_json();
    data["spec"]["volumes"] = json!([{"name": "second-get", "emptyDir": {}}]);
    full2.data = data.into();
    app.dispatch(Msg::Source(SourceEvent::Fetched {
        target: asked[0].clone(),
        object: Ok(Arc::new(full2)),
    }));
    assert!(text(&app).iter().any(|l| l.contains("second-get")));
    assert!(text(&app).iter().any(|l| l.contains("changed: later")));
}

#[test]
fn a_failed_get_keeps_the_watched_copy_and_does_not_retry_the_same_version() {
    let (mut app, objs) = app_with_versions();
    app.take_requests();
    press(&mut app, "d");
    feed(&mut app, &objs);
    let asked = fetches(&mut app);
    assert_eq!(asked.len(), 1);
    app.dispatch(Msg::Source(SourceEvent::Fetched {
        target: asked[0].clone(),
        object: Err("forbidden".into()),
    }));
    assert!(text(&app).iter().any(|l| l.contains("orders-db-0")));
    assert!(fetches(&mut app).is_empty());
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("forbidden"))
    );
}

#[test]
fn rows_sort_by_namespace_then_name() {
    let obj = |ns: &str, name: &str| {
        Arc::new(
            serde_json::from_value::<crate::model::object::Obj>(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": ns}
            }))
            .expect("pod"),
        )
    };
    let rows = super::sort_rows(vec![
        obj("b", "a"),
        obj("a", "z"),
        obj("a", "b"),
        obj("b", "0"),
    ]);
    let got: Vec<(String, String)> = rows
        .iter()
        .map(|o| {
            (
                o.metadata.namespace.clone().unwrap_or_default(),
                o.metadata.name.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("a", "b"), ("a", "z"), ("b", "0"), ("b", "a")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}
