//! The customer service window. Meta: "The user messages you [...]. This
//! opens a 24 hour customer service window", and "Non-template messages can
//! only be sent within an open customer service window." Each message from
//! the consumer restarts it. A free-form message (text, reaction) sent while
//! it is closed is still answered 200 with a wamid, then fails with a
//! `failed` status carrying error 131047 ("Re-engagement message"). A
//! template message may be sent at any time and opens no window.

use crate::cloud_api::CloudApi;
use crate::phone::PhoneNumber;

/// How long a customer service window stays open after the consumer's last
/// message.
pub const CUSTOMER_SERVICE_WINDOW_MS: u64 = 24 * 60 * 60 * 1000;

impl CloudApi {
    /// When the window with `consumer` closes (or closed), if the consumer
    /// ever wrote (and is still remembered: the store forgets a consumer
    /// whose last message expired, at least a day after it was sent).
    pub fn window_closes_at(&self, phone_number_id: &str, consumer: &PhoneNumber) -> Option<u64> {
        let contact = self.numbers.get(phone_number_id)?.contacts.get(consumer)?;
        contact
            .last_message_ms
            .map(|at| at.saturating_add(CUSTOMER_SERVICE_WINDOW_MS))
    }

    /// Whether the window with `consumer` is open at `now_ms`.
    pub fn window_open(&self, phone_number_id: &str, consumer: &PhoneNumber, now_ms: u64) -> bool {
        self.window_closes_at(phone_number_id, consumer)
            .is_some_and(|closes| now_ms < closes)
    }
}
