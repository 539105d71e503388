//! Business messages on their way out: stored when the Graph API accepts
//! them, encrypted once a session with the consumer exists (started from the
//! consumer's bundle if needed), submitted to the transport and retransmitted
//! on the backoff schedule until the consumer's phone acknowledges, the
//! message expires, or the transport refuses it.

use cipherflow_protocol::{PreKeyBundle, Session};
use rand_core::CryptoRng;

use crate::cloud_api::CloudApi;
use crate::cloud_api::graph::Accepted;
use crate::cloud_api::status;
use crate::cloud_api::store::{Direction, NewMessage, PendingSend};
use crate::cloud_api::webhook::{Status, StatusError};
use crate::device::{RETRANSMIT_MS, backoff};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::transport::integrity::IntegrityAction;
use crate::wire::{EnvelopeId, Payload, ReceiptKind, ToTransport, TransportEnvelope};

impl CloudApi {
    /// Stores a message the Graph API accepted.
    pub(crate) fn accept_outbound(&mut self, now_ms: u64, pnid: &str, accepted: Accepted) {
        let Accepted {
            to,
            key: wamid_key,
            message,
            callback_data,
            pricing,
            ..
        } = accepted;
        let to = &to;
        let callback_data = callback_data.as_deref();
        let wamid = wamid_key.wamid(to);
        let text = message.content().to_owned();
        if let Some(n) = self.numbers.get_mut(pnid) {
            n.statistics.outbound += 1;
        }
        self.statistics_changed(now_ms);
        let stored = self.store.insert(NewMessage {
            direction: Direction::Outbound,
            phone_number_id: pnid,
            consumer: to.clone(),
            text: &text,
            stored_at_ms: now_ms,
            expires_at_ms: now_ms.saturating_add(self.retention.in_ms()),
            envelope_id: 0,
            tail: callback_data,
            pricing: Some(pricing),
            delivered: false,
            pending: Some(Box::new(PendingSend {
                message,
                envelope: None,
                epoch: 0,
                sent: false,
                retry_at: None,
            })),
        });
        if let Err(e) = stored {
            // Accepted by the Graph API, so reported as Meta reports a send
            // that failed after acceptance: a `failed` status.
            let error = status::something_went_wrong(&e.to_string());
            self.out.event(EventKind::Failure {
                by: "cloud_api".to_owned(),
                what: format!("storing {wamid} for {to}"),
                error: error.details.clone(),
                code: Some(error.code),
            });
            self.post_unstored_status(now_ms, pnid, &wamid, to, error);
            return;
        }
        if let Some(n) = self.numbers.get_mut(pnid) {
            n.contacts.or_default(to.clone()).pending.push(wamid);
        }
        self.breach_copies(to, &text);
    }

    /// First transmission: encrypt now if a session exists, else fetch the
    /// consumer's bundle first.
    pub(crate) fn transmit_new<R: CryptoRng>(&mut self, now_ms: u64, rng: &mut R, wamid: &str) {
        let Some(m) = self.store.get(wamid) else {
            return;
        };
        let (pnid, to) = (self.store.phone_number_id(m).to_owned(), m.consumer.clone());
        let has_session = self
            .numbers
            .get(&*pnid)
            .and_then(|n| n.contacts.get(&to))
            .is_some_and(|c| !c.peer.record.is_empty());
        if has_session {
            self.encrypt_and_submit(now_ms, rng, wamid);
        } else {
            self.fetch_bundle(&pnid, &to);
        }
    }

    fn fetch_bundle(&mut self, pnid: &str, consumer: &PhoneNumber) {
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        let business = n.ids.display_phone_number.clone();
        let contact = n.contacts.or_default(consumer.clone());
        if contact.peer.awaiting_bundle {
            return;
        }
        contact.peer.awaiting_bundle = true;
        self.send_to_transport(
            &business,
            ToTransport::FetchBundle {
                requester: business.clone(),
                number: consumer.clone(),
            },
        );
    }

    /// Encrypts a pending message with the current session and submits it.
    /// After a session rebuild the envelope keeps its id: it is the same
    /// message, re-encrypted.
    fn encrypt_and_submit<R: CryptoRng>(&mut self, now_ms: u64, rng: &mut R, wamid: &str) {
        let Some(m) = self.store.get(wamid) else {
            return;
        };
        let Some(pending) = &m.pending else {
            return;
        };
        let (pnid, to) = (self.store.phone_number_id(m).to_owned(), m.consumer.clone());
        let plaintext = pending.message.to_bytes();
        let old = pending.envelope.as_ref().map(|e| (e.id, e.sent_at_ms));
        let Some(n) = self.numbers.get_mut(&*pnid) else {
            return;
        };
        let business = n.ids.display_phone_number.clone();
        let Some(contact) = n.contacts.get_mut(&to) else {
            return;
        };
        let epoch = contact.peer.epoch;
        let bytes = match contact.peer.record.encrypt(rng, &plaintext) {
            Some(Ok(envelope)) => envelope.to_bytes(),
            Some(Err(e)) => {
                return self.fail(now_ms, wamid, status::something_went_wrong(&e.to_string()));
            }
            None => return self.fetch_bundle(&pnid, &to),
        };
        let (envelope_id, sent_at_ms) = match old {
            Some(old) => old,
            None => (n.new_envelope_id(), now_ms),
        };
        if old.is_none() {
            self.store.set_envelope(wamid, envelope_id);
        }
        let envelope = TransportEnvelope {
            id: envelope_id,
            from: business.clone(),
            to: to.clone(),
            sent_at_ms,
            payload: Payload::Signal { bytes },
        };
        let Some(m) = self.store.get_mut(wamid) else {
            return;
        };
        m.attempts = m.attempts.saturating_add(1);
        let attempt = u32::from(m.attempts);
        if let Some(p) = m.pending.as_mut() {
            p.envelope = Some(envelope.clone());
            p.epoch = epoch;
        }
        self.out.event(EventKind::CloudApiEncrypted {
            phone_number_id: pnid.to_string(),
            business: business.clone(),
            wamid: wamid.to_owned(),
            envelope_id,
            to,
            epoch,
        });
        let retransmission = old.is_some();
        if retransmission {
            self.out.event(EventKind::Retransmitted {
                by: business.clone(),
                envelope_id,
                attempt,
            });
        }
        self.send_to_transport(
            &business,
            ToTransport::Submit {
                envelope,
                retransmission,
            },
        );
        let delay = if retransmission {
            backoff(attempt)
        } else {
            RETRANSMIT_MS
        };
        self.schedule_retransmit(wamid, now_ms.saturating_add(delay));
    }

    /// Sends a pending message again, as it was (same id, same bytes).
    pub(crate) fn retransmit(&mut self, now_ms: u64, wamid: &str) {
        let Some(m) = self.store.get_mut(wamid) else {
            return;
        };
        let Some(pending) = m.pending.as_mut() else {
            return;
        };
        pending.retry_at = None;
        let Some(envelope) = pending.envelope.clone() else {
            return;
        };
        m.attempts = m.attempts.saturating_add(1);
        let attempt = u32::from(m.attempts);
        let business = envelope.from.clone();
        self.out.event(EventKind::Retransmitted {
            by: business.clone(),
            envelope_id: envelope.id,
            attempt,
        });
        self.send_to_transport(
            &business,
            ToTransport::Submit {
                envelope,
                retransmission: true,
            },
        );
        self.schedule_retransmit(wamid, now_ms.saturating_add(backoff(attempt)));
    }

    fn schedule_retransmit(&mut self, wamid: &str, at: u64) {
        let Some(seq) = self.store.seq_of(wamid) else {
            return;
        };
        let Some(pending) = self.store.get_mut(wamid).and_then(|m| m.pending.as_mut()) else {
            return;
        };
        if let Some(old) = pending.retry_at.replace(at) {
            self.retransmits.remove(&(old, seq));
        }
        self.retransmits.insert((at, seq));
    }

    /// The message is no longer pending: delivered, failed or purged.
    pub(crate) fn settle_pending(&mut self, wamid: &str) -> bool {
        let Some(seq) = self.store.seq_of(wamid) else {
            return false;
        };
        let Some(m) = self.store.get_mut(wamid) else {
            return false;
        };
        let Some(pending) = m.pending.take() else {
            return false;
        };
        let consumer = m.consumer.clone();
        if let Some(at) = pending.retry_at {
            self.retransmits.remove(&(at, seq));
        }
        let pnid = self
            .store
            .by_seq(seq)
            .map(|m| self.store.phone_number_id(m).to_owned());
        if let Some(c) = pnid
            .and_then(|pnid| self.numbers.get_mut(&*pnid))
            .and_then(|n| n.contacts.get_mut(&consumer))
        {
            c.pending.remove(wamid);
        }
        true
    }

    /// The message failed for good: no more retransmission, a `failed`
    /// status with Meta's error, and the failure in the trace.
    pub(crate) fn fail(&mut self, now_ms: u64, wamid: &str, error: StatusError) {
        if !self.settle_pending(wamid) {
            return;
        }
        let Some(m) = self.store.get(wamid) else {
            return;
        };
        let consumer = m.consumer.clone();
        self.out.event(EventKind::Failure {
            by: "cloud_api".to_owned(),
            what: format!("sending {wamid} to {consumer}"),
            error: error.details.clone(),
            code: Some(error.code),
        });
        self.post_status(now_ms, wamid, Status::Failed, false, Some(error));
    }

    /// The transport's answer to a bundle request: start a session and send
    /// what waited for one (or was encrypted under an older generation).
    pub(crate) fn on_bundle<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        pnid: &str,
        consumer: &PhoneNumber,
        bundle: Option<PreKeyBundle>,
    ) {
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        let contact = n.contacts.or_default(consumer.clone());
        contact.peer.awaiting_bundle = false;
        let epoch = contact.peer.epoch;
        let candidates: Vec<String> = contact.pending.as_slice().to_vec();
        let waiting: Vec<String> = candidates
            .into_iter()
            .filter(|w| {
                self.store
                    .get(w)
                    .and_then(|m| m.pending.as_ref())
                    .is_some_and(|p| p.envelope.is_none() || p.epoch != epoch)
            })
            .collect();
        let Some(bundle) = bundle else {
            for wamid in waiting {
                self.fail(now_ms, &wamid, status::not_on_whatsapp());
            }
            return;
        };
        let Some(n) = self.numbers.get(pnid) else {
            return;
        };
        match Session::initiate(rng, n.account.identity(), &bundle) {
            Ok(session) => self.install_session(pnid, consumer, session, true),
            Err(e) => {
                let details = format!("no session with {consumer}: {e}");
                for wamid in waiting {
                    self.fail(now_ms, &wamid, status::something_went_wrong(&details));
                }
                return;
            }
        }
        for wamid in waiting {
            self.encrypt_and_submit(now_ms, rng, &wamid);
        }
    }

    pub(crate) fn install_session(
        &mut self,
        pnid: &str,
        consumer: &PhoneNumber,
        session: Session,
        initiator: bool,
    ) {
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        let holder = n.ids.display_phone_number.clone();
        let remote_identity = hex::encode(session.remote_identity().encode());
        n.contacts
            .or_default(consumer.clone())
            .peer
            .record
            .promote(session);
        self.out.event(EventKind::SessionCreated {
            holder,
            peer: consumer.clone(),
            initiator,
            remote_identity,
            identity_changed: false,
        });
    }

    /// The transport accepted an envelope: for a message's first acceptance,
    /// the `sent` status, and the message becomes billable.
    pub(crate) fn on_accepted(&mut self, now_ms: u64, pnid: &str, envelope_id: EnvelopeId) {
        let Some(wamid) = self.store.wamid_for_envelope(pnid, envelope_id) else {
            return; // a receipt or a retry request
        };
        let Some(m) = self.store.get_mut(&wamid) else {
            return;
        };
        let billable = m.pricing.billable();
        let Some(pending) = m.pending.as_mut() else {
            return;
        };
        if pending.sent {
            return;
        }
        pending.sent = true;
        let i = match self.billable.iter().position(|(p, _)| p == pnid) {
            Some(i) => i,
            None => {
                self.billable.push((pnid.to_owned(), (0, 0)));
                self.billable.len() - 1
            }
        };
        if let Some((_, (paid, free))) = self.billable.get_mut(i) {
            *(if billable { paid } else { free }) += 1;
        }
        self.statistics_changed(now_ms);
        self.post_status(now_ms, &wamid, Status::Sent, true, None);
    }

    /// The transport refused a message under an integrity action.
    pub(crate) fn on_refused(
        &mut self,
        now_ms: u64,
        pnid: &str,
        envelope_id: EnvelopeId,
        action: IntegrityAction,
    ) {
        if let Some(wamid) = self.store.wamid_for_envelope(pnid, envelope_id) {
            self.fail(now_ms, &wamid, status::integrity(action));
        }
    }

    /// Sends a consumer a receipt for envelopes they sent.
    pub(crate) fn send_receipt(
        &mut self,
        now_ms: u64,
        pnid: &str,
        consumer: &PhoneNumber,
        receipt: ReceiptKind,
        ids: Vec<EnvelopeId>,
    ) {
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        let business = n.ids.display_phone_number.clone();
        let envelope_id = n.new_envelope_id();
        self.out.event(EventKind::ReceiptSent {
            by: business.clone(),
            to: consumer.clone(),
            receipt,
            ids: ids.clone(),
            envelope_id,
        });
        self.submit_control(
            now_ms,
            &business,
            consumer,
            envelope_id,
            Payload::Receipt { receipt, ids },
        );
    }

    /// Shows the consumer "typing…" (a chat state through the transport).
    pub(crate) fn send_typing(&mut self, now_ms: u64, pnid: &str, consumer: &PhoneNumber) {
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        let business = n.ids.display_phone_number.clone();
        let envelope_id = n.new_envelope_id();
        self.submit_control(now_ms, &business, consumer, envelope_id, Payload::Typing);
    }

    /// Asks a consumer for a new session for their envelope `id`.
    pub(crate) fn send_retry_request(
        &mut self,
        now_ms: u64,
        pnid: &str,
        consumer: &PhoneNumber,
        id: EnvelopeId,
    ) {
        let Some(n) = self.numbers.get_mut(pnid) else {
            return;
        };
        let business = n.ids.display_phone_number.clone();
        let envelope_id = n.new_envelope_id();
        self.submit_control(
            now_ms,
            &business,
            consumer,
            envelope_id,
            Payload::RetryRequest { id },
        );
    }

    fn submit_control(
        &mut self,
        now_ms: u64,
        business: &PhoneNumber,
        consumer: &PhoneNumber,
        id: EnvelopeId,
        payload: Payload,
    ) {
        let envelope = TransportEnvelope {
            id,
            from: business.clone(),
            to: consumer.clone(),
            sent_at_ms: now_ms,
            payload,
        };
        self.send_to_transport(
            business,
            ToTransport::Submit {
                envelope,
                retransmission: false,
            },
        );
    }
}
