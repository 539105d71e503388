//! Key roles, one newtype each: a remote party's [`PublicKey`], our own
//! [`KeyPair`]s, and the identity and prekeys built from them.
//!
//! Local secrets are `x25519_dalek::StaticSecret`, which zeroizes on drop; every
//! type that holds one writes its `Debug` by hand and prints only the public half.

mod error;
mod identity;
mod key_pair;
mod prekey;
mod public_key;

pub use error::KeyError;
pub use identity::IdentityKeyPair;
pub use key_pair::{KeyPair, SharedSecret};
pub(crate) use prekey::OneTimePreKeys;
pub use prekey::{OneTimePreKey, PreKeyId, SignedPreKey};
pub use public_key::{ENCODED_LEN, KEY_TYPE_DJB, PublicKey};
