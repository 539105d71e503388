//! Message keys kept for messages that have not arrived yet.
//!
//! Both limits an attacker can push on are named here and tested at the bound:
//! a header may skip at most [`MAX_SKIP`] keys of one chain, and at most
//! [`MAX_SKIPPED_KEYS`] keys are stored in all, the oldest evicted first.

use std::collections::VecDeque;

use crate::keys::PublicKey;
use crate::ratchet::message_key::MessageKey;

pub use crate::limits::MAX_SKIP;
pub use crate::limits::MAX_SKIPPED_KEYS;

/// Skipped keys in arrival order (oldest first), each under the remote ratchet
/// key of its chain.
///
/// Boxed, and `None` while empty: messages mostly arrive in order, so almost
/// every session has none, and an inline deque would cost each of them 32
/// bytes (a device at scale holds a hundred thousand sessions).
// The box is the point: 8 bytes in every session instead of a 32-byte deque.
#[allow(clippy::box_collection)]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SkippedKeys(Option<Box<VecDeque<(PublicKey, MessageKey)>>>);

impl SkippedKeys {
    pub(crate) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |keys| keys.len())
    }

    /// Finds the key for `(ratchet_key, index)` without removing it.
    pub(crate) fn find(&self, ratchet_key: &PublicKey, index: u32) -> Option<(usize, &MessageKey)> {
        self.0
            .as_ref()?
            .iter()
            .enumerate()
            .find(|(_, (rk, mk))| rk == ratchet_key && mk.index() == index)
            .map(|(pos, (_, mk))| (pos, mk))
    }

    pub(crate) fn remove(&mut self, position: usize) {
        if let Some(keys) = self.0.as_mut() {
            let _ = keys.remove(position);
            if keys.is_empty() {
                self.0 = None;
            }
        }
    }

    /// Appends keys (oldest first), evicting the oldest beyond [`MAX_SKIPPED_KEYS`].
    pub(crate) fn extend(&mut self, ratchet_key: PublicKey, keys: Vec<MessageKey>) {
        if keys.is_empty() {
            return;
        }
        let stored = self.0.get_or_insert_with(Default::default);
        for mk in keys {
            stored.push_back((ratchet_key, mk));
        }
        while stored.len() > MAX_SKIPPED_KEYS {
            let _ = stored.pop_front();
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &(PublicKey, MessageKey)> {
        self.0.iter().flat_map(|keys| keys.iter())
    }
}
