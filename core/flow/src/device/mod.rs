//! What the two ends of a Signal session share, whichever party they are: a
//! consumer's client, or the Cloud API for a business number it hosts.
//!
//! - [`open`]: opening a received Signal envelope with the device's account
//!   and its sessions with the sender, and turning the outcome into a verdict;
//! - [`peer`]: the sessions with one peer, their generation ("epoch"), the
//!   backoff on rebuilding them, and a bounded memory of what was decrypted
//!   (so a replay can be told from a forged duplicate);
//! - the retransmission schedule both ends follow.

pub(crate) mod open;
pub(crate) mod peer;

use cipherflow_protocol::Account;
use cipherflow_protocol::account::MAX_ONE_TIME_PREKEYS;
use cipherflow_protocol::keys::{PreKeyId, PublicKey};
use rand_core::CryptoRng;

/// First retransmission timeout; it doubles per attempt up to [`MAX_RETRANSMIT_MS`].
pub const RETRANSMIT_MS: u64 = 2_000;
/// Longest retransmission interval.
pub const MAX_RETRANSMIT_MS: u64 = 3_600_000;

/// The wait after attempt `attempt` (1 = the first send): 2 s, 4 s, 8 s, ...
/// up to an hour. Session rebuilds back off on the same schedule.
pub fn backoff(attempt: u32) -> u64 {
    RETRANSMIT_MS
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(20))
        .min(MAX_RETRANSMIT_MS)
}

/// Generates up to `batch` new one-time prekeys (as many as the account has
/// room for) and returns their public halves, to publish.
pub(crate) fn top_up_prekeys<R: CryptoRng>(
    account: &mut Account,
    rng: &mut R,
    batch: usize,
) -> Vec<(PreKeyId, PublicKey)> {
    let room = MAX_ONE_TIME_PREKEYS.saturating_sub(account.one_time_prekeys().len());
    let Ok(ids) = account.generate_one_time_prekeys(rng, room.min(batch)) else {
        return Vec::new();
    };
    account
        .one_time_prekeys()
        .into_iter()
        .filter(|(id, _)| ids.contains(id))
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), 2_000);
        assert_eq!(backoff(2), 4_000);
        assert_eq!(backoff(3), 8_000);
        assert_eq!(backoff(12), 3_600_000);
        assert_eq!(backoff(u32::MAX), 3_600_000);
        assert_eq!(backoff(0), 2_000);
    }
}
