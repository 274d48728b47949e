//! Dashboards: the model (panels, targets, units, thresholds, grid layout, template
//! variables), built-in dashboards embedded from `dashboards/*.toml`, user dashboards from
//! the config directory, and import of Grafana dashboard JSON. Pure: no I/O except reading
//! the files a caller names.

pub mod axis;
pub mod grafana;
pub mod load;
pub mod model;
pub mod panes;
pub mod promql;
pub mod series;
pub mod template;
pub mod units;

pub use model::{Dashboard, Grid, Panel, PanelKind, Severity, Target, Threshold, Unit, Variable};
pub use series::{QueryResult, ResultKind, Series};
