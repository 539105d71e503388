//! Opening a Signal envelope on a receiving device: a prekey message goes to
//! the session it was made for, or to X3DH; anything else is tried on every
//! session with the sender. The outcome is one of four verdicts.

use cipherflow_protocol::ratchet::RatchetError;
use cipherflow_protocol::wire::Envelope;
use cipherflow_protocol::{Account, Session, SessionError, SessionRecord};

use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::EnvelopeId;

/// What opening an envelope gave.
pub(crate) enum Opened {
    /// Decrypted; with the new session when X3DH built one (to install).
    Plaintext(Vec<u8>, Option<Box<Session>>),
    /// No session can read it: there is none with this peer, or it is a prekey
    /// message this device cannot accept (the reason says which). The sender is
    /// asked to start a new session.
    NoSession(String),
    /// The ratchet saw a message index it has already used. Re-acknowledged
    /// only if these exact bytes were decrypted before (a replay); otherwise
    /// it is an unauthenticated claim (an altered header) and is rejected.
    Duplicate,
    /// Malformed, or a message on an existing session that failed
    /// authentication: a new session would not help, so the sender's
    /// retransmission (on its backoff) is the remedy.
    Rejected(SessionError),
}

/// Opens `bytes` with the device's account and its sessions with the sender.
/// Transactional: on any verdict but [`Opened::Plaintext`] the account and the
/// sessions are as before.
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
            // A prekey message this device cannot accept was made for keys it
            // does not hold: prekeys rotated or used up, or an identity that
            // re-registered (whose new signed prekey may even reuse the old
            // id, so the message only fails to authenticate). A damaged copy
            // looks the same. Only a new session can help; the sender's
            // rebuilds back off, which bounds what damaged copies cost.
            Err(e) => Opened::NoSession(format!("a prekey message this device cannot accept: {e}")),
        };
    }
    match record.and_then(|r| r.decrypt(&envelope)) {
        Some(Ok(plaintext)) => Opened::Plaintext(plaintext, None),
        Some(Err(SessionError::Ratchet(RatchetError::DuplicateMessage { .. }))) => {
            Opened::Duplicate
        }
        Some(Err(e)) => Opened::Rejected(e),
        None => Opened::NoSession("no session with this peer".to_owned()),
    }
}

/// The event a device (a phone, or the Cloud API for a business number)
/// records when it refuses an envelope. `tampered` starts false: only the
/// router knows whether the network altered the delivery, and sets it.
pub(crate) fn rejected(
    by: &PhoneNumber,
    from: &PhoneNumber,
    envelope_id: EnvelopeId,
    error: String,
    decrypted: bool,
) -> EventKind {
    EventKind::Rejected {
        by: by.clone(),
        from: from.clone(),
        envelope_id,
        error,
        tampered: false,
        decrypted,
    }
}
