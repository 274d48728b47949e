//! A Service: its cluster IP and first port.

use serde::Deserialize;

use super::super::object::Value;
use super::super::object::de::{Error, int_or_string, lax, lax_items, non_empty};
use super::{Meta, View, body};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Service {
    pub(crate) meta: Meta,
    pub(crate) cluster_ip: Option<String>,
    pub port: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    #[serde(deserialize_with = "lax")]
    spec: Spec,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Spec {
    #[serde(rename = "clusterIP", deserialize_with = "non_empty")]
    cluster_ip: Option<String>,
    #[serde(deserialize_with = "lax_items")]
    ports: Vec<Port>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Port {
    #[serde(deserialize_with = "int_or_string")]
    port: Option<i64>,
}

impl View for Service {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "Service";

    fn from_parts(meta: Meta, data: &Value) -> Result<Self, Error> {
        let b: Body = body(data)?;
        Ok(Service {
            meta,
            cluster_ip: b.spec.cluster_ip,
            port: b.spec.ports.first().and_then(|p| p.port),
        })
    }
}
