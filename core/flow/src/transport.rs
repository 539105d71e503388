//! The WhatsApp transport server: the prekey directory, routing by phone number,
//! store-and-forward queues for offline devices, and a metadata log. It only
//! ever holds ciphertext; what it can see of each envelope is in
//! [`EnvelopeMetadata`].

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::envelope::{EnvelopeId, Payload, TransportEnvelope};
use crate::integrity::IntegrityMonitor;
use crate::phone::PhoneNumber;
use cipherflow_protocol::keys::{PreKeyId, PublicKey};
use cipherflow_protocol::{Account, PreKeyBundle};

/// How many recent envelopes the transport remembers (the replay fault re-sends
/// one of them). Bounded so memory does not grow with traffic.
pub const REPLAY_MEMORY: usize = 64;
/// How many metadata rows the log keeps for display.
pub const METADATA_LOG: usize = 10_000;

/// What the transport sees of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeMetadata {
    /// Envelope id.
    pub id: EnvelopeId,
    /// Sender number.
    pub from: PhoneNumber,
    /// Recipient number.
    pub to: PhoneNumber,
    /// When it was accepted.
    pub at_ms: u64,
    /// Size in bytes.
    pub size: usize,
    /// `signal`, `receipt` or `retry_request`.
    pub kind: String,
}

/// A device's published keys.
#[derive(Debug, Clone)]
pub(crate) struct DirectoryEntry {
    pub(crate) bundle: PreKeyBundle,
    pub(crate) one_time: VecDeque<(PreKeyId, PublicKey)>,
}

/// The transport.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    pub(crate) directory: BTreeMap<PhoneNumber, DirectoryEntry>,
    /// Queues for offline devices.
    pub queues: BTreeMap<PhoneNumber, Vec<TransportEnvelope>>,
    pub(crate) recent: VecDeque<TransportEnvelope>,
    /// The most recent metadata rows, oldest first.
    pub log: VecDeque<EnvelopeMetadata>,
    /// Integrity monitoring.
    pub integrity: IntegrityMonitor,
}

impl Transport {
    /// Publishes (or replaces) a device's keys: its bundle without a one-time
    /// prekey, plus the one-time prekeys to hand out one per fetch.
    pub(crate) fn publish(&mut self, number: &PhoneNumber, account: &Account) {
        if let Ok(bundle) = account.bundle(None) {
            self.directory.insert(
                number.clone(),
                DirectoryEntry {
                    bundle,
                    one_time: account.one_time_prekeys().into_iter().collect(),
                },
            );
        }
    }

    /// Appends freshly generated one-time prekeys to a device's directory entry.
    pub(crate) fn publish_more(&mut self, number: &PhoneNumber, keys: Vec<(PreKeyId, PublicKey)>) {
        if let Some(entry) = self.directory.get_mut(number) {
            entry.one_time.extend(keys);
        }
    }

    /// A bundle for `number`, with a one-time prekey while any are left (each is
    /// handed out once).
    pub(crate) fn fetch_bundle(&mut self, number: &PhoneNumber) -> Option<PreKeyBundle> {
        let entry = self.directory.get_mut(number)?;
        let mut bundle = entry.bundle.clone();
        bundle.one_time_prekey = entry.one_time.pop_front();
        Some(bundle)
    }

    /// One-time prekeys left for `number`.
    pub fn one_time_prekeys_left(&self, number: &PhoneNumber) -> usize {
        self.directory.get(number).map_or(0, |e| e.one_time.len())
    }

    /// Registered users (directory size).
    pub fn registered(&self) -> usize {
        self.directory.len()
    }

    /// Whether `number` is registered.
    pub fn is_registered(&self, number: &PhoneNumber) -> bool {
        self.directory.contains_key(number)
    }

    pub(crate) fn remember(&mut self, envelope: &TransportEnvelope, at_ms: u64) {
        if matches!(envelope.payload, Payload::Signal { .. }) {
            self.recent.push_back(envelope.clone());
            while self.recent.len() > REPLAY_MEMORY {
                self.recent.pop_front();
            }
        }
        self.log.push_back(EnvelopeMetadata {
            id: envelope.id,
            from: envelope.from.clone(),
            to: envelope.to.clone(),
            at_ms,
            size: envelope.size(),
            kind: match envelope.payload {
                Payload::Signal { .. } => "signal",
                Payload::Receipt { .. } => "receipt",
                Payload::RetryRequest { .. } => "retry_request",
            }
            .to_owned(),
        });
        while self.log.len() > METADATA_LOG {
            self.log.pop_front();
        }
    }

    /// Drops queued envelopes first sent at or before `oldest_ms`: the transport
    /// stores and forwards for as long as the Cloud API retains (30 days by
    /// default), not longer.
    pub(crate) fn expire_queued(&mut self, oldest_ms: u64) {
        for queue in self.queues.values_mut() {
            queue.retain(|e| e.sent_at_ms > oldest_ms);
        }
        self.queues.retain(|_, q| !q.is_empty());
    }

    pub(crate) fn enqueue(&mut self, envelope: TransportEnvelope) {
        let queue = self.queues.entry(envelope.to.clone()).or_default();
        // A retransmission replaces its queued copy: the queue holds each envelope once.
        match queue.iter_mut().find(|e| e.id == envelope.id) {
            Some(slot) => *slot = envelope,
            None => queue.push(envelope),
        }
    }
}
