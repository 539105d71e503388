//! The Cloud API's temporary message store and its retention.
//!
//! Messages are kept for retransmission for at most [`MAX_RETENTION_DAYS`] (a
//! business may choose less, never more). Expiry is indexed by time, so a purge
//! costs in proportion to what expires, not to what is stored. When a message
//! expires, its content goes, and so does every consumer phone number that was
//! held only because of it.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;
use crate::wire::{AppMessage, EnvelopeId, TransportEnvelope};

/// The longest the Cloud API keeps a message.
pub const MAX_RETENTION_DAYS: u32 = 30;
/// One day in ms.
pub const DAY_MS: u64 = 86_400_000;

/// How long messages are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    days: u32,
}

/// A retention longer than 30 days (or zero) was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("retention must be 1 to {MAX_RETENTION_DAYS} days, got {0}")]
pub struct RetentionError(pub u32);

impl RetentionPolicy {
    /// `days` between 1 and 30.
    pub fn days(days: u32) -> Result<Self, RetentionError> {
        if (1..=MAX_RETENTION_DAYS).contains(&days) {
            Ok(Self { days })
        } else {
            Err(RetentionError(days))
        }
    }

    /// The retention in days.
    pub fn in_days(self) -> u32 {
        self.days
    }

    /// The retention in ms.
    pub fn in_ms(self) -> u64 {
        u64::from(self.days) * DAY_MS
    }
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            days: MAX_RETENTION_DAYS,
        }
    }
}

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
#[derive(Debug, Clone)]
pub struct StoredMessage {
    /// The wamid.
    pub wamid: String,
    /// Which way it went.
    pub direction: Direction,
    /// The business's phone number id.
    pub phone_number_id: String,
    /// The consumer.
    pub consumer: PhoneNumber,
    /// The plaintext the Cloud API decrypted or was asked to send (the emoji
    /// of a reaction).
    pub text: String,
    /// When it was stored.
    pub stored_at_ms: u64,
    /// When it will be purged.
    pub expires_at_ms: u64,
    /// The envelope that carried it: the consumer's (inbound), or the
    /// business number's (outbound; 0 until encrypted).
    pub envelope_id: EnvelopeId,
    /// Inbound: the consumer client's message id (deduplication, reactions).
    pub client_message_id: Option<String>,
    /// Transmissions so far (outbound).
    pub attempts: u32,
    /// Outbound: the consumer's device acknowledged it. Inbound: always true
    /// (the Cloud API has it).
    pub delivered: bool,
    /// Whether it was read.
    pub read: bool,
    /// Outbound and not yet delivered (nor failed).
    pub(crate) pending: Option<Box<PendingSend>>,
}

impl StoredMessage {
    /// Whether it still waits for delivery (and is retransmitted).
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }
}

/// The store, with its expiry index and per-number reference counts.
#[derive(Debug, Clone, Default)]
pub struct MessageStore {
    by_wamid: HashMap<String, StoredMessage>,
    /// Outbound messages by (phone number id, the business number's envelope id).
    by_envelope: HashMap<(String, EnvelopeId), String>,
    /// Inbound messages by (phone number id, consumer, client message id).
    by_client_id: HashMap<(String, PhoneNumber, String), String>,
    expiry: BTreeMap<(u64, u64), String>,
    next_seq: u64,
    /// Live messages per (phone number id, consumer): a business number forgets
    /// a consumer when its own last message with them expires.
    number_refs: HashMap<(String, PhoneNumber), u64>,
}

impl MessageStore {
    /// Stores `message`.
    pub(crate) fn insert(&mut self, message: StoredMessage) {
        self.expiry.insert(
            (message.expires_at_ms, self.next_seq),
            message.wamid.clone(),
        );
        self.next_seq += 1;
        if let Some(client_id) = &message.client_message_id {
            self.by_client_id.insert(
                (
                    message.phone_number_id.clone(),
                    message.consumer.clone(),
                    client_id.clone(),
                ),
                message.wamid.clone(),
            );
        }
        *self
            .number_refs
            .entry((message.phone_number_id.clone(), message.consumer.clone()))
            .or_default() += 1;
        self.by_wamid.insert(message.wamid.clone(), message);
    }

    /// Notes the envelope an outbound message was encrypted into.
    pub(crate) fn set_envelope(&mut self, wamid: &str, envelope_id: EnvelopeId) {
        if let Some(m) = self.by_wamid.get_mut(wamid) {
            if m.envelope_id != 0 {
                self.by_envelope
                    .remove(&(m.phone_number_id.clone(), m.envelope_id));
            }
            m.envelope_id = envelope_id;
            self.by_envelope
                .insert((m.phone_number_id.clone(), envelope_id), wamid.to_owned());
        }
    }

    /// A stored message by wamid.
    pub fn get(&self, wamid: &str) -> Option<&StoredMessage> {
        self.by_wamid.get(wamid)
    }

    /// Mutable access by wamid.
    pub(crate) fn get_mut(&mut self, wamid: &str) -> Option<&mut StoredMessage> {
        self.by_wamid.get_mut(wamid)
    }

    /// The wamid of the outbound message a business number's envelope carried.
    pub fn wamid_for_envelope(&self, phone_number_id: &str, id: EnvelopeId) -> Option<&str> {
        self.by_envelope
            .get(&(phone_number_id.to_owned(), id))
            .map(String::as_str)
    }

    /// The wamid of an inbound message by the consumer's own message id.
    pub fn wamid_for_client_id(
        &self,
        phone_number_id: &str,
        consumer: &PhoneNumber,
        client_id: &str,
    ) -> Option<&str> {
        self.by_client_id
            .get(&(
                phone_number_id.to_owned(),
                consumer.clone(),
                client_id.to_owned(),
            ))
            .map(String::as_str)
    }

    /// Whether the Cloud API still holds anything about `number` for any business.
    pub fn holds_number(&self, number: &PhoneNumber) -> bool {
        self.number_refs.keys().any(|(_, n)| n == number)
    }

    /// How many messages are stored.
    pub fn len(&self) -> usize {
        self.by_wamid.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.by_wamid.is_empty()
    }

    /// All stored messages, oldest expiry first.
    pub fn iter(&self) -> impl Iterator<Item = &StoredMessage> {
        self.expiry.values().filter_map(|w| self.by_wamid.get(w))
    }

    /// The earliest expiry.
    pub fn next_expiry(&self) -> Option<u64> {
        self.expiry.keys().next().map(|(t, _)| *t)
    }

    /// Messages whose expiry has passed at `now_ms` (only ever non-zero when
    /// purging is skipped).
    pub fn overdue(&self, now_ms: u64) -> usize {
        self.expiry.range(..(now_ms.saturating_add(1), 0)).count()
    }

    /// The oldest message's storage time.
    pub fn oldest_stored_at(&self) -> Option<u64> {
        // Retention is one period for every message, so expiry order is
        // storage order.
        self.iter().next().map(|m| m.stored_at_ms)
    }

    /// Removes everything that expires at or before `now_ms`. Returns the purged
    /// messages and the (phone number id, consumer number) pairs no longer held
    /// by any message.
    pub(crate) fn purge(
        &mut self,
        now_ms: u64,
    ) -> (Vec<StoredMessage>, Vec<(String, PhoneNumber)>) {
        let mut purged = Vec::new();
        let mut forgotten = Vec::new();
        while let Some(entry) = self.expiry.first_entry() {
            if entry.key().0 > now_ms {
                break;
            }
            let wamid = entry.remove();
            let Some(m) = self.by_wamid.remove(&wamid) else {
                continue;
            };
            if m.direction == Direction::Outbound {
                self.by_envelope
                    .remove(&(m.phone_number_id.clone(), m.envelope_id));
            }
            if let Some(client_id) = &m.client_message_id {
                self.by_client_id.remove(&(
                    m.phone_number_id.clone(),
                    m.consumer.clone(),
                    client_id.clone(),
                ));
            }
            let key = (m.phone_number_id.clone(), m.consumer.clone());
            if let Some(n) = self.number_refs.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    self.number_refs.remove(&key);
                    forgotten.push(key);
                }
            }
            purged.push(m);
        }
        (purged, forgotten)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn msg(wamid: &str, consumer: &str, expires: u64) -> StoredMessage {
        StoredMessage {
            wamid: wamid.into(),
            direction: Direction::Inbound,
            phone_number_id: "1".into(),
            consumer: PhoneNumber::parse(consumer).unwrap(),
            text: "t".into(),
            stored_at_ms: 0,
            expires_at_ms: expires,
            envelope_id: expires,
            client_message_id: Some(format!("c-{wamid}")),
            attempts: 0,
            delivered: true,
            read: false,
            pending: None,
        }
    }

    #[test]
    fn retention_is_capped_at_30_days() {
        assert!(RetentionPolicy::days(30).is_ok());
        assert_eq!(RetentionPolicy::days(31), Err(RetentionError(31)));
        assert_eq!(RetentionPolicy::days(0), Err(RetentionError(0)));
        assert_eq!(RetentionPolicy::default().in_ms(), 30 * DAY_MS);
    }

    #[test]
    fn purge_takes_only_what_expired_and_forgets_numbers_last() {
        let mut s = MessageStore::default();
        s.insert(msg("a", "15550000001", 10));
        s.insert(msg("b", "15550000001", 20));
        s.insert(msg("c", "15550000002", 10));
        let alice = PhoneNumber::parse("15550000001").unwrap();
        assert_eq!(s.wamid_for_client_id("1", &alice, "c-a"), Some("a"));
        assert_eq!(s.overdue(10), 2);
        let (p, f) = s.purge(9);
        assert!(p.is_empty() && f.is_empty());
        let (p, f) = s.purge(10);
        assert_eq!(p.len(), 2);
        assert_eq!(
            f,
            vec![("1".to_owned(), PhoneNumber::parse("15550000002").unwrap())]
        );
        assert_eq!(s.wamid_for_client_id("1", &alice, "c-a"), None);
        assert!(s.holds_number(&alice));
        let (p, f) = s.purge(u64::MAX);
        assert_eq!(p.len(), 1);
        assert_eq!(f.len(), 1);
        assert!(s.is_empty());
    }
}
