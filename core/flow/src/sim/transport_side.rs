//! The transport's part of the simulation: accepting envelopes (integrity,
//! metadata, faults) and delivering them, or queueing them for offline devices.

use crate::envelope::{Payload, TransportEnvelope};
use crate::faults::Fault;
use crate::integrity::IntegrityAction;
use crate::ledger::{DataCategory, Observer, System};
use crate::sim::{Action, LATENCY_MS, REORDER_DELAY_MS, Simulation};
use crate::trace::EventKind;

/// What the transport did with a submitted envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Submitted {
    /// Accepted (delivered, queued or lost on the way: the sender cannot tell).
    Accepted,
    /// Refused: the sending business is under this integrity action.
    Refused(IntegrityAction),
}

impl Simulation {
    /// A party hands an envelope to the transport.
    pub(crate) fn submit(
        &mut self,
        envelope: TransportEnvelope,
        retransmission: bool,
    ) -> Submitted {
        let from_business = self.cloud.by_phone.contains_key(&envelope.from);
        if from_business && matches!(envelope.payload, Payload::Signal { .. }) {
            let action = if retransmission {
                self.transport.integrity.action(&envelope.from)
            } else {
                let registered = self.transport.registered();
                let (action, changed) = self.transport.integrity.on_business_send(
                    &envelope.from,
                    &envelope.to,
                    self.now_ms,
                    registered,
                );
                self.observe(
                    Observer::WhatsAppIntegrity,
                    DataCategory::IntegritySignals,
                    System::WhatsAppClient,
                );
                if changed {
                    self.integrity_changed(&envelope.from.clone(), action);
                }
                action
            };
            if action >= IntegrityAction::Throttled {
                self.event(EventKind::TransportRefused {
                    envelope_id: envelope.id,
                    business: envelope.from.clone(),
                    action,
                });
                return Submitted::Refused(action);
            }
        }

        // Everything the transport sees: numbers, time, size, and ciphertext.
        self.observe(
            Observer::WhatsAppTransport,
            DataCategory::ConsumerPhoneNumber,
            System::CloudApi,
        );
        self.observe(
            Observer::WhatsAppTransport,
            DataCategory::NonIdentifiableStatistics,
            System::CloudApi,
        );
        if let Payload::Signal { bytes } = &envelope.payload {
            self.observe(
                Observer::WhatsAppTransport,
                DataCategory::EncryptedContent,
                System::CloudApi,
            );
            self.proof.transport_held(bytes);
        }
        self.transport.remember(&envelope, self.now_ms);
        self.event(EventKind::TransportAccepted {
            size: envelope.size(),
            envelope: envelope.clone(),
            retransmission,
        });

        let recipient_offline = self.consumers.get(&envelope.to).is_some_and(|c| !c.online);
        if recipient_offline {
            self.event(EventKind::TransportQueued {
                envelope_id: envelope.id,
                to: envelope.to.clone(),
            });
            self.transport.enqueue(envelope);
        } else {
            self.route(envelope);
        }
        Submitted::Accepted
    }

    /// Schedules the deliveries of one envelope, injecting faults.
    pub(crate) fn route(&mut self, envelope: TransportEnvelope) {
        let faults = self.config.faults;
        if faults.replay > 0.0 && self.chance() < faults.replay && !self.transport.recent.is_empty()
        {
            let pick =
                (self.rng_index(self.transport.recent.len())).min(self.transport.recent.len() - 1);
            if let Some(old) = self.transport.recent.get(pick).cloned() {
                self.event(EventKind::TransportFault {
                    envelope_id: old.id,
                    fault: Fault::Replay,
                });
                let delay = self.jitter(LATENCY_MS);
                self.schedule(
                    delay,
                    Action::Deliver {
                        envelope: old,
                        tampered: false,
                    },
                );
            }
        }
        if faults.drop > 0.0 && self.chance() < faults.drop {
            self.event(EventKind::TransportFault {
                envelope_id: envelope.id,
                fault: Fault::Drop,
            });
            return;
        }
        let copies = if faults.duplicate > 0.0 && self.chance() < faults.duplicate {
            self.event(EventKind::TransportFault {
                envelope_id: envelope.id,
                fault: Fault::Duplicate,
            });
            2
        } else {
            1
        };
        for _ in 0..copies {
            let mut delay = self.jitter(LATENCY_MS);
            if faults.reorder > 0.0 && self.chance() < faults.reorder {
                self.event(EventKind::TransportFault {
                    envelope_id: envelope.id,
                    fault: Fault::Reorder,
                });
                delay += self.jitter(REORDER_DELAY_MS);
            }
            let mut copy = envelope.clone();
            let mut tampered = false;
            if faults.tamper > 0.0
                && self.chance() < faults.tamper
                && let Payload::Signal { bytes } = &mut copy.payload
            {
                let bit = self.rng_index(bytes.len() * 8);
                if let Some(b) = bytes.get_mut(bit / 8) {
                    *b ^= 1 << (bit % 8);
                    tampered = true;
                    self.event(EventKind::TransportFault {
                        envelope_id: envelope.id,
                        fault: Fault::Tamper,
                    });
                }
            }
            self.schedule(
                delay,
                Action::Deliver {
                    envelope: copy,
                    tampered,
                },
            );
        }
    }

    fn rng_index(&mut self, len: usize) -> usize {
        use rand_core::Rng;
        (self.rng.next_u64() % (len.max(1) as u64)) as usize
    }

    /// A scheduled delivery arrives.
    pub(crate) fn deliver(&mut self, envelope: TransportEnvelope, tampered: bool) {
        if self.consumers.get(&envelope.to).is_some_and(|c| !c.online) {
            self.event(EventKind::TransportQueued {
                envelope_id: envelope.id,
                to: envelope.to.clone(),
            });
            self.transport.enqueue(envelope);
            return;
        }
        self.event(EventKind::TransportDelivered {
            envelope_id: envelope.id,
            to: envelope.to.clone(),
            tampered,
        });
        if let Some(pnid) = self.cloud.id_for_phone(&envelope.to) {
            self.cloud_receive(&pnid, envelope, tampered);
        } else if self.consumers.contains_key(&envelope.to) {
            self.consumer_receive(envelope, tampered);
        }
    }

    /// Flushes an offline device's queue when it comes back.
    pub(crate) fn flush_queue(&mut self, number: &crate::phone::PhoneNumber) {
        let queued = self.transport.queues.remove(number).unwrap_or_default();
        for envelope in queued {
            self.route(envelope);
        }
    }

    pub(crate) fn integrity_changed(
        &mut self,
        business: &crate::phone::PhoneNumber,
        action: IntegrityAction,
    ) {
        let reason = self
            .transport
            .integrity
            .signals()
            .get(business)
            .and_then(|s| s.reason.clone())
            .unwrap_or_default();
        self.event(EventKind::IntegrityActionTaken {
            business: business.clone(),
            action,
            reason,
        });
    }
}
