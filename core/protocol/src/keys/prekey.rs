//! Prekeys: the signed prekey (SPK), rotated with increasing ids and signed by the
//! identity key, and one-time prekeys (OPK), each used at most once.

use crate::crypto::xeddsa;
use crate::keys::{IdentityKeyPair, KeyPair, PublicKey};
use rand_core::CryptoRng;

/// A prekey id, as carried in bundles and prekey messages (u32, big-endian on the wire).
pub type PreKeyId = u32;

/// A signed prekey: id, key pair, `XEdDSA(IK, Encode(SPK))` and its creation time.
#[derive(Clone, Debug)]
pub struct SignedPreKey {
    /// The id a prekey message names it by.
    pub id: PreKeyId,
    /// The key pair.
    pub key_pair: KeyPair,
    /// XEdDSA signature by the identity key over `Encode(public)`.
    pub signature: [u8; xeddsa::SIGNATURE_LEN],
    /// When it was generated (milliseconds of the injected clock).
    pub created_at_ms: u64,
}

impl SignedPreKey {
    /// Generates a signed prekey with `id`, signed by `identity`.
    pub fn generate(
        rng: &mut impl CryptoRng,
        identity: &IdentityKeyPair,
        id: PreKeyId,
        now_ms: u64,
    ) -> Self {
        let key_pair = KeyPair::generate(rng);
        let signature = identity.sign(rng, &key_pair.public().encode());
        Self {
            id,
            key_pair,
            signature,
            created_at_ms: now_ms,
        }
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        self.key_pair.public()
    }
}

/// A one-time prekey: deleted the moment a session is built with it.
#[derive(Clone, Debug)]
pub struct OneTimePreKey {
    /// Its id.
    pub id: PreKeyId,
    /// The key pair.
    pub key_pair: KeyPair,
}

impl OneTimePreKey {
    /// The public key.
    pub fn public(&self) -> PublicKey {
        self.key_pair.public()
    }
}
