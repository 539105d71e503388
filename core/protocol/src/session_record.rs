//! All sessions with one peer: the current one, used to send, and a bounded
//! list of previous ones, still tried on receive.
//!
//! Two devices that start a session with each other at the same moment
//! ("simultaneous initiation") each end up holding two sessions: the one they
//! initiated and the one they accepted. Messages already in flight on either
//! must still decrypt, so a new session never erases the old one; and when a
//! message decrypts under a previous session, that session becomes current again,
//! which makes both sides converge on one session.

use std::collections::VecDeque;

use rand_core::CryptoRng;

use crate::ratchet::RatchetError;
use crate::session::{Session, SessionError};
use crate::wire::{Envelope, PreKeyMessage};

pub use crate::limits::{MAX_PREVIOUS_SESSIONS, MAX_SESSIONS_TRIED};

/// The sessions with one peer.
#[derive(Debug, Clone, Default)]
pub struct SessionRecord {
    current: Option<Session>,
    /// Boxed, and `None` while empty: only simultaneous initiation or a
    /// rebuild leaves a previous session, and at scale a device holds a
    /// hundred thousand records, most without one.
    #[allow(clippy::box_collection)]
    previous: Option<Box<VecDeque<Session>>>,
}

impl SessionRecord {
    /// The session new messages are encrypted with.
    pub fn current(&self) -> Option<&Session> {
        self.current.as_ref()
    }

    /// How many previous sessions are kept.
    pub fn previous_len(&self) -> usize {
        self.previous.as_ref().map_or(0, |p| p.len())
    }

    /// Whether there is no session at all.
    pub fn is_empty(&self) -> bool {
        self.current.is_none()
    }

    /// Makes `session` current, keeping the old current one as previous.
    pub fn promote(&mut self, session: Session) {
        if let Some(old) = self.current.replace(session) {
            let previous = self.previous.get_or_insert_with(Default::default);
            crate::bounded::push_front_bounded(previous, old, MAX_PREVIOUS_SESSIONS);
        }
    }

    /// Drops every session (the peer's identity is gone, or it asked us to start over).
    pub fn clear(&mut self) {
        self.current = None;
        self.previous = None;
    }

    /// Encrypts with the current session.
    pub fn encrypt(
        &mut self,
        rng: &mut impl CryptoRng,
        plaintext: &[u8],
    ) -> Option<Result<Envelope, SessionError>> {
        self.current.as_mut().map(|s| s.encrypt(rng, plaintext))
    }

    /// Whether some session here was created for this prekey message.
    pub fn matches(&self, message: &PreKeyMessage) -> bool {
        self.sessions().any(|s| s.matches(message))
    }

    fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.current
            .iter()
            .chain(self.previous.iter().flat_map(|p| p.iter()))
    }

    /// Tries the current session, then the most recent previous ones (at most
    /// [`MAX_SESSIONS_TRIED`] sessions in all, so a forged envelope costs a
    /// bounded amount of work however many sessions are kept); a previous
    /// session that decrypts becomes current. Each attempt is transactional,
    /// so on error every session is exactly as before. `None` when there is no
    /// session.
    pub fn decrypt(&mut self, envelope: &Envelope) -> Option<Result<Vec<u8>, SessionError>> {
        let current = self.current.as_mut()?;
        let first = match current.decrypt(envelope) {
            Ok(p) => return Some(Ok(p)),
            Err(e) => e,
        };
        let mut duplicate = None;
        for i in 0..self
            .previous_len()
            .min(MAX_SESSIONS_TRIED.saturating_sub(1))
        {
            let Some(s) = self.previous.as_mut().and_then(|p| p.get_mut(i)) else {
                break;
            };
            match s.decrypt(envelope) {
                Ok(plaintext) => {
                    let revived = self.previous.as_mut().and_then(|p| p.remove(i));
                    if self.previous_len() == 0 {
                        self.previous = None;
                    }
                    if let Some(s) = revived {
                        self.promote(s);
                    }
                    return Some(Ok(plaintext));
                }
                Err(e @ SessionError::Ratchet(RatchetError::DuplicateMessage { .. })) => {
                    duplicate.get_or_insert(e);
                }
                Err(_) => {}
            }
        }
        // A replay of something any session already decrypted is reported as such.
        Some(Err(match first {
            e @ SessionError::Ratchet(RatchetError::DuplicateMessage { .. }) => e,
            other => duplicate.unwrap_or(other),
        }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;
    use crate::Account;

    /// The worst a forged envelope can do: a record holding the most
    /// previous sessions, and a ratchet message under a new ratchet key that
    /// asks to skip [`MAX_SKIP`](crate::limits::MAX_SKIP) keys on both the old
    /// and the new chain. It is tried against [`MAX_SESSIONS_TRIED`] sessions,
    /// each costing at most one X25519 and `2 * MAX_SKIP + 2` chain steps, and
    /// it leaves every session as it was.
    #[test]
    fn a_forged_envelope_costs_a_bounded_amount_of_work() {
        use crate::keys::KeyPair;
        use crate::limits::{MAX_SKIP, work};
        use crate::wire::{Header, RatchetMessage};

        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let mut record = SessionRecord::default();
        promote_sessions(&mut rng, &mut record, MAX_PREVIOUS_SESSIONS + 1, |_| {});
        assert_eq!(record.previous_len(), MAX_PREVIOUS_SESSIONS);
        let forged = Envelope::Ratchet(RatchetMessage {
            header: Header {
                ratchet_key: KeyPair::generate(&mut rng).public(),
                previous_chain_length: MAX_SKIP,
                index: MAX_SKIP,
            },
            ciphertext: vec![0x42; 64],
        });
        let before: Vec<String> = record.sessions().map(|s| s.pickle().to_string()).collect();
        work::reset();
        assert!(matches!(record.decrypt(&forged), Some(Err(_))));
        let spent = work::read();
        assert_eq!(spent.sessions_tried, MAX_SESSIONS_TRIED, "{spent:?}");
        assert!(spent.diffie_hellmans <= MAX_SESSIONS_TRIED, "{spent:?}");
        let steps_per_session = 2 * MAX_SKIP as usize + 2;
        assert!(
            spent.chain_steps <= MAX_SESSIONS_TRIED * steps_per_session,
            "{spent:?}"
        );
        // The bound is reached, not just respected: each attempt skipped to
        // the message's index on its new chain.
        assert!(
            spent.chain_steps >= MAX_SESSIONS_TRIED * MAX_SKIP as usize,
            "{spent:?}"
        );
        let after: Vec<String> = record.sessions().map(|s| s.pickle().to_string()).collect();
        assert_eq!(before, after, "a forged envelope changes no session");
    }

    #[test]
    fn previous_sessions_are_bounded_and_keep_no_spare_slots() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let mut record = SessionRecord::default();
        promote_sessions(
            &mut rng,
            &mut record,
            MAX_PREVIOUS_SESSIONS + 3,
            |(n, record)| {
                let kept = n.min(MAX_PREVIOUS_SESSIONS);
                assert_eq!(record.previous_len(), kept);
                let slots = record.previous.as_ref().map_or(0, |p| p.capacity());
                assert!(slots <= kept, "{slots} slots for {kept} sessions");
            },
        );
    }

    /// Promotes `count` fresh sessions between two new accounts into
    /// `record`, calling `after` with each one's number and the record.
    fn promote_sessions(
        rng: &mut ChaCha20Rng,
        record: &mut SessionRecord,
        count: usize,
        mut after: impl FnMut((usize, &SessionRecord)),
    ) {
        let alice = Account::new(rng, 0);
        let bob = Account::new(rng, 0);
        for n in 0..count {
            let session =
                Session::initiate(rng, alice.identity(), &bob.bundle(None).unwrap()).unwrap();
            record.promote(session);
            after((n, record));
        }
    }
}
