//! The Double Ratchet (Signal specification, revision 1), one idea per file:
//! the root key and its KDF, chain keys and their KDF, message keys and the AEAD,
//! the store of skipped keys, and the state machine that ties them together.

mod chain_key;
mod double_ratchet;
mod message_key;
mod root_key;
mod secret_fingerprint;
mod skipped_keys;

pub(crate) use double_ratchet::Responder;
pub use double_ratchet::{DoubleRatchet, MAX_PREVIOUS_CHAINS, RatchetError, RatchetSnapshot};
pub(crate) use double_ratchet::{PickledKey, RatchetPickle};
pub(crate) use root_key::RootKey;
pub use secret_fingerprint::{
    FINGERPRINT_BYTES, FINGERPRINT_DOMAIN, SecretFingerprints, secret_fingerprint,
};
pub use skipped_keys::{MAX_SKIP, MAX_SKIPPED_KEYS};
