//! `update()` transitions of the metrics pane, the PromQL editor and the pane metric columns.

use jiff::{SignedDuration, Timestamp};

use super::super::fixture;
use super::super::tests::{press, type_text};
use super::editor::{EditorStatus, ResultMode};
use super::*;
use crate::domain::dashboard::{ResultKind, Series};
use crate::model::action::Context;
use crate::sources::SourceEvent;
use crate::sources::prometheus::task::LabelQuery;

fn ready(app: &mut App) {
    app.dispatch(super::super::Msg::Source(SourceEvent::Metrics(
        MetricsEvent::Backend(BackendState::Ready {
            describe: "service monitoring/prometheus-operated:http-web".into(),
            discovered: true,
        }),
    )));
}

fn runs(app: &mut App) -> Vec<MetricsQuery> {
    app.take_metric_runs()
}

fn answer(app: &mut App, id: QueryId, result: Result<QueryResult, PromError>) {
    app.answer_metric(id, result);
}

fn series(labels: &[(&str, &str)], value: f64) -> QueryResult {
    QueryResult {
        kind: ResultKind::Vector,
        series: vec![Series::new(labels, vec![(1.0, value)])],
    }
}

fn tick(app: &mut App, secs: i64) {
    let t = app
        .now
        .checked_add(SignedDuration::from_secs(secs))
        .unwrap();
    app.dispatch(super::super::Msg::Tick(t));
}

fn metrics(app: &App) -> &MetricsView {
    match app.top() {
        Some(View::Metrics(m)) => m,
        other => panic!("top is not metrics: {:?}", other.map(View::crumb)),
    }
}

/// Opens a dashboard and answers its label-values variables with one value each.
fn open_resolved(app: &mut App, command: &str) {
    app.run_command_text(command);
    let requests = app.take_requests();
    for r in requests {
        if let Request::Metrics(MetricsRequest::Labels(q)) = r {
            app.dispatch(super::super::Msg::Source(SourceEvent::Metrics(
                MetricsEvent::Labels(LabelAnswer {
                    id: q.id,
                    result: Ok(vec!["pg-main".into()]),
                }),
            )));
        }
    }
}

fn bad_query() -> PromError {
    PromError::Query {
        error_type: "bad_data".into(),
        message: "invalid parameter \"query\": 2:5: parse error: unclosed left parenthesis".into(),
    }
}

#[test]
fn opening_a_dashboard_queries_every_target_with_variables_expanded() {
    let mut app = fixture::app();
    app.take_requests();
    app.run_command_text("metrics cnpg");
    let m = metrics(&app);
    assert_eq!(m.id, "cnpg");
    let targets: usize = m.dashboard.panels.iter().map(|p| p.targets.len()).sum();
    let requests = app.take_requests();
    let labels: Vec<&LabelQuery> = requests
        .iter()
        .filter_map(|r| match r {
            Request::Metrics(MetricsRequest::Labels(q)) => Some(q),
            _ => None,
        })
        .collect();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].label, "cluster");
    assert_eq!(labels[0].matches, ["cnpg_collector_up"]);
    // Panels wait for the variable: no query goes out with `$cluster` unresolved.
    assert!(
        !requests
            .iter()
            .any(|r| matches!(r, Request::Metrics(MetricsRequest::Run(_)))),
        "{requests:?}"
    );
    let label_id = labels[0].id;
    app.dispatch(super::super::Msg::Source(SourceEvent::Metrics(
        MetricsEvent::Labels(LabelAnswer {
            id: label_id,
            result: Ok(vec!["pg-main".into()]),
        }),
    )));
    let queries = runs(&mut app);
    let queries: Vec<&MetricsQuery> = queries.iter().collect();
    assert_eq!(queries.len(), targets);
    for q in &queries {
        assert!(!q.expr.contains('$'), "unexpanded: {}", q.expr);
    }
    assert!(
        queries
            .iter()
            .any(|q| q.expr == "max(cnpg_pg_replication_lag{cluster=~\".*\"})")
    );
    // Time-series and stat panels ask for a range, the others for an instant.
    let m = metrics(&app);
    for (panel, q) in m.dashboard.panels.iter().zip(&queries) {
        assert_eq!(
            q.window.is_some(),
            panel.kind.needs_range(),
            "{}",
            panel.title
        );
    }
    assert!(m.panels.iter().all(|p| p.status == PanelStatus::Loading));
    assert!(m.refreshing());
}

#[test]
fn answers_fill_panels_and_failures_keep_the_last_data() {
    let mut app = fixture::app();
    open_resolved(&mut app, "metrics cnpg");
    let first = runs(&mut app);
    let q = &first[0];
    answer(
        &mut app,
        q.id,
        Ok(series(&[("cluster", "keycloak-db")], 3.0)),
    );
    let m = metrics(&app);
    assert_eq!(m.panels[0].series.len(), 1);
    assert_eq!(m.panels[0].series[0].points, vec![(1.0, 3.0)]);
    let at = app.now;
    assert_eq!(m.panels[0].status, PanelStatus::Ready { at });
    // Refresh: the panel fails; the old series stay, with their time.
    tick(&mut app, 60);
    press(&mut app, "r");
    let second = runs(&mut app);
    assert_eq!(second.len(), first.len());
    answer(
        &mut app,
        second[0].id,
        Err(PromError::Unreachable {
            url: "http://p".into(),
            detail: "connection refused".into(),
        }),
    );
    let p = &metrics(&app).panels[0];
    assert_eq!(p.series[0].points, vec![(1.0, 3.0)]);
    assert!(matches!(
        &p.status,
        PanelStatus::Failed { error, data_at: Some(t) } if error.contains("unreachable") && *t == at
    ));
    // An answer of an old round is ignored.
    answer(&mut app, first[1].id, Ok(series(&[], 1.0)));
    assert_eq!(metrics(&app).panels[1].status, PanelStatus::Loading);
}

#[test]
fn range_refresh_pause_and_zoom_keys() {
    let mut app = fixture::app();
    app.run_command_text("metrics");
    assert_eq!(metrics(&app).id, "cluster-overview");
    let first = runs(&mut app);
    let step = |q: &MetricsQuery| q.window.map(|w| w.step);
    let first_window = first.iter().find_map(|q| q.window).unwrap();
    press(&mut app, "t");
    assert_eq!(metrics(&app).range.label(), "last 6h");
    let longer = runs(&mut app);
    let w = longer.iter().find_map(|q| q.window).unwrap();
    assert_eq!(w.end.as_second() - w.start.as_second(), 6 * 3600);
    assert!(longer.iter().find_map(step) > first.iter().find_map(step));
    assert!(first_window.end.as_second() - first_window.start.as_second() == 3600);
    press(&mut app, "T T");
    assert_eq!(metrics(&app).range.label(), "last 15m");
    runs(&mut app);

    // Custom range through the prompt, and a bad one.
    press(&mut app, "c");
    assert!(app.prompt.is_some());
    press(&mut app, "ctrl-u");
    type_text(&mut app, "now-3h..now-1h");
    press(&mut app, "enter");
    assert_eq!(metrics(&app).range.length, Duration::from_secs(7200));
    assert!(metrics(&app).range.end.is_some());
    runs(&mut app);
    press(&mut app, "c ctrl-u");
    type_text(&mut app, "yesterday");
    press(&mut app, "enter");
    let flash = app.flash.clone().unwrap();
    assert!(flash.text.contains("bad time range"), "{}", flash.text);
    assert_eq!(metrics(&app).range.length, Duration::from_secs(7200));

    // Zoom toggles with enter; esc leaves the zoom before the pane.
    press(&mut app, "tab tab enter");
    assert!(metrics(&app).zoom);
    assert_eq!(metrics(&app).selected, 2);
    press(&mut app, "esc");
    assert!(!metrics(&app).zoom);
    assert!(matches!(app.top(), Some(View::Metrics(_))));
}

#[test]
fn auto_refresh_follows_the_interval_and_pause_stops_it() {
    let mut app = fixture::app();
    app.run_command_text("metrics cluster-overview");
    let first = runs(&mut app);
    assert_eq!(metrics(&app).refresh, Some(Duration::from_secs(30)));
    // Still waiting for answers: no new round.
    tick(&mut app, 40);
    assert!(runs(&mut app).is_empty());
    for q in &first {
        answer(&mut app, q.id, Ok(series(&[], 1.0)));
    }
    assert!(!metrics(&app).refreshing());
    tick(&mut app, 10);
    assert_eq!(runs(&mut app).len(), first.len());
    // Paused: nothing however long we wait.
    let again = metrics(&app).pending.keys().copied().collect::<Vec<_>>();
    for id in again {
        answer(&mut app, id, Ok(series(&[], 2.0)));
    }
    press(&mut app, "p");
    assert!(metrics(&app).paused);
    tick(&mut app, 600);
    assert!(runs(&mut app).is_empty());
    press(&mut app, "p");
    tick(&mut app, 1);
    assert!(!runs(&mut app).is_empty());
    // `i` cycles the interval.
    press(&mut app, "i");
    assert_eq!(metrics(&app).refresh, Some(Duration::from_secs(60)));
}

#[test]
fn a_slow_refresh_is_marked_after_ten_seconds() {
    let mut app = fixture::app();
    app.run_command_text("metrics argocd");
    runs(&mut app);
    tick(&mut app, 11);
    assert!(metrics(&app).panels.iter().all(|p| p.slow));
}

#[test]
fn variable_values_arrive_and_a_choice_requeries() {
    let mut app = fixture::app();
    app.run_command_text("metrics node-pool");
    let requests = app.take_requests();
    let label_id = requests
        .iter()
        .find_map(|r| match r {
            Request::Metrics(MetricsRequest::Labels(q)) => Some(q.id),
            _ => None,
        })
        .unwrap();
    app.dispatch(super::super::Msg::Source(SourceEvent::Metrics(
        MetricsEvent::Labels(LabelAnswer {
            id: label_id,
            result: Ok(vec!["infra".into(), "apps".into()]),
        }),
    )));
    assert_eq!(metrics(&app).vars[0].options, ["all", "apps", "infra"]);
    assert_eq!(metrics(&app).vars[0].selected, ["all"]);
    // The resolved variable lets the first refresh go out.
    assert!(runs(&mut app).iter().any(|q| q.expr.contains("=~\".*\"")));
    press(&mut app, "v");
    assert_eq!(metrics(&app).vars[0].selected, ["apps"]);
    let q = runs(&mut app);
    assert!(
        q.iter().any(|q| q
            .expr
            .contains("label_eks_amazonaws_com_nodegroup=~\"apps\"")),
        "{q:?}"
    );
    assert!(q.iter().all(|q| !q.expr.contains(".*\"")));
}

#[test]
fn dashboards_cycle_and_unknown_names_are_refused() {
    let mut app = fixture::app();
    app.run_command_text("metrics argocd");
    press(&mut app, "]");
    assert_eq!(metrics(&app).id, "cluster-overview");
    press(&mut app, "[ [");
    assert_eq!(metrics(&app).id, "cnpg");
    app.run_command_text("metrics nope");
    let flash = app.flash.clone().unwrap();
    assert!(
        flash.text.contains("no dashboard \"nope\""),
        "{}",
        flash.text
    );
    assert!(flash.text.contains("cluster-overview"));
}

#[test]
fn the_editor_runs_queries_shows_errors_where_they_point_and_keeps_history() {
    let mut app = fixture::app();
    app.run_command_text("metrics argocd");
    runs(&mut app);
    press(&mut app, "e");
    let Some(View::Editor(e)) = app.top() else {
        panic!("no editor")
    };
    assert_eq!(e.text(), "count(argocd_app_info)");
    // `e` runs the panel's query at once (not added to the history: nobody typed it).
    assert!(matches!(e.status, EditorStatus::Running { .. }));
    let q = runs(&mut app);
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].expr, "count(argocd_app_info)");
    assert!(app.metrics.history.is_empty());
    press(&mut app, "esc tab tab tab e");
    runs(&mut app);
    let Some(View::Editor(e)) = app.top() else {
        panic!("no editor")
    };
    // The query as the panel ran it: template variables filled in.
    assert!(
        e.text()
            .starts_with("sum by (phase) (rate(argocd_app_sync_total["),
        "{}",
        e.text()
    );
    assert!(!e.text().contains('$'));
    assert_eq!(app.focused_context(), Context::Editor);
    // Typing goes into the text area, not to bindings (`t`, `q`, `?`, `:`).
    press(&mut app, "ctrl-j");
    type_text(&mut app, "sum(rate(x[5m])");
    press(&mut app, "enter");
    type_text(&mut app, "  by (pod)");
    let Some(View::Editor(e)) = app.top() else {
        panic!()
    };
    assert_eq!(e.text(), "sum(rate(x[5m])\n  by (pod)");
    press(&mut app, "ctrl-r");
    let q = runs(&mut app);
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].expr, "sum(rate(x[5m])\n  by (pod)");
    assert!(q[0].window.is_some(), "chart mode runs a range query");
    answer(&mut app, q[0].id, Err(bad_query()));
    let Some(View::Editor(e)) = app.top() else {
        panic!()
    };
    assert!(
        matches!(&e.status, EditorStatus::Failed { position: Some((2, 5)), error } if error.contains("unclosed"))
    );
    assert_eq!(e.textarea.cursor(), (1usize, 4usize));
    // Table mode runs an instant query.
    press(&mut app, "ctrl-t");
    let q = runs(&mut app);
    assert_eq!(q[0].window, None);
    answer(&mut app, q[0].id, Ok(series(&[("pod", "a")], 7.0)));
    let Some(View::Editor(e)) = app.top() else {
        panic!()
    };
    assert_eq!(e.mode, ResultMode::Table);
    assert!(matches!(e.status, EditorStatus::Done { .. }));
    assert_eq!(app.metrics.history, ["sum(rate(x[5m])\n  by (pod)"]);
    // History: saved, browsed with ctrl-p / ctrl-n.
    let saves: Vec<Vec<String>> = app
        .take_requests()
        .into_iter()
        .filter_map(|r| match r {
            Request::Metrics(MetricsRequest::SaveHistory(h)) => Some(h),
            _ => None,
        })
        .collect();
    assert!(saves.is_empty(), "already taken with the runs");
    press(&mut app, "ctrl-p");
    let Some(View::Editor(e)) = app.top() else {
        panic!()
    };
    assert_eq!(e.text(), "sum(rate(x[5m])\n  by (pod)");
    press(&mut app, "ctrl-n");
    let Some(View::Editor(e)) = app.top() else {
        panic!()
    };
    assert_eq!(e.text(), "");
    // An empty query is refused without asking Prometheus.
    press(&mut app, "ctrl-r");
    assert!(runs(&mut app).is_empty());
    let Some(View::Editor(e)) = app.top() else {
        panic!()
    };
    assert!(
        matches!(&e.status, EditorStatus::Failed { error, .. } if error == strings::EMPTY_QUERY)
    );
    press(&mut app, "esc");
    assert!(matches!(app.top(), Some(View::Metrics(_))));
}

#[test]
fn history_is_bounded_deduplicated_and_saved() {
    let mut app = fixture::app();
    app.run_command_text("promql up");
    for q in ["a", "b", "a"] {
        app.remember_query(q);
    }
    assert_eq!(app.metrics.history, ["b", "a"]);
    let last = app
        .take_requests()
        .into_iter()
        .filter_map(|r| match r {
            Request::Metrics(MetricsRequest::SaveHistory(h)) => Some(h),
            _ => None,
        })
        .last();
    assert_eq!(last.unwrap(), ["b", "a"]);
    for i in 0..(HISTORY_CAP + 5) {
        app.remember_query(&format!("q{i}"));
    }
    assert_eq!(app.metrics.history.len(), HISTORY_CAP);
    assert_eq!(
        app.metrics.history.last().unwrap(),
        &format!("q{}", HISTORY_CAP + 4)
    );
}

#[test]
fn pools_and_cnpg_panes_get_their_metric_columns() {
    let mut app = fixture::app();
    app.run_command_text("pools");
    fixture::feed(&mut app);
    // Not before Prometheus is known.
    assert!(runs(&mut app).is_empty());
    ready(&mut app);
    let q = runs(&mut app);
    let exprs: Vec<&str> = q.iter().map(|q| q.expr.as_str()).collect();
    assert_eq!(exprs, [panes::NODE_CPU, panes::NODE_MEMORY]);
    let Some(View::Pools(p)) = app.top() else {
        panic!()
    };
    let node = p.pools[0].nodes[0].name.clone();
    answer(&mut app, q[0].id, Ok(series(&[("node", &node)], 1.25)));
    let Some(View::Pools(p)) = app.top() else {
        panic!()
    };
    assert_eq!(p.pools[0].cpu_used(), Some(1.25));
    assert_eq!(p.pools[0].memory_used(), None);
    // Refreshed every 30 s, not more often.
    tick(&mut app, 10);
    assert!(runs(&mut app).iter().all(|q| q.expr != panes::NODE_CPU));
    tick(&mut app, 25);
    assert!(runs(&mut app).iter().any(|q| q.expr == panes::NODE_CPU));

    app.run_command_text("cnpg");
    let q = runs(&mut app);
    assert!(q.iter().any(|q| q.expr == panes::CNPG_LAG), "{q:?}");
}

#[test]
fn lag_per_pod_of_one_namespace() {
    let mut app = fixture::app();
    app.metrics.panes.insert(
        panes::CNPG_LAG,
        PaneMetric {
            result: Some(QueryResult {
                kind: ResultKind::Vector,
                series: vec![
                    Series::new(
                        &[("namespace", "keycloak"), ("pod", "db-2")],
                        vec![(1.0, 0.4)],
                    ),
                    Series::new(&[("namespace", "other"), ("pod", "db-3")], vec![(1.0, 9.0)]),
                ],
            }),
            at: Some(Timestamp::UNIX_EPOCH),
            ..PaneMetric::default()
        },
    );
    let m = app.metrics.cnpg_metrics("keycloak");
    assert_eq!(m.len(), 1);
    assert_eq!(m["db-2"].lag_seconds, Some(0.4));
}

#[test]
fn tab_completes_dashboard_ids() {
    let mut app = fixture::app();
    press(&mut app, ":");
    type_text(&mut app, "metrics cn");
    press(&mut app, "tab");
    assert_eq!(
        app.prompt.as_ref().map(|p| p.text.as_str()),
        Some("metrics cnpg")
    );
    press(&mut app, "enter");
    assert_eq!(metrics(&app).id, "cnpg");
}

#[test]
fn without_a_cluster_the_startup_command_runs_when_connecting_fails() {
    let mut app = App::new(
        crate::config::Config::default(),
        crate::app::Options::default(),
        fixture::now(),
    );
    app.set_startup_command("metrics argocd");
    app.dispatch(super::super::Msg::Source(SourceEvent::Connection(
        crate::model::ConnState::Failed(crate::console::no_cluster_message("no kubeconfig found")),
    )));
    assert_eq!(metrics(&app).id, "argocd");
    assert!(
        matches!(app.conn, crate::model::ConnState::Failed(ref m) if m.starts_with("no cluster"))
    );
}

#[test]
fn chained_variables_wait_for_each_other_and_a_change_resolves_the_dependents() {
    let mut app = fixture::app();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/grafana/node-exporter-full-style.json");
    app.set_metrics_inputs(
        vec![crate::config::dashboards::load_file(&path)],
        Vec::new(),
    );
    app.take_requests();
    app.run_command_text("metrics node-exporter-full-style");
    let labels = |app: &mut App| -> Vec<LabelQuery> {
        app.take_requests()
            .into_iter()
            .filter_map(|r| match r {
                Request::Metrics(MetricsRequest::Labels(q)) => Some(q),
                Request::Metrics(MetricsRequest::Run(q)) => {
                    panic!("panels queried before the variables resolved: {q:?}")
                }
                _ => None,
            })
            .collect()
    };
    let answer = |app: &mut App, q: &LabelQuery, v: &[&str]| {
        app.dispatch(super::super::Msg::Source(SourceEvent::Metrics(
            MetricsEvent::Labels(LabelAnswer {
                id: q.id,
                result: Ok(v.iter().map(|s| s.to_string()).collect()),
            }),
        )));
    };
    // $job first; $nodename waits for it, $node for both.
    let q = labels(&mut app);
    assert_eq!(q.len(), 1);
    assert_eq!(
        (q[0].label.as_str(), q[0].matches.as_slice()),
        ("job", &["node_uname_info".to_string()][..])
    );
    answer(&mut app, &q[0], &["node"]);
    let q = labels(&mut app);
    assert_eq!(q[0].matches, ["node_uname_info{job=\"node\"}"]);
    answer(&mut app, &q[0], &["node-b", "node-a"]);
    let q = labels(&mut app);
    // Sorted: node-a first.
    assert_eq!(
        q[0].matches,
        ["node_uname_info{job=\"node\", nodename=\"node-a\"}"]
    );
    answer(&mut app, &q[0], &["10.0.0.1:9100"]);
    let first = runs(&mut app);
    assert!(!first.is_empty());
    assert!(first.iter().all(|r| !r.expr.contains('$')), "{first:?}");
    assert!(
        first
            .iter()
            .any(|r| r.expr.contains("instance=\"10.0.0.1:9100\""))
    );
    // Choosing another host resolves $node again before the panels are queried.
    press(&mut app, "V V");
    assert_eq!(metrics(&app).vars[metrics(&app).var_focus].name, "nodename");
    press(&mut app, "v");
    let q = labels(&mut app);
    assert_eq!(
        q[0].matches,
        ["node_uname_info{job=\"node\", nodename=\"node-b\"}"]
    );
    answer(&mut app, &q[0], &["10.0.0.2:9100"]);
    assert!(
        runs(&mut app)
            .iter()
            .any(|r| r.expr.contains("instance=\"10.0.0.2:9100\""))
    );
}
