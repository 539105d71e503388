//! Envelopes from consumers: Signal messages decrypted on the business's
//! behalf and forwarded by webhook; receipts that become statuses; retry
//! requests that rebuild a session.

use crate::cloud_api::CloudApi;
use crate::cloud_api::store::{Direction, NewMessage};
use crate::cloud_api::webhook::Status;
use crate::cloud_api::webhook::payload::{InboundContent, InboundUpdate, Update};
use crate::device::open::{Opened, open};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::{AppMessage, EnvelopeId, Payload, ReceiptKind, ToTransport, TransportEnvelope};

impl CloudApi {
    pub(crate) fn on_deliver(&mut self, now_ms: u64, pnid: &str, envelope: TransportEnvelope) {
        let consumer = envelope.from.clone();
        match envelope.payload {
            Payload::Signal { bytes } => {
                self.on_signal(now_ms, pnid, &consumer, envelope.id, &bytes);
            }
            Payload::Receipt { receipt, ids } => {
                for id in ids {
                    self.on_receipt(now_ms, pnid, &consumer, receipt, id);
                }
            }
            Payload::RetryRequest { id } => self.on_retry_request(now_ms, pnid, &consumer, id),
            // Consumers' chat states are not forwarded to businesses.
            Payload::Typing => {}
        }
    }

    fn on_receipt(
        &mut self,
        now_ms: u64,
        pnid: &str,
        consumer: &PhoneNumber,
        receipt: ReceiptKind,
        id: EnvelopeId,
    ) {
        let Some(wamid) = self.store.wamid_for_envelope(pnid, id) else {
            return;
        };
        let Some(m) = self.store.get_mut(&wamid) else {
            return;
        };
        if m.direction != Direction::Outbound || m.consumer != *consumer {
            return;
        }
        // "A status is considered read only if it has been delivered": a read
        // receipt that overtakes the delivered one gives `read` alone.
        // Pricing goes with `sent` and with the first of the two.
        let first = !m.delivered;
        let status = match receipt {
            ReceiptKind::Delivered if !m.delivered => {
                m.delivered = true;
                Status::Delivered
            }
            ReceiptKind::Read if !m.read => {
                m.read = true;
                m.delivered = true;
                Status::Read
            }
            _ => return,
        };
        self.settle_pending(&wamid);
        self.post_status(now_ms, &wamid, status, first, None);
    }

    fn business_number(&self, pnid: &str) -> Option<PhoneNumber> {
        Some(self.numbers.get(pnid)?.ids.display_phone_number.clone())
    }

    fn on_signal(
        &mut self,
        now_ms: u64,
        pnid: &str,
        consumer: &PhoneNumber,
        envelope_id: EnvelopeId,
        bytes: &[u8],
    ) {
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        let business = n.ids.display_phone_number.clone();
        let contact = n.contacts.get_mut(consumer);
        let known = contact
            .as_ref()
            .is_some_and(|c| c.peer.decrypted_before(bytes));
        match open(&mut n.account, contact.map(|c| &mut c.peer.record), bytes) {
            Opened::Plaintext(plaintext, session) => {
                n.contacts
                    .or_default(consumer.clone())
                    .peer
                    .remember_decrypted(bytes);
                if let Some(session) = session {
                    self.install_session(pnid, consumer, *session, false);
                }
                self.on_plaintext(now_ms, pnid, consumer, envelope_id, &plaintext);
            }
            Opened::NoSession(reason) => {
                self.out.event(EventKind::RetryRequested {
                    by: business,
                    from: consumer.clone(),
                    envelope_id,
                    reason,
                });
                self.send_retry_request(now_ms, pnid, consumer, envelope_id);
            }
            Opened::Duplicate if known => {
                self.acknowledge_duplicate(now_ms, pnid, consumer, envelope_id, false);
            }
            // The ratchet's duplicate check runs before authentication, so an
            // altered header index looks like a replay: refuse what was never
            // decrypted here rather than acknowledge it.
            Opened::Duplicate => self.reject(
                &business,
                consumer,
                envelope_id,
                "a message index already used, on bytes never decrypted here".to_owned(),
                false,
            ),
            Opened::Rejected(e) => {
                self.reject(&business, consumer, envelope_id, e.to_string(), false)
            }
        }
    }

    fn reject(
        &mut self,
        by: &PhoneNumber,
        from: &PhoneNumber,
        envelope_id: EnvelopeId,
        error: String,
        decrypted: bool,
    ) {
        self.out.event(crate::device::open::rejected(
            by,
            from,
            envelope_id,
            error,
            decrypted,
        ));
    }

    /// Something already delivered arrived again: acknowledge it once more
    /// (the consumer may have missed the first receipt) and forward nothing.
    fn acknowledge_duplicate(
        &mut self,
        now_ms: u64,
        pnid: &str,
        consumer: &PhoneNumber,
        envelope_id: EnvelopeId,
        decrypted: bool,
    ) {
        let Some(business) = self.business_number(pnid) else {
            return;
        };
        self.out.event(EventKind::DuplicateIgnored {
            by: business,
            from: consumer.clone(),
            envelope_id,
            decrypted,
        });
        self.send_receipt(
            now_ms,
            pnid,
            consumer,
            ReceiptKind::Delivered,
            vec![envelope_id],
        );
    }

    fn on_plaintext(
        &mut self,
        now_ms: u64,
        pnid: &str,
        consumer: &PhoneNumber,
        envelope_id: EnvelopeId,
        plaintext: &[u8],
    ) {
        let Some(business) = self.business_number(pnid) else {
            return;
        };
        // What the business sees: a text (quoting one of its messages if
        // the consumer replied to it), or a reaction to one of its messages.
        let (id, body, name, content) = match AppMessage::from_bytes(plaintext) {
            Some(AppMessage::Text {
                id,
                body,
                name,
                reply_to,
            }) => {
                // The consumer names a business message by its wamid, and
                // one of their own by their client id: Meta's context names
                // the quoted message's sender and wamid.
                let context = reply_to.map(|quoted| {
                    match self.store.wamid_for_client_id(pnid, consumer, &quoted) {
                        Some(wamid) => (consumer.clone(), wamid),
                        None => (business.clone(), quoted),
                    }
                });
                let content = InboundContent::Text {
                    body: body.clone(),
                    context,
                };
                (id, body, name, content)
            }
            Some(AppMessage::Reaction { id, target, emoji }) => {
                let content = InboundContent::Reaction {
                    message_id: target,
                    emoji: emoji.clone(),
                };
                (id, emoji, None, content)
            }
            None => {
                return self.reject(
                    &business,
                    consumer,
                    envelope_id,
                    "not an application message".to_owned(),
                    true,
                );
            }
        };
        if self
            .store
            .wamid_for_client_id(pnid, consumer, &id)
            .is_some()
        {
            // Re-sent under a new session after a retry request: delivered already.
            return self.acknowledge_duplicate(now_ms, pnid, consumer, envelope_id, true);
        }
        let wamid_key = self.store.next_wamid_key();
        let wamid = wamid_key.wamid(consumer);
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        n.statistics.inbound += 1;
        let contact = n.contacts.or_default(consumer.clone());
        // A reaction carries no profile name: the one last sent stands.
        if let Some(name) = &name {
            contact.profile_name = name.as_str().into();
        }
        let profile = contact.profile_name.as_str().to_owned();
        contact.last_message_ms = Some(now_ms);
        let update = Update::Message(InboundUpdate {
            from: consumer.clone(),
            profile_name: profile,
            wamid: wamid.clone(),
            timestamp_s: now_ms / 1000,
            content,
        });
        self.statistics_changed(now_ms);
        let stored = self.store.insert(NewMessage {
            direction: Direction::Inbound,
            phone_number_id: pnid,
            consumer: consumer.clone(),
            text: &body,
            stored_at_ms: now_ms,
            expires_at_ms: now_ms.saturating_add(self.retention.in_ms()),
            envelope_id,
            tail: Some(&id),
            pricing: None,
            delivered: true,
            pending: None,
        });
        if let Err(e) = stored {
            // The webhook still goes out (the business gets the message), but
            // no retransmission or receipt can find it later.
            self.out.event(EventKind::Failure {
                by: "cloud_api".to_owned(),
                what: format!("storing {wamid} from {consumer}"),
                error: e.to_string(),
                code: None,
            });
        }
        self.out.event(EventKind::CloudApiDecrypted {
            envelope_id,
            from: consumer.clone(),
            phone_number_id: pnid.to_owned(),
            message_id: id,
            wamid: wamid.clone(),
            text: body.clone(),
        });
        self.send_receipt(
            now_ms,
            pnid,
            consumer,
            ReceiptKind::Delivered,
            vec![envelope_id],
        );
        self.queue_update(now_ms, pnid, update);
        self.breach_copies(consumer, &body);
    }

    /// The consumer had no session for a business message: start a new one
    /// (if rebuilds are not backing off) and re-encrypt what is pending.
    fn on_retry_request(
        &mut self,
        now_ms: u64,
        pnid: &str,
        consumer: &PhoneNumber,
        id: EnvelopeId,
    ) {
        let Some(wamid) = self.store.wamid_for_envelope(pnid, id) else {
            return;
        };
        let Some(epoch) = self
            .store
            .get(&wamid)
            .and_then(|m| m.pending.as_ref())
            .filter(|p| p.envelope.is_some())
            .map(|p| p.epoch)
        else {
            return; // delivered meanwhile
        };
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        let business = n.ids.display_phone_number.clone();
        let Some(contact) = n.contacts.get_mut(consumer) else {
            return;
        };
        if epoch != contact.peer.epoch || contact.peer.awaiting_bundle {
            return; // already re-sent under a newer session, or one is coming
        }
        if !contact.peer.try_start_rebuild(now_ms) {
            let until_ms = contact.peer.next_rebuild_at;
            self.out.event(EventKind::RetryDeferred {
                by: business,
                envelope_id: id,
                until_ms,
            });
            return;
        }
        self.send_to_transport(
            &business.clone(),
            ToTransport::FetchBundle {
                requester: business,
                number: consumer.clone(),
            },
        );
    }
}
