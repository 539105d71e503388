//! One message in the Cloud API's store: its direction, its wamid as ten
//! bytes, and its strings in one allocation.

use serde::{Deserialize, Serialize};

use crate::cloud_api::webhook::payload::{Pricing, PricingCategory};
use crate::ids::WamidKey;
use crate::phone::PhoneNumber;
use crate::wire::{AppMessage, EnvelopeId, TransportEnvelope};

/// Inbound (consumer to business) or outbound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From a consumer.
    Inbound,
    /// From the business.
    Outbound,
}

/// An outbound message not yet delivered: what is needed to send it again.
#[derive(Debug, Clone)]
pub(crate) struct PendingSend {
    /// What goes inside the ciphertext (to re-encrypt after a rebuild).
    pub(crate) message: AppMessage,
    /// The envelope as last submitted; `None` until a session exists.
    pub(crate) envelope: Option<TransportEnvelope>,
    /// The session generation that encrypted `envelope`.
    pub(crate) epoch: u64,
    /// Whether the `sent` status went out (the transport accepted it once).
    pub(crate) sent: bool,
    /// The next retransmission, if one is scheduled.
    pub(crate) retry_at: Option<u64>,
}

/// One stored message.
///
/// Its strings are one allocation (the text, then the consumer's message id
/// or the business's `biz_opaque_callback_data`),
/// its wamid is the ten bytes that with the consumer's number make it up, and
/// its business number is an index into the store's list of them: at 1M
/// simulated messages the store holds 333,333 of these, inline, 88 bytes each.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    /// The wamid's random part; the consumer's number is the rest.
    pub(super) wamid_key: WamidKey,
    /// Which way it went.
    pub direction: Direction,
    /// The business's phone number id, as its place in the store's list
    /// ([`super::MessageStore::phone_number_id`] reads it).
    pub(super) number: u16,
    /// The consumer.
    pub consumer: PhoneNumber,
    /// The text, then the consumer's message id (inbound) or the send's
    /// `biz_opaque_callback_data` (outbound), if any: the tail.
    strings: Box<str>,
    text_len: u32,
    pub(super) has_tail: bool,
    /// When it was stored.
    pub stored_at_ms: u64,
    /// When it will be purged.
    pub expires_at_ms: u64,
    /// The envelope that carried it: the consumer's (inbound), or the
    /// business number's (outbound; 0 until encrypted).
    pub envelope_id: EnvelopeId,
    /// Transmissions so far (outbound; hourly at most, so 720 in 30 days).
    pub attempts: u16,
    /// How Meta prices it (outbound).
    pub pricing: Pricing,
    /// Outbound: the consumer's device acknowledged it. Inbound: always true
    /// (the Cloud API has it).
    pub delivered: bool,
    /// Whether it was read.
    pub read: bool,
    /// Outbound and not yet delivered (nor failed).
    pub(crate) pending: Option<Box<PendingSend>>,
}

/// What a new stored message is made of.
pub(crate) struct NewMessage<'a> {
    pub(crate) direction: Direction,
    pub(crate) phone_number_id: &'a str,
    pub(crate) consumer: PhoneNumber,
    /// The plaintext the Cloud API decrypted or was asked to send (the emoji
    /// of a reaction).
    pub(crate) text: &'a str,
    pub(crate) stored_at_ms: u64,
    pub(crate) expires_at_ms: u64,
    pub(crate) envelope_id: EnvelopeId,
    /// Inbound: the consumer client's message id (deduplication, reactions).
    /// Outbound: the send's `biz_opaque_callback_data`.
    pub(crate) tail: Option<&'a str>,
    /// Outbound: how Meta prices it.
    pub(crate) pricing: Option<Pricing>,
    pub(crate) delivered: bool,
    pub(crate) pending: Option<Box<PendingSend>>,
}

impl StoredMessage {
    /// A stored message of the business number at `number` in the store's
    /// list; `None` if the text is over 4 GiB (it came in an envelope of at
    /// most 64 KiB, so it never is).
    pub(super) fn new(m: NewMessage<'_>, wamid_key: WamidKey, number: u16) -> Option<Self> {
        let text_len = u32::try_from(m.text.len()).ok()?;
        let tail = m.tail.unwrap_or_default();
        let mut strings = String::with_capacity(m.text.len() + tail.len());
        strings.push_str(m.text);
        strings.push_str(tail);
        Some(Self {
            wamid_key,
            direction: m.direction,
            number,
            consumer: m.consumer,
            strings: strings.into_boxed_str(),
            text_len,
            has_tail: m.tail.is_some(),
            stored_at_ms: m.stored_at_ms,
            expires_at_ms: m.expires_at_ms,
            envelope_id: m.envelope_id,
            attempts: 0,
            pricing: m.pricing.unwrap_or(Pricing {
                category: PricingCategory::Service,
                in_window: true,
            }),
            delivered: m.delivered,
            read: false,
            pending: m.pending,
        })
    }

    /// The wamid.
    pub fn wamid(&self) -> String {
        self.wamid_key.wamid(&self.consumer)
    }

    /// The plaintext the Cloud API decrypted or was asked to send (the emoji
    /// of a reaction).
    pub fn text(&self) -> &str {
        self.strings
            .get(..self.text_len as usize)
            .unwrap_or_default()
    }

    fn tail(&self) -> Option<&str> {
        self.has_tail
            .then(|| self.strings.get(self.text_len as usize..))
            .flatten()
    }

    /// Inbound: the consumer client's message id (deduplication, reactions).
    pub fn client_message_id(&self) -> Option<&str> {
        self.tail().filter(|_| self.direction == Direction::Inbound)
    }

    /// Outbound: the `biz_opaque_callback_data` the send carried.
    pub fn callback_data(&self) -> Option<&str> {
        self.tail()
            .filter(|_| self.direction == Direction::Outbound)
    }

    /// Whether it still waits for delivery (and is retransmitted).
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }
}
