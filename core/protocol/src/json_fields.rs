//! Reading JSON field by field from a parsed `serde_json::Value`.
//!
//! Pickles, the application messages inside Signal ciphertext and imported
//! traces are written with `#[derive(Serialize)]` but read here by hand:
//! derived deserializers are large in wasm (the pickles' alone cost about 7 KB
//! gzipped in the npm module, measured), while `Value` parsing is linked
//! anyway. Every accessor names the field it wanted, so bad input gets a
//! precise [`FieldError`].

use serde_json::{Map, Value};
use zeroize::Zeroize;

/// A missing or mistyped field, with a message naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError(pub String);

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parsed JSON whose strings are zeroized on drop (pickles hold secret hex).
pub struct ParsedJson(Value);

impl ParsedJson {
    /// Parses JSON text.
    pub fn parse(json: &[u8]) -> Result<Self, FieldError> {
        serde_json::from_slice(json)
            .map(Self)
            .map_err(|e| FieldError(e.to_string()))
    }

    /// The top-level object, called `name` in messages.
    pub fn fields(&self, name: &'static str) -> Result<Fields<'_>, FieldError> {
        Fields::of(&self.0, name)
    }
}

impl Drop for ParsedJson {
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
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    name: &'static str,
}

fn wrong(name: &str, expected: &str) -> FieldError {
    FieldError(format!("{name} must be {expected}"))
}

impl<'a> Fields<'a> {
    /// `value` as an object named `name` (for messages).
    pub fn of(value: &'a Value, name: &'static str) -> Result<Self, FieldError> {
        value
            .as_object()
            .map(|map| Self { map, name })
            .ok_or_else(|| wrong(name, "an object"))
    }

    /// Refuses any field not in `known`.
    pub fn only(self, known: &[&str]) -> Result<Self, FieldError> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(FieldError(format!("unknown field {k} in {}", self.name))),
            None => Ok(self),
        }
    }

    fn get(&self, field: &'static str) -> Result<&'a Value, FieldError> {
        self.map
            .get(field)
            .ok_or_else(|| FieldError(format!("missing field {field} in {}", self.name)))
    }

    /// `field` is present and not `null`.
    pub fn has(&self, field: &'static str) -> bool {
        self.value(field).is_some()
    }

    /// The field's value, or `None` when it is missing or `null`.
    pub fn value(&self, field: &'static str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    /// A nested object.
    pub fn object(&self, field: &'static str) -> Result<Fields<'a>, FieldError> {
        Fields::of(self.get(field)?, field)
    }

    /// An array.
    pub fn array(&self, field: &'static str) -> Result<&'a [Value], FieldError> {
        self.get(field)?
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| wrong(field, "an array"))
    }

    /// A string.
    pub fn str(&self, field: &'static str) -> Result<&'a str, FieldError> {
        self.get(field)?
            .as_str()
            .ok_or_else(|| wrong(field, "a string"))
    }

    /// A non-negative integer that fits a `u64`.
    pub fn u64(&self, field: &'static str) -> Result<u64, FieldError> {
        self.get(field)?
            .as_u64()
            .ok_or_else(|| wrong(field, "a non-negative integer"))
    }

    /// A number, or `None` when the field is missing. `null` is refused, since
    /// JSON.stringify writes NaN and ±Infinity as `null`.
    pub fn number(&self, field: &'static str) -> Result<Option<f64>, FieldError> {
        self.map
            .get(field)
            .map(|v| {
                v.as_f64().ok_or_else(|| {
                    FieldError(format!("{}.{field} must be a finite number", self.name))
                })
            })
            .transpose()
    }

    /// A `u32`.
    pub fn u32(&self, field: &'static str) -> Result<u32, FieldError> {
        u32::try_from(self.u64(field)?).map_err(|_| wrong(field, "a 32-bit integer"))
    }

    /// A `u32`, or `None` for `null` or a missing field.
    pub fn opt_u32(&self, field: &'static str) -> Result<Option<u32>, FieldError> {
        if self.has(field) {
            self.u32(field).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A string, or `None` for `null` or a missing field.
    pub fn opt_str(&self, field: &'static str) -> Result<Option<&'a str>, FieldError> {
        self.value(field)
            .map(|v| v.as_str().ok_or_else(|| wrong(field, "a string")))
            .transpose()
    }

    /// A boolean.
    pub fn bool(&self, field: &'static str) -> Result<bool, FieldError> {
        self.get(field)?
            .as_bool()
            .ok_or_else(|| wrong(field, "a boolean"))
    }

    /// A hex string of exactly `N` bytes.
    pub fn hex<const N: usize>(&self, field: &'static str) -> Result<[u8; N], FieldError> {
        hex_bytes(self.get(field)?, field)
    }
}

/// A JSON value that must be a hex string of exactly `N` bytes.
pub fn hex_bytes<const N: usize>(
    value: &Value,
    field: &'static str,
) -> Result<[u8; N], FieldError> {
    let text = value.as_str().ok_or_else(|| wrong(field, "a hex string"))?;
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out)
        .map_err(|_| FieldError(format!("{field} must be {N} bytes of hex")))?;
    Ok(out)
}

/// A JSON value that must be an unsigned 32-bit integer.
pub fn u32_of(value: &Value, field: &'static str) -> Result<u32, FieldError> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| wrong(field, "a 32-bit integer"))
}

/// A JSON value that must be a two-element array.
pub fn pair<'a>(
    value: &'a Value,
    field: &'static str,
) -> Result<(&'a Value, &'a Value), FieldError> {
    match value.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok((a, b)),
        _ => Err(wrong(field, "a two-element array")),
    }
}
