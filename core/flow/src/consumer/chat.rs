//! What a consumer sees on the phone: chat bubbles with their ticks, and the
//! identity key it knows for each business.

mod record;

use std::borrow::Cow;

use cipherflow_protocol::keys::PublicKey;
use serde::{Deserialize, Serialize};

use crate::wire::EnvelopeId;
use record::Record;

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
    /// The id of the message this one quotes (a reply), if any.
    pub reply_to: Option<String>,
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
/// The bubbles sit one after the other in a single byte buffer (the layout is
/// in `record.rs`): at scale a hundred thousand chats hold a million bubbles,
/// and a header struct plus strings per bubble cost more than the
/// characters. The buffer grows by a quarter of its size (at least 64
/// bytes), so a long chat is not copied on every message; trimming to the
/// history limit moves the kept bytes down in place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chat {
    data: Vec<u8>,
    len: u32,
}

/// A bubble as read from its chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BubbleRef<'a> {
    /// The message id (the client's own id, or the business's wamid).
    pub id: Cow<'a, str>,
    /// The envelope that carried it.
    pub envelope_id: EnvelopeId,
    /// Sent by this consumer?
    pub outgoing: bool,
    /// The id of the message this one quotes, if any.
    pub reply_to: Option<&'a str>,
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
            id: self.id.to_string(),
            envelope_id: self.envelope_id,
            outgoing: self.outgoing,
            reply_to: self.reply_to.map(str::to_owned),
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
    data: &'a [u8],
    at: usize,
    left: usize,
}

impl<'a> Bubbles<'a> {
    /// The next record and where it starts.
    fn next_record(&mut self) -> Option<(usize, Record<'a>)> {
        if self.left == 0 {
            return None;
        }
        let start = self.at;
        let r = record::read(self.data, start)?;
        self.at = r.end;
        self.left -= 1;
        Some((start, r))
    }
}

impl<'a> Iterator for Bubbles<'a> {
    type Item = BubbleRef<'a>;

    fn next(&mut self) -> Option<BubbleRef<'a>> {
        let (_, r) = self.next_record()?;
        Some(BubbleRef {
            id: r.id.text(),
            envelope_id: r.envelope_id,
            outgoing: r.outgoing(),
            reply_to: r.reply_to,
            text: r.text,
            at_ms: r.at_ms,
            ticks: r.ticks(),
            read: r.read(),
            reaction: (!r.reaction.is_empty()).then_some(r.reaction),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<'a> IntoIterator for &'a Chat {
    type Item = BubbleRef<'a>;
    type IntoIter = Bubbles<'a>;

    fn into_iter(self) -> Bubbles<'a> {
        self.iter()
    }
}

impl Chat {
    /// How many bubbles.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the chat has no bubble.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bubbles, oldest first.
    pub fn iter(&self) -> Bubbles<'_> {
        Bubbles {
            data: &self.data,
            at: 0,
            left: self.len(),
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
        self.iter().filter(|b| !b.outgoing && !b.read).count()
    }

    /// Appends a bubble and drops the oldest beyond `limit`.
    pub(crate) fn push(&mut self, message: &ChatMessage, limit: Option<usize>) {
        let reaction = message.reaction.as_deref().unwrap_or_default();
        let most = record::max_len(
            &message.id,
            message.reply_to.as_deref(),
            &message.text,
            reaction,
        );
        if self.data.capacity() - self.data.len() < most {
            self.data
                .reserve_exact(most.max(self.data.len() / 4).max(64));
        }
        let flags = record::flags(message.outgoing, message.read, message.ticks);
        record::write(
            &mut self.data,
            flags,
            (message.envelope_id, message.at_ms),
            &message.id,
            message.reply_to.as_deref(),
            &message.text,
            reaction,
        );
        self.len += 1;
        if let Some(limit) = limit
            && self.len() > limit
        {
            let mut bubbles = self.iter();
            for _ in 0..self.len() - limit {
                bubbles.next_record();
            }
            let cut = bubbles.at;
            self.data.copy_within(cut.., 0);
            self.data.truncate(self.data.len() - cut);
            self.len = u32::try_from(limit).unwrap_or(u32::MAX);
        }
    }

    /// Whether any bubble has this id.
    pub(crate) fn has(&self, id: &str) -> bool {
        let query = record::IdQuery::new(id);
        let mut bubbles = self.iter();
        while let Some((_, r)) = bubbles.next_record() {
            if query.matches(&r.id) {
                return true;
            }
        }
        false
    }

    /// Whether an incoming bubble has this id.
    pub(crate) fn has_incoming(&self, id: &str) -> bool {
        let query = record::IdQuery::new(id);
        let mut bubbles = self.iter();
        while let Some((_, r)) = bubbles.next_record() {
            if !r.outgoing() && query.matches(&r.id) {
                return true;
            }
        }
        false
    }

    /// Sets (or, with an empty emoji, removes) the reaction on the bubble
    /// with this id. Returns whether there was one.
    pub(crate) fn set_reaction(&mut self, id: &str, emoji: &str) -> bool {
        let query = record::IdQuery::new(id);
        let mut bubbles = self.iter();
        let mut found = None;
        while let Some((_, r)) = bubbles.next_record() {
            if query.matches(&r.id) {
                found = Some((r.reaction_at, r.end));
                break;
            }
        }
        let Some((at, end)) = found else {
            return false;
        };
        let tail = self.data.split_off(end);
        self.data.truncate(at);
        record::put_str(&mut self.data, emoji);
        self.data.extend_from_slice(&tail);
        true
    }

    /// Rewrites the flags of every bubble `change` returns new flags for.
    fn update_flags(&mut self, mut change: impl FnMut(&Record<'_>) -> Option<u8>) {
        let mut at = 0;
        for _ in 0..self.len() {
            let Some(r) = record::read(&self.data, at) else {
                return;
            };
            let (new, end) = (change(&r), r.end);
            if let (Some(flags), Some(byte)) = (new, self.data.get_mut(at)) {
                *byte = record::keep_id_form(*byte, flags);
            }
            at = end;
        }
    }

    /// Updates the ticks of the outgoing bubble sent in `envelope_id`:
    /// they only move forward, except to `Failed`.
    pub(crate) fn set_ticks(&mut self, envelope_id: EnvelopeId, ticks: Ticks) {
        let mut done = false;
        self.update_flags(|r| {
            if done || !r.outgoing() || r.envelope_id != envelope_id {
                return None;
            }
            done = true;
            let new = if ticks == Ticks::Failed {
                ticks
            } else {
                r.ticks().max(ticks)
            };
            Some(record::with_ticks(r.flags, new))
        });
    }

    /// Marks every incoming bubble read; returns the envelopes newly read.
    pub(crate) fn mark_read(&mut self) -> Vec<EnvelopeId> {
        let mut read = Vec::new();
        self.update_flags(|r| {
            if r.outgoing() || r.read() {
                return None;
            }
            read.push(r.envelope_id);
            Some(record::with_read(r.flags))
        });
        read
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
            reply_to: (n == 8).then(|| "id7".to_owned()),
            text: format!("text number {n}"),
            at_ms: n as u64 * 10,
            ticks: Ticks::Pending,
            read: n.is_multiple_of(2),
            reaction: (n == 7).then(|| "👍".to_owned()),
        }
    }

    #[test]
    fn a_chat_keeps_its_newest_bubbles_intact_and_little_spare_room() {
        let mut chat = Chat::default();
        for n in 0..10 {
            chat.push(&bubble(n), Some(4));
        }
        let kept: Vec<ChatMessage> = chat.iter().map(|b| b.to_message()).collect();
        assert_eq!(kept, (6..10).map(bubble).collect::<Vec<_>>());
        assert_eq!(chat.newest(2), vec![bubble(8), bubble(9)]);
        assert_eq!(chat.get(1).map(|b| b.to_message()), Some(bubble(7)));
        assert_eq!(chat.unread(), 2);
        assert_eq!(chat.iter().count(), 4);
        let mut open = Chat::default();
        for n in 0..10 {
            open.push(&bubble(n), None);
        }
        assert_eq!(open.len(), 10);
        let most = (0..10)
            .map(|n| {
                let b = bubble(n);
                record::max_len(
                    &b.id,
                    b.reply_to.as_deref(),
                    &b.text,
                    b.reaction.as_deref().unwrap_or_default(),
                )
            })
            .max()
            .unwrap_or_default();
        let slack = open.data.capacity() - open.data.len();
        assert!(
            slack <= (open.data.len() / 4).max(64).max(most),
            "the buffer grows by a quarter at most: {slack} spare bytes"
        );
    }

    #[test]
    fn a_business_wamid_is_kept_compact_and_given_back_whole() {
        use rand_core::SeedableRng;
        let me = crate::phone::PhoneNumber::parse("16505551234").unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let wamid = crate::ids::wamid(&mut rng, &me);
        let mut message = bubble(1);
        message.id = wamid.clone();
        let mut chat = Chat::default();
        chat.push(&message, None);
        assert!(
            chat.data.len() < 16 + 30 + message.text.len(),
            "{} bytes",
            chat.data.len()
        );
        assert_eq!(chat.last().map(|b| b.to_message()), Some(message.clone()));
        assert!(chat.has_incoming(&wamid));
        assert!(chat.set_reaction(&wamid, "🙏"));
        chat.set_ticks(1, Ticks::Read);
        assert_eq!(chat.mark_read(), vec![1]);
        let got = chat.last().map(|b| b.to_message());
        message.reaction = Some("🙏".to_owned());
        message.read = true;
        assert_eq!(got, Some(message), "the id survives changes to its bubble");
        // An id that only looks like one is kept as it is.
        let mut odd = bubble(3);
        odd.id = wamid.to_lowercase();
        chat.push(&odd, None);
        assert_eq!(chat.last().map(|b| b.id.into_owned()), Some(odd.id));
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
