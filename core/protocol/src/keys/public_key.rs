//! A remote party's X25519 public key, and its wire encoding.
//!
//! `Encode(PK) = 0x05 || u` where `u` is the 32-byte little-endian Montgomery
//! u-coordinate, as in Signal's DJB key type: 33 bytes.
//!
//! Decoding accepts only canonical (`u < 2^255 - 19`), non-low-order points, so a
//! key that passes decoding can never force a predictable DH output.

use crate::keys::KeyError;

/// The type byte of a Curve25519 ("DJB") public key.
pub const KEY_TYPE_DJB: u8 = 0x05;
/// Length of an encoded public key.
pub const ENCODED_LEN: usize = 33;

/// 2^255 - 19, little-endian.
const P: [u8; 32] = [
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];

/// The canonical u-coordinates of the points of small order on Curve25519 and its
/// twist (the list libsodium rejects; the rest are non-canonical, caught by `< p`).
const LOW_ORDER: [[u8; 32]; 5] = [
    // 0 (order 4)
    [0; 32],
    // 1 (order 4 on the twist)
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    // order 8
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    // order 8
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
    // p - 1 (order 2)
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

/// An X25519 public key that has passed validation: canonical and not low-order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// Validates a raw 32-byte u-coordinate.
    pub fn from_bytes(u: [u8; 32]) -> Result<Self, KeyError> {
        if !is_canonical(&u) {
            return Err(KeyError::NonCanonical);
        }
        if LOW_ORDER.contains(&u) {
            return Err(KeyError::LowOrder);
        }
        Ok(Self(u))
    }

    /// Decodes `0x05 || u` (exactly 33 bytes).
    pub fn decode(bytes: &[u8]) -> Result<Self, KeyError> {
        let (&type_byte, rest) = bytes
            .split_first()
            .ok_or(KeyError::BadLength { len: bytes.len() })?;
        if bytes.len() != ENCODED_LEN {
            return Err(KeyError::BadLength { len: bytes.len() });
        }
        if type_byte != KEY_TYPE_DJB {
            return Err(KeyError::UnknownKeyType { type_byte });
        }
        let u: [u8; 32] = rest
            .try_into()
            .map_err(|_| KeyError::BadLength { len: bytes.len() })?;
        Self::from_bytes(u)
    }

    /// `0x05 || u`.
    pub fn encode(&self) -> [u8; ENCODED_LEN] {
        let mut out = [0u8; ENCODED_LEN];
        out[0] = KEY_TYPE_DJB;
        out[1..].copy_from_slice(&self.0);
        out
    }

    /// The raw u-coordinate.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as `x25519_dalek` wants it for a Diffie-Hellman.
    pub(crate) fn to_dalek(self) -> x25519_dalek::PublicKey {
        x25519_dalek::PublicKey::from(self.0)
    }

    /// Wraps the public half of a key pair we generated ourselves: a clamped
    /// scalar times the base point is never low-order and always canonical.
    pub(crate) fn from_own(public: &x25519_dalek::PublicKey) -> Self {
        Self(public.to_bytes())
    }

    /// A short, human-friendly fingerprint: the first 4 bytes in hex.
    pub fn short(&self) -> String {
        hex::encode(self.0.get(..4).unwrap_or_default())
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({}…)", self.short())
    }
}

/// `u < 2^255 - 19`, comparing little-endian byte strings from the top.
fn is_canonical(u: &[u8; 32]) -> bool {
    for (a, b) in u.iter().rev().zip(P.iter().rev()) {
        if a != b {
            return a < b;
        }
    }
    false // u == p
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn low_order_and_noncanonical() -> Vec<([u8; 32], KeyError)> {
        let mut v: Vec<_> = LOW_ORDER.iter().map(|u| (*u, KeyError::LowOrder)).collect();
        let mut p_plus_1 = P;
        p_plus_1[0] += 1;
        let mut top_bit = [9u8; 32];
        top_bit[31] |= 0x80;
        v.push((P, KeyError::NonCanonical));
        v.push((p_plus_1, KeyError::NonCanonical));
        v.push(([0xff; 32], KeyError::NonCanonical));
        v.push((top_bit, KeyError::NonCanonical));
        v
    }

    #[test]
    fn rejects_low_order_and_non_canonical_points() {
        for (u, err) in low_order_and_noncanonical() {
            assert_eq!(PublicKey::from_bytes(u), Err(err), "{}", hex::encode(u));
            let mut enc = vec![KEY_TYPE_DJB];
            enc.extend_from_slice(&u);
            assert_eq!(PublicKey::decode(&enc), Err(err));
        }
    }

    #[test]
    fn every_low_order_point_really_gives_a_zero_dh() {
        let secret = x25519_dalek::StaticSecret::from([0x42; 32]);
        for u in LOW_ORDER {
            let out = secret.diffie_hellman(&x25519_dalek::PublicKey::from(u));
            assert!(!out.was_contributory());
        }
    }

    #[test]
    fn decode_checks_length_and_type() {
        let good = {
            let mut e = [0u8; 33];
            e[0] = 5;
            e[1] = 9; // the base point
            e
        };
        assert!(PublicKey::decode(&good).is_ok());
        assert_eq!(PublicKey::decode(&[]), Err(KeyError::BadLength { len: 0 }));
        assert_eq!(
            PublicKey::decode(&good[..32]),
            Err(KeyError::BadLength { len: 32 })
        );
        let mut long = good.to_vec();
        long.push(0);
        assert_eq!(
            PublicKey::decode(&long),
            Err(KeyError::BadLength { len: 34 })
        );
        let mut other_type = good;
        other_type[0] = 0x06;
        assert_eq!(
            PublicKey::decode(&other_type),
            Err(KeyError::UnknownKeyType { type_byte: 6 })
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn encode_decode_round_trip(u in proptest::array::uniform32(0u8..)) {
            match PublicKey::from_bytes(u) {
                Ok(pk) => proptest::prop_assert_eq!(PublicKey::decode(&pk.encode()), Ok(pk)),
                Err(e) => proptest::prop_assert!(matches!(e, KeyError::NonCanonical | KeyError::LowOrder)),
            }
        }
    }
}
