//! Shared set-up for the protocol tests: two devices and an established session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use cipherflow_protocol::wire::Envelope;
use cipherflow_protocol::{Account, Session};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub struct Pair {
    pub rng: ChaCha20Rng,
    pub alice: Session,
    pub bob: Session,
    pub bob_account: Account,
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Alice initiates from Bob's bundle (with a one-time prekey), sends "hello",
/// Bob accepts. Alice has not yet received anything.
pub fn pair(seed: u64) -> Pair {
    let mut rng = rng(seed);
    let alice_account = Account::new(&mut rng, 1_000);
    let mut bob_account = Account::new(&mut rng, 1_000);
    let ids = bob_account.generate_one_time_prekeys(&mut rng, 3).unwrap();
    let bundle = bob_account.bundle(Some(ids[0])).unwrap();
    let mut alice = Session::initiate(&mut rng, alice_account.identity(), &bundle).unwrap();
    let first = alice.encrypt(&mut rng, b"hello").unwrap();
    let Envelope::PreKey(pkm) = &first else {
        panic!("first message must be a prekey message")
    };
    let (bob, plaintext) = bob_account.accept(pkm).unwrap();
    assert_eq!(plaintext, b"hello");
    Pair {
        rng,
        alice,
        bob,
        bob_account,
    }
}

/// The complete serialized state, to assert "unchanged".
pub fn state(s: &Session) -> String {
    s.pickle().to_string()
}
