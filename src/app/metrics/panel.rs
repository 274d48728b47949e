//! What a dashboard panel shows: its series (legend applied) and its data state. The app
//! keeps these per panel; the ui draws them.

use jiff::Timestamp;
use ratatui::style::Color;

use crate::domain::dashboard::QueryResult;
use crate::domain::dashboard::model::Target;

/// One named series to draw.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plotted {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// The series' labels (tables join on them).
    pub labels: std::collections::BTreeMap<String, String>,
    /// The query it answered (`A`, `B`).
    pub ref_id: String,
    /// A colour an override fixed (else the palette's by position).
    pub color: Option<Color>,
}

/// A panel's data state. Failures keep the last data.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelStatus {
    /// No answer yet.
    Loading,
    /// Answered at this time.
    Ready { at: Timestamp },
    /// The last refresh failed; `data_at` is when the data shown was fetched.
    Failed {
        error: String,
        data_at: Option<Timestamp>,
    },
}

/// What a panel draws: one named series per target result (legend applied).
#[derive(Debug, Clone, PartialEq)]
pub struct PanelData {
    pub series: Vec<Plotted>,
    pub status: PanelStatus,
    /// A refresh has been running longer than expected.
    pub slow: bool,
}

impl PanelData {
    pub fn loading() -> PanelData {
        PanelData {
            series: Vec::new(),
            status: PanelStatus::Loading,
            slow: false,
        }
    }
}

/// The series of one target's answer, named by its legend, with labels and query id.
pub fn plotted_target(target: &Target, result: &QueryResult) -> Vec<Plotted> {
    let mut out = plotted(&target.legend, result);
    for p in &mut out {
        p.ref_id = target.ref_id.clone();
    }
    out
}

/// The series of one target's answer, named by its legend format.
pub fn plotted(legend_format: &str, result: &QueryResult) -> Vec<Plotted> {
    result
        .series
        .iter()
        .map(|s| Plotted {
            name: crate::domain::dashboard::template::legend(
                legend_format,
                &s.labels,
                &s.selector(),
            ),
            points: s.points.clone(),
            labels: s.labels.clone(),
            ..Plotted::default()
        })
        .collect()
}
