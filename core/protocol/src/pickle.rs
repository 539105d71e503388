//! Versioned session serialization ("pickles"), optionally sealed under a key.
//!
//! A pickle is JSON: a `version` number, then every field of the session with
//! byte strings as lowercase hex (public keys as `Encode(PK)`, 33 bytes). Secret
//! fields are zeroized when the pickle is dropped. Restoring re-validates every
//! public key and refuses unknown versions.
//!
//! A sealed pickle is `0x01 || nonce (12) || ChaCha20-Poly1305(key, nonce, json,
//! aad = "cipherflow session pickle v1")` under a caller-held 32-byte key, with a
//! fresh random nonce per seal.

use rand_core::CryptoRng;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::crypto::aead::{self, AeadError, NONCE_LEN};
use crate::json_fields::ParsedJson;
use crate::keys::{KeyError, PublicKey};
use crate::ratchet::PickledKey;
use crate::ratchet::{DoubleRatchet, RatchetPickle};
use crate::session::{Role, Session};
use crate::x3dh::AD_LEN;

/// The pickle format version this code writes and reads.
pub const PICKLE_VERSION: u32 = 1;
/// The first byte of a sealed pickle.
pub const SEALED_PICKLE_VERSION: u8 = 0x01;
/// Associated data of the sealed-pickle AEAD.
pub const SEALED_PICKLE_AAD: &[u8] = b"cipherflow session pickle v1";

/// Why a pickle could not be written or restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickleError {
    /// Not valid pickle JSON.
    #[error("malformed pickle: {0}")]
    Json(String),
    /// A version this code does not read.
    #[error("unsupported pickle version {0} (this build reads {PICKLE_VERSION})")]
    UnsupportedVersion(u32),
    /// A public key inside was invalid.
    #[error("invalid key in pickle: {0}")]
    Key(#[from] KeyError),
    /// A field had the wrong length.
    #[error("field {0} has the wrong length")]
    BadLength(&'static str),
    /// The sealed pickle did not open: wrong key, or altered bytes.
    #[error("sealed pickle does not open: {0}")]
    Sealed(#[from] AeadError),
    /// The sealed pickle's first byte is unknown.
    #[error("unknown sealed pickle version byte 0x{0:02x}")]
    UnknownSealedVersion(u8),
    /// A signed prekey's signature does not verify under the identity.
    #[error("signed prekey {0} is not signed by this identity")]
    InvalidSignature(u32),
    /// Two keys share an id.
    #[error("prekey id {0} appears twice")]
    DuplicateId(u32),
    /// The sealed pickle is shorter than its header.
    #[error("sealed pickle is truncated")]
    Truncated,
    /// A field disagrees with what the rest of the pickle determines.
    #[error("field {0} contradicts the rest of the pickle")]
    Inconsistent(&'static str),
}

#[derive(Serialize)]
struct SessionPickle {
    version: u32,
    role: Role,
    local_identity: PickledKey,
    remote_identity: PickledKey,
    base_key: PickledKey,
    #[serde(with = "hex::serde")]
    associated_data: [u8; AD_LEN],
    pending_prekey: Option<PendingPickle>,
    signed_prekey_id: u32,
    one_time_prekey_id: Option<u32>,
    ratchet: RatchetPickle,
}

#[derive(Serialize)]
struct PendingPickle {
    signed_prekey_id: u32,
    one_time_prekey_id: Option<u32>,
}

impl Session {
    /// The session as pickle JSON. It contains secrets: store it sealed
    /// ([`Session::seal`]) or somewhere as protected as the keys themselves.
    pub fn pickle(&self) -> Zeroizing<String> {
        let pickle = SessionPickle {
            version: PICKLE_VERSION,
            role: self.role,
            local_identity: self.local_identity.into(),
            remote_identity: self.remote_identity.into(),
            base_key: self.base_key.into(),
            associated_data: self.associated_data(),
            pending_prekey: self.pending_prekey.then_some(PendingPickle {
                signed_prekey_id: self.prekey_ids.0,
                one_time_prekey_id: self.prekey_ids.1,
            }),
            signed_prekey_id: self.prekey_ids.0,
            one_time_prekey_id: self.prekey_ids.1,
            ratchet: RatchetPickle::from(&self.ratchet),
        };
        // Serializing plain structs of strings and integers to a String cannot fail.
        Zeroizing::new(serde_json::to_string(&pickle).unwrap_or_default())
    }

    /// Restores a session from [`Session::pickle`] output.
    pub fn from_pickle(json: &str) -> Result<Self, PickleError> {
        let parsed = ParsedJson::parse(json.as_bytes())?;
        let f = parsed.fields("pickle")?.only(&[
            "version",
            "role",
            "local_identity",
            "remote_identity",
            "base_key",
            "associated_data",
            "pending_prekey",
            "signed_prekey_id",
            "one_time_prekey_id",
            "ratchet",
        ])?;
        let version = f.u32("version")?;
        if version != PICKLE_VERSION {
            return Err(PickleError::UnsupportedVersion(version));
        }
        let role = match f.str("role")? {
            "initiator" => Role::Initiator,
            "responder" => Role::Responder,
            other => return Err(PickleError::Json(format!("unknown role {other}"))),
        };
        let key = |field| PublicKey::decode(&f.hex::<33>(field)?).map_err(PickleError::from);
        let base_key = key("base_key")?;
        let prekey_ids = (f.u32("signed_prekey_id")?, f.opt_u32("one_time_prekey_id")?);
        // A pending prekey message names the session's own prekey ids.
        let pending_prekey = f.has("pending_prekey");
        if pending_prekey {
            let p = f
                .object("pending_prekey")?
                .only(&["signed_prekey_id", "one_time_prekey_id"])?;
            if (p.u32("signed_prekey_id")?, p.opt_u32("one_time_prekey_id")?) != prekey_ids {
                return Err(PickleError::Inconsistent("pending_prekey"));
            }
        }
        let ratchet = RatchetPickle::read(f.object("ratchet")?)?;
        let associated_data: [u8; AD_LEN] = f.hex("associated_data")?;
        let session = Session {
            ratchet: DoubleRatchet::try_from(&ratchet)?,
            local_identity: key("local_identity")?,
            remote_identity: key("remote_identity")?,
            role,
            base_key,
            prekey_ids,
            pending_prekey,
        };
        // The associated data is derived from the identities and the role.
        if session.associated_data() != associated_data {
            return Err(PickleError::Inconsistent("associated_data"));
        }
        Ok(session)
    }

    /// The pickle sealed under `key` with a fresh nonce from `rng`.
    pub fn seal(&self, rng: &mut impl CryptoRng, key: &[u8; 32]) -> Result<Vec<u8>, PickleError> {
        seal_json(rng, key, SEALED_PICKLE_AAD, &self.pickle())
    }

    /// Opens a sealed pickle and restores the session.
    pub fn unseal(key: &[u8; 32], sealed: &[u8]) -> Result<Self, PickleError> {
        let json = open_json(key, SEALED_PICKLE_AAD, sealed)?;
        Self::from_pickle(&json)
    }
}

/// `0x01 || nonce || ChaCha20-Poly1305(key, nonce, json, aad)`: the sealed form
/// shared by session and account pickles (each with its own `aad`, so one can
/// never be opened as the other), and by the flow's phone journal.
pub fn seal_json(
    rng: &mut impl CryptoRng,
    key: &[u8; 32],
    aad: &[u8],
    json: &str,
) -> Result<Vec<u8>, PickleError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let ciphertext = aead::seal(key, &nonce, aad, json.as_bytes())?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(SEALED_PICKLE_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens [`seal_json`] output; the JSON text is zeroized when dropped.
pub fn open_json(
    key: &[u8; 32],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<String>, PickleError> {
    let (&version, rest) = sealed.split_first().ok_or(PickleError::Truncated)?;
    if version != SEALED_PICKLE_VERSION {
        return Err(PickleError::UnknownSealedVersion(version));
    }
    let (nonce, ciphertext) = rest
        .split_at_checked(NONCE_LEN)
        .ok_or(PickleError::Truncated)?;
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| PickleError::Truncated)?;
    let json = aead::open(key, &nonce, aad, ciphertext)?;
    String::from_utf8(json).map(Zeroizing::new).map_err(|e| {
        let mut bytes = e.into_bytes();
        zeroize::Zeroize::zeroize(&mut bytes);
        PickleError::Json("sealed pickle is not UTF-8".to_owned())
    })
}

impl From<crate::json_fields::FieldError> for PickleError {
    fn from(e: crate::json_fields::FieldError) -> Self {
        PickleError::Json(e.0)
    }
}
