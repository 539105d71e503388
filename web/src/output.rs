//! Turning Rust values into plain JS objects and typed arrays.
//!
//! Objects are written as JSON by serde_json (the serializer every other JSON
//! output of the core already uses) and parsed by the engine's `JSON.parse`:
//! maps become plain objects and 64-bit integers become numbers, so a snapshot
//! or a trace object has exactly the shape of its JSON. One serializer for
//! both keeps the wasm small (serde-wasm-bindgen's per-field calls into JS
//! were a second copy of every type's serialization).

use js_sys::Uint8Array;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::{ErrorCode, cipherflow_error};

/// `value` as a plain JS object.
pub fn plain<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let json = serde_json::to_string(value)
        .map_err(|e| cipherflow_error(ErrorCode::InvalidArgument, e))?;
    js_sys::JSON::parse(&json)
        .map_err(|_| cipherflow_error(ErrorCode::InvalidArgument, "JSON did not parse"))
}

/// `bytes` as a fresh `Uint8Array` owned by JS.
pub fn bytes(bytes: &[u8]) -> Uint8Array {
    Uint8Array::from(bytes)
}

/// Sets `key` on a JS object built by the caller.
pub fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    // Reflect::set fails only on frozen or proxied objects; ours are fresh.
    let _ = js_sys::Reflect::set(object, &key.into(), value);
}
