//! Snapshots of the metrics pane and the PromQL editor at 120×40, with answers made up in
//! the test (times relative to the fixture's now, UTC axes).

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::fixture;
use crate::app::{App, Msg};
use crate::domain::dashboard::{QueryResult, ResultKind, Series};
use crate::model::BackendState;
use crate::model::action::Action;
use crate::sources::SourceEvent;
use crate::sources::prometheus::PromError;
use crate::sources::prometheus::manager::MetricsEvent;
use crate::sources::prometheus::task::MetricsQuery;

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| crate::ui::render(app, f)).unwrap();
    t
}

fn app() -> App {
    let mut app = fixture::app();
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(120, 40)));
    app.metrics.tz = jiff::tz::TimeZone::UTC;
    app.dispatch(Msg::Source(SourceEvent::Metrics(MetricsEvent::Backend(
        BackendState::Ready {
            describe: "service monitoring/prometheus-operated:http-web".into(),
            discovered: true,
        },
    ))));
    app
}

fn runs(app: &mut App) -> Vec<MetricsQuery> {
    app.take_metric_runs()
}

/// Two series per query: a slow wave and a ramp, over the query's window (or one value).
fn made_up(q: &MetricsQuery, n: usize) -> QueryResult {
    let scale = if q.expr.contains("bytes") && !q.expr.starts_with("1 -") {
        4e9
    } else {
        0.6
    };
    let shape = |k: usize, t: f64| -> f64 {
        let x = t / 600.0 + k as f64;
        scale * (0.5 + 0.3 * (x + n as f64).sin() + 0.1 * k as f64)
    };
    let series = (0..2)
        .map(|k| {
            let points = match q.window {
                Some(w) => {
                    let (s, e, step) = (
                        w.start.as_second() as f64,
                        w.end.as_second() as f64,
                        w.step.as_secs_f64(),
                    );
                    let mut out = Vec::new();
                    let mut t = s;
                    while t <= e {
                        out.push((t, shape(k, t)));
                        t += step;
                    }
                    out
                }
                None => vec![(0.0, shape(k, 0.0))],
            };
            let name = format!("ip-10-0-{k}-7.eu-west-1.compute.internal");
            Series::new(
                &[
                    ("instance", name.as_str()),
                    ("namespace", ["argo", "keycloak"][k]),
                ],
                points,
            )
        })
        .collect();
    QueryResult {
        kind: if q.window.is_some() {
            ResultKind::Matrix
        } else {
            ResultKind::Vector
        },
        series,
    }
}

fn answer_all(app: &mut App, queries: &[MetricsQuery]) {
    for (n, q) in queries.iter().enumerate() {
        app.answer_metric(q.id, Ok(made_up(q, n)));
    }
}

#[test]
fn cluster_overview_dashboard() {
    let mut app = app();
    app.run_command_text("metrics cluster-overview");
    let q = runs(&mut app);
    answer_all(&mut app, &q);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn a_zoomed_panel_and_a_failed_refresh() {
    let mut app = app();
    app.run_command_text("metrics cluster-overview");
    let q = runs(&mut app);
    answer_all(&mut app, &q);
    app.dispatch(Msg::Action(Action::NextPanel));
    app.dispatch(Msg::Action(Action::NextPanel));
    app.dispatch(Msg::Action(Action::Zoom));
    let q = runs(&mut app);
    for q in &q {
        app.answer_metric(
            q.id,
            Err(PromError::Timeout {
                url: "service monitoring/prometheus-operated:http-web".into(),
                after: std::time::Duration::from_secs(30),
            }),
        );
    }
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn no_prometheus_found() {
    let mut app = app();
    app.dispatch(Msg::Source(SourceEvent::Metrics(MetricsEvent::Backend(
        BackendState::Missing(crate::sources::prometheus::manager::NOT_FOUND.into()),
    ))));
    app.run_command_text("metrics argocd");
    let q = runs(&mut app);
    for q in &q {
        app.answer_metric(
            q.id,
            Err(PromError::Other(
                crate::sources::prometheus::manager::NOT_FOUND.into(),
            )),
        );
    }
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn editor_with_a_parse_error() {
    let mut app = app();
    app.run_command_text("promql sum(rate(container_cpu_usage_seconds_total[5m]) by (pod)");
    app.dispatch(Msg::Action(Action::RunQuery));
    let q = runs(&mut app);
    app.answer_metric(
        q[0].id,
        Err(PromError::Query {
            error_type: "bad_data".into(),
            message: "invalid parameter \"query\": 1:4: parse error: unclosed left parenthesis"
                .into(),
        }),
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn editor_chart_and_table() {
    let mut app = app();
    app.run_command_text("promql sum by (instance) (rate(node_cpu_seconds_total[5m]))");
    app.dispatch(Msg::Action(Action::RunQuery));
    let q = runs(&mut app);
    answer_all(&mut app, &q);
    let chart = draw(&app);
    app.dispatch(Msg::Action(Action::ToggleResult));
    let q = runs(&mut app);
    answer_all(&mut app, &q);
    insta::assert_snapshot!("editor_chart", chart.backend());
    insta::assert_snapshot!("editor_table", draw(&app).backend());
}

/// Every panel failing with the same error (Prometheus itself unreachable): one banner
/// says so, the panels do not repeat it; at 80×24, 120×35 and 200×50.
#[test]
fn prometheus_unreachable_is_one_banner_at_three_sizes() {
    let error = PromError::Unreachable {
        url: "http://127.0.0.1:9".into(),
        detail: "connection refused".into(),
    };
    let text = crate::ui::tests::sizes::SIZES
        .iter()
        .map(|&(w, h)| {
            let mut app = app();
            app.dispatch(Msg::Resize(crate::ui::layout::viewport(w, h)));
            app.run_command_text("metrics cluster-overview");
            for q in runs(&mut app) {
                app.answer_metric(q.id, Err(error.clone()));
            }
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| crate::ui::render(&app, f)).unwrap();
            format!("{w}×{h}\n{}", t.backend())
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        text.matches("✖ Prometheus at http://127.0.0.1:9 is unreachable")
            .count(),
        3,
        "{text}"
    );
    // The panels do not repeat the error.
    assert_eq!(text.matches("is unreachable").count(), 3, "{text}");
    insta::assert_snapshot!(text);
}
