//! How webhooks reach the business: batching, attempts, and Meta's retries.
//!
//! Meta: "If we send a webhook request to your endpoint and your server
//! responds with an HTTP status code other than 200, or if we are unable to
//! deliver the webhook for another reason, we will keep trying with
//! decreasing frequency until the request succeeds, for up to 7 days." So a
//! webhook is delivered at least once: an endpoint that processed a POST but
//! answered late gets it again, and a status retried for an hour arrives after
//! the later statuses of its message. The business deduplicates by id and
//! keeps each message's furthest status (see `business::inbox`).
//!
//! Meta documents no schedule beyond "decreasing frequency"; cipherflow waits
//! [`RETRY_DELAYS_MS`] between attempts, then every [`RETRY_EVERY_MS`], and
//! gives up [`RETRY_FOR_MS`] after the first attempt, or earlier when a
//! message the webhook is about leaves the store (its retention passed).

use serde::{Deserialize, Serialize};

use crate::cloud_api::store::DAY_MS;
use crate::cloud_api::webhook::payload::Update;

/// The waits after the first failed attempts, in order.
pub const RETRY_DELAYS_MS: [u64; 10] = [
    10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000,
];
/// The wait after every later failure.
pub const RETRY_EVERY_MS: u64 = 28_800_000;
/// How long after its first attempt a webhook is still retried.
pub const RETRY_FOR_MS: u64 = 7 * DAY_MS;
/// The most updates one POST carries.
pub const MAX_BATCH: u32 = 1000;
/// The longest a batch may wait for more updates.
pub const MAX_BATCH_WINDOW_MS: u64 = 60_000;

/// The wait before the next attempt after `failures` failed ones (1 = the
/// first attempt failed).
pub fn retry_delay(failures: u32) -> u64 {
    let i = failures.saturating_sub(1) as usize;
    RETRY_DELAYS_MS.get(i).copied().unwrap_or(RETRY_EVERY_MS)
}

/// How updates are grouped into POSTs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookPolicy {
    /// The most updates (messages and statuses) in one POST, 1 to
    /// [`MAX_BATCH`]. 1 posts each update alone.
    pub batch_max: u32,
    /// How long an update waits for others to share its POST, 0 to
    /// [`MAX_BATCH_WINDOW_MS`]. 0 posts at once what one step produced.
    pub batch_window_ms: u64,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self {
            batch_max: 1,
            batch_window_ms: 0,
        }
    }
}

/// Why a webhook policy was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebhookPolicyError {
    /// `batch_max` out of range.
    #[error("webhook batch_max must be 1 to {MAX_BATCH}, got {0}")]
    BatchMax(u32),
    /// `batch_window_ms` out of range.
    #[error("webhook batch_window_ms must be 0 to {MAX_BATCH_WINDOW_MS}, got {0}")]
    BatchWindow(u64),
}

impl WebhookPolicy {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), WebhookPolicyError> {
        if !(1..=MAX_BATCH).contains(&self.batch_max) {
            return Err(WebhookPolicyError::BatchMax(self.batch_max));
        }
        if self.batch_window_ms > MAX_BATCH_WINDOW_MS {
            return Err(WebhookPolicyError::BatchWindow(self.batch_window_ms));
        }
        Ok(())
    }
}

/// One webhook: its updates, and its attempts so far.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) phone_number_id: String,
    pub(crate) updates: Vec<Update>,
    /// When it was first attempted.
    pub(crate) first_attempt_ms: u64,
    /// Attempts made.
    pub(crate) attempts: u32,
}

/// A request waiting for the business's answer.
#[derive(Debug, Clone)]
pub(crate) enum InFlight {
    /// A webhook POST, and the request of this attempt.
    Post {
        delivery: Delivery,
        request: crate::http::HttpRequest,
    },
    /// The verification handshake's GET, with its challenge.
    Handshake {
        phone_number_id: String,
        challenge: String,
        request: crate::http::HttpRequest,
    },
}

/// Every webhook not yet delivered.
#[derive(Debug, Clone, Default)]
pub(crate) struct Deliveries {
    /// Updates waiting for their batch to close, by phone number id, in the
    /// order they became due.
    pub(crate) batching: Vec<(String, Vec<Update>)>,
    /// When the open batches close.
    pub(crate) flush_at: Option<u64>,
    /// Requests waiting for the business's answer, by exchange.
    pub(crate) in_flight: crate::maps::SortedMap<u64, InFlight>,
    /// Failed webhooks: (next attempt, exchange of the last attempt, the
    /// webhook). A few at most, so a list.
    pub(crate) retrying: Vec<(u64, u64, Delivery)>,
    pub(crate) next_exchange: u64,
}

impl Deliveries {
    /// A fresh exchange number.
    pub(crate) fn exchange(&mut self) -> u64 {
        self.next_exchange += 1;
        self.next_exchange
    }

    /// Adds an update to its number's open batch; returns the batch when it
    /// is full.
    pub(crate) fn add(
        &mut self,
        now_ms: u64,
        policy: WebhookPolicy,
        phone_number_id: &str,
        update: Update,
    ) -> Option<Vec<Update>> {
        // Unbatched (the default): straight out, nothing kept.
        if policy.batch_max <= 1 {
            return Some(vec![update]);
        }
        let i = match self.batching.iter().position(|(p, _)| p == phone_number_id) {
            Some(i) => i,
            None => {
                self.batching.push((phone_number_id.to_owned(), Vec::new()));
                self.batching.len() - 1
            }
        };
        let (_, batch) = self.batching.get_mut(i)?;
        batch.push(update);
        if batch.len() >= policy.batch_max as usize {
            let (_, full) = self.batching.remove(i);
            return Some(full);
        }
        if self.flush_at.is_none() {
            self.flush_at = Some(now_ms.saturating_add(policy.batch_window_ms));
        }
        None
    }

    /// The earliest deadline: a batch closing, or a retry.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        let retry = self.retrying.iter().map(|(at, _, _)| *at).min();
        match (self.flush_at, retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The retries due at `now_ms`, oldest first.
    pub(crate) fn due_retries(&mut self, now_ms: u64) -> Vec<Delivery> {
        let mut due = Vec::new();
        let mut i = 0;
        while let Some((at, _, _)) = self.retrying.get(i) {
            if *at <= now_ms {
                due.push(self.retrying.remove(i).2);
            } else {
                i += 1;
            }
        }
        due
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_schedule_slows_down_and_stops_after_seven_days() {
        let delays: Vec<u64> = (1..=40).map(retry_delay).collect();
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
        assert_eq!(retry_delay(1), 10_000);
        assert_eq!(retry_delay(11), RETRY_EVERY_MS);
        // Attempts that fit in seven days, counting the first.
        let mut at = 0;
        let mut attempts = 1;
        while at + retry_delay(attempts) <= RETRY_FOR_MS {
            at += retry_delay(attempts);
            attempts += 1;
        }
        assert_eq!(attempts, 31, "attempts within 7 days");
    }

    #[test]
    fn policy_ranges() {
        assert!(WebhookPolicy::default().validate().is_ok());
        let bad = WebhookPolicy {
            batch_max: 0,
            ..Default::default()
        };
        assert_eq!(bad.validate(), Err(WebhookPolicyError::BatchMax(0)));
        let bad = WebhookPolicy {
            batch_max: 5,
            batch_window_ms: MAX_BATCH_WINDOW_MS + 1,
        };
        assert!(matches!(
            bad.validate(),
            Err(WebhookPolicyError::BatchWindow(_))
        ));
    }
}
