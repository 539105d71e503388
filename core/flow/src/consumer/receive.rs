//! Receiving: an envelope from a business, opened with the phone's sessions;
//! receipts that move the ticks; retry requests.

use crate::consumer::{ChatMessage, ConsumerClient, TYPING_MS, Ticks};
use crate::device::open::{Opened, open};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::{AppMessage, EnvelopeId, Payload, ReceiptKind, TransportEnvelope};

impl ConsumerClient {
    pub(crate) fn on_deliver(&mut self, now_ms: u64, envelope: TransportEnvelope) {
        let from = envelope.from.clone();
        match envelope.payload {
            Payload::Signal { bytes } => self.on_signal(now_ms, &from, envelope.id, &bytes),
            Payload::Receipt { receipt, ids } => {
                let ticks = match receipt {
                    ReceiptKind::Delivered => Ticks::Delivered,
                    ReceiptKind::Read => Ticks::Read,
                };
                for id in ids {
                    // Read implies delivered: either ends retransmission.
                    if self.outbox.get(&id).is_some_and(|e| e.to == from) {
                        self.settle_entry(id);
                    }
                    self.set_ticks(&from, id, ticks);
                }
            }
            Payload::RetryRequest { id } => self.on_retry_request(now_ms, &from, id),
            Payload::Typing => {
                let until = envelope.sent_at_ms.saturating_add(TYPING_MS);
                self.peers.or_default(from).typing_until_ms = until;
            }
        }
    }

    fn on_signal(
        &mut self,
        now_ms: u64,
        from: &PhoneNumber,
        envelope_id: EnvelopeId,
        bytes: &[u8],
    ) {
        let me = self.number().clone();
        let peer = self.peers.or_default(from.clone());
        match open(&mut self.account, Some(&mut peer.sessions.record), bytes) {
            Opened::Plaintext(plaintext, session) => {
                peer.sessions.remember_decrypted(bytes);
                if let Some(session) = session {
                    self.install_session(from, *session, false);
                }
                self.on_plaintext(now_ms, from, envelope_id, &plaintext);
            }
            Opened::NoSession(reason) => {
                self.out.event(EventKind::RetryRequested {
                    by: me,
                    from: from.clone(),
                    envelope_id,
                    reason,
                });
                self.send_retry_request(now_ms, from, envelope_id);
            }
            Opened::Duplicate if peer.sessions.decrypted_before(bytes) => {
                self.acknowledge_duplicate(now_ms, from, envelope_id, false);
            }
            // The ratchet's duplicate check runs before authentication (the
            // key of a used index is gone), so an altered header index looks
            // like a replay. Acknowledging it would tell the business
            // "delivered" for a message this phone never read.
            Opened::Duplicate => self.reject(
                from,
                envelope_id,
                "a message index already used, on bytes never decrypted here".to_owned(),
                false,
            ),
            Opened::Rejected(e) => self.reject(from, envelope_id, e.to_string(), false),
        }
    }

    fn reject(
        &mut self,
        from: &PhoneNumber,
        envelope_id: EnvelopeId,
        error: String,
        decrypted: bool,
    ) {
        let event =
            crate::device::open::rejected(self.number(), from, envelope_id, error, decrypted);
        self.out.event(event);
    }

    /// Something already shown arrived again: acknowledge it once more (the
    /// business may have missed the first receipt) and show nothing.
    fn acknowledge_duplicate(
        &mut self,
        now_ms: u64,
        from: &PhoneNumber,
        envelope_id: EnvelopeId,
        decrypted: bool,
    ) {
        self.out.event(EventKind::DuplicateIgnored {
            by: self.number().clone(),
            from: from.clone(),
            envelope_id,
            decrypted,
        });
        self.send_receipt(now_ms, from, ReceiptKind::Delivered, vec![envelope_id]);
    }

    fn on_plaintext(
        &mut self,
        now_ms: u64,
        from: &PhoneNumber,
        envelope_id: EnvelopeId,
        plaintext: &[u8],
    ) {
        let Some(message) = AppMessage::from_bytes(plaintext) else {
            return self.reject(
                from,
                envelope_id,
                "not an application message".to_owned(),
                true,
            );
        };
        let limit = self.history_limit;
        // The message the business was typing has come.
        if let Some(peer) = self.peers.get_mut(from) {
            peer.typing_until_ms = 0;
        }
        let chat = self.chats.or_default(from.clone());
        match &message {
            AppMessage::Text {
                id, body, reply_to, ..
            } => {
                if chat.has_incoming(id) {
                    // Re-sent under a new session after a retry request: shown already.
                    return self.acknowledge_duplicate(now_ms, from, envelope_id, true);
                }
                let bubble = ChatMessage {
                    id: id.clone(),
                    envelope_id,
                    outgoing: false,
                    reply_to: reply_to.clone(),
                    text: body.clone(),
                    at_ms: now_ms,
                    ticks: Ticks::Delivered,
                    read: false,
                    reaction: None,
                };
                chat.push(&bubble, limit);
            }
            AppMessage::Reaction { target, emoji, .. } => {
                chat.set_reaction(target, emoji);
            }
        }
        self.out.event(EventKind::ConsumerReceived {
            consumer: self.number().clone(),
            business: from.clone(),
            message_id: message.id().to_owned(),
            text: message.content().to_owned(),
            envelope_id,
        });
        self.send_receipt(now_ms, from, ReceiptKind::Delivered, vec![envelope_id]);
    }
}
