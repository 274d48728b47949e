//! User-visible text of the metrics pane and the PromQL editor.

pub const TITLE: &str = "metrics";
pub const EDITOR_TITLE: &str = "promql";
pub const DISCOVERING: &str = "looking for the cluster's Prometheus…";
pub const NO_DASHBOARDS: &str = "no dashboards loaded";
pub const PAUSED: &str = "paused";
pub const EMPTY_QUERY: &str = "the query is empty";

/// The line under an empty editor: what to type and how to run it.
pub fn empty_hint(run_key: &str) -> String {
    format!(
        "type a PromQL query, e.g. sum by (namespace) (rate(container_cpu_usage_seconds_total[5m])), then {run_key} to run it"
    )
}
pub const RUNNING: &str = "running…";
pub const RESOLVING: &str = "resolving variables…";
pub const NO_DATA: &str = "no data";
pub const RANGE_HELP: &str =
    "range: a duration (30m, 6h, 2d) or FROM..TO with now-DURATION or RFC 3339 times";

pub fn unknown_dashboard(name: &str, known: &[String]) -> String {
    format!("no dashboard {name:?}; known: {}", known.join(", "))
}

pub fn bad_range(text: &str, why: &str) -> String {
    format!("bad time range {text:?}: {why}")
}

pub fn refresh_label(every: Option<std::time::Duration>) -> String {
    match every {
        Some(d) => format!(
            "refresh {}",
            crate::domain::dashboard::axis::format_duration(d)
        ),
        None => "refresh off".into(),
    }
}

pub fn source_line(state: &crate::model::BackendState) -> String {
    use crate::model::BackendState;
    match state {
        BackendState::Discovering => DISCOVERING.into(),
        BackendState::Ready { describe, .. } => format!("prometheus: {describe}"),
        BackendState::Missing(why) => why.clone(),
    }
}

/// Why a pane has no metric column values.
pub fn pane_metrics_missing(state: &crate::model::BackendState, error: Option<&str>) -> String {
    use crate::model::BackendState;
    match (state, error) {
        (_, Some(e)) => format!("no data from Prometheus: {e}"),
        (BackendState::Discovering, None) => DISCOVERING.into(),
        (BackendState::Missing(why), None) => why.clone(),
        (BackendState::Ready { .. }, None) => "waiting for Prometheus…".into(),
    }
}

/// The banner when every panel fails with the same error (Prometheus itself unreachable).
pub fn backend_down(error: &str) -> String {
    let what = if error.starts_with("Prometheus") {
        error.to_string()
    } else {
        format!("Prometheus unreachable: {error}")
    };
    format!("{what} — every panel keeps its last data; retried at each refresh")
}

/// What a panel says when the banner explains its error.
pub const SEE_BANNER: &str = "no answer (see above)";
/// The flash at startup when dashboard files failed to load.
pub fn dashboards_failed(count: usize, first: &str) -> String {
    if count == 1 {
        format!("dashboard failed to load: {first} (`:metrics`, then n, lists it)")
    } else {
        format!("{count} dashboards failed to load, first: {first} (`:metrics`, then n, lists all)")
    }
}

pub const NOTES_TITLE: &str = "import report";
pub const NO_NOTES: &str = "nothing to report: every panel and option was imported";
pub const FAILED_HEADER: &str = "dashboards that failed to load:";
