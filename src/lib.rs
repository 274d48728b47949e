//! opsdeck: a terminal ops console for Kubernetes GitOps platforms.
//!
//! Data flows one way: `sources` → events → `app::update` → state → `ui::render`.
//! The `sandbox` serves recordings as a real Kubernetes API so that every view can be
//! seen (and tested) without a cluster.

#![deny(unsafe_code)]
#![deny(clippy::unwrap_used)]

pub mod app;
pub mod bench;
pub mod cli;
pub(crate) mod config;
pub mod console;
pub mod domain;
pub(crate) mod edit_session;
pub mod fuzzing;
pub mod install;
pub mod model;
pub mod play;
pub mod record;
pub mod recording;
pub mod report;
pub mod sandbox;
pub(crate) mod signals;
pub mod sources;
pub(crate) mod terminal_handoff;
pub mod tools;
pub mod ui;
