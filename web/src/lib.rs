//! # cipherflow-web
//!
//! wasm-bindgen bindings over `cipherflow-core`, published to npm as `cipherflow`.
//!
//! Every class here is a thin wrapper that owns a core value; every fallible call
//! returns `Result<_, JsValue>` whose error is a `CipherflowError` (see
//! [`error`]) carrying a stable string `code`. A panic hook is installed when the
//! module starts, and the core does not panic on input.

mod entropy;
mod error;
mod sealed_exchange;

use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated: panics (which the core never
/// raises on input) are reported to the console with their message instead of an
/// opaque `unreachable` trap.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The version of this package, as in `package.json`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
