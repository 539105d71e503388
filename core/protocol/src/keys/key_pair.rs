//! Our own X25519 key pair, and the shared secret a Diffie-Hellman produces.

use rand_core::CryptoRng;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::keys::{KeyError, PublicKey};

/// A local X25519 key pair. The secret zeroizes on drop and never prints.
#[derive(Clone)]
pub struct KeyPair {
    secret: StaticSecret,
    public: PublicKey,
}

impl KeyPair {
    /// Draws a fresh key pair from `rng`.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        Self::from_secret_bytes(StaticSecret::random_from_rng(rng).to_bytes())
    }

    /// Rebuilds a key pair from its 32 secret bytes (as stored in a pickle).
    pub fn from_secret_bytes(bytes: [u8; 32]) -> Self {
        let bytes = Zeroizing::new(bytes);
        let secret = StaticSecret::from(*bytes);
        let public = PublicKey::from_own(&x25519_dalek::PublicKey::from(&secret));
        Self { secret, public }
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        self.public
    }

    /// The 32 secret bytes, for serialization only.
    pub(crate) fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes())
    }

    /// X25519 with `their` public key; refuses a non-contributory (all-zero) output.
    pub fn diffie_hellman(&self, their: &PublicKey) -> Result<SharedSecret, KeyError> {
        #[cfg(test)]
        crate::limits::work::diffie_hellman();
        let shared = self.secret.diffie_hellman(&their.to_dalek());
        if !shared.was_contributory() {
            return Err(KeyError::NonContributory);
        }
        Ok(SharedSecret(Zeroizing::new(shared.to_bytes())))
    }
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The 32-byte output of an X25519 agreement. Zeroizes on drop, never prints.
pub struct SharedSecret(Zeroizing<[u8; 32]>);

impl SharedSecret {
    /// The raw bytes, to feed a KDF.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    /// RFC 7748 §6.1: Alice's and Bob's keys and their shared secret, through
    /// our own wrappers.
    #[test]
    fn rfc7748_section_6_1() {
        let h = |s: &str| -> [u8; 32] { hex::decode(s).unwrap().try_into().unwrap() };
        let alice = KeyPair::from_secret_bytes(h(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        ));
        let bob = KeyPair::from_secret_bytes(h(
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        ));
        assert_eq!(
            alice.public().as_bytes(),
            &h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        assert_eq!(
            bob.public().as_bytes(),
            &h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        );
        let k = h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assert_eq!(alice.diffie_hellman(&bob.public()).unwrap().as_bytes(), &k);
        assert_eq!(bob.diffie_hellman(&alice.public()).unwrap().as_bytes(), &k);
    }

    /// RFC 7748 §5.2: the first scalar-multiplication vector.
    #[test]
    fn rfc7748_section_5_2() {
        let h = |s: &str| -> [u8; 32] { hex::decode(s).unwrap().try_into().unwrap() };
        let k = KeyPair::from_secret_bytes(h(
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        ));
        let u = PublicKey::from_bytes(h(
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        ))
        .unwrap();
        assert_eq!(
            k.diffie_hellman(&u).unwrap().as_bytes(),
            &h("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
        );
    }

    #[test]
    fn secrets_never_print() {
        let kp = KeyPair::generate(&mut ChaCha20Rng::seed_from_u64(3));
        let secret_hex = hex::encode(*kp.secret_bytes());
        let shown = format!("{kp:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains(&secret_hex));
        let shared = kp.diffie_hellman(&kp.public()).unwrap();
        let shown = format!("{shared:?}");
        assert!(!shown.contains(&hex::encode(shared.as_bytes())));
    }
}
