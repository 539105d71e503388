//! The send limits of a business number, checked before a send is accepted
//! (a refused send gets Meta's error at once and changes nothing).
//!
//! - **Throughput**: "For each registered business phone number, Cloud API
//!   supports up to 80 messages per second (mps) by default [...] If you
//!   attempt to send more messages than your current throughput level
//!   allows, the API will return error code 130429". Counted per whole
//!   second of the clock, over the number's sends.
//! - **Pair rate limit**: "Business phone numbers can send 1 message every 6
//!   seconds to the same WhatsApp user [...] Exceeding this limit triggers
//!   error code 131056 [...] You may send up to 45 messages in a 6-second
//!   burst, but this "borrows" from your future quota." Kept as one
//!   theoretical arrival time per consumer (the generic cell rate
//!   algorithm): a send is allowed while that time is at most 44 intervals
//!   ahead of now, and moves it one interval on.

use crate::cloud_api::CloudApi;
use crate::cloud_api::graph_api::GraphError;
use crate::phone::PhoneNumber;

/// Messages per second a number may send.
pub const THROUGHPUT_MPS: u32 = 80;
/// One message per this many ms to the same consumer, on average.
pub const PAIR_INTERVAL_MS: u64 = 6_000;
/// Messages a burst to one consumer may borrow.
pub const PAIR_BURST: u64 = 45;

impl CloudApi {
    /// Refuses a send over either limit.
    pub(crate) fn check_limits(
        &self,
        now_ms: u64,
        pnid: &str,
        to: &PhoneNumber,
    ) -> Result<(), GraphError> {
        let Some(n) = self.numbers.get(pnid) else {
            return Ok(());
        };
        let second = now_ms / 1000;
        if n.throughput.0 == second && n.throughput.1 >= THROUGHPUT_MPS {
            return Err(GraphError::throughput());
        }
        let due = n.contacts.get(to).map_or(0, |c| c.pair_due_ms);
        if due.saturating_sub(now_ms) > (PAIR_BURST - 1) * PAIR_INTERVAL_MS {
            return Err(GraphError::pair_rate_limit());
        }
        Ok(())
    }

    /// Counts an accepted send against both limits.
    pub(crate) fn note_send(&mut self, now_ms: u64, pnid: &str, to: &PhoneNumber) {
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        let second = now_ms / 1000;
        n.throughput = match n.throughput {
            (s, count) if s == second => (s, count + 1),
            _ => (second, 1),
        };
        if let Some(c) = n.contacts.get_mut(to) {
            c.pair_due_ms = c.pair_due_ms.max(now_ms) + PAIR_INTERVAL_MS;
        }
    }
}
