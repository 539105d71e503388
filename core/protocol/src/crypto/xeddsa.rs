//! XEdDSA over Curve25519: Ed25519-compatible signatures made with an X25519 key.
//!
//! Signal's [XEdDSA specification](https://signal.org/docs/specifications/xeddsa/)
//! lets one key pair do both jobs: the X25519 key that takes part in key agreement
//! also signs (a signed pre-key is signed by the identity key this way). This
//! module follows the specification's `xeddsa_sign` / `xeddsa_verify` for
//! Curve25519 step by step; the group arithmetic is `curve25519-dalek` and the
//! hash is SHA-512 from `sha2`.
//!
//! ```
//! use cipherflow_protocol::crypto::xeddsa;
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//! use x25519_dalek::{PublicKey, StaticSecret};
//!
//! let mut rng = ChaCha20Rng::seed_from_u64(7);
//! let identity = StaticSecret::random_from_rng(&mut rng);
//! let identity_public = PublicKey::from(&identity);
//!
//! let signature = xeddsa::sign(identity.as_bytes(), b"signed pre-key", &mut rng);
//! assert_eq!(xeddsa::verify(identity_public.as_bytes(), b"signed pre-key", &signature), Ok(()));
//! assert_eq!(
//!     xeddsa::verify(identity_public.as_bytes(), b"another key", &signature),
//!     Err(xeddsa::XEdDsaError::BadSignature)
//! );
//! ```
//!
//! # The bytes
//!
//! * **Private key** `k`: 32 bytes exactly as `x25519_dalek::StaticSecret` stores
//!   them, not yet clamped. Signing clamps them as X25519 does, so the signing key
//!   and the Diffie-Hellman key are the same scalar.
//! * **Public key** `u`: the 32-byte little-endian X25519 u-coordinate. Verifiers
//!   accept it only if `u < p = 2^255 - 19` and it is the u-coordinate of a point
//!   on Curve25519 (not its twist).
//! * **Edwards public key** `A`: the Ed25519 point with Edwards `y = (u - 1)/(u + 1)`
//!   and sign bit 0 (`convert_mont` in the specification), compressed to 32 bytes.
//!   [`edwards_public_key`] returns it.
//! * **Nonce input** `Z`: 64 fresh random bytes per signature.
//! * **Signature**: 64 bytes, `R || s`. `R` (32 bytes) is the compressed Edwards
//!   point `rB` and `s` (32 bytes) a little-endian scalar below the group order
//!   `q = 2^252 + 27742317777372353535851937790883648493`.
//!
//! # The steps
//!
//! Signing (`calculate_key_pair` then `xeddsa_sign`):
//!
//! 1. `k` = clamp(private) reduced mod `q`; `E = kB`.
//! 2. If the sign bit of `E` is 1, `a = -k mod q` and `A = -E`; otherwise `a = k`
//!    and `A = E`. Either way `A` has sign bit 0, so a verifier holding only `u`
//!    can rebuild it.
//! 3. `r = hash_1(a || M || Z) mod q`, where `hash_i(X) = SHA-512(2^256 - 1 - i ||
//!    X)` with the prefix as 32 little-endian bytes (for `i = 1`: `0xFE` then 31
//!    bytes `0xFF`), and `a` is its canonical 32-byte encoding.
//! 4. `R = rB`; `h = SHA-512(R || A || M) mod q`; `s = r + h·a mod q`.
//!
//! Verifying rejects `u >= p`, a non-canonical `R.y` (`>= p`), `s >= 2^253` and
//! any other `s >= q`, and a `u` that is not on the curve; then it recomputes
//! `R' = sB - hA` and accepts exactly when `R'` encodes to the signature's `R`.
//!
//! Because `A` and `R || s` are an ordinary Ed25519 public key and signature, an
//! XEdDSA signature also verifies with any Ed25519 verifier under
//! [`edwards_public_key`].
//!
//! # Deliberate choices
//!
//! * `u = p - 1` (that is, `-1`) is rejected. It lies on the twist; the
//!   specification's `u_to_y` would divide by zero there (its `inv(0) = 0` gives
//!   the order-4 point with `y = 0`), and no X25519 private key produces it.
//! * Like the specification (and Ed25519 itself), verification does not reject
//!   public keys of small order; such a key has no private key behind it, so the
//!   only party who could "forge" under it is whoever published it.
//! * The secret scalars `k`, `a`, `r`, the `a`-bearing hash input and output, and
//!   `Z` are zeroized after use. SHA-512's own internal state is wiped only if
//!   `sha2` is built with its `zeroize` feature.

use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::clamp_integer;
use curve25519_dalek::{EdwardsPoint, Scalar};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

/// Length of an XEdDSA signature: `R` (32 bytes) then `s` (32 bytes).
pub const SIGNATURE_LEN: usize = 64;
/// Length of an X25519 private key, public key, or Edwards public key.
pub const KEY_LEN: usize = 32;
/// Length of the fresh random input `Z` drawn for each signature.
pub const NONCE_LEN: usize = 64;

/// `p = 2^255 - 19`, little-endian.
const P_BYTES: [u8; 32] = [
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];

/// The prefix of `hash_1`: `2^256 - 1 - 1` as 32 little-endian bytes.
const HASH_1_PREFIX: [u8; 32] = [
    0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

/// Why an XEdDSA signature was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum XEdDsaError {
    /// The public u-coordinate is not below `p = 2^255 - 19` (this includes every
    /// value with the top bit set).
    #[error("XEdDSA public key is not a canonical field element (u >= 2^255 - 19)")]
    NonCanonicalPublicKey,
    /// The public u-coordinate is canonical but not on Curve25519 (it is on the
    /// twist, or is `-1`).
    #[error("XEdDSA public key is not the u-coordinate of a point on Curve25519")]
    InvalidPublicKey,
    /// The signature's `R` has a y-coordinate that is not below `p`.
    #[error("XEdDSA signature R is not canonically encoded (y >= 2^255 - 19)")]
    NonCanonicalR,
    /// The signature's `s` is not below the group order `q` (this includes every
    /// `s >= 2^253`, which the specification rejects outright).
    #[error("XEdDSA signature s is not a canonical scalar (s >= q)")]
    NonCanonicalS,
    /// Everything was well formed, but `sB - hA` is not `R`.
    #[error("XEdDSA signature does not verify")]
    BadSignature,
}

/// Signs `message` with the X25519 private key `private`, drawing the 64 bytes of
/// `Z` from `rng`.
///
/// `private` is 32 bytes as `x25519_dalek::StaticSecret` stores them (not yet
/// clamped); it is clamped here exactly as X25519 clamps it. The result is
/// `R || s` and verifies with [`verify`] under the matching X25519 public key.
pub fn sign(
    private: &[u8; KEY_LEN],
    message: &[u8],
    rng: &mut impl rand_core::CryptoRng,
) -> [u8; SIGNATURE_LEN] {
    let mut z = Zeroizing::new([0u8; NONCE_LEN]);
    rng.fill_bytes(z.as_mut_slice());
    sign_with_nonce(private, message, &z)
}

/// Signs `message` like [`sign`], with the random input `Z` given explicitly.
///
/// The output is a pure function of its inputs, which is what known-answer tests
/// need. Everywhere else call [`sign`]: the specification asks for 64 fresh secret
/// random bytes per signature. (The nonce `r` also hashes the secret `a` and the
/// message, so a repeated or known `Z` does not by itself leak the key; the
/// randomness hedges against fault and side-channel attacks on deterministic
/// signing.)
pub fn sign_with_nonce(
    private: &[u8; KEY_LEN],
    message: &[u8],
    z: &[u8; NONCE_LEN],
) -> [u8; SIGNATURE_LEN] {
    let (a, public) = calculate_key_pair(private);

    // r = hash_1(a || M || Z) mod q. The hash input's secret part, `prefix || a`,
    // and the hash output live in buffers that are wiped on drop.
    let mut head = Zeroizing::new([0u8; 64]);
    copy_into(head.as_mut_slice(), &[&HASH_1_PREFIX, a.as_bytes()]);
    let mut wide = Zeroizing::new([0u8; 64]);
    sha512_into(&[head.as_slice(), message, z], &mut wide);
    let r = Zeroizing::new(Scalar::from_bytes_mod_order_wide(&wide));

    let big_r = EdwardsPoint::mul_base(&r).compress();
    let h = challenge(&big_r, &public, message);
    let s = *r + h * *a;

    let mut signature = [0u8; SIGNATURE_LEN];
    copy_into(&mut signature, &[big_r.as_bytes(), s.as_bytes()]);
    signature
}

/// Verifies an XEdDSA `signature` on `message` against the X25519 public key
/// u-coordinate `public_u`.
///
/// Checks, in the specification's order: `u < p`, `R.y < p`, `s < q` (so also
/// `s < 2^253`), that `u` is on the curve, and finally that `sB - hA` encodes to
/// `R`. Each failure has its own [`XEdDsaError`] variant.
pub fn verify(
    public_u: &[u8; KEY_LEN],
    message: &[u8],
    signature: &[u8; SIGNATURE_LEN],
) -> Result<(), XEdDsaError> {
    if !is_canonical_field_element(public_u) {
        return Err(XEdDsaError::NonCanonicalPublicKey);
    }
    let (r_bytes, s_bytes) = split_signature(signature);
    let mut r_y = r_bytes;
    clear_sign_bit(&mut r_y);
    if !is_canonical_field_element(&r_y) {
        return Err(XEdDsaError::NonCanonicalR);
    }
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))
        .ok_or(XEdDsaError::NonCanonicalS)?;
    let (a_point, a_compressed) = convert_mont(public_u)?;

    let big_r = CompressedEdwardsY(r_bytes);
    let h = challenge(&big_r, &a_compressed, message);
    // R' = sB - hA = (-h)A + sB. Everything here is public, so variable time is fine.
    let r_check = EdwardsPoint::vartime_double_scalar_mul_basepoint(&-h, &a_point, &s);
    if r_check.compress() == big_r {
        Ok(())
    } else {
        Err(XEdDsaError::BadSignature)
    }
}

/// The Ed25519 public key an XEdDSA signer uses for the X25519 public key
/// `public_u`: the compressed Edwards point with `y = (u - 1)/(u + 1)` and sign
/// bit 0 (the specification's `convert_mont`).
///
/// Returns `None` if `u >= p` or `u` is not the u-coordinate of a point on
/// Curve25519. The result works as an `ed25519_dalek::VerifyingKey` for XEdDSA
/// signatures.
pub fn edwards_public_key(public_u: &[u8; KEY_LEN]) -> Option<[u8; KEY_LEN]> {
    convert_mont(public_u)
        .ok()
        .map(|(_, compressed)| compressed.to_bytes())
}

/// `calculate_key_pair`: the signing scalar `a` and Edwards public key `A` (sign
/// bit 0) for an unclamped X25519 private key.
fn calculate_key_pair(private: &[u8; KEY_LEN]) -> (Zeroizing<Scalar>, CompressedEdwardsY) {
    let clamped = Zeroizing::new(clamp_integer(*private));
    let k = Zeroizing::new(Scalar::from_bytes_mod_order(*clamped));
    let mut public = EdwardsPoint::mul_base(&k).compress().to_bytes();
    let sign = public.last().map_or(0, |top| top >> 7);
    clear_sign_bit(&mut public);
    // a = k if the sign bit is 0, -k if it is 1: a = k - 2·sign·k, without a
    // branch on the secret-derived bit.
    let sign = Scalar::from(sign);
    let twice_sign_k = Zeroizing::new((sign + sign) * *k);
    let a = Zeroizing::new(*k - *twice_sign_k);
    (a, CompressedEdwardsY(public))
}

/// `convert_mont` plus the on-curve check: the Edwards point with sign bit 0 for a
/// canonical u-coordinate.
fn convert_mont(
    public_u: &[u8; KEY_LEN],
) -> Result<(EdwardsPoint, CompressedEdwardsY), XEdDsaError> {
    if !is_canonical_field_element(public_u) {
        return Err(XEdDsaError::NonCanonicalPublicKey);
    }
    let point = MontgomeryPoint(*public_u)
        .to_edwards(0)
        .ok_or(XEdDsaError::InvalidPublicKey)?;
    Ok((point, point.compress()))
}

/// `h = SHA-512(R || A || M) mod q`.
fn challenge(big_r: &CompressedEdwardsY, public: &CompressedEdwardsY, message: &[u8]) -> Scalar {
    let mut wide = [0u8; 64];
    sha512_into(&[big_r.as_bytes(), public.as_bytes(), message], &mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// SHA-512 of the concatenation of `parts`, written straight into `out` so the
/// caller decides whether the output is wiped.
fn sha512_into(parts: &[&[u8]], out: &mut [u8; 64]) {
    let mut hasher = Sha512::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize_into(out.into());
}

/// Whether 32 little-endian bytes encode an integer below `p = 2^255 - 19`.
/// Variable time: only ever applied to public values.
fn is_canonical_field_element(bytes: &[u8; 32]) -> bool {
    for (byte, p) in bytes.iter().rev().zip(P_BYTES.iter().rev()) {
        if byte != p {
            return byte < p;
        }
    }
    false
}

/// Clears bit 255, the Edwards sign bit of a compressed point.
fn clear_sign_bit(bytes: &mut [u8; 32]) {
    if let Some(top) = bytes.last_mut() {
        *top &= 0x7f;
    }
}

/// Splits a signature into `R` and `s`.
fn split_signature(signature: &[u8; SIGNATURE_LEN]) -> ([u8; 32], [u8; 32]) {
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    for (dst, src) in r.iter_mut().chain(s.iter_mut()).zip(signature) {
        *dst = *src;
    }
    (r, s)
}

/// Fills `out` with the concatenation of `parts` (stopping at whichever ends first).
fn copy_into(out: &mut [u8], parts: &[&[u8]]) {
    for (dst, src) in out
        .iter_mut()
        .zip(parts.iter().flat_map(|part| part.iter()))
    {
        *dst = *src;
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    use rand_chacha::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};

    /// The group order `q`, little-endian.
    const Q_BYTES: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    fn x25519_public(private: &[u8; 32]) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*private)).to_bytes()
    }

    fn random_key(rng: &mut ChaCha20Rng) -> ([u8; 32], [u8; 32]) {
        let mut private = [0u8; 32];
        rng.fill_bytes(&mut private);
        (private, x25519_public(&private))
    }

    fn unhex<const N: usize>(s: &str) -> [u8; N] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    /// A small integer as 32 little-endian bytes.
    fn small(n: u8) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        bytes[0] = n;
        bytes
    }

    /// Little-endian `x + y` over 32 bytes, the final carry dropped.
    fn add_le(x: &[u8; 32], y: &[u8; 32]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(x[i]) + u16::from(y[i]) + carry;
            out[i] = sum as u8;
            carry = sum >> 8;
        }
        out
    }

    /// Known answer from the reference XEdDSA code by Trevor Perrin, the
    /// specification's author (`xeddsa_fast_test` in libsignal-protocol-c's and
    /// curve25519-java's `ed25519/tests/internal_fast_tests.c`; values only). The
    /// key's `kB` has sign bit 1, where the reference code's `a = -k mod q` is
    /// exactly the specification's. (For sign bit 0 the reference hashes the
    /// unreduced clamped `k` into `r`, which the specification does not, so no
    /// signature from such a key could serve as a vector.)
    #[test]
    fn reference_known_answer() {
        let mut private = [0u8; 32];
        private[8] = 189;
        let expected: [u8; 64] = unhex(
            "11c7f3e6c4df9e8a5150e1db3b30f92de3a3b3aa438656545fa7390f4bcc7bb2\
             6c431d9e90643e4f0eaa0e9c557766fa69ada576d63dcaf2ac326c11d0b97702",
        );
        let message = [0u8; 200];
        let z = [0u8; 64];
        let public = x25519_public(&private);
        assert_eq!(
            public,
            unhex::<32>("5995f464e9d34d5ca56b9905b9a3cc37c456b2d8d313edbcf584b705b5c04955")
        );
        // The reference test clamps first; clamping again changes nothing.
        assert_eq!(sign_with_nonce(&private, &message, &z), expected);
        assert_eq!(
            sign_with_nonce(&clamp_integer(private), &message, &z),
            expected
        );
        assert_eq!(verify(&public, &message, &expected), Ok(()));
        assert_eq!(
            EdwardsPoint::mul_base_clamped(private)
                .compress()
                .to_bytes()[31]
                >> 7,
            1
        );
    }

    #[test]
    fn round_trip() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for len in [0usize, 1, 31, 32, 33, 64, 127, 128, 129, 1000] {
            let (private, public) = random_key(&mut rng);
            let message = vec![len as u8; len];
            let signature = sign(&private, &message, &mut rng);
            assert_eq!(verify(&public, &message, &signature), Ok(()));
        }
    }

    /// `calculate_key_pair` gives `A = aB` with sign bit 0, and the verifier's
    /// `convert_mont(u)` rebuilds the same `A`, for keys of both sign bits.
    #[test]
    fn key_pair_matches_convert_mont() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut seen = [false; 2];
        for _ in 0..32 {
            let (private, public) = random_key(&mut rng);
            let sign = EdwardsPoint::mul_base_clamped(private)
                .compress()
                .to_bytes()[31]
                >> 7;
            seen[usize::from(sign)] = true;
            let (a, big_a) = calculate_key_pair(&private);
            assert_eq!(big_a.to_bytes()[31] >> 7, 0);
            assert_eq!(EdwardsPoint::mul_base(&a).compress(), big_a);
            assert_eq!(edwards_public_key(&public), Some(big_a.to_bytes()));
        }
        assert_eq!(seen, [true, true]);
    }

    /// The signature is the specification's, step by step: `r` hashes the reduced
    /// `a` (`k` or `-k` mod q), `R = rB` and `s = r + h·a`.
    #[test]
    fn follows_the_specification() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut seen = [false; 2];
        for _ in 0..16 {
            let (private, _) = random_key(&mut rng);
            let k = Scalar::from_bytes_mod_order(clamp_integer(private));
            let e = EdwardsPoint::mul_base(&k).compress().to_bytes();
            let negate = e[31] >> 7 == 1;
            seen[usize::from(negate)] = true;
            let a = if negate { -k } else { k };
            let mut big_a = e;
            big_a[31] &= 0x7f;
            let message = b"signed pre-key";
            let mut z = [0u8; 64];
            rng.fill_bytes(&mut z);

            let hash = |parts: &[&[u8]]| {
                let mut out = [0u8; 64];
                sha512_into(parts, &mut out);
                Scalar::from_bytes_mod_order_wide(&out)
            };
            let r = hash(&[&HASH_1_PREFIX, a.as_bytes(), message, &z]);
            let big_r = EdwardsPoint::mul_base(&r).compress().to_bytes();
            let h = hash(&[&big_r, &big_a, message]);
            let s = r + h * a;
            let mut expected = [0u8; 64];
            expected[..32].copy_from_slice(&big_r);
            expected[32..].copy_from_slice(s.as_bytes());
            assert_eq!(sign_with_nonce(&private, message, &z), expected);
        }
        assert_eq!(seen, [true, true]);
    }

    #[test]
    fn deterministic_with_explicit_nonce() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let (private, public) = random_key(&mut rng);
        let z1 = [7u8; 64];
        let z2 = [8u8; 64];
        let first = sign_with_nonce(&private, b"m", &z1);
        assert_eq!(first, sign_with_nonce(&private, b"m", &z1));
        let second = sign_with_nonce(&private, b"m", &z2);
        assert_ne!(first, second);
        assert_eq!(verify(&public, b"m", &first), Ok(()));
        assert_eq!(verify(&public, b"m", &second), Ok(()));
    }

    #[test]
    fn same_seed_same_signature() {
        let private = [9u8; 32];
        let one = sign(&private, b"m", &mut ChaCha20Rng::seed_from_u64(5));
        let two = sign(&private, b"m", &mut ChaCha20Rng::seed_from_u64(5));
        let three = sign(&private, b"m", &mut ChaCha20Rng::seed_from_u64(6));
        assert_eq!(one, two);
        assert_ne!(one, three);
    }

    #[test]
    fn wrong_message_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (private, public) = random_key(&mut rng);
        let signature = sign(&private, b"hello", &mut rng);
        assert_eq!(
            verify(&public, b"hellp", &signature),
            Err(XEdDsaError::BadSignature)
        );
        assert_eq!(
            verify(&public, b"", &signature),
            Err(XEdDsaError::BadSignature)
        );
    }

    #[test]
    fn wrong_key_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let (private, _) = random_key(&mut rng);
        let (_, other_public) = random_key(&mut rng);
        let signature = sign(&private, b"hello", &mut rng);
        assert_eq!(
            verify(&other_public, b"hello", &signature),
            Err(XEdDsaError::BadSignature)
        );
    }

    #[test]
    fn every_flipped_signature_bit_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let (private, public) = random_key(&mut rng);
        let signature = sign(&private, b"hello", &mut rng);
        for bit in 0..SIGNATURE_LEN * 8 {
            let mut tampered = signature;
            tampered[bit / 8] ^= 1 << (bit % 8);
            assert!(
                verify(&public, b"hello", &tampered).is_err(),
                "flipping bit {bit} was accepted"
            );
        }
        // The top three bits of s make s >= 2^253: rejected before any arithmetic.
        for bit in 509..512 {
            let mut tampered = signature;
            tampered[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                verify(&public, b"hello", &tampered),
                Err(XEdDsaError::NonCanonicalS)
            );
        }
    }

    /// `s` and `s + q` are the same scalar; only the canonical one is accepted, so
    /// a signature cannot be re-encoded (malleated).
    #[test]
    fn non_canonical_s_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(10);
        let (private, public) = random_key(&mut rng);
        let signature = sign(&private, b"hello", &mut rng);
        let s: [u8; 32] = signature[32..].try_into().unwrap();
        let s_plus_q = add_le(&s, &Q_BYTES);
        let mut tampered = signature;
        tampered[32..].copy_from_slice(&s_plus_q);
        assert_eq!(
            verify(&public, b"hello", &tampered),
            Err(XEdDsaError::NonCanonicalS)
        );
        let mut high = signature;
        high[63] |= 0xe0;
        assert_eq!(
            verify(&public, b"hello", &high),
            Err(XEdDsaError::NonCanonicalS)
        );
        // s = q exactly.
        let mut q = signature;
        q[32..].copy_from_slice(&Q_BYTES);
        assert_eq!(
            verify(&public, b"hello", &q),
            Err(XEdDsaError::NonCanonicalS)
        );
    }

    #[test]
    fn non_canonical_r_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let (private, public) = random_key(&mut rng);
        let signature = sign(&private, b"hello", &mut rng);
        // p, p + 1 and p + 18 are the non-canonical encodings of 0, 1 and 18;
        // 2^255 - 1 is the largest 255-bit value.
        let mut two_255_minus_1 = [0xff; 32];
        two_255_minus_1[31] = 0x7f;
        let ys = [
            P_BYTES,
            add_le(&P_BYTES, &small(1)),
            add_le(&P_BYTES, &small(18)),
            two_255_minus_1,
        ];
        for y in ys {
            for sign_bit in [0u8, 0x80] {
                let mut tampered = signature;
                tampered[..32].copy_from_slice(&y);
                tampered[31] = (tampered[31] & 0x7f) | sign_bit;
                assert_eq!(
                    verify(&public, b"hello", &tampered),
                    Err(XEdDsaError::NonCanonicalR)
                );
            }
        }
    }

    #[test]
    fn non_canonical_public_key_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let (private, public) = random_key(&mut rng);
        let signature = sign(&private, b"hello", &mut rng);
        let p_plus_one = add_le(&P_BYTES, &small(1));
        let mut top_bit_set = public;
        top_bit_set[31] |= 0x80;
        let mut two_255_minus_1 = [0xff; 32];
        two_255_minus_1[31] = 0x7f;
        for u in [
            P_BYTES,
            p_plus_one,
            two_255_minus_1,
            [0xff; 32],
            top_bit_set,
        ] {
            assert_eq!(
                verify(&u, b"hello", &signature),
                Err(XEdDsaError::NonCanonicalPublicKey)
            );
            assert_eq!(edwards_public_key(&u), None);
        }
    }

    #[test]
    fn public_key_off_the_curve_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let (private, _) = random_key(&mut rng);
        let signature = sign(&private, b"hello", &mut rng);
        // u = p - 1 = -1, which the birational map cannot take.
        let mut minus_one = P_BYTES;
        minus_one[0] -= 1;
        // The smallest u on the twist rather than the curve.
        let twist = (2u8..=255)
            .map(small)
            .find(|u| edwards_public_key(u).is_none())
            .unwrap();
        for u in [minus_one, twist] {
            assert_eq!(edwards_public_key(&u), None);
            assert_eq!(
                verify(&u, b"hello", &signature),
                Err(XEdDsaError::InvalidPublicKey)
            );
        }
    }

    /// An XEdDSA signature is an Ed25519 signature under `edwards_public_key(u)`.
    #[test]
    fn verifies_as_ed25519() {
        let mut rng = ChaCha20Rng::seed_from_u64(14);
        for len in [0usize, 5, 200] {
            let (private, public) = random_key(&mut rng);
            let message = vec![0xa5; len];
            let signature = sign(&private, &message, &mut rng);
            let key = VerifyingKey::from_bytes(&edwards_public_key(&public).unwrap()).unwrap();
            let ed_signature = Signature::from_bytes(&signature);
            key.verify(&message, &ed_signature).unwrap();
            key.verify_strict(&message, &ed_signature).unwrap();
            assert!(key.verify_strict(b"other", &ed_signature).is_err());
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn round_trip_any_key(
                private in any::<[u8; 32]>(),
                message in proptest::collection::vec(any::<u8>(), 0..300),
                z in any::<[u8; 64]>(),
                flip in any::<usize>(),
            ) {
                let public = x25519_public(&private);
                let signature = sign_with_nonce(&private, &message, &z);
                prop_assert_eq!(verify(&public, &message, &signature), Ok(()));

                let key = VerifyingKey::from_bytes(&edwards_public_key(&public).unwrap()).unwrap();
                prop_assert!(key.verify_strict(&message, &Signature::from_bytes(&signature)).is_ok());

                let mut other = message.clone();
                if other.is_empty() {
                    other.push(0);
                } else {
                    let i = flip % other.len();
                    other[i] ^= 1;
                }
                prop_assert_eq!(verify(&public, &other, &signature), Err(XEdDsaError::BadSignature));
            }
        }
    }
}
