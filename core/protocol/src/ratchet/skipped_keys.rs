//! Message keys kept for messages that have not arrived yet.
//!
//! Both limits an attacker can push on are named here and tested at the bound:
//! a header may skip at most [`MAX_SKIP`] keys of one chain, and at most
//! [`MAX_SKIPPED_KEYS`] keys are stored in all, the oldest evicted first.

use std::collections::VecDeque;

use crate::keys::PublicKey;
use crate::ratchet::message_key::MessageKey;

/// The most message keys one header may make us skip on one chain.
pub const MAX_SKIP: u32 = 1000;
/// The most skipped message keys stored in all; the oldest is evicted first.
pub const MAX_SKIPPED_KEYS: usize = 2000;

/// Skipped keys in arrival order (oldest first), each under the remote ratchet
/// key of its chain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SkippedKeys(VecDeque<(PublicKey, MessageKey)>);

impl SkippedKeys {
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Finds the key for `(ratchet_key, index)` without removing it.
    pub(crate) fn find(&self, ratchet_key: &PublicKey, index: u32) -> Option<(usize, &MessageKey)> {
        self.0
            .iter()
            .enumerate()
            .find(|(_, (rk, mk))| rk == ratchet_key && mk.index() == index)
            .map(|(pos, (_, mk))| (pos, mk))
    }

    pub(crate) fn remove(&mut self, position: usize) {
        let _ = self.0.remove(position);
    }

    /// Appends keys (oldest first), evicting the oldest beyond [`MAX_SKIPPED_KEYS`].
    pub(crate) fn extend(&mut self, ratchet_key: PublicKey, keys: Vec<MessageKey>) {
        for mk in keys {
            self.0.push_back((ratchet_key, mk));
        }
        while self.0.len() > MAX_SKIPPED_KEYS {
            let _ = self.0.pop_front();
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &(PublicKey, MessageKey)> {
        self.0.iter()
    }
}
