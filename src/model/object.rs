//! [`Obj`]: any Kubernetes object as the console keeps it: typed metadata and a compact
//! body ([`Value`]). It is what watch stores hold and what views read; kube-rs's
//! `DynamicObject` keeps its body as a `serde_json::Value`, which costs about three times
//! the memory (see `value.rs`).

pub(crate) mod by_addr;
pub(crate) mod de;
pub(crate) mod value;

use std::borrow::Cow;
use std::fmt;

use kube::api::{ApiResource, ObjectMeta, TypeMeta};
use kube::core::{DynamicResourceScope, Resource};
use serde::de::{self as serde_de, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

pub(crate) use value::Key;
pub use value::{Map, Value};

/// An object of any kind: `apiVersion`/`kind`, metadata, and every other field in `data`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Obj {
    pub types: Option<TypeMeta>,
    pub metadata: ObjectMeta,
    /// The fields besides `apiVersion`, `kind` and `metadata` (an object).
    pub data: Value,
    /// What could not be read of this object (`metadata.labels: …`): an object a server
    /// sent with fields of the wrong type is kept (its other fields, the rest of its list)
    /// and marked, instead of failing the whole list.
    pub(crate) invalid: Option<String>,
}

impl Obj {
    /// An object from its JSON form (fixtures, tests, objects built by the app).
    pub fn from_json(v: serde_json::Value) -> Result<Obj, serde_json::Error> {
        serde_json::from_value(v)
    }

    /// The whole object as a `serde_json::Value` (typed decoding of small objects).
    #[cfg(test)]
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl Resource for Obj {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }

    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }

    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }

    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl Serialize for Obj {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = self.data.as_object();
        let len = 1 + 2 * usize::from(self.types.is_some()) + fields.map_or(0, Map::len);
        let mut map = s.serialize_map(Some(len))?;
        if let Some(t) = &self.types {
            map.serialize_entry("apiVersion", &t.api_version)?;
            map.serialize_entry("kind", &t.kind)?;
        }
        map.serialize_entry("metadata", &self.metadata)?;
        for (k, v) in fields.into_iter().flat_map(Map::iter) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Obj {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Obj, D::Error> {
        d.deserialize_map(ObjVisitor)
    }
}

struct ObjVisitor;

impl<'de> Visitor<'de> for ObjVisitor {
    type Value = Obj;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Obj, A::Error> {
        let mut api_version = None;
        let mut kind = None;
        let mut metadata = None;
        let mut invalid = None;
        let mut entries = Vec::new();
        while let Some(value::KeySeed(k)) = map.next_key()? {
            match k.as_str() {
                "apiVersion" | "kind" => {
                    let v = map.next_value::<Value>()?;
                    let text = v.as_str().map(str::to_string);
                    if text.is_none() {
                        invalid = Some(format!("{}: expected a string", k.as_str()));
                    }
                    let text = text.unwrap_or_default();
                    if k.as_str() == "kind" {
                        kind = Some(text);
                    } else {
                        api_version = Some(text);
                    }
                }
                "metadata" => {
                    let (meta, problem) = lenient_meta(map.next_value::<serde_json::Value>()?);
                    metadata = Some(meta);
                    if problem.is_some() {
                        invalid = problem;
                    }
                }
                _ => entries.push((k, map.next_value::<Value>()?)),
            }
        }
        let types = match (api_version, kind) {
            (Some(api_version), Some(kind)) => Some(TypeMeta { api_version, kind }),
            (None, None) => None,
            (None, Some(_)) => return Err(serde_de::Error::missing_field("apiVersion")),
            (Some(_), None) => return Err(serde_de::Error::missing_field("kind")),
        };
        Ok(Obj {
            types,
            metadata: metadata.unwrap_or_default(),
            data: Value::Object(entries.into_iter().collect()),
            invalid,
        })
    }
}

/// `metadata` as typed `ObjectMeta`; when a field has the wrong type (labels as a list),
/// the fields that do not decode are dropped and the problem returned.
fn lenient_meta(raw: serde_json::Value) -> (ObjectMeta, Option<String>) {
    let err = match ObjectMeta::deserialize(&raw) {
        Ok(meta) => return (meta, None),
        Err(e) => e,
    };
    let serde_json::Value::Object(mut fields) = raw else {
        return (
            ObjectMeta::default(),
            Some(format!("metadata: expected an object ({err})")),
        );
    };
    // Drop, one field at a time, what does not decode on its own.
    let names: Vec<String> = fields.keys().cloned().collect();
    let mut dropped = Vec::new();
    for name in names {
        let Some(v) = fields.get(&name).cloned() else {
            continue;
        };
        let mut alone = serde_json::Map::new();
        alone.insert(name.clone(), v);
        if ObjectMeta::deserialize(&serde_json::Value::Object(alone)).is_err() {
            fields.remove(&name);
            dropped.push(format!("metadata.{name}"));
        }
    }
    let meta =
        serde_json::from_value::<ObjectMeta>(serde_json::Value::Object(fields)).unwrap_or_default();
    let what = if dropped.is_empty() {
        "metadata".to_string()
    } else {
        dropped.join(", ")
    };
    (meta, Some(format!("{what}: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_and_writes_an_object() {
        let j = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"nodeName": "n1"},
            "status": {"phase": "Running"}
        });
        let o = Obj::from_json(j.clone()).unwrap();
        assert_eq!(o.metadata.name.as_deref(), Some("web-1"));
        assert_eq!(o.types.as_ref().map(|t| t.kind.as_str()), Some("Pod"));
        assert_eq!(o.data["spec"]["nodeName"].as_str(), Some("n1"));
        assert!(o.data.get("metadata").is_none());
        assert_eq!(o.to_json(), j);
        let list_item =
            Obj::from_json(json!({"metadata": {"name": "a"}, "data": {"k": "v"}})).unwrap();
        assert_eq!(list_item.types, None);
        assert_eq!(list_item.data["data"]["k"].as_str(), Some("v"));
    }

    #[test]
    fn one_bad_object_does_not_fail_its_list() {
        let list = json!({"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {},
        "items": [
            {"metadata": {"name": "good-1", "labels": {"a": "b"}}, "data": {"k": "v"}},
            {"metadata": {"name": "bad", "namespace": "demo", "labels": ["x", "y"]}, "data": {"k": "v"}},
            {"metadata": {"name": "good-2"}}
        ]});
        let list: kube::core::ObjectList<Obj> = serde_json::from_value(list).expect("list decodes");
        let names: Vec<_> = list
            .items
            .iter()
            .map(|o| o.metadata.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["good-1", "bad", "good-2"]);
        assert_eq!(list.items[0].invalid, None);
        let bad = &list.items[1];
        assert_eq!(bad.metadata.namespace.as_deref(), Some("demo"));
        assert_eq!(bad.metadata.labels, None);
        let why = bad.invalid.as_deref().expect("marked");
        assert!(why.contains("metadata.labels"), "{why}");
        assert_eq!(bad.data["data"]["k"].as_str(), Some("v"));
    }

    #[test]
    fn half_a_type_is_an_error() {
        let e = Obj::from_json(json!({"kind": "Pod", "metadata": {}})).unwrap_err();
        assert!(e.to_string().contains("apiVersion"), "{e}");
    }
}
