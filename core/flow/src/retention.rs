//! The Cloud API's temporary message store.
//!
//! Messages are kept for retransmission for at most [`MAX_RETENTION_DAYS`] (a
//! business may choose less, never more). Expiry is indexed by time, so a purge
//! costs in proportion to what expires, not to what is stored. When a message
//! expires, its content goes, and so does every consumer phone number that was
//! held only because of it.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::envelope::{AppMessage, EnvelopeId, TransportEnvelope};
use crate::phone::PhoneNumber;

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

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// The wamid.
    pub wamid: String,
    /// Which way it went.
    pub direction: Direction,
    /// The business's phone number id.
    pub phone_number_id: String,
    /// The consumer.
    pub consumer: PhoneNumber,
    /// The plaintext the Cloud API decrypted or was asked to send.
    pub text: String,
    /// When it was stored.
    pub stored_at_ms: u64,
    /// When it will be purged.
    pub expires_at_ms: u64,
    /// The transport envelope that carried it.
    pub envelope_id: EnvelopeId,
    /// For outbound messages not yet delivered: the envelope to retransmit.
    pub pending: Option<TransportEnvelope>,
    /// What was inside the ciphertext: for outbound messages, to re-encrypt after
    /// a retry request; for inbound ones, the client's message id (deduplication
    /// and reactions).
    pub app: Option<AppMessage>,
    /// Retransmissions so far.
    pub attempts: u32,
    /// Which session generation encrypted `pending` (a retry request for an
    /// older generation was already answered).
    pub epoch: u64,
    /// Outbound: whether the consumer's device acknowledged it. Inbound: always
    /// true (the Cloud API has it).
    pub delivered: bool,
    /// Whether it was read.
    pub read: bool,
}

/// The store, with its expiry index and per-number reference counts.
#[derive(Debug, Clone, Default)]
pub struct MessageStore {
    by_wamid: HashMap<String, StoredMessage>,
    by_envelope: HashMap<EnvelopeId, String>,
    by_client_id: HashMap<(PhoneNumber, String), String>,
    expiry: BTreeMap<(u64, u64), String>,
    next_seq: u64,
    /// Live messages per (phone number id, consumer): a business number forgets
    /// a consumer when its own last message with them expires.
    number_refs: HashMap<(String, PhoneNumber), u64>,
}

impl MessageStore {
    /// Stores `message`.
    pub fn insert(&mut self, message: StoredMessage) {
        self.expiry.insert(
            (message.expires_at_ms, self.next_seq),
            message.wamid.clone(),
        );
        self.next_seq += 1;
        self.by_envelope
            .insert(message.envelope_id, message.wamid.clone());
        if let (Direction::Inbound, Some(app)) = (message.direction, &message.app) {
            self.by_client_id.insert(
                (message.consumer.clone(), app.id().to_owned()),
                message.wamid.clone(),
            );
        }
        *self
            .number_refs
            .entry((message.phone_number_id.clone(), message.consumer.clone()))
            .or_default() += 1;
        self.by_wamid.insert(message.wamid.clone(), message);
    }

    /// A stored message by wamid.
    pub fn get(&self, wamid: &str) -> Option<&StoredMessage> {
        self.by_wamid.get(wamid)
    }

    /// Mutable access by wamid.
    pub fn get_mut(&mut self, wamid: &str) -> Option<&mut StoredMessage> {
        self.by_wamid.get_mut(wamid)
    }

    /// The wamid of the message an envelope carried.
    pub fn wamid_for_envelope(&self, id: EnvelopeId) -> Option<&str> {
        self.by_envelope.get(&id).map(String::as_str)
    }

    /// The wamid of an inbound message by the consumer's own message id.
    pub fn wamid_for_client_id(&self, consumer: &PhoneNumber, client_id: &str) -> Option<&str> {
        self.by_client_id
            .get(&(consumer.clone(), client_id.to_owned()))
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

    /// Removes everything that expires at or before `now_ms`. Returns the purged
    /// messages and the (phone number id, consumer number) pairs no longer held
    /// by any message.
    pub fn purge(&mut self, now_ms: u64) -> (Vec<StoredMessage>, Vec<(String, PhoneNumber)>) {
        let mut purged = Vec::new();
        let mut forgotten = Vec::new();
        while let Some(entry) = self.expiry.first_entry() {
            if entry.key().0 > now_ms {
                break;
            }
            let wamid = entry.remove();
            if let Some(m) = self.by_wamid.remove(&wamid) {
                self.by_envelope.remove(&m.envelope_id);
                if let Some(app) = &m.app {
                    self.by_client_id
                        .remove(&(m.consumer.clone(), app.id().to_owned()));
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
            pending: None,
            app: None,
            attempts: 0,
            epoch: 0,
            delivered: false,
            read: false,
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
        let (p, f) = s.purge(9);
        assert!(p.is_empty() && f.is_empty());
        let (p, f) = s.purge(10);
        assert_eq!(p.len(), 2);
        assert_eq!(
            f,
            vec![("1".to_owned(), PhoneNumber::parse("15550000002").unwrap())]
        );
        assert!(s.holds_number(&PhoneNumber::parse("15550000001").unwrap()));
        let (p, f) = s.purge(u64::MAX);
        assert_eq!(p.len(), 1);
        assert_eq!(f.len(), 1);
        assert!(s.is_empty());
    }
}
