//! Where randomness comes from. Every object that needs randomness owns a
//! ChaCha20 CSPRNG, seeded from the platform (`crypto.getRandomValues` in the
//! browser and in Node) or, for reproducible demos and tests, from a caller's
//! seed. Objects an object creates (a session an identity starts) get a child
//! generator drawn from their parent's, so a seeded run stays reproducible.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
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

/// The seeded generator when a seed is given, else the platform's.
pub fn rng_for(seed: Option<u64>) -> Result<ChaCha20Rng, JsValue> {
    seed.map_or_else(platform_rng, |s| Ok(seeded_rng(s)))
}

/// A child generator seeded from 32 bytes of `parent`.
pub fn child(parent: &mut ChaCha20Rng) -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    parent.fill_bytes(&mut seed);
    ChaCha20Rng::from_seed(seed)
}
