//! Thin, typed wrappers over the maintained primitive crates.
//!
//! No primitive is hand-rolled: X25519 is `x25519-dalek`, the AEAD is
//! `chacha20poly1305`, HMAC is RustCrypto's `hmac` over `sha2`. HKDF's two
//! steps (one HMAC to extract, a counter loop of HMACs to expand) are written
//! in `kdf.rs` on top of that HMAC, so that a fixed-length derivation cannot
//! fail; RFC 5869's and Wycheproof's vectors, and the worked example's
//! re-derivation with RustCrypto's `hkdf`, check it. The wrappers fix the
//! parameters cipherflow uses and turn every failure into a typed error
//! instead of a panic.

pub mod aead;
pub mod kdf;
pub mod xeddsa;

use subtle::ConstantTimeEq;

/// Whether two secrets are equal, in time that does not depend on where they
/// first differ (`subtle`'s constant-time comparison).
pub(crate) fn secrets_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::secrets_equal;

    #[test]
    fn secrets_are_equal_only_when_every_byte_is() {
        let a = [7u8; 32];
        assert!(secrets_equal(&a, &a));
        for i in 0..32 {
            let mut b = a;
            b[i] ^= 0x80;
            assert!(!secrets_equal(&a, &b), "byte {i}");
        }
    }
}
