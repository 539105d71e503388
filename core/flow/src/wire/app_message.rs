//! The application message inside a Signal ciphertext: what the consumer's
//! client and the Cloud API (the two ends of the session) read, and nobody in
//! between.

use serde::{Deserialize, Serialize};

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
        /// The id of the message this one quotes, as the recipient knows it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<String>,
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
                reply_to: f.opt_str("reply_to").ok()?.map(str::to_owned),
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

    /// What a person wrote: the text, or the reaction's emoji.
    pub fn content(&self) -> &str {
        match self {
            AppMessage::Text { body, .. } => body,
            AppMessage::Reaction { emoji, .. } => emoji,
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn from_bytes_reads_what_to_bytes_writes_as_serde_would() {
        for message in [
            AppMessage::Text {
                id: "m1".into(),
                body: "héllo \"there\"".into(),
                name: Some("Ana".into()),
                reply_to: Some("wamid.x".into()),
            },
            AppMessage::Text {
                id: "m2".into(),
                body: "no name".into(),
                name: None,
                reply_to: None,
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
