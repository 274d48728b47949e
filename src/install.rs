//! The guided install wizard: cluster → age key → Argo CD → apps.
//!
//! Each step is an explicit state machine: **check** what exists (a [`Plan`] holds what was
//! found and the changes still needed), **plan** (the preview), **apply**, **verify**. The
//! wizard's progress is persisted in the data directory with atomic writes ([`state`]), so a
//! killed wizard resumes where it stopped; re-running a finished step is a no-op because its
//! check finds everything in place.
//!
//! The interactive TUI and the non-interactive `opsdeck install --config install.toml` run the
//! same [`wizard::Wizard`].

pub(crate) mod access;
pub mod agekey;
pub mod apply;
pub(crate) mod apps;
pub(crate) mod argocd;
pub(crate) mod catalog;
pub(crate) mod cluster;
pub mod config;
pub(crate) mod diff;
pub(crate) mod error;
pub(crate) mod existing;
pub(crate) mod kubeconfig;
pub use crate::model::install::plan;
pub mod run;
pub(crate) mod sops;
pub(crate) mod state;
pub(crate) mod tui;
pub mod wizard;

pub use config::InstallConfig;
pub(crate) use error::InstallError;
pub use plan::{Change, ChangeKind, Plan};
pub use state::StepStatus;
pub use wizard::{StepId, Wizard};
