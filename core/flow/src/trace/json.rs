//! Reading trace JSON lightly: the checks and the proof the npm module runs on
//! an imported trace, without the full typed model of every event.
//!
//! The typed [`crate::trace::Trace`] deserializer is complete but large
//! (every field of 26 event kinds, internally tagged): in the npm module's wasm
//! it cost more than 100 KB. This reader checks what makes a trace a trace:
//!
//! - the top level is `{"mode", "events", "total"}` with a known mode;
//! - events are numbered `seq` = 0, 1, 2..., at most `total` of them, with
//!   non-decreasing `at_ms` and a `type` from [`EVENT_TYPES`];
//!
//! and reads only the fields the proof needs, producing the same
//! [`crate::trace::proof::ProofInput`]s as the typed trace. A test checks
//! that both readers prove the same on the chaos seeds.

use std::borrow::Cow;

use crate::proof::ProofReport;
use crate::trace::TraceMode;
use crate::trace::proof::{ProofInput, outbound_text, prove_inputs};
use cipherflow_protocol::json_fields::{FieldError, Fields, ParsedJson};

/// Every event `type`, as the trace writes it.
pub const EVENT_TYPES: [&str; 29] = [
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
    "webhook_failed",
    "webhook_dropped",
    "webhook_fault",
    "graph_api",
    "retention_purged",
    "integrity_action_taken",
    "spam_reported",
    "connectivity_changed",
    "identity_rotated",
    "cloud_api_encrypted",
    "retry_deferred",
    "failure",
    "meta_shared",
    "breach_changed",
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

/// A trace, read lightly: the parsed JSON, checked.
pub struct LightTrace {
    json: ParsedJson,
    mode: TraceMode,
    len: usize,
}

impl std::fmt::Debug for LightTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LightTrace")
            .field("mode", &self.mode)
            .field("events", &self.len)
            .finish()
    }
}

fn shape(e: FieldError) -> TraceJsonError {
    TraceJsonError::Shape(e.0)
}

impl LightTrace {
    /// Parses and checks trace JSON.
    pub fn parse(json: &str) -> Result<Self, TraceJsonError> {
        let parsed = ParsedJson::parse(json.as_bytes()).map_err(shape)?;
        let top = parsed.fields("trace").map_err(shape)?;
        let top = top.only(&["mode", "events", "total"]).map_err(shape)?;
        let mode = match top.str("mode").map_err(shape)? {
            "full" => TraceMode::Full,
            "count_only" => TraceMode::CountOnly,
            other => return Err(TraceJsonError::Shape(format!("unknown mode {other:?}"))),
        };
        let total = top.u64("total").map_err(shape)?;
        let events = top.array("events").map_err(shape)?;
        let mut last_ms = 0;
        for (event, seq) in events.iter().zip(0u64..) {
            let f = Fields::of(event, "event").map_err(shape)?;
            let (at_ms, kind) = (
                f.u64("at_ms").map_err(shape)?,
                f.str("type").map_err(shape)?,
            );
            if f.u64("seq").map_err(shape)? != seq || at_ms < last_ms || seq >= total {
                return Err(TraceJsonError::OutOfOrder(seq));
            }
            last_ms = at_ms;
            if !EVENT_TYPES.contains(&kind) {
                return Err(TraceJsonError::UnknownType {
                    seq,
                    kind: kind.to_owned(),
                });
            }
        }
        let len = events.len();
        Ok(Self {
            json: parsed,
            mode,
            len,
        })
    }

    /// Events kept (0 in a count-only trace).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no events were kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ciphertext-only proof from this trace alone.
    pub fn prove(&self) -> Result<ProofReport, TraceJsonError> {
        if self.mode == TraceMode::CountOnly {
            return Err(TraceJsonError::CountOnly);
        }
        let events = self
            .json
            .fields("trace")
            .and_then(|t| t.array("events"))
            .map_err(shape)?;
        let mut inputs = Vec::with_capacity(events.len());
        for event in events {
            inputs.push(input_of(Fields::of(event, "event").map_err(shape)?).map_err(shape)?);
        }
        Ok(prove_inputs(inputs))
    }
}

fn input_of(f: Fields<'_>) -> Result<ProofInput<'_>, FieldError> {
    Ok(match f.str("type")? {
        "consumer_sent" => ProofInput::ConsumerSent {
            by: Cow::Borrowed(f.str("consumer")?),
            text: Cow::Borrowed(f.str("text")?),
        },
        "cloud_api_decrypted" => ProofInput::Decrypted {
            from: Cow::Borrowed(f.str("from")?),
            text: Cow::Borrowed(f.str("text")?),
        },
        "graph_api" => {
            let status = f.object("response")?.u64("status")?;
            let body = f.object("request")?.str("body")?;
            let body = match body.strip_prefix("hex:") {
                Some(h) => hex::decode(h).map_err(|e| FieldError(format!("request body: {e}")))?,
                None => body.as_bytes().to_vec(),
            };
            match outbound_text(&body) {
                Some(text) if status == 200 => ProofInput::Plaintext(Cow::Owned(text)),
                _ => ProofInput::Other,
            }
        }
        "transport_accepted" => {
            let payload = f.object("envelope")?.object("payload")?;
            if payload.str("kind")? == "signal" {
                let bytes = hex::decode(payload.str("bytes")?)
                    .map_err(|e| FieldError(format!("payload bytes: {e}")))?;
                ProofInput::TransportBytes(Cow::Owned(bytes))
            } else {
                ProofInput::Other
            }
        }
        "transport_delivered" => ProofInput::Delivery {
            tampered: f.bool("tampered")?,
        },
        "consumer_received" => ProofInput::Verdict(true),
        "rejected" | "duplicate_ignored" => {
            ProofInput::Verdict(f.has("decrypted") && f.bool("decrypted")?)
        }
        "retry_requested" => ProofInput::Verdict(false),
        "meta_shared" if f.str("to")? == "transport" => match f.opt_str("content")? {
            Some(text) => ProofInput::TransportBytes(Cow::Borrowed(text.as_bytes())),
            None => ProofInput::Other,
        },
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
