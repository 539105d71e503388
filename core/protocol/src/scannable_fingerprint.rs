//! The scannable fingerprint: what a Signal client puts in the QR code that
//! two people scan to compare their safety number by camera, byte for byte as
//! libsignal's `ScannableFingerprint` (checked against its vectors).
//!
//! # The bytes
//!
//! Each party's value is the first 32 bytes of the iterated hash behind its
//! half of the safety number (`h_5200` in [`crate::safety_number`]). The code
//! carries a protobuf `CombinedFingerprints { version = 1, local = 2, remote =
//! 3 }`, each fingerprint a `LogicalFingerprint { content = 1 }`:
//!
//! ```text
//! 0x08 varint(version)
//! 0x12 0x22  0x0a 0x20  local[32]      field 2, 34 bytes: field 1, 32 bytes
//! 0x1a 0x22  0x0a 0x20  remote[32]     field 3, the same shape
//! ```
//!
//! 72 bytes for versions 1 to 127. Scanning the other phone's code succeeds
//! when its local value is our remote one and its remote value our local one.
//!
//! Decoding reads exactly that canonical layout (what libsignal and Signal's
//! apps write) and refuses anything else with a typed error; a protobuf
//! decoder would also take other field orders and unknown fields, which no
//! Signal client produces.

use crate::safety_number::{ITERATIONS, iterated_hash};

/// Bytes of each party's value in the code.
pub const VALUE_LEN: usize = 32;

/// The protobuf tags: field number << 3 | wire type.
const TAG_VERSION: u8 = 1 << 3; // field 1, varint
const TAG_LOCAL: u8 = (2 << 3) | 2; // field 2, length-delimited
const TAG_REMOTE: u8 = (3 << 3) | 2; // field 3, length-delimited
const TAG_CONTENT: u8 = (1 << 3) | 2; // LogicalFingerprint.content
/// A `LogicalFingerprint` holding 32 bytes: tag, length, 32 bytes.
const LOGICAL_LEN: u8 = 2 + VALUE_LEN as u8;

/// Why a scanned code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    /// The code ended inside a field.
    #[error("the scanned fingerprint ends early, at byte {at}")]
    Truncated {
        /// Where the bytes ran out.
        at: usize,
    },
    /// A byte other than the expected tag or length.
    #[error("the scanned fingerprint has byte {found:#04x} at {at}, where {expected:#04x} belongs")]
    Unexpected {
        /// Its offset.
        at: usize,
        /// The byte found.
        found: u8,
        /// The byte the layout has there.
        expected: u8,
    },
    /// The version varint is longer than a `u32`.
    #[error("the scanned fingerprint's version does not fit 32 bits")]
    VersionTooLong,
    /// The version varint has more bytes than its value needs (a trailing
    /// zero group), which no encoder writes.
    #[error("the scanned fingerprint's version is not written in its shortest form")]
    OverlongVersion,
    /// Bytes after the remote fingerprint.
    #[error("the scanned fingerprint has {extra} byte(s) after its end")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// The other phone uses another fingerprint version.
    #[error("the scanned fingerprint is version {theirs}, ours is {ours}")]
    VersionMismatch {
        /// The scanned code's version.
        theirs: u32,
        /// Ours.
        ours: u32,
    },
}

/// One side's scannable fingerprint: a version and both parties' values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannableFingerprint {
    version: u32,
    local: [u8; VALUE_LEN],
    remote: [u8; VALUE_LEN],
}

impl ScannableFingerprint {
    /// The fingerprint the local party shows, for a conversation given as
    /// (stable identifier, 33-byte encoded identity key) per party.
    pub fn new(
        version: u32,
        local_id: &[u8],
        local_key: &[u8; 33],
        remote_id: &[u8],
        remote_key: &[u8; 33],
    ) -> Self {
        Self {
            version,
            local: value(local_id, local_key),
            remote: value(remote_id, remote_key),
        }
    }

    /// The version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The bytes of the QR code (see the module docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 * (2 + LOGICAL_LEN as usize) + 6);
        out.push(TAG_VERSION);
        let mut v = self.version;
        while v >= 0x80 {
            // The low 7 bits, with the continuation bit.
            out.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
        for (tag, value) in [(TAG_LOCAL, &self.local), (TAG_REMOTE, &self.remote)] {
            out.extend_from_slice(&[tag, LOGICAL_LEN, TAG_CONTENT, VALUE_LEN as u8]);
            out.extend_from_slice(value);
        }
        out
    }

    /// Reads a scanned code.
    pub fn decode(bytes: &[u8]) -> Result<Self, FingerprintError> {
        let mut r = Reader { bytes, at: 0 };
        r.expect(TAG_VERSION)?;
        let version = r.varint()?;
        let mut values = [[0u8; VALUE_LEN]; 2];
        for (tag, value) in [TAG_LOCAL, TAG_REMOTE].into_iter().zip(values.iter_mut()) {
            r.expect(tag)?;
            r.expect(LOGICAL_LEN)?;
            r.expect(TAG_CONTENT)?;
            r.expect(VALUE_LEN as u8)?;
            value.copy_from_slice(r.take(VALUE_LEN)?);
        }
        let extra = bytes.len().saturating_sub(r.at);
        if extra > 0 {
            return Err(FingerprintError::TrailingBytes { extra });
        }
        let [local, remote] = values;
        Ok(Self {
            version,
            local,
            remote,
        })
    }

    /// Whether the code scanned from the other phone shows the same
    /// conversation: its local value is our remote one, and the reverse.
    /// The comparison does not stop at the first differing byte.
    pub fn matches(&self, scanned: &[u8]) -> Result<bool, FingerprintError> {
        let theirs = Self::decode(scanned)?;
        if theirs.version != self.version {
            return Err(FingerprintError::VersionMismatch {
                theirs: theirs.version,
                ours: self.version,
            });
        }
        let diff = theirs
            .local
            .iter()
            .chain(&theirs.remote)
            .zip(self.remote.iter().chain(&self.local))
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        Ok(diff == 0)
    }
}

/// The first 32 bytes of a party's iterated hash.
fn value(id: &[u8], key: &[u8; 33]) -> [u8; VALUE_LEN] {
    let hash = iterated_hash(id, key, ITERATIONS);
    let mut out = [0u8; VALUE_LEN];
    // The hash has 64 bytes: the zip fills all 32.
    for (o, h) in out.iter_mut().zip(hash) {
        *o = h;
    }
    out
}

/// A cursor over a scanned code.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], FingerprintError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let slice =
            end.and_then(|e| self.bytes.get(self.at..e))
                .ok_or(FingerprintError::Truncated {
                    at: self.bytes.len(),
                })?;
        self.at += n;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, FingerprintError> {
        let b = self.take(1)?;
        Ok(b.first().copied().unwrap_or_default())
    }

    fn expect(&mut self, expected: u8) -> Result<(), FingerprintError> {
        let at = self.at;
        let found = self.byte()?;
        if found != expected {
            return Err(FingerprintError::Unexpected {
                at,
                found,
                expected,
            });
        }
        Ok(())
    }

    /// A protobuf varint of at most 32 bits (5 bytes), in its shortest form.
    fn varint(&mut self) -> Result<u32, FingerprintError> {
        let mut value: u64 = 0;
        for i in 0..5 {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                // A last byte of zero after others encodes the value again.
                if b == 0 && i > 0 {
                    return Err(FingerprintError::OverlongVersion);
                }
                return u32::try_from(value).map_err(|_| FingerprintError::VersionTooLong);
            }
        }
        Err(FingerprintError::VersionTooLong)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    // The identities and ids of libsignal's vectors, shared with the safety
    // number's tests.
    use crate::safety_number::tests::{
        ALICE_IDENTITY, ALICE_STABLE_ID as ALICE_ID, BOB_IDENTITY, BOB_STABLE_ID as BOB_ID,
        key_from_hex as key,
    };

    // libsignal's vectors (`rust/protocol/src/fingerprint.rs`, tests
    // `fingerprint_test_v1`/`_v2` and `fingerprint_encodings`; Java's
    // `testVectorsVersion1`/`2`), for those identities at 5200 iterations.
    const ALICE_V1: &str = "080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d";
    const BOB_V1: &str = "080112220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d1a220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df";
    const ALICE_V2: &str = "080212220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d";
    const BOB_V2: &str = "080212220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d1a220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df";

    fn pair(version: u32) -> (ScannableFingerprint, ScannableFingerprint) {
        let (a, b) = (key(ALICE_IDENTITY), key(BOB_IDENTITY));
        (
            ScannableFingerprint::new(version, ALICE_ID, &a, BOB_ID, &b),
            ScannableFingerprint::new(version, BOB_ID, &b, ALICE_ID, &a),
        )
    }

    #[test]
    fn libsignal_scannable_vectors_v1_and_v2() {
        for (version, alice_hex, bob_hex) in [(1, ALICE_V1, BOB_V1), (2, ALICE_V2, BOB_V2)] {
            let (alice, bob) = pair(version);
            assert_eq!(hex::encode(alice.encode()), alice_hex);
            assert_eq!(hex::encode(bob.encode()), bob_hex);
            assert_eq!(
                ScannableFingerprint::decode(&alice.encode()),
                Ok(alice.clone())
            );
            assert_eq!(alice.matches(&bob.encode()), Ok(true));
            assert_eq!(bob.matches(&alice.encode()), Ok(true));
            // A phone scanning its own code does not match.
            assert_eq!(alice.matches(&alice.encode()), Ok(false));
        }
    }

    #[test]
    fn libsignal_encoding_vector() {
        let f = ScannableFingerprint {
            version: 2,
            local: [0x12; 32],
            remote: [0xba; 32],
        };
        let expected = format!("080212220a20{}1a220a20{}", "12".repeat(32), "ba".repeat(32));
        assert_eq!(hex::encode(f.encode()), expected);
    }

    #[test]
    fn another_identity_or_version_does_not_match() {
        let (alice, _) = pair(1);
        let mallory = key("05aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        let bob_sees_mallory =
            ScannableFingerprint::new(1, BOB_ID, &key(BOB_IDENTITY), ALICE_ID, &mallory);
        assert_eq!(alice.matches(&bob_sees_mallory.encode()), Ok(false));
        let (_, bob_v2) = pair(2);
        assert_eq!(
            alice.matches(&bob_v2.encode()),
            Err(FingerprintError::VersionMismatch { theirs: 2, ours: 1 })
        );
    }

    #[test]
    fn large_versions_round_trip_as_varints() {
        for version in [0, 127, 128, 300, 16_383, 16_384, u32::MAX] {
            let f = ScannableFingerprint {
                version,
                local: [1; 32],
                remote: [2; 32],
            };
            assert_eq!(ScannableFingerprint::decode(&f.encode()), Ok(f));
        }
        // Six varint bytes, or five that overflow 32 bits, are refused.
        let mut long = vec![TAG_VERSION, 0xff, 0xff, 0xff, 0xff, 0x1f];
        assert_eq!(
            ScannableFingerprint::decode(&long),
            Err(FingerprintError::VersionTooLong)
        );
        long = vec![TAG_VERSION, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
        assert_eq!(
            ScannableFingerprint::decode(&long),
            Err(FingerprintError::VersionTooLong)
        );
        // Found by the fuzzer: version 3 written in two bytes (0x83 0x00)
        // decoded, and re-encoded as one. Only the shortest form is read.
        let f = ScannableFingerprint {
            version: 3,
            local: [1; 32],
            remote: [2; 32],
        };
        let mut overlong = f.encode();
        overlong.splice(1..2, [0x83, 0x00]);
        assert_eq!(
            ScannableFingerprint::decode(&overlong),
            Err(FingerprintError::OverlongVersion)
        );
    }

    #[test]
    fn every_truncation_and_every_bad_byte_is_a_typed_error() {
        let (alice, _) = pair(1);
        let bytes = alice.encode();
        for n in 0..bytes.len() {
            assert_eq!(
                ScannableFingerprint::decode(&bytes[..n]),
                Err(FingerprintError::Truncated { at: n }),
                "cut at {n}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            ScannableFingerprint::decode(&longer),
            Err(FingerprintError::TrailingBytes { extra: 1 })
        );
        // Every structural byte (not the version's value, not the 64 value
        // bytes) changed is refused at its offset.
        for at in [0, 2, 3, 4, 5, 38, 39, 40, 41] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x40;
            assert!(
                matches!(
                    ScannableFingerprint::decode(&bad),
                    Err(FingerprintError::Unexpected { at: a, .. }) if a == at
                ),
                "byte {at}"
            );
        }
    }
}
