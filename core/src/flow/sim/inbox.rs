//! Opening a Signal envelope on a receiving device, shared by the consumer's
//! client and the Cloud API: route a prekey message to a matching session or to
//! X3DH, try every session with the peer, and turn the outcome into a verdict.

use crate::flow::envelope::{EnvelopeId, ReceiptKind};
use crate::flow::phone::PhoneNumber;
use crate::flow::sim::Simulation;
use crate::flow::trace::EventKind;
use crate::protocol::ratchet::RatchetError;
use crate::protocol::wire::Envelope;
use crate::protocol::{Account, Session, SessionError, SessionRecord};

/// What opening an envelope gave.
pub(crate) enum Opened {
    /// Decrypted; with the new session when X3DH built one (to install).
    Plaintext(Vec<u8>, Option<Box<Session>>),
    /// No session can read it (keys this device no longer has, or no session
    /// at all): the sender is asked to start a new one.
    NoSession,
    /// A replay of something already decrypted: re-acknowledged only.
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
        envelope_id: EnvelopeId,
        tampered: bool,
        opened: Opened,
    ) -> Option<(Vec<u8>, Option<Box<Session>>)> {
        if let Opened::Plaintext(plaintext, session) = opened {
            if tampered {
                self.proof.tampered_delivery(false);
            }
            return Some((plaintext, session));
        }
        self.proof.tampered_delivery_if(tampered);
        match opened {
            Opened::NoSession => self.retry_request(by, from, envelope_id),
            Opened::Duplicate => self.acknowledge_duplicate(by, from, envelope_id),
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
