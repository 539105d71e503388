//! The one error type JS ever sees: `CipherflowError`, an `Error` whose `name` is
//! `"CipherflowError"` and whose `code` is a stable string from [`ErrorCode`].

use wasm_bindgen::prelude::*;

/// Stable error codes. The strings are part of the public API: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A JS argument had the wrong type or shape.
    InvalidArgument,
    /// A cryptographic operation failed (for example a tag that did not verify).
    CryptoFailure,
    /// The platform could not provide secure randomness.
    EntropyUnavailable,
}

impl ErrorCode {
    /// The string that appears as `error.code` in JS.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::CryptoFailure => "CRYPTO_FAILURE",
            ErrorCode::EntropyUnavailable => "ENTROPY_UNAVAILABLE",
        }
    }
}

/// Builds a JS `Error` with `name = "CipherflowError"` and the given `code`.
pub fn cipherflow_error(code: ErrorCode, message: impl std::fmt::Display) -> JsValue {
    let error = js_sys::Error::new(&format!("{message}"));
    error.set_name("CipherflowError");
    // Reflect::set only fails on frozen or proxied objects; a fresh Error is neither.
    let _ = js_sys::Reflect::set(&error, &"code".into(), &code.as_str().into());
    error.into()
}
