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
#[derive(Clone, PartialEq, Eq)]
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
        let mut okm = Zeroizing::new([0u8; 64]);
        // 64 bytes is far below HKDF-SHA256's 8160-byte limit, so this cannot fail.
        let _ = kdf::hkdf_sha256(
            self.0.as_ref(),
            dh_out.as_bytes(),
            RATCHET_INFO,
            okm.as_mut(),
        );
        let mut root = [0u8; 32];
        let mut chain = [0u8; 32];
        root.copy_from_slice(&okm[..32]);
        chain.copy_from_slice(&okm[32..]);
        (RootKey::new(root), ChainKey::new(chain, 0))
    }
}

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}
