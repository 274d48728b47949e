//! Pure domain models and logic: no I/O, no terminal, heavily unit-tested.
//!
//! Panes turn Kubernetes objects (and EKS / Prometheus answers) into these models; the
//! logic here decides what an operator needs to see: pools and their warnings, sync-wave
//! progress and what blocks it, CloudNativePG failover state.

pub mod cnpg;
pub mod credential_refresh;
pub mod dashboard;
pub mod duration;
pub mod pending;
pub mod pools;
pub mod quantity;
pub mod text;
pub mod waves;
pub mod xray;
