//! The publishable prekey bundle: what an initiator fetches from the directory to
//! start a session without the responder being online.
//!
//! ```text
//! 0x13 || Encode(IK_B) (33) || SPK id (u32 BE) || Encode(SPK_B) (33)
//!      || XEdDSA(IK_B, Encode(SPK_B)) (64)
//!      || OPK flag (0x00 | 0x01) || [OPK id (u32 BE) || Encode(OPK_B) (33)]
//! ```

use crate::crypto::xeddsa::{self, SIGNATURE_LEN, XEdDsaError};
use crate::keys::{PreKeyId, PublicKey};
use crate::wire::reader::Reader;
use crate::wire::{DecodeError, VERSION};

const TYPE_BUNDLE: u8 = VERSION << 4 | 0x3;

/// Identity key, signed prekey with its signature, and at most one one-time prekey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreKeyBundle {
    /// IK_B.
    pub identity_key: PublicKey,
    /// The id of SPK_B.
    pub signed_prekey_id: PreKeyId,
    /// SPK_B.
    pub signed_prekey: PublicKey,
    /// `XEdDSA(IK_B, Encode(SPK_B))`.
    pub signed_prekey_signature: [u8; SIGNATURE_LEN],
    /// OPK_B with its id, when the directory had one left.
    pub one_time_prekey: Option<(PreKeyId, PublicKey)>,
}

impl PreKeyBundle {
    /// Checks the signed prekey's signature under the identity key.
    pub fn verify(&self) -> Result<(), XEdDsaError> {
        xeddsa::verify(
            self.identity_key.as_bytes(),
            &self.signed_prekey.encode(),
            &self.signed_prekey_signature,
        )
    }

    /// The bundle's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 33 + 4 + 33 + 64 + 1 + 4 + 33);
        out.push(TYPE_BUNDLE);
        out.extend_from_slice(&self.identity_key.encode());
        out.extend_from_slice(&self.signed_prekey_id.to_be_bytes());
        out.extend_from_slice(&self.signed_prekey.encode());
        out.extend_from_slice(&self.signed_prekey_signature);
        match &self.one_time_prekey {
            Some((id, key)) => {
                out.push(1);
                out.extend_from_slice(&id.to_be_bytes());
                out.extend_from_slice(&key.encode());
            }
            None => out.push(0),
        }
        out
    }
}

impl TryFrom<&[u8]> for PreKeyBundle {
    type Error = DecodeError;

    fn try_from(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        match r.u8("version")? {
            TYPE_BUNDLE => {}
            other => return Err(DecodeError::UnknownVersion(other)),
        }
        let identity_key = r.public_key("identity key")?;
        let signed_prekey_id = r.u32("signed prekey id")?;
        let signed_prekey = r.public_key("signed prekey")?;
        let mut signed_prekey_signature = [0u8; SIGNATURE_LEN];
        signed_prekey_signature.copy_from_slice(r.take(SIGNATURE_LEN, "signed prekey signature")?);
        let one_time_prekey = match r.u8("one-time prekey flag")? {
            0 => None,
            1 => Some((
                r.u32("one-time prekey id")?,
                r.public_key("one-time prekey")?,
            )),
            value => {
                return Err(DecodeError::InvalidFlag {
                    field: "one-time prekey flag",
                    value,
                });
            }
        };
        r.finish()?;
        Ok(Self {
            identity_key,
            signed_prekey_id,
            signed_prekey,
            signed_prekey_signature,
            one_time_prekey,
        })
    }
}
