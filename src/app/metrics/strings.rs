//! User-visible text of the metrics pane and the PromQL editor.

pub(crate) const TITLE: &str = "metrics";
pub(crate) const EDITOR_TITLE: &str = "promql";
pub(crate) const DISCOVERING: &str = "looking for the cluster's Prometheus…";
pub(crate) const NO_DASHBOARDS: &str = "no dashboards loaded";
pub(crate) const PAUSED: &str = "paused";
pub(crate) const EMPTY_QUERY: &str = "the query is empty";

/// The line under an empty editor: what to type and how to run it.
pub(crate) fn empty_hint(run_key: &str) -> String {
    format!(
        "type a PromQL query, e.g. sum by (namespace) (rate(container_cpu_usage_seconds_total[5m])), then {run_key} to run it"
    )
}
pub(crate) const RUNNING: &str = "running…";
pub(crate) const RESOLVING: &str = "resolving variables…";
pub(crate) const NO_DATA: &str = "no data";
pub(crate) const RANGE_HELP: &str =
    "range: a duration (30m, 6h, 2d) or FROM..TO with now-DURATION or RFC 3339 times";

pub(crate) fn unknown_dashboard(name: &str, known: &[String]) -> String {
    format!("no dashboard {name:?}; known: {}", known.join(", "))
}

pub(crate) fn bad_range(text: &str, why: &str) -> String {
    format!("bad time range {text:?}: {why}")
}

pub(crate) fn refresh_label(every: Option<std::time::Duration>) -> String {
    match every {
        Some(d) => format!(
            "refresh {}",
            crate::domain::dashboard::axis::format_duration(d)
        ),
        None => "refresh off".into(),
    }
}

pub(crate) fn source_line(state: &crate::model::BackendState) -> String {
    use crate::model::BackendState;
    match state {
        BackendState::Discovering => DISCOVERING.into(),
        BackendState::Ready { describe, .. } => format!("prometheus: {describe}"),
        BackendState::Missing(why) => why.clone(),
    }
}

/// Why a pane has no metric column values.
pub(crate) fn pane_metrics_missing(
    state: &crate::model::BackendState,
    error: Option<&str>,
) -> String {
    use crate::model::BackendState;
    match (state, error) {
        (_, Some(e)) => format!("no data from Prometheus: {e}"),
        (BackendState::Discovering, None) => DISCOVERING.into(),
        (BackendState::Missing(why), None) => why.clone(),
        (BackendState::Ready { .. }, None) => "waiting for Prometheus…".into(),
    }
}

/// The banner when every panel fails with the same error (Prometheus itself unreachable).
pub(crate) fn backend_down(error: &str) -> String {
    let what = if error.starts_with("Prometheus") {
        error.to_string()
    } else {
        format!("Prometheus unreachable: {error}")
    };
    format!("{what} — every panel keeps its last data; retried at each refresh")
}

/// What a panel says when the banner explains its error.
pub(crate) const SEE_BANNER: &str = "no answer (see above)";
/// The flash at startup when dashboard files failed to load.
pub(crate) fn dashboards_failed(count: usize, first: &str) -> String {
    if count == 1 {
        format!("dashboard failed to load: {first} (`:metrics`, then n, lists it)")
    } else {
        format!("{count} dashboards failed to load, first: {first} (`:metrics`, then n, lists all)")
    }
}

pub(crate) const NOTES_TITLE: &str = "import report";
pub(crate) const NO_NOTES: &str = "nothing to report: every panel and option was imported";
pub(crate) const FAILED_HEADER: &str = "dashboards that failed to load:";
