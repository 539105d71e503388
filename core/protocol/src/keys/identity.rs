//! The long-term identity key pair (IK): an X25519 key pair that also signs, with
//! XEdDSA, the signed prekey it publishes.

use rand_core::CryptoRng;

use crate::crypto::xeddsa;
use crate::keys::{KeyError, KeyPair, PublicKey, SharedSecret};

/// Our long-term identity. Its secret zeroizes on drop and never prints.
#[derive(Clone, Debug)]
pub struct IdentityKeyPair(KeyPair);

impl IdentityKeyPair {
    /// A fresh identity from `rng`.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        Self(KeyPair::generate(rng))
    }

    /// Rebuilds an identity from its 32 secret bytes (as stored in an account pickle).
    pub(crate) fn from_secret_bytes(bytes: [u8; 32]) -> Self {
        Self(KeyPair::from_secret_bytes(bytes))
    }

    /// The 32 secret bytes, for serialization only.
    pub(crate) fn secret_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        self.0.secret_bytes()
    }

    /// The public identity key, as published and as fed to safety numbers.
    pub fn public(&self) -> PublicKey {
        self.0.public()
    }

    /// XEdDSA signature over `message`, with 64 fresh random bytes from `rng`.
    pub fn sign(&self, rng: &mut impl CryptoRng, message: &[u8]) -> [u8; xeddsa::SIGNATURE_LEN] {
        xeddsa::sign(&self.0.secret_bytes(), message, rng)
    }

    /// X25519 with the identity secret (X3DH's DH1 for the initiator, DH2 for the responder).
    pub fn diffie_hellman(&self, their: &PublicKey) -> Result<SharedSecret, KeyError> {
        self.0.diffie_hellman(their)
    }
}
