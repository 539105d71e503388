//! The transport's metadata log: what it sees of each envelope it accepts,
//! bounded to the newest [`METADATA_LOG`] rows.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;
use crate::wire::{EnvelopeId, Payload, TransportEnvelope};

/// How many metadata rows the log keeps.
pub const METADATA_LOG: usize = 10_000;

/// What the transport sees of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeMetadata {
    /// Envelope id (unique per sender).
    pub id: EnvelopeId,
    /// Sender number.
    pub from: PhoneNumber,
    /// Recipient number.
    pub to: PhoneNumber,
    /// When it was accepted.
    pub at_ms: u64,
    /// Size in bytes.
    pub size: usize,
    /// `signal`, `receipt` or `retry_request`.
    pub kind: String,
    /// Whether the sender had sent it before.
    #[serde(default)]
    pub retransmission: bool,
    /// The Signal bytes it carried, as the transport held them (empty for
    /// receipts and retry requests).
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// The log, oldest first.
#[derive(Debug, Clone, Default)]
pub struct MetadataLog {
    rows: VecDeque<EnvelopeMetadata>,
    total: u64,
}

impl MetadataLog {
    pub(crate) fn record(
        &mut self,
        envelope: &TransportEnvelope,
        at_ms: u64,
        retransmission: bool,
    ) {
        self.rows.push_back(EnvelopeMetadata {
            id: envelope.id,
            from: envelope.from.clone(),
            to: envelope.to.clone(),
            at_ms,
            size: envelope.size(),
            kind: envelope.payload.kind().to_owned(),
            retransmission,
            bytes: match &envelope.payload {
                Payload::Signal { bytes } => bytes.clone(),
                _ => Vec::new(),
            },
        });
        self.total += 1;
        while self.rows.len() > METADATA_LOG {
            self.rows.pop_front();
        }
    }

    /// Rows kept.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row is kept.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Envelopes accepted in all (rows beyond the cap were dropped).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The rows, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &EnvelopeMetadata> + ExactSizeIterator {
        self.rows.iter()
    }

    /// Rows `range` (by position, oldest = 0).
    pub fn range(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl DoubleEndedIterator<Item = &EnvelopeMetadata> {
        let end = range.end.min(self.rows.len());
        let start = range.start.min(end);
        self.rows.range(start..end)
    }
}
