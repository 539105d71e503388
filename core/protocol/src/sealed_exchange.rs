//! The walking skeleton's one real thing: two fresh X25519 key pairs agree on a
//! secret, and a ChaCha20-Poly1305 round trip runs under a key derived from it.
//!
//! Bytes, in order:
//! 1. Alice and Bob each draw an X25519 secret from the injected RNG.
//! 2. `shared = X25519(a, B) = X25519(b, A)`; both sides compute it and compare.
//! 3. `key || nonce = HKDF-SHA256(salt = 0x00×32, ikm = shared,
//!    info = "cipherflow sealed exchange v0")`, 32 + 12 bytes.
//! 4. `ciphertext = ChaCha20-Poly1305(key, nonce, plaintext, aad = A || B)`.
//! 5. Bob opens it with his own copy of the key; a copy with one bit flipped must
//!    be rejected.
//!
//! The full protocol (X3DH plus Double Ratchet) replaces this in the protocol layer.

use rand_core::CryptoRng;
use x25519_dalek::{EphemeralSecret, PublicKey};
use zeroize::Zeroizing;

use crate::crypto::aead::{self, AeadError, KEY_LEN, NONCE_LEN};
use crate::crypto::kdf::{self, KdfError};

/// The HKDF `info` string that binds the derived key to this exchange.
pub const INFO: &[u8] = b"cipherflow sealed exchange v0";

/// Why the exchange failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealedExchangeError {
    /// The Diffie-Hellman output was all zeros: a low-order public key.
    #[error("the X25519 exchange was not contributory (low-order public key)")]
    NonContributory,
    /// Key derivation failed.
    #[error(transparent)]
    Kdf(#[from] KdfError),
    /// Sealing or opening failed.
    #[error(transparent)]
    Aead(#[from] AeadError),
    /// The opened bytes were not the UTF-8 that was sealed.
    #[error("the decrypted bytes are not valid UTF-8")]
    NotUtf8,
}

/// What one exchange did, in public values only: no secret leaves this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedExchange {
    /// Alice's X25519 public key.
    pub alice_public: [u8; 32],
    /// Bob's X25519 public key.
    pub bob_public: [u8; 32],
    /// Whether both sides computed the same shared secret.
    pub secrets_match: bool,
    /// The ChaCha20-Poly1305 ciphertext, tag included.
    pub ciphertext: Vec<u8>,
    /// What Bob recovered from the ciphertext.
    pub recovered: String,
    /// Whether a copy of the ciphertext with its first bit flipped was rejected.
    pub tamper_rejected: bool,
}

impl SealedExchange {
    /// Runs one exchange with keys drawn from `rng`, sealing `plaintext`.
    pub fn run(rng: &mut impl CryptoRng, plaintext: &str) -> Result<Self, SealedExchangeError> {
        let alice_secret = EphemeralSecret::random_from_rng(rng);
        let bob_secret = EphemeralSecret::random_from_rng(rng);
        let alice_public = PublicKey::from(&alice_secret);
        let bob_public = PublicKey::from(&bob_secret);

        let alice_shared = alice_secret.diffie_hellman(&bob_public);
        let bob_shared = bob_secret.diffie_hellman(&alice_public);
        if !alice_shared.was_contributory() {
            return Err(SealedExchangeError::NonContributory);
        }
        let secrets_match = alice_shared.as_bytes() == bob_shared.as_bytes();

        let mut aad = [0u8; 64];
        aad[..32].copy_from_slice(alice_public.as_bytes());
        aad[32..].copy_from_slice(bob_public.as_bytes());

        let (key, nonce) = derive(alice_shared.as_bytes())?;
        let ciphertext = aead::seal(&key, &nonce, &aad, plaintext.as_bytes())?;

        let (bob_key, bob_nonce) = derive(bob_shared.as_bytes())?;
        let opened = aead::open(&bob_key, &bob_nonce, &aad, &ciphertext)?;
        let recovered = String::from_utf8(opened).map_err(|_| SealedExchangeError::NotUtf8)?;

        let mut tampered = ciphertext.clone();
        if let Some(first) = tampered.first_mut() {
            *first ^= 0x01;
        }
        let tamper_rejected = aead::open(&bob_key, &bob_nonce, &aad, &tampered).is_err();

        Ok(Self {
            alice_public: alice_public.to_bytes(),
            bob_public: bob_public.to_bytes(),
            secrets_match,
            ciphertext,
            recovered,
            tamper_rejected,
        })
    }
}

fn derive(
    shared: &[u8; 32],
) -> Result<(Zeroizing<[u8; KEY_LEN]>, [u8; NONCE_LEN]), SealedExchangeError> {
    let mut okm = Zeroizing::new([0u8; KEY_LEN + NONCE_LEN]);
    kdf::hkdf_sha256(&[0u8; 32], shared, INFO, okm.as_mut())?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    let mut nonce = [0u8; NONCE_LEN];
    key.copy_from_slice(&okm[..KEY_LEN]);
    nonce.copy_from_slice(&okm[KEY_LEN..]);
    Ok((key, nonce))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn round_trip_recovers_the_plaintext() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let out = SealedExchange::run(&mut rng, "hola, negocio 👋").unwrap();
        assert!(out.secrets_match);
        assert!(out.tamper_rejected);
        assert_eq!(out.recovered, "hola, negocio 👋");
        assert_eq!(
            out.ciphertext.len(),
            "hola, negocio 👋".len() + aead::TAG_LEN
        );
        assert_ne!(out.alice_public, out.bob_public);
        assert!(
            !out.ciphertext
                .windows(4)
                .any(|w| "hola, negocio 👋".as_bytes().windows(4).any(|p| p == w))
        );
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = SealedExchange::run(&mut ChaCha20Rng::seed_from_u64(5), "x").unwrap();
        let b = SealedExchange::run(&mut ChaCha20Rng::seed_from_u64(5), "x").unwrap();
        let c = SealedExchange::run(&mut ChaCha20Rng::seed_from_u64(6), "x").unwrap();
        assert_eq!(a, b);
        assert_ne!(a.ciphertext, c.ciphertext);
        assert_ne!(a.alice_public, c.alice_public);
    }
}
