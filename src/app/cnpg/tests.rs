//! `update()` transitions of the CNPG pane, driven through the keymap, from recording
//! objects without a server.

use std::time::Duration;

use crate::app::tests::{crumbs, press, type_text};
use jiff::Timestamp;

use super::fixture::{self, World};
use super::*;
use crate::app::command::{self, Command};
use crate::app::view::TextMode;
use crate::app::{Msg, Options};
use crate::config::{Config, Overrides};
use crate::domain::cnpg::{InstanceRole, Transition, phase};
use crate::sources::{Request, SourceEvent};

fn command(app: &mut App, text: &str) {
    press(app, ":");
    type_text(app, text);
    press(app, "enter");
}

fn failover() -> World {
    World::new("cnpg-failover")
}

fn healthy_app() -> (World, App) {
    let w = failover();
    let app = fixture::app(&w, Config::default(), (120, 36));
    (w, app)
}

fn list(app: &App) -> &CnpgListView {
    match app.top() {
        Some(View::Cnpg(l)) => l,
        other => panic!("top is not the cnpg list: {:?}", other.map(View::crumb)),
    }
}

fn detail(app: &App) -> &CnpgDetailView {
    match app.top() {
        Some(View::CnpgDetail(d)) => d,
        other => panic!("top is not a cnpg detail: {:?}", other.map(View::crumb)),
    }
}

const KEY: (&str, &str) = ("keycloak", "keycloak-db");

fn key() -> ClusterKey {
    (KEY.0.to_string(), KEY.1.to_string())
}

fn transitions(app: &App) -> Vec<Transition> {
    app.cnpg
        .timeline(&key())
        .map(|t| t.entries().map(|e| e.transition.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn cnpg_parses_as_the_pane_and_the_full_name_as_the_table() {
    let c = fixture::catalog();
    assert_eq!(command::parse("cnpg", &c), Ok(Command::Cnpg(None)));
    assert_eq!(
        command::parse("cnpg keycloak/keycloak-db", &c),
        Ok(Command::Cnpg(Some("keycloak/keycloak-db".into())))
    );
    assert_eq!(
        command::parse("clusters.postgresql.cnpg.io", &c),
        Ok(Command::Kind {
            name: "clusters.postgresql.cnpg.io".into(),
            namespace: None,
            labels: None,
        })
    );
}

#[test]
fn opening_the_pane_builds_the_list_from_the_watches() {
    let (w, mut app) = healthy_app();
    command(&mut app, "cnpg");
    assert_eq!(crumbs(&app), ["cnpg"]);
    assert_eq!(app.focused_context(), crate::model::action::Context::Cnpg);
    // The pane watches Clusters and their pods everywhere, and Nodes.
    let keys: Vec<(String, Option<String>, Option<String>)> = app
        .desired_watches()
        .into_iter()
        .map(|s| (s.key.plural, s.key.namespace, s.key.labels))
        .collect();
    assert_eq!(
        keys,
        [
            ("clusters".into(), None, None),
            ("pods".into(), None, Some("cnpg.io/cluster".into())),
            ("nodes".into(), None, None),
        ]
    );
    fixture::feed(&mut app, &w);
    let l = list(&app);
    assert_eq!(l.rows.len(), 1);
    let s = &l.rows[0].summary;
    assert_eq!((s.namespace.as_str(), s.name.as_str()), KEY);
    assert_eq!(s.phase, phase::HEALTHY);
    assert_eq!(s.instances_text(), "3/3");
    assert_eq!(s.primary_text(), "keycloak-db-1");
    assert_eq!(s.timeline_id, Some(1));
    assert!(l.rows[0].warnings.is_empty(), "{:?}", l.rows[0].warnings);

    // The plain table stays reachable by its full name.
    command(&mut app, "clusters.postgresql.cnpg.io");
    assert!(matches!(app.top(), Some(View::Table(_))));
    assert_eq!(crumbs(&app), ["clusters"]);
}

#[test]
fn the_pane_needs_cloudnativepg() {
    let w = failover();
    let mut app = App::new(Config::default(), Options::default(), w.start());
    app.dispatch(Msg::Source(SourceEvent::Cluster(fixture::cluster_info())));
    command(&mut app, "cnpg");
    assert_eq!(crumbs(&app), ["pods"], "nothing opens before discovery");
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some(strings::WAITING_FOR_DISCOVERY)
    );
    app.dispatch(Msg::Source(SourceEvent::Discovered(
        crate::model::Catalog::new(
            crate::model::Catalog::builtin()
                .kinds()
                .iter()
                .map(|k| (**k).clone())
                .collect(),
        ),
    )));
    command(&mut app, "cnpg");
    assert_eq!(crumbs(&app), ["pods"]);
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some(strings::NOT_INSTALLED)
    );
    assert!(app.all_watches().len() == app.desired_watches().len());
}

#[test]
fn enter_opens_the_detail_of_the_selected_cluster() {
    let (w, mut app) = healthy_app();
    command(&mut app, "cnpg");
    fixture::feed(&mut app, &w);
    press(&mut app, "enter");
    fixture::feed(&mut app, &w);
    assert_eq!(crumbs(&app), ["cnpg", "cnpg keycloak-db"]);
    let watched: Vec<(String, Option<String>)> = app
        .desired_watches()
        .into_iter()
        .map(|s| (s.key.plural, s.key.namespace))
        .collect();
    for want in ["services", "poddisruptionbudgets", "events"] {
        assert!(
            watched.contains(&(want.to_string(), Some("keycloak".to_string()))),
            "{want} of the namespace: {watched:?}"
        );
    }
    let d = detail(&app).detail.clone().expect("detail");
    type Row<'a> = (
        &'a str,
        InstanceRole,
        bool,
        Option<&'a str>,
        Option<&'a str>,
    );
    let rows: Vec<Row> = d
        .instances
        .iter()
        .map(|i| {
            (
                i.pod.as_str(),
                i.role,
                i.ready,
                i.zone.as_deref(),
                i.pool.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "keycloak-db-1",
                InstanceRole::Primary,
                true,
                Some("eu-west-1a"),
                Some("database")
            ),
            (
                "keycloak-db-2",
                InstanceRole::Replica,
                true,
                Some("eu-west-1b"),
                Some("database")
            ),
            (
                "keycloak-db-3",
                InstanceRole::Replica,
                true,
                Some("eu-west-1c"),
                Some("database")
            ),
        ]
    );
    assert!(d.instances.iter().all(|i| i.lag_text() == "unknown"));
    assert!(d.services.iter().all(|s| s.exists), "{:?}", d.services);
    assert_eq!(d.pdbs.len(), 2);
    assert!(!d.conditions.is_empty());
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    // Back to the list.
    press(&mut app, "esc");
    assert_eq!(crumbs(&app), ["cnpg"]);
}

#[test]
fn startup_command_opens_the_detail_once_discovery_answers() {
    let w = failover();
    let mut app = App::new(Config::default(), Options::default(), w.start());
    app.set_startup_command(":cnpg keycloak/keycloak-db");
    app.dispatch(Msg::Source(SourceEvent::Cluster(fixture::cluster_info())));
    assert_eq!(crumbs(&app), ["pods"]);
    app.dispatch(Msg::Source(SourceEvent::Discovered(fixture::catalog())));
    assert_eq!(crumbs(&app), ["cnpg", "cnpg keycloak-db"]);
    fixture::feed(&mut app, &w);
    assert!(detail(&app).detail.is_some());
    // Only once: a later discovery (e.g. after a reconnect) does not reopen it.
    press(&mut app, "esc");
    app.dispatch(Msg::Source(SourceEvent::Discovered(fixture::catalog())));
    assert_eq!(crumbs(&app), ["cnpg"]);
}

#[test]
fn instance_enter_describes_the_pod_and_l_streams_its_logs() {
    let (w, mut app) = healthy_app();
    command(&mut app, "cnpg keycloak/keycloak-db");
    fixture::feed(&mut app, &w);
    press(&mut app, "j");
    assert_eq!(
        detail(&app).selected().map(|r| r.pod.as_str()),
        Some("keycloak-db-2")
    );
    press(&mut app, "enter");
    fixture::feed(&mut app, &w);
    match app.top() {
        Some(View::Text(t)) => {
            assert_eq!(t.mode, TextMode::Describe);
            assert_eq!(t.source.name, "keycloak-db-2");
            assert!(t.lines.iter().any(|l| l.contains("keycloak-db-2")));
        }
        other => panic!("describe expected: {:?}", other.map(View::crumb)),
    }
    press(&mut app, "esc");
    app.take_requests();
    press(&mut app, "l");
    let logs: Vec<_> = app
        .take_requests()
        .into_iter()
        .filter_map(|r| match r {
            Request::StartLogs(l) => Some((l.namespace, l.pod, l.container, l.previous)),
            _ => None,
        })
        .collect();
    assert_eq!(
        logs,
        [(
            "keycloak".to_string(),
            "keycloak-db-2".to_string(),
            "postgres".to_string(),
            false
        )]
    );
    press(&mut app, "esc");
    // `d` and `y` show the Cluster itself.
    press(&mut app, "y");
    match app.top() {
        Some(View::Text(t)) => {
            assert_eq!(t.mode, TextMode::Yaml);
            assert_eq!(t.source.name, "keycloak-db");
            assert_eq!(t.source.spec.key.plural, "clusters");
        }
        other => panic!("yaml expected: {:?}", other.map(View::crumb)),
    }
}

#[test]
fn timelines_start_before_the_pane_opens() {
    let w = failover();
    let app = fixture::app(&w, Config::default(), (120, 36));
    assert_eq!(crumbs(&app), ["pods"]);
    let background: Vec<String> = app
        .all_watches()
        .into_iter()
        .filter(|s| !app.desired_watches().iter().any(|d| d.key == s.key))
        .map(|s| s.key.plural)
        .collect();
    assert_eq!(background, ["clusters", "pods"]);
    assert_eq!(
        transitions(&app),
        [Transition::Observed {
            phase: phase::HEALTHY.into(),
            primary: "keycloak-db-1".into(),
            timeline: Some(1),
        }]
    );
}

#[test]
fn the_timeline_follows_each_observed_change() {
    let mut w = failover();
    let mut app = fixture::app(&w, Config::default(), (120, 36));
    command(&mut app, "cnpg keycloak/keycloak-db");
    fixture::play_to(&mut app, &mut w, Duration::from_secs(9));
    // Mid-failover: targetPrimary pending.
    let d = detail(&app).detail.clone().expect("detail");
    assert_eq!(d.summary.phase, phase::FAILING_OVER);
    assert_eq!(
        d.summary.primary_text(),
        "keycloak-db-1 (failover starting)"
    );
    assert_eq!(
        transitions(&app).last(),
        Some(&Transition::FailoverStarting)
    );
    fixture::play_to(&mut app, &mut w, Duration::from_secs(30));
    let entries: Vec<(Timestamp, Transition)> = app
        .cnpg
        .timeline(&key())
        .expect("timeline")
        .entries()
        .map(|e| (e.at, e.transition.clone()))
        .collect();
    let at = |ms: u64| w.at(Duration::from_millis(ms));
    assert_eq!(
        entries,
        [
            (
                at(0),
                Transition::Observed {
                    phase: phase::HEALTHY.into(),
                    primary: "keycloak-db-1".into(),
                    timeline: Some(1),
                }
            ),
            (
                at(2000),
                Transition::PrimaryFailing {
                    pod: "keycloak-db-1".into()
                }
            ),
            (
                at(8000),
                Transition::Phase {
                    phase: phase::FAILING_OVER.into(),
                    reason: "Initiating a failover from keycloak-db-1".into(),
                }
            ),
            (at(8500), Transition::FailoverStarting),
            (
                at(10000),
                Transition::FailoverTarget {
                    from: Some("keycloak-db-1".into()),
                    to: "keycloak-db-2".into(),
                }
            ),
            (
                at(12000),
                Transition::Promoted {
                    pod: "keycloak-db-2".into(),
                    timeline: Some((1, 2)),
                }
            ),
            (
                at(13000),
                Transition::Phase {
                    phase: phase::WAITING_FOR_INSTANCES.into(),
                    reason: "Some instances are not yet active. Please wait.".into(),
                }
            ),
            (
                at(21000),
                Transition::Rejoined {
                    pod: "keycloak-db-1".into()
                }
            ),
            (
                at(24000),
                Transition::Phase {
                    phase: phase::HEALTHY.into(),
                    reason: String::new(),
                }
            ),
        ]
    );
    let d = detail(&app).detail.clone().expect("detail");
    assert_eq!(d.summary.primary_text(), "keycloak-db-2");
    assert_eq!(d.summary.timeline_id, Some(2));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn a_long_failover_warns_on_the_tick() {
    let mut w = failover();
    let mut app = fixture::app(&w, Config::default(), (120, 36));
    command(&mut app, "cnpg keycloak/keycloak-db");
    fixture::play_to(&mut app, &mut w, Duration::from_secs(9));
    let long = |app: &App| {
        detail(app)
            .detail
            .as_ref()
            .unwrap()
            .warnings
            .iter()
            .any(|w| w.message().starts_with("failover running for"))
    };
    assert!(!long(&app));
    // Nothing changes for two minutes: the tick alone recomputes the warning.
    app.dispatch(Msg::Tick(w.at(Duration::from_secs(130))));
    assert!(long(&app), "{:?}", detail(&app).detail);
    let l = match app.stack.first() {
        Some(View::Cnpg(l)) => l,
        _ => panic!("list under the detail"),
    };
    assert!(!l.rows[0].warnings.is_empty());
}

fn select(app: &mut App, pod: &str) {
    for _ in 0..5 {
        if detail(app).selected().map(|r| r.pod.as_str()) == Some(pod) {
            return;
        }
        press(app, "j");
    }
    panic!("instance {pod} not found");
}

#[test]
fn promote_confirms_then_patches_the_status_subresource() {
    let (w, mut app) = healthy_app();
    command(&mut app, "cnpg keycloak/keycloak-db");
    fixture::feed(&mut app, &w);
    select(&mut app, "keycloak-db-3");
    press(&mut app, "P");
    let dialog = app.dialog.clone().expect("a confirmation");
    assert_eq!(dialog.title, "Promote");
    assert!(
        dialog.message.contains("keycloak-db-3"),
        "{}",
        dialog.message
    );
    assert!(
        dialog.message.contains("keycloak/keycloak-db"),
        "{}",
        dialog.message
    );
    assert!(
        app.take_requests().is_empty(),
        "nothing sent before confirming"
    );
    // A promote needs the instance's name typed: `y` or Enter alone send nothing.
    press(&mut app, "y enter");
    assert!(app.take_requests().is_empty(), "confirmed without the name");
    press(&mut app, "backspace");
    type_text(&mut app, "keycloak-db-3");
    press(&mut app, "enter");
    let reqs = app.take_requests();
    let [
        Request::PatchStatus {
            target,
            patch,
            what,
        },
    ] = reqs.as_slice()
    else {
        panic!("one status patch expected: {reqs:?}");
    };
    assert_eq!(target.kind.plural, "clusters");
    assert_eq!(target.kind.group, "postgresql.cnpg.io");
    assert_eq!(target.namespace.as_deref(), Some("keycloak"));
    assert_eq!(target.name, "keycloak-db");
    assert_eq!(what, "promote keycloak-db-3 (cluster keycloak/keycloak-db)");
    let cluster = w.get("Cluster", "keycloak", "keycloak-db").unwrap();
    assert_eq!(
        patch["metadata"],
        serde_json::json!({"resourceVersion": cluster["metadata"]["resourceVersion"]}),
        "only the optimistic lock in metadata"
    );
    assert!(patch.get("spec").is_none());
    assert_eq!(patch["status"]["targetPrimary"], "keycloak-db-3");
    assert_eq!(patch["status"]["phase"], phase::SWITCHOVER);
    assert_eq!(
        patch["status"]["phaseReason"],
        "Switching over to keycloak-db-3"
    );
    assert_eq!(
        patch["status"]["targetPrimaryTimestamp"],
        cnpg::format_rfc3339_micro(app.now)
    );
}

#[test]
fn promote_cancelled_sends_nothing() {
    let (w, mut app) = healthy_app();
    command(&mut app, "cnpg keycloak/keycloak-db");
    fixture::feed(&mut app, &w);
    select(&mut app, "keycloak-db-2");
    press(&mut app, "P");
    assert!(app.dialog.is_some());
    press(&mut app, "esc");
    assert!(app.dialog.is_none());
    assert!(app.take_requests().is_empty());
}

fn flash(app: &App) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

#[test]
fn promote_refusals_are_flashed() {
    let (w, mut app) = healthy_app();
    // From the list: there is no instance to promote.
    command(&mut app, "cnpg");
    fixture::feed(&mut app, &w);
    press(&mut app, "P");
    assert!(app.dialog.is_none());
    assert_eq!(flash(&app), strings::PROMOTE_FROM_DETAIL);
    // The primary itself.
    press(&mut app, "enter");
    fixture::feed(&mut app, &w);
    select(&mut app, "keycloak-db-1");
    press(&mut app, "P");
    assert!(app.dialog.is_none());
    assert_eq!(
        flash(&app),
        "promote refused: keycloak-db-1 is already the primary of keycloak-db"
    );
    assert!(app.take_requests().is_empty());
}

#[test]
fn promote_is_refused_during_a_failover() {
    let mut w = failover();
    let mut app = fixture::app(&w, Config::default(), (120, 36));
    command(&mut app, "cnpg keycloak/keycloak-db");
    fixture::play_to(&mut app, &mut w, Duration::from_secs(9));
    select(&mut app, "keycloak-db-3");
    press(&mut app, "P");
    assert!(app.dialog.is_none());
    let text = flash(&app);
    assert!(
        text.starts_with("promote refused: a failover already in progress on keycloak-db"),
        "{text}"
    );
    assert!(app.take_requests().is_empty());
}

#[test]
fn promote_is_refused_in_readonly_mode() {
    let w = failover();
    let overrides = Overrides {
        readonly: true,
        ..Overrides::default()
    };
    let config = Config::load(None, &overrides, false);
    let mut app = fixture::app(&w, config, (120, 36));
    command(&mut app, "cnpg keycloak/keycloak-db");
    fixture::feed(&mut app, &w);
    select(&mut app, "keycloak-db-3");
    press(&mut app, "P");
    assert!(app.dialog.is_none());
    assert!(
        flash(&app).starts_with("read-only mode: promote is disabled"),
        "{}",
        flash(&app)
    );
    assert!(app.take_requests().is_empty());
}

#[test]
fn selection_follows_the_pod_when_instances_change() {
    let mut w = failover();
    let mut app = fixture::app(&w, Config::default(), (120, 36));
    command(&mut app, "cnpg keycloak/keycloak-db");
    select(&mut app, "keycloak-db-2");
    // keycloak-db-1 is deleted at 4s: the list of instances changes under the cursor.
    fixture::play_to(&mut app, &mut w, Duration::from_secs(5));
    assert_eq!(
        detail(&app).selected().map(|r| r.pod.as_str()),
        Some("keycloak-db-2")
    );
    let d = detail(&app).detail.clone().unwrap();
    let db1 = d
        .instances
        .iter()
        .find(|i| i.pod == "keycloak-db-1")
        .unwrap();
    assert!(!db1.exists);
}
