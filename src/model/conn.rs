//! Connection states the header and the panes show: the cluster's and the metrics backend's.

use jiff::Timestamp;

/// Connection state shown in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Connected,
    Unreachable {
        error: String,
        retry_at: Timestamp,
    },
    /// The client could not even be built (bad credentials plugin, TLS material, …).
    Failed(String),
}

/// Where metrics come from, for the header and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendState {
    /// Looking for the cluster's Prometheus.
    Discovering,
    /// `describe` names it; `discovered` when found in the cluster.
    Ready { describe: String, discovered: bool },
    /// No Prometheus: why, in words.
    Missing(String),
}
