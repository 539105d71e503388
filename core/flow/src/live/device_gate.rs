//! The gate of one device connection: the handshake that makes a WebSocket
//! speak for a phone number, then the check that every frame after it speaks
//! only for that number. Sans-IO: text frames in, outcomes out; the nonce
//! comes from the caller's generator, and what the transport's directory
//! holds comes from the caller too.
//!
//! A device proves it holds the identity key of the number it claims by
//! signing [`auth_message`] (the number and a fresh 32-byte nonce) with
//! XEdDSA. For a number the directory knows, the signature must verify under
//! the registered identity key: a client that claims a number without its key
//! is refused, so it can never read that number's queue. For a new number the
//! proof carries the keys to register, and the signature must verify under
//! their identity key (and the signed prekey's signature under it too). No
//! private key ever crosses: the signature is all the server sees.

use cipherflow_protocol::crypto::xeddsa;
use cipherflow_protocol::keys::PublicKey;
use rand_core::CryptoRng;

use crate::phone::PhoneNumber;
use crate::wire::device_frame::{
    DeviceFrame, FrameError, ServerFrame, auth_message, decode_one_time,
};
use crate::wire::{EnvelopeId, PublishedKeys, ToTransport};

/// Where the handshake is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Nothing received yet.
    AwaitingHello,
    /// A number was claimed and a nonce sent.
    Challenged {
        number: PhoneNumber,
        nonce: [u8; 32],
    },
    /// The proof held: the connection speaks for `number`.
    Open { number: PhoneNumber },
}

/// What the caller does with a frame that passed the gate.
#[derive(Debug, Clone)]
pub enum GateOutcome {
    /// Send this frame back (the challenge).
    Reply(ServerFrame),
    /// The device proved `number`: attach it to the transport (registering
    /// `keys` first when given), then send [`ServerFrame::Welcome`].
    Opened {
        /// The number.
        number: PhoneNumber,
        /// Keys to register (a new number).
        keys: Option<PublishedKeys>,
    },
    /// A message for the transport, from the connection's number.
    Message(ToTransport),
    /// The phone has the envelope `id` from `from`.
    Ack {
        /// The envelope's sender.
        from: PhoneNumber,
        /// Its id.
        id: EnvelopeId,
    },
}

/// Why a frame did not pass. Errors before the connection is open end it;
/// after, the frame is dropped and the connection goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    /// The frame does not read.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A frame other than `hello` (or `proof` after a challenge) before the
    /// handshake is done.
    #[error("{0} before the handshake is done")]
    NotAuthenticated(&'static str),
    /// `hello` or `proof` on a connection that is already open, or out of turn.
    #[error("unexpected {0} in this state of the handshake")]
    OutOfTurn(&'static str),
    /// A proof without keys for a number the transport does not know.
    #[error("{0} is not registered: send its keys with the proof")]
    NotRegistered(PhoneNumber),
    /// Keys for a number registered under another identity key.
    #[error("{0} is registered under another identity key")]
    KeyMismatch(PhoneNumber),
    /// The signature does not verify.
    #[error("the proof does not verify under {0}'s identity key")]
    BadProof(PhoneNumber),
    /// A frame that speaks for another number than the connection's.
    #[error("this connection speaks for {expected}, not {claimed}")]
    WrongSender {
        /// The connection's number.
        expected: PhoneNumber,
        /// The number the frame claimed.
        claimed: PhoneNumber,
    },
}

impl GateError {
    /// The stable code an `error` frame carries.
    pub fn code(&self) -> &'static str {
        match self {
            GateError::Frame(e) => e.code(),
            GateError::NotAuthenticated(_) => "NOT_AUTHENTICATED",
            GateError::OutOfTurn(_) => "OUT_OF_TURN",
            GateError::NotRegistered(_) => "NOT_REGISTERED",
            GateError::KeyMismatch(_) => "KEY_MISMATCH",
            GateError::BadProof(_) => "BAD_PROOF",
            GateError::WrongSender { .. } => "WRONG_SENDER",
        }
    }

    /// The `error` frame for this error.
    pub fn frame(&self) -> ServerFrame {
        ServerFrame::Error {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}

/// One connection's gate.
#[derive(Debug, Clone)]
pub struct DeviceGate {
    state: State,
}

impl Default for DeviceGate {
    fn default() -> Self {
        Self::new()
    }
}

impl DeviceGate {
    /// A gate waiting for `hello`.
    pub fn new() -> Self {
        Self {
            state: State::AwaitingHello,
        }
    }

    /// The number the connection speaks for, once the proof held.
    pub fn number(&self) -> Option<&PhoneNumber> {
        match &self.state {
            State::Open { number } => Some(number),
            _ => None,
        }
    }

    /// The number claimed by `hello` while its challenge is open: the caller
    /// looks up its registered identity key before passing the proof.
    pub fn claimed(&self) -> Option<&PhoneNumber> {
        match &self.state {
            State::Challenged { number, .. } => Some(number),
            _ => None,
        }
    }

    /// Whether the handshake is done.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open { .. })
    }

    /// One text frame from the device. `registered` answers with the identity
    /// key the transport's directory holds for a number, if any. A refused
    /// frame changes nothing, except that a failed handshake starts over.
    pub fn on_frame<R: CryptoRng>(
        &mut self,
        text: &str,
        rng: &mut R,
        registered: impl Fn(&PhoneNumber) -> Option<PublicKey>,
    ) -> Result<GateOutcome, GateError> {
        let frame = DeviceFrame::parse(text)?;
        match (&self.state, frame) {
            (State::AwaitingHello, DeviceFrame::Hello { number }) => {
                let number =
                    PhoneNumber::parse(&number).map_err(|_| FrameError::BadNumber(number))?;
                let mut nonce = [0u8; 32];
                rng.fill_bytes(&mut nonce);
                self.state = State::Challenged { number, nonce };
                Ok(GateOutcome::Reply(ServerFrame::Challenge {
                    nonce: nonce.to_vec(),
                }))
            }
            (State::Challenged { number, nonce }, DeviceFrame::Proof { signature, keys }) => {
                let number = number.clone();
                let message = auth_message(&number, nonce);
                // One try per challenge: whatever happens, the nonce is spent.
                self.state = State::AwaitingHello;
                let keys = keys.map(|k| k.to_keys()).transpose()?;
                let key = match (registered(&number), &keys) {
                    (Some(known), Some(k)) if k.bundle.identity_key != known => {
                        return Err(GateError::KeyMismatch(number));
                    }
                    (Some(known), _) => known,
                    (None, Some(k)) => {
                        k.bundle
                            .verify()
                            .map_err(|e| FrameError::BadKeys(e.to_string()))?;
                        k.bundle.identity_key
                    }
                    (None, None) => return Err(GateError::NotRegistered(number)),
                };
                let signature: [u8; xeddsa::SIGNATURE_LEN] = signature
                    .as_slice()
                    .try_into()
                    .map_err(|_| GateError::BadProof(number.clone()))?;
                xeddsa::verify(key.as_bytes(), &message, &signature)
                    .map_err(|_| GateError::BadProof(number.clone()))?;
                self.state = State::Open {
                    number: number.clone(),
                };
                Ok(GateOutcome::Opened { number, keys })
            }
            (State::Open { .. }, DeviceFrame::Ack { from, id }) => {
                Ok(GateOutcome::Ack { from, id })
            }
            (State::Open { number }, frame) => message_of(number, frame).map(GateOutcome::Message),
            (State::AwaitingHello, DeviceFrame::Proof { .. }) => Err(GateError::OutOfTurn("proof")),
            (State::Challenged { .. }, DeviceFrame::Hello { .. }) => {
                Err(GateError::OutOfTurn("hello"))
            }
            (_, frame) => Err(GateError::NotAuthenticated(frame_name(&frame))),
        }
    }
}

fn frame_name(frame: &DeviceFrame) -> &'static str {
    match frame {
        DeviceFrame::Hello { .. } => "hello",
        DeviceFrame::Proof { .. } => "proof",
        DeviceFrame::PublishPreKeys { .. } => "publish_prekeys",
        DeviceFrame::FetchBundle { .. } => "fetch_bundle",
        DeviceFrame::Submit { .. } => "submit",
        DeviceFrame::SpamReport { .. } => "spam_report",
        DeviceFrame::Ack { .. } => "ack",
    }
}

/// The typed message of a frame on an open connection for `me` (what a
/// journal replays: the gate's own check, again).
pub fn message_of(me: &PhoneNumber, frame: DeviceFrame) -> Result<ToTransport, GateError> {
    match frame {
        DeviceFrame::Hello { .. } => Err(GateError::OutOfTurn("hello")),
        DeviceFrame::Proof { .. } => Err(GateError::OutOfTurn("proof")),
        DeviceFrame::Ack { .. } => Err(GateError::OutOfTurn("ack")),
        DeviceFrame::PublishPreKeys { one_time } => Ok(ToTransport::PublishPreKeys {
            number: me.clone(),
            one_time: decode_one_time(&one_time)?,
        }),
        DeviceFrame::FetchBundle { number } => {
            let number = PhoneNumber::parse(&number).map_err(|_| FrameError::BadNumber(number))?;
            Ok(ToTransport::FetchBundle {
                requester: me.clone(),
                number,
            })
        }
        DeviceFrame::Submit {
            envelope,
            retransmission,
        } => {
            if envelope.from != *me {
                return Err(GateError::WrongSender {
                    expected: me.clone(),
                    claimed: envelope.from,
                });
            }
            Ok(ToTransport::Submit {
                envelope,
                retransmission,
            })
        }
        DeviceFrame::SpamReport { business } => {
            let business =
                PhoneNumber::parse(&business).map_err(|_| FrameError::BadNumber(business))?;
            Ok(ToTransport::SpamReport {
                reporter: me.clone(),
                business,
            })
        }
    }
}

#[cfg(test)]
mod tests;
