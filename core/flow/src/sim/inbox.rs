//! Opening a Signal envelope on a receiving device, shared by the consumer's
//! client and the Cloud API: route a prekey message to a matching session or to
//! X3DH, try every session with the peer, and turn the outcome into a verdict.

use crate::envelope::{EnvelopeId, ReceiptKind};
use crate::phone::PhoneNumber;
use crate::sim::Simulation;
use crate::trace::EventKind;
use cipherflow_protocol::ratchet::RatchetError;
use cipherflow_protocol::wire::Envelope;
use cipherflow_protocol::{Account, Session, SessionError, SessionRecord};

/// What opening an envelope gave.
pub(crate) enum Opened {
    /// Decrypted; with the new session when X3DH built one (to install).
    Plaintext(Vec<u8>, Option<Box<Session>>),
    /// No session can read it (keys this device no longer has, or no session
    /// at all): the sender is asked to start a new one.
    NoSession,
    /// The ratchet saw a message index it has already used. Re-acknowledged
    /// only if these exact bytes were decrypted before (a replay); otherwise
    /// it is an unauthenticated claim (an altered header) and is rejected.
    Duplicate,
    /// Malformed, or failed authentication.
    Rejected(SessionError),
}

/// Opens `bytes` with the device's account and its sessions with the sender.
pub(crate) fn open(
    account: &mut Account,
    record: Option<&mut SessionRecord>,
    bytes: &[u8],
) -> Opened {
    let envelope = match Envelope::try_from(bytes) {
        Ok(e) => e,
        Err(e) => return Opened::Rejected(e.into()),
    };
    if let Envelope::PreKey(p) = &envelope
        && !record.as_ref().is_some_and(|r| r.matches(p))
    {
        return match account.accept(p) {
            Ok((session, plaintext)) => Opened::Plaintext(plaintext, Some(Box::new(session))),
            Err(_) => Opened::NoSession,
        };
    }
    match record.and_then(|r| r.decrypt(&envelope)) {
        Some(Ok(plaintext)) => Opened::Plaintext(plaintext, None),
        Some(Err(SessionError::Ratchet(RatchetError::DuplicateMessage { .. }))) => {
            Opened::Duplicate
        }
        Some(Err(e)) => Opened::Rejected(e),
        None => Opened::NoSession,
    }
}

impl Simulation {
    /// Records the receiver's verdict (and the proof's view of a tampered
    /// delivery). Returns the plaintext, and any new session, to act on.
    pub(crate) fn verdict(
        &mut self,
        by: &PhoneNumber,
        from: &PhoneNumber,
        (envelope_id, bytes): (EnvelopeId, &[u8]),
        tampered: bool,
        opened: Opened,
    ) -> Option<(Vec<u8>, Option<Box<Session>>)> {
        let digest = {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            h.update(by.wa_id().as_bytes());
            h.update([0]);
            h.update(bytes);
            <[u8; 32]>::from(h.finalize())
        };
        if let Opened::Plaintext(plaintext, session) = opened {
            self.decrypted.insert(digest);
            if tampered {
                self.proof.tampered_delivery(false);
            }
            return Some((plaintext, session));
        }
        self.proof.tampered_delivery_if(tampered);
        match opened {
            Opened::NoSession => self.retry_request(by, from, envelope_id),
            Opened::Duplicate if self.decrypted.contains(&digest) => {
                self.acknowledge_duplicate(by, from, envelope_id);
            }
            // The ratchet's duplicate check runs before authentication (the
            // key of a used index is gone), so an altered header index can
            // look like a replay. Acknowledging it would make the sender stop
            // retransmitting a message that was never read.
            Opened::Duplicate => self.event(EventKind::Rejected {
                by: by.clone(),
                envelope_id,
                error: "a message index already used, on bytes never decrypted here".to_owned(),
                tampered,
            }),
            Opened::Rejected(e) => self.event(EventKind::Rejected {
                by: by.clone(),
                envelope_id,
                error: e.to_string(),
                tampered,
            }),
            Opened::Plaintext(..) => {}
        }
        None
    }

    /// Something already delivered arrived again: acknowledge it once more (the
    /// sender may have missed the first receipt) and show nothing.
    pub(crate) fn acknowledge_duplicate(
        &mut self,
        by: &PhoneNumber,
        from: &PhoneNumber,
        envelope_id: EnvelopeId,
    ) {
        self.event(EventKind::DuplicateIgnored {
            by: by.clone(),
            envelope_id,
        });
        self.send_receipt(by, from, ReceiptKind::Delivered, vec![envelope_id]);
    }
}
