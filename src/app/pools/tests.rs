//! `update()` transitions of the node pools pane, from the platform recording's objects.

use super::super::view::View;
use super::super::{App, Context, Level, Msg, WatchStatus};
use super::fixture;
use super::{EksState, PoolsView, parse_scaling};
use crate::app::fixture::now;
use crate::app::tests::{crumbs, names as names_of_table, press, type_text};
use crate::config::{Config, Overrides};
use crate::domain::pools::{Provider, WarningKind};
use crate::sources::nodegroups::{EksEvent, EksRequest};
use crate::sources::{Request, SourceEvent};

fn pools(app: &App) -> &PoolsView {
    match app.top() {
        Some(View::Pools(p)) => p,
        other => panic!("top is not the pools pane: {:?}", other.map(View::crumb)),
    }
}

fn names(app: &App) -> Vec<String> {
    pools(app).pools.iter().map(|p| p.name.clone()).collect()
}

/// The pools pane open on the platform recording, EKS data arrived, `database` selected.
fn with_eks() -> App {
    let mut app = fixture::app();
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    fixture::eks_groups(&mut app);
    app
}

fn select(app: &mut App, pool: &str) {
    press(app, "g");
    while pools(app).selected().map(|p| p.name.as_str()) != Some(pool) {
        let before = pools(app).cursor.selected;
        press(app, "j");
        assert_ne!(pools(app).cursor.selected, before, "no pool {pool}");
    }
}

#[test]
fn pools_command_opens_the_pane_with_node_and_pod_watches() {
    let mut app = fixture::app();
    assert!(!app.eks_wanted());
    fixture::open_pools(&mut app);
    assert_eq!(crumbs(&app), ["pools"]);
    assert_eq!(app.focused_context(), Context::Pools);
    assert!(
        app.eks_wanted(),
        "the EKS poller runs while the pane is open"
    );
    let keys: Vec<_> = app.desired_watches().into_iter().map(|s| s.key).collect();
    let got: Vec<(&str, Option<&str>, Option<&str>)> = keys
        .iter()
        .map(|k| {
            (
                k.plural.as_str(),
                k.namespace.as_deref(),
                k.labels.as_deref(),
            )
        })
        .collect();
    assert_eq!(got, [("nodes", None, None), ("pods", None, None)]);
    assert!(
        !app.watches.keys().any(|k| k.namespace.is_some()),
        "the namespaced pods watch of the previous view is released"
    );
}

#[test]
fn model_is_computed_from_nodes_and_pods() {
    let mut app = fixture::app();
    fixture::open_pools(&mut app);
    assert_eq!(names(&app), ["apps", "database", "infra"]);
    let v = pools(&app);
    let by = |n: &str| v.pools.iter().find(|p| p.name == n).unwrap();
    for (name, nodes) in [("apps", 3), ("database", 2), ("infra", 3)] {
        let p = by(name);
        assert_eq!(p.provider, Provider::EksManaged);
        assert_eq!((p.ready(), p.nodes.len()), (nodes, nodes), "{name}");
        assert!(p.cpu_requested() > 0.0 && p.cpu_requested() < p.cpu_allocatable());
        assert!(p.pods() > 0, "{name} runs pods");
    }
    assert_eq!(by("infra").zones.len(), 3);
    assert_eq!(by("database").zones.len(), 2);
    assert_eq!(by("database").taints, ["workload-type=database:NoSchedule"]);
    assert!(by("apps").taints.is_empty());
    assert_eq!(
        by("database")
            .common_labels
            .get("workload-type")
            .map(String::as_str),
        Some("database")
    );
    // No EKS data yet: nothing merged.
    assert!(v.pools.iter().all(|p| p.eks.is_none()));
    // Every pod on a node is counted once.
    let scheduled = fixture::objects()
        .iter()
        .filter(|o| o.types.as_ref().is_some_and(|t| t.kind == "Pod"))
        .filter(|o| o.data["spec"]["nodeName"].is_string())
        .filter(|o| {
            !matches!(
                o.data["status"]["phase"].as_str(),
                Some("Succeeded" | "Failed")
            )
        })
        .count();
    assert_eq!(v.pools.iter().map(|p| p.pods()).sum::<usize>(), scheduled);
}

#[test]
fn model_follows_watch_changes() {
    let mut app = fixture::app();
    fixture::open_pools(&mut app);
    select(&mut app, "database");
    // A database node goes NotReady: the store changes, the model follows.
    let mut objs = fixture::objects().to_vec();
    let node = objs
        .iter_mut()
        .find(|o| {
            o.types.as_ref().is_some_and(|t| t.kind == "Node")
                && o.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("eks.amazonaws.com/nodegroup"))
                    .map(String::as_str)
                    == Some("database")
        })
        .unwrap();
    let mut data = node.data.to_json();
    for c in data["status"]["conditions"].as_array_mut().unwrap() {
        if c["type"] == "Ready" {
            c["status"] = "False".into();
        }
    }
    node.data = data.into();
    let spec = pools(&app).nodes.clone();
    crate::app::fixture::fill(&mut app, &spec, &objs);
    let p = pools(&app).selected().unwrap();
    assert_eq!(p.name, "database", "the selection stays on its pool");
    assert_eq!((p.ready(), p.nodes.len()), (1, 2));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.kind == WarningKind::NodeNotReady && w.message.contains("NotReady"))
    );
}

#[test]
fn drill_down_pool_to_nodes_to_pods_and_back() {
    let mut app = fixture::app();
    fixture::open_pools(&mut app);
    select(&mut app, "database");
    press(&mut app, "enter");
    fixture::feed(&mut app);
    assert_eq!(crumbs(&app), ["pools", "nodes (pool database)"]);
    let Some(View::Table(t)) = app.top() else {
        panic!()
    };
    assert_eq!(
        t.spec.key.labels.as_deref(),
        Some("eks.amazonaws.com/nodegroup=database")
    );
    let nodes = names_of_table(&app);
    assert_eq!(nodes.len(), 2);
    press(&mut app, "enter");
    fixture::feed(&mut app);
    let Some(View::Table(t)) = app.top() else {
        panic!()
    };
    assert_eq!(t.kind().plural, "pods");
    assert_eq!(
        t.spec.key.fields.as_deref(),
        Some(format!("spec.nodeName={}", nodes[0]).as_str())
    );
    let pods = names_of_table(&app);
    assert!(!pods.is_empty());
    assert!(
        t.rows
            .iter()
            .all(|p| p.data["spec"]["nodeName"] == nodes[0].as_str())
    );
    press(&mut app, "esc esc");
    assert_eq!(crumbs(&app), ["pools"]);
    assert_eq!(app.desired_watches().len(), 2, "drill watches are released");
    assert_eq!(pools(&app).selected().unwrap().name, "database");
}

#[test]
fn pool_label_setting_groups_by_that_label() {
    let config = Config::load(
        None,
        &Overrides {
            pool_label: Some("workload-type".into()),
            ..Default::default()
        },
        false,
    );
    let mut app = fixture::app_with(config);
    fixture::open_pools(&mut app);
    assert_eq!(names(&app), ["apps", "database", "infra"]);
    assert!(
        pools(&app)
            .pools
            .iter()
            .all(|p| p.provider == Provider::Custom)
    );
    select(&mut app, "infra");
    press(&mut app, "enter");
    let Some(View::Table(t)) = app.top() else {
        panic!()
    };
    assert_eq!(t.spec.key.labels.as_deref(), Some("workload-type=infra"));
}

#[test]
fn eks_events_merge_node_groups() {
    let mut app = fixture::app();
    assert!(!app.eks.known);
    fixture::eks_cluster(&mut app);
    assert_eq!(app.eks.cluster.as_deref(), Some(fixture::CLUSTER));
    assert_eq!(app.eks.status, WatchStatus::Loading);
    fixture::open_pools(&mut app);
    // Another cluster's answer (a context switch raced it) is ignored.
    app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Nodegroups {
        cluster: "other".into(),
        groups: fixture::nodegroups(),
    })));
    assert!(pools(&app).pools.iter().all(|p| p.eks.is_none()));
    fixture::eks_groups(&mut app);
    assert_eq!(app.eks.status, WatchStatus::Ready);
    assert_eq!(app.eks.updated, Some(now()));
    let scaling: Vec<(String, i32, i32, i32)> = pools(&app)
        .pools
        .iter()
        .map(|p| {
            let g = p.eks.as_ref().expect("EKS data merged");
            (p.name.clone(), g.min_size, g.desired_size, g.max_size)
        })
        .collect();
    assert_eq!(
        scaling,
        [
            ("apps".to_string(), 2, 3, 6),
            ("database".to_string(), 2, 2, 3),
            ("infra".to_string(), 2, 3, 6)
        ]
    );
}

#[test]
fn eks_failure_keeps_the_last_data_as_stale() {
    let mut app = with_eks();
    let later = now()
        .checked_add(jiff::SignedDuration::from_secs(30))
        .unwrap();
    app.dispatch(Msg::Tick(later));
    let fail = |app: &mut App, error: &str| {
        app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Failed {
            cluster: fixture::CLUSTER.into(),
            error: error.into(),
        })));
    };
    fail(&mut app, "EKS endpoint unreachable: connection refused");
    assert_eq!(
        app.eks.status,
        WatchStatus::Stale {
            error: "EKS endpoint unreachable: connection refused".into(),
            since: now(),
        },
        "stale since the data was last fresh"
    );
    assert!(
        pools(&app).pools.iter().all(|p| p.eks.is_some()),
        "data kept"
    );
    fail(&mut app, "again");
    assert!(matches!(&app.eks.status, WatchStatus::Stale { since, .. } if *since == now()));
    fixture::eks_groups(&mut app);
    assert_eq!(app.eks.status, WatchStatus::Ready);
    assert_eq!(app.eks.updated, Some(later));
}

#[test]
fn eks_first_failure_and_context_switch() {
    let mut app = fixture::app();
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Failed {
        cluster: fixture::CLUSTER.into(),
        error: "EKS: cluster platform-prod not found".into(),
    })));
    assert!(matches!(app.eks.status, WatchStatus::Stale { .. }));
    assert!(app.eks.groups.is_empty());
    // A switch to a context that is no EKS cluster forgets the old data.
    fixture::eks_groups(&mut app);
    app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Cluster(None))));
    assert_eq!(
        app.eks,
        EksState {
            known: true,
            ..EksState::default()
        }
    );
    assert!(pools(&app).pools.iter().all(|p| p.eks.is_none()));
}

#[test]
fn scaling_goes_through_a_validated_prompt_and_a_confirmation() {
    let mut app = with_eks();
    app.take_requests();
    select(&mut app, "infra");
    press(&mut app, "s");
    let p = app.prompt.as_ref().expect("scaling prompt");
    assert_eq!(p.text, "2/3/6");
    assert!(p.label().contains("infra"), "{}", p.label());
    press(&mut app, "ctrl-u");
    type_text(&mut app, "5/3/6");
    press(&mut app, "enter");
    let p = app.prompt.as_ref().expect("prompt stays on a bad value");
    assert!(p.error.as_deref().unwrap_or("").contains("min ≤ desired"));
    press(&mut app, "ctrl-u");
    type_text(&mut app, "2/4/6");
    press(&mut app, "enter");
    assert!(app.prompt.is_none());
    let d = app.dialog.as_ref().expect("confirmation");
    assert_eq!(
        d.message,
        "Scale EKS node group platform-prod/infra min/desired/max from 2/3/6 to 2/4/6?"
    );
    assert!(app.take_requests().is_empty(), "nothing before confirming");
    press(&mut app, "n");
    assert!(app.dialog.is_none() && app.take_requests().is_empty());

    press(&mut app, "s ctrl-u");
    type_text(&mut app, "4");
    press(&mut app, "enter y");
    assert_eq!(
        app.take_requests(),
        [Request::Eks(EksRequest::Scale {
            nodegroup: "infra".into(),
            min: 2,
            desired: 4,
            max: 6
        })]
    );
    // The source answers with a flash (and refreshes the node groups itself).
    app.dispatch(Msg::Source(SourceEvent::Done {
        message: "scale node group infra to min/desired/max 2/4/6".into(),
        error: None,
    }));
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("scale node group infra to min/desired/max 2/4/6: done")
    );
}

#[test]
fn scaling_is_refused_in_readonly_mode() {
    let config = Config::load(
        None,
        &Overrides {
            readonly: true,
            ..Default::default()
        },
        false,
    );
    let mut app = fixture::app_with(config);
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    fixture::eks_groups(&mut app);
    app.take_requests();
    press(&mut app, "s");
    assert!(app.prompt.is_none() && app.dialog.is_none());
    let f = app.flash.as_ref().expect("flash");
    assert!(f.text.starts_with("read-only mode: scale"), "{}", f.text);
    assert!(app.take_requests().is_empty());
}

#[test]
fn scaling_needs_eks_data() {
    let mut app = fixture::app();
    fixture::open_pools(&mut app);
    app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Cluster(None))));
    press(&mut app, "s");
    assert!(app.prompt.is_none());
    let f = app.flash.as_ref().expect("flash");
    assert!(f.text.starts_with("not an EKS cluster"), "{}", f.text);
    assert_eq!(f.level, Level::Warn);
    fixture::eks_cluster(&mut app);
    press(&mut app, "s");
    assert!(app.prompt.is_none(), "no node group data yet");
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("not an EKS managed node group")
    );
}

#[test]
fn refresh_asks_the_source() {
    let mut app = with_eks();
    app.take_requests();
    press(&mut app, "r");
    assert_eq!(app.take_requests(), [Request::Eks(EksRequest::Refresh)]);
}

#[test]
fn scaling_text_is_parsed_and_checked() {
    let cur = (2, 3, 6);
    assert_eq!(parse_scaling("2/4/6", cur), Ok((2, 4, 6)));
    assert_eq!(parse_scaling(" 0 / 0 / 1 ", cur), Ok((0, 0, 1)));
    assert_eq!(parse_scaling("5", cur), Ok((2, 5, 6)));
    assert!(parse_scaling("7", cur).is_err(), "desired above max");
    assert!(parse_scaling("3/2/6", cur).is_err());
    assert!(parse_scaling("0/0/0", cur).is_err(), "max ≥ 1");
    assert!(parse_scaling("-1/0/2", cur).is_err());
    assert!(parse_scaling("2/4", cur).is_err());
    assert!(parse_scaling("a/b/c", cur).is_err());
}

#[test]
fn help_lists_pool_keys_and_the_command() {
    let mut app = fixture::app();
    fixture::open_pools(&mut app);
    let lines = app.help_lines(Context::Pools);
    let has = |action: &str| {
        lines
            .iter()
            .any(|l| matches!(l, crate::app::HelpLine::Binding { action: a, .. } if a == action))
    };
    assert!(has("select") && has("scale") && has("refresh"));
    assert!(
        app.help_lines(Context::Table)
            .iter()
            .any(|l| matches!(l, crate::app::HelpLine::Text(c, _) if c == ":pools"))
    );
    let c = crate::app::command::completions("po", &app.catalog, &[], &[]);
    assert!(c.contains(&"pools".to_string()), "{c:?}");
}

#[test]
fn pool_label_from_config_toml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "pool_label = \"workload-type\"\n",
    )
    .unwrap();
    let config = Config::load(Some(dir.path()), &Overrides::default(), false);
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    let mut app = fixture::app_with(config);
    fixture::open_pools(&mut app);
    assert_eq!(pools(&app).pool_label.as_deref(), Some("workload-type"));
    assert!(
        pools(&app)
            .pools
            .iter()
            .all(|p| p.provider == Provider::Custom)
    );
}
