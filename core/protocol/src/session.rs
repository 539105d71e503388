//! A two-party session: X3DH output plus a Double Ratchet, and the prekey-message
//! logic of Sesame §5.2: the initiator wraps every message in a prekey message
//! until the first reply arrives.

use rand_core::CryptoRng;

use crate::bundle::PreKeyBundle;
use crate::keys::IdentityKeyPair;
use crate::keys::{PreKeyId, PublicKey};
use crate::ratchet::{DoubleRatchet, RatchetError, RatchetSnapshot};
use crate::safety_number::SafetyNumber;
use crate::wire::MAX_PLAINTEXT_LEN;
use crate::wire::{DecodeError, Envelope, PreKeyMessage, RatchetMessage};
use crate::x3dh::{self, AD_LEN, X3dhError};

/// Why a session operation failed. After any of these the session is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The bytes are not a valid envelope.
    #[error("malformed message: {0}")]
    Decode(#[from] DecodeError),
    /// The ratchet refused the message.
    #[error(transparent)]
    Ratchet(#[from] RatchetError),
    /// X3DH failed (bad bundle signature, unknown prekey, low-order key).
    #[error(transparent)]
    X3dh(#[from] X3dhError),
    /// A prekey message for a different session (other identity or base key).
    #[error("the prekey message belongs to a different session")]
    SessionMismatch,
    /// The plaintext is longer than one message may carry.
    #[error("plaintext of {len} bytes exceeds the {MAX_PLAINTEXT_LEN}-byte limit")]
    PlaintextTooLong {
        /// The length given.
        len: usize,
    },
}

/// Which side of X3DH this session was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Alice: fetched a bundle and sent the first message.
    Initiator,
    /// Bob: created the session from a prekey message.
    Responder,
}

/// A session with one remote device.
#[derive(Debug, Clone)]
pub struct Session {
    pub(crate) ratchet: DoubleRatchet,
    pub(crate) local_identity: PublicKey,
    pub(crate) remote_identity: PublicKey,
    pub(crate) role: Role,
    /// The initiator's EK_A: together with the identities it names this session.
    pub(crate) base_key: PublicKey,
    /// While true, outgoing messages are prekey messages naming `base_key`
    /// and `prekey_ids` (initiator only).
    pub(crate) pending_prekey: bool,
    /// The responder's signed and one-time prekey ids X3DH used. A prekey
    /// message matches this session only if it names the same ones, so no field
    /// of a prekey message can be altered unnoticed.
    pub(crate) prekey_ids: (PreKeyId, Option<PreKeyId>),
}

/// Public facts about a session, for inspectors. No secret material.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SessionSnapshot {
    /// Initiator or responder.
    pub role: Role,
    /// Our identity key.
    pub local_identity: PublicKey,
    /// Their identity key.
    pub remote_identity: PublicKey,
    /// EK_A.
    pub base_key: PublicKey,
    /// Whether outgoing messages still carry the X3DH prekey data.
    pub sends_prekey_messages: bool,
    /// The ratchet's counters and public keys.
    pub ratchet: RatchetSnapshot,
}

impl Session {
    /// Starts a session as the initiator from `bundle` (verifying its signature).
    pub fn initiate(
        rng: &mut impl CryptoRng,
        identity: &IdentityKeyPair,
        bundle: &PreKeyBundle,
    ) -> Result<Self, SessionError> {
        let (x3dh, params) = x3dh::initiate(rng, identity, bundle)?;
        let ratchet = DoubleRatchet::initiator(rng, x3dh.shared_key, bundle.signed_prekey)
            .map_err(X3dhError::from)?;
        Ok(Self {
            ratchet,
            local_identity: identity.public(),
            remote_identity: bundle.identity_key,
            role: Role::Initiator,
            base_key: params.base_key,
            prekey_ids: (params.signed_prekey_id, params.one_time_prekey_id),
            pending_prekey: true,
        })
    }

    /// X3DH's associated data, `Encode(IK_A) || Encode(IK_B)`, from the two
    /// identities and the role (not stored: it is 66 bytes per session).
    pub(crate) fn associated_data(&self) -> [u8; AD_LEN] {
        match self.role {
            Role::Initiator => x3dh::associated_data(&self.local_identity, &self.remote_identity),
            Role::Responder => x3dh::associated_data(&self.remote_identity, &self.local_identity),
        }
    }

    /// Encrypts `plaintext`: a prekey message until the first reply, then plain
    /// ratchet messages.
    pub fn encrypt(
        &mut self,
        rng: &mut impl CryptoRng,
        plaintext: &[u8],
    ) -> Result<Envelope, SessionError> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(SessionError::PlaintextTooLong {
                len: plaintext.len(),
            });
        }
        let message = self
            .ratchet
            .encrypt(rng, &self.associated_data(), plaintext)?;
        Ok(if self.pending_prekey {
            Envelope::PreKey(PreKeyMessage {
                identity_key: self.local_identity,
                base_key: self.base_key,
                signed_prekey_id: self.prekey_ids.0,
                one_time_prekey_id: self.prekey_ids.1,
                message,
            })
        } else {
            Envelope::Ratchet(message)
        })
    }

    /// Parses and decrypts envelope bytes. Transactional.
    pub fn decrypt_bytes(&mut self, bytes: &[u8]) -> Result<Vec<u8>, SessionError> {
        self.decrypt(&Envelope::try_from(bytes)?)
    }

    /// Decrypts an envelope. Transactional: on any error the session is unchanged.
    pub fn decrypt(&mut self, envelope: &Envelope) -> Result<Vec<u8>, SessionError> {
        #[cfg(test)]
        crate::limits::work::session_tried();
        let message: &RatchetMessage = match envelope {
            Envelope::Ratchet(m) => m,
            Envelope::PreKey(p) => {
                if !self.matches(p) {
                    return Err(SessionError::SessionMismatch);
                }
                &p.message
            }
        };
        let plaintext = self.ratchet.decrypt(&self.associated_data(), message)?;
        // The first message from the other side proves it has the session.
        if self.role == Role::Initiator {
            self.pending_prekey = false;
        }
        Ok(plaintext)
    }

    /// Whether a prekey message was sent for this session.
    pub fn matches(&self, message: &PreKeyMessage) -> bool {
        message.identity_key == self.remote_identity
            && message.base_key == self.base_key
            && (message.signed_prekey_id, message.one_time_prekey_id) == self.prekey_ids
    }

    /// Our identity key.
    pub fn local_identity(&self) -> PublicKey {
        self.local_identity
    }

    /// Their identity key.
    pub fn remote_identity(&self) -> PublicKey {
        self.remote_identity
    }

    /// Initiator or responder.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The safety number both parties can compare, given each side's stable
    /// identifier (for example a phone number).
    pub fn safety_number(&self, local_id: &[u8], remote_id: &[u8]) -> SafetyNumber {
        SafetyNumber::new(
            local_id,
            &self.local_identity.encode(),
            remote_id,
            &self.remote_identity.encode(),
        )
    }

    /// Fingerprints of the ratchet's secret keys, for a workshop inspector:
    /// the two ends of a session show the same root key fingerprint.
    pub fn secret_fingerprints(&self) -> crate::ratchet::SecretFingerprints {
        self.ratchet.secret_fingerprints()
    }

    /// The responder's signed and one-time prekey ids that X3DH used.
    pub fn prekey_ids(&self) -> (PreKeyId, Option<PreKeyId>) {
        self.prekey_ids
    }

    /// Counters and public keys for display.
    pub fn snapshot(&self) -> SessionSnapshot {
        SessionSnapshot {
            role: self.role,
            local_identity: self.local_identity,
            remote_identity: self.remote_identity,
            base_key: self.base_key,
            sends_prekey_messages: self.pending_prekey,
            ratchet: self.ratchet.snapshot(),
        }
    }
}
