//! HKDF-SHA256 (RFC 5869) and HMAC-SHA256 (RFC 2104 / RFC 4231).
//!
//! HMAC is RustCrypto's `hmac` over `sha2`. HKDF's two steps are written
//! here on top of it (extract is one HMAC, expand a counter loop of them),
//! so that every derivation the protocol makes has a fixed length checked
//! when it compiles and cannot fail: [`hkdf_sha256_array`] returns the key,
//! never an error that a caller could ignore and leave a key of zeros.
//! RFC 5869's vectors and all of Wycheproof's HKDF-SHA256 cases check it
//! (`tests/wycheproof.rs`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Length of a SHA-256 output, and so of an HMAC-SHA256 tag.
pub const HASH_LEN: usize = 32;
/// The most HKDF-SHA256 can expand to: 255 blocks of 32 bytes.
pub const HKDF_MAX_OUTPUT: usize = 255 * HASH_LEN;
/// SHA-256's block size: HMAC pads (or hashes) its key to this length.
const BLOCK_LEN: usize = 64;

/// Why a key derivation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KdfError {
    /// HKDF was asked for more than [`HKDF_MAX_OUTPUT`] bytes.
    #[error("HKDF-SHA256 cannot produce {requested} bytes (at most {HKDF_MAX_OUTPUT})")]
    OutputTooLong {
        /// The number of bytes asked for.
        requested: usize,
    },
}

/// HKDF-SHA256 into `N` bytes. `N` is checked against [`HKDF_MAX_OUTPUT`]
/// when the caller compiles, so the derivation always fills the whole key.
///
/// ```
/// use cipherflow_protocol::crypto::kdf::hkdf_sha256_array;
/// let key = hkdf_sha256_array::<32>(&[0u8; 32], b"input key material", b"an info string");
/// assert_ne!(*key, [0u8; 32]);
/// ```
///
/// Asking for more than 255 blocks does not compile:
///
/// ```compile_fail
/// use cipherflow_protocol::crypto::kdf::hkdf_sha256_array;
/// let key = hkdf_sha256_array::<8161>(&[0u8; 32], b"input key material", b"an info string");
/// ```
pub fn hkdf_sha256_array<const N: usize>(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
) -> Zeroizing<[u8; N]> {
    const { assert!(N <= HKDF_MAX_OUTPUT, "HKDF-SHA256 gives at most 8160 bytes") };
    let mut out = Zeroizing::new([0u8; N]);
    expand(&extract(salt, ikm), info, out.as_mut());
    out
}

/// HKDF-SHA256 into a buffer whose length is known only at run time: extract
/// with `salt` over `ikm`, then expand with `info` to fill `out`.
pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), KdfError> {
    if out.len() > HKDF_MAX_OUTPUT {
        return Err(KdfError::OutputTooLong {
            requested: out.len(),
        });
    }
    expand(&extract(salt, ikm), info, out);
    Ok(())
}

/// Splits a derived key into its first `A` and last `B` bytes (`A + B == N`,
/// checked when the caller compiles).
pub fn split<const A: usize, const B: usize, const N: usize>(
    okm: &[u8; N],
) -> (Zeroizing<[u8; A]>, Zeroizing<[u8; B]>) {
    const { assert!(A + B == N, "the two parts must make up the whole key") };
    let mut first = Zeroizing::new([0u8; A]);
    let mut second = Zeroizing::new([0u8; B]);
    let (head, tail) = okm.split_at(A.min(N));
    copy(first.as_mut(), head);
    copy(second.as_mut(), tail);
    (first, second)
}

/// HMAC-SHA256 of `data` under `key` (any key length).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; HASH_LEN] {
    let mut mac = keyed(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HKDF-Extract: `PRK = HMAC(salt, IKM)`.
fn extract(salt: &[u8], ikm: &[u8]) -> Zeroizing<[u8; HASH_LEN]> {
    Zeroizing::new(hmac_sha256(salt, ikm))
}

/// HKDF-Expand: `T(i) = HMAC(PRK, T(i-1) || info || i)` for i = 1, 2, ...,
/// written into `out` one block after another. Callers keep `out` within
/// 255 blocks (the counter is one byte).
fn expand(prk: &[u8; HASH_LEN], info: &[u8], out: &mut [u8]) {
    let mut t = Zeroizing::new([0u8; HASH_LEN]);
    for (block, counter) in out.chunks_mut(HASH_LEN).zip(1u8..=255) {
        let mut mac = keyed(prk);
        if counter > 1 {
            mac.update(t.as_ref());
        }
        mac.update(info);
        mac.update(&[counter]);
        *t = mac.finalize().into_bytes().into();
        copy(block, t.as_ref());
    }
}

/// HMAC-SHA256 keyed with `key`: a key longer than a block is hashed first,
/// then the key is padded with zeros to a block (RFC 2104 section 2).
fn keyed(key: &[u8]) -> Hmac<Sha256> {
    let mut block = Zeroizing::new([0u8; BLOCK_LEN]);
    if key.len() > BLOCK_LEN {
        copy(block.as_mut(), &Sha256::digest(key));
    } else {
        copy(block.as_mut(), key);
    }
    Hmac::<Sha256>::new(&(*block).into())
}

/// Copies as many bytes as both slices hold.
fn copy(to: &mut [u8], from: &[u8]) {
    for (t, f) in to.iter_mut().zip(from) {
        *t = *f;
    }
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

    /// RFC 5869 appendix A.1 (basic test case with SHA-256).
    #[test]
    fn rfc5869_case_1() {
        let ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        let salt = hex("000102030405060708090a0b0c");
        let info = hex("f0f1f2f3f4f5f6f7f8f9");
        let mut okm = [0u8; 42];
        hkdf_sha256(&salt, &ikm, &info, &mut okm).unwrap();
        assert_eq!(
            okm.to_vec(),
            hex(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
            )
        );
    }

    /// RFC 5869 appendix A.3 (zero-length salt and info).
    #[test]
    fn rfc5869_case_3() {
        let ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        let mut okm = [0u8; 42];
        hkdf_sha256(&[], &ikm, &[], &mut okm).unwrap();
        assert_eq!(
            okm.to_vec(),
            hex(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
            )
        );
    }

    #[test]
    fn the_fixed_length_derivation_is_the_run_time_one() {
        fn both<const N: usize>() {
            let fixed = hkdf_sha256_array::<N>(b"salt", b"ikm", b"info");
            let mut run_time = vec![0u8; N];
            hkdf_sha256(b"salt", b"ikm", b"info", &mut run_time).unwrap();
            assert_eq!(fixed.as_slice(), run_time.as_slice(), "{N} bytes");
            // Every block is filled: no 32-byte stretch is left at zero.
            for block in fixed.chunks(HASH_LEN) {
                assert!(block.iter().any(|&b| b != 0), "{N} bytes");
            }
        }
        both::<0>();
        both::<1>();
        both::<32>();
        both::<33>();
        both::<44>();
        both::<64>();
        both::<HKDF_MAX_OUTPUT>();
    }

    #[test]
    fn split_gives_the_first_and_the_last_bytes() {
        let okm: [u8; 44] = std::array::from_fn(|i| i as u8);
        let (key, nonce) = split::<32, 12, 44>(&okm);
        assert_eq!(key.as_slice(), &okm[..32]);
        assert_eq!(nonce.as_slice(), &okm[32..]);
    }

    #[test]
    fn hkdf_refuses_overlong_output() {
        let mut out = vec![0u8; HKDF_MAX_OUTPUT + 1];
        assert_eq!(
            hkdf_sha256(b"s", b"k", b"i", &mut out),
            Err(KdfError::OutputTooLong {
                requested: HKDF_MAX_OUTPUT + 1
            })
        );
    }

    /// RFC 4231 test case 2 ("Jefe").
    #[test]
    fn rfc4231_case_2() {
        assert_eq!(
            hmac_sha256(b"Jefe", b"what do ya want for nothing?").to_vec(),
            hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
    }

    /// RFC 4231 test case 6 (a 131-byte key, longer than the block size).
    #[test]
    fn rfc4231_case_6() {
        assert_eq!(
            hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )
            .to_vec(),
            hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        );
    }
}
