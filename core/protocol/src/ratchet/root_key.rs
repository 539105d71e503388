//! The root key and `KDF_RK`.
//!
//! `KDF_RK(rk, dh_out) = HKDF-SHA256(salt = rk, ikm = dh_out,
//! info = "cipherflow Ratchet v1")`, 64 bytes: the first 32 are the new root key,
//! the last 32 the new chain key.

use zeroize::Zeroizing;

use crate::crypto::kdf;
use crate::keys::SharedSecret;
use crate::ratchet::chain_key::ChainKey;

/// HKDF `info` of `KDF_RK`.
pub const RATCHET_INFO: &[u8] = b"cipherflow Ratchet v1";

/// A root key. Zeroizes on drop; `Debug` is redacted.
#[derive(Clone)]
pub(crate) struct RootKey(Zeroizing<[u8; 32]>);

impl RootKey {
    pub(crate) fn new(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// One DH ratchet step of the root chain: `(RK', CK) = KDF_RK(RK, dh_out)`.
    pub(crate) fn advance(&self, dh_out: &SharedSecret) -> (RootKey, ChainKey) {
        let okm = kdf::hkdf_sha256_array::<64>(self.0.as_ref(), dh_out.as_bytes(), RATCHET_INFO);
        let (root, chain) = kdf::split::<32, 32, 64>(&okm);
        (RootKey::new(*root), ChainKey::new(*chain, 0))
    }
}

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

/// Compared in constant time: a secret's bytes never decide how long a
/// comparison takes.
impl PartialEq for RootKey {
    fn eq(&self, other: &Self) -> bool {
        crate::crypto::secrets_equal(&self.0, &other.0)
    }
}

impl Eq for RootKey {}
