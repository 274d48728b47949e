//! `update()` transitions of the sync waves pane, driven through the keymap, on state built
//! from the shipped recordings (no network).

use crate::app::tests::{crumbs, press, type_text};
use serde_json::json;

use super::super::view::View;
use super::super::{App, Context, Level, Msg};
use super::fixture;
use super::{WaveRow, WavesView};
use crate::config::{Config, Overrides};
use crate::domain::waves::{AppKey, RolloutState, TrapKind};
use crate::sources::{Request, SourceEvent};

const STALL_LIVE: &str = "wave -5: cert-manager Degraded — Deployment cert-manager-webhook 0/2 available, 2 pods CrashLoopBackOff";

fn waves(app: &App) -> &WavesView {
    match app.top() {
        Some(View::Waves(w)) => w,
        other => panic!("top is not the waves pane: {:?}", other.map(View::crumb)),
    }
}

fn key(name: &str) -> AppKey {
    AppKey::new("argo", name)
}

fn selected(app: &App) -> Option<String> {
    waves(app).selected_app().map(|k| k.name.clone())
}

/// Moves the selection to the app named `name`.
fn select(app: &mut App, name: &str) {
    press(app, "g");
    for _ in 0..20 {
        if selected(app).as_deref() == Some(name) {
            return;
        }
        press(app, "j");
    }
    panic!("{name} not reachable; rows {:?}", waves(app).rows);
}

fn flash(app: &App) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

fn patches(app: &mut App) -> Vec<(String, serde_json::Value, String)> {
    app.take_requests()
        .into_iter()
        .filter_map(|r| match r {
            Request::Patch {
                target,
                patch,
                what,
            } => Some((target.describe(), patch, what)),
            _ => None,
        })
        .collect()
}

#[test]
fn waves_command_opens_the_pane_with_its_watches() {
    let mut app = crate::app::fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "waves");
    press(&mut app, "enter");
    assert!(app.prompt.is_none());
    assert_eq!(app.focused_context(), Context::Waves);
    let keys: Vec<_> = app.desired_watches().into_iter().map(|s| s.key).collect();
    let find = |plural: &str| {
        keys.iter()
            .find(|k| k.plural == plural)
            .unwrap_or_else(|| panic!("no {plural} watch in {keys:?}"))
    };
    let apps = find("applications");
    assert_eq!(
        (apps.api_version.as_str(), apps.namespace.as_deref()),
        ("argoproj.io/v1alpha1", None),
        "Applications of every namespace"
    );
    let cm = find("configmaps");
    assert_eq!(cm.fields.as_deref(), Some("metadata.name=argocd-cm"));
    assert_eq!(cm.namespace, None);
    // `:wave` is an alias, `:apps` stays the flat table.
    press(&mut app, ":");
    type_text(&mut app, "apps");
    press(&mut app, "enter");
    assert!(matches!(app.top(), Some(View::Table(_))));
}

#[test]
fn platform_lanes_lowest_wave_first_under_the_root() {
    let app = fixture::platform();
    let w = waves(&app);
    assert_eq!(w.root, Some(key("platform-root")));
    let lanes: Vec<(i64, Vec<&str>, bool)> = w
        .lanes
        .iter()
        .map(|l| {
            (
                l.wave,
                l.apps.iter().map(|k| k.name.as_str()).collect(),
                l.done,
            )
        })
        .collect();
    assert_eq!(
        lanes,
        [
            (-10, vec!["monitoring"], true),
            (-5, vec!["cert-manager"], true),
            (-2, vec!["traefik"], true),
            (-1, vec!["cnpg-operator"], true),
            (0, vec!["keycloak"], true),
        ]
    );
    assert_eq!(w.rows[0], WaveRow::Parent(key("platform-root")));
    assert_eq!(w.rows[1], WaveRow::Lane(0));
    assert_eq!(
        w.rollout().map(|r| r.state.clone()),
        Some(RolloutState::Done)
    );
    assert!(w.live.is_empty(), "nothing unhealthy: no workload watches");
    assert_eq!(selected(&app).as_deref(), Some("platform-root"));
    assert_eq!(crumbs(&app), ["waves (platform-root)"]);
}

#[test]
fn stuck_rollout_explains_the_stall_with_live_workloads() {
    let app = fixture::stuck();
    let w = waves(&app);
    let rollout = w.rollout().expect("rollout of the root");
    assert_eq!(rollout.lines[0], STALL_LIVE, "{:#?}", rollout.lines);
    assert!(
        rollout
            .lines
            .iter()
            .any(|l| l == "pending: wave -2 (traefik), wave -1 (cnpg-operator), wave 0 (keycloak)"),
        "{:#?}",
        rollout.lines
    );
    let live: Vec<(&str, Option<&str>)> = w
        .live
        .iter()
        .map(|s| (s.key.plural.as_str(), s.key.namespace.as_deref()))
        .collect();
    assert_eq!(
        live,
        [
            ("deployments", Some("cert-manager")),
            ("pods", Some("cert-manager"))
        ]
    );
    let kinds: Vec<TrapKind> = w.traps().iter().map(|t| t.kind).collect();
    assert!(kinds.contains(&TrapKind::AutoSyncedChildren), "{kinds:?}");
    assert!(
        !kinds.contains(&TrapKind::MissingAppHealthCheck),
        "{kinds:?}"
    );
    assert!(matches!(
        w.config_source,
        super::ConfigSource::Found {
            health_check: true,
            ..
        }
    ));
    // Not-created apps are lanes too, marked as such.
    let traefik = w
        .app(&key("traefik"))
        .expect("traefik declared by the root");
    assert!(!traefik.exists);
}

#[test]
fn the_stall_appears_when_the_watch_changes() {
    let first = fixture::state("wave-stuck", Some(0));
    let mut app = fixture::waves_app(&first, fixture::at("wave-stuck", 0), Config::default());
    assert_eq!(
        waves(&app).rollout().and_then(|r| r.wave_in_progress()),
        Some(-10)
    );
    app.dispatch(Msg::Tick(fixture::at("wave-stuck", 25)));
    fixture::replace(&mut app, &fixture::state("wave-stuck", None));
    let w = waves(&app);
    assert_eq!(w.rollout().and_then(|r| r.wave_in_progress()), Some(-5));
    assert_eq!(w.rollout().map(|r| r.lines[0].as_str()), Some(STALL_LIVE));
}

#[test]
fn selection_moves_over_apps_and_skips_lane_headings() {
    let mut app = fixture::stuck();
    assert_eq!(selected(&app).as_deref(), Some("platform-root"));
    press(&mut app, "j");
    assert_eq!(selected(&app).as_deref(), Some("monitoring"));
    press(&mut app, "j");
    assert_eq!(selected(&app).as_deref(), Some("cert-manager"));
    press(&mut app, "G");
    assert_eq!(selected(&app).as_deref(), Some("keycloak"));
    press(&mut app, "k");
    assert_eq!(selected(&app).as_deref(), Some("cnpg-operator"));
    press(&mut app, "g");
    assert_eq!(selected(&app).as_deref(), Some("platform-root"));
    // The selection stays on its app when the data changes.
    select(&mut app, "cert-manager");
    fixture::replace(&mut app, &fixture::state("wave-stuck", None));
    assert_eq!(selected(&app).as_deref(), Some("cert-manager"));
}

#[test]
fn tab_cycles_roots_through_all_apps() {
    let mut app = fixture::stuck();
    press(&mut app, "tab");
    let w = waves(&app);
    assert_eq!(w.root, None);
    assert_eq!(crumbs(&app), ["waves (all apps)"]);
    let wave0: Vec<&str> = w
        .lanes
        .iter()
        .find(|l| l.wave == 0)
        .map(|l| l.apps.iter().map(|k| k.name.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(wave0, ["keycloak", "platform-root"]);
    assert_eq!(
        selected(&app).as_deref(),
        Some("platform-root"),
        "the selected app stays selected"
    );
    press(&mut app, "tab");
    assert_eq!(waves(&app).root, Some(key("platform-root")));
}

#[test]
fn enter_opens_the_detail_and_a_resource_in_the_browser() {
    let mut app = fixture::stuck();
    select(&mut app, "cert-manager");
    press(&mut app, "enter");
    assert_eq!(crumbs(&app), ["waves (platform-root)", "app cert-manager"]);
    let Some(View::WaveApp(d)) = app.top() else {
        panic!("no detail")
    };
    let app_summary = d.app.as_ref().expect("summary");
    assert_eq!(app_summary.key, key("cert-manager"));
    let webhook = d
        .resources
        .iter()
        .position(|r| {
            r.res.resource.kind == "Deployment" && r.res.resource.name == "cert-manager-webhook"
        })
        .expect("webhook deployment listed");
    assert!(
        d.resources
            .windows(2)
            .all(|p| p[0].res.sync_wave <= p[1].res.sync_wave),
        "resources by wave"
    );
    assert!(
        !d.traps.is_empty(),
        "cert-manager auto-syncs: its trap is explained"
    );
    assert!(
        d.selected().is_some_and(|r| r.is_problem()),
        "opens on the first resource that needs attention"
    );
    press(&mut app, "g");
    for _ in 0..webhook {
        press(&mut app, "j");
    }
    press(&mut app, "enter");
    fixture::feed(&mut app, &fixture::state("wave-stuck", None));
    assert_eq!(
        crumbs(&app),
        [
            "waves (platform-root)",
            "app cert-manager",
            "deployments (app cert-manager)"
        ]
    );
    let Some(View::Table(t)) = app.top() else {
        panic!("no table")
    };
    assert_eq!(t.spec.key.namespace.as_deref(), Some("cert-manager"));
    assert_eq!(
        t.spec.key.fields.as_deref(),
        Some("metadata.name=cert-manager-webhook")
    );
    let names: Vec<_> = t
        .rows
        .iter()
        .filter_map(|o| o.metadata.name.clone())
        .collect();
    assert_eq!(names, ["cert-manager-webhook"]);
    press(&mut app, "esc esc");
    assert_eq!(crumbs(&app), ["waves (platform-root)"]);
}

#[test]
fn enter_on_a_child_application_resource_opens_its_detail() {
    let mut app = fixture::stuck();
    press(&mut app, "g enter");
    let Some(View::WaveApp(d)) = app.top() else {
        panic!("no detail")
    };
    assert_eq!(d.key, key("platform-root"));
    // The root's resources are its child Applications, by wave: monitoring first.
    assert_eq!(d.resources[0].res.resource.name, "monitoring");
    press(&mut app, "g enter");
    assert_eq!(
        crumbs(&app),
        [
            "waves (platform-root)",
            "app platform-root",
            "app monitoring"
        ]
    );
}

#[test]
fn not_created_apps_cannot_be_opened_or_synced() {
    let mut app = fixture::stuck();
    select(&mut app, "traefik");
    press(&mut app, "enter");
    assert_eq!(app.stack.len(), 1);
    assert_eq!(
        flash(&app),
        "traefik is not created yet: platform-root has not applied it"
    );
    press(&mut app, "s");
    assert!(app.dialog.is_none());
}

#[test]
fn sync_is_confirmed_and_writes_operation() {
    let mut app = fixture::stuck();
    select(&mut app, "monitoring");
    press(&mut app, "s");
    let d = app.dialog.as_ref().expect("confirmation");
    assert_eq!(d.title, "Sync");
    assert!(d.message.contains("argo/monitoring"), "{}", d.message);
    assert!(d.message.contains("operation"), "{}", d.message);
    assert!(
        app.take_requests().is_empty(),
        "nothing written before confirming"
    );
    press(&mut app, "y");
    let got = patches(&mut app);
    assert_eq!(got.len(), 1, "{got:?}");
    let (target, patch, what) = &got[0];
    assert_eq!(target, "application argo/monitoring");
    assert_eq!(what, "sync application argo/monitoring");
    assert_eq!(
        patch.pointer("/operation/initiatedBy/username"),
        Some(&json!("opsdeck-sandbox"))
    );
    assert_eq!(
        patch.pointer("/operation/sync/syncStrategy"),
        Some(&json!({"hook": {}}))
    );
    assert_eq!(patch.pointer("/status/operationState"), Some(&json!(null)));
    assert!(
        patch.pointer("/metadata/resourceVersion").is_some(),
        "optimistic lock: {patch}"
    );
    app.dispatch(Msg::Source(SourceEvent::Done {
        message: what.clone(),
        error: None,
    }));
    assert_eq!(flash(&app), "sync application argo/monitoring: done");
}

#[test]
fn sync_is_refused_while_an_operation_runs() {
    let mut app = fixture::stuck();
    press(&mut app, "g s");
    assert!(app.dialog.is_none());
    assert_eq!(
        flash(&app),
        "cannot sync argo/platform-root: another operation is already in progress"
    );
    assert_eq!(app.flash.as_ref().map(|f| f.level), Some(Level::Warn));
    assert!(patches(&mut app).is_empty());
}

#[test]
fn terminate_the_running_operation_and_refuse_without_one() {
    let mut app = fixture::stuck();
    press(&mut app, "g T");
    let d = app.dialog.as_ref().expect("confirmation");
    assert_eq!(d.title, "Terminate");
    assert!(d.message.contains("argo/platform-root"), "{}", d.message);
    press(&mut app, "y");
    let got = patches(&mut app);
    assert_eq!(
        got[0].1.pointer("/status/operationState/phase"),
        Some(&json!("Terminating"))
    );
    select(&mut app, "monitoring");
    press(&mut app, "T");
    assert!(app.dialog.is_none());
    assert_eq!(
        flash(&app),
        "cannot terminate argo/monitoring: Unable to terminate operation. No operation is in progress"
    );
}

#[test]
fn refresh_and_hard_refresh_set_the_annotation() {
    let mut app = fixture::stuck();
    select(&mut app, "cert-manager");
    press(&mut app, "r");
    assert_eq!(
        app.dialog.as_ref().map(|d| d.title.as_str()),
        Some("Refresh")
    );
    press(&mut app, "y");
    press(&mut app, "R");
    assert!(
        app.dialog
            .as_ref()
            .is_some_and(|d| d.message.contains("refresh=hard")),
        "{:?}",
        app.dialog
    );
    press(&mut app, "n");
    assert!(app.dialog.is_none(), "cancelled");
    let got = patches(&mut app);
    assert_eq!(got.len(), 1, "only the confirmed one: {got:?}");
    assert_eq!(got[0].0, "application argo/cert-manager");
    assert_eq!(
        got[0].1,
        json!({"metadata": {"annotations": {"argocd.argoproj.io/refresh": "normal"}}})
    );
}

#[test]
fn actions_from_the_detail_act_on_its_app() {
    let mut app = fixture::stuck();
    select(&mut app, "cert-manager");
    press(&mut app, "enter R y");
    let got = patches(&mut app);
    assert_eq!(got[0].0, "application argo/cert-manager");
    assert_eq!(
        got[0]
            .1
            .pointer("/metadata/annotations/argocd.argoproj.io~1refresh"),
        Some(&json!("hard"))
    );
}

#[test]
fn readonly_refuses_every_app_action() {
    let config = Config::load(
        None,
        &Overrides {
            readonly: true,
            ..Overrides::default()
        },
        false,
    );
    let mut app = fixture::waves_app(
        &fixture::state("wave-stuck", None),
        fixture::at("wave-stuck", 25),
        config,
    );
    select(&mut app, "monitoring");
    for k in ["s", "r", "R", "T"] {
        press(&mut app, k);
        assert!(
            app.dialog.is_none(),
            "{k} opened a dialog in read-only mode"
        );
        assert!(
            flash(&app).starts_with("read-only mode"),
            "{k}: {}",
            flash(&app)
        );
    }
    assert!(patches(&mut app).is_empty());
}

#[test]
fn describe_and_yaml_of_the_selected_app() {
    let mut app = fixture::stuck();
    select(&mut app, "cert-manager");
    press(&mut app, "y");
    let Some(View::Text(t)) = app.top() else {
        panic!("no text view: {:?}", crumbs(&app))
    };
    assert_eq!(t.source.name, "cert-manager");
    assert_eq!(t.source.kind().plural, "applications");
    assert!(t.lines.iter().any(|l| l.contains("cert-manager-webhook")));
}

#[test]
fn resize_keeps_the_selection_visible() {
    let mut app = fixture::stuck();
    press(&mut app, "G");
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(120, 16)));
    let w = waves(&app);
    let h = crate::app::waves::layout::lane_rows(&app.viewport, false, w);
    assert!(
        w.cursor.selected >= w.cursor.offset && w.cursor.selected < w.cursor.offset + h,
        "{:?} with {h} rows",
        w.cursor
    );
}

#[test]
fn help_lists_the_pane_bindings() {
    let mut app = fixture::platform();
    press(&mut app, "?");
    let lines = app.help_lines(Context::Waves);
    let actions: Vec<String> = lines
        .iter()
        .filter_map(|l| match l {
            crate::app::HelpLine::Binding { action, .. } => Some(action.clone()),
            _ => None,
        })
        .collect();
    for a in [
        "sync",
        "refresh",
        "hard_refresh",
        "terminate",
        "next_root",
        "select",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    assert!(matches!(app.top(), Some(View::Help(h)) if h.context == Context::Waves));
}

#[test]
fn a_thousand_standalone_apps_keep_the_lanes_readable() {
    let spec = crate::sandbox::synthetic::SyntheticSpec {
        nodes: 1,
        pods: 1,
        apps: 1000,
        cnpg: 0,
        churn: 0,
        ..Default::default()
    };
    let objects: Vec<crate::model::object::Obj> = crate::sandbox::synthetic::recording(&spec)
        .objects
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    let mut app = fixture::waves_app(&objects, fixture::at("platform", 0), Config::default());
    let w = waves(&app);
    assert_eq!(w.root, None, "no app of apps: all apps");
    assert_eq!(w.rows.iter().filter(|r| r.app().is_some()).count(), 1000);
    let visible = crate::app::waves::layout::lane_rows(&app.viewport, false, w);
    assert!(
        visible >= 10,
        "the tree must not crowd out the lanes: {visible} rows"
    );
    press(&mut app, "G");
    let w = waves(&app);
    assert_eq!(w.cursor.selected, w.rows.len() - 1);
}
