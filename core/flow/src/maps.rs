//! The hash maps the flow keeps, with hashers chosen for their keys instead
//! of std's SipHash with random keys (which a simulation does not need: it is
//! deterministic, and its keys are its own).
//!
//! - [`FingerprintMap`]: keyed by a 64-bit fingerprint already computed from
//!   the real key (a wamid, an envelope's sender and id, a journey key). The
//!   key is uniformly spread, so it is its own hash. Every user verifies a hit
//!   against the real key, so a collision costs a lookup, never a wrong entry.
//! - [`FingerprintTable`]: fingerprint to sequence number, open addressing
//!   without tombstones; [`BlockDeque`]: a queue in fixed-size blocks. The
//!   Cloud API's store is made of these two, for its memory at scale.
//! - [`SmallKeyMap`] / [`SmallKeySet`]: short keys (phone numbers, 8-byte
//!   windows of text, party ids), hashed by a multiply-and-rotate mixer.
//!
//! One cheap hasher in place of SipHash is faster, and is one hasher less in
//! the wasm module.

mod block_deque;
mod fingerprint_table;

pub use block_deque::BlockDeque;
pub use fingerprint_table::FingerprintTable;

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use sha2::{Digest, Sha256};

/// A 64-bit fingerprint of a tagged list of byte strings: the first 8 bytes
/// of SHA-256 over the tag and each part with its length (so that `["ab",
/// "c"]` and `["a", "bc"]` differ). SHA-256 is already in the module for the
/// protocol; a second hash function would only add code.
pub fn fingerprint(tag: u8, parts: &[&[u8]]) -> u64 {
    let mut h = Sha256::new();
    h.update([tag]);
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// A `u64 -> u64` map whose keys are fingerprints.
pub type FingerprintMap = HashMap<u64, u64, BuildHasherDefault<Passthrough>>;

/// A set of fingerprints.
pub type FingerprintSet = HashSet<u64, BuildHasherDefault<Passthrough>>;

/// A map with short keys.
pub type SmallKeyMap<K, V> = HashMap<K, V, BuildHasherDefault<Mixer>>;

/// A set of short keys.
pub type SmallKeySet<K> = HashSet<K, BuildHasherDefault<Mixer>>;

/// A small ordered set kept as a sorted vector: the connected devices. It
/// changes only when a device connects or disconnects, is read on every
/// delivery, and iterates in order (for the state digest). A `BTreeSet`
/// would do the same with far more code in the wasm module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortedSet<T>(Vec<T>);

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Ord> SortedSet<T> {
    /// The smallest item.
    pub fn first(&self) -> Option<&T> {
        self.0.first()
    }

    /// Whether `item` is in the set.
    pub fn contains<Q: Ord + ?Sized>(&self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.0.binary_search_by(|x| x.borrow().cmp(item)).is_ok()
    }

    /// Adds `item`; false if it was there.
    pub fn insert(&mut self, item: T) -> bool {
        match self.0.binary_search(&item) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, item);
                true
            }
        }
    }

    /// Removes `item`; false if it was not there.
    pub fn remove(&mut self, item: &T) -> bool {
        match self.0.binary_search(item) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// The items, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A small ordered map kept as a vector of pairs sorted by key. Lookups are
/// binary searches, an insert moves the pairs after it. For maps of a few
/// entries (a phone's chats, the hosted numbers, the businesses) or whose
/// keys only grow (a device's outbox: an insert is a push): one generic
/// vector in the wasm module, where each `BTreeMap` key and value type adds
/// its own copy of the B-tree's code (several KB each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn position<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value at `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let at = self.position(key).ok()?;
        self.0.get(at).map(|(_, v)| v)
    }

    /// The value at `key`, to change.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let at = self.position(key).ok()?;
        self.0.get_mut(at).map(|(_, v)| v)
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(at) => self
                .0
                .get_mut(at)
                .map(|slot| std::mem::replace(&mut slot.1, value)),
            Err(at) => {
                self.0.insert(at, (key, value));
                None
            }
        }
    }

    /// Takes the value at `key` out. An emptied map frees its memory: ten
    /// thousand idle phones would otherwise each keep the slots of their
    /// busiest moment.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let at = self.position(key).ok()?;
        let (_, value) = self.0.remove(at);
        if self.0.is_empty() {
            self.0 = Vec::new();
        }
        Some(value)
    }

    /// The pairs, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.position(key).is_ok()
    }

    /// The values, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// The values, in key order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// The pairs, in key order, values to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The value at `key`, made by `make` if there is none. A small map
    /// grows by one slot at a time (most stay small: exact is cheapest); past
    /// sixteen entries it doubles as vectors do.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let at = match self.position(&key) {
            Ok(at) => at,
            Err(at) => {
                if self.0.len() < 16 {
                    self.0.reserve_exact(1);
                }
                self.0.insert(at, (key, make()));
                at
            }
        };
        &mut self.0[at].1
    }

    /// Keeps the pairs `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V: Default> SortedMap<K, V> {
    /// The value at `key`, a default one if there is none.
    pub fn or_default(&mut self, key: K) -> &mut V {
        self.get_or_insert_with(key, V::default)
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for SortedMap<K, V> {
    type Output = V;

    /// The value at `key`; panics if there is none, as `BTreeMap`'s does
    /// (callers index only keys they know are there, in tests and views).
    fn index(&self, key: &Q) -> &V {
        #[allow(clippy::expect_used)]
        self.get(key).expect("no value for that key")
    }
}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for SortedMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// The hasher of a [`FingerprintMap`]: the key is the hash.
#[derive(Debug, Default, Clone, Copy)]
pub struct Passthrough(u64);

impl Hasher for Passthrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys reach a FingerprintMap (through `write_u64`);
        // anything else is still hashed, by the mixer.
        let mut m = Mixer(self.0);
        m.write(bytes);
        self.0 = m.finish();
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The hasher of [`SmallKeyMap`]: each word is mixed in by a multiply and a
/// rotate (as rustc's FxHasher), and `finish` spreads the high bits down so
/// that hashbrown's bucket index (low bits) and tag (high bits) both vary.
#[derive(Debug, Default, Clone, Copy)]
pub struct Mixer(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Mixer {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for Mixer {
    fn finish(&self) -> u64 {
        let x = self.0 ^ (self.0 >> 32);
        x.wrapping_mul(SEED) ^ (x >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn a_sorted_set_keeps_order_and_uniqueness() {
        let mut s = SortedSet::default();
        assert!(s.insert(5) && s.insert(1) && s.insert(3));
        assert!(!s.insert(3));
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), [1, 3, 5]);
        assert!(s.contains(&3) && !s.contains(&4));
        assert!(s.remove(&3) && !s.remove(&3));
        assert_eq!((&s).into_iter().count(), 2);
        assert_eq!(s.len(), 2);
        assert!(!s.is_empty());
    }

    #[test]
    fn a_sorted_map_inserts_finds_and_removes_in_order() {
        let mut m = SortedMap::default();
        assert_eq!(m.insert(7, "seven"), None);
        assert_eq!(m.insert(2, "two"), None);
        assert_eq!(m.insert(9, "nine"), None);
        assert_eq!(m.insert(7, "SEVEN"), Some("seven"));
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), [2, 7, 9]);
        assert_eq!(m.get(&7), Some(&"SEVEN"));
        if let Some(v) = m.get_mut(&2) {
            *v = "TWO";
        }
        assert_eq!(m.remove(&2), Some("TWO"));
        assert_eq!(m.remove(&2), None);
        assert_eq!(m.get(&5), None);
        assert_eq!(m.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [7, 9]);
        assert_eq!(m.len(), 2);
        assert!(!m.is_empty());
        assert!(m.remove(&7).is_some() && m.remove(&9).is_some());
        assert_eq!(m.0.capacity(), 0, "an emptied map frees its slots");
    }

    #[test]
    fn fingerprints_separate_tags_and_part_boundaries() {
        assert_ne!(
            fingerprint(0, &[b"ab", b"c"]),
            fingerprint(0, &[b"a", b"bc"])
        );
        assert_ne!(fingerprint(0, &[b"x"]), fingerprint(1, &[b"x"]));
        assert_eq!(fingerprint(2, &[b"x", b"y"]), fingerprint(2, &[b"x", b"y"]));
    }

    #[test]
    fn a_fingerprint_is_its_own_hash_and_the_map_works() {
        let b = BuildHasherDefault::<Passthrough>::default();
        assert_eq!(b.hash_one(0xdead_beef_u64), 0xdead_beef);
        let mut m = FingerprintMap::default();
        for k in 0..1000u64 {
            m.insert(k.wrapping_mul(0x9e37_79b9_7f4a_7c15), k);
        }
        assert_eq!(m.len(), 1000);
        assert_eq!(m.get(&7u64.wrapping_mul(0x9e37_79b9_7f4a_7c15)), Some(&7));
    }

    #[test]
    fn the_mixer_spreads_text_windows_over_buckets_and_tags() {
        // 8-byte windows of ASCII text: the case a weak hash gets wrong.
        let b = BuildHasherDefault::<Mixer>::default();
        let text = b"My card ends in 4242. Please call me back at 650-555-1234 today.";
        let mut low = HashSet::new();
        let mut high = HashSet::new();
        let windows: Vec<[u8; 8]> = text
            .windows(8)
            .filter_map(|w| <[u8; 8]>::try_from(w).ok())
            .collect();
        for w in &windows {
            let h = b.hash_one(w);
            low.insert(h & 0xff);
            high.insert(h >> 57);
        }
        // 57 windows into 256 buckets and 128 tags: nearly all distinct.
        assert!(low.len() >= 45, "{} distinct low bytes", low.len());
        assert!(high.len() >= 40, "{} distinct tags", high.len());
        assert_ne!(b.hash_one(b"ab"), b.hash_one(b"ab\0"));
    }
}
