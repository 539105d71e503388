//! The ciphertext-only proof as a fold over trace events: the live proof and
//! the proof of an exported trace run this same code on the same events.
//!
//! What it reads:
//!
//! - **plaintexts:** every `consumer_sent` text, the text (or reaction
//!   emoji) of every Graph API `/messages` request the Cloud API accepted
//!   (status 200), and every `cloud_api_decrypted` text from a consumer the
//!   trace never saw send (a phone outside the router);
//! - **transport bytes:** the Signal payload of every `transport_accepted`
//!   envelope, and any message content shared with the transport
//!   (`meta_shared` with `content`, which only a breach produces);
//! - **tampering:** every `transport_delivered` with `tampered: true`, and the
//!   recipient's verdict, the first verdict event before the next delivery
//!   (see [`EventKind::verdict`]): accepted when the bytes decrypted.

use std::borrow::Cow;

use crate::proof::{ProofChecker, ProofReport};
use crate::trace::{EventKind, Trace, TraceMode};
use crate::wire::{PartyKind, Payload};

/// Why a trace cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TraceProofError {
    /// The trace kept counts only: there are no bytes to scan.
    #[error("a count-only trace holds no events to check")]
    CountOnly,
}

/// What the proof reads of one event, whichever way the event was read (the
/// typed [`Trace`] here, or the light JSON reader of [`crate::trace::json`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofInput<'a> {
    /// A party sent this plaintext.
    Plaintext(Cow<'a, str>),
    /// A consumer's client the router runs sent this plaintext (`by`: its
    /// number's digits).
    ConsumerSent {
        /// The sender's number.
        by: Cow<'a, str>,
        /// The text.
        text: Cow<'a, str>,
    },
    /// The Cloud API decrypted a consumer's message (a verdict: the bytes
    /// decrypted). When the trace never saw that consumer send (its phone is
    /// outside the router: a live workshop's phone), the text is a plaintext
    /// to search for too: the Cloud API is where the server first learns it.
    Decrypted {
        /// The sender's number.
        from: Cow<'a, str>,
        /// The text.
        text: Cow<'a, str>,
    },
    /// The transport held these bytes.
    TransportBytes(Cow<'a, [u8]>),
    /// An envelope reached its recipient, tampered with or not.
    Delivery {
        /// Whether a bit was flipped on the way.
        tampered: bool,
    },
    /// A recipient's verdict: whether the bytes decrypted.
    Verdict(bool),
    /// Anything else.
    Other,
}

impl ProofChecker {
    /// Folds one input in.
    pub fn push(&mut self, input: ProofInput<'_>) {
        match input {
            ProofInput::Plaintext(text) => self.plaintext_sent(&text),
            ProofInput::ConsumerSent { by, text } => {
                self.consumer_sent_by(&by);
                self.plaintext_sent(&text);
            }
            ProofInput::Decrypted { from, text } => {
                self.verdict(true);
                if !self.saw_consumer_send(&from) {
                    self.plaintext_sent(&text);
                }
            }
            ProofInput::TransportBytes(bytes) => self.transport_held(&bytes),
            ProofInput::Delivery { tampered } => self.delivery(tampered),
            ProofInput::Verdict(decrypted) => self.verdict(decrypted),
            ProofInput::Other => {}
        }
    }
}

/// Folds a trace's events, in order, into the proof.
pub fn prove_inputs<'a>(inputs: impl IntoIterator<Item = ProofInput<'a>>) -> ProofReport {
    let mut checker = ProofChecker::default();
    for input in inputs {
        checker.push(input);
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

/// What the proof reads of one event.
pub fn input_of(kind: &EventKind) -> ProofInput<'_> {
    if let EventKind::CloudApiDecrypted { from, text, .. } = kind {
        return ProofInput::Decrypted {
            from: Cow::Borrowed(from.wa_id()),
            text: Cow::Borrowed(text),
        };
    }
    if let Some(decrypted) = kind.verdict() {
        return ProofInput::Verdict(decrypted);
    }
    match kind {
        EventKind::ConsumerSent { consumer, text, .. } => ProofInput::ConsumerSent {
            by: Cow::Borrowed(consumer.wa_id()),
            text: Cow::Borrowed(text),
        },
        EventKind::GraphApi {
            request, response, ..
        } if response.status == 200 => outbound_text(&request.body)
            .map_or(ProofInput::Other, |t| ProofInput::Plaintext(Cow::Owned(t))),
        EventKind::TransportAccepted { envelope, .. } => match &envelope.payload {
            Payload::Signal { bytes } => ProofInput::TransportBytes(Cow::Borrowed(bytes)),
            _ => ProofInput::Other,
        },
        EventKind::MetaShared {
            to,
            content: Some(text),
            ..
        } if *to == PartyKind::Transport => {
            ProofInput::TransportBytes(Cow::Borrowed(text.as_bytes()))
        }
        EventKind::TransportDelivered { tampered, .. } => ProofInput::Delivery {
            tampered: *tampered,
        },
        _ => ProofInput::Other,
    }
}

/// The text a Graph API send request asks the Cloud API to encrypt: `text.body`
/// for a text message, `reaction.emoji` for a reaction. `None` for anything
/// else (mark-as-read, malformed bodies).
pub fn outbound_text(body: &[u8]) -> Option<String> {
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
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::phone::PhoneNumber;
    use crate::wire::TransportEnvelope;

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
                    from: consumer.clone(),
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
                from: consumer,
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
                message_id: "m1".into(),
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
