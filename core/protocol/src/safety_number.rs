//! Safety numbers: Signal's 60-digit "numeric fingerprint" over two identities.
//!
//! Two people compare a safety number (by reading it aloud or side by side) to
//! check that nobody sits between them: each digit string commits to both parties'
//! identity keys and stable identifiers, and both parties compute the same 60 digits.
//!
//! This follows libsignal's displayable fingerprint (`rust/protocol/src/fingerprint.rs`,
//! hash version 0) byte for byte, and is checked against libsignal's test vectors.
//!
//! # The bytes
//!
//! For one party, with `key` its 33-byte encoded identity key (`0x05 || u`, the
//! X25519 u-coordinate in 32 little-endian bytes) and `id` its stable identifier
//! (for Signal, the phone number as UTF-8, e.g. `+14152222222`):
//!
//! ```text
//! h_1     = SHA-512(0x00 0x00 || key || id || key)   // 0x0000: version 0, u16 BE
//! h_(i+1) = SHA-512(h_i || key)                      // for i = 1 .. ITERATIONS-1
//! ```
//!
//! so [`ITERATIONS`] counts every SHA-512 invocation, the first included. Note that
//! the key appears twice in the first hash, before and after the identifier: that is
//! what libsignal does, and the vectors depend on it.
//!
//! The first 30 bytes of the final hash are cut into six 5-byte chunks; each chunk
//! is read as a big-endian 40-bit integer, reduced mod 100 000 and written as five
//! zero-padded decimal digits. That gives 30 digits per party.
//!
//! The safety number is the two 30-digit halves concatenated, the lexicographically
//! smaller first, so it does not depend on who is "local". It is shown as twelve
//! groups of five digits.
//!
//! ```
//! use cipherflow_protocol::safety_number::SafetyNumber;
//!
//! let alice_key = [0x05; 33];
//! let bob_key = [0x06; 33];
//! let alice_view = SafetyNumber::new(b"alice", &alice_key, b"bob", &bob_key);
//! let bob_view = SafetyNumber::new(b"bob", &bob_key, b"alice", &alice_key);
//! assert_eq!(alice_view, bob_view);
//! assert_eq!(alice_view.digits().len(), 60);
//! assert_eq!(alice_view.groups().len(), 12);
//! ```
//!
//! Safety numbers are public values (they are derived from public keys only), so
//! `Debug` shows the digits and equality is an ordinary comparison.

use std::fmt;

use sha2::{Digest, Sha512};

/// SHA-512 invocations per party, the first one included (libsignal's value).
pub const ITERATIONS: u32 = 5200;

/// Digits in a whole safety number: two halves of [`HALF_DIGITS`].
pub const DIGITS: usize = 2 * HALF_DIGITS;

/// Digits contributed by one party.
pub const HALF_DIGITS: usize = CHUNKS * GROUP_LEN;

/// Digits per displayed group.
pub const GROUP_LEN: usize = 5;

/// Displayed groups in a whole safety number.
pub const GROUPS: usize = DIGITS / GROUP_LEN;

/// The fingerprint hash version, hashed as a big-endian `u16` in front of the key.
const HASH_VERSION: u16 = 0;

/// Hash bytes read per chunk (a 40-bit big-endian integer).
const CHUNK_BYTES: usize = 5;

/// Chunks read per party: 6 × 5 = 30 bytes of the 64-byte hash.
const CHUNKS: usize = 6;

/// Each chunk is reduced mod 10^5, giving [`GROUP_LEN`] digits.
const CHUNK_MODULUS: u64 = 100_000;

/// A 60-digit safety number, identical for both parties of a conversation.
#[derive(Clone, PartialEq, Eq)]
pub struct SafetyNumber {
    /// Exactly [`DIGITS`] ASCII digits.
    digits: String,
}

impl SafetyNumber {
    /// The safety number for a conversation between a local and a remote party,
    /// each given as (stable identifier, 33-byte encoded identity key).
    ///
    /// Swapping local and remote gives the same number.
    pub fn new(
        local_id: &[u8],
        local_key: &[u8; 33],
        remote_id: &[u8],
        remote_key: &[u8; 33],
    ) -> Self {
        Self::with_iterations(local_id, local_key, remote_id, remote_key, ITERATIONS)
    }

    /// As [`SafetyNumber::new`], with a chosen iteration count (tests use a small one).
    fn with_iterations(
        local_id: &[u8],
        local_key: &[u8; 33],
        remote_id: &[u8],
        remote_key: &[u8; 33],
        iterations: u32,
    ) -> Self {
        let local = fingerprint_half(local_id, local_key, iterations);
        let remote = fingerprint_half(remote_id, remote_key, iterations);
        let (first, second) = if local <= remote {
            (local, remote)
        } else {
            (remote, local)
        };
        let mut digits = first;
        digits.push_str(&second);
        Self { digits }
    }

    /// The 60 digits, without separators.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The 12 groups of 5 digits, in display order.
    pub fn groups(&self) -> [&str; GROUPS] {
        std::array::from_fn(|i| {
            let start = i * GROUP_LEN;
            self.digits.get(start..start + GROUP_LEN).unwrap_or("")
        })
    }
}

impl fmt::Display for SafetyNumber {
    /// The 12 groups of 5 digits separated by single spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.groups().iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(group)?;
        }
        Ok(())
    }
}

impl fmt::Debug for SafetyNumber {
    /// Shows the grouped digits: a safety number is public, not a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SafetyNumber")
            .field(&format_args!("{self}"))
            .finish()
    }
}

/// One party's 30-digit half of a safety number.
///
/// `iterations` counts SHA-512 invocations, the first included (see the module
/// docs); 0 is treated as 1, since the first hash is always computed.
pub fn fingerprint_half(id: &[u8], key: &[u8; 33], iterations: u32) -> String {
    encode_half(&iterated_hash(id, key, iterations))
}

/// `h_1 = SHA-512(version || key || id || key)`, then `h_(i+1) = SHA-512(h_i || key)`
/// until `iterations` hashes have been computed.
pub(crate) fn iterated_hash(id: &[u8], key: &[u8; 33], iterations: u32) -> [u8; 64] {
    let mut hash: [u8; 64] = Sha512::new()
        .chain_update(HASH_VERSION.to_be_bytes())
        .chain_update(key)
        .chain_update(id)
        .chain_update(key)
        .finalize()
        .into();
    for _ in 1..iterations {
        hash = Sha512::new()
            .chain_update(hash)
            .chain_update(key)
            .finalize()
            .into();
    }
    hash
}

/// Six 5-byte big-endian chunks, each mod 10^5, as 30 zero-padded digits.
fn encode_half(hash: &[u8; 64]) -> String {
    let mut digits = String::with_capacity(HALF_DIGITS);
    for chunk in hash.chunks_exact(CHUNK_BYTES).take(CHUNKS) {
        let value = chunk
            .iter()
            .fold(0u64, |acc, &byte| (acc << 8) | u64::from(byte))
            % CHUNK_MODULUS;
        push_padded(&mut digits, value);
    }
    digits
}

/// Appends `value` (below 10^5) as exactly [`GROUP_LEN`] decimal digits.
fn push_padded(out: &mut String, value: u64) {
    let mut place = CHUNK_MODULUS;
    for _ in 0..GROUP_LEN {
        place /= 10;
        let digit = (value / place) % 10;
        // `digit` is below 10, so the conversion never takes the fallback.
        out.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use x25519_dalek::{PublicKey, StaticSecret};

    use super::*;

    // Known-answer vectors from libsignal, `rust/protocol/src/fingerprint.rs`,
    // tests `fingerprint_test_v1` / `fingerprint_test_v2` (Java: `testVectorsVersion1`/`2`).
    // Identity keys are 33-byte `0x05 || u` DJB keys, as ours are.
    pub(crate) const ALICE_IDENTITY: &str =
        "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868";
    pub(crate) const BOB_IDENTITY: &str =
        "05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b";
    pub(crate) const ALICE_STABLE_ID: &[u8] = b"+14152222222";
    pub(crate) const BOB_STABLE_ID: &[u8] = b"+14153333333";
    /// libsignal's displayable fingerprint for the pair above at 5200 iterations.
    const DISPLAYABLE: &str = "300354477692869396892869876765458257569162576843440918079131";
    /// The first 32 bytes of each party's final hash, as carried in libsignal's
    /// scannable fingerprint vectors (`ALICE_SCANNABLE_FINGERPRINT_V1`).
    const ALICE_HASH_PREFIX: &str =
        "1e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df";
    const BOB_HASH_PREFIX: &str =
        "d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d";

    pub(crate) fn key_from_hex(s: &str) -> [u8; 33] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    fn random_key(rng: &mut ChaCha20Rng) -> [u8; 33] {
        let secret = StaticSecret::random_from_rng(rng);
        let mut key = [0u8; 33];
        key[0] = 0x05;
        key[1..].copy_from_slice(PublicKey::from(&secret).as_bytes());
        key
    }

    fn is_valid(number: &SafetyNumber) -> bool {
        number.digits().len() == DIGITS && number.digits().bytes().all(|b| b.is_ascii_digit())
    }

    #[test]
    fn libsignal_iterated_hash_vector() {
        let alice = iterated_hash(ALICE_STABLE_ID, &key_from_hex(ALICE_IDENTITY), ITERATIONS);
        let bob = iterated_hash(BOB_STABLE_ID, &key_from_hex(BOB_IDENTITY), ITERATIONS);
        assert_eq!(hex::encode(&alice[..32]), ALICE_HASH_PREFIX);
        assert_eq!(hex::encode(&bob[..32]), BOB_HASH_PREFIX);
    }

    #[test]
    fn libsignal_displayable_vector() {
        let alice_key = key_from_hex(ALICE_IDENTITY);
        let bob_key = key_from_hex(BOB_IDENTITY);
        let alice_view = SafetyNumber::new(ALICE_STABLE_ID, &alice_key, BOB_STABLE_ID, &bob_key);
        let bob_view = SafetyNumber::new(BOB_STABLE_ID, &bob_key, ALICE_STABLE_ID, &alice_key);
        assert_eq!(alice_view.digits(), DISPLAYABLE);
        assert_eq!(bob_view.digits(), DISPLAYABLE);

        // Each half is one party's; which comes first is decided by string order.
        let alice_half = fingerprint_half(ALICE_STABLE_ID, &alice_key, ITERATIONS);
        let bob_half = fingerprint_half(BOB_STABLE_ID, &bob_key, ITERATIONS);
        assert_eq!(alice_half, "300354477692869396892869876765");
        assert_eq!(bob_half, "458257569162576843440918079131");
        assert!(alice_half < bob_half);
    }

    #[test]
    fn both_parties_see_the_same_number() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let (a, b) = (random_key(&mut rng), random_key(&mut rng));
        let a_view = SafetyNumber::new(b"alice", &a, b"bob", &b);
        let b_view = SafetyNumber::new(b"bob", &b, b"alice", &a);
        assert_eq!(a_view, b_view);
        assert!(is_valid(&a_view));
    }

    #[test]
    fn changes_when_any_input_changes() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let (a, b, m) = (
            random_key(&mut rng),
            random_key(&mut rng),
            random_key(&mut rng),
        );
        let base = SafetyNumber::new(b"alice", &a, b"bob", &b);
        let variants = [
            SafetyNumber::new(b"alice", &m, b"bob", &b),
            SafetyNumber::new(b"alice", &a, b"bob", &m),
            SafetyNumber::new(b"alicf", &a, b"bob", &b),
            SafetyNumber::new(b"alice", &a, b"boc", &b),
            SafetyNumber::new(b"alice", &a, b"", &b),
        ];
        for variant in &variants {
            assert_ne!(variant, &base);
            assert!(is_valid(variant));
        }
    }

    #[test]
    fn all_digits_even_for_extreme_hashes() {
        assert_eq!(encode_half(&[0x00; 64]), "0".repeat(HALF_DIGITS));
        // 0xFFFFFFFFFF = 1099511627775, mod 10^5 = 27775.
        assert_eq!(encode_half(&[0xFF; 64]), "27775".repeat(CHUNKS));
        // Leading zeros are kept: 0x0000000001 -> "00001".
        let mut hash = [0u8; 64];
        hash[4] = 1;
        assert_eq!(&encode_half(&hash)[..GROUP_LEN], "00001");
    }

    #[test]
    fn groups_and_display_format() {
        let number = SafetyNumber {
            digits: DISPLAYABLE.to_owned(),
        };
        let groups = number.groups();
        assert_eq!(groups.len(), 12);
        assert_eq!(groups[0], "30035");
        assert_eq!(groups[11], "79131");
        assert!(groups.iter().all(|g| g.len() == GROUP_LEN));
        assert_eq!(groups.concat(), DISPLAYABLE);
        assert_eq!(
            number.to_string(),
            "30035 44776 92869 39689 28698 76765 45825 75691 62576 84344 09180 79131"
        );
        assert_eq!(format!("{number:?}"), format!("SafetyNumber({number})"));
    }

    #[test]
    fn zero_iterations_is_one() {
        let key = [0x05; 33];
        assert_eq!(
            fingerprint_half(b"x", &key, 0),
            fingerprint_half(b"x", &key, 1)
        );
        assert_ne!(
            fingerprint_half(b"x", &key, 1),
            fingerprint_half(b"x", &key, 2)
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            // Symmetry does not depend on the iteration count; a small one keeps
            // the unoptimised test build fast.
            #[test]
            fn symmetric(
                a_id in proptest::collection::vec(any::<u8>(), 0..40),
                b_id in proptest::collection::vec(any::<u8>(), 0..40),
                a_key in any::<[u8; 33]>(),
                b_key in any::<[u8; 33]>(),
                iterations in 0u32..8,
            ) {
                let a_view = SafetyNumber::with_iterations(&a_id, &a_key, &b_id, &b_key, iterations);
                let b_view = SafetyNumber::with_iterations(&b_id, &b_key, &a_id, &a_key, iterations);
                prop_assert_eq!(&a_view, &b_view);
                prop_assert_eq!(a_view.digits().len(), DIGITS);
                prop_assert!(a_view.digits().bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(a_view.groups().concat(), a_view.digits());
            }
        }
    }
}
