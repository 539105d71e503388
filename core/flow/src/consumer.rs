//! The consumer's WhatsApp client: a phone number, a Signal identity, sessions
//! with businesses, chats with ticks, and an outbox it retransmits from until the
//! recipient's device acknowledges.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::envelope::{AppMessage, EnvelopeId, TransportEnvelope};
use crate::phone::PhoneNumber;
use cipherflow_protocol::keys::PublicKey;
use cipherflow_protocol::safety_number::SafetyNumber;
use cipherflow_protocol::{Account, Session, SessionRecord};

/// Ticks on a sent message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ticks {
    /// Not yet accepted by the server (clock icon).
    Pending,
    /// One grey tick: the server has it.
    Sent,
    /// Two grey ticks: the recipient's device has it.
    Delivered,
    /// Two blue ticks: read.
    Read,
}

/// A chat bubble.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// The message id (the client's own id, or the business's wamid).
    pub id: String,
    /// The envelope that carried it.
    pub envelope_id: EnvelopeId,
    /// Sent by this consumer?
    pub outgoing: bool,
    /// The text.
    pub text: String,
    /// When (virtual ms).
    pub at_ms: u64,
    /// Ticks (outgoing messages).
    pub ticks: Ticks,
    /// Whether the consumer has read it (incoming messages).
    pub read: bool,
    /// A reaction the other side put on it.
    pub reaction: Option<String>,
}

/// An envelope waiting for the recipient's delivery receipt.
#[derive(Debug, Clone)]
pub(crate) struct OutboxEntry {
    pub(crate) envelope: TransportEnvelope,
    pub(crate) message: AppMessage,
    pub(crate) attempts: u32,
    /// Which session generation encrypted it (see `Consumer::session_epoch`).
    pub(crate) epoch: u64,
}

/// The identity key the client knows for a business, and the one before it if
/// it changed (the client then warns that the safety number changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PeerIdentity {
    /// The current identity key.
    pub identity_key: PublicKey,
    /// The previous identity key, once it has changed.
    pub previous: Option<PublicKey>,
}

/// One consumer's device.
#[derive(Debug, Clone)]
pub struct Consumer {
    /// Number.
    pub number: PhoneNumber,
    /// Profile name, as businesses see it in webhooks.
    pub name: String,
    pub(crate) account: Account,
    pub(crate) sessions: BTreeMap<PhoneNumber, SessionRecord>,
    pub(crate) session_epoch: BTreeMap<PhoneNumber, u64>,
    /// Online?
    pub online: bool,
    /// Chats by business number.
    pub chats: BTreeMap<PhoneNumber, Vec<ChatMessage>>,
    pub(crate) outbox: BTreeMap<EnvelopeId, OutboxEntry>,
    /// Identity keys by business number.
    pub peer_identities: BTreeMap<PhoneNumber, PeerIdentity>,
    pub(crate) next_message: u64,
}

impl Consumer {
    pub(crate) fn new(number: PhoneNumber, name: String, account: Account) -> Self {
        Self {
            number,
            name,
            account,
            sessions: BTreeMap::new(),
            session_epoch: BTreeMap::new(),
            online: true,
            chats: BTreeMap::new(),
            outbox: BTreeMap::new(),
            peer_identities: BTreeMap::new(),
            next_message: 1,
        }
    }

    /// The chat bubble for `id` with `business`.
    pub(crate) fn bubble_mut(
        &mut self,
        business: &PhoneNumber,
        id: &str,
    ) -> Option<&mut ChatMessage> {
        self.chats
            .get_mut(business)?
            .iter_mut()
            .find(|m| m.id == id)
    }

    /// The bubble an envelope carried.
    pub(crate) fn bubble_for_envelope(&mut self, id: EnvelopeId) -> Option<&mut ChatMessage> {
        self.chats
            .values_mut()
            .flat_map(|c| c.iter_mut())
            .find(|m| m.outgoing && m.envelope_id == id)
    }

    /// The safety number with a business (5,200 SHA-512 iterations per side, so
    /// computed on demand, not on every session).
    pub fn safety_number(&self, business: &PhoneNumber) -> Option<SafetyNumber> {
        self.safety_number_with(business, |p| p.identity_key)
    }

    /// The safety number before the business's identity changed, if it did.
    pub fn previous_safety_number(&self, business: &PhoneNumber) -> Option<SafetyNumber> {
        let previous = self.peer_identities.get(business)?.previous?;
        self.safety_number_with(business, |_| previous)
    }

    fn safety_number_with(
        &self,
        business: &PhoneNumber,
        key: impl Fn(&PeerIdentity) -> PublicKey,
    ) -> Option<SafetyNumber> {
        let peer = self.peer_identities.get(business)?;
        Some(SafetyNumber::new(
            self.number.wa_id().as_bytes(),
            &self.account.identity_key().encode(),
            business.wa_id().as_bytes(),
            &key(peer).encode(),
        ))
    }

    /// How many envelopes still await a delivery receipt.
    pub fn unacknowledged(&self) -> usize {
        self.outbox.len()
    }

    /// The session with a business, for inspectors.
    pub fn session(&self, business: &PhoneNumber) -> Option<&Session> {
        self.sessions.get(business).and_then(SessionRecord::current)
    }

    /// The consumer's identity key.
    pub fn identity_key(&self) -> cipherflow_protocol::keys::PublicKey {
        self.account.identity_key()
    }
}
