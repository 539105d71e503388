//! Reading pickle JSON field by field from a parsed `serde_json::Value`.
//!
//! Pickles are written with `#[derive(Serialize)]`, but read here by hand: the
//! derived deserializers of the session, ratchet and account pickles cost about
//! 15 KB of gzipped wasm in the npm module (measured), while `Value` parsing is
//! linked anyway. Every accessor names the field it wanted, so a bad pickle
//! gets a precise [`PickleError`]. The parsed tree's strings (which hold secret
//! hex) are zeroized when the [`PickleJson`] is dropped.

use serde_json::{Map, Value};
use zeroize::Zeroize;

use crate::protocol::pickle::PickleError;

/// A parsed pickle whose strings are zeroized on drop.
pub(crate) struct PickleJson(Value);

impl PickleJson {
    /// Parses pickle text.
    pub(crate) fn parse(json: &str) -> Result<Self, PickleError> {
        serde_json::from_slice(json.as_bytes())
            .map(Self)
            .map_err(|e| PickleError::Json(e.to_string()))
    }

    /// The top-level object.
    pub(crate) fn fields(&self) -> Result<Fields<'_>, PickleError> {
        Fields::of(&self.0, "pickle")
    }
}

impl Drop for PickleJson {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

fn wipe(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        _ => {}
    }
}

/// The fields of one JSON object in a pickle.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    name: &'static str,
}

fn wrong(name: &str, expected: &str) -> PickleError {
    PickleError::Json(format!("{name} must be {expected}"))
}

impl<'a> Fields<'a> {
    /// `value` as an object named `name` (for messages).
    pub(crate) fn of(value: &'a Value, name: &'static str) -> Result<Self, PickleError> {
        value
            .as_object()
            .map(|map| Self { map, name })
            .ok_or_else(|| wrong(name, "an object"))
    }

    /// Refuses any field not in `known`.
    pub(crate) fn only(self, known: &[&str]) -> Result<Self, PickleError> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(PickleError::Json(format!(
                "unknown field {k} in {}",
                self.name
            ))),
            None => Ok(self),
        }
    }

    fn get(&self, field: &'static str) -> Result<&'a Value, PickleError> {
        self.map
            .get(field)
            .ok_or_else(|| PickleError::Json(format!("missing field {field} in {}", self.name)))
    }

    /// `field` is present and not `null`.
    pub(crate) fn has(&self, field: &'static str) -> bool {
        self.value(field).is_some()
    }

    /// The field's value, or `None` when it is missing or `null`.
    pub(crate) fn value(&self, field: &'static str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    /// A nested object.
    pub(crate) fn object(&self, field: &'static str) -> Result<Fields<'a>, PickleError> {
        Fields::of(self.get(field)?, field)
    }

    /// An array.
    pub(crate) fn array(&self, field: &'static str) -> Result<&'a [Value], PickleError> {
        self.get(field)?
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| wrong(field, "an array"))
    }

    /// A string.
    pub(crate) fn str(&self, field: &'static str) -> Result<&'a str, PickleError> {
        self.get(field)?
            .as_str()
            .ok_or_else(|| wrong(field, "a string"))
    }

    /// A non-negative integer that fits a `u64`.
    pub(crate) fn u64(&self, field: &'static str) -> Result<u64, PickleError> {
        self.get(field)?
            .as_u64()
            .ok_or_else(|| wrong(field, "a non-negative integer"))
    }

    /// A `u32`.
    pub(crate) fn u32(&self, field: &'static str) -> Result<u32, PickleError> {
        u32::try_from(self.u64(field)?).map_err(|_| wrong(field, "a 32-bit integer"))
    }

    /// A `u32`, or `None` for `null` or a missing field.
    pub(crate) fn opt_u32(&self, field: &'static str) -> Result<Option<u32>, PickleError> {
        if self.has(field) {
            self.u32(field).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A hex string of exactly `N` bytes.
    pub(crate) fn hex<const N: usize>(&self, field: &'static str) -> Result<[u8; N], PickleError> {
        hex_bytes(self.get(field)?, field)
    }
}

/// A JSON value that must be a hex string of exactly `N` bytes.
pub(crate) fn hex_bytes<const N: usize>(
    value: &Value,
    field: &'static str,
) -> Result<[u8; N], PickleError> {
    let text = value.as_str().ok_or_else(|| wrong(field, "a hex string"))?;
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).map_err(|_| PickleError::BadLength(field))?;
    Ok(out)
}

/// A JSON value that must be an unsigned 32-bit integer.
pub(crate) fn u32_of(value: &Value, field: &'static str) -> Result<u32, PickleError> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| wrong(field, "a 32-bit integer"))
}

/// A JSON value that must be a two-element array.
pub(crate) fn pair<'a>(
    value: &'a Value,
    field: &'static str,
) -> Result<(&'a Value, &'a Value), PickleError> {
    match value.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok((a, b)),
        _ => Err(wrong(field, "a two-element array")),
    }
}
