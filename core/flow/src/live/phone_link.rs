//! The phone's end of a live connection: the consumer party (the same
//! [`ConsumerClient`] the simulation runs) driven by text frames from a
//! WebSocket instead of by a router. Sans-IO: the caller owns the socket, the
//! clock and the generator; every call returns the frames to send.
//!
//! The link answers the transport's challenge with an XEdDSA signature by
//! the phone's identity key, so the private key never leaves the phone. What
//! the client hands the transport becomes [`DeviceFrame`]s; what the
//! transport sends becomes the client's [`FromTransport`] input. While the
//! socket is closed the client is offline: it keeps what it could not send
//! and sends it again when the link is open.

use rand_core::CryptoRng;

use crate::consumer::{ConsumerClient, ConsumerError};
use crate::party::Party;
use crate::phone::PhoneNumber;
use crate::wire::device_frame::{DeviceFrame, FrameError, KeysFrame, ServerFrame, auth_message};
use crate::wire::{Address, FromTransport, Message, PublishedKeys, ToTransport};

/// Where the link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// No socket.
    Closed,
    /// `hello` sent, waiting for the challenge.
    Hello,
    /// `proof` sent, waiting for `welcome`.
    Proving,
    /// The transport accepted the proof.
    Open,
}

/// Why the link could not take a frame from the transport.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The frame does not read.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The transport refused something: its `error` frame.
    #[error("the transport refused: {code}: {message}")]
    Refused {
        /// Its code.
        code: String,
        /// Its message.
        message: String,
    },
    /// A frame out of turn (a challenge on an open link, a welcome for
    /// another number...).
    #[error("unexpected {0} frame now")]
    OutOfTurn(&'static str),
}

/// A phone's live link.
#[derive(Debug, Clone)]
pub struct PhoneLink {
    client: ConsumerClient,
    state: LinkState,
    /// The keys to register with the first proof, until the transport has them.
    unregistered: Option<PublishedKeys>,
}

impl PhoneLink {
    /// A new phone with a fresh identity and prekeys, not yet registered.
    pub fn new<R: CryptoRng>(now_ms: u64, rng: &mut R, number: PhoneNumber, name: String) -> Self {
        let mut client = ConsumerClient::new(now_ms, rng, number, name, None);
        // The client queued its registration; the handshake carries it instead.
        let mut unregistered = None;
        while let Some(t) = client.outbox().poll_transmit() {
            if let Message::ToTransport(ToTransport::Register { keys, .. }) = t.message {
                unregistered = Some(keys);
            }
        }
        let mut link = Self {
            client,
            state: LinkState::Closed,
            unregistered,
        };
        link.client.set_online(now_ms, rng, false);
        link.drain();
        link
    }

    /// The consumer party.
    pub fn client(&self) -> &ConsumerClient {
        &self.client
    }

    /// Where the link is.
    pub fn state(&self) -> LinkState {
        self.state
    }

    /// The phone's number.
    pub fn number(&self) -> &PhoneNumber {
        self.client.number()
    }

    /// A socket opened: the first frame to send.
    pub fn open(&mut self) -> String {
        self.state = LinkState::Hello;
        DeviceFrame::Hello {
            number: self.client.number().wa_id().to_owned(),
        }
        .to_json()
    }

    /// The socket closed: the phone is offline until the next `open`.
    pub fn closed<R: CryptoRng>(&mut self, now_ms: u64, rng: &mut R) {
        self.state = LinkState::Closed;
        self.client.set_online(now_ms, rng, false);
        self.drain();
    }

    /// One text frame from the transport; returns the frames to send.
    pub fn on_frame<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        text: &str,
    ) -> Result<Vec<String>, LinkError> {
        let frame = ServerFrame::parse(text)?;
        match (&self.state, &frame) {
            (LinkState::Hello, ServerFrame::Challenge { nonce }) => {
                let nonce: [u8; 32] = nonce
                    .as_slice()
                    .try_into()
                    .map_err(|_| FrameError::Malformed("a nonce is 32 bytes".to_owned()))?;
                let message = auth_message(self.client.number(), &nonce);
                let signature = self.client.account.identity().sign(rng, &message).to_vec();
                self.state = LinkState::Proving;
                let keys = self.unregistered.as_ref().map(KeysFrame::from_keys);
                Ok(vec![DeviceFrame::Proof { signature, keys }.to_json()])
            }
            (LinkState::Proving, ServerFrame::Welcome { number, .. })
                if number == self.client.number() =>
            {
                self.state = LinkState::Open;
                self.unregistered = None;
                self.client.set_online(now_ms, rng, true);
                Ok(self.drain())
            }
            (_, ServerFrame::Error { code, message }) => {
                if matches!(self.state, LinkState::Hello | LinkState::Proving) {
                    self.state = LinkState::Closed;
                }
                Err(LinkError::Refused {
                    code: code.clone(),
                    message: message.clone(),
                })
            }
            (LinkState::Open, _) => {
                let Some(message) = frame.to_from_transport(self.client.number())? else {
                    return Err(LinkError::OutOfTurn(frame_name(&frame)));
                };
                // The transport holds a delivered envelope until the phone
                // says it has it; a duplicate is acknowledged again.
                let ack = match &message {
                    FromTransport::Deliver { envelope } => Some(DeviceFrame::Ack {
                        from: envelope.from.clone(),
                        id: envelope.id,
                    }),
                    _ => None,
                };
                let me = Address::Number(self.client.number().clone());
                self.client.handle(
                    now_ms,
                    rng,
                    &Address::Transport,
                    &me,
                    Message::FromTransport(message),
                );
                let mut frames = self.drain();
                if let Some(ack) = ack {
                    frames.push(ack.to_json());
                }
                Ok(frames)
            }
            _ => Err(LinkError::OutOfTurn(frame_name(&frame))),
        }
    }

    /// When the client next needs [`PhoneLink::on_timeout`] (a retransmission).
    pub fn poll_timeout(&self) -> Option<u64> {
        self.client.poll_timeout()
    }

    /// The deadline came; returns the frames to send.
    pub fn on_timeout<R: CryptoRng>(&mut self, now_ms: u64, rng: &mut R) -> Vec<String> {
        self.client.handle_timeout(now_ms, rng);
        self.drain()
    }

    /// The person writes to a business; returns the message id and the frames
    /// to send (none while the link is not open: the text waits in the outbox).
    pub fn send_text<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        business: &PhoneNumber,
        text: &str,
    ) -> Result<(String, Vec<String>), ConsumerError> {
        let id = self.client.send_text(now_ms, rng, business, text)?;
        Ok((id, self.drain()))
    }

    /// The person opens a chat: its messages are read, and read receipts go.
    pub fn read_chat(&mut self, now_ms: u64, business: &PhoneNumber) -> Vec<String> {
        self.client.read_chat(now_ms, business);
        self.drain()
    }

    /// The person reports a business as spam (the transport counts it).
    pub fn report_spam(&mut self, business: &PhoneNumber) -> Vec<String> {
        self.client.report_spam(business);
        self.drain()
    }

    /// The client's messages as frames (its events are for a router's trace;
    /// a phone keeps none). Messages that have no frame
    /// (`connect`, `disconnect`: the socket is the connection) are dropped;
    /// anything the client sends while the link is not open is dropped too,
    /// and the client sends it again when it is back online.
    fn drain(&mut self) -> Vec<String> {
        let mut frames = Vec::new();
        while self.client.outbox().poll_event().is_some() {}
        while let Some(t) = self.client.outbox().poll_transmit() {
            if self.state != LinkState::Open {
                continue;
            }
            if let Message::ToTransport(m) = &t.message
                && let Some(frame) = DeviceFrame::from_to_transport(m)
            {
                frames.push(frame.to_json());
            }
        }
        frames
    }
}

fn frame_name(frame: &ServerFrame) -> &'static str {
    match frame {
        ServerFrame::Challenge { .. } => "challenge",
        ServerFrame::Welcome { .. } => "welcome",
        ServerFrame::Bundle { .. } => "bundle",
        ServerFrame::Accepted { .. } => "accepted",
        ServerFrame::Refused { .. } => "refused",
        ServerFrame::PreKeyCount { .. } => "prekey_count",
        ServerFrame::Deliver { .. } => "deliver",
        ServerFrame::Error { .. } => "error",
    }
}
