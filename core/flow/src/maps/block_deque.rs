//! A queue kept in fixed-size blocks: values inline, no doubling.
//!
//! The Cloud API's store is a queue (messages in at the back, purged from the
//! front) of a third of a million messages at scale. A `VecDeque` of values
//! doubles its capacity as it grows, so on average a third of its slots are
//! empty, each the size of a message; a `VecDeque` of boxes pays a pointer per
//! slot and a heap chunk's header and rounding per message. Here the values
//! sit inline in blocks of [`BLOCK`] slots, each allocated once at its full
//! size: at most two blocks are partly empty (the front one, being purged,
//! and the back one, being filled), whatever the length.
//!
//! Every block but the first and the last is full, so the value at index `i`
//! is found by arithmetic: in the first block if `i` is below its length,
//! else at `(i - first_len) / BLOCK` blocks further.

use std::collections::VecDeque;

/// Slots per block.
const BLOCK: usize = 512;

/// A queue of `T` in blocks of [`BLOCK`] slots.
#[derive(Debug, Clone)]
pub struct BlockDeque<T> {
    blocks: VecDeque<VecDeque<T>>,
    len: usize,
}

impl<T> Default for BlockDeque<T> {
    fn default() -> Self {
        Self {
            blocks: VecDeque::new(),
            len: 0,
        }
    }
}

impl<T> BlockDeque<T> {
    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `value` at the back.
    pub fn push_back(&mut self, value: T) {
        match self.blocks.back_mut() {
            Some(block) if block.len() < BLOCK => block.push_back(value),
            _ => {
                let mut block = VecDeque::with_capacity(BLOCK);
                block.push_back(value);
                self.blocks.push_back(block);
            }
        }
        self.len += 1;
    }

    /// Removes the value at the front; a block is freed as it empties.
    pub fn pop_front(&mut self) -> Option<T> {
        let first = self.blocks.front_mut()?;
        let value = first.pop_front();
        if first.is_empty() {
            self.blocks.pop_front();
        }
        if value.is_some() {
            self.len -= 1;
        }
        value
    }

    /// The value at the front.
    pub fn front(&self) -> Option<&T> {
        self.blocks.front()?.front()
    }

    /// Where the value at `index` sits: (block, slot in that block).
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        let first_len = self.blocks.front()?.len();
        Some(match index.checked_sub(first_len) {
            None => (0, index),
            Some(rest) => (1 + rest / BLOCK, rest % BLOCK),
        })
    }

    /// The value at `index` (0 is the front).
    pub fn get(&self, index: usize) -> Option<&T> {
        let (block, slot) = self.locate(index)?;
        self.blocks.get(block)?.get(slot)
    }

    /// The value at `index`, mutably.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let (block, slot) = self.locate(index)?;
        self.blocks.get_mut(block)?.get_mut(slot)
    }

    /// The values from front to back.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        (0..self.len).filter_map(move |i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// The deque against a `VecDeque` through pushes and pops that cross
    /// block boundaries in every phase.
    #[test]
    fn it_behaves_as_a_vecdeque_across_blocks() {
        let mut ours = BlockDeque::default();
        let mut model = VecDeque::new();
        let mut next = 0u64;
        // Grow past three blocks, drain to one and a bit, grow again, drain.
        for (push, pop) in [
            (3 * BLOCK + 7, 0),
            (0, 2 * BLOCK + 3),
            (BLOCK + 1, 5),
            (0, usize::MAX),
        ] {
            for _ in 0..push {
                ours.push_back(next);
                model.push_back(next);
                next += 1;
            }
            for _ in 0..pop.min(model.len() + 1) {
                assert_eq!(ours.pop_front(), model.pop_front());
            }
            assert_eq!(ours.len(), model.len());
            assert_eq!(ours.is_empty(), model.is_empty());
            assert_eq!(ours.front(), model.front());
            for i in [
                0,
                1,
                BLOCK - 1,
                BLOCK,
                BLOCK + 1,
                model.len().saturating_sub(1),
                model.len(),
            ] {
                assert_eq!(ours.get(i), model.get(i), "index {i}");
            }
            assert!(ours.iter().eq(model.iter()));
            assert!(ours.iter().rev().eq(model.iter().rev()));
            assert_eq!(ours.iter().count(), model.len());
        }
        assert!(ours.blocks.is_empty(), "an empty deque holds no block");
    }

    #[test]
    fn get_mut_changes_the_value_in_place() {
        let mut d = BlockDeque::default();
        for n in 0..(BLOCK + 2) {
            d.push_back(n);
        }
        d.pop_front();
        if let Some(v) = d.get_mut(BLOCK) {
            *v = 0;
        }
        assert_eq!(d.get(BLOCK), Some(&0));
        assert_eq!(d.get(BLOCK - 1), Some(&BLOCK));
        assert!(d.get_mut(BLOCK + 1).is_none());
    }

    #[test]
    fn no_more_than_two_blocks_are_partly_empty() {
        let mut d = BlockDeque::default();
        for n in 0..(10 * BLOCK) {
            d.push_back(n);
            if n % 3 == 0 {
                d.pop_front();
            }
        }
        let slots: usize = d.blocks.iter().map(VecDeque::capacity).sum();
        assert!(
            slots <= d.len() + 2 * BLOCK,
            "{slots} slots for {}",
            d.len()
        );
    }
}
