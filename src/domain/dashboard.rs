//! Dashboards: the model (panels, targets, units, thresholds, grid layout, template
//! variables, rows), built-in dashboards embedded from `dashboards/*.toml`, user dashboards
//! from the config directory, and import of Grafana dashboard JSON with its field config,
//! transformations and repeats. Pure: no I/O except reading the files a caller names.

pub mod axis;
pub(crate) mod field;
pub mod grafana;
pub mod layout;
pub(crate) mod load;
pub mod model;
pub mod panes;
pub mod promql;
pub(crate) mod series;
pub(crate) mod table;
pub mod template;
pub(crate) mod units;
pub mod vars;

pub(crate) use model::Row;
pub use model::{PanelKind, Severity, Target, Unit, Variable};
pub use series::{QueryResult, ResultKind, Series};
