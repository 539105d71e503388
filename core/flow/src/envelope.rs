//! What crosses the WhatsApp transport, and what is inside the Signal ciphertext.
//!
//! The transport sees a [`TransportEnvelope`]: an id, the sender's and the
//! recipient's numbers, a timestamp and a payload: Signal ciphertext, a receipt
//! (ids only) or a retry request. The [`AppMessage`] inside the ciphertext is
//! known only to the two ends of the Signal session: the consumer's client and
//! the Cloud API.

use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;

/// The transport-visible id of an envelope. Retransmissions reuse it.
pub type EnvelopeId = u64;

/// Receipt kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// A receipt for earlier envelopes, by id.
    Receipt {
        /// Delivered or read.
        receipt: ReceiptKind,
        /// The envelope ids acknowledged.
        ids: Vec<EnvelopeId>,
    },
    /// "I have no session for this envelope: start a new one and send it again."
    RetryRequest {
        /// The envelope that could not be decrypted.
        id: EnvelopeId,
    },
}

/// One envelope on the transport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportEnvelope {
    /// Its id.
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
    /// Size on the wire: ids, numbers, time and payload (what the transport meters).
    pub fn size(&self) -> usize {
        let payload = match &self.payload {
            Payload::Signal { bytes } => bytes.len(),
            Payload::Receipt { ids, .. } => 1 + 8 * ids.len(),
            Payload::RetryRequest { .. } => 8,
        };
        8 + self.from.wa_id().len() + self.to.wa_id().len() + 8 + payload
    }
}

/// The application message inside a Signal ciphertext (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum AppMessage {
    /// A text message. `id` is the sender's message id (a wamid for business messages).
    Text {
        /// Message id.
        id: String,
        /// The text.
        body: String,
        /// The sender's profile ("push") name, sent by consumers' clients.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// A reaction to an earlier message.
    Reaction {
        /// This reaction's id.
        id: String,
        /// The message reacted to.
        target: String,
        /// The emoji; empty removes the reaction.
        emoji: String,
    },
}

impl AppMessage {
    /// The JSON bytes that get encrypted.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses decrypted bytes (the format `to_bytes` writes). Read field by
    /// field from a JSON value: the derived deserializer of this internally
    /// tagged enum was 8 KB of wasm on its own.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let json = cipherflow_protocol::json_fields::ParsedJson::parse(bytes).ok()?;
        let f = json.fields("message").ok()?;
        let owned = |field| f.str(field).ok().map(str::to_owned);
        match f.str("t").ok()? {
            "text" => Some(AppMessage::Text {
                id: owned("id")?,
                body: owned("body")?,
                name: f.opt_str("name").ok()?.map(str::to_owned),
            }),
            "reaction" => Some(AppMessage::Reaction {
                id: owned("id")?,
                target: owned("target")?,
                emoji: owned("emoji")?,
            }),
            _ => None,
        }
    }

    /// The message id.
    pub fn id(&self) -> &str {
        match self {
            AppMessage::Text { id, .. } | AppMessage::Reaction { id, .. } => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_bytes_reads_what_to_bytes_writes_as_serde_would() {
        for message in [
            AppMessage::Text {
                id: "m1".into(),
                body: "héllo \"there\"".into(),
                name: Some("Ana".into()),
            },
            AppMessage::Text {
                id: "m2".into(),
                body: "no name".into(),
                name: None,
            },
            AppMessage::Reaction {
                id: "r1".into(),
                target: "m1".into(),
                emoji: "👍".into(),
            },
        ] {
            let bytes = message.to_bytes();
            assert_eq!(AppMessage::from_bytes(&bytes), Some(message.clone()));
            assert_eq!(
                serde_json::from_slice::<AppMessage>(&bytes).unwrap(),
                message
            );
        }
        for bad in [
            &b"{}"[..],
            b"[]",
            b"{\"t\":\"text\",\"id\":\"x\"}",
            b"{\"t\":\"video\",\"id\":\"x\"}",
            b"\xff",
        ] {
            assert_eq!(AppMessage::from_bytes(bad), None);
        }
    }
}
