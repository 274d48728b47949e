//! Dashboards: the model (panels, targets, units, thresholds, grid layout, template
//! variables, rows), built-in dashboards embedded from `dashboards/*.toml`, user dashboards
//! from the config directory, and import of Grafana dashboard JSON with its field config,
//! transformations and repeats. Pure: no I/O except reading the files a caller names.

pub mod axis;
pub mod field;
pub mod grafana;
pub mod layout;
pub mod load;
pub mod model;
pub mod panes;
pub mod promql;
pub mod series;
pub mod table;
pub mod template;
pub mod units;
pub mod vars;

pub use model::{
    Dashboard, Grid, Panel, PanelKind, Row, Severity, Target, Threshold, Unit, Variable,
};
pub use series::{QueryResult, ResultKind, Series};
