//! A pair that has talked both ways, frozen with genuine messages in flight: the
//! fixture of the decrypt fuzzer, and the source of its seed inputs.

use cipherflow_protocol::keys::{PreKeyId, PublicKey};
use cipherflow_protocol::wire::{Envelope, PreKeyMessage};
use cipherflow_protocol::{Account, PreKeyBundle, Session};

use crate::pair::Pair;

/// The seed of the frozen conversation.
pub const SEED: u64 = 0xc1f3_f10e;
/// The plaintext of [`Established::fresh_prekey_message`].
pub const FRESH_PLAINTEXT: &[u8] = b"hello from carol";

/// Who a recorded message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// Alice's session.
    Alice,
    /// Bob's session.
    Bob,
    /// Bob's account (a prekey message from a device he has no session with).
    BobAccount,
}

/// A genuine message, delivered already or still in flight.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// A file name for its seed.
    pub name: &'static str,
    /// Who it is for.
    pub to: Recipient,
    /// Its envelope bytes.
    pub bytes: Vec<u8>,
}

/// The frozen conversation.
#[derive(Clone)]
pub struct Established {
    /// Alice: has received Bob's reply, so she sends plain ratchet messages.
    pub alice: Session,
    /// Bob: has received Alice's second chain.
    pub bob: Session,
    /// `alice.pickle()`: what a failed decrypt must leave behind.
    pub alice_pickle: String,
    /// `bob.pickle()`.
    pub bob_pickle: String,
    /// Bob's account after accepting Alice; holds two one-time prekeys.
    pub bob_account: Account,
    /// `bob_account.one_time_prekeys()`.
    pub bob_one_time_prekeys: Vec<(PreKeyId, PublicKey)>,
    /// Bob's bundle (with a one-time prekey), as a directory would serve it.
    pub bob_bundle: PreKeyBundle,
    /// A valid prekey message from Carol that Bob's account has not seen.
    pub fresh_prekey_message: PreKeyMessage,
    /// Messages already delivered (replays now) and still in flight.
    pub recorded: Vec<Recorded>,
}

impl Established {
    /// Builds the conversation from [`SEED`].
    pub fn new() -> Self {
        let Pair {
            mut rng,
            mut alice,
            mut bob,
            bob_account,
            first_message,
        } = Pair::new(SEED);
        let mut recorded = vec![Recorded {
            name: "delivered-alice-prekey",
            to: Recipient::Bob,
            bytes: first_message.to_bytes(),
        }];
        let mut send = |from: &mut Session, to: &mut Session, text: &[u8]| {
            let bytes = from.encrypt(&mut rng, text).expect("encrypts").to_bytes();
            assert_eq!(to.decrypt_bytes(&bytes).expect("decrypts"), text);
            bytes
        };
        let reply = send(&mut bob, &mut alice, b"hi alice");
        let second = send(&mut alice, &mut bob, b"hi bob");
        recorded.push(Recorded {
            name: "delivered-bob-reply",
            to: Recipient::Alice,
            bytes: reply,
        });
        recorded.push(Recorded {
            name: "delivered-alice-second",
            to: Recipient::Bob,
            bytes: second,
        });
        let mut in_flight = |from: &mut Session, to, name, text: &[u8]| {
            let envelope = from.encrypt(&mut rng, text).expect("encrypts");
            recorded.push(Recorded {
                name,
                to,
                bytes: envelope.to_bytes(),
            });
        };
        in_flight(&mut alice, Recipient::Bob, "inflight-alice-1", b"one");
        in_flight(&mut alice, Recipient::Bob, "inflight-alice-2", b"two");
        in_flight(
            &mut bob,
            Recipient::Alice,
            "inflight-bob-new-chain-0",
            b"three",
        );
        in_flight(
            &mut bob,
            Recipient::Alice,
            "inflight-bob-new-chain-1",
            b"four",
        );

        let bob_one_time_prekeys = bob_account.one_time_prekeys();
        let bob_bundle = bob_account
            .bundle(bob_one_time_prekeys.first().map(|(id, _)| *id))
            .expect("the prekey is held");
        let carol = Account::new(&mut rng, 2_000);
        let mut carol_session = Session::initiate(&mut rng, carol.identity(), &bob_bundle)
            .expect("the bundle verifies");
        let Envelope::PreKey(fresh_prekey_message) = carol_session
            .encrypt(&mut rng, FRESH_PLAINTEXT)
            .expect("encrypts")
        else {
            panic!("a new session sends prekey messages");
        };
        recorded.push(Recorded {
            name: "inflight-carol-prekey",
            to: Recipient::BobAccount,
            bytes: Envelope::PreKey(fresh_prekey_message.clone()).to_bytes(),
        });
        // A prekey message without a one-time prekey, for the other branch.
        let dave = Account::new(&mut rng, 3_000);
        let no_opk = bob_account.bundle(None).expect("no prekey to look up");
        let mut dave_session =
            Session::initiate(&mut rng, dave.identity(), &no_opk).expect("the bundle verifies");
        recorded.push(Recorded {
            name: "inflight-dave-prekey-no-opk",
            to: Recipient::BobAccount,
            bytes: dave_session
                .encrypt(&mut rng, b"hello from dave")
                .expect("encrypts")
                .to_bytes(),
        });

        Self {
            alice_pickle: alice.pickle().to_string(),
            bob_pickle: bob.pickle().to_string(),
            alice,
            bob,
            bob_account,
            bob_one_time_prekeys,
            bob_bundle,
            fresh_prekey_message,
            recorded,
        }
    }
}

impl Default for Established {
    fn default() -> Self {
        Self::new()
    }
}
