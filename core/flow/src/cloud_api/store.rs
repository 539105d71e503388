//! The Cloud API's temporary message store and its retention.
//!
//! Messages are kept for retransmission for at most [`MAX_RETENTION_DAYS`] (a
//! business may choose less, never more). Expiry is indexed by time, so a purge
//! costs in proportion to what expires, not to what is stored. When a message
//! expires, its content goes, and so does every consumer phone number that was
//! held only because of it.

use sha2::{Digest, Sha256};

mod message;
mod retention;

pub use message::{Direction, StoredMessage};
pub(crate) use message::{NewMessage, PendingSend};
pub use retention::{DAY_MS, MAX_RETENTION_DAYS, RetentionError, RetentionPolicy};

use crate::ids::WamidKey;
use crate::phone::PhoneNumber;
use crate::wire::EnvelopeId;

/// The store: messages in storage order, indexed by fingerprints.
///
/// One retention period for every message makes storage order expiry order,
/// so the messages sit in a queue and a purge pops from its front: it costs in
/// proportion to what expires. Each message has a sequence number (its place
/// in the queue since the store began). Its wamid is made from that number
/// (a keyed permutation, [`WamidKey::for_sequence`]), so a wamid decodes to
/// its message without an index. Every index maps a 64-bit fingerprint to a
/// sequence number: the business number's envelope id (for receipts); the
/// consumer's own message id (to know a message re-sent under a new
/// session); the (business number, consumer) pair (to forget a consumer
/// when the last message with them expires). Fingerprints are keyed with a
/// secret of the store's, so nobody can choose colliding ids, and a lookup
/// checks the message it finds, so a collision can only make a lookup miss.
#[derive(Debug, Clone, Default)]
pub struct MessageStore {
    /// Inline, in blocks allocated once each: no spare slots beyond two
    /// blocks, and no heap chunk per message.
    slots: crate::maps::BlockDeque<StoredMessage>,
    first: u64,
    key: [u8; 32],
    /// Every message adds entries and later removes them: a table without
    /// tombstones, whose size follows what is live.
    index: crate::maps::FingerprintTable,
    /// Live messages per (phone number id, consumer), by fingerprint.
    number_refs: crate::maps::FingerprintTable,
    /// Every phone number id stored, once: a message keeps its place here.
    /// A handful (the hosted numbers), so a list.
    number_ids: Vec<Box<str>>,
}

/// Why a message could not be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Its text is over 4 GiB (it came in an envelope of at most 64 KiB, so
    /// this cannot happen).
    #[error("the message's text is over 4 GiB")]
    TextTooLong,
    /// The store already holds 65,536 business numbers' messages.
    #[error("the store holds messages of 65,536 business numbers already")]
    TooManyNumbers,
}

/// What an index entry names.
#[derive(Clone, Copy)]
enum Index<'a> {
    Envelope(&'a str, EnvelopeId),
    ClientId(&'a str, &'a PhoneNumber, &'a str),
    Number(&'a str, &'a PhoneNumber),
}

impl MessageStore {
    /// An empty store whose fingerprints are keyed with `key`.
    pub(crate) fn new(key: [u8; 32]) -> Self {
        Self {
            key,
            ..Self::default()
        }
    }

    /// The wamid key the next message stored gets: made from its position,
    /// so a wamid needs no index entry (see [`WamidKey::for_sequence`]).
    /// Callers that must name the wamid before storing (a webhook, the Graph
    /// API's answer) ask for it first.
    pub(crate) fn next_wamid_key(&self) -> WamidKey {
        WamidKey::for_sequence(&self.key, self.first + self.slots.len() as u64)
    }

    /// The place of a phone number id in the list, added if new.
    fn number_index(&mut self, phone_number_id: &str) -> Result<u16, StoreError> {
        let found = self
            .number_ids
            .iter()
            .position(|id| **id == *phone_number_id);
        let index = found.unwrap_or(self.number_ids.len());
        let index = u16::try_from(index).map_err(|_| StoreError::TooManyNumbers)?;
        if found.is_none() {
            self.number_ids.push(phone_number_id.into());
        }
        Ok(index)
    }

    /// The business phone number id of a stored message.
    pub fn phone_number_id(&self, message: &StoredMessage) -> &str {
        self.number_ids
            .get(usize::from(message.number))
            .map_or("", |id| id)
    }

    fn fingerprint(&self, index: Index<'_>) -> u64 {
        let mut h = Sha256::new();
        h.update(self.key);
        let mut part = |tag: u8, bytes: &[u8]| {
            h.update([tag]);
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        };
        match index {
            Index::Envelope(p, id) => {
                part(2, p.as_bytes());
                part(2, &id.to_be_bytes());
            }
            Index::ClientId(p, c, id) => {
                part(3, p.as_bytes());
                part(3, c.wa_id().as_bytes());
                part(3, id.as_bytes());
            }
            Index::Number(p, c) => {
                part(4, p.as_bytes());
                part(4, c.wa_id().as_bytes());
            }
        }
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        u64::from_be_bytes(first)
    }

    fn slot(&self, seq: u64) -> Option<&StoredMessage> {
        self.slots
            .get(usize::try_from(seq.checked_sub(self.first)?).ok()?)
    }

    fn slot_mut(&mut self, seq: u64) -> Option<&mut StoredMessage> {
        let i = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        self.slots.get_mut(i)
    }

    /// The sequence number an index entry names, if the message is still
    /// held and is the one named.
    fn find(&self, index: Index<'_>) -> Option<u64> {
        let seq = self.index.get(self.fingerprint(index))?;
        let m = self.slot(seq)?;
        let matches = match index {
            Index::Envelope(p, id) => {
                m.direction == Direction::Outbound
                    && self.phone_number_id(m) == p
                    && m.envelope_id == id
            }
            Index::ClientId(p, c, id) => {
                self.phone_number_id(m) == p
                    && m.consumer == *c
                    && m.client_message_id() == Some(id)
            }
            Index::Number(..) => false,
        };
        matches.then_some(seq)
    }

    /// Stores a message under [`Self::next_wamid_key`]; returns its
    /// sequence number.
    pub(crate) fn insert(&mut self, new: NewMessage<'_>) -> Result<u64, StoreError> {
        let pnid = new.phone_number_id;
        let number = self.number_index(pnid)?;
        let message = StoredMessage::new(new, self.next_wamid_key(), number)
            .ok_or(StoreError::TextTooLong)?;
        let seq = self.first + self.slots.len() as u64;
        if let Some(client_id) = message.client_message_id() {
            let key = self.fingerprint(Index::ClientId(pnid, &message.consumer, client_id));
            self.index.insert(key, seq);
        }
        let refs_key = self.fingerprint(Index::Number(pnid, &message.consumer));
        let refs = self.number_refs.get(refs_key).unwrap_or(0);
        self.number_refs.insert(refs_key, refs + 1);
        self.slots.push_back(message);
        Ok(seq)
    }

    /// Notes the envelope an outbound message was encrypted into.
    pub(crate) fn set_envelope(&mut self, wamid: &str, envelope_id: EnvelopeId) {
        let Some(seq) = self.seq_of(wamid) else {
            return;
        };
        let Some(m) = self.slot(seq) else {
            return;
        };
        let pnid = self.phone_number_id(m);
        let stale =
            (m.envelope_id != 0).then(|| self.fingerprint(Index::Envelope(pnid, m.envelope_id)));
        let key = self.fingerprint(Index::Envelope(pnid, envelope_id));
        if let Some(stale) = stale {
            self.index.remove(stale);
        }
        self.index.insert(key, seq);
        if let Some(m) = self.slot_mut(seq) {
            m.envelope_id = envelope_id;
        }
    }

    /// The sequence number of a stored message: its wamid decodes to it.
    pub(crate) fn seq_of(&self, wamid: &str) -> Option<u64> {
        let (number, key) = WamidKey::parse(wamid)?;
        let seq = key.sequence(&self.key)?;
        self.slot(seq)
            .is_some_and(|m| m.wamid_key == key && m.consumer == number)
            .then_some(seq)
    }

    /// A stored message by sequence number.
    pub(crate) fn by_seq(&self, seq: u64) -> Option<&StoredMessage> {
        self.slot(seq)
    }

    /// A stored message by wamid.
    pub fn get(&self, wamid: &str) -> Option<&StoredMessage> {
        self.slot(self.seq_of(wamid)?)
    }

    /// Mutable access by wamid.
    pub(crate) fn get_mut(&mut self, wamid: &str) -> Option<&mut StoredMessage> {
        let seq = self.seq_of(wamid)?;
        self.slot_mut(seq)
    }

    /// Marks `wamid` (an inbound message) and every earlier unread inbound
    /// message of the same conversation read ("Marking a message as read
    /// will also mark earlier messages in the thread as read"); returns the
    /// consumer's envelope ids newly read, oldest first. Walks back from the
    /// message through the store, so it costs what is stored before it.
    pub(crate) fn read_through(&mut self, wamid: &str) -> Vec<EnvelopeId> {
        let Some(seq) = self.seq_of(wamid) else {
            return Vec::new();
        };
        let Some((number, consumer)) = self.slot(seq).map(|m| (m.number, m.consumer.clone()))
        else {
            return Vec::new();
        };
        let mut read = Vec::new();
        for s in (self.first..=seq).rev() {
            if let Some(m) = self.slot_mut(s)
                && m.direction == Direction::Inbound
                && m.number == number
                && m.consumer == consumer
                && !m.read
            {
                m.read = true;
                read.push(m.envelope_id);
            }
        }
        read.reverse();
        read
    }

    /// The wamid of the outbound message a business number's envelope carried.
    pub fn wamid_for_envelope(&self, phone_number_id: &str, id: EnvelopeId) -> Option<String> {
        let seq = self.find(Index::Envelope(phone_number_id, id))?;
        self.slot(seq).map(StoredMessage::wamid)
    }

    /// The wamid of an inbound message by the consumer's own message id.
    pub fn wamid_for_client_id(
        &self,
        phone_number_id: &str,
        consumer: &PhoneNumber,
        client_id: &str,
    ) -> Option<String> {
        let seq = self.find(Index::ClientId(phone_number_id, consumer, client_id))?;
        self.slot(seq).map(StoredMessage::wamid)
    }

    /// Whether the Cloud API still holds anything about `number` for the
    /// business with `phone_number_id`.
    pub fn holds_number(&self, phone_number_id: &str, number: &PhoneNumber) -> bool {
        self.number_refs
            .contains_key(self.fingerprint(Index::Number(phone_number_id, number)))
    }

    /// How many messages are stored.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// All stored messages, oldest (first to expire) first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &StoredMessage> {
        self.slots.iter()
    }

    /// The earliest expiry.
    pub fn next_expiry(&self) -> Option<u64> {
        self.slots.front().map(|m| m.expires_at_ms)
    }

    /// Messages whose expiry has passed at `now_ms` (only ever non-zero when
    /// purging is skipped).
    pub fn overdue(&self, now_ms: u64) -> usize {
        self.slots
            .iter()
            .take_while(|m| m.expires_at_ms <= now_ms)
            .count()
    }

    /// The oldest message's storage time.
    pub fn oldest_stored_at(&self) -> Option<u64> {
        self.slots.front().map(|m| m.stored_at_ms)
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
        while self
            .slots
            .front()
            .is_some_and(|m| m.expires_at_ms <= now_ms)
        {
            let Some(m) = self.slots.pop_front() else {
                break;
            };
            let seq = self.first;
            self.first += 1;
            let pnid = self.phone_number_id(&m);
            let envelope = (m.direction == Direction::Outbound && m.envelope_id != 0)
                .then(|| self.fingerprint(Index::Envelope(pnid, m.envelope_id)));
            let client = m
                .client_message_id()
                .map(|id| self.fingerprint(Index::ClientId(pnid, &m.consumer, id)));
            let number = self.fingerprint(Index::Number(pnid, &m.consumer));
            for key in [envelope, client].into_iter().flatten() {
                if self.index.get(key) == Some(seq) {
                    self.index.remove(key);
                }
            }
            if let Some(n) = self.number_refs.get_mut(number) {
                *n -= 1;
                if *n == 0 {
                    self.number_refs.remove(number);
                    let pnid = self.phone_number_id(&m).to_owned();
                    forgotten.push((pnid, m.consumer.clone()));
                }
            }
            purged.push(m);
        }
        (purged, forgotten)
    }
}

#[cfg(test)]
mod tests;
