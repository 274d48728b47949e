//! An Event (`v1` or `events.k8s.io/v1`): what it is about, when, and what it says.

use jiff::Timestamp;
use serde::Deserialize;

use super::super::object::Value;
use super::super::object::de::{Error, int_or_string, lax, present, time};
use super::{Meta, View, body};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    pub(crate) meta: Meta,
    /// Kind and name of `involvedObject` (or `regarding`).
    pub(crate) object_kind: String,
    pub(crate) object_name: String,
    /// The latest of the event's times (its creation time included).
    pub at: Option<Timestamp>,
    pub(crate) type_: Option<String>,
    pub reason: Option<String>,
    /// `message` (or `note`).
    pub message: Option<String>,
    /// `count` (or `series.count`, `deprecatedCount`).
    pub count: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Body {
    #[serde(deserialize_with = "present")]
    involved_object: Option<Object>,
    #[serde(deserialize_with = "lax")]
    regarding: Object,
    #[serde(deserialize_with = "time")]
    last_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "time")]
    deprecated_last_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "time")]
    event_time: Option<Timestamp>,
    #[serde(deserialize_with = "time")]
    first_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "time")]
    deprecated_first_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "lax")]
    series: Series,
    #[serde(rename = "type", deserialize_with = "lax")]
    type_: Option<String>,
    #[serde(deserialize_with = "lax")]
    reason: Option<String>,
    #[serde(deserialize_with = "lax")]
    message: Option<String>,
    #[serde(deserialize_with = "lax")]
    note: Option<String>,
    #[serde(deserialize_with = "int_or_string")]
    count: Option<i64>,
    #[serde(deserialize_with = "int_or_string")]
    deprecated_count: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Object {
    #[serde(deserialize_with = "lax")]
    kind: String,
    #[serde(deserialize_with = "lax")]
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Series {
    #[serde(deserialize_with = "time")]
    last_observed_time: Option<Timestamp>,
    #[serde(deserialize_with = "int_or_string")]
    count: Option<i64>,
}

impl View for Event {
    const API_VERSION: &'static str = "v1";
    const KIND: &'static str = "Event";

    fn from_parts(meta: Meta, data: &Value) -> Result<Self, Error> {
        let b: Body = body(data)?;
        let at = [
            b.last_timestamp,
            b.deprecated_last_timestamp,
            b.series.last_observed_time,
            b.event_time,
            b.first_timestamp,
            b.deprecated_first_timestamp,
            meta.created,
        ]
        .into_iter()
        .flatten()
        .max();
        let object = b.involved_object.unwrap_or(b.regarding);
        Ok(Event {
            object_kind: object.kind,
            object_name: object.name,
            at,
            type_: b.type_,
            reason: b.reason,
            message: b.message.or(b.note),
            count: b.count.or(b.series.count).or(b.deprecated_count),
            meta,
        })
    }
}
