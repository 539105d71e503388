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

/// A chat bubble, owned: what views show and serialize.
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

/// One chat with a business, oldest bubble first.
///
/// A bubble is a 32-byte header; its id, text and reaction sit one after the
/// other in a single buffer the chat shares by all its bubbles. At scale a
/// hundred thousand chats hold a million bubbles, and three small
/// allocations per bubble (id, text, the bubble itself in a `Vec` that
/// doubles) cost more than the characters. The headers grow one slot at a
/// time; the buffer by a quarter of its size (at least 64 bytes), so a long
/// chat is not copied on every message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chat {
    bubbles: Vec<Bubble>,
    /// Every bubble's id, text and reaction, in bubble order.
    strings: String,
}

/// A bubble's header; its strings are in the chat's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bubble {
    envelope_id: EnvelopeId,
    at_ms: u64,
    id_len: u32,
    text_len: u32,
    /// 0: no reaction.
    reaction_len: u32,
    outgoing: bool,
    read: bool,
    ticks: Ticks,
}

impl Bubble {
    fn bytes(&self) -> usize {
        self.id_len as usize + self.text_len as usize + self.reaction_len as usize
    }
}

/// A bubble as read from its chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BubbleRef<'a> {
    /// The message id (the client's own id, or the business's wamid).
    pub id: &'a str,
    /// The envelope that carried it.
    pub envelope_id: EnvelopeId,
    /// Sent by this consumer?
    pub outgoing: bool,
    /// The text.
    pub text: &'a str,
    /// When (virtual ms).
    pub at_ms: u64,
    /// Ticks (outgoing messages).
    pub ticks: Ticks,
    /// Whether the consumer has read it (incoming messages).
    pub read: bool,
    /// A reaction the other side put on it.
    pub reaction: Option<&'a str>,
}

impl BubbleRef<'_> {
    /// An owned copy, as views show it.
    pub fn to_message(&self) -> ChatMessage {
        ChatMessage {
            id: self.id.to_owned(),
            envelope_id: self.envelope_id,
            outgoing: self.outgoing,
            text: self.text.to_owned(),
            at_ms: self.at_ms,
            ticks: self.ticks,
            read: self.read,
            reaction: self.reaction.map(str::to_owned),
        }
    }
}

/// The bubbles of a chat, oldest first.
#[derive(Debug, Clone)]
pub struct Bubbles<'a> {
    headers: std::slice::Iter<'a, Bubble>,
    strings: &'a str,
}

impl<'a> Iterator for Bubbles<'a> {
    type Item = BubbleRef<'a>;

    fn next(&mut self) -> Option<BubbleRef<'a>> {
        let b = self.headers.next()?;
        let (id, rest) = self.strings.split_at_checked(b.id_len as usize)?;
        let (text, rest) = rest.split_at_checked(b.text_len as usize)?;
        let (reaction, rest) = rest.split_at_checked(b.reaction_len as usize)?;
        self.strings = rest;
        Some(BubbleRef {
            id,
            envelope_id: b.envelope_id,
            outgoing: b.outgoing,
            text,
            at_ms: b.at_ms,
            ticks: b.ticks,
            read: b.read,
            reaction: (!reaction.is_empty()).then_some(reaction),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.headers.size_hint()
    }
}

impl<'a> IntoIterator for &'a Chat {
    type Item = BubbleRef<'a>;
    type IntoIter = Bubbles<'a>;

    fn into_iter(self) -> Bubbles<'a> {
        self.iter()
    }
}

/// A string's length as a bubble stores it. Every string a chat holds came
/// through an envelope of at most 64 KiB, so none is near 4 GiB; a longer one
/// is refused rather than cut.
fn len32(s: &str) -> Option<u32> {
    u32::try_from(s.len()).ok()
}

impl Chat {
    /// How many bubbles.
    pub fn len(&self) -> usize {
        self.bubbles.len()
    }

    /// Whether the chat has no bubble.
    pub fn is_empty(&self) -> bool {
        self.bubbles.is_empty()
    }

    /// The bubbles, oldest first.
    pub fn iter(&self) -> Bubbles<'_> {
        Bubbles {
            headers: self.bubbles.iter(),
            strings: &self.strings,
        }
    }

    /// The bubble at `index` (0 is the oldest).
    pub fn get(&self, index: usize) -> Option<BubbleRef<'_>> {
        self.iter().nth(index)
    }

    /// The newest bubble.
    pub fn last(&self) -> Option<BubbleRef<'_>> {
        self.iter().last()
    }

    /// The newest `limit` bubbles, oldest first, as owned messages.
    pub fn newest(&self, limit: usize) -> Vec<ChatMessage> {
        let skip = self.len().saturating_sub(limit);
        self.iter().skip(skip).map(|b| b.to_message()).collect()
    }

    /// Incoming bubbles not read yet.
    pub fn unread(&self) -> usize {
        self.bubbles
            .iter()
            .filter(|b| !b.outgoing && !b.read)
            .count()
    }

    /// Appends a bubble and drops the oldest beyond `limit`. Returns false,
    /// changing nothing, if a string is too long to store.
    pub(crate) fn push(&mut self, message: &ChatMessage, limit: Option<usize>) -> bool {
        let reaction = message.reaction.as_deref().unwrap_or_default();
        let (Some(id_len), Some(text_len), Some(reaction_len)) =
            (len32(&message.id), len32(&message.text), len32(reaction))
        else {
            return false;
        };
        if self.bubbles.len() == self.bubbles.capacity() {
            self.bubbles.reserve_exact(1);
        }
        let added = message.id.len() + message.text.len() + reaction.len();
        if self.strings.capacity() - self.strings.len() < added {
            self.strings
                .reserve_exact(added.max(self.strings.len() / 4).max(64));
        }
        self.strings.push_str(&message.id);
        self.strings.push_str(&message.text);
        self.strings.push_str(reaction);
        self.bubbles.push(Bubble {
            envelope_id: message.envelope_id,
            at_ms: message.at_ms,
            id_len,
            text_len,
            reaction_len,
            outgoing: message.outgoing,
            read: message.read,
            ticks: message.ticks,
        });
        if let Some(limit) = limit
            && self.bubbles.len() > limit
        {
            let excess = self.bubbles.len() - limit;
            let bytes: usize = self.bubbles.iter().take(excess).map(Bubble::bytes).sum();
            self.bubbles.drain(..excess);
            self.strings.drain(..bytes);
        }
        true
    }

    /// Whether an incoming bubble has this id.
    pub(crate) fn has_incoming(&self, id: &str) -> bool {
        self.iter().any(|b| !b.outgoing && b.id == id)
    }

    /// Sets (or, with an empty emoji, removes) the reaction on the bubble
    /// with this id. Returns whether there was one.
    pub(crate) fn set_reaction(&mut self, id: &str, emoji: &str) -> bool {
        let Some(new_len) = len32(emoji) else {
            return false;
        };
        let mut start = 0;
        for b in &mut self.bubbles {
            let own = self.strings.get(start..start + b.id_len as usize);
            if own == Some(id) {
                let at = start + b.id_len as usize + b.text_len as usize;
                let old = at..at + b.reaction_len as usize;
                if self.strings.get(old.clone()).is_none() {
                    return false;
                }
                let tail = self.strings.split_off(old.end);
                self.strings.truncate(old.start);
                self.strings.push_str(emoji);
                self.strings.push_str(&tail);
                b.reaction_len = new_len;
                return true;
            }
            start += b.bytes();
        }
        false
    }

    /// Updates the ticks of the outgoing bubble sent in `envelope_id`:
    /// they only move forward, except to `Failed`.
    pub(crate) fn set_ticks(&mut self, envelope_id: EnvelopeId, ticks: Ticks) {
        if let Some(b) = self
            .bubbles
            .iter_mut()
            .find(|b| b.outgoing && b.envelope_id == envelope_id)
        {
            b.ticks = if ticks == Ticks::Failed {
                ticks
            } else {
                b.ticks.max(ticks)
            };
        }
    }

    /// Marks every incoming bubble read; returns the envelopes newly read.
    pub(crate) fn mark_read(&mut self) -> Vec<EnvelopeId> {
        self.bubbles
            .iter_mut()
            .filter(|b| !b.outgoing && !b.read)
            .map(|b| {
                b.read = true;
                b.envelope_id
            })
            .collect()
    }
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
            id: format!("id{n}"),
            envelope_id: n as u64,
            outgoing: n.is_multiple_of(2),
            text: format!("text number {n}"),
            at_ms: n as u64 * 10,
            ticks: Ticks::Pending,
            read: n.is_multiple_of(2),
            reaction: (n == 7).then(|| "👍".to_owned()),
        }
    }

    #[test]
    fn a_chat_keeps_its_newest_bubbles_intact_and_no_spare_slots() {
        let mut chat = Chat::default();
        for n in 0..10 {
            assert!(chat.push(&bubble(n), Some(4)));
        }
        let kept: Vec<ChatMessage> = chat.iter().map(|b| b.to_message()).collect();
        assert_eq!(kept, (6..10).map(bubble).collect::<Vec<_>>());
        assert_eq!(chat.newest(2), vec![bubble(8), bubble(9)]);
        assert_eq!(chat.get(1).map(|b| b.to_message()), Some(bubble(7)));
        assert_eq!(chat.unread(), 2);
        // One slot beyond the limit at most (the push before the trim);
        // doubling would have reached 8.
        assert!(chat.bubbles.capacity() <= 5, "{}", chat.bubbles.capacity());
        let mut open = Chat::default();
        for n in 0..10 {
            open.push(&bubble(n), None);
        }
        assert_eq!(open.len(), 10);
        assert!(open.bubbles.capacity() <= 10);
        let slack = open.strings.capacity() - open.strings.len();
        assert!(
            slack <= (open.strings.len() / 4).max(64),
            "the buffer grows by a quarter at most: {slack} spare bytes"
        );
    }

    #[test]
    fn reactions_ticks_and_reads_change_only_their_bubble() {
        let mut chat = Chat::default();
        for n in 0..4 {
            chat.push(&bubble(n), None);
        }
        assert!(chat.set_reaction("id1", "❤️"));
        assert!(chat.set_reaction("id1", "😂"));
        assert!(chat.set_reaction("id2", "👍"));
        assert!(chat.set_reaction("id2", ""));
        assert!(!chat.set_reaction("nope", "👍"));
        chat.set_ticks(2, Ticks::Read);
        chat.set_ticks(2, Ticks::Delivered);
        chat.set_ticks(0, Ticks::Failed);
        // Incoming bubbles have no ticks to set.
        chat.set_ticks(1, Ticks::Read);
        assert_eq!(chat.mark_read(), vec![1, 3]);
        assert!(chat.mark_read().is_empty());
        let mut expected: Vec<ChatMessage> = (0..4).map(bubble).collect();
        expected[1].reaction = Some("😂".to_owned());
        expected[1].read = true;
        expected[3].read = true;
        expected[2].ticks = Ticks::Read;
        expected[0].ticks = Ticks::Failed;
        let got: Vec<ChatMessage> = chat.iter().map(|b| b.to_message()).collect();
        assert_eq!(got, expected);
        assert!(chat.has_incoming("id3"));
        assert!(!chat.has_incoming("id2"), "id2 is outgoing");
    }
}
