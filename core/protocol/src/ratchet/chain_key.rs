//! Chain keys and `KDF_CK`.
//!
//! `KDF_CK(ck)`: the message key is `HMAC-SHA256(ck, 0x01)`, the next chain key
//! `HMAC-SHA256(ck, 0x02)`. A chain key knows its index `N`: the number of
//! message keys already taken from its chain.

use zeroize::Zeroizing;

use crate::crypto::kdf::hmac_sha256;
use crate::ratchet::message_key::MessageKey;

const MESSAGE_KEY_SEED: u8 = 0x01;
const CHAIN_KEY_SEED: u8 = 0x02;

/// A sending or receiving chain key at index `index`.
#[derive(Clone)]
pub(crate) struct ChainKey {
    key: Zeroizing<[u8; 32]>,
    index: u32,
}

impl ChainKey {
    pub(crate) fn new(key: [u8; 32], index: u32) -> Self {
        Self {
            key: Zeroizing::new(key),
            index,
        }
    }

    pub(crate) fn index(&self) -> u32 {
        self.index
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// The message key for this index.
    pub(crate) fn message_key(&self) -> MessageKey {
        MessageKey::new(
            hmac_sha256(self.key.as_ref(), &[MESSAGE_KEY_SEED]),
            self.index,
        )
    }

    /// The chain key for the next index. `None` once the u32 counter is exhausted.
    pub(crate) fn next(&self) -> Option<ChainKey> {
        #[cfg(test)]
        crate::limits::work::chain_step();
        Some(ChainKey::new(
            hmac_sha256(self.key.as_ref(), &[CHAIN_KEY_SEED]),
            self.index.checked_add(1)?,
        ))
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChainKey(index {}, <redacted>)", self.index)
    }
}

/// Compared in constant time: a secret's bytes never decide how long a
/// comparison takes.
impl PartialEq for ChainKey {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && crate::crypto::secrets_equal(&self.key, &other.key)
    }
}

impl Eq for ChainKey {}
