//! Shell, `:exec`, port forwards and contexts driven through the keymap (no server).

use super::fixture;
use super::tests::{crumbs, names, press, type_text};
use super::view::View;
use super::*;
use crate::sources::exec::ShellSpec;
use crate::sources::portforward::PodPick;

fn select(app: &mut App, name: &str) {
    let pos = names(app)
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no row {name}"));
    press(app, "g");
    for _ in 0..pos {
        press(app, "j");
    }
}

#[test]
fn s_on_a_pod_asks_the_container_then_hands_over_a_shell() {
    let mut app = fixture::app();
    select(&mut app, "orders-db-0");
    press(&mut app, "s");
    let p = app.prompt.as_ref().expect("container prompt");
    assert_eq!(p.text, "postgres");
    assert!(p.label().contains("(postgres, exporter)"), "{}", p.label());
    press(&mut app, "ctrl-u");
    type_text(&mut app, "nope");
    press(&mut app, "enter");
    assert!(app.prompt.as_ref().and_then(|p| p.error.clone()).is_some());
    press(&mut app, "ctrl-u");
    type_text(&mut app, "exporter");
    press(&mut app, "enter");
    assert_eq!(
        app.take_shell(),
        Some(ShellSpec {
            namespace: "shop".into(),
            pod: "orders-db-0".into(),
            container: "exporter".into(),
            shells: vec!["/bin/bash".into(), "/bin/sh".into()],
        })
    );
    // One container: no question.
    select(&mut app, "web-7d9f8c6b5-abcde");
    press(&mut app, "s");
    assert!(app.prompt.is_none());
    assert!(app.take_shell().is_some());
}

#[test]
fn s_scales_workloads_and_read_only_refuses_shells() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "deploy");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    press(&mut app, "s");
    assert!(matches!(
        app.prompt.as_ref().map(|p| &p.kind),
        Some(prompt::PromptKind::Scale { .. })
    ));
    press(&mut app, "esc");

    let mut app = fixture::app();
    app.readonly = true;
    press(&mut app, "s");
    assert!(app.take_shell().is_none());
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("read-only") || f.text.contains("readonly"))
    );
}

#[test]
fn exec_runs_once_in_the_selected_pod_into_a_pane() {
    let mut app = fixture::app();
    select(&mut app, "web-7d9f8c6b5-abcde");
    app.take_requests();
    press(&mut app, ":");
    type_text(&mut app, "exec ls -l /");
    press(&mut app, "enter");
    let reqs = app.take_requests();
    let Some(Request::Exec(spec)) = reqs.first() else {
        panic!("{reqs:?}")
    };
    assert_eq!(spec.command, ["ls", "-l", "/"]);
    assert_eq!(spec.pod, "web-7d9f8c6b5-abcde");
    assert_eq!(
        crumbs(&app).last().map(String::as_str),
        Some("exec shop/web-7d9f8c6b5-abcde: ls -l /")
    );
}

#[test]
fn shift_f_forwards_a_deployment_and_pf_lists_and_stops_it() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "deploy");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    app.take_requests();
    press(&mut app, "F");
    let p = app.prompt.as_ref().expect("ports prompt");
    assert!(p.label().contains("deployment/web"), "{}", p.label());
    press(&mut app, "ctrl-u");
    type_text(&mut app, "9000:80");
    press(&mut app, "enter");
    let reqs = app.take_requests();
    let Some(Request::Forward(spec)) = reqs.first() else {
        panic!("{reqs:?}")
    };
    assert_eq!((spec.local_port, spec.container_port), (9000, 80));
    assert!(matches!(&spec.pick, PodPick::Selector(s) if s.contains("app=web")));
    let id = spec.id;
    press(&mut app, ":");
    type_text(&mut app, "pf");
    press(&mut app, "enter");
    assert!(matches!(app.top(), Some(View::Forwards(_))));
    press(&mut app, "ctrl-d");
    assert_eq!(app.take_requests(), vec![Request::StopForward(id)]);
    assert!(app.pf.running().is_empty());
}

#[test]
fn ctx_probes_in_the_background_and_each_context_keeps_its_view() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "deploy");
    press(&mut app, "enter");
    app.take_requests();
    press(&mut app, ":");
    type_text(&mut app, "ctx");
    press(&mut app, "enter");
    assert!(matches!(app.top(), Some(View::Contexts(_))));
    let reqs = app.take_requests();
    assert!(
        reqs.contains(&Request::ProbeContexts(vec![
            "opsdeck-sandbox".into(),
            "prod-eu".into()
        ])),
        "{reqs:?}"
    );
    press(&mut app, "esc");
    press(&mut app, ":");
    type_text(&mut app, "ctx prod-eu");
    press(&mut app, "enter");
    let arrive = |app: &mut App, context: &str| {
        app.dispatch(Msg::Source(SourceEvent::Cluster(ClusterInfo {
            context: context.into(),
            ..fixture::cluster()
        })));
    };
    arrive(&mut app, "prod-eu");
    press(&mut app, ":");
    type_text(&mut app, "po kube-system");
    press(&mut app, "enter");
    assert_eq!(crumbs(&app), ["pods"]);
    press(&mut app, ":");
    type_text(&mut app, "ctx opsdeck-sandbox");
    press(&mut app, "enter");
    assert_eq!(crumbs(&app), ["deployments"]);
    assert_eq!(app.namespace.as_deref(), Some("shop"));
    arrive(&mut app, "opsdeck-sandbox");
    press(&mut app, ":");
    type_text(&mut app, "ctx prod-eu");
    press(&mut app, "enter");
    assert_eq!(crumbs(&app), ["pods"]);
    assert_eq!(app.namespace_label(), "kube-system");
}

#[test]
fn a_service_port_forwards_to_its_target_port_numbered_or_named() {
    use crate::sources::portforward::PortRef;
    let mut app = fixture::app();
    let ask = |ports: Vec<(u16, PortRef)>| super::pf::PfAsk {
        namespace: "shop".into(),
        target: "service/web".into(),
        pick: PodPick::Selector("app=web".into()),
        ports: ports.iter().map(|(p, _)| *p).collect(),
        service_ports: ports,
    };
    let forwarded = |app: &mut App| match app.take_requests().first() {
        Some(Request::Forward(spec)) => (spec.container_port, spec.named_port.clone()),
        other => panic!("{other:?}"),
    };
    app.pf_submit(
        "9000:80",
        ask(vec![
            (80, PortRef::Number(8080)),
            (443, PortRef::Named("https".into())),
        ]),
    );
    assert_eq!(forwarded(&mut app), (8080, None));
    app.pf_submit("9443:443", ask(vec![(443, PortRef::Named("https".into()))]));
    assert_eq!(forwarded(&mut app), (443, Some("https".into())));
    // A port the Service does not list goes to the pods as it is.
    app.pf_submit("9001:7000", ask(vec![(80, PortRef::Number(8080))]));
    assert_eq!(forwarded(&mut app), (7000, None));
}
