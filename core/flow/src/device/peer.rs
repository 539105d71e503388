//! The sessions a device holds with one peer, and what it remembers about them.

use std::collections::VecDeque;

use cipherflow_protocol::SessionRecord;
use sha2::{Digest, Sha256};

use crate::device::backoff;

/// Envelopes from one peer whose bytes are remembered as decrypted: a replay
/// of any of them is re-acknowledged (its receipt may have been lost), any
/// other "already used index" is rejected as forged. Older ones are forgotten,
/// so memory per peer is bounded; a sender retransmits within seconds, long
/// before this many newer messages arrive.
pub const DUPLICATE_MEMORY: usize = 64;

/// One peer's sessions.
#[derive(Debug, Clone, Default)]
pub(crate) struct PeerSessions {
    /// The current session and the previous ones.
    pub(crate) record: SessionRecord,
    /// The session generation new messages are encrypted under; a retry
    /// request for a message of an older generation was answered already.
    pub(crate) epoch: u64,
    /// Rebuilds since the last message that got through.
    pub(crate) rebuilds: u32,
    /// No rebuild before this time: rebuilds back off like retransmissions.
    pub(crate) next_rebuild_at: u64,
    /// A bundle has been asked for and not received yet.
    pub(crate) awaiting_bundle: bool,
    /// Digests of the latest envelopes decrypted from this peer.
    decrypted: VecDeque<u64>,
}

fn digest(bytes: &[u8]) -> u64 {
    let hash = Sha256::digest(bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(hash.get(..8).unwrap_or(&[0; 8]));
    u64::from_be_bytes(first)
}

impl PeerSessions {
    /// Remembers that these bytes decrypted.
    pub(crate) fn remember_decrypted(&mut self, bytes: &[u8]) {
        if self.decrypted.len() >= DUPLICATE_MEMORY {
            self.decrypted.pop_front();
        } else if self.decrypted.len() == self.decrypted.capacity() {
            // One slot at a time: a deque that doubles holds 64 bytes for
            // the five messages a typical chat has decrypted, on each of
            // two hundred thousand peers at scale.
            self.decrypted.reserve_exact(1);
        }
        self.decrypted.push_back(digest(bytes));
        // A message got through: the session works, rebuilds start over.
        self.rebuilds = 0;
        self.next_rebuild_at = 0;
    }

    /// Whether these exact bytes decrypted here before.
    pub(crate) fn decrypted_before(&self, bytes: &[u8]) -> bool {
        let d = digest(bytes);
        self.decrypted.contains(&d)
    }

    /// Starts a rebuild if the backoff allows one now: a new generation, and
    /// the next rebuild no earlier than the backoff. Returns whether it started.
    pub(crate) fn try_start_rebuild(&mut self, now_ms: u64) -> bool {
        if now_ms < self.next_rebuild_at || self.awaiting_bundle {
            return false;
        }
        self.epoch += 1;
        self.rebuilds = self.rebuilds.saturating_add(1);
        self.next_rebuild_at = now_ms.saturating_add(backoff(self.rebuilds));
        self.awaiting_bundle = true;
        true
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_duplicate_memory_is_bounded_and_remembers_the_newest() {
        let mut p = PeerSessions::default();
        for i in 0..5u32 {
            p.remember_decrypted(&i.to_be_bytes());
        }
        assert_eq!(p.decrypted.capacity(), 5, "grows one slot at a time");
        for i in 5..(DUPLICATE_MEMORY as u32 + 10) {
            p.remember_decrypted(&i.to_be_bytes());
        }
        assert!(p.decrypted.capacity() <= DUPLICATE_MEMORY + 1);
        assert!(!p.decrypted_before(&0u32.to_be_bytes()));
        assert!(p.decrypted_before(&(DUPLICATE_MEMORY as u32 + 9).to_be_bytes()));
        assert_eq!(p.decrypted.len(), DUPLICATE_MEMORY);
    }

    #[test]
    fn rebuilds_back_off_and_reset_when_a_message_gets_through() {
        let mut p = PeerSessions::default();
        assert!(p.try_start_rebuild(1_000));
        assert!(!p.try_start_rebuild(1_000), "a bundle is awaited");
        p.awaiting_bundle = false;
        assert!(!p.try_start_rebuild(2_999), "2 s after the first");
        assert!(p.try_start_rebuild(3_000));
        p.awaiting_bundle = false;
        assert!(!p.try_start_rebuild(6_999), "4 s after the second");
        assert_eq!(p.epoch, 2);
        p.remember_decrypted(b"ok");
        assert!(p.try_start_rebuild(4_000));
        assert_eq!(p.epoch, 3);
    }
}
