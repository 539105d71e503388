//! A model of what a receiving session must do with each genuine message: the
//! oracle of the interaction fuzzer.
//!
//! It tracks only public facts (chain keys by their ratchet public key, indices,
//! which message keys are stored) and follows the Double Ratchet specification
//! with cipherflow's documented limits: [`MAX_SKIP`] keys skipped per chain per
//! message, [`MAX_SKIPPED_KEYS`] stored in all (oldest evicted first), and
//! [`MAX_PREVIOUS_CHAINS`] superseded chains remembered. Whatever the model does
//! not predict as refused by one of those limits must decrypt.

use std::collections::VecDeque;

use cipherflow_protocol::keys::PublicKey;
use cipherflow_protocol::SessionError;
use cipherflow_protocol::ratchet::{
    MAX_PREVIOUS_CHAINS, MAX_SKIP, MAX_SKIPPED_KEYS, RatchetError, RatchetSnapshot,
};
use cipherflow_protocol::wire::Header;

/// What must happen when a genuine message is delivered for the first time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// It decrypts to its plaintext.
    Decrypts,
    /// Reaching it would skip more than [`MAX_SKIP`] keys on one chain.
    TooManySkipped,
    /// Its key was evicted from the store ([`MAX_SKIPPED_KEYS`]) while its chain
    /// is still known: it is indistinguishable from a replay.
    Discarded,
    /// Its key was evicted and its chain forgotten ([`MAX_PREVIOUS_CHAINS`]): it
    /// looks like a new chain whose AEAD cannot verify.
    Forgotten,
}

impl Expected {
    /// Whether `error` is the refusal this expectation names.
    pub fn is(self, error: &SessionError) -> bool {
        match self {
            Expected::Decrypts => false,
            Expected::TooManySkipped => matches!(
                error,
                SessionError::Ratchet(RatchetError::TooManySkipped { .. })
            ),
            Expected::Discarded => matches!(
                error,
                SessionError::Ratchet(RatchetError::DuplicateMessage { .. })
            ),
            Expected::Forgotten => matches!(
                error,
                SessionError::Ratchet(RatchetError::Authentication(_))
            ),
        }
    }
}

/// One receiver's view of the remote party's sending chains.
#[derive(Debug, Clone, Default)]
pub struct ReceiverModel {
    /// The current receiving chain and its next index.
    receiving: Option<(PublicKey, u32)>,
    /// Superseded receiving chains still remembered, newest last.
    previous: VecDeque<PublicKey>,
    /// Stored skipped message keys, oldest first.
    skipped: VecDeque<(PublicKey, u32)>,
    /// Every chain ever received on.
    seen: Vec<PublicKey>,
}

impl ReceiverModel {
    /// The model of a session whose ratchet looks like `snapshot` and that has no
    /// skipped keys and no superseded chains (a freshly created session).
    pub fn new(snapshot: &RatchetSnapshot) -> Self {
        assert_eq!(
            snapshot.skipped_keys, 0,
            "a fresh session has no skipped keys"
        );
        let receiving = snapshot.receiving_index.map(|index| {
            let key = snapshot
                .their_ratchet_key
                .expect("a receiving chain has a ratchet key");
            (key, index)
        });
        Self {
            receiving,
            previous: VecDeque::new(),
            skipped: VecDeque::new(),
            seen: receiving.iter().map(|(key, _)| *key).collect(),
        }
    }

    /// Delivers the genuine message with `header` for the first time: returns what
    /// must happen, and when it decrypts, updates the model accordingly.
    pub fn deliver(&mut self, header: &Header) -> Expected {
        let (key, index) = (header.ratchet_key, header.index);
        // 1. A stored skipped key.
        if let Some(position) = self
            .skipped
            .iter()
            .position(|&(k, i)| k == key && i == index)
        {
            let _ = self.skipped.remove(position);
            return Expected::Decrypts;
        }
        // 2. The current receiving chain.
        if let Some((current, next)) = self.receiving.filter(|(k, _)| *k == key) {
            if index < next {
                return Expected::Discarded;
            }
            if index - next > MAX_SKIP {
                return Expected::TooManySkipped;
            }
            self.skip(current, next..index);
            self.receiving = Some((current, index + 1));
            return Expected::Decrypts;
        }
        // 3. A superseded chain still remembered.
        if self.previous.contains(&key) {
            return Expected::Discarded;
        }
        // 4. A new chain (or one forgotten): finish the current chain up to PN,
        //    then start the new one at `index`.
        let finish = match self.receiving {
            Some((old, next)) if header.previous_chain_length > next => {
                if header.previous_chain_length - next > MAX_SKIP {
                    return Expected::TooManySkipped;
                }
                Some((old, next..header.previous_chain_length))
            }
            _ => None,
        };
        if index > MAX_SKIP {
            return Expected::TooManySkipped;
        }
        if self.seen.contains(&key) {
            return Expected::Forgotten;
        }
        if let Some((old, range)) = finish {
            self.skip(old, range);
        }
        self.skip(key, 0..index);
        if let Some((old, _)) = self.receiving.take() {
            self.previous.push_back(old);
            while self.previous.len() > MAX_PREVIOUS_CHAINS {
                let _ = self.previous.pop_front();
            }
        }
        self.seen.push(key);
        self.receiving = Some((key, index + 1));
        Expected::Decrypts
    }

    /// How many skipped keys are stored.
    pub fn skipped_keys(&self) -> usize {
        self.skipped.len()
    }

    /// Asserts that the session's public ratchet facts agree with the model.
    pub fn check(&self, snapshot: &RatchetSnapshot) {
        assert_eq!(
            snapshot.skipped_keys,
            self.skipped.len(),
            "stored skipped keys"
        );
        assert_eq!(
            snapshot.receiving_index,
            self.receiving.map(|(_, next)| next),
            "receiving index"
        );
        if let Some((key, _)) = self.receiving {
            assert_eq!(snapshot.their_ratchet_key, Some(key), "receiving chain");
        }
    }

    fn skip(&mut self, key: PublicKey, indices: std::ops::Range<u32>) {
        self.skipped.extend(indices.map(|i| (key, i)));
        while self.skipped.len() > MAX_SKIPPED_KEYS {
            let _ = self.skipped.pop_front();
        }
    }
}
