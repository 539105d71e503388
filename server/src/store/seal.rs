//! Sealing what the database keeps: ChaCha20-Poly1305 under the data key, a
//! fresh random nonce per row, and associated data that names the row, so a
//! sealed value moved to another row (or another table) no longer opens.
//!
//! ```text
//! sealed = nonce (12 bytes) || ChaCha20-Poly1305(key, nonce, plaintext, aad)
//! aad    = "cipherflow <table> v1" || row id (8 bytes, big-endian)
//! ```

use cipherflow_protocol::crypto::aead::{self, NONCE_LEN, TAG_LEN};
use zeroize::Zeroizing;

/// The 32-byte key the data directory's rows are sealed under.
pub struct DataKey(Zeroizing<[u8; 32]>);

/// Why a sealed value did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Shorter than a nonce and a tag.
    #[error("a sealed value of {0} bytes is too short")]
    TooShort(usize),
    /// The key, the row or the bytes are not the ones it was sealed with.
    #[error("a sealed value did not authenticate (wrong key, or moved or damaged)")]
    Forged,
    /// The operating system's generator failed.
    #[error("no randomness for a nonce: {0}")]
    Random(String),
}

fn aad(table: &str, row: u64) -> Vec<u8> {
    let mut aad = format!("cipherflow {table} v1").into_bytes();
    aad.extend_from_slice(&row.to_be_bytes());
    aad
}

impl DataKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh key from the operating system's generator.
    pub fn generate() -> Result<Self, SealError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| SealError::Random(e.to_string()))?;
        Ok(Self(bytes))
    }

    /// The key's bytes (to write the key file).
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Seals `plaintext` for row `row` of `table`.
    pub fn seal(&self, table: &str, row: u64, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| SealError::Random(e.to_string()))?;
        let aad = aad(table, row);
        let sealed = aead::seal(&self.0, &nonce, &aad, plaintext).map_err(|_| SealError::Forged)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`DataKey::seal`] sealed for the same table and row.
    pub fn open(
        &self,
        table: &str,
        row: u64,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let (Some(nonce), Some(body)) = (sealed.get(..NONCE_LEN), sealed.get(NONCE_LEN..)) else {
            return Err(SealError::TooShort(sealed.len()));
        };
        if body.len() < TAG_LEN {
            return Err(SealError::TooShort(sealed.len()));
        }
        let mut n = [0u8; NONCE_LEN];
        n.copy_from_slice(nonce);
        aead::open(&self.0, &n, &aad(table, row), body)
            .map(Zeroizing::new)
            .map_err(|_| SealError::Forged)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_in_its_own_row_under_its_own_key() {
        let key = DataKey::from_bytes([9; 32]);
        let sealed = key.seal("journal", 7, b"hello").unwrap();
        assert_eq!(sealed.len(), NONCE_LEN + 5 + 16);
        assert!(!sealed.windows(5).any(|w| w == b"hello"));
        assert_eq!(
            key.open("journal", 7, &sealed).unwrap().as_slice(),
            b"hello"
        );
        assert_eq!(key.open("journal", 8, &sealed), Err(SealError::Forged));
        assert_eq!(key.open("other", 7, &sealed), Err(SealError::Forged));
        let other = DataKey::from_bytes([8; 32]);
        assert_eq!(other.open("journal", 7, &sealed), Err(SealError::Forged));
        let mut flipped = sealed.clone();
        flipped[20] ^= 1;
        assert_eq!(key.open("journal", 7, &flipped), Err(SealError::Forged));
        assert_eq!(
            key.open("journal", 7, &sealed[..10]),
            Err(SealError::TooShort(10))
        );
        // Two seals of the same bytes differ (fresh nonces).
        assert_ne!(key.seal("journal", 7, b"hello").unwrap(), sealed);
    }
}
