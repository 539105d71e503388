//! Short fingerprints of a ratchet's secret keys, for a workshop's inspector.
//!
//! A fingerprint lets an audience see that the two ends of a session hold the
//! same root key, and watch chain keys change at every message, without
//! showing the key. It is the first 4 bytes of
//! `SHA-256("cipherflow secret fingerprint v1" || 0x00 || label || 0x00 || key)`
//! in hex: 32 bits of a one-way hash, with a label per key role so that equal
//! keys in different roles do not look alike. 32 bits say nothing useful about
//! a 256-bit key, and collide only by chance (about one in four billion).

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash's domain separator.
pub const FINGERPRINT_DOMAIN: &[u8] = b"cipherflow secret fingerprint v1";
/// Bytes of the hash kept.
pub const FINGERPRINT_BYTES: usize = 4;

/// The fingerprint of `key` in the role `label`: 8 lowercase hex digits.
pub fn secret_fingerprint(label: &str, key: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(FINGERPRINT_DOMAIN);
    h.update([0]);
    h.update(label.as_bytes());
    h.update([0]);
    h.update(key);
    let digest = h.finalize();
    hex::encode(digest.get(..FINGERPRINT_BYTES).unwrap_or_default())
}

/// Fingerprints of the secrets a ratchet holds right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretFingerprints {
    /// RK.
    pub root_key: String,
    /// CKs, while the sending chain is active.
    pub sending_chain: Option<String>,
    /// CKr, once a message was received.
    pub receiving_chain: Option<String>,
}

/// The labels: the sending chain of one side is the receiving chain of the
/// other, so both use the label "chain" and match across the session.
pub(crate) const ROOT_LABEL: &str = "root";
pub(crate) const CHAIN_LABEL: &str = "chain";

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_fingerprint_is_short_deterministic_and_depends_on_role_and_key() {
        let a = secret_fingerprint(ROOT_LABEL, &[7; 32]);
        assert_eq!(a.len(), 2 * FINGERPRINT_BYTES);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(a, secret_fingerprint(ROOT_LABEL, &[7; 32]));
        assert_ne!(a, secret_fingerprint(CHAIN_LABEL, &[7; 32]));
        assert_ne!(a, secret_fingerprint(ROOT_LABEL, &[8; 32]));
        assert!(!a.contains(&hex::encode([7u8; 4])));
    }

    #[test]
    fn known_answer() {
        // python3: hashlib.sha256(b"cipherflow secret fingerprint v1\0root\0" + bytes(32)).hexdigest()[:8]
        assert_eq!(secret_fingerprint("root", &[0; 32]), "ac216267");
    }
}
