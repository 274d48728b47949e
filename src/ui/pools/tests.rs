//! Snapshots of the node pools pane at 120×30 from the platform recording (no network).

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::pools::fixture;
use crate::app::{App, Msg};
use crate::model::action::Action;
use crate::sources::SourceEvent;
use crate::sources::nodegroups::EksEvent;

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
    t.draw(|f| crate::ui::render(app, f)).unwrap();
    t
}

fn down(app: &mut App, n: usize) {
    for _ in 0..n {
        app.dispatch(Msg::Action(Action::Down));
    }
}

#[test]
fn pools_before_eks_data() {
    let mut app = fixture::app();
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn pools_not_an_eks_cluster() {
    let mut app = fixture::app();
    app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Cluster(None))));
    fixture::open_pools(&mut app);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn pools_with_eks_database_selected() {
    let mut app = fixture::app();
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    fixture::eks_groups(&mut app);
    down(&mut app, 1);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn pools_with_stale_eks_data() {
    let mut app = fixture::app();
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    fixture::eks_groups(&mut app);
    app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Failed {
        cluster: fixture::CLUSTER.into(),
        error: "EKS endpoint unreachable: dispatch failure".into(),
    })));
    app.dispatch(Msg::Tick(
        crate::app::fixture::now()
            .checked_add(jiff::SignedDuration::from_secs(95))
            .unwrap(),
    ));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn pools_scaling_confirmation() {
    let mut app = fixture::app();
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    fixture::eks_groups(&mut app);
    down(&mut app, 2);
    app.dispatch(Msg::Action(Action::Scale));
    app.dispatch(Msg::Action(Action::ClearLine));
    for c in "2/4/6".chars() {
        app.dispatch(Msg::Input(c));
    }
    app.dispatch(Msg::Action(Action::Submit));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn pools_scaling_prompt_error() {
    let mut app = fixture::app();
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    fixture::eks_groups(&mut app);
    app.dispatch(Msg::Action(Action::Scale));
    app.dispatch(Msg::Action(Action::ClearLine));
    for c in "9/1/2".chars() {
        app.dispatch(Msg::Input(c));
    }
    app.dispatch(Msg::Action(Action::Submit));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn pools_with_warnings() {
    let mut app = fixture::app();
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    // The database group's minimum drops to 1 and one of its nodes reports pressure.
    let mut groups = fixture::nodegroups();
    for g in &mut groups {
        if g.name == "database" {
            g.min_size = 1;
            g.health_issues = vec!["AsgInstanceLaunchFailures: insufficient capacity".into()];
        }
    }
    app.dispatch(Msg::Source(SourceEvent::Eks(EksEvent::Nodegroups {
        cluster: fixture::CLUSTER.into(),
        groups,
    })));
    let mut objs = fixture::objects().to_vec();
    let node = objs
        .iter_mut()
        .find(|o| {
            o.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("eks.amazonaws.com/nodegroup"))
                .is_some_and(|g| g == "database")
        })
        .unwrap();
    let mut data = node.data.to_json();
    for c in data["status"]["conditions"].as_array_mut().unwrap() {
        if c["type"] == "MemoryPressure" {
            c["status"] = "True".into();
        }
    }
    node.data = data.into();
    let spec = match app.top() {
        Some(crate::app::view::View::Pools(p)) => p.nodes.clone(),
        _ => panic!("pools pane expected"),
    };
    crate::app::fixture::fill(&mut app, &spec, &objs);
    down(&mut app, 1);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn pools_with_cpu_and_memory_use_from_prometheus() {
    use crate::app::view::View;
    use crate::domain::dashboard::{QueryResult, ResultKind, Series, panes};
    use crate::model::BackendState;
    use crate::sources::Request;
    use crate::sources::prometheus::manager::{MetricsEvent, MetricsRequest};
    use crate::sources::prometheus::task::MetricsAnswer;
    let mut app = fixture::app();
    fixture::eks_cluster(&mut app);
    fixture::open_pools(&mut app);
    fixture::eks_groups(&mut app);
    app.dispatch(Msg::Source(SourceEvent::Metrics(MetricsEvent::Backend(
        BackendState::Ready {
            describe: "http://prometheus:9090".into(),
            discovered: false,
        },
    ))));
    let nodes: Vec<String> = match app.top() {
        Some(View::Pools(p)) => p
            .pools
            .iter()
            .flat_map(|p| p.nodes.iter().map(|n| n.name.clone()))
            .collect(),
        _ => panic!("not the pools pane"),
    };
    let now = app.now;
    for r in app.take_requests() {
        let Request::Metrics(MetricsRequest::Run(queries)) = r else {
            continue;
        };
        for q in queries {
            let per_node = if q.expr == panes::NODE_CPU {
                0.45
            } else {
                2.5e9
            };
            let series = nodes
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    Series::new(
                        &[("node", n)],
                        vec![(0.0, per_node * (1.0 + i as f64 / 4.0))],
                    )
                })
                .collect();
            app.dispatch(Msg::Source(SourceEvent::Metrics(MetricsEvent::Answer(
                MetricsAnswer {
                    id: q.id,
                    sent: now,
                    received: now,
                    result: Ok(QueryResult {
                        kind: ResultKind::Vector,
                        series,
                    }),
                },
            ))));
        }
    }
    insta::assert_snapshot!(draw(&app).backend());
}
