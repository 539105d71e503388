//! The Double Ratchet header: `Encode(DHs.public) || PN (u32 BE) || N (u32 BE)`,
//! 41 bytes. It is authenticated (it is part of the AEAD's associated data) but
//! not encrypted.

use crate::keys::{ENCODED_LEN, PublicKey};
use crate::wire::DecodeError;
use crate::wire::reader::Reader;

/// Length of an encoded header.
pub const HEADER_LEN: usize = ENCODED_LEN + 4 + 4;

/// A ratchet message header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The sender's current ratchet public key (DHs).
    pub ratchet_key: PublicKey,
    /// PN: how many messages the sender sent on its previous sending chain.
    pub previous_chain_length: u32,
    /// N: this message's index in the current sending chain.
    pub index: u32,
}

impl Header {
    /// The 41 header bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..ENCODED_LEN].copy_from_slice(&self.ratchet_key.encode());
        out[ENCODED_LEN..ENCODED_LEN + 4]
            .copy_from_slice(&self.previous_chain_length.to_be_bytes());
        out[ENCODED_LEN + 4..].copy_from_slice(&self.index.to_be_bytes());
        out
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            ratchet_key: r.public_key("header ratchet key")?,
            previous_chain_length: r.u32("header PN")?,
            index: r.u32("header N")?,
        })
    }
}

impl TryFrom<&[u8]> for Header {
    type Error = DecodeError;

    fn try_from(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let header = Self::read(&mut r)?;
        r.finish()?;
        Ok(header)
    }
}
