//! Pure domain models and logic: no I/O, no terminal, heavily unit-tested.
//!
//! Panes turn Kubernetes objects (and EKS / Prometheus answers) into these models; the
//! logic here decides what an operator needs to see: pools and their warnings, sync-wave
//! progress and what blocks it, CloudNativePG failover state.

pub mod cnpg;
pub(crate) mod credential_refresh;
pub mod dashboard;
pub(crate) mod duration;
pub(crate) mod pending;
pub mod pools;
pub(crate) mod quantity;
pub(crate) mod text;
pub mod waves;
pub(crate) mod xray;
