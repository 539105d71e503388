//! A `u64 -> u64` hash table for indexes that churn: open addressing with
//! linear probing and backward-shift deletion, so a removal leaves no
//! tombstone and the table's size follows what is live.
//!
//! The Cloud API's store adds index entries for every message and removes
//! them when the message expires. Under that churn std's `HashMap` fills with
//! tombstones and doubles even when nothing more is live: at 1M simulated
//! messages a 666,000-entry index sat in 2M buckets (35.6 MB), and was
//! briefly 53 MB while it grew. Here a removal moves the entries after the
//! freed slot back towards their home slot, so the probe sequences stay
//! short and the table grows only when the live count does.
//!
//! Keys are fingerprints (uniformly spread, so the low bits are the home
//! slot). Key 0 marks an empty slot, so the fingerprint 0 is stored as 1:
//! every user verifies a hit against the real key, and a collision can only
//! make a lookup miss.

/// An empty slot's key.
const EMPTY: u64 = 0;

/// A `u64 -> u64` map keyed by fingerprints, without tombstones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FingerprintTable {
    /// `(key, value)`, `key == EMPTY` for a free slot. Empty or a power of two.
    slots: Vec<(u64, u64)>,
    len: usize,
}

fn stored(key: u64) -> u64 {
    if key == EMPTY { 1 } else { key }
}

impl FingerprintTable {
    /// How many entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots allocated (for tests and memory reports).
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    fn home(&self, key: u64) -> usize {
        // Truncation is the point: the low bits of a fingerprint pick the slot.
        (key as usize) & self.mask()
    }

    /// The slot holding `key`, if any.
    fn find(&self, key: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let key = stored(key);
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let (k, _) = *self.slots.get(i)?;
            if k == key {
                return Some(i);
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The value at `key`.
    pub fn get(&self, key: u64) -> Option<u64> {
        let i = self.find(key)?;
        self.slots.get(i).map(|&(_, v)| v)
    }

    /// The value at `key`, to change.
    pub fn get_mut(&mut self, key: u64) -> Option<&mut u64> {
        let i = self.find(key)?;
        self.slots.get_mut(i).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: u64) -> bool {
        self.find(key).is_some()
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: u64, value: u64) -> Option<u64> {
        if let Some(i) = self.find(key) {
            return self
                .slots
                .get_mut(i)
                .map(|slot| std::mem::replace(&mut slot.1, value));
        }
        // At most three quarters full: linear probing stays short below that.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        self.place(stored(key), value);
        self.len += 1;
        None
    }

    /// Puts a key known to be absent into the first free slot of its probe
    /// sequence (there is one: the table is never full).
    fn place(&mut self, key: u64, value: u64) {
        let mask = self.mask();
        let mut i = self.home(key);
        while let Some(slot) = self.slots.get_mut(i) {
            if slot.0 == EMPTY {
                *slot = (key, value);
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![(EMPTY, 0); size]);
        for (k, v) in old {
            if k != EMPTY {
                self.place(k, v);
            }
        }
    }

    /// Removes `key`; its value, if it was present.
    pub fn remove(&mut self, key: u64) -> Option<u64> {
        let mut hole = self.find(key)?;
        let value = self.slots.get(hole).map(|&(_, v)| v)?;
        let mask = self.mask();
        // Backward shift: walk the cluster after the hole and move back every
        // entry whose home slot is not between the hole and where it sits.
        let mut i = (hole + 1) & mask;
        while let Some(&(k, v)) = self.slots.get(i)
            && k != EMPTY
        {
            let from_home = i.wrapping_sub(self.home(k)) & mask;
            let from_hole = i.wrapping_sub(hole) & mask;
            if from_home >= from_hole {
                if let Some(slot) = self.slots.get_mut(hole) {
                    *slot = (k, v);
                }
                hole = i;
            }
            i = (i + 1) & mask;
        }
        if let Some(slot) = self.slots.get_mut(hole) {
            *slot = (EMPTY, 0);
        }
        self.len -= 1;
        if self.len == 0 {
            self.slots = Vec::new();
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use std::collections::BTreeMap;

    use super::*;

    /// A xorshift so the test needs no RNG crate.
    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    #[test]
    fn agrees_with_an_ordered_map_under_churn() {
        let mut table = FingerprintTable::default();
        let mut model = BTreeMap::new();
        let mut x = 0x9E37_79B9_7F4A_7C15;
        // Few distinct keys in the low bits, so clusters form and wrap
        // (never 0 or 1, which are one key here).
        for step in 0..200_000u64 {
            let r = next(&mut x);
            let key = ((r >> 8) % 3_000 + 1) * 0x1_0000_0001 + 2 * (r & 1);
            match r % 3 {
                0 | 1 => assert_eq!(table.insert(key, step), model.insert(key, step)),
                _ => assert_eq!(table.remove(key), model.remove(&key)),
            }
            assert_eq!(table.len(), model.len());
        }
        for (k, v) in &model {
            assert_eq!(table.get(*k), Some(*v));
        }
        assert_eq!(table.get(u64::MAX - 1), None);
    }

    #[test]
    fn churn_at_a_steady_live_count_does_not_grow_the_table() {
        let mut table = FingerprintTable::default();
        let mut x = 7;
        let mut live = std::collections::VecDeque::new();
        for _ in 0..10_000 {
            let k = next(&mut x);
            table.insert(k, 1);
            live.push_back(k);
        }
        let slots = table.slot_count();
        for _ in 0..200_000 {
            let k = next(&mut x);
            table.insert(k, 1);
            live.push_back(k);
            let old = live.pop_front().unwrap_or_default();
            assert_eq!(table.remove(old), Some(1));
        }
        assert_eq!(table.len(), 10_000);
        assert_eq!(table.slot_count(), slots, "removals leave no tombstones");
        assert!(live.iter().all(|k| table.contains_key(*k)));
    }

    #[test]
    fn fingerprint_zero_is_a_key_like_any_other() {
        let mut table = FingerprintTable::default();
        table.insert(0, 5);
        assert_eq!(table.get(0), Some(5));
        *table.get_mut(0).unwrap_or(&mut 0) += 1;
        assert_eq!(table.remove(0), Some(6));
        assert!(table.is_empty() && table.slot_count() == 0);
    }
}
