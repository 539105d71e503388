//! Turning Rust values into plain JS objects and typed arrays.
//!
//! Objects go through serde-wasm-bindgen's JSON-compatible serializer: maps
//! become plain objects and 64-bit integers become numbers, so a snapshot or a
//! trace object has the same shape as its JSON.

use js_sys::Uint8Array;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::{ErrorCode, cipherflow_error};

/// `value` as a plain JS object.
pub fn plain<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| cipherflow_error(ErrorCode::InvalidArgument, e))
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
