use jiff::tz::TimeZone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::*;
use crate::domain::dashboard::model::{Severity, Threshold, Unit};

/// 2024-03-12 13:00:00 UTC.
const END: f64 = 1_710_248_400.0;

pub(crate) fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn draw(w: u16, h: u16, widget: impl Widget) -> String {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    widget.render(area, &mut buf);
    text(&buf)
}

fn wave(phase: f64, scale: f64) -> Vec<(f64, f64)> {
    (0..=60)
        .map(|i| {
            let t = END - 3600.0 + f64::from(i) * 60.0;
            (
                t,
                scale * (0.5 + 0.4 * ((f64::from(i) / 9.0) + phase).sin()),
            )
        })
        .collect()
}

#[test]
fn runs_split_at_gaps_and_nans() {
    let p = vec![
        (0.0, 1.0),
        (10.0, 2.0),
        (40.0, 3.0),
        (50.0, f64::NAN),
        (60.0, 4.0),
    ];
    let r = runs(&p, 10.0);
    assert_eq!(r, vec![&p[0..2], &p[2..3], &p[4..5]]);
    assert!(runs(&[], 10.0).is_empty());
}

#[test]
fn legend_wraps_and_truncates() {
    let s: Vec<String> = ["alpha", "beta", "gamma", "delta"]
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(legend_rows(&s, 20, 2), vec![vec![0, 1], vec![2, 3]]);
    // The last line keeps room for "+N more".
    assert_eq!(legend_rows(&s, 12, 2), vec![vec![0], vec![1]]);
    assert_eq!(legend_rows(&s, 200, 2), vec![vec![0, 1, 2, 3]]);
    assert_eq!(ellipsis("ip-10-0-1-12.ec2.internal", 10), "ip-10-0-1…");
    assert_eq!(ellipsis("short", 10), "short");
}

#[test]
fn timeseries_with_two_series_threshold_and_gap() {
    let mut b = wave(1.0, 1.0);
    // 15 minutes without samples.
    b.retain(|(t, _)| *t < END - 1800.0 || *t > END - 900.0);
    let series = vec![
        Plotted {
            name: "ip-10-0-1-12".into(),
            points: wave(0.0, 1.0),
            ..Plotted::default()
        },
        Plotted {
            name: "ip-10-0-2-40".into(),
            points: b,
            ..Plotted::default()
        },
    ];
    let th = [Threshold {
        value: 0.8,
        color: Severity::Critical,
    }];
    let out = draw(
        72,
        14,
        TimeSeriesChart {
            series: &series,
            start: END - 3600.0,
            end: END,
            step: 60.0,
            unit: Unit::PercentUnit,
            min: Some(0.0),
            max: None,
            thresholds: &th,
            tz: &TimeZone::UTC,
            palette: &Palette::default(),
            legend: true,
            legend_calcs: &[],
            legend_table: false,
            fill: false,
            points: false,
        },
    );
    insta::assert_snapshot!("metrics_chart_timeseries", out);
}

#[test]
fn timeseries_bytes_over_a_week_without_data() {
    let out = draw(
        60,
        8,
        TimeSeriesChart {
            series: &[],
            start: END - 7.0 * 86400.0,
            end: END,
            step: 3600.0,
            unit: Unit::Bytes,
            min: None,
            max: None,
            thresholds: &[],
            tz: &TimeZone::UTC,
            palette: &Palette::default(),
            legend: true,
            legend_calcs: &[],
            legend_table: false,
            fill: false,
            points: false,
        },
    );
    insta::assert_snapshot!("metrics_chart_empty_week", out);
}

#[test]
fn stat_gauge_bars_and_table() {
    let th = [
        Threshold {
            value: 0.7,
            color: Severity::Warn,
        },
        Threshold {
            value: 0.9,
            color: Severity::Critical,
        },
    ];
    let p = Palette::default();
    let hist = wave(0.0, 1.0);
    let mut out = String::new();
    out.push_str("-- stat --\n");
    out.push_str(&draw(
        24,
        4,
        Stat {
            value: Some(0.734),
            history: &hist,
            unit: Unit::PercentUnit,
            decimals: None,
            thresholds: &th,
            palette: &p,
        },
    ));
    out.push_str("-- gauge --\n");
    out.push_str(&draw(
        24,
        3,
        Gauge {
            value: Some(0.734),
            min: 0.0,
            max: 1.0,
            unit: Unit::PercentUnit,
            decimals: Some(1),
            thresholds: &th,
            palette: &p,
        },
    ));
    out.push_str("-- gauge without data --\n");
    out.push_str(&draw(
        24,
        2,
        Gauge {
            value: None,
            min: 0.0,
            max: 1.0,
            unit: Unit::PercentUnit,
            decimals: None,
            thresholds: &th,
            palette: &p,
        },
    ));
    let items = vec![
        ("payments".to_string(), 3.5),
        ("argocd".to_string(), 1.25),
        ("cnpg-system".to_string(), 0.4),
    ];
    out.push_str("-- bars --\n");
    out.push_str(&draw(
        40,
        3,
        Bars {
            items: &items,
            unit: Unit::Short,
            decimals: None,
            max: None,
            thresholds: &[],
            palette: &p,
        },
    ));
    out.push_str("-- table --\n");
    out.push_str(&draw(
        40,
        3,
        ValueTable {
            rows: &items,
            unit: Unit::Seconds,
            decimals: None,
            thresholds: &[],
            palette: &p,
        },
    ));
    insta::assert_snapshot!("metrics_widgets", out);
}
