//! Serialize and restore, shared by `Identity` and `Session`: plain pickle JSON
//! as UTF-8 bytes, or sealed under a caller's 32-byte key.

use zeroize::Zeroizing;

use cipherflow_protocol::pickle::PickleError;
use wasm_bindgen::JsValue;

use crate::args;
use crate::error::{ErrorCode, OrJs, cipherflow_error};
use crate::output;

/// `pickle()` as bytes when `key` is undefined, else `seal(key)`.
pub fn serialize_json(
    key: &JsValue,
    pickle: impl FnOnce() -> Zeroizing<String>,
    seal: impl FnOnce(&[u8; 32]) -> Result<Vec<u8>, PickleError>,
) -> Result<JsValue, JsValue> {
    match args::optional_key(key, "key")? {
        None => Ok(output::bytes(pickle().as_bytes()).into()),
        Some(key) => Ok(output::bytes(&seal(&key).or_js()?).into()),
    }
}

/// Restores from pickle bytes, or from sealed bytes when `key` is given.
pub fn restore_json<T>(
    bytes: &JsValue,
    key: &JsValue,
    from_pickle: impl FnOnce(&str) -> Result<T, PickleError>,
    unseal: impl FnOnce(&[u8; 32], &[u8]) -> Result<T, PickleError>,
) -> Result<T, JsValue> {
    let data = Zeroizing::new(args::bytes(bytes, "bytes")?);
    match args::optional_key(key, "key")? {
        Some(key) => unseal(&key, &data).or_js(),
        None => {
            let text = std::str::from_utf8(&data).map_err(|_| {
                cipherflow_error(
                    ErrorCode::InvalidPickle,
                    "not pickle JSON (sealed bytes need their key)",
                )
            })?;
            from_pickle(text).or_js()
        }
    }
}
