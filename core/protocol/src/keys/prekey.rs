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

/// The one-time prekeys an account holds, sorted by id: a vector rather than
/// a B-tree, because every phone holds a few dozen and a B-tree's half-empty
/// leaves cost twice the keys. Lookups are binary searches.
#[derive(Clone, Debug, Default)]
pub(crate) struct OneTimePreKeys(Vec<OneTimePreKey>);

impl OneTimePreKeys {
    fn position(&self, id: PreKeyId) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |k| k.id)
    }

    /// Adds a key; false (and nothing added) if its id is taken.
    pub(crate) fn insert(&mut self, key: OneTimePreKey) -> bool {
        match self.position(key.id) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, key);
                true
            }
        }
    }

    /// Room for `count` more keys, and no more.
    pub(crate) fn reserve_exact(&mut self, count: usize) {
        self.0.reserve_exact(count);
    }

    pub(crate) fn get(&self, id: PreKeyId) -> Option<&OneTimePreKey> {
        self.0.get(self.position(id).ok()?)
    }

    pub(crate) fn remove(&mut self, id: PreKeyId) -> Option<OneTimePreKey> {
        let at = self.position(id).ok()?;
        Some(self.0.remove(at))
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The keys, by id.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, OneTimePreKey> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn one_time_prekeys_stay_sorted_and_unique() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut keys = OneTimePreKeys::default();
        for id in [5, 1, u32::MAX, 3] {
            let key_pair = KeyPair::generate(&mut rng);
            assert!(keys.insert(OneTimePreKey { id, key_pair }));
        }
        let key_pair = KeyPair::generate(&mut rng);
        assert!(!keys.insert(OneTimePreKey { id: 3, key_pair }), "id taken");
        let ids = |k: &OneTimePreKeys| k.iter().map(|k| k.id).collect::<Vec<_>>();
        assert_eq!(ids(&keys), [1, 3, 5, u32::MAX]);
        assert_eq!(keys.get(5).map(|k| k.id), Some(5));
        assert!(keys.get(4).is_none());
        assert_eq!(keys.remove(3).map(|k| k.id), Some(3));
        assert!(keys.remove(3).is_none());
        assert_eq!(ids(&keys), [1, 5, u32::MAX]);
        assert_eq!(keys.len(), 3);
    }
}
