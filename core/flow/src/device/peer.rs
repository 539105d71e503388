//! The sessions a device holds with one peer, and what it remembers about them.

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
    /// Digests of the latest envelopes decrypted from this peer: a ring
    /// that grows one slot at a time up to [`DUPLICATE_MEMORY`], then
    /// overwrites its oldest slot (at `oldest`). A boxed slice, not a deque:
    /// 16 bytes instead of 32 in each of ~200,000 peers at 1M messages, and
    /// no spare slots.
    decrypted: Box<[u64]>,
    oldest: u8,
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
        let d = digest(bytes);
        if self.decrypted.len() < DUPLICATE_MEMORY {
            let mut grown = Vec::with_capacity(self.decrypted.len() + 1);
            grown.extend_from_slice(&self.decrypted);
            grown.push(d);
            self.decrypted = grown.into_boxed_slice();
        } else if let Some(slot) = self.decrypted.get_mut(usize::from(self.oldest)) {
            *slot = d;
            self.oldest = ((usize::from(self.oldest) + 1) % DUPLICATE_MEMORY) as u8;
        }
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
        assert_eq!(p.decrypted.len(), 5, "grows one slot at a time");
        for i in 5..(DUPLICATE_MEMORY as u32 + 10) {
            p.remember_decrypted(&i.to_be_bytes());
        }
        let total = DUPLICATE_MEMORY as u32 + 10;
        for i in 0..total {
            assert_eq!(
                p.decrypted_before(&i.to_be_bytes()),
                i >= 10,
                "digest {i}: only the newest {DUPLICATE_MEMORY} are kept"
            );
        }
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
