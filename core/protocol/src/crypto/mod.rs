//! Thin, typed wrappers over the maintained primitive crates.
//!
//! Nothing here is hand-rolled: X25519 is `x25519-dalek`, the AEAD is
//! `chacha20poly1305`, HKDF and HMAC are RustCrypto's `hkdf` and `hmac` over
//! `sha2`. The wrappers fix the parameters cipherflow uses and turn every
//! failure into a typed error instead of a panic.

pub mod aead;
pub mod kdf;
pub mod xeddsa;
