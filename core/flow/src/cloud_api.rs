//! The Cloud API, operated by Meta on the business's behalf: it holds each
//! business number's Signal identity and prekeys, decrypts inbound messages,
//! keeps them at most 30 days for retransmission, forwards them to the
//! business's webhook, and encrypts the business's replies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;
use crate::retention::{MessageStore, RetentionPolicy};
use crate::webhook::{BusinessIds, WebhookConfig};
use cipherflow_protocol::{Account, Session, SessionRecord};

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

/// One business phone number hosted on the Cloud API.
#[derive(Debug, Clone)]
pub struct BusinessNumber {
    /// Its ids.
    pub ids: BusinessIds,
    /// The business's name.
    pub name: String,
    /// The bearer token the Cloud API accepts for it.
    pub access_token: String,
    /// Where its webhooks go.
    pub webhook: WebhookConfig,
    pub(crate) account: Account,
    pub(crate) sessions: BTreeMap<PhoneNumber, SessionRecord>,
    pub(crate) session_epoch: BTreeMap<PhoneNumber, u64>,
    /// Profile names of consumers it currently holds messages of.
    pub(crate) contacts: BTreeMap<PhoneNumber, String>,
    /// Counts.
    pub statistics: Statistics,
}

impl BusinessNumber {
    /// The session with a consumer, for inspectors.
    pub fn session(&self, consumer: &PhoneNumber) -> Option<&Session> {
        self.sessions.get(consumer).and_then(SessionRecord::current)
    }

    /// Consumer numbers the Cloud API holds for this business right now.
    pub fn consumer_numbers(&self) -> Vec<PhoneNumber> {
        self.contacts.keys().cloned().collect()
    }

    /// The identity key.
    pub fn identity_key(&self) -> cipherflow_protocol::keys::PublicKey {
        self.account.identity_key()
    }
}

/// The Cloud API.
#[derive(Debug, Clone, Default)]
pub struct CloudApi {
    pub(crate) numbers: BTreeMap<String, BusinessNumber>,
    pub(crate) by_phone: BTreeMap<PhoneNumber, String>,
    /// The temporary message store.
    pub store: MessageStore,
    /// Its retention.
    pub retention: RetentionPolicy,
}

impl CloudApi {
    /// A hosted number by phone number id.
    pub fn number(&self, phone_number_id: &str) -> Option<&BusinessNumber> {
        self.numbers.get(phone_number_id)
    }

    /// Every hosted number.
    pub fn numbers(&self) -> impl Iterator<Item = &BusinessNumber> {
        self.numbers.values()
    }

    pub(crate) fn id_for_phone(&self, phone: &PhoneNumber) -> Option<String> {
        self.by_phone.get(phone).cloned()
    }
}
