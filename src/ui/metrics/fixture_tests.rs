//! The Grafana fixtures of `tests/fixtures/grafana/` opened in the console as a user
//! would: variables answered (label values made up per label), every query answered with
//! series labelled after its legend and `by (…)` labels, then the whole screen as a
//! snapshot at 200×50 and 100×30, rows as saved and then all opened.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::fixture;
use crate::app::{App, Msg};
use crate::config::dashboards::load_file;
use crate::domain::dashboard::{QueryResult, ResultKind, Series};
use crate::model::BackendState;
use crate::model::action::Action;
use crate::sources::prometheus::manager::{MetricsEvent, MetricsRequest};
use crate::sources::prometheus::task::{LabelAnswer, MetricsQuery};
use crate::sources::{Request, SourceEvent};

const FIXTURES: [&str; 5] = [
    "node-exporter-full-style",
    "argocd-style",
    "cnpg-style",
    "k8s-views-style",
    "grafanalib-node",
];

fn path(id: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/grafana")
        .join(format!("{id}.json"))
}

/// Values of a label, as a cluster with two nodes, three namespaces and a CNPG cluster
/// would answer.
fn label_values(label: &str) -> Vec<String> {
    let v: &[&str] = match label {
        "job" => &["node"],
        "nodename" => &["node-a", "node-b"],
        "instance" => &["10.0.0.1:9100", "10.0.0.2:9100"],
        "namespace" => &["argocd", "db", "shop"],
        "cluster" => &["pg-main"],
        "pod" => &["pg-main-1", "pg-main-2", "web-1"],
        "server" => &["https://kubernetes.default.svc"],
        _ => &["a", "b"],
    };
    v.iter().map(|s| s.to_string()).collect()
}

/// Labels a query's answer carries: those of `by (…)`, those its legend names, else
/// those its regex matchers name.
fn answer_labels(q: &MetricsQuery, legend_labels: &[String]) -> Vec<String> {
    let mut out: Vec<String> = legend_labels.to_vec();
    if out.is_empty()
        && !q.expr.contains(" by")
        && !q.expr.starts_with("sum(")
        && !q.expr.starts_with("max(")
        && !q.expr.starts_with("min(")
        && !q.expr.starts_with("count(")
    {
        for part in q.expr.split("=~").skip(1) {
            let name: String = q.expr[..q.expr.len() - part.len() - 2]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    for part in q
        .expr
        .split("by (")
        .skip(1)
        .chain(q.expr.split("by(").skip(1))
    {
        if let Some(list) = part.split(')').next() {
            for l in list.split(',') {
                let l = l.trim().to_string();
                if !l.is_empty() && !out.contains(&l) {
                    out.push(l);
                }
            }
        }
    }
    out
}

fn made_up(q: &MetricsQuery, labels: &[String], n: usize) -> QueryResult {
    let count = if labels.is_empty() { 1 } else { 2 };
    let big = q.expr.contains("bytes") && !q.expr.starts_with("1 -") && !q.expr.starts_with("100");
    let date = q.expr.contains("_time") && q.expr.contains("* 1000");
    let series = (0..count)
        .map(|k| {
            let shape = |t: f64| -> f64 {
                let x = t / 600.0 + k as f64 + n as f64;
                if date {
                    (1_736_500_000.0 - 7200.0 * (k as f64 + 1.0)) * 1000.0
                } else if q.expr.contains("in_recovery") || q.expr.contains("network_up") {
                    if k == 0 { 0.0 } else { 1.0 }
                } else if big {
                    4e9 * (0.5 + 0.3 * x.sin())
                } else if q.expr.starts_with("100") {
                    100.0 * (0.54 + 0.3 * x.sin() * 0.5 + 0.1 * k as f64)
                } else {
                    0.54 + 0.3 * x.sin() * 0.5 + 0.1 * k as f64
                }
            };
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
                        out.push((t, shape(t)));
                        t += step;
                    }
                    out
                }
                None => vec![(1_736_510_400.0, shape(0.0))],
            };
            let labels: BTreeMap<String, String> = labels
                .iter()
                .map(|l| {
                    let vals = label_values(l);
                    let v = if l == "le" {
                        ["0.5", "+Inf"][k].to_string()
                    } else {
                        vals[k % vals.len()].clone()
                    };
                    (l.clone(), v)
                })
                .collect();
            Series { labels, points }
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

/// Answers every request until none is left.
fn settle(app: &mut App) -> usize {
    let mut rounds = 0;
    loop {
        let requests = app.take_requests();
        if requests.is_empty() || rounds > 20 {
            return rounds;
        }
        rounds += 1;
        let legends: Vec<(String, Vec<String>)> = match app.top() {
            Some(crate::app::view::View::Metrics(m)) => m
                .dashboard
                .panels
                .iter()
                .flat_map(|p| p.targets.iter())
                .map(|t| {
                    let names = t
                        .legend
                        .split("{{")
                        .skip(1)
                        .filter_map(|s| s.split("}}").next())
                        .map(|s| s.trim().to_string())
                        .collect();
                    (t.expr.clone(), names)
                })
                .collect(),
            _ => Vec::new(),
        };
        for (n, r) in requests.into_iter().enumerate() {
            match r {
                Request::Metrics(MetricsRequest::Labels(q)) => {
                    app.dispatch(Msg::Source(SourceEvent::Metrics(MetricsEvent::Labels(
                        LabelAnswer {
                            id: q.id,
                            result: Ok(label_values(&q.label)),
                        },
                    ))));
                }
                Request::Metrics(MetricsRequest::Run(qs)) => {
                    for (k, q) in qs.iter().enumerate() {
                        // The legend of the target this expression came from.
                        let legend = legends
                            .iter()
                            .find(|(e, _)| {
                                let head: String = e.chars().take(12).collect();
                                q.expr.starts_with(&head)
                            })
                            .map(|(_, l)| l.clone())
                            .unwrap_or_default();
                        let labels = answer_labels(q, &legend);
                        app.answer_metric(q.id, Ok(made_up(q, &labels, n + k)));
                    }
                }
                _ => {}
            }
        }
    }
}

fn open(id: &str, w: u16, h: u16) -> App {
    let mut app = fixture::app();
    app.dispatch(Msg::Resize(crate::ui::layout::viewport(w, h)));
    app.metrics.tz = jiff::tz::TimeZone::UTC;
    app.dispatch(Msg::Source(SourceEvent::Metrics(MetricsEvent::Backend(
        BackendState::Ready {
            describe: "http://127.0.0.1:9090".into(),
            discovered: false,
        },
    ))));
    app.set_metrics_inputs(vec![load_file(&path(id))], Vec::new());
    app.take_requests();
    app.run_command_text(&format!("metrics {id}"));
    settle(&mut app);
    app
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::ui::render(app, f)).unwrap();
    super::buffer_text(t.backend().buffer())
}

/// Opens every row (space on each header, top to bottom).
fn open_rows(app: &mut App) {
    let headers = match app.top() {
        Some(crate::app::view::View::Metrics(m)) => m.dashboard.rows.len(),
        _ => 0,
    };
    for _ in 0..headers {
        let next = match app.top() {
            Some(crate::app::view::View::Metrics(m)) => {
                let collapsed = m.collapsed();
                m.items().iter().position(|p| {
                    matches!(p.item, crate::domain::dashboard::layout::Item::Row(r) if collapsed[r])
                })
            }
            _ => None,
        };
        let Some(i) = next else { break };
        if let Some(crate::app::view::View::Metrics(m)) = app.stack.last_mut() {
            m.selected = i;
        }
        app.dispatch(Msg::Action(Action::ToggleRow));
        settle(app);
    }
}

#[test]
fn fixtures_at_200x50_and_100x30() {
    for id in FIXTURES {
        for (w, h) in [(200u16, 50u16), (100, 30)] {
            let app = open(id, w, h);
            let text = screen(&app, w, h);
            assert!(!text.contains("loading…"), "{id} {w}x{h}:\n{text}");
            assert!(
                !text.contains('$'),
                "unfilled variable in {id} {w}x{h}:\n{text}"
            );
            insta::assert_snapshot!(format!("fixture_{id}_{w}x{h}"), text);
        }
    }
}

#[test]
fn fixtures_with_every_row_open_have_no_holes() {
    for id in FIXTURES {
        let mut app = open(id, 200, 50);
        open_rows(&mut app);
        let Some(crate::app::view::View::Metrics(m)) = app.top() else {
            panic!("{id}: not the metrics pane");
        };
        assert!(
            m.collapsed().iter().all(|c| !c),
            "{id}: {:?}",
            m.collapsed()
        );
        let items = m.items();
        assert!(
            crate::domain::dashboard::layout::overlaps(&items).is_empty(),
            "{id}: overlapping items"
        );
        for (i, (p, d)) in m.dashboard.panels.iter().zip(&m.panels).enumerate() {
            let drawn = !d.series.is_empty()
                || !p.kind.queries()
                || matches!(d.status, crate::ui::metrics::PanelStatus::Failed { .. });
            assert!(
                drawn,
                "{id}: panel {i} {:?} has no data: {:?}",
                p.title, d.status
            );
        }
        // The full height, every row open, as one snapshot.
        let height = crate::domain::dashboard::layout::height(&items) as u16 + 4;
        let mut t = Terminal::new(TestBackend::new(200, height.min(400))).unwrap();
        if let Some(crate::app::view::View::Metrics(_)) = app.top() {
            app.dispatch(Msg::Resize(crate::ui::layout::viewport(
                200,
                height.min(400),
            )));
        }
        t.draw(|f| crate::ui::render(&app, f)).unwrap();
        insta::assert_snapshot!(
            format!("fixture_{id}_open"),
            super::buffer_text(t.backend().buffer())
        );
    }
}

#[test]
fn the_import_report_lists_every_failed_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.json"), "{ not json").unwrap();
    std::fs::write(dir.path().join("b.json"), "{\"title\": \"x\"}").unwrap();
    std::fs::write(dir.path().join("c.toml"), "title = 3").unwrap();
    let mut app = open("cnpg-style", 100, 30);
    app.set_metrics_inputs(crate::config::dashboards::from_dir(dir.path()), Vec::new());
    app.run_command_text("metrics cnpg-style");
    settle(&mut app);
    app.dispatch(Msg::Action(Action::Notes));
    let text = screen(&app, 100, 30);
    for f in [
        "a.json",
        "b.json",
        "c.toml",
        "piechart",
        "logs",
        "3 dashboards failed",
    ] {
        assert!(text.contains(f), "{f} missing:\n{text}");
    }
}
