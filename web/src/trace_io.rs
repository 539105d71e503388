//! Trace JSON in and out. Imports are checked by the core's light reader
//! (`cipherflow_flow::trace::json`), which also recomputes the proof.

use cipherflow_flow::trace::Trace;
use cipherflow_flow::trace::json::LightTrace;
use wasm_bindgen::JsValue;

use crate::error::{ErrorCode, cipherflow_error};

/// The trace as JSON text.
pub fn export(trace: &Trace) -> Result<String, JsValue> {
    serde_json::to_string(trace).map_err(|e| cipherflow_error(ErrorCode::InvalidTrace, e))
}

/// Checks trace JSON; returns it with the parsed JS object.
pub fn import(json: &str) -> Result<(LightTrace, JsValue), JsValue> {
    let trace =
        LightTrace::parse(json).map_err(|e| cipherflow_error(ErrorCode::InvalidTrace, e))?;
    let object = js_sys::JSON::parse(json)
        .map_err(|_| cipherflow_error(ErrorCode::InvalidTrace, "not JSON"))?;
    Ok((trace, object))
}

/// The ciphertext-only proof from checked trace JSON.
pub fn prove(json: &str) -> Result<JsValue, JsValue> {
    let trace =
        LightTrace::parse(json).map_err(|e| cipherflow_error(ErrorCode::InvalidTrace, e))?;
    let report = trace
        .prove()
        .map_err(|e| cipherflow_error(ErrorCode::InvalidTrace, e))?;
    crate::output::plain(&report)
}
