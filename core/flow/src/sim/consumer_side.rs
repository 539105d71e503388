//! The consumer's client in the simulation: registering, sending, receiving,
//! receipts, retransmission and retry requests.

use crate::business::trim_history;
use crate::consumer::{ChatMessage, Consumer, OutboxEntry, PeerIdentity, Ticks};
use crate::envelope::{AppMessage, EnvelopeId, Payload, ReceiptKind, TransportEnvelope};
use crate::graph_api::MAX_TEXT_BODY_CHARS;
use crate::ledger::{DataCategory, Observer, System};
use crate::phone::PhoneNumber;
use crate::sim::inbox;
use crate::sim::{Action, CONSUMER_ONE_TIME_PREKEYS, RETRANSMIT_MS, SimError, Simulation, backoff};
use crate::trace::EventKind;
use cipherflow_protocol::{Account, Session};

impl Simulation {
    /// Registers a consumer's device: identity, prekeys, directory entry.
    pub fn add_consumer(&mut self, number: &str, name: &str) -> Result<PhoneNumber, SimError> {
        let number = PhoneNumber::parse(number)?;
        if self.transport.is_registered(&number) {
            return Err(SimError::NumberTaken(number));
        }
        let mut account = Account::new(&mut self.rng, self.now_ms);
        // Within MAX_ONE_TIME_PREKEYS by construction.
        let _ = account.generate_one_time_prekeys(&mut self.rng, CONSUMER_ONE_TIME_PREKEYS);
        self.transport.publish(&number, &account);
        self.consumers.insert(
            number.clone(),
            Consumer::new(number.clone(), name.to_owned(), account),
        );
        Ok(number)
    }

    fn consumer_mut(&mut self, number: &PhoneNumber) -> Result<&mut Consumer, SimError> {
        self.consumers
            .get_mut(number)
            .ok_or_else(|| SimError::UnknownConsumer(number.clone()))
    }

    /// The consumer writes to a business. Returns the client's message id.
    pub fn consumer_send_text(
        &mut self,
        consumer: &str,
        business: &str,
        text: &str,
    ) -> Result<String, SimError> {
        let consumer = PhoneNumber::parse(consumer)?;
        let business = PhoneNumber::parse(business)?;
        if !self.consumers.contains_key(&consumer) {
            return Err(SimError::UnknownConsumer(consumer));
        }
        if !self.transport.is_registered(&business) {
            return Err(SimError::NotRegistered(business));
        }
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_TEXT_BODY_CHARS {
            return Err(SimError::BadText {
                len: chars,
                max: MAX_TEXT_BODY_CHARS,
            });
        }
        self.ensure_consumer_session(&consumer, &business)?;
        let id = {
            let c = self.consumer_mut(&consumer)?;
            let n = c.next_message;
            c.next_message += 1;
            format!(
                "3EB0{:012X}{n:04X}",
                u64::from(consumer.wa_id().len() as u8) << 40 | n
            )
        };
        let name = self.consumers.get(&consumer).map(|c| c.name.clone());
        let message = AppMessage::Text {
            id: id.clone(),
            body: text.to_owned(),
            name,
        };
        let envelope_id = self.new_envelope_id();
        let envelope = self.consumer_encrypt(&consumer, &business, envelope_id, &message)?;
        let now = self.now_ms;
        let limit = self.config.history_limit;
        let c = self.consumer_mut(&consumer)?;
        let epoch = c.session_epoch.get(&business).copied().unwrap_or(0);
        c.outbox.insert(
            envelope_id,
            OutboxEntry {
                envelope: envelope.clone(),
                message,
                attempts: 1,
                epoch,
            },
        );
        let chat = c.chats.entry(business.clone()).or_default();
        chat.push(ChatMessage {
            id: id.clone(),
            envelope_id,
            outgoing: true,
            text: text.to_owned(),
            at_ms: now,
            ticks: Ticks::Pending,
            read: true,
            reaction: None,
        });
        trim_history(chat, limit);
        let online = c.online;
        self.stats.consumer_sent += 1;
        self.proof.plaintext_sent(text);
        self.observe(
            Observer::Consumer,
            DataCategory::MessageContent,
            System::CloudApi,
        );
        self.event(EventKind::ConsumerSent {
            consumer: consumer.clone(),
            business: business.clone(),
            message_id: id.clone(),
            text: text.to_owned(),
            envelope_id,
        });
        if online {
            self.submit(envelope, false);
            if let Some(b) = self
                .consumers
                .get_mut(&consumer)
                .and_then(|c| c.bubble_mut(&business, &id))
            {
                b.ticks = Ticks::Sent;
            }
        }
        self.schedule(
            RETRANSMIT_MS,
            Action::ConsumerRetransmit {
                consumer,
                envelope_id,
            },
        );
        Ok(id)
    }

    fn ensure_consumer_session(
        &mut self,
        consumer: &PhoneNumber,
        business: &PhoneNumber,
    ) -> Result<(), SimError> {
        if self
            .consumers
            .get(consumer)
            .is_some_and(|c| c.sessions.get(business).is_some_and(|r| !r.is_empty()))
        {
            return Ok(());
        }
        let bundle = self
            .transport
            .fetch_bundle(business)
            .ok_or_else(|| SimError::NotRegistered(business.clone()))?;
        let c = self
            .consumers
            .get_mut(consumer)
            .ok_or_else(|| SimError::UnknownConsumer(consumer.clone()))?;
        let session = Session::initiate(&mut self.rng, c.account.identity(), &bundle)?;
        self.install_consumer_session(consumer, business, session, true);
        Ok(())
    }

    pub(crate) fn install_consumer_session(
        &mut self,
        consumer: &PhoneNumber,
        business: &PhoneNumber,
        session: Session,
        initiator: bool,
    ) {
        let Some(c) = self.consumers.get_mut(consumer) else {
            return;
        };
        let identity = session.remote_identity();
        let known = c.peer_identities.get(business).copied();
        let changed = known.is_some_and(|k| k.identity_key != identity);
        let previous = if changed {
            known.map(|k| k.identity_key)
        } else {
            known.and_then(|k| k.previous)
        };
        c.peer_identities.insert(
            business.clone(),
            PeerIdentity {
                identity_key: identity,
                previous,
            },
        );
        c.sessions
            .entry(business.clone())
            .or_default()
            .promote(session);
        self.event(EventKind::SessionCreated {
            holder: consumer.clone(),
            peer: business.clone(),
            initiator,
            remote_identity: hex::encode(identity.encode()),
            identity_changed: changed,
        });
    }

    fn consumer_encrypt(
        &mut self,
        consumer: &PhoneNumber,
        business: &PhoneNumber,
        id: EnvelopeId,
        message: &AppMessage,
    ) -> Result<TransportEnvelope, SimError> {
        let now = self.now_ms;
        let c = self
            .consumers
            .get_mut(consumer)
            .ok_or_else(|| SimError::UnknownConsumer(consumer.clone()))?;
        let bytes = c
            .sessions
            .get_mut(business)
            .and_then(|r| r.encrypt(&mut self.rng, &message.to_bytes()))
            .ok_or_else(|| SimError::NotRegistered(business.clone()))??
            .to_bytes();
        Ok(TransportEnvelope {
            id,
            from: consumer.clone(),
            to: business.clone(),
            sent_at_ms: now,
            payload: Payload::Signal { bytes },
        })
    }

    /// The consumer's device goes online or offline. Coming online flushes the
    /// transport's queue for it and resends everything unacknowledged.
    pub fn set_consumer_online(&mut self, consumer: &str, online: bool) -> Result<(), SimError> {
        let consumer = PhoneNumber::parse(consumer)?;
        self.consumer_mut(&consumer)?.online = online;
        self.event(EventKind::ConnectivityChanged {
            consumer: consumer.clone(),
            online,
        });
        if online {
            self.flush_queue(&consumer);
            let pending: Vec<EnvelopeId> = self
                .consumers
                .get(&consumer)
                .map(|c| c.outbox.keys().copied().collect())
                .unwrap_or_default();
            for id in pending {
                self.consumer_retransmit(&consumer, id);
            }
        }
        Ok(())
    }

    /// The consumer opens the chat: every unread business message is read, and a
    /// read receipt goes back.
    pub fn consumer_read(&mut self, consumer: &str, business: &str) -> Result<usize, SimError> {
        let consumer = PhoneNumber::parse(consumer)?;
        let business = PhoneNumber::parse(business)?;
        let c = self.consumer_mut(&consumer)?;
        let online = c.online;
        let ids: Vec<EnvelopeId> = c
            .chats
            .get_mut(&business)
            .into_iter()
            .flatten()
            .filter(|m| !m.outgoing && !m.read)
            .map(|m| {
                m.read = true;
                m.envelope_id
            })
            .collect();
        if !ids.is_empty() && online {
            self.send_receipt(&consumer, &business, ReceiptKind::Read, ids.clone());
        }
        Ok(ids.len())
    }

    /// The consumer reports the business as spam.
    pub fn consumer_report_spam(&mut self, consumer: &str, business: &str) -> Result<(), SimError> {
        let consumer = PhoneNumber::parse(consumer)?;
        let business = PhoneNumber::parse(business)?;
        self.consumer_mut(&consumer)?;
        if !self.transport.is_registered(&business) {
            return Err(SimError::NotRegistered(business));
        }
        self.event(EventKind::SpamReported {
            consumer,
            business: business.clone(),
        });
        self.observe(
            Observer::WhatsAppIntegrity,
            DataCategory::IntegritySignals,
            System::WhatsAppClient,
        );
        let (action, changed) = self.transport.integrity.on_spam_report(&business);
        if changed {
            self.integrity_changed(&business, action);
        }
        Ok(())
    }

    pub(crate) fn send_receipt(
        &mut self,
        from: &PhoneNumber,
        to: &PhoneNumber,
        receipt: ReceiptKind,
        ids: Vec<EnvelopeId>,
    ) {
        self.event(EventKind::ReceiptSent {
            by: from.clone(),
            to: to.clone(),
            receipt,
            ids: ids.clone(),
        });
        let id = self.new_envelope_id();
        let envelope = TransportEnvelope {
            id,
            from: from.clone(),
            to: to.clone(),
            sent_at_ms: self.now_ms,
            payload: Payload::Receipt { receipt, ids },
        };
        self.submit(envelope, false);
    }

    pub(crate) fn consumer_retransmit(&mut self, consumer: &PhoneNumber, envelope_id: EnvelopeId) {
        let Some(c) = self.consumers.get_mut(consumer) else {
            return;
        };
        let online = c.online;
        let Some(entry) = c.outbox.get_mut(&envelope_id) else {
            return; // acknowledged meanwhile
        };
        if !online {
            // Retried when the device comes back online.
            return;
        }
        entry.attempts += 1;
        let attempt = entry.attempts;
        let envelope = entry.envelope.clone();
        self.event(EventKind::Retransmitted {
            by: consumer.clone(),
            envelope_id,
            attempt,
        });
        self.submit(envelope, true);
        self.schedule(
            backoff(attempt),
            Action::ConsumerRetransmit {
                consumer: consumer.clone(),
                envelope_id,
            },
        );
    }

    /// An envelope reaches a consumer's device.
    pub(crate) fn consumer_receive(&mut self, envelope: TransportEnvelope, tampered: bool) {
        let consumer = envelope.to.clone();
        let business = envelope.from.clone();
        match envelope.payload {
            Payload::Signal { bytes } => {
                self.consumer_receive_signal(&consumer, &business, envelope.id, &bytes, tampered)
            }
            Payload::Receipt { receipt, ids } => {
                let Some(c) = self.consumers.get_mut(&consumer) else {
                    return;
                };
                for id in ids {
                    if receipt == ReceiptKind::Delivered {
                        c.outbox.remove(&id);
                    }
                    let ticks = match receipt {
                        ReceiptKind::Delivered => Ticks::Delivered,
                        ReceiptKind::Read => Ticks::Read,
                    };
                    if let Some(b) = c.bubble_for_envelope(id) {
                        b.ticks = b.ticks.max(ticks);
                    }
                }
            }
            Payload::RetryRequest { id } => self.consumer_handle_retry(&consumer, &business, id),
        }
    }

    fn consumer_receive_signal(
        &mut self,
        consumer: &PhoneNumber,
        business: &PhoneNumber,
        envelope_id: EnvelopeId,
        bytes: &[u8],
        tampered: bool,
    ) {
        let Some(c) = self.consumers.get_mut(consumer) else {
            return;
        };
        let opened = inbox::open(&mut c.account, c.sessions.get_mut(business), bytes);
        let Some((plaintext, session)) =
            self.verdict(consumer, business, (envelope_id, bytes), tampered, opened)
        else {
            return;
        };
        if let Some(session) = session {
            self.install_consumer_session(consumer, business, *session, false);
        }
        self.consumer_accept_plaintext(consumer, business, envelope_id, &plaintext);
    }

    fn consumer_accept_plaintext(
        &mut self,
        consumer: &PhoneNumber,
        business: &PhoneNumber,
        envelope_id: EnvelopeId,
        plaintext: &[u8],
    ) {
        let now = self.now_ms;
        let Some(message) = AppMessage::from_bytes(plaintext) else {
            self.event(EventKind::Rejected {
                by: consumer.clone(),
                envelope_id,
                error: "not an application message".to_owned(),
                tampered: false,
            });
            return;
        };
        let Some(c) = self.consumers.get_mut(consumer) else {
            return;
        };
        let chat = c.chats.entry(business.clone()).or_default();
        let (id, shown) = match &message {
            AppMessage::Text { id, body, .. } => {
                if chat.iter().any(|m| !m.outgoing && m.id == *id) {
                    // Re-sent under a new session after a retry request: shown already.
                    self.acknowledge_duplicate(consumer, business, envelope_id);
                    return;
                }
                self.stats.delivered_to_consumer += 1;
                chat.push(ChatMessage {
                    id: id.clone(),
                    envelope_id,
                    outgoing: false,
                    text: body.clone(),
                    at_ms: now,
                    ticks: Ticks::Delivered,
                    read: false,
                    reaction: None,
                });
                trim_history(chat, self.config.history_limit);
                (id.clone(), body.clone())
            }
            AppMessage::Reaction { id, target, emoji } => {
                self.stats.delivered_to_consumer += 1;
                if let Some(m) = chat.iter_mut().find(|m| m.id == *target) {
                    m.reaction = (!emoji.is_empty()).then(|| emoji.clone());
                }
                (id.clone(), emoji.clone())
            }
        };
        self.event(EventKind::ConsumerReceived {
            consumer: consumer.clone(),
            business: business.clone(),
            message_id: id,
            text: shown,
        });
        self.send_receipt(
            consumer,
            business,
            ReceiptKind::Delivered,
            vec![envelope_id],
        );
    }

    pub(crate) fn retry_request(
        &mut self,
        by: &PhoneNumber,
        to: &PhoneNumber,
        envelope_id: EnvelopeId,
    ) {
        self.event(EventKind::RetryRequested {
            by: by.clone(),
            envelope_id,
        });
        let id = self.new_envelope_id();
        let envelope = TransportEnvelope {
            id,
            from: by.clone(),
            to: to.clone(),
            sent_at_ms: self.now_ms,
            payload: Payload::RetryRequest { id: envelope_id },
        };
        self.submit(envelope, false);
    }

    /// The business's side lost our session: start a new one (fetching a fresh
    /// bundle) and re-encrypt everything still unacknowledged for it.
    fn consumer_handle_retry(
        &mut self,
        consumer: &PhoneNumber,
        business: &PhoneNumber,
        id: EnvelopeId,
    ) {
        let Some(c) = self.consumers.get_mut(consumer) else {
            return;
        };
        let current = c.session_epoch.get(business).copied().unwrap_or(0);
        let Some(entry) = c.outbox.get(&id) else {
            return;
        };
        if entry.epoch != current {
            return; // already re-sent under a newer session
        }
        c.session_epoch.insert(business.clone(), current + 1);
        // A fresh session becomes current; older ones stay for messages in flight.
        let Some(bundle) = self.transport.fetch_bundle(business) else {
            return;
        };
        let Some(c) = self.consumers.get_mut(consumer) else {
            return;
        };
        let Ok(session) = Session::initiate(&mut self.rng, c.account.identity(), &bundle) else {
            return;
        };
        self.install_consumer_session(consumer, business, session, true);
        let pending: Vec<(EnvelopeId, AppMessage)> = self
            .consumers
            .get(consumer)
            .map(|c| {
                c.outbox
                    .iter()
                    .filter(|(_, e)| e.envelope.to == *business)
                    .map(|(id, e)| (*id, e.message.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (eid, message) in pending {
            let Ok(envelope) = self.consumer_encrypt(consumer, business, eid, &message) else {
                continue;
            };
            if let Some(e) = self
                .consumers
                .get_mut(consumer)
                .and_then(|c| c.outbox.get_mut(&eid))
            {
                e.envelope = envelope.clone();
                e.epoch = current + 1;
                e.attempts += 1;
            }
            self.event(EventKind::Retransmitted {
                by: consumer.clone(),
                envelope_id: eid,
                attempt: 0,
            });
            self.submit(envelope, true);
        }
    }
}
