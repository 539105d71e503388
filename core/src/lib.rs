//! # cipherflow-core
//!
//! The pure-Rust heart of cipherflow: real cryptography and, in later layers, a
//! deterministic simulation of the four parties a WhatsApp message crosses on its
//! way to a business on Meta's Cloud API.
//!
//! Nothing here depends on wasm: the same code runs natively, in Node and in the
//! browser. Every source of randomness is injected (`&mut impl CryptoRng`), so the
//! same seed always gives the same bytes.
//!
//! ```
//! use cipherflow_core::sealed_exchange::SealedExchange;
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//!
//! let mut rng = ChaCha20Rng::seed_from_u64(7);
//! let exchange = SealedExchange::run(&mut rng, "hello, business").unwrap();
//! assert!(exchange.secrets_match);
//! assert_eq!(exchange.recovered, "hello, business");
//! assert!(exchange.tamper_rejected);
//! ```

pub mod crypto;
pub mod flow;
pub mod json_fields;
pub mod keys;
pub mod protocol;
pub mod sealed_exchange;
