//! One business number hosted on the Cloud API: its ids and credentials, its
//! webhook, its Signal account, and what it holds about each consumer.

use std::collections::BTreeMap;

use cipherflow_protocol::keys::PublicKey;
use cipherflow_protocol::{Account, Session};
use serde::{Deserialize, Serialize};

use crate::cloud_api::webhook::{BusinessIds, WebhookConfig};
use crate::device::peer::PeerSessions;
use crate::phone::PhoneNumber;
use crate::wire::EnvelopeId;

/// Running counts the Cloud API shares: they identify no one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    /// Inbound messages decrypted.
    pub inbound: u64,
    /// Outbound messages accepted.
    pub outbound: u64,
    /// Webhooks posted.
    pub webhooks: u64,
}

/// What a hosted number holds about one consumer, while any stored message
/// refers to them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Contact {
    /// The profile name the consumer's client sent.
    pub(crate) profile_name: crate::short_str::ShortStr,
    /// The Signal sessions with the consumer's phone.
    pub(crate) peer: PeerSessions,
    /// Wamids of outbound messages to this consumer not yet delivered
    /// (a handful at most: messages are delivered within seconds).
    pub(crate) pending: Vec<String>,
}

/// One business phone number hosted on the Cloud API.
#[derive(Debug, Clone)]
pub struct HostedNumber {
    /// Its ids.
    pub ids: BusinessIds,
    /// The business's name.
    pub name: String,
    /// The bearer token the Cloud API accepts for it.
    pub access_token: String,
    /// Where its webhooks go.
    pub webhook: WebhookConfig,
    /// Whether the webhook passed the verification handshake.
    pub webhook_verified: bool,
    pub(crate) account: Account,
    /// Boxed: a contact is about 700 bytes, and a B-tree leaf holds eleven
    /// slots of which a third are empty on average; an empty slot then costs
    /// a pointer.
    pub(crate) contacts: BTreeMap<PhoneNumber, Box<Contact>>,
    pub(crate) next_envelope: EnvelopeId,
    /// Counts.
    pub statistics: Statistics,
}

impl HostedNumber {
    /// The current session with a consumer, for inspectors.
    pub fn session(&self, consumer: &PhoneNumber) -> Option<&Session> {
        self.contacts.get(consumer)?.peer.record.current()
    }

    /// Consumer numbers the Cloud API holds for this business right now.
    pub fn consumer_numbers(&self) -> Vec<PhoneNumber> {
        self.contacts.keys().cloned().collect()
    }

    /// The profile name held for a consumer.
    pub fn profile_name(&self, consumer: &PhoneNumber) -> Option<&str> {
        self.contacts.get(consumer).map(|c| c.profile_name.as_str())
    }

    /// The number's identity key.
    pub fn identity_key(&self) -> PublicKey {
        self.account.identity_key()
    }

    /// Sessions with consumers, by consumer number.
    pub fn sessions(&self) -> impl Iterator<Item = (&PhoneNumber, &Session)> {
        self.contacts
            .iter()
            .filter_map(|(n, c)| Some((n, c.peer.record.current()?)))
    }

    pub(crate) fn new_envelope_id(&mut self) -> EnvelopeId {
        let id = self.next_envelope;
        self.next_envelope += 1;
        id
    }
}
