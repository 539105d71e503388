//! Meta-style `wamid.` message ids.
//!
//! A real wamid is base64 of a small binary record that starts with the
//! counterpart's number; this one follows the same layout:
//! `0x1C 0x18 len(number) number 0x15 0x02 0x00 0x12 0x18 0x14 <20 hex chars> 0x00`.
//!
//! So a wamid is its counterpart's number and ten bytes that look random: the
//! Cloud API's store keeps the [`WamidKey`] (10 bytes) next to the consumer's
//! number it holds anyway, and derives the 56-character string when asked. At
//! 1M simulated messages the strings were 27 MB of the store.
//!
//! The Cloud API makes those ten bytes with [`WamidKey::for_sequence`]: a
//! keyed permutation (a four-round Feistel network over 80 bits, SHA-256 as
//! the round function) of the message's place in its store. Without the
//! store's secret they are indistinguishable from random, so a wamid tells a
//! business nothing about other businesses' traffic; with it, the store finds
//! a message from its wamid without an index (16.8 MB at 1M messages).

use rand_core::Rng;

use crate::phone::PhoneNumber;

/// The random part of a wamid: with the counterpart's number, the whole of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WamidKey([u8; 10]);

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The longest raw record: 3 + 15 digits + 6 + 20 + 1 bytes.
const MAX_RAW: usize = 45;

impl WamidKey {
    /// Ten fresh random bytes.
    pub fn new(rng: &mut impl Rng) -> Self {
        let mut random = [0u8; 10];
        rng.fill_bytes(&mut random);
        Self(random)
    }

    /// The key of the message at `sequence` in a store with `secret`.
    pub(crate) fn for_sequence(secret: &[u8; 32], sequence: u64) -> Self {
        // The block is the sequence number as 80 bits, in two 40-bit halves.
        let (mut left, mut right) = (sequence >> HALF_BITS, sequence & HALF_MASK);
        for round in 0..FEISTEL_ROUNDS {
            let next = left ^ round_function(secret, round, right);
            left = right;
            right = next;
        }
        let block = (u128::from(left) << HALF_BITS | u128::from(right)).to_be_bytes();
        let mut key = [0u8; 10];
        key.copy_from_slice(&block[6..]);
        Self(key)
    }

    /// The store position this key was made for with `secret`; `None` if
    /// it was not made by [`Self::for_sequence`] with that secret (the
    /// chance that a foreign key decodes anyway is 2^-16, and the store then
    /// checks the message it finds).
    pub(crate) fn sequence(&self, secret: &[u8; 32]) -> Option<u64> {
        let mut wide = [0u8; 16];
        wide[6..].copy_from_slice(&self.0);
        let block = u128::from_be_bytes(wide);
        let (mut left, mut right) = ((block >> HALF_BITS) as u64, block as u64 & HALF_MASK);
        for round in (0..FEISTEL_ROUNDS).rev() {
            let previous = right ^ round_function(secret, round, left);
            right = left;
            left = previous;
        }
        // A sequence number is 64 bits: the block's top 16 are zero.
        (left >> (64 - HALF_BITS) == 0).then_some(left << HALF_BITS | right)
    }

    /// A key from its bytes (as a compact copy stored them).
    pub(crate) fn from_bytes(bytes: [u8; 10]) -> Self {
        Self(bytes)
    }

    /// Its bytes.
    pub(crate) fn as_bytes(&self) -> &[u8; 10] {
        &self.0
    }

    /// The binary record the wamid is the base64 of; returns it and its length.
    fn raw(&self, number: &[u8]) -> ([u8; MAX_RAW], usize) {
        let mut raw = [0u8; MAX_RAW];
        let mut len = 0;
        let mut hex = [0u8; 20];
        for (pair, b) in hex.chunks_exact_mut(2).zip(self.0) {
            pair.copy_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        let parts: [&[u8]; 5] = [
            &[0x1C, 0x18, u8::try_from(number.len()).unwrap_or(u8::MAX)],
            number,
            &[0x15, 0x02, 0x00, 0x12, 0x18, 0x14],
            &hex,
            &[0x00],
        ];
        for part in parts {
            for &b in part {
                if let Some(slot) = raw.get_mut(len) {
                    *slot = b;
                    len += 1;
                }
            }
        }
        (raw, len)
    }

    /// The wamid of a message exchanged with `counterpart`.
    pub fn wamid(&self, counterpart: &PhoneNumber) -> String {
        self.wamid_for_digits(counterpart.wa_id())
    }

    /// The wamid with a counterpart given by its digits (a `wa_id`).
    pub(crate) fn wamid_for_digits(&self, digits: &str) -> String {
        let (raw, len) = self.raw(digits.as_bytes());
        format!(
            "wamid.{}",
            crate::base64::standard(raw.get(..len).unwrap_or_default())
        )
    }

    /// The counterpart and key of a wamid this layout makes, exactly as it
    /// writes it; `None` for any other string.
    pub fn parse(wamid: &str) -> Option<(PhoneNumber, Self)> {
        let encoded = wamid.strip_prefix("wamid.")?;
        let mut raw = [0u8; MAX_RAW];
        let n = crate::base64::decode_standard_into(encoded.as_bytes(), &mut raw)?;
        let raw = raw.get(..n)?;
        let (&[0x1C, 0x18, len], rest) = raw.split_first_chunk::<3>()? else {
            return None;
        };
        let (digits, rest) = rest.split_at_checked(usize::from(len))?;
        let number = PhoneNumber::parse(std::str::from_utf8(digits).ok()?).ok()?;
        let hex = rest.strip_prefix(&[0x15, 0x02, 0x00, 0x12, 0x18, 0x14])?;
        let hex = hex.strip_suffix(&[0x00])?;
        let mut key = [0u8; 10];
        hex::decode_to_slice(hex, &mut key).ok()?;
        let key = Self(key);
        // Lowercase hex, a `+` in the digits or loose padding decode too:
        // only the exact string this layout writes is a parse.
        key.is_wamid(&number, wamid).then_some((number, key))
    }

    /// Whether `wamid` is this key's wamid with `counterpart`.
    pub fn is_wamid(&self, counterpart: &PhoneNumber, wamid: &str) -> bool {
        self.wamid(counterpart) == wamid
    }
}

const FEISTEL_ROUNDS: u8 = 4;
const HALF_BITS: u32 = 40;
const HALF_MASK: u64 = (1 << HALF_BITS) - 1;

/// The round function: the first 5 bytes of SHA-256 over a label, the
/// secret, the round and the half (its 5 bytes, big-endian).
fn round_function(secret: &[u8; 32], round: u8, half: u64) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"cipherflow wamid v1")
        .chain_update(secret)
        .chain_update([round])
        .chain_update(&half.to_be_bytes()[3..])
        .finalize();
    let mut out = [0u8; 8];
    out[3..].copy_from_slice(&digest[..5]);
    u64::from_be_bytes(out)
}

/// A new wamid for a message exchanged with `counterpart`.
pub fn wamid(rng: &mut impl Rng, counterpart: &PhoneNumber) -> String {
    WamidKey::new(rng).wamid(counterpart)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use base64::Engine as _;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn wamid_has_metas_layout() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let n = PhoneNumber::parse("16505551234").unwrap();
        let id = wamid(&mut rng, &n);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(id.strip_prefix("wamid.").unwrap())
            .unwrap();
        assert_eq!(&raw[..3], &[0x1C, 0x18, 11]);
        assert_eq!(&raw[3..14], b"16505551234");
        assert_eq!(raw.len(), 14 + 6 + 20 + 1);
        assert_ne!(id, wamid(&mut rng, &n));
    }

    #[test]
    fn a_store_position_round_trips_through_its_key_and_only_with_the_secret() {
        let secret = [7u8; 32];
        let mut seen = std::collections::HashSet::new();
        for seq in [0, 1, 2, 3, 255, 256, 1 << 40, u64::MAX] {
            let key = WamidKey::for_sequence(&secret, seq);
            assert!(seen.insert(key.0), "distinct positions, distinct keys");
            assert_eq!(key.sequence(&secret), Some(seq));
            assert_ne!(key.sequence(&[8u8; 32]), Some(seq));
        }
        // Neighbouring positions share no visible structure.
        let a = WamidKey::for_sequence(&secret, 1000).0;
        let b = WamidKey::for_sequence(&secret, 1001).0;
        let same = a.iter().zip(b).filter(|(x, y)| **x == *y).count();
        assert!(same < 4, "{a:?} vs {b:?}");
        // Most keys are no position at all (16 bits must decode to zero).
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let decoded = (0..1000)
            .filter(|_| WamidKey::new(&mut rng).sequence(&secret).is_some())
            .count();
        assert!(decoded < 5, "{decoded} random keys decoded");
    }

    #[test]
    fn a_key_and_its_number_are_the_whole_wamid() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let key = WamidKey::new(&mut rng);
        let n = PhoneNumber::parse("16505551234").unwrap();
        let other = PhoneNumber::parse("16505551235").unwrap();
        // The same draw as `wamid`: replacing one by the other changes no trace.
        assert_eq!(key.wamid(&n), wamid(&mut ChaCha20Rng::seed_from_u64(1), &n));
        let id = key.wamid(&n);
        assert!(key.is_wamid(&n, &id));
        assert!(!key.is_wamid(&other, &id));
        assert!(!key.is_wamid(&n, &id[..id.len() - 1]));
        assert!(!key.is_wamid(&n, id.trim_start_matches("wamid.")));
        assert_eq!(WamidKey::parse(&id), Some((n.clone(), key)));
        assert_eq!(WamidKey::parse("wamid.HBgL"), None);
        assert_eq!(WamidKey::parse("3EB0C767D097B7C7C030"), None);
        assert_eq!(WamidKey::parse(&id.to_lowercase()), None);
        let longest = PhoneNumber::parse("123456789012345").unwrap();
        assert_eq!(
            WamidKey::parse(&key.wamid(&longest)),
            Some((longest.clone(), key))
        );
        assert!(key.is_wamid(&longest, &key.wamid(&longest)));
        assert_eq!(key.wamid(&longest).len(), "wamid.".len() + 60);
    }
}
