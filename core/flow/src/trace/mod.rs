//! The typed trace: every hop, every verdict, every exchange, in virtual time.
//! Each event carries the ids that link it to the message it concerns (the
//! consumer's message id, the envelope as sender and id, the wamid, the HTTPS
//! exchange), written by the party that made the link, so a message's whole
//! path is read from the links, never guessed (see [`crate::journey`]).
//!
//! - [`events`]: the event kinds.
//! - [`json`]: a light reader of trace JSON (what the npm module imports).
//! - [`proof`]: the ciphertext-only proof recomputed from a trace alone.

mod events;
pub mod json;
pub mod proof;

pub use events::{EventKind, StatusLink};
use serde::{Deserialize, Serialize};

/// Whether the trace keeps every event or only counts them (for scale runs,
/// where memory must stay bounded by live data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceMode {
    /// Keep every event.
    #[default]
    Full,
    /// Count events only.
    CountOnly,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceEvent {
    /// Position in the trace.
    pub seq: u64,
    /// Virtual time, ms.
    pub at_ms: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Trace {
    /// Full or count-only.
    pub mode: TraceMode,
    /// The events (empty in count-only mode).
    pub events: Vec<TraceEvent>,
    /// Events recorded in total.
    pub total: u64,
}

impl Trace {
    /// An empty trace.
    pub fn new(mode: TraceMode) -> Self {
        Self {
            mode,
            events: Vec::new(),
            total: 0,
        }
    }

    /// Appends an event.
    pub fn push(&mut self, at_ms: u64, kind: EventKind) {
        if self.mode == TraceMode::Full {
            self.events.push(TraceEvent {
                seq: self.total,
                at_ms,
                kind,
            });
        }
        self.total += 1;
    }
}
