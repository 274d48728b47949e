//! Snapshots of the main views at 120×30 from the fixture state (no network).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::fixture;
use crate::app::{App, Msg};
use crate::model::ConnState;
use crate::sources::{Request, SourceEvent};

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
    t.draw(|f| super::render(app, f)).unwrap();
    t
}

fn keys(app: &mut App, keys: &str) {
    for c in keys.chars() {
        app.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    app.on_key(&KeyEvent::new(code, mods));
}

pub(crate) mod sizes;

#[test]
fn pods_table() {
    let mut app = fixture::app();
    keys(&mut app, "j");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn pods_filtered() {
    let mut app = fixture::app();
    keys(&mut app, "/web");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn command_completion() {
    let mut app = fixture::app();
    keys(&mut app, ":dep");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn crd_printer_columns() {
    let mut app = fixture::app();
    // `:cnpg` is the CloudNativePG pane; the plain table stays reachable by its full name.
    keys(&mut app, ":clusters.postgresql.cnpg.io");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    fixture::feed(&mut app);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn describe_pod() {
    let mut app = fixture::app();
    keys(&mut app, "d");
    fixture::feed(&mut app);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn yaml_pod() {
    let mut app = fixture::app();
    keys(&mut app, "jy");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn containers_of_a_pod() {
    let mut app = fixture::app();
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn logs_filtered() {
    let mut app = fixture::app();
    keys(&mut app, "l");
    let id = app
        .take_requests()
        .into_iter()
        .find_map(|r| match r {
            Request::StartLogs(l) => Some(l.id),
            _ => None,
        })
        .unwrap();
    let lines = fixture::recording()
        .logs
        .into_iter()
        .flat_map(|l| l.lines)
        .collect();
    app.dispatch(Msg::Source(SourceEvent::LogLines { id, lines }));
    keys(&mut app, "/fatal");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn logs_say_how_many_lines_the_full_buffer_dropped() {
    let mut app = fixture::app();
    keys(&mut app, "l");
    let id = app
        .take_requests()
        .into_iter()
        .find_map(|r| match r {
            Request::StartLogs(l) => Some(l.id),
            _ => None,
        })
        .unwrap();
    if let Some(crate::app::view::View::Logs(l)) = app.stack.last_mut() {
        l.cap = 3;
    }
    let lines = (0..5).map(|i| format!("line {i}")).collect();
    app.dispatch(Msg::Source(SourceEvent::LogLines { id, lines }));
    let text = format!("{:?}", draw(&app).backend());
    assert!(text.contains("[2 lines dropped: buffer full]"), "{text}");
    assert!(
        !text.contains("line 1") && text.contains("line 4"),
        "{text}"
    );
}

#[test]
fn help() {
    let mut app = fixture::app();
    keys(&mut app, "?");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn confirm_delete() {
    let mut app = fixture::app();
    keys(&mut app, "j");
    key(&mut app, KeyCode::Char('d'), KeyModifiers::CONTROL);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn header_unreachable_and_stale_table() {
    let mut app = fixture::app();
    let retry_at = fixture::now()
        .checked_add(jiff::SignedDuration::from_secs(4))
        .unwrap();
    app.dispatch(Msg::Source(SourceEvent::Connection(
        ConnState::Unreachable {
            error: "tcp connect error: Connection refused (os error 111)".into(),
            retry_at,
        },
    )));
    let key = app.desired_watches()[0].key.clone();
    app.dispatch(Msg::Source(SourceEvent::WatchFailed {
        key,
        error: "watch stream failed".into(),
    }));
    app.dispatch(Msg::Tick(
        fixture::now()
            .checked_add(jiff::SignedDuration::from_secs(2))
            .unwrap(),
    ));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn connecting_before_any_data() {
    let app = App::new(
        crate::config::Config::default(),
        crate::app::Options::default(),
        fixture::now(),
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn unreachable_api_server_before_any_data_says_so_in_the_table() {
    let mut app = App::new(
        crate::config::Config::default(),
        crate::app::Options::default(),
        fixture::now(),
    );
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(120, 35)));
    let retry_at = fixture::now()
        .checked_add(jiff::SignedDuration::from_secs(8))
        .unwrap();
    app.dispatch(Msg::Source(SourceEvent::Connection(
        ConnState::Unreachable {
            error: "tcp connect error: Connection refused (os error 111) while talking to https://kubernetes.example.com:6443"
                .into(),
            retry_at,
        },
    )));
    let mut t = Terminal::new(TestBackend::new(120, 35)).unwrap();
    t.draw(|f| super::render(&app, f)).unwrap();
    let text = t.backend().to_string();
    assert!(text.contains("cannot reach the API server"), "{text}");
    assert!(text.contains("retrying in 8s"), "{text}");
    // The borders are whole: every body line starts and ends with one.
    for line in text.lines().skip(4).take(28) {
        let line = line.trim_matches('"');
        assert!(
            line.starts_with('│') && line.ends_with('│'),
            "border overwritten: {line}"
        );
    }
    insta::assert_snapshot!(text);
}
