//! ChaCha20-Poly1305 (RFC 8439) with a 32-byte key and a 12-byte nonce.
//!
//! The ciphertext is `encrypted plaintext || 16-byte Poly1305 tag`, so it is always
//! exactly [`TAG_LEN`] bytes longer than the plaintext.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

/// Length of a ChaCha20-Poly1305 key.
pub const KEY_LEN: usize = 32;
/// Length of a ChaCha20-Poly1305 nonce.
pub const NONCE_LEN: usize = 12;
/// Length of the Poly1305 tag appended to every ciphertext.
pub const TAG_LEN: usize = 16;

/// Why an AEAD operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AeadError {
    /// The tag did not verify: wrong key, wrong nonce, wrong associated data, or
    /// the ciphertext was altered.
    #[error("authentication failed: the ciphertext, nonce, key or associated data do not match")]
    AuthenticationFailed,
    /// The ciphertext is shorter than a tag, so it cannot be authentic.
    #[error("ciphertext is {len} bytes, shorter than the {TAG_LEN}-byte tag")]
    TooShort {
        /// The length that was given.
        len: usize,
    },
    /// The plaintext exceeds what ChaCha20-Poly1305 can encrypt under one nonce.
    #[error("plaintext too long for ChaCha20-Poly1305")]
    TooLong,
}

/// Encrypts `plaintext` and authenticates it together with `aad`.
pub fn seal(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, AeadError> {
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    cipher
        .encrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| AeadError::TooLong)
}

/// Verifies and decrypts `ciphertext` (which ends with the tag) under `aad`.
pub fn open(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, AeadError> {
    if ciphertext.len() < TAG_LEN {
        return Err(AeadError::TooShort {
            len: ciphertext.len(),
        });
    }
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    cipher
        .decrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| AeadError::AuthenticationFailed)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8439 §2.8.2: the AEAD test vector ("Ladies and Gentlemen ...").
    #[test]
    fn rfc8439_section_2_8_2() {
        let key: [u8; 32] = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
            .try_into()
            .unwrap();
        let nonce: [u8; 12] = hex("070000004041424344454647").try_into().unwrap();
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let expected = hex(concat!(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6",
            "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36",
            "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc",
            "3ff4def08e4b7a9de576d26586cec64b6116",
            "1ae10b594f09e26a7e902ecbd0600691"
        ));
        let ct = seal(&key, &nonce, &aad, pt).unwrap();
        assert_eq!(ct, expected);
        assert_eq!(open(&key, &nonce, &aad, &ct).unwrap(), pt);
    }

    #[test]
    fn any_flipped_bit_is_rejected() {
        let key = [7u8; 32];
        let nonce = [9u8; 12];
        let ct = seal(&key, &nonce, b"ad", b"attack at dawn").unwrap();
        for bit in 0..ct.len() * 8 {
            let mut bad = ct.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                open(&key, &nonce, b"ad", &bad),
                Err(AeadError::AuthenticationFailed)
            );
        }
        assert_eq!(
            open(&key, &nonce, b"other ad", &ct),
            Err(AeadError::AuthenticationFailed)
        );
    }

    #[test]
    fn short_ciphertext_is_a_typed_error() {
        assert_eq!(
            open(&[0; 32], &[0; 12], b"", &[0; 15]),
            Err(AeadError::TooShort { len: 15 })
        );
    }
}
