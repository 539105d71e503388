//! A two-party conversation driven by the input: sends, bursts, in-order and
//! reordered delivery, loss, replays, bit flips, and pickle round trips.
//!
//! Invariants, checked after every step:
//! - a genuine message delivered for the first time decrypts to its plaintext,
//!   unless the receiver model says a documented limit refuses it (`MAX_SKIP`,
//!   `MAX_SKIPPED_KEYS`, `MAX_PREVIOUS_CHAINS`), and then with that exact error;
//! - a replay or a tampered copy is refused, and every refusal leaves the session
//!   exactly as it was: its public snapshot at once, its whole pickle when the run
//!   of refusals ends (pickling costs more than the rest of the step, and a run of
//!   refusals shares one check);
//! - the session's public ratchet facts agree with the model;
//! - Alice sends prekey messages until she has received something, then stops;
//! - a pickle restores to a session that pickles identically.
#![no_main]

use std::collections::VecDeque;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use cipherflow_protocol::Session;
use cipherflow_protocol::ratchet::MAX_SKIP;
use cipherflow_protocol::wire::{Envelope, Header};
use cipherflow_protocol_fuzz::pair::{FIRST_PLAINTEXT, Pair};
use cipherflow_protocol_fuzz::receiver_model::{Expected, ReceiverModel};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;

/// Steps per input: keeps an execution in the milliseconds.
const MAX_OPS: usize = 64;
/// A short burst sends 1 to this many messages.
const SHORT_BURST: u8 = 8;
/// `Burst::count` values from this one up send a long burst: `MAX_SKIP - 1` to
/// `MAX_SKIP + 2` messages, either side of what a receiver may skip at once.
const LONG_BURST_FROM: u8 = 252;
/// Long bursts per input (later ones are short): three chains of `MAX_SKIP`
/// skipped keys overflow the store (`MAX_SKIPPED_KEYS`), and a long burst costs
/// a thousand encryptions, so no more.
const MAX_LONG_BURSTS: usize = 3;
/// The seed of the pair every conversation starts from.
const SEED: u64 = 0x1a7e_4ac7;

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Alice,
    Bob,
}

#[derive(Arbitrary, Debug)]
enum Op {
    /// `from` sends one message with `len` bytes of padding.
    Send { from: Party, len: u8 },
    /// `from` sends messages in a row: `1 + count % SHORT_BURST`, or a long burst
    /// for `count >= LONG_BURST_FROM`.
    Burst { from: Party, count: u8 },
    /// The oldest message in flight to `to` arrives.
    DeliverNext { to: Party },
    /// The message in flight to `to` at position `k` arrives (reordering).
    DeliverAt { to: Party, k: u16 },
    /// The message in flight to `to` at position `k` is lost.
    Drop { to: Party, k: u16 },
    /// Any message ever sent arrives again: a replay once delivered, a late first
    /// delivery if it was lost.
    Replay { k: u16 },
    /// A copy of any message ever sent arrives with one bit flipped.
    Tamper { k: u16, bit: u16 },
    /// `party` is pickled and restored.
    Restore { party: Party },
}

struct Message {
    to: Party,
    bytes: Vec<u8>,
    header: Header,
    plaintext: Vec<u8>,
    delivered: bool,
}

struct Conversation {
    rng: ChaCha20Rng,
    alice: Session,
    bob: Session,
    /// What Alice (and Bob) must do with what they receive.
    alice_model: ReceiverModel,
    bob_model: ReceiverModel,
    alice_has_received: bool,
    /// Every message sent, by send order.
    messages: Vec<Message>,
    /// Indices into `messages` still in flight, oldest first: to Alice, to Bob.
    in_flight: [VecDeque<usize>; 2],
    /// Per party (Alice, Bob): the session as it was when a run of refusals began,
    /// and the step that began it. The session must still pickle the same when the
    /// run ends: at its next change, or at the end of the input.
    refused_since: [Option<(Session, usize)>; 2],
    /// The step being applied.
    step: usize,
    long_bursts: usize,
}

fn pair() -> &'static Pair {
    static PAIR: OnceLock<Pair> = OnceLock::new();
    PAIR.get_or_init(|| Pair::new(SEED))
}

impl Conversation {
    fn new() -> Self {
        let pair = pair().clone();
        let first = &pair.first_message;
        let conversation = Self {
            alice_model: ReceiverModel::new(&pair.alice.snapshot().ratchet),
            bob_model: ReceiverModel::new(&pair.bob.snapshot().ratchet),
            rng: pair.rng,
            alice: pair.alice,
            bob: pair.bob,
            alice_has_received: false,
            messages: vec![Message {
                to: Party::Bob,
                bytes: first.to_bytes(),
                header: first.ratchet_message().header,
                plaintext: FIRST_PLAINTEXT.to_vec(),
                delivered: true,
            }],
            in_flight: [VecDeque::new(), VecDeque::new()],
            refused_since: [None, None],
            step: 0,
            long_bursts: 0,
        };
        conversation.check();
        conversation
    }

    fn session(&mut self, party: Party) -> &mut Session {
        match party {
            Party::Alice => &mut self.alice,
            Party::Bob => &mut self.bob,
        }
    }

    fn queue(&mut self, to: Party) -> &mut VecDeque<usize> {
        &mut self.in_flight[to as usize]
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Send { from, len } => self.send(from, usize::from(len)),
            Op::Burst { from, count } => {
                let long = count >= LONG_BURST_FROM && self.long_bursts < MAX_LONG_BURSTS;
                let count = if long {
                    self.long_bursts += 1;
                    MAX_SKIP - 1 + u32::from(count - LONG_BURST_FROM)
                } else {
                    1 + u32::from(count % SHORT_BURST)
                };
                for _ in 0..count {
                    self.send(from, 0);
                }
            }
            Op::DeliverNext { to } => {
                if let Some(k) = self.queue(to).pop_front() {
                    self.deliver(k, None);
                }
            }
            Op::DeliverAt { to, k } => {
                if let Some(k) = take_at(self.queue(to), k) {
                    self.deliver(k, None);
                }
            }
            Op::Drop { to, k } => {
                let _ = take_at(self.queue(to), k);
            }
            Op::Replay { k } => self.deliver(usize::from(k) % self.messages.len(), None),
            Op::Tamper { k, bit } => {
                let k = usize::from(k) % self.messages.len();
                self.deliver(k, Some(usize::from(bit)));
            }
            Op::Restore { party } => {
                self.settle(party);
                let session = self.session(party);
                let pickle = session.pickle();
                let restored = Session::from_pickle(&pickle).expect("a pickle restores");
                assert_eq!(
                    *restored.pickle(),
                    *pickle,
                    "a restored session pickles differently"
                );
                *session = restored;
            }
        }
        self.check();
        self.step += 1;
    }

    /// Ends `party`'s run of refusals, if any: its session must pickle exactly as
    /// it did before the run.
    fn settle(&mut self, party: Party) {
        if let Some((before, first)) = self.refused_since[party as usize].take() {
            assert_eq!(
                *self.session(party).pickle(),
                *before.pickle(),
                "a refusal from step {first} on changed {party:?}'s session"
            );
        }
    }

    fn send(&mut self, from: Party, padding: usize) {
        let k = self.messages.len();
        let mut plaintext = u32::try_from(k).unwrap_or(u32::MAX).to_be_bytes().to_vec();
        plaintext.resize(4 + padding, from as u8);
        let prekey_expected = from == Party::Alice && !self.alice_has_received;
        self.settle(from);
        let rng = &mut self.rng;
        let session = match from {
            Party::Alice => &mut self.alice,
            Party::Bob => &mut self.bob,
        };
        let envelope = session
            .encrypt(rng, &plaintext)
            .expect("an established session always encrypts");
        assert_eq!(
            matches!(envelope, Envelope::PreKey(_)),
            prekey_expected,
            "Alice sends prekey messages exactly until she receives one"
        );
        let to = match from {
            Party::Alice => Party::Bob,
            Party::Bob => Party::Alice,
        };
        self.messages.push(Message {
            to,
            bytes: envelope.to_bytes(),
            header: envelope.ratchet_message().header,
            plaintext,
            delivered: false,
        });
        self.queue(to).push_back(k);
    }

    /// Delivers message `k`, or a copy with bit `flip` (modulo its length) flipped.
    fn deliver(&mut self, k: usize, flip: Option<usize>) {
        let message = &self.messages[k];
        let to = message.to;
        let mut bytes = message.bytes.clone();
        if let Some(bit) = flip {
            let bit = bit % (bytes.len() * 8);
            bytes[bit / 8] ^= 1 << (bit % 8);
        }
        // `None`: it must be refused, with any error. Every byte of an envelope
        // counts, the prekey ids of a prekey message included.
        let expected = if flip.is_none() && !message.delivered {
            let header = message.header;
            Some(match to {
                Party::Alice => self.alice_model.deliver(&header),
                Party::Bob => self.bob_model.deliver(&header),
            })
        } else {
            None
        };
        if expected == Some(Expected::Decrypts) {
            self.settle(to);
        }
        let run_begins = self.refused_since[to as usize].is_none();
        let session = self.session(to);
        let snapshot = session.snapshot();
        let before = run_begins.then(|| session.clone());
        let result = session.decrypt_bytes(&bytes);
        let what = match (flip, self.messages[k].delivered) {
            (Some(_), _) => "a tampered copy of",
            (None, true) => "a replay of",
            (None, false) => "the first delivery of",
        };
        match (expected, result) {
            (Some(Expected::Decrypts), Ok(plaintext)) => {
                assert_eq!(plaintext, self.messages[k].plaintext, "wrong plaintext");
                self.messages[k].delivered = true;
                if to == Party::Alice {
                    self.alice_has_received = true;
                }
            }
            (Some(Expected::Decrypts), Err(error)) => {
                panic!("{what} message {k} was refused: {error:?}")
            }
            (Some(refusal), Ok(_)) => {
                panic!("{what} message {k} decrypted, though it is {refusal:?}")
            }
            (None, Ok(_)) => panic!("{what} message {k} decrypted"),
            (expected, Err(error)) => {
                if let Some(refusal) = expected {
                    assert!(
                        refusal.is(&error),
                        "{what} message {k}: expected {refusal:?}, got {error:?}"
                    );
                }
                assert_eq!(
                    self.session(to).snapshot(),
                    snapshot,
                    "refusing {what} message {k} ({error:?}) changed the session"
                );
                if let Some(before) = before {
                    self.refused_since[to as usize] = Some((before, self.step));
                }
            }
        }
    }

    fn check(&self) {
        self.alice_model.check(&self.alice.snapshot().ratchet);
        self.bob_model.check(&self.bob.snapshot().ratchet);
    }
}

fn take_at(queue: &mut VecDeque<usize>, k: u16) -> Option<usize> {
    if queue.is_empty() {
        return None;
    }
    let position = usize::from(k) % queue.len();
    queue.remove(position)
}

fuzz_target!(|ops: Vec<Op>| {
    let mut conversation = Conversation::new();
    for op in ops.iter().take(MAX_OPS) {
        conversation.apply(op);
    }
    conversation.settle(Party::Alice);
    conversation.settle(Party::Bob);
});
