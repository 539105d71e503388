//! The consumer's WhatsApp client: a phone number, a Signal identity, sessions
//! with businesses, chats with ticks, and an outbox it retransmits from until
//! the recipient's device acknowledges.
//!
//! It talks to the WhatsApp transport only, through its connection
//! ([`ToTransport`] out, [`FromTransport`] in): it registers its keys, fetches
//! a business's bundle before its first message, submits envelopes and gets
//! them acknowledged by the server (one tick) and by the business number's
//! device, the Cloud API (two ticks). The plaintext never leaves the phone
//! except inside Signal ciphertext.
//!
//! - `send.rs`: the outbox, encryption, retransmission and session rebuilds;
//! - `receive.rs`: opening envelopes, receipts, retry requests;
//! - `chat.rs`: what the person sees.

mod chat;
mod receive;
mod send;

use cipherflow_protocol::keys::PublicKey;
use cipherflow_protocol::safety_number::SafetyNumber;
use cipherflow_protocol::{Account, Session};
use rand_core::CryptoRng;

pub(crate) use chat::trim_history;
pub use chat::{BubbleRef, Bubbles, Chat, ChatMessage, PeerIdentity, Ticks};

use crate::device::peer::PeerSessions;
use crate::device::top_up_prekeys;
use crate::party::{Outbox, Party, unexpected};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::{
    AccountKind, Address, AppMessage, EnvelopeId, FromTransport, Message, PublishedKeys,
    ReceiptKind, ToTransport, TransportEnvelope,
};

/// One-time prekeys a consumer publishes when registering.
pub const CONSUMER_ONE_TIME_PREKEYS: usize = 20;
/// The longest text a client sends, in characters (the Graph API's limit).
pub const MAX_TEXT_CHARS: usize = 4096;

/// Why the client refused to do something. A refused command changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsumerError {
    /// The text is empty or too long.
    #[error("text must be 1 to {max} characters, got {len}")]
    BadText {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A reply or reaction names a message that is not in the chat.
    #[error("no message {0} in this chat")]
    UnknownMessage(String),
}

/// A message waiting for the recipient's delivery receipt.
#[derive(Debug, Clone)]
pub(crate) struct OutboxEntry {
    pub(crate) to: PhoneNumber,
    pub(crate) message: AppMessage,
    /// `None` until a session exists to encrypt it with.
    pub(crate) envelope: Option<TransportEnvelope>,
    pub(crate) attempts: u32,
    /// The session generation that encrypted `envelope`.
    pub(crate) epoch: u64,
    /// When the next retransmission is due, if one is scheduled.
    pub(crate) retry_at: Option<u64>,
}

/// What the client knows about one business.
#[derive(Debug, Clone, Default)]
pub(crate) struct Peer {
    pub(crate) sessions: PeerSessions,
    pub(crate) identity: Option<PeerIdentity>,
    /// "typing…" shows until then (0: not typing); the peer's next message
    /// clears it.
    pub(crate) typing_until_ms: u64,
}

/// How long a typing indicator shows at most (Meta: "dismissed once you
/// respond, or after 25 seconds, whichever comes first").
pub const TYPING_MS: u64 = 25_000;

/// One consumer's phone.
#[derive(Debug, Clone)]
pub struct ConsumerClient {
    number: PhoneNumber,
    name: String,
    pub(crate) account: Account,
    online: bool,
    /// Boxed: a peer is about 500 bytes, and the vector's slots move on
    /// every insert; boxed, a slot is a pointer.
    pub(crate) peers: crate::maps::SortedMap<PhoneNumber, Box<Peer>>,
    pub(crate) chats: crate::maps::SortedMap<PhoneNumber, Chat>,
    pub(crate) outbox: crate::maps::SortedMap<EnvelopeId, OutboxEntry>,
    /// Retransmission deadlines.
    pub(crate) timers: crate::maps::SortedSet<(u64, EnvelopeId)>,
    pub(crate) next_envelope: EnvelopeId,
    next_message: u64,
    pub(crate) history_limit: Option<usize>,
    pub(crate) out: Outbox,
}

impl ConsumerClient {
    /// A new phone: a fresh identity and prekeys, registered with the
    /// transport and online.
    pub fn new<R: CryptoRng>(
        now_ms: u64,
        rng: &mut R,
        number: PhoneNumber,
        name: String,
        history_limit: Option<usize>,
    ) -> Self {
        let account = Account::with_one_time_prekeys::<CONSUMER_ONE_TIME_PREKEYS>(rng, now_ms);
        let mut client = Self {
            number,
            name,
            account,
            online: true,
            peers: Default::default(),
            chats: Default::default(),
            outbox: Default::default(),
            timers: Default::default(),
            next_envelope: 1,
            next_message: 1,
            history_limit,
            out: Outbox::default(),
        };
        client.register();
        client
    }

    fn register(&mut self) {
        if let Ok(bundle) = self.account.bundle(None) {
            let keys = PublishedKeys {
                bundle,
                one_time: self.account.one_time_prekeys(),
            };
            self.send_to_transport(ToTransport::Register {
                number: self.number.clone(),
                keys,
                account: AccountKind::Consumer,
            });
        }
        self.send_to_transport(ToTransport::Connect {
            number: self.number.clone(),
        });
    }

    pub(crate) fn send_to_transport(&mut self, message: ToTransport) {
        self.out.send(
            Address::Number(self.number.clone()),
            Address::Transport,
            Message::ToTransport(message),
        );
    }

    /// The phone's number.
    pub fn number(&self) -> &PhoneNumber {
        &self.number
    }

    /// The profile name businesses see in webhooks.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the phone is online.
    pub fn online(&self) -> bool {
        self.online
    }

    /// Chats by business number.
    pub fn chats(&self) -> &crate::maps::SortedMap<PhoneNumber, Chat> {
        &self.chats
    }

    /// Whether the chat with `business` shows "typing…" at `now_ms`.
    pub fn typing(&self, business: &PhoneNumber, now_ms: u64) -> bool {
        self.peers
            .get(business)
            .is_some_and(|p| now_ms < p.typing_until_ms)
    }

    /// The identity keys known per business.
    pub fn peer_identity(&self, business: &PhoneNumber) -> Option<&PeerIdentity> {
        self.peers.get(business)?.identity.as_ref()
    }

    /// How many messages still await a delivery receipt.
    pub fn unacknowledged(&self) -> usize {
        self.outbox.len()
    }

    /// The current session with a business, for inspectors.
    pub fn session(&self, business: &PhoneNumber) -> Option<&Session> {
        self.peers.get(business)?.sessions.record.current()
    }

    /// The consumer's identity key.
    pub fn identity_key(&self) -> PublicKey {
        self.account.identity_key()
    }

    /// The safety number with a business (5,200 SHA-512 iterations per side,
    /// so computed on demand, not on every session).
    pub fn safety_number(&self, business: &PhoneNumber) -> Option<SafetyNumber> {
        let key = self.peer_identity(business)?.identity_key;
        Some(self.safety_number_with(business, &key))
    }

    /// The safety number before the business's identity changed, if it did.
    pub fn previous_safety_number(&self, business: &PhoneNumber) -> Option<SafetyNumber> {
        let key = self.peer_identity(business)?.previous?;
        Some(self.safety_number_with(business, &key))
    }

    fn safety_number_with(&self, business: &PhoneNumber, key: &PublicKey) -> SafetyNumber {
        SafetyNumber::new(
            self.number.wa_id().as_bytes(),
            &self.account.identity_key().encode(),
            business.wa_id().as_bytes(),
            &key.encode(),
        )
    }

    /// The person writes to a business. Returns the client's message id. The
    /// message is encrypted as soon as a session exists (one is started from
    /// the business's bundle if needed) and sent while the phone is online.
    pub fn send_text<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        business: &PhoneNumber,
        text: &str,
    ) -> Result<String, ConsumerError> {
        self.send_reply(now_ms, rng, business, text, None)
    }

    /// The person reacts to a message in the chat (an empty emoji removes
    /// the reaction). Returns the reaction's message id.
    pub fn send_reaction<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        business: &PhoneNumber,
        target: &str,
        emoji: &str,
    ) -> Result<String, ConsumerError> {
        let chat = self.chats.or_default(business.clone());
        if !chat.set_reaction(target, emoji) {
            return Err(ConsumerError::UnknownMessage(target.to_owned()));
        }
        let id = self.new_message_id();
        let message = AppMessage::Reaction {
            id: id.clone(),
            target: target.to_owned(),
            emoji: emoji.to_owned(),
        };
        self.queue(now_ms, rng, business, message, emoji);
        Ok(id)
    }

    fn new_message_id(&mut self) -> String {
        let n = self.next_message;
        self.next_message += 1;
        format!(
            "3EB0{:012X}{n:04X}",
            u64::from(self.number.wa_id().len() as u8) << 40 | n
        )
    }

    /// [`ConsumerClient::send_text`], quoting the message `reply_to` of the
    /// chat when given (WhatsApp's swipe-to-reply).
    pub fn send_reply<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        business: &PhoneNumber,
        text: &str,
        reply_to: Option<&str>,
    ) -> Result<String, ConsumerError> {
        if let Some(quoted) = reply_to
            && !self.chats.get(business).is_some_and(|c| c.has(quoted))
        {
            return Err(ConsumerError::UnknownMessage(quoted.to_owned()));
        }
        let len = text.chars().count();
        if len == 0 || len > MAX_TEXT_CHARS {
            return Err(ConsumerError::BadText {
                len,
                max: MAX_TEXT_CHARS,
            });
        }
        let id = self.new_message_id();
        let envelope_id = self.next_envelope;
        let chat = self.chats.or_default(business.clone());
        let bubble = ChatMessage {
            id: id.clone(),
            envelope_id,
            outgoing: true,
            reply_to: reply_to.map(str::to_owned),
            text: text.to_owned(),
            at_ms: now_ms,
            ticks: Ticks::Pending,
            read: true,
            reaction: None,
        };
        chat.push(&bubble, self.history_limit);
        let message = AppMessage::Text {
            id: id.clone(),
            body: text.to_owned(),
            name: Some(self.name.clone()),
            reply_to: reply_to.map(str::to_owned),
        };
        self.queue(now_ms, rng, business, message, text);
        Ok(id)
    }

    /// Puts a message in the outbox (retransmitted until acknowledged) and
    /// sends it now if the phone is online.
    fn queue<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        business: &PhoneNumber,
        message: AppMessage,
        text: &str,
    ) {
        let envelope_id = self.next_envelope;
        self.next_envelope += 1;
        let message_id = message.id().to_owned();
        self.outbox.insert(
            envelope_id,
            OutboxEntry {
                to: business.clone(),
                message,
                envelope: None,
                attempts: 0,
                epoch: 0,
                retry_at: None,
            },
        );
        self.out.event(EventKind::ConsumerSent {
            consumer: self.number.clone(),
            business: business.clone(),
            message_id,
            text: text.to_owned(),
            envelope_id,
        });
        if self.online {
            self.send_new(now_ms, rng, envelope_id);
        }
    }

    /// The phone goes online or offline. Coming online reconnects (the
    /// transport then delivers what it queued) and sends everything still
    /// unacknowledged.
    pub fn set_online<R: CryptoRng>(&mut self, now_ms: u64, rng: &mut R, online: bool) {
        if self.online == online {
            return;
        }
        self.online = online;
        self.out.event(EventKind::ConnectivityChanged {
            consumer: self.number.clone(),
            online,
        });
        let number = self.number.clone();
        if !online {
            self.send_to_transport(ToTransport::Disconnect { number });
            return;
        }
        self.send_to_transport(ToTransport::Connect { number });
        let pending: Vec<EnvelopeId> = self.outbox.keys().copied().collect();
        for id in pending {
            let sent_before = self.outbox.get(&id).is_some_and(|e| e.envelope.is_some());
            if sent_before {
                self.retransmit(now_ms, id);
            } else {
                self.send_new(now_ms, rng, id);
            }
        }
    }

    /// The person opens the chat: every unread business message is read, and
    /// a read receipt goes back (if the phone is online). Returns how many.
    pub fn read_chat(&mut self, now_ms: u64, business: &PhoneNumber) -> usize {
        let ids = self
            .chats
            .get_mut(business)
            .map(Chat::mark_read)
            .unwrap_or_default();
        if !ids.is_empty() && self.online {
            self.send_receipt(now_ms, business, ReceiptKind::Read, ids.clone());
        }
        ids.len()
    }

    /// The person reports a business as spam, to WhatsApp.
    pub fn report_spam(&mut self, business: &PhoneNumber) {
        self.send_to_transport(ToTransport::SpamReport {
            reporter: self.number.clone(),
            business: business.clone(),
        });
    }

    /// Installs a session with `peer` as current, noting an identity change.
    pub(crate) fn install_session(
        &mut self,
        peer: &PhoneNumber,
        session: Session,
        initiator: bool,
    ) {
        let identity = session.remote_identity();
        let entry = self.peers.or_default(peer.clone());
        let known = entry.identity;
        let changed = known.is_some_and(|k| k.identity_key != identity);
        let previous = if changed {
            known.map(|k| k.identity_key)
        } else {
            known.and_then(|k| k.previous)
        };
        entry.identity = Some(PeerIdentity {
            identity_key: identity,
            previous,
        });
        entry.sessions.record.promote(session);
        self.out.event(EventKind::SessionCreated {
            holder: self.number.clone(),
            peer: peer.clone(),
            initiator,
            remote_identity: hex::encode(identity.encode()),
            identity_changed: changed,
        });
    }
}

impl Party for ConsumerClient {
    fn handle<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        from: &Address,
        to: &Address,
        message: Message,
    ) {
        match (from, message) {
            (Address::Transport, Message::FromTransport(m)) => match m {
                FromTransport::Bundle { number, bundle, .. } => {
                    self.on_bundle(now_ms, rng, &number, bundle);
                }
                FromTransport::Accepted { envelope } => self.on_accepted(envelope.id),
                FromTransport::Refused { envelope, action } => {
                    self.on_refused(envelope.id, action);
                }
                FromTransport::PreKeyCount { .. } => {
                    let one_time =
                        top_up_prekeys(&mut self.account, rng, CONSUMER_ONE_TIME_PREKEYS);
                    if !one_time.is_empty() {
                        let number = self.number.clone();
                        self.send_to_transport(ToTransport::PublishPreKeys { number, one_time });
                    }
                }
                FromTransport::Deliver { envelope } => self.on_deliver(now_ms, envelope),
            },
            (from, message) => {
                let event = unexpected(to, from, &message);
                self.out.event(event);
            }
        }
    }

    fn handle_timeout<R: CryptoRng>(&mut self, now_ms: u64, _rng: &mut R) {
        while let Some(&(at, id)) = self.timers.first() {
            if at > now_ms {
                break;
            }
            self.timers.remove(&(at, id));
            if let Some(e) = self.outbox.get_mut(&id) {
                e.retry_at = None;
            }
            self.retransmit(now_ms, id);
        }
    }

    fn poll_timeout(&self) -> Option<u64> {
        self.timers.first().map(|(at, _)| *at)
    }

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.out
    }
}
