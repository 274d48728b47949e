//! [`Obj`]: any Kubernetes object as the console keeps it: typed metadata and a compact
//! body ([`Value`]). It is what watch stores hold and what views read; kube-rs's
//! `DynamicObject` keeps its body as a `serde_json::Value`, which costs about three times
//! the memory (see `value.rs`).

pub mod value;

use std::borrow::Cow;
use std::fmt;

use kube::api::{ApiResource, ObjectMeta, TypeMeta};
use kube::core::{DynamicResourceScope, Resource};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

pub use value::{Key, Map, Value};

/// An object of any kind: `apiVersion`/`kind`, metadata, and every other field in `data`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Obj {
    pub types: Option<TypeMeta>,
    pub metadata: ObjectMeta,
    /// The fields besides `apiVersion`, `kind` and `metadata` (an object).
    pub data: Value,
}

impl Obj {
    /// An object from its JSON form (fixtures, tests, objects built by the app).
    pub fn from_json(v: serde_json::Value) -> Result<Obj, serde_json::Error> {
        serde_json::from_value(v)
    }

    /// The whole object as a `serde_json::Value` (typed decoding of small objects).
    pub fn to_json(&self) -> serde_json::Value {
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
        let mut entries = Vec::new();
        while let Some(value::KeySeed(k)) = map.next_key()? {
            match k.as_str() {
                "apiVersion" => api_version = Some(map.next_value::<String>()?),
                "kind" => kind = Some(map.next_value::<String>()?),
                "metadata" => metadata = Some(map.next_value::<ObjectMeta>()?),
                _ => entries.push((k, map.next_value::<Value>()?)),
            }
        }
        let types = match (api_version, kind) {
            (Some(api_version), Some(kind)) => Some(TypeMeta { api_version, kind }),
            (None, None) => None,
            (None, Some(_)) => return Err(de::Error::missing_field("apiVersion")),
            (Some(_), None) => return Err(de::Error::missing_field("kind")),
        };
        Ok(Obj {
            types,
            metadata: metadata.unwrap_or_default(),
            data: Value::Object(entries.into_iter().collect()),
        })
    }
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
    fn half_a_type_is_an_error() {
        let e = Obj::from_json(json!({"kind": "Pod", "metadata": {}})).unwrap_err();
        assert!(e.to_string().contains("apiVersion"), "{e}");
    }
}
