//! Snapshots of the CNPG pane from recording objects (no network): the healthy cluster of
//! the `platform` recording, the `cnpg-failover` cluster mid-failover, and its failover
//! timeline filled in.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::App;
use crate::app::cnpg::fixture::{self, World};
use crate::config::Config;

const W: u16 = 120;
const H: u16 = 36;

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
    t.draw(|f| crate::ui::render(app, f)).unwrap();
    t
}

fn command(app: &mut App, text: &str) {
    app.on_key(&KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE));
    for c in text.chars() {
        app.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(&KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

fn app_at(world: &mut World, offset: Duration, command_text: &str) -> App {
    let mut app = fixture::app(world, Config::default(), (W, H));
    command(&mut app, command_text);
    fixture::play_to(&mut app, world, offset);
    fixture::feed(&mut app, world);
    app
}

#[test]
fn platform_healthy_cluster_detail() {
    let mut w = World::new("platform");
    let app = app_at(&mut w, Duration::ZERO, "cnpg keycloak/keycloak-db");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn platform_cluster_list() {
    let mut w = World::new("platform");
    let app = app_at(&mut w, Duration::ZERO, "cnpg");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn failover_starting_list() {
    let mut w = World::new("cnpg-failover");
    let app = app_at(&mut w, Duration::from_secs(9), "cnpg");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn failover_starting_detail() {
    let mut w = World::new("cnpg-failover");
    let app = app_at(&mut w, Duration::from_secs(9), "cnpg keycloak/keycloak-db");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn failover_timeline_filled_in() {
    let mut w = World::new("cnpg-failover");
    let app = app_at(&mut w, Duration::from_secs(26), "cnpg keycloak/keycloak-db");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn promote_confirmation() {
    let mut w = World::new("cnpg-failover");
    let mut app = app_at(&mut w, Duration::ZERO, "cnpg keycloak/keycloak-db");
    for c in ['j', 'j', 'P'] {
        app.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn cnpg_detail_at_three_sizes() {
    let text = crate::ui::tests::sizes::SIZES
        .iter()
        .map(|&(w, h)| {
            let mut world = World::new("platform");
            let mut app = fixture::app(&world, Config::default(), (w, h));
            command(&mut app, "cnpg keycloak/keycloak-db");
            fixture::play_to(&mut app, &mut world, Duration::ZERO);
            fixture::feed(&mut app, &world);
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| crate::ui::render(&app, f)).unwrap();
            format!("{w}×{h}\n{}", t.backend())
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(text);
}

#[test]
fn a_list_refused_before_its_first_answer_says_why_instead_of_loading() {
    use crate::app::{Msg, Options};
    use crate::model::ConnState;
    use crate::sources::SourceEvent;
    let w = World::new("platform");
    let mut app = App::new(Config::default(), Options::default(), w.start());
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(W, H)));
    app.dispatch(Msg::Source(SourceEvent::Cluster(fixture::cluster_info())));
    app.dispatch(Msg::Source(SourceEvent::Connection(ConnState::Connected)));
    app.dispatch(Msg::Source(SourceEvent::Discovered(fixture::catalog())));
    command(&mut app, "cnpg");
    let spec = app
        .desired_watches()
        .into_iter()
        .find(|s| s.key.plural == "clusters")
        .expect("the clusters watch");
    let key = spec.key.clone();
    // Started (its store empty, no first list yet), then refused.
    let writer: kube::runtime::reflector::store::Writer<crate::model::object::Obj> =
        kube::runtime::reflector::store::Writer::new(spec.kind.api_resource());
    app.dispatch(Msg::Source(SourceEvent::WatchStarted {
        key: key.clone(),
        store: writer.as_reader(),
    }));
    let denied =
        "forbidden: user viewer cannot list clusters.postgresql.cnpg.io at the cluster scope";
    app.dispatch(Msg::Source(SourceEvent::WatchFailed {
        key,
        error: denied.into(),
    }));
    let screen = format!("{:?}", draw(&app).backend());
    assert!(screen.contains(denied), "{screen}");
    assert!(!screen.contains("loading"), "{screen}");
}
