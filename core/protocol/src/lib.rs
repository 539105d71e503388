//! # cipherflow-protocol
//!
//! The Signal-style protocol of cipherflow, profile "cipherflow v1": X3DH, the
//! Double Ratchet, the wire format, sessions and their pickles, and safety
//! numbers, over real primitives (X25519, HKDF-SHA256, HMAC-SHA256,
//! ChaCha20-Poly1305, XEdDSA). It knows nothing of WhatsApp, the Cloud API or
//! the parties that carry its bytes: that is `cipherflow-flow`, built on top.
//!
//! Nothing here depends on wasm: the same code runs natively, in Node and in the
//! browser. Every source of randomness is injected (`&mut impl CryptoRng`), so the
//! same seed always gives the same bytes.
//!
//! ```
//! use cipherflow_protocol::wire::Envelope;
//! use cipherflow_protocol::{Account, Session};
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//!
//! let mut rng = ChaCha20Rng::seed_from_u64(7);
//! // Bob publishes a bundle; Alice starts a session from it and writes.
//! let mut bob = Account::new(&mut rng, 0);
//! let ids = bob.generate_one_time_prekeys(&mut rng, 1).unwrap();
//! let bundle = bob.bundle(ids.first().copied()).unwrap();
//! let alice = Account::new(&mut rng, 0);
//! let mut to_bob = Session::initiate(&mut rng, alice.identity(), &bundle).unwrap();
//! let Envelope::PreKey(first) = to_bob.encrypt(&mut rng, b"hello, business").unwrap() else {
//!     panic!("the first message of a session is a prekey message")
//! };
//! // Bob accepts the prekey message: the session exists once it decrypts.
//! let (mut to_alice, plaintext) = bob.accept(&first).unwrap();
//! assert_eq!(plaintext, b"hello, business");
//! let reply = to_alice.encrypt(&mut rng, b"hi Alice").unwrap();
//! assert_eq!(to_bob.decrypt(&reply).unwrap(), b"hi Alice");
//! ```

// Every index and slice of attacker-controlled bytes goes through `get`,
// so a malformed input is an error, never a panic. Tests may index.
#![deny(clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

pub mod account;
pub mod account_pickle;
mod bounded;
pub mod bundle;
pub mod crypto;
pub mod json_fields;
pub mod keys;
pub mod limits;
pub mod pickle;
pub mod ratchet;
pub mod safety_number;
pub mod scannable_fingerprint;
pub mod session;
pub mod session_record;
pub mod wire;
pub mod x3dh;

pub use account::{Account, AccountError};
pub use bundle::PreKeyBundle;
pub use session::{Role, Session, SessionError, SessionSnapshot};
pub use session_record::SessionRecord;
