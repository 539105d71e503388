//! One business number hosted on the Cloud API: its ids and credentials, its
//! webhook, its Signal account, and what it holds about each consumer.

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
    /// Wamids of outbound messages to this consumer not yet delivered.
    pub(crate) pending: PendingWamids,
    /// When the consumer last wrote: the customer service window is open for
    /// 24 hours from then.
    pub(crate) last_message_ms: Option<u64>,
    /// The pair rate limit's theoretical arrival time (see `limits.rs`).
    pub(crate) pair_due_ms: u64,
}

/// Wamids of outbound messages not yet delivered: none most of the time and
/// a handful at most (messages are delivered within seconds), so an optional
/// box: 8 bytes in each of ~100,000 contacts at 1M messages, where an empty
/// `Vec` takes 24.
#[derive(Debug, Clone, Default)]
#[allow(clippy::box_collection)]
pub(crate) struct PendingWamids(Option<Box<Vec<String>>>);

impl PendingWamids {
    /// Adds a wamid.
    pub(crate) fn push(&mut self, wamid: String) {
        self.0.get_or_insert_default().push(wamid);
    }

    /// Removes a wamid (no longer pending); frees the list once empty.
    pub(crate) fn remove(&mut self, wamid: &str) {
        if let Some(list) = &mut self.0 {
            list.retain(|w| w != wamid);
            if list.is_empty() {
                self.0 = None;
            }
        }
    }

    /// The wamids, oldest first.
    pub(crate) fn as_slice(&self) -> &[String] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
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
    /// Boxed: a contact is about 700 bytes, and the map's vector keeps
    /// spare slots as it grows; a spare slot then costs a pointer.
    pub(crate) contacts: crate::maps::SortedMap<PhoneNumber, Box<Contact>>,
    pub(crate) next_envelope: EnvelopeId,
    /// Counts.
    pub statistics: Statistics,
    /// Sends in the current second: (second, count), for the throughput limit.
    pub(crate) throughput: (u64, u32),
}

impl HostedNumber {
    /// The current session with a consumer, for inspectors.
    pub fn session(&self, consumer: &PhoneNumber) -> Option<&Session> {
        self.contacts.get(consumer)?.peer.record.current()
    }

    /// The customer service windows: each consumer who wrote, and when the
    /// window closes (closed), in ms.
    pub fn windows(&self) -> Vec<(PhoneNumber, u64)> {
        self.contacts
            .iter()
            .filter_map(|(c, contact)| {
                let at = contact.last_message_ms?;
                Some((
                    c.clone(),
                    at.saturating_add(crate::cloud_api::window::CUSTOMER_SERVICE_WINDOW_MS),
                ))
            })
            .collect()
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

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::PendingWamids;

    #[test]
    fn pending_wamids_keep_their_order_and_free_themselves_when_empty() {
        let mut p = PendingWamids::default();
        for w in ["a", "b", "c"] {
            p.push(w.to_owned());
        }
        p.remove("b");
        p.remove("z");
        assert_eq!(p.as_slice(), ["a", "c"]);
        p.remove("a");
        p.remove("c");
        assert!(p.as_slice().is_empty());
        assert!(p.0.is_none(), "no allocation left behind");
    }
}
