//! Pane actions as effects: what each pane answers to a key, before the app applies it.

use crate::app::cnpg::fixture::{self as cnpg_fixture, World};
use crate::app::effect::Effect;
use crate::app::pools::actions::submit_scaling;
use crate::app::pools::fixture as pools_fixture;
use crate::app::prompt::PromptKind;
use crate::app::tests::{press, type_text};
use crate::app::view::View;
use crate::app::waves::fixture as waves_fixture;
use crate::app::{App, Level};
use crate::config::Config;
use crate::model::action::Action;
use crate::sources::Request;
use crate::sources::nodegroups::EksRequest;

fn command(app: &mut App, text: &str) {
    press(app, ":");
    type_text(app, text);
    press(app, "enter");
}

/// The pools pane with EKS data, the `infra` pool selected.
fn pools_on_infra() -> App {
    let mut app = pools_fixture::app();
    pools_fixture::eks_cluster(&mut app);
    pools_fixture::open_pools(&mut app);
    pools_fixture::eks_groups(&mut app);
    press(&mut app, "g");
    for _ in 0..5 {
        if let Some(View::Pools(p)) = app.top()
            && p.selected().is_some_and(|p| p.name == "infra")
        {
            return app;
        }
        press(&mut app, "j");
    }
    panic!("no infra pool");
}

fn flash_text(effects: &[Effect]) -> Option<&str> {
    effects.iter().find_map(|e| match e {
        Effect::Flash { text, .. } => Some(text.as_str()),
        _ => None,
    })
}

#[test]
fn pools_scale_asks_for_the_node_groups_scaling() {
    let mut app = pools_on_infra();
    let effects = app.pane_effects(Action::Scale).expect("the pane's action");
    let [Effect::Prompt(p)] = effects.as_slice() else {
        panic!("one prompt: {effects:?}");
    };
    assert_eq!(p.text, "2/3/6");
    assert_eq!(
        p.kind,
        PromptKind::ScaleNodegroup {
            cluster: pools_fixture::CLUSTER.into(),
            nodegroup: "infra".into(),
            current: (2, 3, 6),
        }
    );
    assert!(app.prompt.is_none(), "effects are not applied by the pane");
}

#[test]
fn pools_refresh_requests_the_node_groups_and_says_so() {
    let mut app = pools_on_infra();
    let effects = app
        .pane_effects(Action::Refresh)
        .expect("the pane's action");
    assert!(
        matches!(
            effects.as_slice(),
            [
                Effect::Request(Request::Eks(EksRequest::Refresh)),
                Effect::Flash {
                    level: Level::Info,
                    ..
                }
            ]
        ),
        "{effects:?}"
    );
}

#[test]
fn pools_enter_opens_the_pools_nodes() {
    let mut app = pools_on_infra();
    let effects = app.pane_effects(Action::Select).expect("the pane's action");
    let [
        Effect::OpenTable {
            kind,
            labels: Some(labels),
            scope: Some(scope),
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("one table: {effects:?}");
    };
    assert_eq!(kind.plural, "nodes");
    assert!(labels.contains("infra"), "{labels}");
    assert!(scope.contains("infra"), "{scope}");
}

#[test]
fn actions_a_pane_does_not_take_fall_through() {
    let mut app = pools_on_infra();
    for a in [
        Action::Down,
        Action::Promote,
        Action::Describe,
        Action::Quit,
    ] {
        assert!(app.pane_effects(a).is_none(), "{a:?}");
    }
    let mut app = waves_fixture::platform();
    assert!(app.pane_effects(Action::Describe).is_none());
    assert!(app.pane_effects(Action::Back).is_none());
    // Not a pane at all.
    command(&mut app, "po");
    assert!(app.pane_effects(Action::Select).is_none());
}

#[test]
fn scaling_prompt_answers() {
    let submit = |text: &str| submit_scaling(text, "c".into(), "ng".into(), (2, 3, 6));
    assert!(
        matches!(submit("9/3/6").as_slice(), [Effect::PromptError(e)] if e.contains("min ≤ desired"))
    );
    let unchanged = submit("2/3/6");
    assert!(matches!(
        unchanged.as_slice(),
        [Effect::ClosePrompt, Effect::Flash { .. }]
    ));
    let changed = submit("4");
    let [Effect::ClosePrompt, Effect::Dialog(d)] = changed.as_slice() else {
        panic!("a confirmation: {changed:?}");
    };
    assert_eq!(
        d.request,
        Request::Eks(EksRequest::Scale {
            nodegroup: "ng".into(),
            min: 2,
            desired: 4,
            max: 6
        })
    );
}

#[test]
fn waves_sync_yields_a_confirmation_and_tab_changes_the_root_in_place() {
    let mut app = waves_fixture::platform();
    press(&mut app, "j");
    let effects = app.pane_effects(Action::Sync).expect("the pane's action");
    let [Effect::Dialog(d)] = effects.as_slice() else {
        panic!("a confirmation: {effects:?}");
    };
    assert_eq!(d.title, "Sync");
    assert!(matches!(d.request, Request::Patch { .. }));
    assert!(app.dialog.is_none(), "effects are not applied by the pane");

    let root = |app: &App| match app.top() {
        Some(View::Waves(w)) => w.root.clone(),
        _ => panic!("not the lanes"),
    };
    let before = root(&app);
    let effects = app
        .pane_effects(Action::NextRoot)
        .expect("the pane's action");
    assert!(effects.is_empty(), "{effects:?}");
    assert_ne!(root(&app), before);
}

#[test]
fn waves_enter_opens_the_apps_detail() {
    let mut app = waves_fixture::platform();
    press(&mut app, "j");
    let effects = app.pane_effects(Action::Select).expect("the pane's action");
    assert!(
        matches!(effects.as_slice(), [Effect::OpenWaveApp(_)]),
        "{effects:?}"
    );
}

fn cnpg_detail_on(pod: &str) -> App {
    let w = World::new("cnpg-failover");
    let mut app = cnpg_fixture::app(&w, Config::default(), (120, 36));
    command(&mut app, "cnpg keycloak/keycloak-db");
    cnpg_fixture::feed(&mut app, &w);
    for _ in 0..5 {
        if let Some(View::CnpgDetail(d)) = app.top()
            && d.selected().is_some_and(|r| r.pod == pod)
        {
            return app;
        }
        press(&mut app, "j");
    }
    panic!("no instance {pod}");
}

#[test]
fn cnpg_promote_yields_a_typed_confirmation_and_awaits_the_switchover() {
    let mut app = cnpg_detail_on("keycloak-db-3");
    let effects = app
        .pane_effects(Action::Promote)
        .expect("the pane's action");
    let [Effect::AwaitSwitchover(p), Effect::Dialog(d)] = effects.as_slice() else {
        panic!("a switchover and its confirmation: {effects:?}");
    };
    assert_eq!(p.pod, "keycloak-db-3");
    assert_eq!(p.sent, None);
    assert_eq!(d.title, "Promote");
    assert_eq!(d.expect.as_deref(), Some("keycloak-db-3"));
    assert!(matches!(d.request, Request::PatchStatus { .. }));
    assert!(app.cnpg.switchover.is_none() && app.dialog.is_none());
}

#[test]
fn cnpg_list_refuses_promote_and_opens_logs_of_the_primary() {
    let mut app = cnpg_detail_on("keycloak-db-3");
    press(&mut app, "esc");
    let effects = app
        .pane_effects(Action::Promote)
        .expect("the pane's action");
    assert_eq!(
        flash_text(&effects),
        Some(crate::app::cnpg::strings::PROMOTE_FROM_DETAIL)
    );
    let effects = app
        .pane_effects(Action::LogsPrevious)
        .expect("the pane's action");
    let [
        Effect::OpenLogs {
            namespace,
            previous: true,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("logs: {effects:?}");
    };
    assert_eq!(namespace, "keycloak");
}
