//! Seeds the core's injected RNG from the browser's `crypto.getRandomValues`.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// A ChaCha20 CSPRNG seeded from platform entropy, or the error text to show.
pub fn platform_rng() -> Result<ChaCha20Rng, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no secure randomness available: {e}"))?;
    Ok(ChaCha20Rng::from_seed(seed))
}
