//! The metrics pane as a [`Pane`]: it watches nothing (its panels are Prometheus answers to
//! the queries `metrics_tick` sends), so a store change leaves it as it is; the selection
//! moves between panels (`NextPanel`/`PrevPanel`), not by rows.

use super::super::pane::{Pane, PaneCx, Refreshed};
use super::MetricsView;
use crate::model::WatchSpec;

impl Pane for MetricsView {
    fn watches(&self) -> Vec<&WatchSpec> {
        Vec::new()
    }

    fn refresh(&mut self, _cx: &mut PaneCx<'_>) -> Refreshed {
        Refreshed::default()
    }

    fn rows_shown(&self, cx: &PaneCx<'_>) -> usize {
        cx.list_rows()
    }

    fn step(&mut self, _delta: isize, _rows: usize) {}

    fn fit(&mut self, _rows: usize) {}
}
