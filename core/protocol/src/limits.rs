//! Every bound that input from someone else can reach, in one place.
//!
//! A peer, a forger on the network or a stored file decides how many keys a
//! decrypt derives, how much a session keeps and how much a pickle holds.
//! Each of these has a named bound here, and each is tested at the bound
//! (`tests/limits.rs`, and the unit tests of `session_record.rs` for the
//! cost of a forged envelope). The modules that enforce them re-export them
//! under their old paths.

/// Message keys one message may make a receiving chain skip. A header that
/// asks for more is refused (`RatchetError::TooManySkipped`) before any key
/// is derived.
pub const MAX_SKIP: u32 = 1000;

/// Skipped message keys a session keeps, across its chains; beyond it the
/// oldest are forgotten (their messages can no longer be read).
pub const MAX_SKIPPED_KEYS: usize = 2000;

/// Superseded receiving chains a session remembers (to tell a replay from a
/// forgery); the oldest is forgotten first.
pub const MAX_PREVIOUS_CHAINS: usize = 5;

/// The longest plaintext a message may carry.
pub const MAX_PLAINTEXT_LEN: usize = 64 * 1024;

/// The longest ciphertext a message may carry: the plaintext and its tag.
pub const MAX_CIPHERTEXT_LEN: usize = MAX_PLAINTEXT_LEN + crate::crypto::aead::TAG_LEN;

/// Previous sessions kept per peer (simultaneous initiation, rebuilt
/// sessions); the oldest is dropped first.
pub const MAX_PREVIOUS_SESSIONS: usize = 10;

/// Sessions one incoming envelope is tried against: the current one and the
/// most recent previous ones. A forged envelope costs at most this many
/// attempts, each at most one X25519 and `2 * MAX_SKIP` chain steps, however
/// many previous sessions a record keeps.
pub const MAX_SESSIONS_TRIED: usize = 4;

/// Signed prekeys an account keeps: the current one and those still
/// accepted for prekey messages in flight.
pub const MAX_SIGNED_PREKEYS: usize = 3;

/// One-time prekeys an account holds at once.
pub const MAX_ONE_TIME_PREKEYS: usize = 200;

/// The work an input caused, counted in unit tests so that the worst cases
/// above are asserted as counts, not timed.
#[cfg(test)]
pub(crate) mod work {
    use std::cell::Cell;

    thread_local! {
        static SESSIONS_TRIED: Cell<usize> = const { Cell::new(0) };
        static CHAIN_STEPS: Cell<usize> = const { Cell::new(0) };
        static DIFFIE_HELLMANS: Cell<usize> = const { Cell::new(0) };
    }

    /// What was counted since the last [`reset`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) struct Work {
        /// `Session::decrypt` calls.
        pub sessions_tried: usize,
        /// Chain keys derived (`KDF_CK` steps).
        pub chain_steps: usize,
        /// X25519 agreements.
        pub diffie_hellmans: usize,
    }

    pub(crate) fn session_tried() {
        SESSIONS_TRIED.with(|c| c.set(c.get() + 1));
    }

    pub(crate) fn chain_step() {
        CHAIN_STEPS.with(|c| c.set(c.get() + 1));
    }

    pub(crate) fn diffie_hellman() {
        DIFFIE_HELLMANS.with(|c| c.set(c.get() + 1));
    }

    /// Starts counting from zero.
    pub(crate) fn reset() {
        for c in [&SESSIONS_TRIED, &CHAIN_STEPS, &DIFFIE_HELLMANS] {
            c.with(|c| c.set(0));
        }
    }

    /// The counts since the last [`reset`].
    pub(crate) fn read() -> Work {
        Work {
            sessions_tried: SESSIONS_TRIED.with(Cell::get),
            chain_steps: CHAIN_STEPS.with(Cell::get),
            diffie_hellmans: DIFFIE_HELLMANS.with(Cell::get),
        }
    }
}
