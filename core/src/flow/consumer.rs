//! The consumer's WhatsApp client: a phone number, a Signal identity, sessions
//! with businesses, chats with ticks, and an outbox it retransmits from until the
//! recipient's device acknowledges.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::flow::envelope::{AppMessage, EnvelopeId, TransportEnvelope};
use crate::flow::phone::PhoneNumber;
use crate::protocol::{Account, Session, SessionRecord};

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

/// The safety number the client shows for a business, and whether it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyNumberView {
    /// The 60 digits.
    pub digits: String,
    /// The previous one, when it changed.
    pub previous: Option<String>,
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
    /// Safety numbers by business number.
    pub safety_numbers: BTreeMap<PhoneNumber, SafetyNumberView>,
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
            safety_numbers: BTreeMap::new(),
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

    /// How many envelopes still await a delivery receipt.
    pub fn unacknowledged(&self) -> usize {
        self.outbox.len()
    }

    /// The session with a business, for inspectors.
    pub fn session(&self, business: &PhoneNumber) -> Option<&Session> {
        self.sessions.get(business).and_then(SessionRecord::current)
    }

    /// The consumer's identity key.
    pub fn identity_key(&self) -> crate::keys::PublicKey {
        self.account.identity_key()
    }
}
