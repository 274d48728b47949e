//! A Node: its labels (pool, zone) as the CNPG pane reads them.

use super::super::object::Value;
use super::super::object::de::Error;
use super::{Meta, View};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub meta: Meta,
}

impl View for Node {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "Node";

    fn from_parts(meta: Meta, _data: &Value) -> Result<Self, Error> {
        Ok(Node { meta })
    }
}
