//! # cipherflow-web
//!
//! wasm-bindgen bindings over `cipherflow-protocol` and `cipherflow-flow`, published to npm as `cipherflow`.
//!
//! - Low level: [`identity::Identity`], [`bundle::PreKeyBundle`],
//!   [`session::Session`] and safety numbers.
//! - High level: [`simulation::Simulation`], the four-party Cloud API flow.
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
mod http_shape;
mod identity;
mod output;
mod pickle_io;
mod session;
mod sim_options;
mod simulation;
mod trace_io;

use wasm_bindgen::prelude::*;

/// Talc, not dlmalloc: several kilobytes smaller, and faster on many small
/// allocations. The module is single-threaded (no `atomics`).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The TypeScript types of every plain object the API takes or returns
/// (snapshots, traces, HTTP shapes, options), appended to the generated `.d.ts`.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

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
