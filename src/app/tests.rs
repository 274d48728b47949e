//! `update()` transitions, driven through the keymap like a user would.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixture;
use super::view::View;
use super::*;
use crate::config::{Config, Overrides};
use crate::model::ConnState;
use crate::sources::{Request, SourceEvent};

pub(super) fn press(app: &mut App, keys: &str) {
    for k in keys.split_whitespace() {
        let (code, mods) = match k {
            "enter" => (KeyCode::Enter, KeyModifiers::NONE),
            "esc" => (KeyCode::Esc, KeyModifiers::NONE),
            "tab" => (KeyCode::Tab, KeyModifiers::NONE),
            "up" => (KeyCode::Up, KeyModifiers::NONE),
            "down" => (KeyCode::Down, KeyModifiers::NONE),
            "backspace" => (KeyCode::Backspace, KeyModifiers::NONE),
            "space" => (KeyCode::Char(' '), KeyModifiers::NONE),
            other if other.starts_with("ctrl-") => (
                KeyCode::Char(other.chars().last().unwrap()),
                KeyModifiers::CONTROL,
            ),
            other => {
                assert_eq!(other.chars().count(), 1, "key {other}");
                (
                    KeyCode::Char(other.chars().next().unwrap()),
                    KeyModifiers::NONE,
                )
            }
        };
        app.on_key(&KeyEvent::new(code, mods));
    }
}

pub(super) fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

/// Names of the rows of the table on top.
pub(super) fn names(app: &App) -> Vec<String> {
    match app.top() {
        Some(View::Table(t)) => t
            .rows
            .iter()
            .map(|o| o.metadata.name.clone().unwrap_or_default())
            .collect(),
        other => panic!("top is not a table: {:?}", other.map(View::crumb)),
    }
}

pub(super) fn crumbs(app: &App) -> Vec<String> {
    app.stack.iter().map(View::crumb).collect()
}

#[test]
fn starts_on_pods_of_the_context_namespace() {
    let mut app = App::new(Config::default(), Options::default(), fixture::now());
    assert_eq!(crumbs(&app), ["pods"]);
    app.dispatch(Msg::Source(SourceEvent::Cluster(
        crate::sources::ClusterInfo {
            namespace: "team-a".into(),
            ..fixture::cluster()
        },
    )));
    assert_eq!(app.namespace.as_deref(), Some("team-a"));
    let keys: Vec<_> = app.desired_watches().into_iter().map(|s| s.key).collect();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0].plural.as_str(), keys[0].namespace.as_deref()),
        ("pods", Some("team-a"))
    );
}

#[test]
fn all_namespaces_flag_wins_over_context() {
    let mut app = App::new(
        Config::default(),
        Options {
            namespace: None,
            all_namespaces: true,
        },
        fixture::now(),
    );
    app.dispatch(Msg::Source(SourceEvent::Cluster(fixture::cluster())));
    assert_eq!(app.namespace, None);
    assert_eq!(app.desired_watches()[0].key.namespace, None);
}

#[test]
fn pods_table_is_sorted_and_keeps_selection() {
    let mut app = fixture::app();
    assert_eq!(
        names(&app),
        ["orders-db-0", "web-7d9f8c6b5-abcde", "web-7d9f8c6b5-fghij"]
    );
    press(&mut app, "j j");
    let Some(View::Table(t)) = app.top() else {
        panic!()
    };
    assert_eq!(t.cursor.selected, 2);
    press(&mut app, "k g");
    let Some(View::Table(t)) = app.top() else {
        panic!()
    };
    assert_eq!(t.cursor.selected, 0);
}

#[test]
fn command_mode_opens_kinds_and_records_history() {
    let mut app = fixture::app();
    press(&mut app, ":");
    assert_eq!(app.focused_context(), Context::Prompt);
    type_text(&mut app, "dep");
    press(&mut app, "tab");
    assert_eq!(app.prompt.as_ref().unwrap().text, "deploy");
    press(&mut app, "enter");
    assert!(app.prompt.is_none());
    fixture::feed(&mut app);
    assert_eq!(crumbs(&app), ["deployments"]);
    assert_eq!(names(&app), ["web"]);
    press(&mut app, ": up");
    assert_eq!(app.prompt.as_ref().unwrap().text, "deploy", "history");
    press(&mut app, "esc");
    assert!(app.prompt.is_none());
}

#[test]
fn typed_characters_go_to_the_prompt_not_to_bindings() {
    let mut app = fixture::app();
    press(&mut app, ": ? d q");
    assert_eq!(app.prompt.as_ref().unwrap().text, "?dq");
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn unknown_command_says_so_and_clears_the_line() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "frobnicate");
    press(&mut app, "enter");
    assert!(app.prompt.is_none(), "the failed line is gone");
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("unknown command: frobnicate — try :help, or tab to complete")
    );
    // `:frobnicate` then `:po` runs `po`, not `frobnicate:po`.
    press(&mut app, ":");
    assert_eq!(app.prompt.as_ref().map(|p| p.text.as_str()), Some(""));
    type_text(&mut app, "deploy");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    assert_eq!(crumbs(&app), ["deployments"]);
    // A view change clears the message about the last one.
    assert!(app.flash.is_none(), "{:?}", app.flash);
}

#[test]
fn unknown_key_gives_feedback() {
    let mut app = fixture::app();
    press(&mut app, "z");
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("unknown key z — ? lists the keys of this view")
    );
    // Messages expire.
    let later = fixture::now()
        .checked_add(jiff::SignedDuration::from_secs(6))
        .unwrap();
    app.dispatch(Msg::Tick(later));
    assert!(app.flash.is_none());
}

#[test]
fn a_logs_refusal_does_not_follow_into_another_view() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "svc");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    press(&mut app, "l");
    assert!(app.flash.is_some());
    press(&mut app, ":");
    type_text(&mut app, "pools");
    press(&mut app, "enter");
    assert!(app.flash.is_none(), "{:?}", app.flash);
}

#[test]
fn shift_keys_sort_and_toggle_with_the_order_in_the_header() {
    let mut app = fixture::app();
    // RESTARTS: most first; again: fewest first.
    press(&mut app, "T");
    assert_eq!(
        names(&app),
        ["orders-db-0", "web-7d9f8c6b5-fghij", "web-7d9f8c6b5-abcde"]
    );
    let header = |app: &App| match app.top() {
        Some(View::Table(t)) => t.header(),
        _ => panic!(),
    };
    assert!(
        header(&app).contains(&"RESTARTS▼".to_string()),
        "{:?}",
        header(&app)
    );
    press(&mut app, "T");
    assert_eq!(
        names(&app),
        ["web-7d9f8c6b5-abcde", "web-7d9f8c6b5-fghij", "orders-db-0"]
    );
    assert!(header(&app).contains(&"RESTARTS▲".to_string()));
    // NAME: ascending first, then N again flips it.
    press(&mut app, "N");
    assert_eq!(
        names(&app),
        ["orders-db-0", "web-7d9f8c6b5-abcde", "web-7d9f8c6b5-fghij"]
    );
    press(&mut app, "N");
    assert_eq!(
        names(&app),
        ["web-7d9f8c6b5-fghij", "web-7d9f8c6b5-abcde", "orders-db-0"]
    );
    // Any column by command, with a direction.
    press(&mut app, ":");
    type_text(&mut app, "sort ip asc");
    press(&mut app, "enter");
    assert!(
        header(&app).contains(&"IP▲".to_string()),
        "{:?}",
        header(&app)
    );
    assert_eq!(
        names(&app),
        ["web-7d9f8c6b5-abcde", "web-7d9f8c6b5-fghij", "orders-db-0"]
    );
    press(&mut app, ":");
    type_text(&mut app, "sort bogus");
    press(&mut app, "enter");
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .starts_with("no column \"bogus\" in pods"),
        "{:?}",
        app.flash
    );
}

#[test]
fn enter_never_confirms_and_namespaces_need_their_name() {
    let mut app = fixture::app();
    app.take_requests();
    // A double Enter on a delete dialog deletes nothing.
    press(&mut app, "ctrl-d enter enter");
    assert!(
        app.take_requests()
            .iter()
            .all(|r| !matches!(r, Request::Delete(_)))
    );
    press(&mut app, "esc");
    assert!(app.dialog.is_none());
    // A namespace: type its name, then Enter.
    press(&mut app, ":");
    type_text(&mut app, "ns");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    press(&mut app, "g");
    let first = names(&app)[0].clone();
    press(&mut app, "ctrl-d y enter");
    assert!(
        app.take_requests()
            .iter()
            .all(|r| !matches!(r, Request::Delete(_)))
    );
    let d = app.dialog.as_mut().expect("still asking");
    d.typed.clear();
    type_text(&mut app, &first);
    press(&mut app, "enter");
    let reqs = app.take_requests();
    assert!(
        matches!(&reqs[..], [Request::Delete(t)] if t.name == first),
        "{reqs:?}"
    );
}

#[test]
fn delete_in_the_containers_view_says_it_deletes_the_pod() {
    let mut app = fixture::app();
    press(&mut app, "enter ctrl-d");
    let d = app.dialog.as_ref().expect("dialog");
    assert_eq!(
        d.message,
        "Delete the whole pod shop/orders-db-0 (all its containers)?"
    );
}

#[test]
fn namespace_favourites_and_label_selectors_from_the_command_line() {
    let mut app = fixture::app();
    assert_eq!(app.ns_favourites, ["shop"]);
    press(&mut app, "0");
    fixture::feed(&mut app);
    assert_eq!(app.namespace_label(), "all");
    press(&mut app, "1");
    fixture::feed(&mut app);
    assert_eq!(app.namespace_label(), "shop");
    press(&mut app, ":");
    type_text(&mut app, "po -l app=web");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    assert_eq!(names(&app), ["web-7d9f8c6b5-abcde", "web-7d9f8c6b5-fghij"]);
    press(&mut app, ":");
    type_text(&mut app, "deploy -n shop");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    assert_eq!(names(&app), ["web"]);
    // `l` on a Deployment: its pods, to pick one.
    press(&mut app, "l");
    fixture::feed(&mut app);
    assert_eq!(crumbs(&app), ["deployments", "pods (deployment web)"]);
    assert!(app.flash.as_ref().unwrap().text.contains("pick one"));
}

#[test]
fn quit_command() {
    let mut app = fixture::app();
    press(&mut app, ": q enter");
    assert!(app.quit);
}

#[test]
fn aliases_for_crds_and_crd_columns() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "apps -A");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    assert_eq!(names(&app), ["shop"]);
    let Some(View::Table(t)) = app.top() else {
        panic!()
    };
    let cols: Vec<_> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        cols,
        ["NAMESPACE", "NAME", "SYNC STATUS", "HEALTH STATUS", "AGE"]
    );
}

#[test]
fn filter_as_you_type_invert_labels_and_cancel() {
    let mut app = fixture::app();
    press(&mut app, "/");
    type_text(&mut app, "db");
    assert_eq!(names(&app), ["orders-db-0"]);
    press(&mut app, "enter");
    assert!(app.prompt.is_none());
    assert_eq!(names(&app), ["orders-db-0"], "filter stays after enter");
    press(&mut app, "/ ctrl-u");
    type_text(&mut app, "!db");
    assert_eq!(names(&app).len(), 2);
    press(&mut app, "ctrl-u");
    type_text(&mut app, "-l app=orders-db");
    assert_eq!(names(&app), ["orders-db-0"]);
    press(&mut app, "esc");
    assert_eq!(names(&app).len(), 3, "esc in the filter prompt clears it");
}

#[test]
fn drill_down_deployment_to_pods_to_containers_and_back() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "deploy");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    press(&mut app, "enter");
    fixture::feed(&mut app);
    assert_eq!(crumbs(&app), ["deployments", "pods (deployment web)"]);
    assert_eq!(names(&app), ["web-7d9f8c6b5-abcde", "web-7d9f8c6b5-fghij"]);
    let Some(View::Table(t)) = app.top() else {
        panic!()
    };
    assert_eq!(t.spec.key.labels.as_deref(), Some("app=web"));
    press(&mut app, "enter");
    let Some(View::Containers(c)) = app.top() else {
        panic!("containers expected")
    };
    assert_eq!(c.rows.len(), 1);
    assert_eq!(c.rows[0].name, "nginx");
    press(&mut app, "esc esc");
    assert_eq!(crumbs(&app), ["deployments"]);
    press(&mut app, "esc");
    assert_eq!(crumbs(&app), ["deployments"], "the root stays");
    assert_eq!(
        app.desired_watches().len(),
        1,
        "watches of popped views are released"
    );
}

#[test]
fn node_drill_down_uses_a_field_selector() {
    let mut app = fixture::app();
    press(&mut app, ": n o enter");
    fixture::feed(&mut app);
    press(&mut app, "enter");
    fixture::feed(&mut app);
    let Some(View::Table(t)) = app.top() else {
        panic!()
    };
    assert_eq!(
        t.spec.key.fields.as_deref(),
        Some("spec.nodeName=ip-10-0-1-10.eu-west-1.compute.internal")
    );
    assert_eq!(t.spec.key.namespace, None);
    assert_eq!(
        names(&app),
        ["coredns-5b9d6c7f4-x2x2x", "web-7d9f8c6b5-abcde"]
    );
}

#[test]
fn describe_yaml_and_search() {
    let mut app = fixture::app();
    press(&mut app, "d");
    fixture::feed(&mut app);
    let Some(View::Text(t)) = app.top() else {
        panic!("describe expected")
    };
    assert!(
        t.lines.iter().any(|l| l.contains("CrashLoopBackOff")),
        "{:?}",
        t.lines
    );
    assert!(
        t.lines
            .iter()
            .any(|l| l.contains("BackOff") && l.contains("Back-off restarting"))
    );
    assert_eq!(app.desired_watches().len(), 2, "pods and events");
    press(&mut app, "/");
    type_text(&mut app, "postgres");
    press(&mut app, "enter");
    let Some(View::Text(t)) = app.top() else {
        panic!()
    };
    assert!(t.matches.len() >= 2);
    let first = t.current_match;
    press(&mut app, "n");
    let Some(View::Text(t)) = app.top() else {
        panic!()
    };
    assert_eq!(t.current_match, first + 1);
    press(&mut app, "esc y");
    let Some(View::Text(t)) = app.top() else {
        panic!("yaml expected")
    };
    assert!(t.lines.iter().any(|l| l.trim() == "name: orders-db-0"));
}

#[test]
fn logs_stream_and_stop() {
    let mut app = fixture::app();
    app.take_requests();
    press(&mut app, "l");
    let reqs = app.take_requests();
    let Some(Request::StartLogs(req)) = reqs.first() else {
        panic!("{reqs:?}")
    };
    assert_eq!(
        (req.pod.as_str(), req.container.as_str(), req.previous),
        ("orders-db-0", "postgres", false)
    );
    let id = req.id;
    app.dispatch(Msg::Source(SourceEvent::LogLines {
        id,
        lines: vec![
            "2025-01-10T11:58:00Z FATAL: boom".into(),
            "2025-01-10T11:58:01Z LOG: retry".into(),
        ],
    }));
    let Some(View::Logs(l)) = app.top() else {
        panic!()
    };
    assert_eq!(
        l.visible().collect::<Vec<_>>(),
        ["FATAL: boom", "LOG: retry"]
    );
    press(&mut app, "t / ctrl-u");
    type_text(&mut app, "fatal");
    press(&mut app, "enter");
    let Some(View::Logs(l)) = app.top() else {
        panic!()
    };
    assert_eq!(
        l.visible().collect::<Vec<_>>(),
        ["2025-01-10T11:58:00Z FATAL: boom"]
    );
    press(&mut app, "p");
    let reqs = app.take_requests();
    assert!(
        matches!(&reqs[..], [Request::StopLogs(old), Request::StartLogs(r)] if *old == id && r.previous)
    );
    press(&mut app, "esc");
    assert!(matches!(&app.take_requests()[..], [Request::StopLogs(_)]));
}

#[test]
fn delete_asks_for_confirmation_naming_the_object() {
    let mut app = fixture::app();
    app.take_requests();
    press(&mut app, "j ctrl-d");
    let d = app.dialog.as_ref().expect("dialog");
    assert_eq!(d.message, "Delete pod shop/web-7d9f8c6b5-abcde?");
    assert_eq!(app.focused_context(), Context::Dialog);
    press(&mut app, "n");
    assert!(app.dialog.is_none());
    assert!(app.take_requests().is_empty());
    press(&mut app, "ctrl-d y");
    let reqs = app.take_requests();
    assert!(
        matches!(&reqs[..], [Request::Delete(t)] if t.name == "web-7d9f8c6b5-abcde"),
        "{reqs:?}"
    );
}

#[test]
fn scale_and_restart_build_patches() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "deploy");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    app.take_requests();
    press(&mut app, "s ctrl-u");
    type_text(&mut app, "5");
    press(&mut app, "enter");
    assert_eq!(
        app.dialog.as_ref().unwrap().message,
        "Scale deployment shop/web from 2 to 5 replicas?"
    );
    press(&mut app, "y");
    let reqs = app.take_requests();
    let [Request::Patch { patch, .. }] = &reqs[..] else {
        panic!("{reqs:?}")
    };
    assert_eq!(patch["spec"]["replicas"], 5);
    press(&mut app, "r y");
    let reqs = app.take_requests();
    let [Request::Patch { patch, .. }] = &reqs[..] else {
        panic!("{reqs:?}")
    };
    assert!(
        patch["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .is_string()
    );
}

#[test]
fn readonly_refuses_mutations_and_says_so() {
    let config = Config::load(
        None,
        &Overrides {
            readonly: true,
            ..Default::default()
        },
        false,
    );
    let mut app = fixture::app_with(config);
    for key in ["ctrl-d", "r", "s"] {
        app.flash = None;
        press(&mut app, key);
        assert!(app.dialog.is_none() && app.prompt.is_none(), "{key}");
        let flash = app.flash.as_ref().expect("flash");
        assert!(flash.text.starts_with("read-only mode"), "{}", flash.text);
    }
    assert!(
        app.take_requests()
            .iter()
            .all(|r| matches!(r, Request::StopLogs(_)))
    );
}

#[test]
fn watch_failure_keeps_rows_and_marks_stale() {
    let mut app = fixture::app();
    let key = app.desired_watches()[0].key.clone();
    app.dispatch(Msg::Source(SourceEvent::WatchFailed {
        key: key.clone(),
        error: "connection refused".into(),
    }));
    assert_eq!(names(&app).len(), 3);
    assert!(
        matches!(app.top_status(), Some(WatchStatus::Stale { error, .. }) if error == "connection refused")
    );
    app.dispatch(Msg::Source(SourceEvent::WatchReady(key)));
    assert_eq!(app.top_status(), Some(&WatchStatus::Ready));
}

/// Issue 22 defect 3: a watch that resumes from its resourceVersion (no relist, so no
/// `WatchReady`) must not stay "stale" while its rows update.
#[test]
fn stale_clears_when_a_watch_resumes_without_relist() {
    let mut app = fixture::app();
    let key = app.desired_watches()[0].key.clone();
    let fail = |app: &mut App| {
        app.dispatch(Msg::Source(SourceEvent::WatchFailed {
            key: key.clone(),
            error: "connection reset".into(),
        }))
    };
    fail(&mut app);
    app.dispatch(Msg::Source(SourceEvent::WatchChanged(key.clone())));
    assert_eq!(
        app.top_status(),
        Some(&WatchStatus::Ready),
        "changes prove the watch works"
    );
    fail(&mut app);
    app.dispatch(Msg::Source(SourceEvent::WatchResumed(key.clone())));
    assert_eq!(
        app.top_status(),
        Some(&WatchStatus::Ready),
        "a quiet kind resumes too"
    );
}

#[test]
fn unreachable_connection_is_state() {
    let mut app = fixture::app();
    let retry_at = fixture::now()
        .checked_add(jiff::SignedDuration::from_secs(4))
        .unwrap();
    app.dispatch(Msg::Source(SourceEvent::Connection(
        ConnState::Unreachable {
            error: "connection refused".into(),
            retry_at,
        },
    )));
    assert!(matches!(app.conn, ConnState::Unreachable { .. }));
}

#[test]
fn help_toggles_and_lists_bindings_of_the_view() {
    let mut app = fixture::app();
    press(&mut app, "?");
    let Some(View::Help(h)) = app.top() else {
        panic!()
    };
    assert_eq!(h.context, Context::Table);
    let lines = app.help_lines(Context::Table);
    assert!(lines.iter().any(|l| matches!(l, HelpLine::Binding { keys, action, .. } if keys == "ctrl-d" && action == "delete")));
    press(&mut app, "?");
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn context_and_namespace_switching() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "ns kube-system");
    press(&mut app, "enter");
    assert_eq!(app.namespace.as_deref(), Some("kube-system"));
    fixture::feed(&mut app);
    assert_eq!(names(&app), ["coredns-5b9d6c7f4-x2x2x"]);
    app.take_requests();
    press(&mut app, ":");
    type_text(&mut app, "ctx prod-eu");
    press(&mut app, "enter");
    assert_eq!(
        app.take_requests(),
        vec![Request::SwitchContext("prod-eu".into())]
    );
    press(&mut app, ":");
    type_text(&mut app, "ctx nope");
    press(&mut app, "enter");
    assert!(app.flash.as_ref().unwrap().text.contains("unknown context"));
}

#[test]
fn config_problems_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keymap.toml"),
        "[table]\nfrob = { keys = [\"x\"] }\n",
    )
    .unwrap();
    let config = Config::load(Some(dir.path()), &Overrides::default(), false);
    let app = App::new(config, Options::default(), fixture::now());
    let flash = app.flash.as_ref().expect("flash");
    assert!(
        flash
            .text
            .contains("keymap.toml:2: key `table.frob`: unknown action"),
        "{}",
        flash.text
    );
    assert!(
        app.help_lines(Context::Table)
            .iter()
            .any(|l| matches!(l, HelpLine::Problem(_)))
    );
}

#[test]
fn a_batch_of_watch_changes_refreshes_the_views_once_flushed() {
    use kube::runtime::reflector::store::Writer;
    use kube::runtime::watcher;

    let mut app = fixture::app();
    let spec = app
        .desired_watches()
        .into_iter()
        .find(|s| s.key.plural == "pods")
        .expect("the pods table's watch");
    // A store this test writes to, in place of the fixture's.
    let mut writer: Writer<Obj> = Writer::new(spec.kind.api_resource());
    let pod = |name: &str| {
        Obj::from_json(serde_json::json!({
            "metadata": {"name": name, "namespace": "shop", "uid": name}
        }))
        .expect("a pod")
    };
    writer.apply_watcher_event(&watcher::Event::Apply(pod("a-1")));
    fixture::start(&mut app, &spec.key, writer.as_reader());
    assert_eq!(names(&app), ["a-1"]);

    writer.apply_watcher_event(&watcher::Event::Apply(pod("b-2")));
    app.dispatch_deferred(Msg::Source(SourceEvent::WatchChanged(spec.key.clone())));
    writer.apply_watcher_event(&watcher::Event::Apply(pod("c-3")));
    app.dispatch_deferred(Msg::Source(SourceEvent::WatchChanged(spec.key.clone())));
    assert_eq!(names(&app), ["a-1"], "deferred: not refreshed per event");
    app.flush_changes();
    assert_eq!(names(&app), ["a-1", "b-2", "c-3"]);

    // dispatch() refreshes at once, as before.
    writer.apply_watcher_event(&watcher::Event::Delete(pod("a-1")));
    app.dispatch(Msg::Source(SourceEvent::WatchChanged(spec.key.clone())));
    assert_eq!(names(&app), ["b-2", "c-3"]);
}

#[test]
fn a_secret_value_is_revealed_only_for_an_explicit_key_after_a_confirmation() {
    use base64::Engine;
    let key_text = "AGE-SECRET-KEY-1PLANTEDINTHECONSOLETEST";
    let b64 = base64::engine::general_purpose::STANDARD.encode(key_text);
    let secret: crate::model::object::Obj = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "age-key", "namespace": "shop", "resourceVersion": "7"},
        "type": "Opaque", "data": {"key.txt": b64, "other": "eA=="}}))
    .expect("secret");
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "secrets");
    press(&mut app, "enter");
    let spec = app
        .desired_watches()
        .into_iter()
        .find(|s| s.key.plural == "secrets")
        .expect("secrets watch");
    fixture::fill(&mut app, &spec, std::slice::from_ref(&secret));
    assert_eq!(names(&app), ["age-key"]);
    app.take_requests();
    press(&mut app, "y");
    let reqs = app.take_requests();
    let Some(Request::Fetch(target)) = reqs.into_iter().find(|r| matches!(r, Request::Fetch(_)))
    else {
        panic!("no fetch")
    };
    app.dispatch(Msg::Source(SourceEvent::Fetched {
        target,
        object: Ok(std::sync::Arc::new(secret.clone())),
    }));
    let text = |app: &App| match app.top() {
        Some(View::Text(t)) => t.lines.join("\n"),
        _ => panic!("not a text view"),
    };
    let shown = text(&app);
    assert!(
        !shown.contains(key_text) && !shown.contains(&b64),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("<hidden: {} bytes>", key_text.len())),
        "{shown}"
    );
    // `x` asks which key; a wrong key is refused; the right one asks for a confirmation.
    press(&mut app, "x");
    let p = app.prompt.as_ref().expect("prompt");
    assert!(p.label().contains("key.txt, other"), "{}", p.label());
    type_text(&mut app, "nope");
    press(&mut app, "enter");
    assert!(app.prompt.as_ref().and_then(|p| p.error.clone()).is_some());
    press(&mut app, "ctrl-u");
    type_text(&mut app, "key.txt");
    press(&mut app, "enter");
    let d = app.dialog.as_ref().expect("confirmation");
    assert!(
        d.message.contains("key.txt") && d.message.contains("shop/age-key"),
        "{}",
        d.message
    );
    press(&mut app, "n");
    assert!(!text(&app).contains(key_text), "declined: still hidden");
    press(&mut app, "x");
    press(&mut app, "ctrl-u");
    type_text(&mut app, "key.txt");
    press(&mut app, "enter y");
    assert!(
        app.take_requests()
            .iter()
            .all(|r| !matches!(r, Request::RevealSecret(_)))
    );
    let shown = text(&app);
    assert!(shown.contains(key_text), "{shown}");
    assert!(
        shown.contains("<hidden: 1 bytes>"),
        "the other key stays hidden: {shown}"
    );
}
