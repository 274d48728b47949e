//! User-visible strings of the console, gathered in one place.

pub const APP_NAME: &str = "opsdeck";
pub const CONNECTING: &str = "connecting…";
pub const CONNECTED: &str = "connected";
pub const LOADING: &str = "loading…";
pub const NO_ROWS: &str = "no objects";
pub const NO_MATCH: &str = "nothing matches the filter";
pub const LOGS_ONLY_PODS: &str = "logs are available for pods and their containers";
pub const NOT_SCALABLE: &str = "only deployments, statefulsets and replicasets can be scaled";
pub const NOT_RESTARTABLE: &str = "only deployments, statefulsets and daemonsets can be restarted";
pub const NOTHING_SELECTED: &str = "nothing selected";
pub const OBJECT_GONE: &str = "the object no longer exists; showing its last state";
pub const STREAM_ENDED: &str = "log stream ended";
pub const STREAM_RECONNECTING: &str = "stream ended — reconnecting";

pub fn readonly(action: &str) -> String {
    format!("read-only mode: {action} is disabled (--readonly or readonly = true in config.toml)")
}

pub fn unreachable(error: &str, secs: i64) -> String {
    format!("unreachable: {error} — retrying in {secs}s")
}

pub fn stale(error: &str, age: &str) -> String {
    format!("stale {age}: {error}")
}

pub fn confirm_delete(what: &str) -> String {
    format!("Delete {what}?")
}

pub fn confirm_restart(what: &str) -> String {
    format!("Restart {what}? (rolling restart of its pods)")
}

pub const REVEAL_ONLY_SECRETS: &str = "reveal: only the YAML view of a Secret has values to reveal";
pub const REVEAL_NOTHING: &str = "reveal: this Secret has no values (or it is still loading)";

pub fn confirm_reveal(key: &str, what: &str) -> String {
    format!(
        "Show the value of {key:?} of {what} on screen? It stays shown until you leave this view."
    )
}

pub fn reveal_no_key(key: &str, keys: &[String]) -> String {
    format!("no key {key:?} (keys: {})", keys.join(", "))
}

pub fn confirm_scale(what: &str, from: i64, to: i64) -> String {
    format!("Scale {what} from {from} to {to} replicas?")
}

pub fn done(message: &str) -> String {
    format!("{message}: done")
}

pub fn failed(message: &str, error: &str) -> String {
    format!("{message} failed: {error}")
}

pub fn config_problems(first: &str, more: usize) -> String {
    if more == 0 {
        format!("config: {first} (defaults used)")
    } else {
        format!("config: {first} (+{more} more in the log; defaults used)")
    }
}
