//! The frames of a device's live connection to the transport: what a phone
//! and `cipherflow serve` exchange over a WebSocket, one JSON text frame each.
//!
//! They are the device link's typed messages ([`ToTransport`],
//! [`FromTransport`]) plus the handshake that proves a device holds the
//! identity key of the number it claims (see `crate::live::device_gate`):
//!
//! ```text
//! device                                   transport
//!   hello {number}                  ──▶
//!                                   ◀──    challenge {nonce: 32 bytes}
//!   proof {signature, keys?}        ──▶    verifies XEdDSA(IK, auth_message)
//!                                   ◀──    welcome {number, registered}
//!   fetch_bundle / submit / ...     ◀─▶    bundle / accepted / deliver / ...
//!   ack {from, id}                  ──▶    (for every deliver)
//! ```
//!
//! Bytes travel as lowercase hex: keys in their 33-byte encoding (`05` ‖ u),
//! bundles in the protocol's bundle encoding, Signal envelopes as the
//! envelope's wire bytes. Nothing secret is in any frame: the signature
//! proves possession of the identity key without revealing it.

use cipherflow_protocol::PreKeyBundle;
use cipherflow_protocol::json_fields::{FieldError, Fields};
use cipherflow_protocol::keys::{PreKeyId, PublicKey};
use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;
use crate::transport::integrity::IntegrityAction;
use crate::wire::{
    EnvelopeId, FromTransport, Payload, PublishedKeys, ReceiptKind, ToTransport, TransportEnvelope,
};

/// The largest frame either side accepts, in bytes: a 64 KiB Signal message
/// as hex, with room for the envelope around it.
pub const MAX_FRAME_BYTES: usize = 160 * 1024;

/// The one-time prekeys a frame may publish at once.
pub const MAX_FRAME_PREKEYS: usize = 100;

/// The domain-separated message a device signs to prove it holds the
/// identity key of `number`: `"cipherflow transport auth v1"`, a zero byte,
/// the number's digits, a zero byte, and the server's 32-byte nonce.
pub fn auth_message(number: &PhoneNumber, nonce: &[u8; 32]) -> Vec<u8> {
    let mut message = Vec::with_capacity(64 + number.wa_id().len());
    message.extend_from_slice(b"cipherflow transport auth v1\0");
    message.extend_from_slice(number.wa_id().as_bytes());
    message.push(0);
    message.extend_from_slice(nonce);
    message
}

/// A device's keys as a frame carries them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeysFrame {
    /// The bundle without a one-time prekey: identity key, signed prekey and
    /// its signature, in the bundle encoding, as hex.
    #[serde(with = "hex::serde")]
    pub bundle: Vec<u8>,
    /// One-time prekeys: id and 33-byte encoded key as hex.
    pub one_time: Vec<(PreKeyId, String)>,
}

/// What a device sends. Read by hand ([`DeviceFrame::parse`], and the
/// `Deserialize` below, through a JSON value), as [`ServerFrame`] is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeviceFrame {
    /// "I am `number`": the first frame of a connection.
    Hello {
        /// The number claimed, in any form [`PhoneNumber::parse`] reads.
        number: String,
    },
    /// The answer to a challenge: an XEdDSA signature by the identity key over
    /// [`auth_message`]. `keys` registers a number the transport does not know
    /// yet (the signature must then verify under `keys`' identity key).
    Proof {
        /// The 64-byte signature, as hex.
        #[serde(with = "hex::serde")]
        signature: Vec<u8>,
        /// The keys to register, for a new number.
        #[serde(default)]
        keys: Option<KeysFrame>,
    },
    /// More one-time prekeys.
    #[serde(rename = "publish_prekeys")]
    PublishPreKeys {
        /// Id and 33-byte encoded key as hex.
        one_time: Vec<(PreKeyId, String)>,
    },
    /// A bundle for `number`, to start a session with it.
    FetchBundle {
        /// Whose bundle.
        number: String,
    },
    /// An envelope to route. Its `from` must be the connection's number.
    Submit {
        /// The envelope.
        envelope: TransportEnvelope,
        /// Whether it was sent before.
        #[serde(default)]
        retransmission: bool,
    },
    /// The person reports `business` as spam.
    SpamReport {
        /// The business's number.
        business: String,
    },
    /// The envelope `id` from `from` reached the phone (sent for every
    /// `deliver`). Until then the transport holds it for the phone: if the
    /// connection ends first, it is queued again and delivered on the next.
    Ack {
        /// The envelope's sender.
        from: PhoneNumber,
        /// Its id.
        id: EnvelopeId,
    },
}

/// What the transport sends a device. Read by [`ServerFrame::parse`], by
/// hand: a derived deserializer of an internally tagged enum is several KB of
/// the phone page's wasm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Prove you hold the identity key: sign [`auth_message`] with this nonce.
    Challenge {
        /// 32 fresh random bytes, as hex.
        #[serde(with = "hex::serde")]
        nonce: Vec<u8>,
    },
    /// The proof holds: the connection speaks for `number` now.
    Welcome {
        /// The number, digits only.
        number: PhoneNumber,
        /// Whether this proof registered it.
        registered: bool,
    },
    /// The answer to a `fetch_bundle`.
    Bundle {
        /// Whose.
        number: PhoneNumber,
        /// The bundle encoding as hex, or null when the number is not on WhatsApp.
        bundle: Option<String>,
    },
    /// A submitted envelope was accepted (one tick).
    Accepted {
        /// The envelope's id.
        id: EnvelopeId,
    },
    /// A submitted envelope was refused under an integrity action.
    Refused {
        /// The envelope's id.
        id: EnvelopeId,
        /// The action in force.
        action: IntegrityAction,
    },
    /// One-time prekeys are running low: `left` remain.
    #[serde(rename = "prekey_count")]
    PreKeyCount {
        /// How many remain.
        left: usize,
    },
    /// An envelope for this device.
    Deliver {
        /// The envelope.
        envelope: TransportEnvelope,
    },
    /// A frame was refused; the connection stays open unless it was the
    /// handshake.
    Error {
        /// A stable code (see [`FrameError::code`] and the gate's errors).
        code: String,
        /// What was wrong.
        message: String,
    },
}

/// Why a frame could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Longer than [`MAX_FRAME_BYTES`].
    #[error("frame of {0} bytes is over the {MAX_FRAME_BYTES}-byte limit")]
    TooLarge(usize),
    /// Not JSON, or not one of the frames.
    #[error("not a frame: {0}")]
    Malformed(String),
    /// A number that does not parse.
    #[error("bad number {0:?}")]
    BadNumber(String),
    /// A key or bundle that does not decode.
    #[error("bad key material: {0}")]
    BadKeys(String),
    /// More one-time prekeys than [`MAX_FRAME_PREKEYS`].
    #[error("{0} one-time prekeys in one frame; at most {MAX_FRAME_PREKEYS}")]
    TooManyPreKeys(usize),
}

impl FrameError {
    /// The stable code an `error` frame carries.
    pub fn code(&self) -> &'static str {
        match self {
            FrameError::TooLarge(_) => "FRAME_TOO_LARGE",
            FrameError::Malformed(_) => "MALFORMED_FRAME",
            FrameError::BadNumber(_) => "INVALID_PHONE_NUMBER",
            FrameError::BadKeys(_) => "INVALID_KEY",
            FrameError::TooManyPreKeys(_) => "TOO_MANY_PREKEYS",
        }
    }
}

impl<'de> Deserialize<'de> for DeviceFrame {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        device_frame_of(&value).map_err(|e| serde::de::Error::custom(e.0))
    }
}

impl<'de> Deserialize<'de> for KeysFrame {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        keys_frame_of(&value).map_err(|e| serde::de::Error::custom(e.0))
    }
}

/// One text frame, at most [`MAX_FRAME_BYTES`], read as JSON by `of`.
fn parse_frame<T>(
    text: &str,
    of: fn(&serde_json::Value) -> Result<T, FieldError>,
) -> Result<T, FrameError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge(text.len()));
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| FrameError::Malformed(e.to_string()))?;
    of(&value).map_err(|e| FrameError::Malformed(e.0))
}

impl DeviceFrame {
    /// Reads one text frame.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        parse_frame(text, device_frame_of)
    }

    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The frame a device sends for `message` (its own number is implied by
    /// the connection). `Register`, `Connect`, `Disconnect` and `Undelivered`
    /// have no frame: the handshake registers and connects, closing the
    /// socket disconnects, and only the router reports an undelivered copy.
    pub fn from_to_transport(message: &ToTransport) -> Option<Self> {
        match message {
            ToTransport::PublishPreKeys { one_time, .. } => Some(DeviceFrame::PublishPreKeys {
                one_time: one_time_frame(one_time),
            }),
            ToTransport::FetchBundle { number, .. } => Some(DeviceFrame::FetchBundle {
                number: number.wa_id().to_owned(),
            }),
            ToTransport::Submit {
                envelope,
                retransmission,
            } => Some(DeviceFrame::Submit {
                envelope: envelope.clone(),
                retransmission: *retransmission,
            }),
            ToTransport::SpamReport { business, .. } => Some(DeviceFrame::SpamReport {
                business: business.wa_id().to_owned(),
            }),
            ToTransport::Register { .. }
            | ToTransport::Connect { .. }
            | ToTransport::Disconnect { .. }
            | ToTransport::Undelivered { .. } => None,
        }
    }
}

impl ServerFrame {
    /// Reads one text frame.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        parse_frame(text, server_frame_of)
    }

    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The frame for a message the transport sends a device.
    pub fn from_transport(message: &FromTransport) -> Self {
        match message {
            FromTransport::Bundle { number, bundle, .. } => ServerFrame::Bundle {
                number: number.clone(),
                bundle: bundle.as_ref().map(|b| hex::encode(b.to_bytes())),
            },
            FromTransport::Accepted { envelope } => ServerFrame::Accepted { id: envelope.id },
            FromTransport::Refused { envelope, action } => ServerFrame::Refused {
                id: envelope.id,
                action: *action,
            },
            FromTransport::PreKeyCount { left, .. } => ServerFrame::PreKeyCount { left: *left },
            FromTransport::Deliver { envelope } => ServerFrame::Deliver {
                envelope: envelope.clone(),
            },
        }
    }

    /// The typed message this frame carries to the device `me`, or `None` for
    /// the handshake and error frames.
    pub fn to_from_transport(&self, me: &PhoneNumber) -> Result<Option<FromTransport>, FrameError> {
        let envelope_ref = |id: EnvelopeId| crate::wire::EnvelopeRef {
            from: me.clone(),
            id,
        };
        Ok(Some(match self {
            ServerFrame::Bundle { number, bundle } => FromTransport::Bundle {
                requester: me.clone(),
                number: number.clone(),
                bundle: bundle.as_deref().map(decode_bundle).transpose()?,
            },
            ServerFrame::Accepted { id } => FromTransport::Accepted {
                envelope: envelope_ref(*id),
            },
            ServerFrame::Refused { id, action } => FromTransport::Refused {
                envelope: envelope_ref(*id),
                action: *action,
            },
            ServerFrame::PreKeyCount { left } => FromTransport::PreKeyCount {
                number: me.clone(),
                left: *left,
            },
            ServerFrame::Deliver { envelope } => FromTransport::Deliver {
                envelope: envelope.clone(),
            },
            ServerFrame::Challenge { .. }
            | ServerFrame::Welcome { .. }
            | ServerFrame::Error { .. } => {
                return Ok(None);
            }
        }))
    }
}

impl KeysFrame {
    /// The frame for published keys.
    pub fn from_keys(keys: &PublishedKeys) -> Self {
        Self {
            bundle: keys.bundle.to_bytes(),
            one_time: one_time_frame(&keys.one_time),
        }
    }

    /// The keys, decoded and bounded (the bundle's signature is checked by the gate).
    pub fn to_keys(&self) -> Result<PublishedKeys, FrameError> {
        let bundle = PreKeyBundle::try_from(self.bundle.as_slice())
            .map_err(|e| FrameError::BadKeys(e.to_string()))?;
        if bundle.one_time_prekey.is_some() {
            return Err(FrameError::BadKeys(
                "a registration bundle carries no one-time prekey: they go in one_time".to_owned(),
            ));
        }
        Ok(PublishedKeys {
            bundle,
            one_time: decode_one_time(&self.one_time)?,
        })
    }
}

fn one_time_frame(keys: &[(PreKeyId, PublicKey)]) -> Vec<(PreKeyId, String)> {
    keys.iter()
        .map(|(id, key)| (*id, hex::encode(key.encode())))
        .collect()
}

/// One-time prekeys from a frame: at most [`MAX_FRAME_PREKEYS`], each a valid key.
pub fn decode_one_time(
    keys: &[(PreKeyId, String)],
) -> Result<Vec<(PreKeyId, PublicKey)>, FrameError> {
    if keys.len() > MAX_FRAME_PREKEYS {
        return Err(FrameError::TooManyPreKeys(keys.len()));
    }
    keys.iter()
        .map(|(id, key)| {
            let bytes = hex::decode(key).map_err(|e| FrameError::BadKeys(e.to_string()))?;
            let key = PublicKey::decode(&bytes).map_err(|e| FrameError::BadKeys(e.to_string()))?;
            Ok((*id, key))
        })
        .collect()
}

/// A transport envelope from its JSON (the serde form of [`TransportEnvelope`]).
fn envelope_of(value: &serde_json::Value) -> Result<TransportEnvelope, FieldError> {
    let f = Fields::of(value, "envelope")?.only(&["id", "from", "to", "sent_at_ms", "payload"])?;
    let number = |field: &'static str| {
        PhoneNumber::parse(f.str(field)?).map_err(|e| FieldError(format!("{field}: {e}")))
    };
    let p = f.object("payload")?;
    let payload = match p.str("kind")? {
        "signal" => Payload::Signal {
            bytes: hex::decode(p.only(&["kind", "bytes"])?.str("bytes")?)
                .map_err(|e| FieldError(format!("bytes: {e}")))?,
        },
        "receipt" => {
            let p = p.only(&["kind", "receipt", "ids"])?;
            let receipt = match p.str("receipt")? {
                "delivered" => ReceiptKind::Delivered,
                "read" => ReceiptKind::Read,
                other => return Err(FieldError(format!("unknown receipt {other:?}"))),
            };
            let ids = p
                .array("ids")?
                .iter()
                .map(|v| {
                    v.as_u64()
                        .ok_or_else(|| FieldError("ids must be integers".to_owned()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Payload::Receipt { receipt, ids }
        }
        "typing" => {
            p.only(&["kind"])?;
            Payload::Typing
        }
        "retry_request" => Payload::RetryRequest {
            id: p.only(&["kind", "id"])?.u64("id")?,
        },
        other => return Err(FieldError(format!("unknown payload {other:?}"))),
    };
    Ok(TransportEnvelope {
        id: f.u64("id")?,
        from: number("from")?,
        to: number("to")?,
        sent_at_ms: f.u64("sent_at_ms")?,
        payload,
    })
}

/// `[[id, "05…"], …]`: one-time prekeys as a frame lists them (decoded later).
fn one_time_of(f: &Fields<'_>) -> Result<Vec<(PreKeyId, String)>, FieldError> {
    f.array("one_time")?
        .iter()
        .map(|pair| {
            let (id, key) = cipherflow_protocol::json_fields::pair(pair, "one_time")?;
            let id = cipherflow_protocol::json_fields::u32_of(id, "one_time id")?;
            let key = key
                .as_str()
                .ok_or_else(|| FieldError("one_time key must be a string".to_owned()))?;
            Ok((id, key.to_owned()))
        })
        .collect()
}

fn keys_frame_of(value: &serde_json::Value) -> Result<KeysFrame, FieldError> {
    let f = Fields::of(value, "keys")?.only(&["bundle", "one_time"])?;
    Ok(KeysFrame {
        bundle: hex::decode(f.str("bundle")?).map_err(|e| FieldError(format!("bundle: {e}")))?,
        one_time: one_time_of(&f)?,
    })
}

/// A device frame from its JSON, every field checked, none unknown.
fn device_frame_of(value: &serde_json::Value) -> Result<DeviceFrame, FieldError> {
    let f = Fields::of(value, "frame")?;
    Ok(match f.str("type")? {
        "hello" => DeviceFrame::Hello {
            number: f.only(&["type", "number"])?.str("number")?.to_owned(),
        },
        "proof" => {
            let f = f.only(&["type", "signature", "keys"])?;
            DeviceFrame::Proof {
                signature: hex::decode(f.str("signature")?)
                    .map_err(|e| FieldError(format!("signature: {e}")))?,
                keys: f.value("keys").map(keys_frame_of).transpose()?,
            }
        }
        "publish_prekeys" => DeviceFrame::PublishPreKeys {
            one_time: one_time_of(&f.only(&["type", "one_time"])?)?,
        },
        "fetch_bundle" => DeviceFrame::FetchBundle {
            number: f.only(&["type", "number"])?.str("number")?.to_owned(),
        },
        "submit" => {
            let f = f.only(&["type", "envelope", "retransmission"])?;
            let envelope = f
                .value("envelope")
                .ok_or_else(|| FieldError("missing field envelope in frame".to_owned()))?;
            DeviceFrame::Submit {
                envelope: envelope_of(envelope)?,
                retransmission: f.has("retransmission") && f.bool("retransmission")?,
            }
        }
        "spam_report" => DeviceFrame::SpamReport {
            business: f.only(&["type", "business"])?.str("business")?.to_owned(),
        },
        "ack" => {
            let f = f.only(&["type", "from", "id"])?;
            DeviceFrame::Ack {
                from: PhoneNumber::parse(f.str("from")?)
                    .map_err(|e| FieldError(format!("from: {e}")))?,
                id: f.u64("id")?,
            }
        }
        other => return Err(FieldError(format!("unknown frame type {other:?}"))),
    })
}

/// A server frame from its JSON, every field checked, none unknown.
fn server_frame_of(value: &serde_json::Value) -> Result<ServerFrame, FieldError> {
    let f = Fields::of(value, "frame")?;
    let number = |f: &Fields<'_>| {
        let text = f.str("number")?;
        PhoneNumber::parse(text).map_err(|e| FieldError(format!("number: {e}")))
    };
    Ok(match f.str("type")? {
        "challenge" => {
            let f = f.only(&["type", "nonce"])?;
            ServerFrame::Challenge {
                nonce: hex::decode(f.str("nonce")?)
                    .map_err(|e| FieldError(format!("nonce: {e}")))?,
            }
        }
        "welcome" => {
            let f = f.only(&["type", "number", "registered"])?;
            ServerFrame::Welcome {
                number: number(&f)?,
                registered: f.bool("registered")?,
            }
        }
        "bundle" => {
            let f = f.only(&["type", "number", "bundle"])?;
            ServerFrame::Bundle {
                number: number(&f)?,
                bundle: f.opt_str("bundle")?.map(str::to_owned),
            }
        }
        "accepted" => ServerFrame::Accepted {
            id: f.only(&["type", "id"])?.u64("id")?,
        },
        "refused" => {
            let f = f.only(&["type", "id", "action"])?;
            let action = match f.str("action")? {
                "none" => IntegrityAction::None,
                "flagged" => IntegrityAction::Flagged,
                "throttled" => IntegrityAction::Throttled,
                "blocked" => IntegrityAction::Blocked,
                other => return Err(FieldError(format!("unknown action {other:?}"))),
            };
            ServerFrame::Refused {
                id: f.u64("id")?,
                action,
            }
        }
        "prekey_count" => ServerFrame::PreKeyCount {
            left: usize::try_from(f.only(&["type", "left"])?.u64("left")?)
                .map_err(|e| FieldError(e.to_string()))?,
        },
        "deliver" => {
            let f = f.only(&["type", "envelope"])?;
            let envelope = f
                .value("envelope")
                .ok_or_else(|| FieldError("missing field envelope in frame".to_owned()))?;
            ServerFrame::Deliver {
                envelope: envelope_of(envelope)?,
            }
        }
        "error" => {
            let f = f.only(&["type", "code", "message"])?;
            ServerFrame::Error {
                code: f.str("code")?.to_owned(),
                message: f.str("message")?.to_owned(),
            }
        }
        other => return Err(FieldError(format!("unknown frame type {other:?}"))),
    })
}

fn decode_bundle(text: &str) -> Result<PreKeyBundle, FrameError> {
    let bytes = hex::decode(text).map_err(|e| FrameError::BadKeys(e.to_string()))?;
    PreKeyBundle::try_from(bytes.as_slice()).map_err(|e| FrameError::BadKeys(e.to_string()))
}

#[cfg(test)]
mod tests;
