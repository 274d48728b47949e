//! Decodes Kubernetes protobuf request bodies into the JSON the object would have had.
//!
//! kubectl's typed commands (`kubectl create namespace`, `create secret`, `create deployment`,
//! ...) send `Content-Type: application/vnd.kubernetes.protobuf` bodies: the magic bytes
//! `k8s\0` followed by a `runtime.Unknown` message whose `raw` field holds the encoded object.
//! The sandbox stores JSON, so [`decode`] turns such a body into the `serde_json::Value` that
//! Go's `encoding/json` would produce for the same object: `kind`/`apiVersion` first, fields in
//! Go declaration order, `omitempty` honoured, bytes as base64, `metav1.Time` as RFC 3339,
//! quantities and int-or-strings in their JSON forms.
//!
//! The decoder is schema driven: a hand-written wire-format reader plus the descriptor table in
//! [`schema`], generated from the upstream `generated.proto` and `types.go` files. Field numbers
//! the table does not know are skipped, as protobuf readers do.

mod schema;

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value};

/// The media type of Kubernetes protobuf bodies.
pub(crate) const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The prefix of every Kubernetes protobuf body.
const MAGIC: &[u8; 4] = b"k8s\0";

/// What can go wrong while decoding a Kubernetes protobuf body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProtobufError {
    /// The body does not start with `k8s\0`.
    #[error(
        "not a Kubernetes protobuf body: expected the magic prefix 6b 38 73 00 (\"k8s\\0\"), found {found}"
    )]
    BadMagic {
        /// The first bytes of the body, in hex.
        found: String,
    },
    /// The input ended in the middle of a field.
    #[error("truncated protobuf message: {message} ends in the middle of a field at byte {offset}")]
    Truncated {
        /// The message being read.
        message: String,
        /// Offset in the body where more bytes were expected.
        offset: usize,
    },
    /// A varint longer than 10 bytes.
    #[error("malformed protobuf message: {message} has an over-long varint at byte {offset}")]
    VarintOverflow {
        /// The message being read.
        message: String,
        /// Offset of the varint in the body.
        offset: usize,
    },
    /// A field key with field number 0 or an unknown wire type.
    #[error(
        "malformed protobuf message: {message} has an invalid field key (field {field}, wire type {wire_type}) at byte {offset}"
    )]
    InvalidKey {
        /// The message being read.
        message: String,
        /// The field number of the key.
        field: u64,
        /// The wire type of the key.
        wire_type: u8,
        /// Offset of the key in the body.
        offset: usize,
    },
    /// A known field sent with a wire type that does not fit its type.
    #[error(
        "malformed protobuf message: field {field} ({json}) of {message} has wire type {wire_type}, expected {expected}"
    )]
    WrongWireType {
        /// The message being read.
        message: String,
        /// The field number.
        field: u32,
        /// The JSON name of the field.
        json: String,
        /// The wire type found.
        wire_type: u8,
        /// The wire type the field needs.
        expected: u8,
    },
    /// `runtime.Unknown` had no apiVersion or kind.
    #[error("protobuf body has no {0} in its typeMeta: cannot tell which object it is")]
    MissingTypeMeta(&'static str),
    /// A kind the descriptor table does not cover.
    #[error(
        "unsupported protobuf kind {api_version} {kind}: send JSON instead (kubectl: use 'kubectl apply -f')"
    )]
    UnsupportedKind {
        /// The apiVersion from typeMeta.
        api_version: String,
        /// The kind from typeMeta.
        kind: String,
    },
    /// `runtime.Unknown.contentEncoding` was set (e.g. gzip).
    #[error("unsupported protobuf content encoding {0:?}: only unencoded bodies are accepted")]
    UnsupportedEncoding(String),
    /// A value that has no JSON form (bad time, bad IntOrString type, invalid embedded JSON).
    #[error("invalid value in field {json} of {message}: {reason}")]
    InvalidValue {
        /// The message being read.
        message: String,
        /// The JSON name of the field.
        json: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// True when the content type is the Kubernetes protobuf one (parameters and case ignored).
pub(crate) fn is_protobuf(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(CONTENT_TYPE))
}

/// Decodes a Kubernetes protobuf body (`k8s\0` + runtime.Unknown) into the JSON object.
pub(crate) fn decode(body: &[u8]) -> Result<Value, ProtobufError> {
    let Some(rest) = body.strip_prefix(MAGIC) else {
        let found = body
            .iter()
            .take(MAGIC.len())
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ");
        let found = if found.is_empty() {
            "an empty body".to_owned()
        } else {
            found
        };
        return Err(ProtobufError::BadMagic { found });
    };
    let unknown = Unknown::read(rest, MAGIC.len())?;
    if !unknown.content_encoding.is_empty() {
        return Err(ProtobufError::UnsupportedEncoding(unknown.content_encoding));
    }
    if unknown.api_version.is_empty() {
        return Err(ProtobufError::MissingTypeMeta("apiVersion"));
    }
    if unknown.kind.is_empty() {
        return Err(ProtobufError::MissingTypeMeta("kind"));
    }
    let Some(entry) = schema::KINDS
        .iter()
        .find(|k| k.api_version == unknown.api_version && k.kind == unknown.kind)
    else {
        return Err(ProtobufError::UnsupportedKind {
            api_version: unknown.api_version,
            kind: unknown.kind,
        });
    };
    // Go's TypeMeta comes first: kind, then apiVersion.
    let mut object = Map::new();
    object.insert("kind".to_owned(), Value::String(unknown.kind));
    object.insert("apiVersion".to_owned(), Value::String(unknown.api_version));
    let (raw, raw_offset) = unknown.raw;
    decode_message(entry.msg, raw, raw_offset, &mut object)?;
    Ok(Value::Object(object))
}

// ---------------------------------------------------------------------------------------------
// Descriptors (the table itself is in `schema`).

/// The field is `repeated` (a JSON array).
const REPEATED: u8 = 1;
/// The field is a protobuf map with string keys (a JSON object).
const MAP: u8 = 1 << 1;
/// The Go field is a pointer: present on the wire means emitted, even with a zero value.
const POINTER: u8 = 1 << 2;
/// The Go JSON tag has `omitempty`.
const OMIT_EMPTY: u8 = 1 << 3;
/// The Go JSON tag has `omitzero` (used on `metav1.Time`: a zero time is left out).
const OMIT_ZERO: u8 = 1 << 4;
/// The Go field is embedded inline: its fields are merged into the parent object.
const INLINE: u8 = 1 << 5;

/// The protobuf type of a field, with the JSON encoding its Go type has.
#[derive(Debug, Clone, Copy)]
enum Type {
    Str,
    Bool,
    I32,
    I64,
    /// `[]byte`: a base64 string.
    Bytes,
    /// A nested message.
    Msg(&'static MsgDesc),
    /// `metav1.Time` {1 seconds, 2 nanos}: RFC 3339 in seconds, or null when zero.
    Time,
    /// `metav1.MicroTime`: RFC 3339 with microseconds, or null when zero.
    #[allow(
        dead_code,
        reason = "no kind in the table has a MicroTime field yet (events do)"
    )]
    MicroTime,
    /// `resource.Quantity` {1 string}: the string.
    Quantity,
    /// `intstr.IntOrString` {1 type, 2 intVal, 3 strVal}: a number or a string.
    IntOrString,
    /// `runtime.RawExtension` / `metav1.FieldsV1` {1 raw}: the embedded JSON.
    RawJson,
    /// A `type X []string` wrapper {repeated string items = 1}: a JSON array.
    StrList,
}

/// One field of a message descriptor.
#[derive(Debug)]
struct Field {
    number: u32,
    /// The JSON name ("" for inline fields).
    json: &'static str,
    ty: Type,
    flags: u8,
}

impl Field {
    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// A message descriptor: its fields in Go declaration order.
#[derive(Debug)]
struct MsgDesc {
    /// For error messages, e.g. "core/v1 ServicePort".
    name: &'static str,
    fields: &'static [Field],
}

/// A kind accepted as protobuf.
#[derive(Debug)]
struct Kind {
    api_version: &'static str,
    kind: &'static str,
    msg: &'static MsgDesc,
}

// ---------------------------------------------------------------------------------------------
// Wire format.

const WIRE_VARINT: u8 = 0;
const WIRE_FIXED64: u8 = 1;
const WIRE_LEN: u8 = 2;
const WIRE_FIXED32: u8 = 5;

/// One field value as found on the wire.
#[derive(Debug, Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    /// A 64-bit value; no field in the table has a fixed-width type, so only skipped.
    Fixed64,
    /// Length-delimited bytes and their offset in the body.
    Len(&'a [u8], usize),
    /// A 32-bit value, only skipped.
    Fixed32,
}

impl Wire<'_> {
    fn wire_type(&self) -> u8 {
        match self {
            Wire::Varint(_) => WIRE_VARINT,
            Wire::Fixed64 => WIRE_FIXED64,
            Wire::Len(..) => WIRE_LEN,
            Wire::Fixed32 => WIRE_FIXED32,
        }
    }
}

/// Reads the fields of one message; offsets are reported relative to the whole body.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    message: &'static str,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], base: usize, message: &'static str) -> Self {
        Reader {
            buf,
            pos: 0,
            base,
            message,
        }
    }

    fn truncated(&self) -> ProtobufError {
        ProtobufError::Truncated {
            message: self.message.to_owned(),
            offset: self.base + self.buf.len(),
        }
    }

    fn varint(&mut self) -> Result<u64, ProtobufError> {
        let start = self.pos;
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err(self.truncated());
            };
            self.pos += 1;
            value |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ProtobufError::VarintOverflow {
            message: self.message.to_owned(),
            offset: self.base + start,
        })
    }

    fn take(&mut self, n: usize) -> Result<(&'a [u8], usize), ProtobufError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.buf.len())
            .ok_or_else(|| self.truncated())?;
        let offset = self.base + self.pos;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok((bytes, offset))
    }

    /// The next (field number, value), or None at the end of the message.
    fn next_field(&mut self) -> Result<Option<(u32, Wire<'a>)>, ProtobufError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key_offset = self.base + self.pos;
        let key = self.varint()?;
        let field = key >> 3;
        let wire_type = (key & 7) as u8;
        let invalid = || ProtobufError::InvalidKey {
            message: self.message.to_owned(),
            field,
            wire_type,
            offset: key_offset,
        };
        let number = match u32::try_from(field) {
            Ok(n) if n != 0 && n < (1 << 29) => n,
            _ => return Err(invalid()),
        };
        let value = match wire_type {
            WIRE_VARINT => Wire::Varint(self.varint()?),
            WIRE_FIXED64 => {
                self.take(8)?;
                Wire::Fixed64
            }
            WIRE_LEN => {
                let len = self.varint()?;
                let len = usize::try_from(len).map_err(|_| self.truncated())?;
                let (b, offset) = self.take(len)?;
                Wire::Len(b, offset)
            }
            WIRE_FIXED32 => {
                self.take(4)?;
                Wire::Fixed32
            }
            _ => return Err(invalid()),
        };
        Ok(Some((number, value)))
    }
}

/// The parts of `runtime.Unknown` the decoder uses.
struct Unknown<'a> {
    api_version: String,
    kind: String,
    raw: (&'a [u8], usize),
    content_encoding: String,
}

impl<'a> Unknown<'a> {
    fn read(buf: &'a [u8], base: usize) -> Result<Self, ProtobufError> {
        const NAME: &str = "runtime Unknown";
        let mut unknown = Unknown {
            api_version: String::new(),
            kind: String::new(),
            raw: (&[], base + buf.len()),
            content_encoding: String::new(),
        };
        let mut reader = Reader::new(buf, base, NAME);
        while let Some((number, value)) = reader.next_field()? {
            let Wire::Len(bytes, offset) = value else {
                continue;
            };
            match number {
                1 => {
                    let mut type_meta = Reader::new(bytes, offset, "runtime TypeMeta");
                    while let Some((number, value)) = type_meta.next_field()? {
                        match (number, value) {
                            (1, Wire::Len(b, _)) => unknown.api_version = lossy(b),
                            (2, Wire::Len(b, _)) => unknown.kind = lossy(b),
                            _ => {}
                        }
                    }
                }
                2 => unknown.raw = (bytes, offset),
                3 => unknown.content_encoding = lossy(bytes),
                _ => {}
            }
        }
        Ok(unknown)
    }
}

/// Go strings may hold any bytes; encoding/json replaces invalid UTF-8 with U+FFFD, as this does.
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Messages to JSON.

/// Decodes one message and appends its JSON fields to `out`.
fn decode_message(
    desc: &'static MsgDesc,
    buf: &[u8],
    base: usize,
    out: &mut Map<String, Value>,
) -> Result<(), ProtobufError> {
    // Every occurrence of every known field, by index in `desc.fields`.
    let mut seen: Vec<Vec<Wire<'_>>> = vec![Vec::new(); desc.fields.len()];
    let mut reader = Reader::new(buf, base, desc.name);
    while let Some((number, value)) = reader.next_field()? {
        if let Some(i) = desc.fields.iter().position(|f| f.number == number) {
            seen[i].push(value);
        }
    }
    for (field, values) in desc.fields.iter().zip(&seen) {
        let cx = Cx { desc, field };
        if field.has(REPEATED) || field.has(MAP) {
            if values.is_empty() {
                // A nil slice or map.
                if !field.has(OMIT_EMPTY) {
                    out.insert(field.json.to_owned(), Value::Null);
                }
                continue;
            }
            let value = if field.has(MAP) {
                cx.map(values)?
            } else {
                cx.repeated(values)?
            };
            out.insert(field.json.to_owned(), value);
            continue;
        }
        if is_message(field.ty) {
            if values.is_empty() && field.has(POINTER) {
                if !field.has(OMIT_EMPTY) {
                    out.insert(field.json.to_owned(), Value::Null);
                }
                continue;
            }
            // Several occurrences of a message field merge, as if concatenated.
            let (bytes, offset) = cx.concat(values)?;
            if field.has(INLINE) {
                if let Type::Msg(inner) = field.ty {
                    decode_message(inner, &bytes, offset, out)?;
                }
                continue;
            }
            let value = cx.message(&bytes, offset)?;
            // omitempty never drops a struct in Go, but omitzero drops a zero time.
            if !(value.is_null() && field.has(OMIT_ZERO)) {
                out.insert(field.json.to_owned(), value);
            }
            continue;
        }
        // A scalar: the last occurrence wins.
        match values.last() {
            Some(wire) => {
                let value = cx.scalar(*wire)?;
                if field.has(POINTER) || !field.has(OMIT_EMPTY) || !is_empty(&value) {
                    out.insert(field.json.to_owned(), value);
                }
            }
            None if field.has(POINTER) || field.ty_is(Type::Bytes) => {
                if !field.has(OMIT_EMPTY) {
                    out.insert(field.json.to_owned(), Value::Null);
                }
            }
            None => {
                if !field.has(OMIT_EMPTY) {
                    out.insert(field.json.to_owned(), zero_scalar(field.ty));
                }
            }
        }
    }
    Ok(())
}

impl Field {
    fn ty_is(&self, ty: Type) -> bool {
        std::mem::discriminant(&self.ty) == std::mem::discriminant(&ty)
    }
}

/// Types that are messages on the wire.
fn is_message(ty: Type) -> bool {
    !matches!(
        ty,
        Type::Str | Type::Bool | Type::I32 | Type::I64 | Type::Bytes
    )
}

/// Go's notion of empty for omitempty on scalars.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_i64() == Some(0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// The JSON of a Go zero value of a scalar type.
fn zero_scalar(ty: Type) -> Value {
    match ty {
        Type::Bool => Value::Bool(false),
        Type::I32 | Type::I64 => Value::from(0),
        Type::Str => Value::String(String::new()),
        _ => Value::Null,
    }
}

/// The field being decoded, for decoding its values and naming it in errors.
struct Cx {
    desc: &'static MsgDesc,
    field: &'static Field,
}

impl Cx {
    fn invalid(&self, reason: impl Into<String>) -> ProtobufError {
        ProtobufError::InvalidValue {
            message: self.desc.name.to_owned(),
            json: self.field.json.to_owned(),
            reason: reason.into(),
        }
    }

    fn wrong_wire(&self, wire: Wire<'_>, expected: u8) -> ProtobufError {
        ProtobufError::WrongWireType {
            message: self.desc.name.to_owned(),
            field: self.field.number,
            json: self.field.json.to_owned(),
            wire_type: wire.wire_type(),
            expected,
        }
    }

    fn bytes<'a>(&self, wire: Wire<'a>) -> Result<(&'a [u8], usize), ProtobufError> {
        match wire {
            Wire::Len(bytes, offset) => Ok((bytes, offset)),
            other => Err(self.wrong_wire(other, WIRE_LEN)),
        }
    }

    /// The payload of a message field; several occurrences are concatenated (protobuf merge).
    fn concat<'a>(&self, values: &[Wire<'a>]) -> Result<(Cow<'a, [u8]>, usize), ProtobufError> {
        match values {
            [] => Ok((Cow::Borrowed(&[]), 0)),
            [one] => {
                let (bytes, offset) = self.bytes(*one)?;
                Ok((Cow::Borrowed(bytes), offset))
            }
            [first, ..] => {
                let (_, offset) = self.bytes(*first)?;
                let mut all = Vec::new();
                for value in values {
                    all.extend_from_slice(self.bytes(*value)?.0);
                }
                Ok((Cow::Owned(all), offset))
            }
        }
    }

    /// A scalar field value.
    fn scalar(&self, wire: Wire<'_>) -> Result<Value, ProtobufError> {
        let varint = |wire: Wire<'_>| match wire {
            Wire::Varint(v) => Ok(v),
            other => Err(self.wrong_wire(other, WIRE_VARINT)),
        };
        Ok(match self.field.ty {
            Type::Str => Value::String(lossy(self.bytes(wire)?.0)),
            Type::Bytes => {
                let bytes = self.bytes(wire)?.0;
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
            }
            Type::Bool => Value::Bool(varint(wire)? != 0),
            // int32 values are sign-extended to 64 bits on the wire: truncate, as Go does.
            Type::I32 => Value::from(varint(wire)? as i32),
            Type::I64 => Value::from(varint(wire)? as i64),
            _ => {
                let (bytes, offset) = self.bytes(wire)?;
                self.message(bytes, offset)?
            }
        })
    }

    /// The elements of a repeated field; numeric scalars may be packed.
    fn repeated(&self, values: &[Wire<'_>]) -> Result<Value, ProtobufError> {
        let packable = matches!(self.field.ty, Type::Bool | Type::I32 | Type::I64);
        let mut items = Vec::with_capacity(values.len());
        for value in values {
            match (*value, packable) {
                (Wire::Len(bytes, offset), true) => {
                    let mut reader = Reader::new(bytes, offset, self.desc.name);
                    while reader.pos < bytes.len() {
                        items.push(self.scalar(Wire::Varint(reader.varint()?))?);
                    }
                }
                (wire, _) => items.push(self.scalar(wire)?),
            }
        }
        Ok(Value::Array(items))
    }

    /// A map field: entries {1 key, 2 value}, emitted with sorted keys as Go does.
    fn map(&self, values: &[Wire<'_>]) -> Result<Value, ProtobufError> {
        let mut entries = BTreeMap::new();
        for value in values {
            let (bytes, offset) = self.bytes(*value)?;
            let mut reader = Reader::new(bytes, offset, self.desc.name);
            let mut key = String::new();
            let mut val = None;
            while let Some((number, wire)) = reader.next_field()? {
                match number {
                    1 => key = lossy(self.bytes(wire)?.0),
                    2 => val = Some(wire),
                    _ => {}
                }
            }
            let val = match val {
                Some(wire) => self.scalar(wire)?,
                None if is_message(self.field.ty) => self.message(&[], offset)?,
                None if self.field.ty_is(Type::Bytes) => Value::String(String::new()),
                None => zero_scalar(self.field.ty),
            };
            entries.insert(key, val);
        }
        Ok(Value::Object(entries.into_iter().collect()))
    }

    /// A message-typed value (nested message or one of the special types).
    fn message(&self, bytes: &[u8], offset: usize) -> Result<Value, ProtobufError> {
        match self.field.ty {
            Type::Msg(inner) => {
                let mut object = Map::new();
                decode_message(inner, bytes, offset, &mut object)?;
                Ok(Value::Object(object))
            }
            Type::Time => self.time(bytes, offset, false),
            Type::MicroTime => self.time(bytes, offset, true),
            Type::Quantity => {
                let mut string = String::new();
                self.each(bytes, offset, |number, wire| {
                    if number == 1 {
                        string = lossy(self.bytes(wire)?.0);
                    }
                    Ok(())
                })?;
                // A zero Quantity marshals as "0".
                if string.is_empty() {
                    string.push('0');
                }
                Ok(Value::String(string))
            }
            Type::IntOrString => {
                let (mut kind, mut int_val, mut str_val) = (0u64, 0i32, String::new());
                self.each(bytes, offset, |number, wire| {
                    match (number, wire) {
                        (1, Wire::Varint(v)) => kind = v,
                        (2, Wire::Varint(v)) => int_val = v as i32,
                        (3, wire) => str_val = lossy(self.bytes(wire)?.0),
                        _ => {}
                    }
                    Ok(())
                })?;
                match kind {
                    0 => Ok(Value::from(int_val)),
                    1 => Ok(Value::String(str_val)),
                    other => Err(self.invalid(format!("IntOrString has unknown type {other}"))),
                }
            }
            Type::RawJson => {
                let mut raw: &[u8] = &[];
                self.each(bytes, offset, |number, wire| {
                    if number == 1 {
                        raw = self.bytes(wire)?.0;
                    }
                    Ok(())
                })?;
                if raw.is_empty() {
                    return Ok(Value::Null);
                }
                serde_json::from_slice(raw)
                    .map_err(|e| self.invalid(format!("embedded raw data is not JSON: {e}")))
            }
            Type::StrList => {
                let mut items = Vec::new();
                self.each(bytes, offset, |number, wire| {
                    if number == 1 {
                        items.push(Value::String(lossy(self.bytes(wire)?.0)));
                    }
                    Ok(())
                })?;
                Ok(Value::Array(items))
            }
            Type::Str | Type::Bool | Type::I32 | Type::I64 | Type::Bytes => {
                Err(self.invalid("a scalar was decoded as a message"))
            }
        }
    }

    /// Calls `f` for each field of a small special message.
    fn each<'a>(
        &self,
        bytes: &'a [u8],
        offset: usize,
        mut f: impl FnMut(u32, Wire<'a>) -> Result<(), ProtobufError>,
    ) -> Result<(), ProtobufError> {
        let mut reader = Reader::new(bytes, offset, self.desc.name);
        while let Some((number, wire)) = reader.next_field()? {
            f(number, wire)?;
        }
        Ok(())
    }

    /// `metav1.Time` / `metav1.MicroTime`: null when zero, else RFC 3339 in UTC.
    fn time(&self, bytes: &[u8], offset: usize, micro: bool) -> Result<Value, ProtobufError> {
        // Go marshals a zero time as an empty message.
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        let (mut seconds, mut nanos) = (0i64, 0i32);
        self.each(bytes, offset, |number, wire| {
            match (number, wire) {
                (1, Wire::Varint(v)) => seconds = v as i64,
                (2, Wire::Varint(v)) => nanos = v as i32,
                _ => {}
            }
            Ok(())
        })?;
        // metav1.Time keeps whole seconds only; MicroTime truncates to microseconds.
        let nanos = if micro {
            i128::from(nanos / 1000 * 1000)
        } else {
            0
        };
        // Go's zero time.Time, 0001-01-01T00:00:00Z, marshals as null.
        const GO_ZERO_UNIX: i64 = -62_135_596_800;
        if seconds == GO_ZERO_UNIX && nanos == 0 {
            return Ok(Value::Null);
        }
        let total = i128::from(seconds) * 1_000_000_000 + nanos;
        let format = if micro {
            "%Y-%m-%dT%H:%M:%S%.6fZ"
        } else {
            "%Y-%m-%dT%H:%M:%SZ"
        };
        jiff::Timestamp::from_nanosecond(total)
            .and_then(|ts| jiff::fmt::strtime::format(format, ts))
            .map(Value::String)
            .map_err(|e| self.invalid(format!("time {seconds}s {nanos}ns: {e}")))
    }
}

#[cfg(test)]
mod tests;
