//! The WhatsApp transport: what it sees of every envelope, its queues, its
//! integrity signals, and the proof that it only ever held ciphertext.

use serde::Serialize;

use crate::journey::Journey;
use crate::phone::PhoneNumber;
use crate::proof::ProofReport;
use crate::router::Simulation;
use crate::trace::EventKind;
use crate::transport::EnvelopeMetadata;
use crate::transport::integrity::BusinessSignals;
use crate::view::ViewOptions;
use crate::view::lines::{self, Line};
use crate::wire::{EnvelopeId, Payload};

/// Bytes of an envelope's ciphertext shown in a log row.
pub const PREVIEW_BYTES: usize = 12;

/// One row of the transport's log: what it saw of one envelope.
#[derive(Debug, Clone, Serialize)]
pub struct LogRow {
    /// Envelope id (unique per sender).
    pub id: u64,
    /// Sender number.
    pub from: crate::phone::PhoneNumber,
    /// Recipient number.
    pub to: crate::phone::PhoneNumber,
    /// When it was accepted.
    pub at_ms: u64,
    /// Size in bytes.
    pub size: usize,
    /// `signal`, `receipt` or `retry_request`.
    pub kind: String,
    /// Whether the sender had sent it before.
    pub retransmission: bool,
    /// Its position in the log (oldest kept = 0).
    pub position: usize,
    /// The first bytes of its Signal ciphertext, hex (empty for receipts and
    /// retry requests).
    pub preview: String,
    /// The key of the message it carried, for a Signal envelope.
    pub journey: Option<String>,
}

/// One offline device's queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePane {
    /// The recipient's E.164 number.
    pub recipient: String,
    /// Envelope ids waiting, oldest first.
    pub envelope_ids: Vec<u64>,
}

/// What the integrity monitor sees of one business.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrityPane {
    /// The business's E.164 number.
    pub business: String,
    /// Its signals and the action in force.
    pub signals: BusinessSignals,
    /// The action's name.
    pub action: &'static str,
}

/// The proof, said in words.
#[derive(Debug, Clone, Serialize)]
pub struct ProofBadge {
    /// Whether no plaintext was found.
    pub holds: bool,
    /// The badge.
    pub text: String,
    /// How it was computed.
    pub detail: String,
}

/// The transport's view: metadata and ciphertext only.
#[derive(Debug, Clone, Serialize)]
pub struct TransportPane {
    /// The newest metadata rows (or the window asked for), oldest first.
    pub log: Vec<LogRow>,
    /// Rows the transport still keeps (it keeps at most 10,000).
    pub log_total: usize,
    /// Envelopes accepted in all.
    pub accepted_total: u64,
    /// Envelopes queued per offline recipient.
    pub queues: Vec<QueuePane>,
    /// Integrity signals per business number.
    pub integrity: Vec<IntegrityPane>,
    /// Registered devices.
    pub registered: usize,
    /// The newest faults and verdicts, newest first.
    pub verdicts: Vec<Line>,
    /// The proof badge.
    pub badge: ProofBadge,
}

/// `n` with thousands separators: 12,345.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn badge(proof: &ProofReport) -> ProofBadge {
    let holds = proof.matches == 0;
    ProofBadge {
        holds,
        text: if holds {
            format!(
                "content visible to transport: none — {} messages, {} bytes checked",
                thousands(proof.messages_checked),
                thousands(proof.bytes_scanned)
            )
        } else {
            format!(
                "content visible to transport: FOUND — {} plaintext windows matched",
                thousands(proof.matches)
            )
        },
        detail: format!(
            "Computed from the transport's bytes: every 8-byte window of every plaintext sent, \
             searched in all {} bytes the transport held. Tampered envelopes: {}, rejected by \
             their recipient: {}.",
            thousands(proof.bytes_scanned),
            proof.tampered_envelopes,
            proof.tampered_rejected
        ),
    }
}

/// The Signal bytes of a journey's envelope as the transport first accepted
/// them: from its log, or from the trace once the log has moved on.
pub(crate) fn accepted_bytes(
    sim: &Simulation,
    journey: &Journey,
    id: EnvelopeId,
) -> Option<Vec<u8>> {
    let sender = match journey.direction {
        crate::cloud_api::store::Direction::Inbound => &journey.consumer,
        crate::cloud_api::store::Direction::Outbound => &journey.business,
    };
    let sender = PhoneNumber::parse(sender).ok()?;
    let in_log = sim
        .transport()
        .log()
        .iter()
        .find(|r| r.id == id && r.from == sender && !r.bytes.is_empty())
        .map(|r| r.bytes.clone());
    in_log.or_else(|| {
        sim.trace().events.iter().find_map(|e| match &e.kind {
            EventKind::TransportAccepted { envelope, .. }
                if envelope.id == id && envelope.from == sender =>
            {
                match &envelope.payload {
                    Payload::Signal { bytes } => Some(bytes.clone()),
                    _ => None,
                }
            }
            _ => None,
        })
    })
}

impl TransportPane {
    /// The transport's pane; `proof` is the simulation's.
    pub fn of(sim: &Simulation, options: &ViewOptions, proof: &ProofReport) -> TransportPane {
        pane(sim, options, proof)
    }

    /// Rows `window` of the log (by position, oldest kept = 0), for a
    /// virtualised list that asks for the rows in view.
    pub fn log_rows(sim: &Simulation, window: std::ops::Range<usize>) -> Vec<LogRow> {
        let journeys = sim.journeys();
        sim.transport()
            .log()
            .range(window.clone())
            .zip(window.start..)
            .map(|(m, position): (&EnvelopeMetadata, usize)| LogRow {
                id: m.id,
                from: m.from.clone(),
                to: m.to.clone(),
                at_ms: m.at_ms,
                size: m.size,
                kind: m.kind.clone(),
                retransmission: m.retransmission,
                position,
                preview: hex::encode(
                    m.bytes
                        .get(..PREVIEW_BYTES.min(m.bytes.len()))
                        .unwrap_or_default(),
                ),
                journey: (m.kind == "signal")
                    .then(|| journeys.carried_by(&m.from, m.id).map(|j| j.key.clone()))
                    .flatten(),
            })
            .collect()
    }
}

fn pane(sim: &Simulation, options: &ViewOptions, proof: &ProofReport) -> TransportPane {
    let t = sim.transport();
    let total = t.log().len();
    let window = options
        .log_window
        .clone()
        .unwrap_or(total.saturating_sub(options.list_limit)..total);
    let rows = TransportPane::log_rows(sim, window);
    let verdicts = sim
        .trace()
        .events
        .iter()
        .rev()
        .filter_map(lines::verdict)
        .take(options.recent)
        .collect();
    TransportPane {
        log: rows,
        log_total: total,
        accepted_total: t.log().total(),
        queues: t
            .queues()
            .iter()
            .map(|(number, q)| QueuePane {
                recipient: number.e164(),
                envelope_ids: q.iter().map(|e| e.id).collect(),
            })
            .collect(),
        integrity: t
            .integrity()
            .signals()
            .iter()
            .map(|(number, signals)| IntegrityPane {
                business: number.e164(),
                action: signals.action.name(),
                signals: signals.clone(),
            })
            .collect(),
        registered: t.registered(),
        verdicts,
        badge: badge(proof),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000), "1,000");
        assert_eq!(super::thousands(6_822_767), "6,822,767");
    }
}
