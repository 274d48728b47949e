//! A compact JSON value for objects kept in watch stores.
//!
//! `serde_json::Value` with `preserve_order` spends ~226 bytes per map entry (an `IndexMap`
//! bucket of an 80-byte value, a hash index and a heap key). Here a value is 24 bytes, a
//! map is a shared slice of (key, value) in document order searched linearly (object maps
//! are small), and keys and short strings are shared: every pod's `"containerStatuses"`
//! and `"Running"` are one allocation. Arrays and maps are shared slices, so cloning a
//! subtree (a pod's `spec` handed to a pane's domain code) is a reference count, not a
//! copy; the rare writer (pruning on ingest) copies a slice only if it is shared.
//! The read API follows `serde_json::Value` (`v["spec"]["nodeName"].as_str()`,
//! `pointer`, `get`), so code reads it the same way.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::ops::Index;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Number;

/// A JSON value; see the module documentation.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Arc<str>),
    Array(Arc<[Value]>),
    Object(Map),
}

/// A JSON object: its entries in document order.
#[derive(Clone, Debug, PartialEq)]
pub struct Map(Arc<[(Key, Value)]>);

impl Default for Map {
    fn default() -> Map {
        Map(Arc::new([]))
    }
}

/// A map key, shared between every map that uses it (see [`Key::new`]).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(Arc<str>);

/// Strings up to this long are shared (see [`intern`]); longer ones are rarely repeated.
const INTERNED_LEN: usize = 64;
/// The interning table is swept of strings nothing else holds when it reaches this size
/// (then twice the size it was left with), so unique strings cannot grow it for ever.
const FIRST_SWEEP: usize = 4096;

/// One table per thread: no lock on the decoding path, and a string repeated across
/// thousands of objects is still kept a handful of times at most.
struct Interner {
    set: HashSet<Arc<str>, foldhash::fast::RandomState>,
    sweep_at: usize,
}

thread_local! {
    static STRINGS: RefCell<Interner> = RefCell::new(Interner {
        set: HashSet::default(),
        sweep_at: FIRST_SWEEP,
    });
}

/// A shared copy of `s`: map keys (`"containerStatuses"`) and short values (`"Running"`,
/// node names, timestamps) repeat across objects.
pub(crate) fn intern(s: &str) -> Arc<str> {
    if s.len() > INTERNED_LEN {
        return Arc::from(s);
    }
    STRINGS.with_borrow_mut(|t| {
        if let Some(k) = t.set.get(s) {
            return k.clone();
        }
        if t.set.len() >= t.sweep_at {
            t.set.retain(|k| Arc::strong_count(k) > 1);
            t.sweep_at = (t.set.len() * 2).max(FIRST_SWEEP);
        }
        let k: Arc<str> = Arc::from(s);
        t.set.insert(k.clone());
        k
    })
}

impl Key {
    pub fn new(s: &str) -> Key {
        Key(intern(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::ops::Deref for Key {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

static NULL: Value = Value::Null;

impl Value {
    /// An object of these entries, in this order.
    pub fn object<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Object(entries.into_iter().map(|(k, v)| (Key::new(k), v)).collect())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The items of an array, copied first if the array is shared.
    pub(crate) fn as_array_mut(&mut self) -> Option<&mut [Value]> {
        match self {
            Value::Array(a) => Some(unshared(a)),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub(crate) fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    #[cfg(test)]
    pub(crate) fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// A JSON Pointer (RFC 6901) lookup, as `serde_json::Value::pointer`.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |v, token| {
            let token: std::borrow::Cow<'_, str> = if token.contains('~') {
                token.replace("~1", "/").replace("~0", "~").into()
            } else {
                token.into()
            };
            match v {
                Value::Object(m) => m.get(&token),
                Value::Array(a) => token.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            }
        })
    }

    /// The same value as a `serde_json::Value` (for typed decoding of small objects).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_json).collect()),
            Value::Object(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

impl Map {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        unshared(&mut self.0)
            .iter_mut()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Keeps the entries whose key is in `keep`.
    pub(crate) fn retain_keys(&mut self, keep: &[&str]) {
        if self.0.iter().all(|(k, _)| keep.contains(&k.as_str())) {
            return;
        }
        self.0 = self
            .0
            .iter()
            .filter(|(k, _)| keep.contains(&k.as_str()))
            .cloned()
            .collect();
    }
}

/// The slice behind `a`, copied first if another value shares it.
fn unshared<T: Clone>(a: &mut Arc<[T]>) -> &mut [T] {
    if Arc::get_mut(a).is_none() {
        *a = a.iter().cloned().collect();
    }
    Arc::get_mut(a).unwrap_or_default()
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a str, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Key, Value)>,
        fn(&'a (Key, Value)) -> (&'a str, &'a Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl FromIterator<(Key, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(iter: I) -> Map {
        Map(iter.into_iter().collect())
    }
}

impl Index<&str> for Value {
    type Output = Value;
    /// The value at `key`, or null (as `serde_json::Value`).
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl Index<&String> for Value {
    type Output = Value;
    fn index(&self, key: &String) -> &Value {
        &self[key.as_str()]
    }
}

impl Index<usize> for Value {
    type Output = Value;
    /// The item at `i`, or null.
    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl From<&serde_json::Value> for Value {
    fn from(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.clone()),
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from).collect()),
            serde_json::Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (Key::new(k), Value::from(v)))
                    .collect(),
            ),
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        Value::from(&v)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(intern(s))
    }
}

impl fmt::Display for Value {
    /// Compact JSON, as `serde_json::Value` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(self) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(v) => s.serialize_str(v),
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a.iter() {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Object(m) => m.serialize(s),
        }
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Deserialize::deserialize(d)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::from(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items.into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        collect_map(map).map(Value::Object)
    }
}

/// Reads the rest of a JSON object into a [`Map`].
pub(super) fn collect_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Map, A::Error> {
    let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
    while let Some(k) = map.next_key::<KeySeed>()? {
        let v: Value = map.next_value()?;
        entries.push((k.0, v));
    }
    Ok(Map(entries.into()))
}

/// A map key read without an intermediate `String` when the input allows.
pub(super) struct KeySeed(pub Key);

impl<'de> Deserialize<'de> for KeySeed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeySeed, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeySeed;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<KeySeed, E> {
                Ok(KeySeed(Key::new(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> serde_json::Value {
        json!({
            "spec": {"nodeName": "n1", "containers": [{"name": "app", "ports": [80, 443]}]},
            "status": {"phase": "Running", "ready": true, "count": 3, "ratio": 0.5, "none": null},
            "a/b": {"c~d": 1}
        })
    }

    #[test]
    fn reads_like_serde_json() {
        let j = doc();
        let v: Value = serde_json::from_value(j.clone()).unwrap();
        assert_eq!(v["spec"]["nodeName"].as_str(), Some("n1"));
        assert_eq!(v["spec"]["containers"][0]["name"].as_str(), Some("app"));
        assert_eq!(v["spec"]["containers"][0]["ports"][1].as_u64(), Some(443));
        assert_eq!(v["status"]["ready"].as_bool(), Some(true));
        assert_eq!(v["status"]["count"].as_i64(), Some(3));
        assert_eq!(v["status"]["ratio"].as_f64(), Some(0.5));
        assert!(v["status"]["none"].is_null());
        assert!(v["missing"]["deeper"][3].is_null());
        assert_eq!(
            v.pointer("/spec/containers/0/ports/0")
                .and_then(Value::as_u64),
            Some(80)
        );
        assert_eq!(v.pointer("/a~1b/c~0d").and_then(Value::as_i64), Some(1));
        assert_eq!(v.pointer(""), Some(&v));
        assert_eq!(v.pointer("/spec/containers/x"), None);
        assert_eq!(
            v.get("spec").map(|s| s.as_object().map(Map::len)),
            Some(Some(2))
        );
    }

    #[test]
    fn round_trips_in_document_order() {
        let j = doc();
        let v = Value::from(&j);
        assert_eq!(v.to_json(), j);
        assert_eq!(serde_json::to_value(&v).unwrap(), j);
        let keys: Vec<&str> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["spec", "status", "a/b"]);
        assert_eq!(v.to_string(), j.to_string());
        let from_text: Value = serde_json::from_str(&j.to_string()).unwrap();
        assert_eq!(from_text, v);
    }

    #[test]
    fn keys_are_shared_between_maps() {
        let a = Value::from(json!({"containerStatuses": 1}));
        let b = Value::from(json!({"containerStatuses": 2}));
        let ka = &a.as_object().unwrap().0[0].0;
        let kb = &b.as_object().unwrap().0[0].0;
        assert!(Arc::ptr_eq(&ka.0, &kb.0));
    }

    #[test]
    fn short_strings_are_shared_and_unused_ones_swept() {
        let a = Value::from(json!({"phase": "Running"}));
        let b = Value::from(json!({"phase": "Running"}));
        let (Value::String(x), Value::String(y)) = (&a["phase"], &b["phase"]) else {
            panic!("strings");
        };
        assert!(Arc::ptr_eq(x, y));
        let long = "x".repeat(INTERNED_LEN + 1);
        assert!(!Arc::ptr_eq(&intern(&long), &intern(&long)));
        // Unique strings nothing holds any more are dropped from the table.
        for i in 0..FIRST_SWEEP * 3 {
            intern(&format!("unique-{i}"));
        }
        let kept = STRINGS.with_borrow(|t| t.set.len());
        assert!(kept <= FIRST_SWEEP * 2, "{kept} strings kept");
        assert!(
            Arc::ptr_eq(&intern("Running"), x),
            "held strings stay shared"
        );
    }

    #[test]
    fn retain_keys_keeps_order() {
        let mut m = Value::from(json!({"a": 1, "b": 2, "c": 3}));
        m.as_object_mut().unwrap().retain_keys(&["c", "a"]);
        assert_eq!(m.to_json(), json!({"a": 1, "c": 3}));
    }

    #[test]
    fn a_value_is_small() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<(Key, Value)>(), 40);
    }
}
