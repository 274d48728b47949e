//! Typed views of the objects the panes read: an Argo CD [`Application`], a CloudNativePG
//! [`Cluster`], a [`Node`], a [`Pod`], the [`Workload`]s a blocker is explained with, and
//! the [`Service`]s, [`PodDisruptionBudget`]s and [`Event`]s of a Cluster's detail.
//!
//! Each is parsed once, where an object leaves its watch store ([`View::from_obj`]), from the
//! compact body ([`super::object::de`], no `serde_json` round trip), and holds only what the
//! panes read. Parsing is lenient as the API is: a field that is missing or of the wrong type
//! reads as its default (or `None`), it never fails the object.

pub(crate) mod application;
pub(crate) mod cluster;
pub(crate) mod event;
pub(crate) mod node;
pub(crate) mod pdb;
pub(crate) mod pod;
pub(crate) mod service;
pub(crate) mod workload;

use std::collections::BTreeMap;

use serde::Deserialize;

use super::object::de::{self, Error};
use super::object::{Obj, Value};

pub use application::Application;
pub use cluster::Cluster;
pub use event::Event;
pub use node::Node;
pub use pdb::PodDisruptionBudget;
pub use pod::Pod;
pub use service::Service;
pub use workload::Workload;

/// What every view keeps of `apiVersion`, `kind` and `metadata`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub(crate) owners: Vec<Owner>,
    pub resource_version: String,
    pub created: Option<jiff::Timestamp>,
    /// `metadata.deletionTimestamp` is set.
    pub(crate) deleting: bool,
}

/// One `metadata.ownerReferences` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Owner {
    pub api_version: String,
    pub kind: String,
    pub name: String,
}

impl Meta {
    /// From an object; `api_version`/`kind` stand in when the object does not say (list
    /// items as the API hands them over).
    pub(crate) fn of(obj: &Obj, api_version: &str, kind: &str) -> Meta {
        let m = &obj.metadata;
        let (api_version, kind) = match &obj.types {
            Some(t) => (t.api_version.clone(), t.kind.clone()),
            None => (api_version.to_string(), kind.to_string()),
        };
        Meta {
            api_version,
            kind,
            name: m.name.clone().unwrap_or_default(),
            namespace: m.namespace.clone().unwrap_or_default(),
            labels: m.labels.clone().unwrap_or_default(),
            annotations: m.annotations.clone().unwrap_or_default(),
            owners: m
                .owner_references
                .iter()
                .flatten()
                .map(|o| Owner {
                    api_version: o.api_version.clone(),
                    kind: o.kind.clone(),
                    name: o.name.clone(),
                })
                .collect(),
            resource_version: m.resource_version.clone().unwrap_or_default(),
            created: m.creation_timestamp.as_ref().map(|t| t.0),
            deleting: m.deletion_timestamp.is_some(),
        }
    }

    /// The group of `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
    pub fn group(&self) -> &str {
        group_of(&self.api_version)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }
}

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
pub(crate) fn group_of(api_version: &str) -> &str {
    match api_version.split_once('/') {
        Some((group, _)) => group,
        None => "",
    }
}

/// A typed view of one kind of object.
pub trait View: Sized {
    /// `apiVersion` and `kind` assumed when the object does not carry them.
    const API_VERSION: &'static str;
    const KIND: &'static str;

    /// The view from the object's metadata and its parsed body.
    fn from_parts(meta: Meta, body: &Value) -> Result<Self, Error>;

    /// Reads a store's object. An object whose body is not a JSON object is an error; a
    /// field of the wrong type is not.
    fn from_obj(obj: &Obj) -> Result<Self, Error> {
        Self::from_parts(Meta::of(obj, Self::API_VERSION, Self::KIND), &obj.data)
    }

    /// Reads a store's object of a watch whose kind is `api_version`/`kind` (what list items
    /// without `apiVersion`/`kind` are taken for).
    fn from_obj_as(obj: &Obj, api_version: &str, kind: &str) -> Result<Self, Error> {
        Self::from_parts(Meta::of(obj, api_version, kind), &obj.data)
    }

    /// From the JSON form (fixtures, tests); `None` when it is not an object.
    fn from_json(v: serde_json::Value) -> Option<Self> {
        let obj = Obj::from_json(v).ok()?;
        Self::from_obj(&obj).ok()
    }
}

/// Parses a body struct from the compact data.
fn body<'de, T: Deserialize<'de>>(data: &'de Value) -> Result<T, Error> {
    if !data.is_object() {
        return Err(<Error as serde::de::Error>::custom(
            "the object has no body",
        ));
    }
    de::from_value(data)
}

#[cfg(test)]
mod tests;
