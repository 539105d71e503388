//! Seeds a ChaCha20 CSPRNG from the platform (`crypto.getRandomValues` in the
//! browser and in Node), so the core can keep taking an injected RNG.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wasm_bindgen::JsValue;

use crate::error::{ErrorCode, cipherflow_error};

/// A CSPRNG seeded with 32 bytes of platform entropy.
pub fn platform_rng() -> Result<ChaCha20Rng, JsValue> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| cipherflow_error(ErrorCode::EntropyUnavailable, e))?;
    Ok(ChaCha20Rng::from_seed(seed))
}

/// A CSPRNG from a caller-chosen seed, for reproducible demos and tests.
pub fn seeded_rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}
