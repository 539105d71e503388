//! The ciphertext-only proof recomputed from a trace alone, so that an exported
//! trace can be checked by anyone, without the simulation that produced it.
//!
//! The trace holds everything the proof needs:
//!
//! - **plaintexts:** every `consumer_sent` text, and the text (or reaction emoji)
//!   of every Graph API `/messages` request the Cloud API accepted (status 200);
//! - **transport bytes:** the Signal payload of every `transport_accepted`
//!   envelope;
//! - **tampering:** every `transport_delivered` with `tampered: true`. The event
//!   that follows a delivery is the recipient's verdict: a tampered envelope was
//!   accepted if that event is `cloud_api_decrypted` or `consumer_received`, and
//!   rejected otherwise.
//!
//! The result equals [`crate::Simulation::proof`] for the run that wrote
//! the trace (tested on the chaos seeds); a count-only trace has no events and
//! proves nothing, which [`TraceProofError::CountOnly`] says.

use std::borrow::Cow;

use crate::envelope::Payload;
use crate::proof::{ProofChecker, ProofReport};
use crate::trace::{EventKind, Trace, TraceMode};

/// Why a trace cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TraceProofError {
    /// The trace kept counts only: there are no bytes to scan.
    #[error("a count-only trace holds no events to check")]
    CountOnly,
}

/// What the proof reads of one event, whichever way the event was read (the
/// typed [`Trace`] here, or the light JSON reader of
/// [`crate::trace_json`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofInput<'a> {
    /// A party sent this plaintext.
    Plaintext(Cow<'a, str>),
    /// The transport accepted these Signal bytes.
    TransportBytes(Cow<'a, [u8]>),
    /// The transport delivered an envelope it had tampered with.
    TamperedDelivery,
    /// A recipient decrypted a message (the verdict that accepts a delivery).
    Decrypted,
    /// Anything else.
    Other,
}

/// Folds a trace's events, in order, into the proof.
pub fn prove_inputs<'a>(inputs: impl IntoIterator<Item = ProofInput<'a>>) -> ProofReport {
    let mut checker = ProofChecker::default();
    let mut inputs = inputs.into_iter().peekable();
    while let Some(input) = inputs.next() {
        match input {
            ProofInput::Plaintext(text) => checker.plaintext_sent(&text),
            ProofInput::TransportBytes(bytes) => checker.transport_held(&bytes),
            ProofInput::TamperedDelivery => {
                // The event after a delivery is the recipient's verdict.
                let accepted = inputs.peek() == Some(&ProofInput::Decrypted);
                checker.tampered_delivery(!accepted);
            }
            ProofInput::Decrypted | ProofInput::Other => {}
        }
    }
    checker.report()
}

/// Recomputes the ciphertext-only proof from `trace`.
pub fn prove_trace(trace: &Trace) -> Result<ProofReport, TraceProofError> {
    if trace.mode == TraceMode::CountOnly {
        return Err(TraceProofError::CountOnly);
    }
    Ok(prove_inputs(trace.events.iter().map(|e| input_of(&e.kind))))
}

fn input_of(kind: &EventKind) -> ProofInput<'_> {
    match kind {
        EventKind::ConsumerSent { text, .. } => ProofInput::Plaintext(Cow::Borrowed(text)),
        EventKind::GraphApi { request, response } if response.status == 200 => {
            outbound_text(&request.body)
                .map_or(ProofInput::Other, |t| ProofInput::Plaintext(Cow::Owned(t)))
        }
        EventKind::TransportAccepted { envelope, .. } => match &envelope.payload {
            Payload::Signal { bytes } => ProofInput::TransportBytes(Cow::Borrowed(bytes)),
            _ => ProofInput::Other,
        },
        EventKind::TransportDelivered { tampered: true, .. } => ProofInput::TamperedDelivery,
        EventKind::CloudApiDecrypted { .. } | EventKind::ConsumerReceived { .. } => {
            ProofInput::Decrypted
        }
        _ => ProofInput::Other,
    }
}

/// The text a Graph API send request asks the Cloud API to encrypt: `text.body`
/// for a text message, `reaction.emoji` for a reaction. `None` for anything
/// else (mark-as-read, malformed bodies).
pub(crate) fn outbound_text(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    match json.get("type")?.as_str()? {
        "text" => json.get("text")?.get("body")?.as_str().map(str::to_owned),
        "reaction" => json
            .get("reaction")?
            .get("emoji")?
            .as_str()
            .map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::TransportEnvelope;
    use crate::phone::PhoneNumber;

    fn trace_with_transport_bytes(bytes: &[u8]) -> Trace {
        let consumer = PhoneNumber::parse("+16505551234").unwrap();
        let business = PhoneNumber::parse("+15550001111").unwrap();
        let mut trace = Trace::new(TraceMode::Full);
        trace.push(
            1,
            EventKind::ConsumerSent {
                consumer: consumer.clone(),
                business: business.clone(),
                message_id: "m1".into(),
                text: "a plaintext that must not leak".into(),
                envelope_id: 1,
            },
        );
        trace.push(
            2,
            EventKind::TransportAccepted {
                envelope: TransportEnvelope {
                    id: 1,
                    from: consumer,
                    to: business.clone(),
                    sent_at_ms: 1,
                    payload: Payload::Signal {
                        bytes: bytes.to_vec(),
                    },
                },
                size: bytes.len(),
                retransmission: false,
            },
        );
        trace.push(
            3,
            EventKind::TransportDelivered {
                envelope_id: 1,
                to: business,
                tampered: true,
            },
        );
        trace
    }

    #[test]
    fn a_leak_in_the_trace_is_found_and_a_rejection_is_counted() {
        let mut trace = trace_with_transport_bytes(b"xx a plaintext that must not leak xx");
        let report = prove_trace(&trace).unwrap();
        assert!(report.matches > 0);
        assert_eq!(
            (report.tampered_envelopes, report.tampered_rejected),
            (1, 1)
        );
        assert!(!report.holds);

        trace = trace_with_transport_bytes(&[0x5a; 64]);
        assert!(prove_trace(&trace).unwrap().holds);
    }

    #[test]
    fn a_tampered_envelope_that_decrypted_breaks_the_proof() {
        let mut trace = trace_with_transport_bytes(&[0x5a; 64]);
        trace.push(
            4,
            EventKind::CloudApiDecrypted {
                envelope_id: 1,
                from: PhoneNumber::parse("+16505551234").unwrap(),
                phone_number_id: "1".into(),
                wamid: "wamid.x".into(),
                text: "a plaintext that must not leak".into(),
            },
        );
        let report = prove_trace(&trace).unwrap();
        assert_eq!(report.tampered_rejected, 0);
        assert!(!report.holds);
    }

    #[test]
    fn a_count_only_trace_proves_nothing() {
        assert_eq!(
            prove_trace(&Trace::new(TraceMode::CountOnly)),
            Err(TraceProofError::CountOnly)
        );
    }
}
