//! Shared set-up for cipherflow-protocol's fuzz targets.
//!
//! Every fixture is built from a fixed seed, once per process, and cloned per
//! input: the expensive X3DH and signatures happen once, and a crash reproduces
//! from its input alone.
//!
//! - [`pair`]: Alice and Bob right after Bob accepted Alice's first prekey message.
//! - [`established`]: a pair that has talked both ways, with genuine messages still
//!   in flight (the seeds of the decrypt fuzzer) and a fresh prekey message from a
//!   third device for Bob's account.
//! - [`receiver_model`]: what a receiver must do with each genuine message, given
//!   the documented limits: the oracle of the interaction fuzzer.

pub mod established;
pub mod pair;
pub mod receiver_model;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The deterministic RNG every fixture starts from.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}
