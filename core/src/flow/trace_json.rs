//! Reading trace JSON lightly: the checks and the proof the npm module runs on
//! an imported trace, without the full typed model of every event.
//!
//! The typed [`crate::flow::trace::Trace`] deserializer is complete but large
//! (every field of 21 event kinds, internally tagged): in the npm module's wasm
//! it cost more than 100 KB. This reader checks what makes a trace a trace:
//!
//! - the top level is `{"mode", "events", "total"}` with a known mode;
//! - events are numbered `seq` = 0, 1, 2..., at most `total` of them, with
//!   non-decreasing `at_ms` and a `type` from [`EVENT_TYPES`];
//!
//! and reads only the fields the proof needs, producing the same
//! [`crate::flow::trace_proof::ProofInput`]s as the typed trace. A test checks
//! that both readers prove the same on the chaos seeds.

use std::borrow::Cow;

use serde::Deserialize;

use crate::flow::proof::ProofReport;
use crate::flow::trace::TraceMode;
use crate::flow::trace_proof::{ProofInput, outbound_text, prove_inputs};

/// Every event `type`, as the trace writes it.
pub const EVENT_TYPES: [&str; 21] = [
    "consumer_sent",
    "session_created",
    "transport_accepted",
    "transport_queued",
    "transport_refused",
    "transport_fault",
    "transport_delivered",
    "cloud_api_decrypted",
    "rejected",
    "duplicate_ignored",
    "consumer_received",
    "receipt_sent",
    "retry_requested",
    "retransmitted",
    "webhook",
    "graph_api",
    "retention_purged",
    "integrity_action_taken",
    "spam_reported",
    "connectivity_changed",
    "identity_rotated",
];

/// Why trace JSON was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceJsonError {
    /// Not JSON of the trace's shape.
    #[error("not trace JSON: {0}")]
    Shape(String),
    /// An event `type` no trace writes.
    #[error("event {seq} has unknown type {kind:?}")]
    UnknownType {
        /// The event's position.
        seq: u64,
        /// Its type.
        kind: String,
    },
    /// Events out of order or more than `total`.
    #[error("event {0} is out of order (seq must count 0, 1, 2... and time must not go back)")]
    OutOfOrder(u64),
    /// A count-only trace has no events to prove anything from.
    #[error("a count-only trace holds no events to check")]
    CountOnly,
}

/// A trace, read lightly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LightTrace {
    mode: TraceMode,
    events: Vec<LightEvent>,
    total: u64,
}

#[derive(Debug, Deserialize)]
struct LightEvent {
    seq: u64,
    at_ms: u64,
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    envelope: Option<LightEnvelope>,
    tampered: Option<bool>,
    request: Option<LightRequest>,
    response: Option<LightResponse>,
}

#[derive(Debug, Deserialize)]
struct LightEnvelope {
    payload: LightPayload,
}

#[derive(Debug, Deserialize)]
struct LightPayload {
    kind: String,
    bytes: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LightRequest {
    #[serde(with = "crate::flow::http::body_text")]
    body: Vec<u8>,
}

#[derive(Debug, Deserialize)]
struct LightResponse {
    status: u16,
}

impl LightTrace {
    /// Parses and checks trace JSON.
    pub fn parse(json: &str) -> Result<Self, TraceJsonError> {
        let trace: LightTrace = serde_json::from_slice(json.as_bytes())
            .map_err(|e| TraceJsonError::Shape(e.to_string()))?;
        let mut last_ms = 0;
        for (event, seq) in trace.events.iter().zip(0u64..) {
            if event.seq != seq || event.at_ms < last_ms || seq >= trace.total {
                return Err(TraceJsonError::OutOfOrder(event.seq));
            }
            last_ms = event.at_ms;
            if !EVENT_TYPES.contains(&event.kind.as_str()) {
                return Err(TraceJsonError::UnknownType {
                    seq,
                    kind: event.kind.clone(),
                });
            }
        }
        Ok(trace)
    }

    /// Events kept (0 in a count-only trace).
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether no events were kept.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The ciphertext-only proof from this trace alone.
    pub fn prove(&self) -> Result<ProofReport, TraceJsonError> {
        if self.mode == TraceMode::CountOnly {
            return Err(TraceJsonError::CountOnly);
        }
        let mut inputs = Vec::with_capacity(self.events.len());
        for event in &self.events {
            inputs.push(input_of(event).map_err(TraceJsonError::Shape)?);
        }
        Ok(prove_inputs(inputs))
    }
}

fn input_of(event: &LightEvent) -> Result<ProofInput<'_>, String> {
    let missing = |field: &str| format!("event {} ({}) has no {field}", event.seq, event.kind);
    Ok(match event.kind.as_str() {
        "consumer_sent" => ProofInput::Plaintext(Cow::Borrowed(
            event.text.as_deref().ok_or_else(|| missing("text"))?,
        )),
        "graph_api" => {
            let status = event
                .response
                .as_ref()
                .ok_or_else(|| missing("response"))?
                .status;
            let request = event.request.as_ref().ok_or_else(|| missing("request"))?;
            match outbound_text(&request.body) {
                Some(text) if status == 200 => ProofInput::Plaintext(Cow::Owned(text)),
                _ => ProofInput::Other,
            }
        }
        "transport_accepted" => {
            let payload = &event
                .envelope
                .as_ref()
                .ok_or_else(|| missing("envelope"))?
                .payload;
            if payload.kind == "signal" {
                let hex = payload
                    .bytes
                    .as_deref()
                    .ok_or_else(|| missing("payload bytes"))?;
                let bytes = hex::decode(hex).map_err(|e| format!("event {}: {e}", event.seq))?;
                ProofInput::TransportBytes(Cow::Owned(bytes))
            } else {
                ProofInput::Other
            }
        }
        "transport_delivered" if event.tampered.ok_or_else(|| missing("tampered"))? => {
            ProofInput::TamperedDelivery
        }
        "cloud_api_decrypted" | "consumer_received" => ProofInput::Decrypted,
        _ => ProofInput::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"seq":0,"at_ms":5,"type":"connectivity_changed","number":"16505550101","online":false}"#;

    #[test]
    fn a_small_trace_parses_and_proves() {
        let json = format!(r#"{{"mode":"full","events":[{EVENT}],"total":1}}"#);
        let trace = LightTrace::parse(&json).unwrap();
        assert_eq!(trace.len(), 1);
        assert!(trace.prove().unwrap().holds);
    }

    #[test]
    fn malformed_traces_are_refused() {
        for (json, why) in [
            ("{", "not JSON"),
            (r#"{"mode":"full","events":[]}"#, "no total"),
            (
                r#"{"mode":"partial","events":[],"total":0}"#,
                "unknown mode",
            ),
            (
                &format!(r#"{{"mode":"full","events":[{EVENT}],"total":0}}"#),
                "more events than total",
            ),
            (
                &format!(r#"{{"mode":"full","events":[{EVENT},{EVENT}],"total":2}}"#),
                "seq repeats",
            ),
            (
                r#"{"mode":"full","events":[{"seq":0,"at_ms":1,"type":"teleported"}],"total":1}"#,
                "unknown type",
            ),
        ] {
            assert!(LightTrace::parse(json).is_err(), "{why}");
        }
        let missing =
            r#"{"mode":"full","events":[{"seq":0,"at_ms":1,"type":"consumer_sent"}],"total":1}"#;
        assert!(matches!(
            LightTrace::parse(missing).unwrap().prove(),
            Err(TraceJsonError::Shape(_))
        ));
        let count_only = r#"{"mode":"count_only","events":[],"total":9}"#;
        assert_eq!(
            LightTrace::parse(count_only).unwrap().prove(),
            Err(TraceJsonError::CountOnly)
        );
    }
}
