//! Reading JS arguments. Every exported function takes untyped `JsValue`s and
//! checks them here, so a wrong type (a number for a string, an array for a
//! `Uint8Array`, `NaN` for a count) is an `INVALID_ARGUMENT` error, never a
//! silent coercion by the generated glue and never a trap.

use cipherflow_protocol::json_fields::{Fields, ParsedJson};
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::invalid_argument;

/// The largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A string argument.
pub fn string(value: &JsValue, name: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| invalid_argument(format!("{name} must be a string")))
}

/// A `Uint8Array` argument (a Node `Buffer` is one), copied into Rust.
///
/// The bytes are read through the built-in `%TypedArray%.prototype` getters
/// (`buffer`, `byteOffset`, `byteLength`) called with `Reflect.apply`, never
/// through the argument's own properties: a subclass with a throwing `length`,
/// or a plain object whose prototype is `Uint8Array.prototype`, then fails
/// here as INVALID_ARGUMENT instead of throwing through wasm (which would
/// leave the receiving object borrowed and unusable).
pub fn bytes(value: &JsValue, name: &str) -> Result<Vec<u8>, JsValue> {
    let not_bytes = || invalid_argument(format!("{name} must be a Uint8Array"));
    if !value.is_instance_of::<Uint8Array>() {
        return Err(not_bytes());
    }
    let getter = |property: &str| -> Option<JsValue> {
        let typed_array_prototype =
            js_sys::Object::get_prototype_of(&Uint8Array::new_with_length(0).into());
        let typed_array_prototype = js_sys::Object::get_prototype_of(&typed_array_prototype);
        let descriptor =
            js_sys::Reflect::get_own_property_descriptor(&typed_array_prototype, &property.into())
                .ok()?;
        let get = js_sys::Reflect::get(&descriptor, &"get".into()).ok()?;
        let get = get.dyn_into::<js_sys::Function>().ok()?;
        js_sys::Reflect::apply(&get, value, &js_sys::Array::new()).ok()
    };
    let buffer = getter("buffer").ok_or_else(not_bytes)?;
    let offset = getter("byteOffset")
        .and_then(|v| v.as_f64())
        .ok_or_else(not_bytes)?;
    let length = getter("byteLength")
        .and_then(|v| v.as_f64())
        .ok_or_else(not_bytes)?;
    if length == 0.0 {
        // Also a detached buffer, on which a new view would throw.
        return Ok(Vec::new());
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let view = Uint8Array::new_with_byte_offset_and_length(&buffer, offset as u32, length as u32);
    Ok(view.to_vec())
}

/// A string (encoded as UTF-8) or a `Uint8Array`.
pub fn text_or_bytes(value: &JsValue, name: &str) -> Result<Vec<u8>, JsValue> {
    match value.as_string() {
        Some(s) => Ok(s.into_bytes()),
        None => bytes(value, name)
            .map_err(|_| invalid_argument(format!("{name} must be a string or a Uint8Array"))),
    }
}

/// An optional 32-byte key: `undefined`/`null` or a `Uint8Array` of length 32.
pub fn optional_key(value: &JsValue, name: &str) -> Result<Option<[u8; 32]>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let key = bytes(value, name)?;
    key.as_slice()
        .try_into()
        .map(Some)
        .map_err(|_| invalid_argument(format!("{name} must be 32 bytes, got {}", key.len())))
}

/// A non-negative safe integer no larger than `max`.
pub fn integer(value: &JsValue, name: &str, max: u64) -> Result<u64, JsValue> {
    let n = value
        .as_f64()
        .ok_or_else(|| invalid_argument(format!("{name} must be a number")))?;
    whole(n, name, max)
}

/// A number that must be a non-negative integer no larger than `max`.
pub fn whole(n: f64, name: &str, max: u64) -> Result<u64, JsValue> {
    #[allow(clippy::cast_precision_loss)]
    let max_f = (max as f64).min(MAX_SAFE_INTEGER);
    if !(0.0..=max_f).contains(&n) || n.fract() != 0.0 {
        // The bound is printed as an integer: formatting an f64 would link
        // core's float printing (about 10 KB of wasm) for one message.
        let bound = max.min(MAX_SAFE_INTEGER as u64);
        return Err(invalid_argument(format!(
            "{name} must be an integer from 0 to {bound}"
        )));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(n as u64)
}

/// An optional integer: `undefined`/`null` or [`integer`].
pub fn optional_integer(value: &JsValue, name: &str, max: u64) -> Result<Option<u64>, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        integer(value, name, max).map(Some)
    }
}

/// A `u32` argument.
pub fn u32_arg(value: &JsValue, name: &str) -> Result<u32, JsValue> {
    integer(value, name, u64::from(u32::MAX)).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// A boolean argument.
#[cfg(feature = "flow")]
pub fn boolean(value: &JsValue, name: &str) -> Result<bool, JsValue> {
    value
        .as_bool()
        .ok_or_else(|| invalid_argument(format!("{name} must be a boolean")))
}

/// A plain object argument, read through JSON: its parsed copy. JSON.stringify
/// catches throwing getters and proxies, which then fail as INVALID_ARGUMENT
/// instead of unwinding through wasm.
pub fn json(value: &JsValue, name: &str) -> Result<ParsedJson, JsValue> {
    if !value.is_object() || value.is_function() || js_sys::Array::is_array(value) {
        return Err(invalid_argument(format!("{name} must be a plain object")));
    }
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| invalid_argument(format!("{name} is not JSON-serializable")))?;
    ParsedJson::parse(text.as_bytes()).map_err(|e| invalid_argument(format!("{name}: {e}")))
}

/// An options object (`undefined`/`null` for none) that may hold only `keys`,
/// handed to `read` field by field.
pub fn with_options<T>(
    value: &JsValue,
    name: &'static str,
    keys: &[&str],
    read: impl FnOnce(Fields<'_>) -> Result<T, JsValue>,
) -> Result<Option<T>, JsValue> {
    let Some(json) = optional_json(value, name)? else {
        return Ok(None);
    };
    let fields = json
        .fields(name)
        .and_then(|f| f.only(keys))
        .map_err(invalid_argument)?;
    read(fields).map(Some)
}

/// An optional integer field of an options object, from 0 to `max`.
pub fn integer_field(f: &Fields<'_>, key: &'static str, max: u64) -> Result<Option<u64>, JsValue> {
    f.number(key)
        .map_err(invalid_argument)?
        .map(|n| whole(n, key, max))
        .transpose()
}

/// [`json`], or `None` for `undefined`/`null`.
pub fn optional_json(value: &JsValue, name: &str) -> Result<Option<ParsedJson>, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        json(value, name).map(Some)
    }
}
