//! What crosses the WhatsApp transport: a [`TransportEnvelope`] with an id, the
//! sender's and the recipient's numbers, a timestamp and a payload: Signal
//! ciphertext, a receipt (ids only) or a retry request. Only the two ends of
//! the Signal session know the [`crate::wire::AppMessage`] inside.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;

/// An envelope's id, chosen by its sender (each device counts from 1).
/// Retransmissions reuse it, so an envelope is named by its sender and its id:
/// an [`EnvelopeRef`].
pub type EnvelopeId = u64;

/// An envelope, named the only way that is unique: by sender and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EnvelopeRef {
    /// The sender's number.
    pub from: PhoneNumber,
    /// The sender's id for it.
    pub id: EnvelopeId,
}

impl fmt::Display for EnvelopeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} from {}", self.id, self.from)
    }
}

/// Receipt kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// The recipient's device has the message.
    Delivered,
    /// The recipient read it.
    Read,
}

/// A transport payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// A Signal envelope (`cipherflow v1` wire bytes).
    Signal {
        /// The bytes, as hex in JSON.
        #[serde(with = "hex::serde")]
        bytes: Vec<u8>,
    },
    /// A receipt for earlier envelopes of the recipient's, by id.
    Receipt {
        /// Delivered or read.
        receipt: ReceiptKind,
        /// The envelope ids acknowledged (the recipient of the receipt sent them).
        ids: Vec<EnvelopeId>,
    },
    /// "typing…": the sender is writing a reply (a chat state, shown for at
    /// most 25 s from `sent_at_ms` or until the sender's next message).
    Typing,
    /// "I have no session for this envelope: start a new one and send it again."
    RetryRequest {
        /// The envelope that could not be decrypted (the recipient of the request sent it).
        id: EnvelopeId,
    },
}

impl Payload {
    /// `signal`, `receipt` or `retry_request`, as the metadata log names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::Signal { .. } => "signal",
            Payload::Receipt { .. } => "receipt",
            Payload::RetryRequest { .. } => "retry_request",
            Payload::Typing => "typing",
        }
    }
}

/// One envelope on the transport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportEnvelope {
    /// Its id (unique for its sender).
    pub id: EnvelopeId,
    /// Sender.
    pub from: PhoneNumber,
    /// Recipient.
    pub to: PhoneNumber,
    /// When the sender first sent it (virtual ms).
    pub sent_at_ms: u64,
    /// What it carries.
    pub payload: Payload,
}

impl TransportEnvelope {
    /// Size on the wire: id, numbers, time and payload (what the transport meters).
    pub fn size(&self) -> usize {
        let payload = match &self.payload {
            Payload::Signal { bytes } => bytes.len(),
            Payload::Receipt { ids, .. } => 1 + 8 * ids.len(),
            Payload::RetryRequest { .. } => 8,
            Payload::Typing => 0,
        };
        8 + self.from.wa_id().len() + self.to.wa_id().len() + 8 + payload
    }

    /// The envelope's name: sender and id.
    pub fn reference(&self) -> EnvelopeRef {
        EnvelopeRef {
            from: self.from.clone(),
            id: self.id,
        }
    }
}
