//! Grafana dashboard import: three realistic dashboards of different shapes (variables,
//! mixed panel types, collapsed rows, legacy graph/singlestat panels, non-Prometheus and
//! unsupported panels), imported and drawn with deterministic data as snapshots.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use opsdeck::app::metrics::panel::{PanelData, PanelStatus, plotted};
use opsdeck::domain::dashboard::grafana::{Imported, import};
use opsdeck::domain::dashboard::template::{Bindings, expand};
use opsdeck::domain::dashboard::{QueryResult, ResultKind, Series, Unit};
use opsdeck::ui::chart::Palette;
use opsdeck::ui::metrics::{Frame, buffer_text, dashboard_height, draw_dashboard};

/// 2024-03-12 13:00:00 UTC.
const END: f64 = 1_710_248_400.0;

fn fixture(name: &str) -> Imported {
    let path = format!(
        "{}/tests/fixtures/grafana/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    import(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What the import made of the dashboard, in words.
fn summary(i: &Imported) -> String {
    let d = &i.dashboard;
    let mut out = String::new();
    writeln!(out, "title: {}", d.title).unwrap();
    writeln!(out, "range: {}  refresh: {:?}", d.range, d.refresh).unwrap();
    for v in &d.variables {
        writeln!(
            out,
            "variable ${}: query={:?} values={:?} default={:?} all={}",
            v.name, v.query, v.values, v.default, v.include_all
        )
        .unwrap();
    }
    let mut bindings = Bindings::new(
        std::time::Duration::from_secs(60),
        std::time::Duration::from_secs(3600),
    );
    for v in &d.variables {
        if let Some(def) = v.default.clone().or_else(|| v.values.first().cloned()) {
            bindings.set(&v.name, &def);
        }
    }
    for p in &d.panels {
        writeln!(
            out,
            "panel {:?} {} unit={:?} grid=({},{},{},{}) thresholds={:?}",
            p.title,
            p.kind.name(),
            p.unit,
            p.grid.x,
            p.grid.y,
            p.grid.w,
            p.grid.h,
            p.thresholds
                .iter()
                .map(|t| (t.value, t.color))
                .collect::<Vec<_>>()
        )
        .unwrap();
        for t in &p.targets {
            writeln!(out, "  {} [{}]", expand(&t.expr, &bindings), t.legend).unwrap();
        }
    }
    for s in &i.skipped {
        writeln!(out, "skipped {:?} ({}): {}", s.title, s.kind, s.reason).unwrap();
    }
    for n in &i.notes {
        writeln!(out, "note: {n}").unwrap();
    }
    out
}

/// Deterministic answers: two series per target, labelled after the names its legend uses.
fn fake_result(big: bool, legend: &str, seed: usize) -> QueryResult {
    let names: Vec<String> = legend
        .split("{{")
        .skip(1)
        .filter_map(|s| s.split("}}").next())
        .map(|s| s.trim().to_string())
        .collect();
    // A query without legend labels is an aggregate: one series.
    let count = if names.is_empty() { 1 } else { 2 };
    let series = (0..count)
        .map(|k| {
            let labels: BTreeMap<String, String> = names
                .iter()
                .map(|n| (n.clone(), format!("{n}-{}", k + 1)))
                .collect();
            let points = (0..=60)
                .map(|i| {
                    let x = f64::from(i) / 8.0 + (seed * 3 + k) as f64;
                    let v = 0.45 + 0.3 * x.sin() + 0.1 * k as f64;
                    (
                        END - 3600.0 + f64::from(i) * 60.0,
                        if big { v * 4e9 } else { v },
                    )
                })
                .collect();
            Series { labels, points }
        })
        .collect();
    QueryResult {
        kind: ResultKind::Matrix,
        series,
    }
}

fn render(i: &Imported, width: u16) -> String {
    let d = &i.dashboard;
    let data: Vec<PanelData> = d
        .panels
        .iter()
        .enumerate()
        .map(|(n, p)| PanelData {
            series: p
                .targets
                .iter()
                .enumerate()
                .flat_map(|(k, t)| {
                    let big = matches!(
                        p.unit,
                        Unit::Bytes
                            | Unit::BytesPerSecond
                            | Unit::DecBytes
                            | Unit::DecBytesPerSecond
                    );
                    plotted(&t.legend, &fake_result(big, &t.legend, n + k))
                })
                .collect(),
            status: PanelStatus::Ready {
                at: Timestamp::from_second(END as i64).unwrap(),
            },
            slow: false,
        })
        .collect();
    let frame = Frame {
        start: END - 3600.0,
        end: END,
        step: 60.0,
        now: Timestamp::from_second(END as i64).unwrap(),
        tz: TimeZone::UTC,
    };
    let area = Rect::new(0, 0, width, dashboard_height(d));
    let mut buf = Buffer::empty(area);
    draw_dashboard(
        d,
        &data,
        &frame,
        &Palette::default(),
        None,
        0,
        area,
        &mut buf,
    );
    buffer_text(&buf)
}

#[test]
fn kubernetes_namespace_dashboard() {
    let i = fixture("kubernetes-namespace.json");
    assert_eq!(i.dashboard.panels.len(), 6);
    assert!(i.skipped.is_empty(), "{:?}", i.skipped);
    // The datasource variable is the configured Prometheus, hidden from the status line.
    let names: Vec<&str> = i
        .dashboard
        .variables
        .iter()
        .filter(|v| {
            v.hide < 2 && v.kind() != opsdeck::domain::dashboard::model::VarKind::Datasource
        })
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(names, vec!["namespace", "pod"]);
    insta::assert_snapshot!("grafana_kubernetes_namespace_summary", summary(&i));
    insta::assert_snapshot!("grafana_kubernetes_namespace_render", render(&i, 120));
}

#[test]
fn legacy_node_exporter_dashboard() {
    let i = fixture("node-exporter-legacy.json");
    let titles: Vec<(&str, &str)> = i
        .dashboard
        .panels
        .iter()
        .map(|p| (p.title.as_str(), p.kind.name()))
        .collect();
    // Text and heatmap panels are drawn (as text and in cells), not skipped.
    assert!(titles.contains(&("Root FS used", "stat")), "{titles:?}");
    assert!(titles.iter().any(|t| t.1 == "text"), "{titles:?}");
    assert!(titles.iter().any(|t| t.1 == "heatmap"), "{titles:?}");
    assert!(i.skipped.is_empty(), "{:?}", i.skipped);
    insta::assert_snapshot!("grafana_node_exporter_summary", summary(&i));
    insta::assert_snapshot!("grafana_node_exporter_render", render(&i, 100));
}

#[test]
fn cnpg_http_api_export() {
    let i = fixture("cnpg-export.json");
    let skipped: Vec<(&str, &str)> = i
        .skipped
        .iter()
        .map(|s| (s.title.as_str(), s.kind.as_str()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            ("Operator logs", "logs"),
            ("Transactions", "timeseries"),
            ("Connections by state", "piechart")
        ]
    );
    assert!(i.skipped[1].reason.contains("loki"), "{:?}", i.skipped[1]);
    insta::assert_snapshot!("grafana_cnpg_summary", summary(&i));
    insta::assert_snapshot!("grafana_cnpg_render", render(&i, 100));
}
