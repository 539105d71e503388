//! Envelopes from consumers: Signal messages decrypted on the business's
//! behalf and forwarded by webhook; receipts that become statuses; retry
//! requests that rebuild a session.

use crate::cloud_api::CloudApi;
use crate::cloud_api::store::{Direction, NewMessage};
use crate::cloud_api::webhook::{self, Status};
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
        self.post_status(now_ms, pnid, &wamid, status, consumer, None);
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
                    .entry(consumer.clone())
                    .or_default()
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
        let Some(AppMessage::Text { id, body, name }) = AppMessage::from_bytes(plaintext) else {
            return self.reject(
                &business,
                consumer,
                envelope_id,
                "not a text message".to_owned(),
                true,
            );
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
        let profile = name.unwrap_or_default();
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        n.statistics.inbound += 1;
        n.contacts.entry(consumer.clone()).or_default().profile_name = profile.as_str().into();
        let payload =
            webhook::inbound_text(&n.ids, &profile, consumer, &wamid, now_ms / 1000, &body);
        let request = webhook::signed_post(&n.webhook, &payload);
        self.statistics_changed(now_ms);
        let stored = self.store.insert(NewMessage {
            direction: Direction::Inbound,
            phone_number_id: pnid,
            consumer: consumer.clone(),
            text: &body,
            stored_at_ms: now_ms,
            expires_at_ms: now_ms.saturating_add(self.retention.in_ms()),
            envelope_id,
            client_message_id: Some(&id),
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
        self.post(now_ms, pnid, request, vec![wamid], Vec::new(), None);
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
