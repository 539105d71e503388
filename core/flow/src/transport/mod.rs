//! The WhatsApp transport server: the prekey directory, routing by phone
//! number, store-and-forward queues for offline devices, a metadata log and
//! the integrity monitor. It only ever holds ciphertext: what it sees of each
//! envelope is in [`EnvelopeMetadata`], and the ciphertext-only proof checks
//! every byte it held.
//!
//! Devices reach it over their connections ([`ToTransport`] in,
//! [`FromTransport`] out). It knows a device only by number: whether a
//! business number's device is the Cloud API, it cannot tell. It is also
//! WhatsApp's only party here, so what Meta's systems share with "WhatsApp"
//! ([`Internal`] statistics, business information, billing) is delivered to
//! it, and kept as given.

pub mod directory;
pub mod integrity;
pub mod log;
pub mod queues;

use rand_core::CryptoRng;

use crate::breach::{Breach, Breaches};
use crate::business_manager::BusinessRecord;
use crate::party::{Outbox, Party, unexpected};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::{
    Address, FromTransport, Internal, Message, Payload, StatisticsReport, ToTransport,
    TransportEnvelope,
};
use directory::Directory;
use integrity::{IntegrityAction, IntegrityMonitor, IntegrityPolicy};
use log::MetadataLog;
pub use log::{EnvelopeMetadata, METADATA_LOG};
use queues::Queues;

/// When a bundle fetch leaves fewer one-time prekeys than this, the transport
/// tells the number's device, which publishes more.
pub const PREKEY_LOW_WATER: usize = 10;

/// Sets `key`'s value in a short list of pairs.
pub(crate) fn upsert(list: &mut Vec<(String, u64)>, key: String, value: u64) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some((_, v)) => *v = value,
        None => list.push((key, value)),
    }
}

/// What Meta's other systems gave WhatsApp, as given.
#[derive(Debug, Clone, Default)]
pub struct SharedWithWhatsApp {
    /// The Cloud API's latest statistics.
    pub statistics: Option<StatisticsReport>,
    /// Business records from Business Manager, by phone number id.
    pub businesses: crate::maps::SortedMap<String, BusinessRecord>,
    /// Messages billed, by phone number id.
    pub billing: Vec<(String, u64)>,
    /// Plaintext copies received (only ever under a breach).
    pub plaintext_copies: u64,
}

/// The transport.
#[derive(Debug, Clone)]
pub struct Transport {
    directory: Directory,
    connected: crate::maps::SortedSet<PhoneNumber>,
    queues: Queues,
    log: MetadataLog,
    integrity: IntegrityMonitor,
    shared: SharedWithWhatsApp,
    queue_retention_ms: u64,
    breaches: Breaches,
    out: Outbox,
}

impl Transport {
    /// A transport that stores envelopes for offline devices up to
    /// `queue_retention_ms`, with the given integrity thresholds.
    pub fn new(queue_retention_ms: u64, integrity: IntegrityPolicy) -> Self {
        Self {
            directory: Directory::default(),
            connected: Default::default(),
            queues: Queues::default(),
            log: MetadataLog::default(),
            integrity: IntegrityMonitor::new(integrity),
            shared: SharedWithWhatsApp::default(),
            queue_retention_ms,
            breaches: Breaches::default(),
            out: Outbox::default(),
        }
    }

    /// The prekey directory.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Registered users (directory size).
    pub fn registered(&self) -> usize {
        self.directory.len()
    }

    /// Whether `number` is registered.
    pub fn is_registered(&self, number: &PhoneNumber) -> bool {
        self.directory.contains(number)
    }

    /// Whether `number`'s device is connected.
    pub fn is_connected(&self, number: &PhoneNumber) -> bool {
        self.connected.contains(number)
    }

    /// Queues for offline devices.
    pub fn queues(&self) -> &Queues {
        &self.queues
    }

    /// The metadata log.
    pub fn log(&self) -> &MetadataLog {
        &self.log
    }

    /// The integrity monitor.
    pub fn integrity(&self) -> &IntegrityMonitor {
        &self.integrity
    }

    /// What Meta's other systems shared with WhatsApp.
    pub fn shared(&self) -> &SharedWithWhatsApp {
        &self.shared
    }

    /// Switches a breach that this party commits.
    pub fn set_breach(&mut self, breach: Breach, on: bool) {
        self.breaches.set(breach, on);
    }

    fn reply(&mut self, to: &Address, message: FromTransport) {
        self.out.send(
            Address::Transport,
            to.clone(),
            Message::FromTransport(message),
        );
    }

    fn on_submit(
        &mut self,
        now_ms: u64,
        from: &Address,
        envelope: TransportEnvelope,
        retransmission: bool,
    ) {
        if *from != Address::Number(envelope.from.clone()) {
            self.out.event(EventKind::Failure {
                by: "transport".to_owned(),
                what: format!(
                    "envelope #{} claiming to be from {}",
                    envelope.id, envelope.from
                ),
                error: format!("refused: submitted over {from}'s connection"),
                code: None,
            });
            return;
        }
        let sender = envelope.from.clone();
        if self.directory.is_business(&sender) && matches!(envelope.payload, Payload::Signal { .. })
        {
            let action = if retransmission {
                self.integrity.action(&sender)
            } else {
                let registered = self.directory.len();
                let (action, changed) =
                    self.integrity
                        .on_business_send(&sender, &envelope.to, now_ms, registered);
                if changed {
                    self.integrity_changed(&sender, action);
                }
                action
            };
            if action >= IntegrityAction::Throttled {
                self.out.event(EventKind::TransportRefused {
                    envelope_id: envelope.id,
                    business: sender,
                    action,
                });
                let reference = envelope.reference();
                self.reply(
                    from,
                    FromTransport::Refused {
                        envelope: reference,
                        action,
                    },
                );
                return;
            }
        }
        self.log.record(&envelope, now_ms, retransmission);
        self.out.event(EventKind::TransportAccepted {
            size: envelope.size(),
            envelope: envelope.clone(),
            retransmission,
        });
        self.reply(
            from,
            FromTransport::Accepted {
                envelope: envelope.reference(),
            },
        );
        self.forward(envelope);
    }

    /// Delivers to a connected recipient, or queues.
    fn forward(&mut self, envelope: TransportEnvelope) {
        if self.connected.contains(&envelope.to) {
            let to = Address::Number(envelope.to.clone());
            self.reply(&to, FromTransport::Deliver { envelope });
        } else {
            self.queue(envelope);
        }
    }

    fn queue(&mut self, envelope: TransportEnvelope) {
        self.out.event(EventKind::TransportQueued {
            from: envelope.from.clone(),
            envelope_id: envelope.id,
            to: envelope.to.clone(),
        });
        self.queues.push(envelope);
    }

    fn integrity_changed(&mut self, business: &PhoneNumber, action: IntegrityAction) {
        let signals = self
            .integrity
            .signals()
            .get(business)
            .cloned()
            .unwrap_or_default();
        self.out.event(EventKind::IntegrityActionTaken {
            business: business.clone(),
            action,
            reason: signals.reason.clone().unwrap_or_default(),
        });
        self.share_integrity(business);
    }

    /// Under [`Breach::IntegrityToRestOfMeta`], WhatsApp hands a business's
    /// signals to the rest of Meta whenever they change.
    fn share_integrity(&mut self, business: &PhoneNumber) {
        if !self.breaches.on(Breach::IntegrityToRestOfMeta) {
            return;
        }
        if let Some(signals) = self.integrity.signals().get(business).cloned() {
            self.out.send(
                Address::Transport,
                Address::RestOfMeta,
                Message::Internal(Internal::IntegritySignals {
                    business: business.clone(),
                    signals,
                }),
            );
        }
    }

    fn on_device(&mut self, now_ms: u64, from: &Address, message: ToTransport) {
        // A device speaks for its own number only.
        let owns = |number: &PhoneNumber| *from == Address::Number(number.clone());
        match message {
            ToTransport::Register {
                number,
                keys,
                account,
            } if owns(&number) => self.directory.register(number, keys, account),
            ToTransport::PublishPreKeys { number, one_time } if owns(&number) => {
                self.directory.publish_more(&number, one_time);
            }
            ToTransport::FetchBundle { requester, number } if owns(&requester) => {
                let bundle = self.directory.fetch(&number);
                let fetched = bundle.is_some();
                self.reply(
                    from,
                    FromTransport::Bundle {
                        requester,
                        number: number.clone(),
                        bundle,
                    },
                );
                let left = self.directory.one_time_prekeys_left(&number);
                if fetched && left < PREKEY_LOW_WATER {
                    let owner = Address::Number(number.clone());
                    self.reply(&owner, FromTransport::PreKeyCount { number, left });
                }
            }
            ToTransport::Connect { number } if owns(&number) => {
                self.connected.insert(number.clone());
                for envelope in self.queues.take(&number) {
                    let to = Address::Number(number.clone());
                    self.reply(&to, FromTransport::Deliver { envelope });
                }
            }
            ToTransport::Disconnect { number } if owns(&number) => {
                self.connected.remove(&number);
            }
            ToTransport::Undelivered { envelope } if owns(&envelope.to) => {
                self.connected.remove(&envelope.to);
                self.queue(envelope);
            }
            ToTransport::Submit {
                envelope,
                retransmission,
            } => self.on_submit(now_ms, from, envelope, retransmission),
            ToTransport::SpamReport { reporter, business } if owns(&reporter) => {
                self.out.event(EventKind::SpamReported {
                    consumer: reporter,
                    business: business.clone(),
                });
                let (action, changed) = self.integrity.on_spam_report(&business);
                if changed {
                    self.integrity_changed(&business, action);
                } else {
                    self.share_integrity(&business);
                }
            }
            other => {
                let event = unexpected(&Address::Transport, from, &Message::ToTransport(other));
                self.out.event(event);
            }
        }
    }

    fn on_internal(&mut self, message: Internal) {
        match message {
            Internal::Statistics(report) => self.shared.statistics = Some(report),
            Internal::BusinessInformation(record) => {
                self.shared
                    .businesses
                    .insert(record.phone_number_id.clone(), record);
            }
            Internal::Billing {
                phone_number_id,
                billed_messages,
            } => {
                upsert(&mut self.shared.billing, phone_number_id, billed_messages);
            }
            Internal::PlaintextCopy { .. } => self.shared.plaintext_copies += 1,
            other => {
                let event = unexpected(
                    &Address::Transport,
                    &Address::CloudApi,
                    &Message::Internal(other),
                );
                self.out.event(event);
            }
        }
    }
}

impl Party for Transport {
    fn handle<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        _rng: &mut R,
        from: &Address,
        to: &Address,
        message: Message,
    ) {
        match (from, message) {
            (Address::Number(_), Message::ToTransport(m)) => self.on_device(now_ms, from, m),
            (Address::CloudApi | Address::BusinessManager, Message::Internal(m)) => {
                self.on_internal(m)
            }
            (from, message) => {
                let event = unexpected(to, from, &message);
                self.out.event(event);
            }
        }
    }

    fn handle_timeout<R: CryptoRng>(&mut self, now_ms: u64, _rng: &mut R) {
        // Store-and-forward lasts as long as the retention period, not longer.
        let dropped = self
            .queues
            .expire(now_ms.saturating_sub(self.queue_retention_ms));
        if dropped > 0 {
            self.out.event(EventKind::Failure {
                by: "transport".to_owned(),
                what: "store-and-forward for offline devices".to_owned(),
                error: format!(
                    "{dropped} queued envelope(s) expired undelivered after the retention period"
                ),
                code: None,
            });
        }
    }

    fn poll_timeout(&self) -> Option<u64> {
        self.queues
            .oldest_sent_at()
            .map(|t| t.saturating_add(self.queue_retention_ms))
    }

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.out
    }
}
