//! User-visible strings of the console, gathered in one place.

pub(crate) const APP_NAME: &str = "opsdeck";
pub(crate) const CONNECTING: &str = "connecting…";
pub(crate) const CONNECTED: &str = "connected";
pub(crate) const LOADING: &str = "loading…";
pub(crate) const NO_ROWS: &str = "no objects";
pub(crate) const NO_MATCH: &str = "nothing matches the filter";
pub(crate) const LOGS_ONLY_PODS: &str =
    "logs are available for pods, their containers and workloads (deployments, …)";
pub(crate) const NOT_SCALABLE: &str =
    "only deployments, statefulsets and replicasets can be scaled";
pub(crate) const NOT_RESTARTABLE: &str =
    "only deployments, statefulsets and daemonsets can be restarted";
pub(crate) const NOTHING_SELECTED: &str = "nothing selected";
pub(crate) const OBJECT_GONE: &str = "the object no longer exists; showing its last state";
pub(crate) const STREAM_ENDED: &str = "log stream ended";
pub(crate) const STREAM_RECONNECTING: &str = "stream ended — reconnecting";
pub(crate) const READONLY_BADGE: &str = " READONLY ";
pub(crate) const DELETE_POD: &str = "Delete pod";
pub(crate) const LOGS_HINT: &str = "Logs";
pub(crate) const SORT_ONLY_TABLES: &str = "sorting applies to resource tables";
pub(crate) const RELOADING: &str = "reloading from the API server…";

pub(crate) fn no_such_column(column: &str, plural: &str, names: &[&str]) -> String {
    format!(
        "no column {column:?} in {plural} (columns: {})",
        names.join(", ")
    )
}

/// The first message of `opsdeck --sandbox`: where this is and where to go.
pub(crate) fn sandbox_welcome(recording: &str) -> String {
    format!(
        "sandbox: recording {recording:?}, pods of every namespace — try :pools :waves :cnpg :metrics, ? for keys"
    )
}

pub(crate) fn readonly(action: &str) -> String {
    format!("read-only mode: {action} is disabled (--readonly or readonly = true in config.toml)")
}

pub(crate) fn unreachable(error: &str, secs: i64) -> String {
    format!("unreachable: {error} — retrying in {secs}s")
}

/// An empty table while the API server cannot be reached.
pub(crate) fn unreachable_body(error: &str, secs: i64) -> String {
    format!("cannot reach the API server ({error}); retrying in {secs}s")
}

/// An empty table whose watch fails.
pub(crate) fn watch_failed_body(error: &str) -> String {
    if error.starts_with("forbidden: ") {
        // RBAC: asked again in the background; another namespace may be readable.
        return format!(
            "{error}; pick a namespace you may read (:ns NAME), rights are checked again every few seconds"
        );
    }
    format!("cannot list these objects: {error}; retrying")
}

/// The console moved from the context's namespace to one the user may read.
pub(crate) fn landed(namespace: &str, from: &str) -> String {
    format!(
        "namespace {namespace}: you may not list pods in {from} (the context's namespace), so the console opened the first namespace you may read"
    )
}

pub(crate) fn stale(error: &str, age: &str) -> String {
    format!("stale {age}: {error}")
}

pub(crate) fn confirm_delete(what: &str) -> String {
    format!("Delete {what}?")
}

pub(crate) fn confirm_delete_namespace(what: &str) -> String {
    format!("Delete {what} and every object in it?")
}

/// ctrl-d in a pod's containers view deletes the pod, not a container: say so.
pub(crate) fn confirm_delete_pod_of_containers(what: &str) -> String {
    format!("Delete the whole {what} (all its containers)?")
}

pub(crate) fn type_name_label(name: &str) -> String {
    format!("type {name} to confirm: ")
}

pub(crate) fn type_to_confirm(name: &str) -> String {
    format!("type {name} and press enter to confirm (esc cancels)")
}

pub(crate) fn pick_pod_for_logs(scope: &str, key: &str) -> String {
    format!("pods of {scope}: pick one and press {key} for its logs")
}

pub(crate) fn no_favourite(slot: usize) -> String {
    format!("no namespace favourite {slot} yet (namespaces you open become 1–9; 0 = all)")
}

pub(crate) fn unknown_key(key: &str) -> String {
    format!("unknown key {key} — ? lists the keys of this view")
}

pub(crate) fn confirm_restart(what: &str) -> String {
    format!("Restart {what}? (rolling restart of its pods)")
}

pub(crate) const REVEAL_ONLY_SECRETS: &str =
    "reveal: only the YAML view of a Secret has values to reveal";
pub(crate) const REVEAL_NOTHING: &str =
    "reveal: this Secret has no values (or it is still loading)";

pub(crate) fn confirm_reveal(key: &str, what: &str) -> String {
    format!(
        "Show the value of {key:?} of {what} on screen? It stays shown until you leave this view."
    )
}

pub(crate) fn reveal_no_key(key: &str, keys: &[String]) -> String {
    format!("no key {key:?} (keys: {})", keys.join(", "))
}

pub(crate) fn confirm_scale(what: &str, from: i64, to: i64) -> String {
    format!("Scale {what} from {from} to {to} replicas?")
}

pub(crate) fn done(message: &str) -> String {
    format!("{message}: done")
}

pub(crate) fn failed(message: &str, error: &str) -> String {
    format!("{message} failed: {error}")
}

pub(crate) fn config_problems(first: &str, more: usize) -> String {
    if more == 0 {
        format!("config: {first} (defaults used)")
    } else {
        format!("config: {first} (+{more} more in the log; defaults used)")
    }
}

/// The logs title when the bounded buffer dropped its oldest lines.
pub(crate) fn lines_dropped(n: u64) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!(" [{n} line{s} dropped: buffer full] ")
}
