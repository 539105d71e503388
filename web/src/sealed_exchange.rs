//! `sealedExchange(plaintext, seed?)`: the walking skeleton's X25519 key agreement
//! plus ChaCha20-Poly1305 round trip, exported to JS.

use cipherflow_core::sealed_exchange::SealedExchange;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::entropy::{platform_rng, seeded_rng};
use crate::error::{ErrorCode, cipherflow_error};

/// The result as a plain JS object. Keys are hex strings.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SealedExchangeView {
    alice_public: String,
    bob_public: String,
    secrets_match: bool,
    ciphertext: String,
    recovered: String,
    tamper_rejected: bool,
}

/// Runs one X25519 + ChaCha20-Poly1305 exchange over `plaintext`.
///
/// With `seed` (a non-negative safe integer) the keys are reproducible; without
/// it they come from the platform's CSPRNG.
#[wasm_bindgen(js_name = sealedExchange)]
pub fn sealed_exchange(plaintext: JsValue, seed: Option<f64>) -> Result<JsValue, JsValue> {
    let Some(plaintext) = plaintext.as_string() else {
        return Err(cipherflow_error(
            ErrorCode::InvalidArgument,
            "sealedExchange: plaintext must be a string",
        ));
    };
    let outcome = match seed {
        Some(seed) => SealedExchange::run(&mut seeded_rng(seed_to_u64(seed)?), &plaintext),
        None => SealedExchange::run(&mut platform_rng()?, &plaintext),
    }
    .map_err(|e| cipherflow_error(ErrorCode::CryptoFailure, e))?;
    let view = SealedExchangeView {
        alice_public: hex::encode(outcome.alice_public),
        bob_public: hex::encode(outcome.bob_public),
        secrets_match: outcome.secrets_match,
        ciphertext: hex::encode(&outcome.ciphertext),
        recovered: outcome.recovered,
        tamper_rejected: outcome.tamper_rejected,
    };
    serde_wasm_bindgen::to_value(&view).map_err(|e| cipherflow_error(ErrorCode::InvalidArgument, e))
}

fn seed_to_u64(seed: f64) -> Result<u64, JsValue> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if (0.0..=MAX_SAFE_INTEGER).contains(&seed) && seed.fract() == 0.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(seed as u64)
    } else {
        Err(cipherflow_error(
            ErrorCode::InvalidArgument,
            "seed must be a non-negative safe integer",
        ))
    }
}
