//! # cipherflow-web
//!
//! wasm-bindgen bindings over `cipherflow-protocol` and `cipherflow-flow`, published to npm as `cipherflow`.
//!
//! - Low level: [`identity::Identity`], [`bundle::PreKeyBundle`],
//!   [`session::Session`] and safety numbers.
//! - High level: `simulation::Simulation`, the four-party Cloud API flow, behind
//!   the default `flow` feature. Built without it, the crate is the
//!   protocol-only module of the npm entry `cipherflow/protocol`.
//!
//! Every function takes its arguments as `JsValue` and checks them itself
//! ([`args`]), so a wrong type is a typed error, not a coercion. Every fallible
//! call returns a `CipherflowError` (see [`error`]) carrying a stable string
//! `code`. A panic hook is installed when the module starts, and the core does
//! not panic on input.

mod args;
mod bundle;
mod entropy;
mod error;
#[cfg(feature = "flow")]
mod http_shape;
mod identity;
mod output;
mod pickle_io;
mod session;
#[cfg(feature = "flow")]
mod sim_options;
#[cfg(feature = "flow")]
mod simulation;
#[cfg(feature = "flow")]
mod trace_io;

use wasm_bindgen::prelude::*;

/// Talc, not dlmalloc: several kilobytes smaller, and faster on many small
/// allocations. The module is single-threaded (no `atomics`).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The TypeScript types of the plain objects the protocol API takes or returns
/// (bundles, session snapshots, options, error codes), appended to the
/// generated `.d.ts` of both builds.
#[wasm_bindgen(typescript_custom_section)]
const PROTOCOL_TYPES: &str = include_str!("types/protocol.d.ts");

/// The simulation's types (snapshots, traces, HTTP shapes, options), in the
/// full build only.
#[cfg(feature = "flow")]
#[wasm_bindgen(typescript_custom_section)]
const FLOW_TYPES: &str = include_str!("types/flow.d.ts");

/// `error.code`: what this build can throw.
#[cfg(feature = "flow")]
#[wasm_bindgen(typescript_custom_section)]
const ERROR_CODES: &str = "/** Every `code` a `CipherflowError` can carry. The strings are stable API. */\n\
export type CipherflowErrorCode = ProtocolErrorCode | FlowErrorCode;";

/// `error.code`: what this build can throw.
#[cfg(not(feature = "flow"))]
#[wasm_bindgen(typescript_custom_section)]
const ERROR_CODES: &str = "/** Every `code` a `CipherflowError` can carry. The strings are stable API. */\n\
export type CipherflowErrorCode = ProtocolErrorCode;";

/// Runs once when the module is instantiated: panics (which the core never
/// raises on input) are reported to the console with their message instead of an
/// opaque `unreachable` trap.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| console_error(&info.to_string())));
}

#[wasm_bindgen]
extern "C" {
    /// `console.error`: where a panic's message and location go.
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// The version of this package, as in `package.json`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Bytes of linear memory the wasm instance holds now (it only grows): for
/// checking that a long-running loop stays bounded.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .dyn_into::<js_sys::ArrayBuffer>()
                .map_or(0.0, |b| f64::from(b.byte_length()))
        })
        .unwrap_or(0.0)
}
