//! What a consumer sees on the phone: chat bubbles with their ticks, and the
//! identity key it knows for each business.

use cipherflow_protocol::keys::PublicKey;
use serde::{Deserialize, Serialize};

use crate::wire::EnvelopeId;

/// Ticks on a sent message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ticks {
    /// Not yet accepted by the server (clock icon).
    Pending,
    /// One grey tick: the server has it.
    Sent,
    /// Two grey ticks: the recipient's device has it.
    Delivered,
    /// Two blue ticks: read.
    Read,
    /// Could not be sent (the number is not on WhatsApp, or no session could
    /// be made with it).
    Failed,
}

/// A chat bubble.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// The message id (the client's own id, or the business's wamid).
    pub id: String,
    /// The envelope that carried it (the consumer's for an outgoing message,
    /// the business number's for an incoming one).
    pub envelope_id: EnvelopeId,
    /// Sent by this consumer?
    pub outgoing: bool,
    /// The text.
    pub text: String,
    /// When (virtual ms).
    pub at_ms: u64,
    /// Ticks (outgoing messages).
    pub ticks: Ticks,
    /// Whether the consumer has read it (incoming messages).
    pub read: bool,
    /// A reaction the other side put on it.
    pub reaction: Option<String>,
}

/// The identity key the client knows for a business, and the one before it if
/// it changed (the client then warns that the safety number changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PeerIdentity {
    /// The current identity key.
    pub identity_key: PublicKey,
    /// The previous identity key, once it has changed.
    pub previous: Option<PublicKey>,
}

/// Appends `item` to a chat and drops the oldest entries beyond `limit`. The
/// chat grows one slot at a time rather than doubling: at scale there are a
/// hundred thousand chats of a few messages each, and doubling would leave up
/// to a third of their memory allocated and unused.
pub(crate) fn push_to_chat(chat: &mut Vec<ChatMessage>, item: ChatMessage, limit: Option<usize>) {
    if chat.len() == chat.capacity() {
        chat.reserve_exact(1);
    }
    chat.push(item);
    trim_history(chat, limit);
}

/// Drops the oldest entries beyond `limit`.
pub(crate) fn trim_history<T>(list: &mut Vec<T>, limit: Option<usize>) {
    if let Some(limit) = limit
        && list.len() > limit
    {
        let excess = list.len() - limit;
        list.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn bubble(n: usize) -> ChatMessage {
        ChatMessage {
            id: n.to_string(),
            envelope_id: n as u64,
            outgoing: true,
            text: String::new(),
            at_ms: 0,
            ticks: Ticks::Pending,
            read: true,
            reaction: None,
        }
    }

    #[test]
    fn a_chat_keeps_its_newest_messages_and_no_spare_slots() {
        let mut chat = Vec::new();
        for n in 0..10 {
            push_to_chat(&mut chat, bubble(n), Some(4));
        }
        assert_eq!(
            chat.iter().map(|m| m.envelope_id).collect::<Vec<_>>(),
            [6, 7, 8, 9]
        );
        // One slot beyond the limit at most (the push before the trim);
        // doubling would have reached 8.
        assert!(chat.capacity() <= 5, "capacity {}", chat.capacity());
        let mut open = Vec::new();
        for n in 0..10 {
            push_to_chat(&mut open, bubble(n), None);
        }
        assert_eq!(open.len(), 10);
        assert!(open.capacity() <= 10, "capacity {}", open.capacity());
    }
}
