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

pub(crate) mod action;
pub(crate) mod catalog;
pub(crate) mod conn;
pub(crate) mod install;
pub mod object;
pub(crate) mod resource;
pub mod views;
pub(crate) mod watch;

pub(crate) use catalog::Catalog;
pub(crate) use conn::BackendState;
pub use conn::ConnState;
#[cfg(test)]
pub(crate) use resource::PrinterColumn;
pub(crate) use resource::ResourceKind;
pub(crate) use watch::{WatchKey, WatchSpec};
