//! Sending: the outbox, encryption once a session exists, retransmission on
//! the backoff schedule, and session rebuilds when the business asks.

use cipherflow_protocol::{PreKeyBundle, Session};
use rand_core::CryptoRng;

use crate::consumer::{ConsumerClient, Ticks};
use crate::device::{RETRANSMIT_MS, backoff};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::transport::integrity::IntegrityAction;
use crate::wire::{EnvelopeId, Payload, ReceiptKind, ToTransport, TransportEnvelope};

impl ConsumerClient {
    /// First transmission of an outbox entry: encrypt it if a session exists,
    /// or ask the transport for the business's bundle.
    pub(crate) fn send_new<R: CryptoRng>(&mut self, now_ms: u64, rng: &mut R, id: EnvelopeId) {
        let Some(to) = self.outbox.get(&id).map(|e| e.to.clone()) else {
            return;
        };
        let has_session = self
            .peers
            .get(&to)
            .is_some_and(|p| !p.sessions.record.is_empty());
        if has_session {
            self.encrypt_and_submit(now_ms, rng, id);
        } else {
            self.fetch_bundle(&to);
        }
    }

    fn fetch_bundle(&mut self, number: &PhoneNumber) {
        let peer = self.peers.or_default(number.clone());
        if peer.sessions.awaiting_bundle {
            return;
        }
        peer.sessions.awaiting_bundle = true;
        self.send_to_transport(ToTransport::FetchBundle {
            requester: self.number().clone(),
            number: number.clone(),
        });
    }

    /// Encrypts an outbox entry with the current session and submits it.
    fn encrypt_and_submit<R: CryptoRng>(&mut self, now_ms: u64, rng: &mut R, id: EnvelopeId) {
        let from = self.number().clone();
        let Some(entry) = self.outbox.get(&id) else {
            return;
        };
        let to = entry.to.clone();
        let plaintext = entry.message.to_bytes();
        let Some(peer) = self.peers.get_mut(&to) else {
            return;
        };
        let epoch = peer.sessions.epoch;
        let bytes = match peer.sessions.record.encrypt(rng, &plaintext) {
            Some(Ok(envelope)) => envelope.to_bytes(),
            Some(Err(e)) => return self.fail(id, &format!("encrypting for {to}"), &e.to_string()),
            None => return self.fetch_bundle(&to),
        };
        let Some(entry) = self.outbox.get_mut(&id) else {
            return;
        };
        let retransmission = entry.attempts > 0;
        entry.attempts += 1;
        entry.epoch = epoch;
        let envelope = TransportEnvelope {
            id,
            from,
            to,
            sent_at_ms: entry.envelope.as_ref().map_or(now_ms, |e| e.sent_at_ms),
            payload: Payload::Signal { bytes },
        };
        entry.envelope = Some(envelope.clone());
        let attempt = entry.attempts;
        if retransmission {
            self.out.event(EventKind::Retransmitted {
                by: self.number().clone(),
                envelope_id: id,
                attempt,
            });
        }
        self.send_to_transport(ToTransport::Submit {
            envelope,
            retransmission,
        });
        let delay = if retransmission {
            backoff(attempt)
        } else {
            RETRANSMIT_MS
        };
        self.schedule(id, now_ms.saturating_add(delay));
    }

    /// Sends an unacknowledged envelope again, as it was (same id, same bytes).
    pub(crate) fn retransmit(&mut self, now_ms: u64, id: EnvelopeId) {
        if !self.online() {
            // Sent again when the phone comes back online.
            return;
        }
        let Some(entry) = self.outbox.get_mut(&id) else {
            return; // acknowledged meanwhile
        };
        let Some(envelope) = entry.envelope.clone() else {
            return; // waiting for a session
        };
        entry.attempts += 1;
        let attempt = entry.attempts;
        self.out.event(EventKind::Retransmitted {
            by: self.number().clone(),
            envelope_id: id,
            attempt,
        });
        self.send_to_transport(ToTransport::Submit {
            envelope,
            retransmission: true,
        });
        self.schedule(id, now_ms.saturating_add(backoff(attempt)));
    }

    fn schedule(&mut self, id: EnvelopeId, at: u64) {
        let Some(entry) = self.outbox.get_mut(&id) else {
            return;
        };
        if let Some(old) = entry.retry_at.replace(at) {
            self.timers.remove(&(old, id));
        }
        self.timers.insert((at, id));
    }

    /// Drops an outbox entry: delivered, or failed for good.
    pub(crate) fn settle_entry(&mut self, id: EnvelopeId) {
        if let Some(entry) = self.outbox.remove(&id)
            && let Some(at) = entry.retry_at
        {
            self.timers.remove(&(at, id));
        }
    }

    fn fail(&mut self, id: EnvelopeId, what: &str, error: &str) {
        self.out.event(EventKind::Failure {
            by: self.number().to_string(),
            what: what.to_owned(),
            error: error.to_owned(),
            code: None,
        });
        if let Some(entry) = self.outbox.get(&id) {
            let to = entry.to.clone();
            self.set_ticks(&to, id, Ticks::Failed);
        }
        self.settle_entry(id);
    }

    pub(crate) fn set_ticks(&mut self, business: &PhoneNumber, id: EnvelopeId, ticks: Ticks) {
        if let Some(chat) = self.chats.get_mut(business) {
            chat.set_ticks(id, ticks);
        }
    }

    /// The transport's answer to a bundle request: start a session and send
    /// what waited for one (or was encrypted under an older generation).
    pub(crate) fn on_bundle<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        number: &PhoneNumber,
        bundle: Option<PreKeyBundle>,
    ) {
        let peer = self.peers.or_default(number.clone());
        peer.sessions.awaiting_bundle = false;
        let epoch = peer.sessions.epoch;
        let waiting: Vec<EnvelopeId> = self
            .outbox
            .iter()
            .filter(|(_, e)| e.to == *number && (e.envelope.is_none() || e.epoch != epoch))
            .map(|(id, _)| *id)
            .collect();
        let Some(bundle) = bundle else {
            for id in waiting {
                self.fail(
                    id,
                    &format!("starting a session with {number}"),
                    "the number is not registered on WhatsApp",
                );
            }
            return;
        };
        match Session::initiate(rng, self.account.identity(), &bundle) {
            Ok(session) => self.install_session(number, session, true),
            Err(e) => {
                for id in waiting {
                    self.fail(
                        id,
                        &format!("starting a session with {number} from its bundle"),
                        &e.to_string(),
                    );
                }
                return;
            }
        }
        for id in waiting {
            self.encrypt_and_submit(now_ms, rng, id);
        }
    }

    /// The server has the envelope: one tick.
    pub(crate) fn on_accepted(&mut self, id: EnvelopeId) {
        if let Some(to) = self.outbox.get(&id).map(|e| e.to.clone()) {
            self.set_ticks(&to, id, Ticks::Sent);
        }
    }

    /// The server refused the envelope (integrity acts on businesses, so this
    /// does not happen to a consumer; handled all the same).
    pub(crate) fn on_refused(&mut self, id: EnvelopeId, action: IntegrityAction) {
        self.fail(
            id,
            "submitting to the transport",
            &format!("refused under integrity action {}", action.name()),
        );
    }

    /// The business asked for a new session for envelope `id`: start one,
    /// unless this was answered already or rebuilds are backing off.
    pub(crate) fn on_retry_request(&mut self, now_ms: u64, from: &PhoneNumber, id: EnvelopeId) {
        let Some(entry) = self.outbox.get(&id) else {
            return; // acknowledged meanwhile
        };
        if entry.to != *from || entry.envelope.is_none() {
            return;
        }
        let entry_epoch = entry.epoch;
        let by = self.number().clone();
        let Some(peer) = self.peers.get_mut(from) else {
            return;
        };
        if entry_epoch != peer.sessions.epoch || peer.sessions.awaiting_bundle {
            return; // already re-sent under a newer session, or one is coming
        }
        if !peer.sessions.try_start_rebuild(now_ms) {
            let until_ms = peer.sessions.next_rebuild_at;
            self.out.event(EventKind::RetryDeferred {
                by,
                envelope_id: id,
                until_ms,
            });
            return;
        }
        self.send_to_transport(ToTransport::FetchBundle {
            requester: by,
            number: from.clone(),
        });
    }

    /// Sends a receipt for envelopes `to` sent.
    pub(crate) fn send_receipt(
        &mut self,
        now_ms: u64,
        to: &PhoneNumber,
        receipt: ReceiptKind,
        ids: Vec<EnvelopeId>,
    ) {
        let envelope_id = self.next_envelope;
        self.next_envelope += 1;
        self.out.event(EventKind::ReceiptSent {
            by: self.number().clone(),
            to: to.clone(),
            receipt,
            ids: ids.clone(),
            envelope_id,
        });
        self.submit_control(now_ms, to, envelope_id, Payload::Receipt { receipt, ids });
    }

    /// Asks `to` for a new session for its envelope `id`.
    pub(crate) fn send_retry_request(&mut self, now_ms: u64, to: &PhoneNumber, id: EnvelopeId) {
        let envelope_id = self.next_envelope;
        self.next_envelope += 1;
        self.submit_control(now_ms, to, envelope_id, Payload::RetryRequest { id });
    }

    fn submit_control(&mut self, now_ms: u64, to: &PhoneNumber, id: EnvelopeId, payload: Payload) {
        let envelope = TransportEnvelope {
            id,
            from: self.number().clone(),
            to: to.clone(),
            sent_at_ms: now_ms,
            payload,
        };
        self.send_to_transport(ToTransport::Submit {
            envelope,
            retransmission: false,
        });
    }
}
