//! The shared model: types several layers read and none of them owns. A leaf: it imports
//! nothing from the rest of the crate (tests/layers.rs checks).
//!
//! - [`object`]: the compact object the stores keep, and its JSON-like [`object::Value`].
//! - [`resource`]: one API resource kind (names, scope, verbs, subresources, printer
//!   columns), built from discovery or a CRD, and kube's `ApiResource` for it.
//! - [`catalog`]: the resource kinds the cluster serves, with k9s aliases.
//! - [`watch`]: watch identity ([`WatchKey`]) and what starting one needs ([`WatchSpec`]).
//! - [`conn`]: the cluster connection and metrics backend states the screens show.
//! - [`install`]: the install's steps, their progress and plans (engine, wizard, screens).
//! - [`action`]: the one vocabulary of user intents keys are bound to.

pub mod action;
pub mod catalog;
pub mod conn;
pub mod install;
pub mod object;
pub mod resource;
pub mod views;
pub mod watch;

pub use catalog::Catalog;
pub use conn::{BackendState, ConnState};
pub use resource::{PrinterColumn, ResourceKind};
pub use watch::{WatchKey, WatchSpec};
