//! The Cloud API's temporary message store and its retention.
//!
//! Messages are kept for retransmission for at most [`MAX_RETENTION_DAYS`] (a
//! business may choose less, never more). Expiry is indexed by time, so a purge
//! costs in proportion to what expires, not to what is stored. When a message
//! expires, its content goes, and so does every consumer phone number that was
//! held only because of it.

use std::collections::VecDeque;

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
/// in the queue since the store began), and every index maps a 64-bit
/// fingerprint to one: the wamid; the business number's envelope id (for
/// receipts); the consumer's own message id (to know a message re-sent under a
/// new session); the (business number, consumer) pair (to forget a consumer
/// when the last message with them expires). Fingerprints are keyed with a
/// secret of the store's, so nobody can choose colliding ids, and a lookup
/// checks the message it finds, so a collision can only make a lookup miss.
#[derive(Debug, Clone, Default)]
pub struct MessageStore {
    /// Boxed: the deque doubles its capacity as it grows, and at scale a
    /// third of its slots are empty; an empty slot costs a pointer, not a
    /// message.
    slots: VecDeque<Box<StoredMessage>>,
    first: u64,
    key: [u8; 32],
    /// Every message adds entries and later removes them: a table without
    /// tombstones, whose size follows what is live.
    index: crate::maps::FingerprintTable,
    /// Live messages per (phone number id, consumer), by fingerprint.
    number_refs: crate::maps::FingerprintTable,
    /// Every phone number id stored, once: messages share them. A handful
    /// (the hosted numbers), so a list.
    number_ids: Vec<std::sync::Arc<str>>,
}

/// What an index entry names.
#[derive(Clone, Copy)]
enum Index<'a> {
    Wamid(&'a str),
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

    /// The wamid key of the next message stored: made from its position, so
    /// its wamid needs no index entry (see [`WamidKey::for_sequence`]).
    pub(crate) fn next_wamid_key(&self) -> WamidKey {
        WamidKey::for_sequence(&self.key, self.first + self.slots.len() as u64)
    }

    /// Whether the message at `seq` has the key its position gives it (then
    /// its wamid is found without the index).
    fn key_is_positional(&self, seq: u64, key: &WamidKey) -> bool {
        WamidKey::for_sequence(&self.key, seq) == *key
    }

    /// The shared copy of a phone number id, for a new message.
    pub(crate) fn number_id(&mut self, phone_number_id: &str) -> std::sync::Arc<str> {
        if let Some(id) = self.number_ids.iter().find(|id| ***id == *phone_number_id) {
            return id.clone();
        }
        let id: std::sync::Arc<str> = phone_number_id.into();
        self.number_ids.push(id.clone());
        id
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
            Index::Wamid(w) => part(1, w.as_bytes()),
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
            .map(|m| &**m)
    }

    fn slot_mut(&mut self, seq: u64) -> Option<&mut StoredMessage> {
        let i = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        self.slots.get_mut(i).map(|m| &mut **m)
    }

    /// The sequence number an index entry names, if the message is still
    /// held and is the one named.
    fn find(&self, index: Index<'_>) -> Option<u64> {
        if let Index::Wamid(w) = index
            && let Some((number, key)) = WamidKey::parse(w)
            && let Some(seq) = key.sequence(&self.key)
            && self
                .slot(seq)
                .is_some_and(|m| m.wamid_key == key && m.consumer == number)
        {
            return Some(seq);
        }
        let seq = self.index.get(self.fingerprint(index))?;
        let m = self.slot(seq)?;
        let matches = match index {
            Index::Wamid(w) => m.has_wamid(w),
            Index::Envelope(p, id) => {
                m.direction == Direction::Outbound
                    && *m.phone_number_id == *p
                    && m.envelope_id == id
            }
            Index::ClientId(p, c, id) => {
                *m.phone_number_id == *p && m.consumer == *c && m.client_message_id() == Some(id)
            }
            Index::Number(..) => false,
        };
        matches.then_some(seq)
    }

    /// Stores `message`; returns its sequence number.
    pub(crate) fn insert(&mut self, message: StoredMessage) -> u64 {
        let seq = self.first + self.slots.len() as u64;
        if !self.key_is_positional(seq, &message.wamid_key) {
            let wamid = self.fingerprint(Index::Wamid(&message.wamid()));
            self.index.insert(wamid, seq);
        }
        if let Some(client_id) = message.client_message_id() {
            let key = self.fingerprint(Index::ClientId(
                &message.phone_number_id,
                &message.consumer,
                client_id,
            ));
            self.index.insert(key, seq);
        }
        let number = self.fingerprint(Index::Number(&message.phone_number_id, &message.consumer));
        let refs = self.number_refs.get(number).unwrap_or(0);
        self.number_refs.insert(number, refs + 1);
        self.slots.push_back(Box::new(message));
        seq
    }

    /// Notes the envelope an outbound message was encrypted into.
    pub(crate) fn set_envelope(&mut self, wamid: &str, envelope_id: EnvelopeId) {
        let Some(seq) = self.seq_of(wamid) else {
            return;
        };
        let Some(m) = self.slot(seq) else {
            return;
        };
        let (pnid, old) = (m.phone_number_id.clone(), m.envelope_id);
        if old != 0 {
            let stale = self.fingerprint(Index::Envelope(&pnid, old));
            self.index.remove(stale);
        }
        let key = self.fingerprint(Index::Envelope(&pnid, envelope_id));
        self.index.insert(key, seq);
        if let Some(m) = self.slot_mut(seq) {
            m.envelope_id = envelope_id;
        }
    }

    /// The sequence number of a stored message.
    pub(crate) fn seq_of(&self, wamid: &str) -> Option<u64> {
        self.find(Index::Wamid(wamid))
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
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &StoredMessage> + ExactSizeIterator {
        self.slots.iter().map(|m| &**m)
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
            let mut keys = Vec::new();
            if !self.key_is_positional(seq, &m.wamid_key) {
                keys.push(self.fingerprint(Index::Wamid(&m.wamid())));
            }
            if m.direction == Direction::Outbound && m.envelope_id != 0 {
                keys.push(self.fingerprint(Index::Envelope(&m.phone_number_id, m.envelope_id)));
            }
            if let Some(id) = m.client_message_id() {
                keys.push(self.fingerprint(Index::ClientId(&m.phone_number_id, &m.consumer, id)));
            }
            for key in keys {
                if self.index.get(key) == Some(seq) {
                    self.index.remove(key);
                }
            }
            let number = self.fingerprint(Index::Number(&m.phone_number_id, &m.consumer));
            if let Some(n) = self.number_refs.get_mut(number) {
                *n -= 1;
                if *n == 0 {
                    self.number_refs.remove(number);
                    forgotten.push((m.phone_number_id.to_string(), m.consumer.clone()));
                }
            }
            purged.push(*m);
        }
        (purged, forgotten)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// A message whose wamid key is drawn from seed `n`; returns it and
    /// its wamid.
    fn msg(n: u64, consumer: &str, expires: u64) -> (StoredMessage, String) {
        use rand_core::SeedableRng;
        let key = WamidKey::new(&mut rand_chacha::ChaCha20Rng::seed_from_u64(n));
        let consumer = PhoneNumber::parse(consumer).unwrap();
        let client_id = format!("c-{n}");
        let m = StoredMessage::new(NewMessage {
            wamid_key: key,
            direction: Direction::Inbound,
            phone_number_id: "1".into(),
            consumer: consumer.clone(),
            text: "t",
            stored_at_ms: 0,
            expires_at_ms: expires,
            envelope_id: expires,
            client_message_id: Some(&client_id),
            delivered: true,
            pending: None,
        })
        .unwrap();
        (m, key.wamid(&consumer))
    }

    #[test]
    fn a_positional_wamid_is_found_without_an_index_entry() {
        let mut s = MessageStore::new([7; 32]);
        let alice = PhoneNumber::parse("15550000001").unwrap();
        let bob = PhoneNumber::parse("15550000002").unwrap();
        let mut wamids = Vec::new();
        for expires in [10, 20] {
            let key = s.next_wamid_key();
            let m = StoredMessage::new(NewMessage {
                wamid_key: key,
                direction: Direction::Outbound,
                phone_number_id: "1".into(),
                consumer: alice.clone(),
                text: "t",
                stored_at_ms: 0,
                expires_at_ms: expires,
                envelope_id: 0,
                client_message_id: None,
                delivered: false,
                pending: None,
            })
            .unwrap();
            s.insert(m);
            wamids.push((key, key.wamid(&alice)));
        }
        assert_ne!(wamids[0].0, wamids[1].0);
        assert!(s.index.is_empty(), "neither wamid needed an index entry");
        for (_, w) in &wamids {
            assert_eq!(s.get(w).map(StoredMessage::wamid).as_ref(), Some(w));
        }
        assert!(
            s.get(&wamids[0].0.wamid(&bob)).is_none(),
            "its key with another number"
        );
        s.purge(10);
        assert!(s.get(&wamids[0].1).is_none());
        assert_eq!(
            s.get(&wamids[1].1).map(StoredMessage::wamid).as_ref(),
            Some(&wamids[1].1)
        );
        assert!(MessageStore::new([8; 32]).get(&wamids[1].1).is_none());
    }

    #[test]
    fn a_message_keeps_its_text_client_id_and_wamid_apart() {
        let (m, wamid) = msg(1, "15550000001", 10);
        assert_eq!(m.text(), "t");
        assert_eq!(m.client_message_id(), Some("c-1"));
        assert_eq!(m.wamid(), wamid);
        assert!(m.has_wamid(&wamid) && !m.has_wamid("wamid.x"));
        let (other, _) = msg(2, "15550000001", 10);
        assert_ne!(other.wamid(), wamid);
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
        let mut s = MessageStore::new([7; 32]);
        let (a, wa) = msg(1, "15550000001", 10);
        let (c, _) = msg(3, "15550000002", 10);
        let (b, wb) = msg(2, "15550000001", 20);
        s.insert(a);
        s.insert(c);
        s.insert(b);
        let alice = PhoneNumber::parse("15550000001").unwrap();
        assert_eq!(s.wamid_for_client_id("1", &alice, "c-1"), Some(wa.clone()));
        assert_eq!(s.get(&wb).unwrap().wamid(), wb);
        assert!(s.get("wamid.z").is_none());
        assert_eq!(s.overdue(10), 2);
        let (p, f) = s.purge(9);
        assert!(p.is_empty() && f.is_empty());
        let (p, f) = s.purge(10);
        assert_eq!(p.len(), 2);
        assert_eq!(
            f,
            vec![("1".to_owned(), PhoneNumber::parse("15550000002").unwrap())]
        );
        assert_eq!(s.wamid_for_client_id("1", &alice, "c-1"), None);
        assert!(s.get(&wa).is_none());
        assert!(s.holds_number("1", &alice));
        assert_eq!(
            s.get(&wb).unwrap().wamid(),
            wb,
            "sequence numbers survive the purge"
        );
        let (p, f) = s.purge(u64::MAX);
        assert_eq!(p.len(), 1);
        assert_eq!(f.len(), 1);
        assert!(s.is_empty());
    }

    #[test]
    fn an_outbound_message_is_found_by_its_envelope_and_only_by_its_own() {
        let mut s = MessageStore::new([7; 32]);
        let (mut m, w) = msg(1, "15550000001", 10);
        m.direction = Direction::Outbound;
        m.has_client_id = false;
        s.insert(m);
        s.set_envelope(&w, 4);
        assert_eq!(s.wamid_for_envelope("1", 4), Some(w.clone()));
        assert_eq!(
            s.wamid_for_envelope("2", 4),
            None,
            "another number's envelope 4"
        );
        s.set_envelope(&w, 5);
        assert_eq!(s.wamid_for_envelope("1", 4), None);
        assert_eq!(s.wamid_for_envelope("1", 5), Some(w));
    }
}
