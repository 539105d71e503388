//! Versioned envelopes. The first byte is `version << 4 | type`; this is version 1.
//!
//! ```text
//! RatchetMessage  0x11 || header (41) || len (u32 BE) || ciphertext (len bytes, tag last)
//! PreKeyMessage   0x12 || Encode(IK_A) (33) || Encode(EK_A) (33) || SPK id (u32 BE)
//!                      || OPK flag (0x00 | 0x01) || [OPK id (u32 BE) if flag = 0x01]
//!                      || len (u32 BE) || RatchetMessage (len bytes)
//! ```
//!
//! Every length is checked against what is left and against the named bounds
//! before anything is read; trailing bytes are an error.

use crate::crypto::aead::TAG_LEN;
use crate::keys::{PreKeyId, PublicKey};
use crate::wire::reader::Reader;
use crate::wire::{DecodeError, Header};

/// The protocol version in the high nibble of the first byte.
pub const VERSION: u8 = 1;
const TYPE_RATCHET: u8 = VERSION << 4 | 0x1;
const TYPE_PREKEY: u8 = VERSION << 4 | 0x2;

pub use crate::limits::MAX_CIPHERTEXT_LEN;
pub use crate::limits::MAX_PLAINTEXT_LEN;

/// A Double Ratchet message: header plus AEAD ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatchetMessage {
    /// The cleartext, authenticated header.
    pub header: Header,
    /// ChaCha20-Poly1305 output, tag last.
    pub ciphertext: Vec<u8>,
}

/// The initiator's message until the first reply: X3DH inputs plus a ratchet message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreKeyMessage {
    /// IK_A: the initiator's identity key.
    pub identity_key: PublicKey,
    /// EK_A: the initiator's ephemeral (base) key.
    pub base_key: PublicKey,
    /// Which of the responder's signed prekeys was used.
    pub signed_prekey_id: PreKeyId,
    /// Which one-time prekey was used, if any.
    pub one_time_prekey_id: Option<PreKeyId>,
    /// The first (or a later, until a reply arrives) ratchet message.
    pub message: RatchetMessage,
}

/// Any message on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Envelope {
    /// A plain ratchet message.
    Ratchet(RatchetMessage),
    /// A ratchet message wrapped with X3DH data.
    PreKey(PreKeyMessage),
}

impl RatchetMessage {
    /// The envelope bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + super::HEADER_LEN + 4 + self.ciphertext.len());
        out.push(TYPE_RATCHET);
        out.extend_from_slice(&self.header.encode());
        out.extend_from_slice(&len_u32(self.ciphertext.len()).to_be_bytes());
        out.extend_from_slice(&self.ciphertext);
        out
    }

    fn read_body(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let header = Header::read(r)?;
        let len = r.u32("ciphertext length")? as usize;
        if !(TAG_LEN..=MAX_CIPHERTEXT_LEN).contains(&len) {
            return Err(DecodeError::BadLength {
                field: "ciphertext",
                len,
            });
        }
        let ciphertext = r.take(len, "ciphertext")?.to_vec();
        Ok(Self { header, ciphertext })
    }
}

impl PreKeyMessage {
    /// The envelope bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let inner = self.message.to_bytes();
        let mut out = Vec::with_capacity(1 + 33 + 33 + 4 + 5 + 4 + inner.len());
        out.push(TYPE_PREKEY);
        out.extend_from_slice(&self.identity_key.encode());
        out.extend_from_slice(&self.base_key.encode());
        out.extend_from_slice(&self.signed_prekey_id.to_be_bytes());
        match self.one_time_prekey_id {
            Some(id) => {
                out.push(1);
                out.extend_from_slice(&id.to_be_bytes());
            }
            None => out.push(0),
        }
        out.extend_from_slice(&len_u32(inner.len()).to_be_bytes());
        out.extend_from_slice(&inner);
        out
    }
}

impl Envelope {
    /// The envelope bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Envelope::Ratchet(m) => m.to_bytes(),
            Envelope::PreKey(m) => m.to_bytes(),
        }
    }

    /// The ratchet message inside.
    pub fn ratchet_message(&self) -> &RatchetMessage {
        match self {
            Envelope::Ratchet(m) => m,
            Envelope::PreKey(m) => &m.message,
        }
    }
}

/// Lengths are bounded by [`MAX_CIPHERTEXT_LEN`] long before u32 overflows.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl TryFrom<&[u8]> for RatchetMessage {
    type Error = DecodeError;

    fn try_from(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        match r.u8("version")? {
            TYPE_RATCHET => {}
            other => return Err(DecodeError::UnknownVersion(other)),
        }
        let m = Self::read_body(&mut r)?;
        r.finish()?;
        Ok(m)
    }
}

impl TryFrom<&[u8]> for Envelope {
    type Error = DecodeError;

    fn try_from(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let envelope = match r.u8("version")? {
            TYPE_RATCHET => Envelope::Ratchet(RatchetMessage::read_body(&mut r)?),
            TYPE_PREKEY => {
                let identity_key = r.public_key("identity key")?;
                let base_key = r.public_key("base key")?;
                let signed_prekey_id = r.u32("signed prekey id")?;
                let one_time_prekey_id = match r.u8("one-time prekey flag")? {
                    0 => None,
                    1 => Some(r.u32("one-time prekey id")?),
                    value => {
                        return Err(DecodeError::InvalidFlag {
                            field: "one-time prekey flag",
                            value,
                        });
                    }
                };
                let len = r.u32("inner message length")? as usize;
                let message = RatchetMessage::try_from(r.take(len, "inner message")?)?;
                Envelope::PreKey(PreKeyMessage {
                    identity_key,
                    base_key,
                    signed_prekey_id,
                    one_time_prekey_id,
                    message,
                })
            }
            other => return Err(DecodeError::UnknownVersion(other)),
        };
        r.finish()?;
        Ok(envelope)
    }
}
