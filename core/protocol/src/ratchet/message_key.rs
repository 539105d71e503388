//! Message keys and the message AEAD.
//!
//! `HKDF-SHA256(ikm = mk, salt = 0x00×32, info = "cipherflow MessageKeys v1")`
//! gives 44 bytes: a 32-byte ChaCha20-Poly1305 key, then a 12-byte nonce. The
//! ciphertext is `ChaCha20-Poly1305(key, nonce, plaintext, aad = AD || header)`,
//! tag last. Every message key is used for exactly one message, so the derived
//! nonce never repeats under a key.

use zeroize::Zeroizing;

use crate::crypto::aead::{self, AeadError, KEY_LEN, NONCE_LEN};
use crate::crypto::kdf;

/// HKDF `info` of the message-key expansion.
pub const MESSAGE_KEYS_INFO: &[u8] = b"cipherflow MessageKeys v1";

/// One message key, for the message with index `index` in its chain.
#[derive(Clone)]
pub(crate) struct MessageKey {
    key: Zeroizing<[u8; 32]>,
    index: u32,
}

impl MessageKey {
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

    fn expand(&self) -> (Zeroizing<[u8; KEY_LEN]>, [u8; NONCE_LEN]) {
        let okm = kdf::hkdf_sha256_array::<{ KEY_LEN + NONCE_LEN }>(
            &[0u8; 32],
            self.key.as_ref(),
            MESSAGE_KEYS_INFO,
        );
        let (key, nonce) = kdf::split::<KEY_LEN, NONCE_LEN, { KEY_LEN + NONCE_LEN }>(&okm);
        (key, *nonce)
    }

    /// Encrypts `plaintext` with `aad = associated_data || header`.
    pub(crate) fn seal(
        &self,
        associated_data: &[u8],
        header: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let (key, nonce) = self.expand();
        aead::seal(&key, &nonce, &[associated_data, header].concat(), plaintext)
    }

    /// Verifies and decrypts.
    pub(crate) fn open(
        &self,
        associated_data: &[u8],
        header: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let (key, nonce) = self.expand();
        aead::open(
            &key,
            &nonce,
            &[associated_data, header].concat(),
            ciphertext,
        )
    }
}

impl std::fmt::Debug for MessageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MessageKey(index {}, <redacted>)", self.index)
    }
}

/// Compared in constant time: a secret's bytes never decide how long a
/// comparison takes.
impl PartialEq for MessageKey {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && crate::crypto::secrets_equal(&self.key, &other.key)
    }
}

impl Eq for MessageKey {}
