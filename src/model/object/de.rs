//! Typed views read straight from the compact [`Value`]: a serde `Deserializer` over
//! `&Value`, so a `#[derive(Deserialize)]` struct is filled from a store's object without a
//! round trip through `serde_json::Value`.
//!
//! Views read what a pane needs and stay lenient the way the JSON-pointer reads they replace
//! were: [`lax`] turns a field of the wrong type into its default (a string where a number
//! is expected does not fail the whole object), and [`int_or_string`] takes `3` or `"3"`.

use std::fmt;

use serde::Deserialize;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::Value;

/// Why a value did not fit the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Reads a `T` from a compact value.
pub(crate) fn from_value<'de, T: Deserialize<'de>>(v: &'de Value) -> Result<T, Error> {
    T::deserialize(v)
}

/// A field that does not fit its type is read as its default (as `pointer(..).as_str()`
/// reading `None` did). Use with `#[serde(default, deserialize_with = "lax")]`.
pub(crate) fn lax<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    // Over a `&Value` each field has its own deserializer: a failed attempt consumes
    // nothing the rest of the object needs.
    Ok(T::deserialize(d).unwrap_or_default())
}

/// An integer written as a number or as its decimal text (`3` or `"3"`); anything else is
/// `None`.
pub(crate) fn int_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrText {
        Int(i64),
        Text(String),
    }
    Ok(match IntOrText::deserialize(d) {
        Ok(IntOrText::Int(n)) => Some(n),
        Ok(IntOrText::Text(s)) => s.parse().ok(),
        Err(_) => None,
    })
}

/// A value that does not fit `T` is `T::default()` (for list elements: one bad element
/// reads as a default element instead of costing the whole list).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lax<T>(pub T);

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for Lax<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Lax(T::deserialize(d).unwrap_or_default()))
    }
}

/// A list whose elements are read leniently (each one that does not fit is a default); a
/// field that is not a list is empty.
pub(crate) fn lax_items<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    let items: Vec<Lax<T>> = lax(d)?;
    Ok(items.into_iter().map(|Lax(t)| t).collect())
}

/// The strings of a list (other elements are skipped); not a list is empty.
pub(crate) fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items: Vec<Lax<Option<String>>> = lax(d)?;
    Ok(items.into_iter().filter_map(|Lax(s)| s).collect())
}

/// `Some` for any value but `null` (read leniently), `None` for `null`; with
/// `#[serde(default)]` an absent field is `None` too.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    let v: Option<Lax<T>> = Option::deserialize(d).unwrap_or(Some(Lax(T::default())));
    Ok(v.map(|Lax(t)| t))
}

/// An RFC 3339 timestamp (surrounding spaces allowed); anything else is `None`.
pub(crate) fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<jiff::Timestamp>, D::Error> {
    Ok(Option::<String>::deserialize(d)
        .ok()
        .flatten()
        .and_then(|s| s.trim().parse().ok()))
}

/// A quantity as written (`500m`, `2Gi`); a bare number (`2`, `0.5`) is taken as its text,
/// anything else is `None`.
pub(crate) fn quantity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Int(i64),
        Float(f64),
        Text(String),
    }
    Ok(match NumberOrText::deserialize(d) {
        Ok(NumberOrText::Int(n)) => Some(n.to_string()),
        Ok(NumberOrText::Float(f)) => Some(f.to_string()),
        Ok(NumberOrText::Text(s)) => Some(s),
        Err(_) => None,
    })
}

/// A non-empty string; empty text and other types are `None`.
pub(crate) fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)
        .ok()
        .flatten()
        .filter(|s| !s.is_empty()))
}

fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => de::Unexpected::Signed(i),
            (_, Some(u), _) => de::Unexpected::Unsigned(u),
            (_, _, Some(f)) => de::Unexpected::Float(f),
            _ => de::Unexpected::Other("number"),
        },
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

impl<'de> Deserializer<'de> for &'de Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Seq(items.iter())),
            Value::Object(map) => visitor.visit_map(Entries {
                iter: map.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_none(),
            v => visitor.visit_some(v),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Value::String(s) => visitor.visit_enum(s.as_ref().into_deserializer()),
            Value::Object(map) if map.len() == 1 => match map.iter().next() {
                Some((k, v)) => visitor.visit_enum(Variant(k, v)),
                None => Err(de::Error::invalid_type(unexpected(self), &"an enum")),
            },
            other => Err(de::Error::invalid_type(unexpected(other), &"an enum")),
        }
    }

    /// A struct reads only from an object (a list is not a struct here, as a JSON pointer
    /// into it finds none of the struct's fields).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Value::Object(map) => visitor.visit_map(Entries {
                iter: map.iter(),
                value: None,
            }),
            other => Err(de::Error::invalid_type(unexpected(other), &"an object")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Seq<'de>(std::slice::Iter<'de, Value>);

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(v)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'de, I: Iterator<Item = (&'de str, &'de Value)>> {
    iter: I,
    value: Option<&'de Value>,
}

impl<'de, I: Iterator<Item = (&'de str, &'de Value)>> MapAccess<'de> for Entries<'de, I> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(de::value::BorrowedStrDeserializer::new(k))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(v),
            None => Err(de::Error::custom("a map value without its key")),
        }
    }
}

struct Variant<'de>(&'de str, &'de Value);

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = &'de Value;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, &'de Value), Error> {
        let name = seed.deserialize(de::value::BorrowedStrDeserializer::new(self.0))?;
        Ok((name, self.1))
    }
}

impl<'de> VariantAccess<'de> for &'de Value {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(
                unexpected(other),
                &"a unit variant",
            )),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default, rename_all = "camelCase")]
    struct Probe {
        #[serde(deserialize_with = "lax")]
        name: String,
        #[serde(deserialize_with = "lax")]
        labels: BTreeMap<String, String>,
        #[serde(deserialize_with = "int_or_string")]
        replicas: Option<i64>,
        #[serde(deserialize_with = "non_empty")]
        node_name: Option<String>,
        #[serde(deserialize_with = "lax")]
        ready: bool,
        #[serde(deserialize_with = "lax")]
        items: Vec<Item>,
        #[serde(deserialize_with = "lax")]
        ratio: f64,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Item {
        #[serde(deserialize_with = "lax")]
        key: String,
    }

    fn probe(j: serde_json::Value) -> Probe {
        from_value(&Value::from(j)).expect("a lenient view never fails on an object")
    }

    #[test]
    fn reads_the_fields_it_names() {
        let p = probe(json!({"name": "web", "labels": {"a": "b"}, "replicas": 3,
            "nodeName": "n1", "ready": true, "items": [{"key": "k"}], "ratio": 0.5, "extra": [1]}));
        assert_eq!(p.name, "web");
        assert_eq!(p.labels.get("a").map(String::as_str), Some("b"));
        assert_eq!(p.replicas, Some(3));
        assert_eq!(p.node_name.as_deref(), Some("n1"));
        assert!(p.ready);
        assert_eq!(p.items, [Item { key: "k".into() }]);
        assert_eq!(p.ratio, 0.5);
    }

    #[test]
    fn missing_fields_are_defaults() {
        assert_eq!(probe(json!({})), Probe::default());
        assert_eq!(
            probe(json!({"name": null, "items": null})),
            Probe::default()
        );
    }

    #[test]
    fn wrong_types_are_defaults_not_failures() {
        let p = probe(json!({"name": 7, "labels": ["x"], "replicas": {"n": 1},
            "nodeName": 3, "ready": "yes", "items": [{"key": 1}, "text"], "ratio": "half"}));
        assert_eq!(p, Probe::default());
        // One bad element of a list does not cost the list (the element is dropped
        // whole only if it is not an object; a bad field inside is a default).
        let p = probe(json!({"items": [{"key": 1}, {"key": "ok"}]}));
        assert_eq!(p.items, [Item::default(), Item { key: "ok".into() }]);
        assert_eq!(probe(json!({"nodeName": ""})).node_name, None);
        // A list is not a struct (a pointer into it finds no field): the element does not
        // fit, so the (strictly read) list is the default.
        let p = probe(json!({"items": [["k"], {"key": "ok"}]}));
        assert!(p.items.is_empty());
        assert!(from_value::<Item>(&Value::from(json!(["k"]))).is_err());
    }

    #[test]
    fn integers_may_be_text() {
        assert_eq!(probe(json!({"replicas": "12"})).replicas, Some(12));
        assert_eq!(probe(json!({"replicas": "twelve"})).replicas, None);
        assert_eq!(probe(json!({"replicas": -4})).replicas, Some(-4));
    }

    #[test]
    fn a_view_of_something_else_is_an_error() {
        let e = from_value::<Probe>(&Value::from(json!("text"))).unwrap_err();
        assert!(e.to_string().contains("string"), "{e}");
    }

    #[test]
    fn reads_enums_and_borrowed_strings() {
        #[derive(Debug, Deserialize, PartialEq)]
        enum Phase {
            Running,
            Other(String),
        }
        let v = Value::from(json!("Running"));
        assert_eq!(from_value::<Phase>(&v), Ok(Phase::Running));
        let v = Value::from(json!({"Other": "x"}));
        assert_eq!(from_value::<Phase>(&v), Ok(Phase::Other("x".into())));
        let v = Value::from(json!("borrowed"));
        assert_eq!(from_value::<&str>(&v), Ok("borrowed"));
    }
}
