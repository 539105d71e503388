//! Alice and Bob right after the first message: Alice initiated from Bob's bundle
//! (with a one-time prekey) and Bob's account accepted her prekey message.

use cipherflow_protocol::wire::Envelope;
use cipherflow_protocol::{Account, Session};
use rand_chacha::ChaCha20Rng;

/// The plaintext of Alice's first message.
pub const FIRST_PLAINTEXT: &[u8] = b"hello";

/// Two sessions that can talk, and Bob's account.
#[derive(Clone)]
pub struct Pair {
    /// The RNG after the set-up, for further encryption.
    pub rng: ChaCha20Rng,
    /// The initiator; still sends prekey messages (she has heard nothing yet).
    pub alice: Session,
    /// The responder, created by [`Account::accept`].
    pub bob: Session,
    /// Bob's account: two one-time prekeys left.
    pub bob_account: Account,
    /// Alice's first message, already accepted by Bob's account.
    pub first_message: Envelope,
}

impl Pair {
    /// Builds the pair from `seed`. Panics only if the protocol itself is broken.
    pub fn new(seed: u64) -> Self {
        let mut rng = crate::rng(seed);
        let alice_account = Account::new(&mut rng, 1_000);
        let mut bob_account = Account::new(&mut rng, 1_000);
        let ids = bob_account
            .generate_one_time_prekeys(&mut rng, 3)
            .expect("three one-time prekeys fit");
        let bundle = bob_account
            .bundle(Some(ids[0]))
            .expect("the prekey was just generated");
        let mut alice = Session::initiate(&mut rng, alice_account.identity(), &bundle)
            .expect("a fresh bundle verifies");
        let first_message = alice
            .encrypt(&mut rng, FIRST_PLAINTEXT)
            .expect("a short plaintext encrypts");
        let Envelope::PreKey(prekey_message) = &first_message else {
            panic!("the first message must be a prekey message");
        };
        let (bob, plaintext) = bob_account
            .accept(prekey_message)
            .expect("Bob accepts Alice's first message");
        assert_eq!(plaintext, FIRST_PLAINTEXT);
        Self {
            rng,
            alice,
            bob,
            bob_account,
            first_message,
        }
    }
}
