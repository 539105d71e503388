//! Round trips, ordering, replay and tampering through the public session API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use cipherflow_protocol::ratchet::{MAX_SKIP, MAX_SKIPPED_KEYS, RatchetError};
use cipherflow_protocol::wire::Envelope;
use cipherflow_protocol::{Session, SessionError};
use common::{pair, state};

#[test]
fn both_directions_and_prekey_messages_until_the_first_reply() {
    let mut p = pair(1);
    // Until Alice hears back, she keeps sending prekey messages.
    let m = p.alice.encrypt(&mut p.rng, b"still there?").unwrap();
    assert!(matches!(m, Envelope::PreKey(_)));
    assert_eq!(p.bob.decrypt(&m).unwrap(), b"still there?");
    let reply = p.bob.encrypt(&mut p.rng, b"yes").unwrap();
    assert!(matches!(reply, Envelope::Ratchet(_)));
    assert_eq!(p.alice.decrypt(&reply).unwrap(), b"yes");
    let m = p.alice.encrypt(&mut p.rng, b"great").unwrap();
    assert!(
        matches!(m, Envelope::Ratchet(_)),
        "prekey data stops after a reply"
    );
    assert_eq!(p.bob.decrypt_bytes(&m.to_bytes()).unwrap(), b"great");
}

#[test]
fn a_thousand_message_alternating_conversation() {
    let mut p = pair(2);
    for i in 0..1000u32 {
        let text = format!("turn {i}");
        if i % 2 == 0 {
            let m = p.bob.encrypt(&mut p.rng, text.as_bytes()).unwrap();
            assert_eq!(
                p.alice.decrypt_bytes(&m.to_bytes()).unwrap(),
                text.as_bytes()
            );
        } else {
            let m = p.alice.encrypt(&mut p.rng, text.as_bytes()).unwrap();
            assert_eq!(p.bob.decrypt_bytes(&m.to_bytes()).unwrap(), text.as_bytes());
        }
    }
    // Every turn is a DH ratchet step on each side.
    assert!(p.alice.snapshot().ratchet.dh_ratchet_steps >= 1000);
}

#[test]
fn one_direction_bursts() {
    let mut p = pair(3);
    for burst in 0..5 {
        let (sender, receiver) = if burst % 2 == 0 {
            (&mut p.bob, &mut p.alice)
        } else {
            (&mut p.alice, &mut p.bob)
        };
        for i in 0..200 {
            let text = format!("burst {burst} message {i}");
            let m = sender.encrypt(&mut p.rng, text.as_bytes()).unwrap();
            assert_eq!(receiver.decrypt(&m).unwrap(), text.as_bytes());
        }
    }
}

#[test]
fn out_of_order_within_max_skip_and_loss() {
    let mut p = pair(4);
    let msgs: Vec<_> = (0..50)
        .map(|i| {
            p.bob
                .encrypt(&mut p.rng, format!("m{i}").as_bytes())
                .unwrap()
        })
        .collect();
    // Deliver in reverse, dropping every fifth: every delivered one decrypts.
    for (i, m) in msgs.iter().enumerate().rev() {
        if i % 5 == 0 {
            continue;
        }
        assert_eq!(p.alice.decrypt(m).unwrap(), format!("m{i}").as_bytes());
    }
    // Messages across a DH ratchet step, delivered late.
    let late = p.bob.encrypt(&mut p.rng, b"late").unwrap();
    let r = p.alice.encrypt(&mut p.rng, b"reply").unwrap();
    p.bob.decrypt(&r).unwrap();
    let after = p.bob.encrypt(&mut p.rng, b"after the step").unwrap();
    assert_eq!(p.alice.decrypt(&after).unwrap(), b"after the step");
    assert_eq!(p.alice.decrypt(&late).unwrap(), b"late");
    assert_eq!(
        p.alice.snapshot().ratchet.skipped_keys,
        10,
        "the 10 dropped keys stay"
    );
}

#[test]
fn max_skip_is_the_bound_and_rejection_changes_nothing() {
    let mut p = pair(5);
    let msgs: Vec<_> = (0..=MAX_SKIP + 1)
        .map(|i| p.bob.encrypt(&mut p.rng, &i.to_be_bytes()).unwrap())
        .collect();
    let before = state(&p.alice);
    let beyond = &msgs[(MAX_SKIP + 1) as usize];
    assert_eq!(
        p.alice.decrypt(beyond),
        Err(SessionError::Ratchet(RatchetError::TooManySkipped {
            requested: u64::from(MAX_SKIP) + 1
        }))
    );
    assert_eq!(state(&p.alice), before);
    // Exactly MAX_SKIP skipped keys is allowed.
    let at_bound = &msgs[MAX_SKIP as usize];
    assert_eq!(p.alice.decrypt(at_bound).unwrap(), MAX_SKIP.to_be_bytes());
    assert_eq!(p.alice.snapshot().ratchet.skipped_keys, MAX_SKIP as usize);
}

#[test]
fn skipped_key_store_evicts_the_oldest_beyond_its_bound() {
    let mut p = pair(6);
    // Three chains of MAX_SKIP + 1 messages from Bob, only each chain's last
    // delivered: 3 × 1000 skipped keys, more than the 2000 stored.
    let mut first_chains = Vec::new();
    for round in 0..3 {
        let msgs: Vec<_> = (0..=MAX_SKIP)
            .map(|i| p.bob.encrypt(&mut p.rng, &i.to_be_bytes()).unwrap())
            .collect();
        p.alice.decrypt(&msgs[MAX_SKIP as usize]).unwrap();
        first_chains.push(msgs);
        let r = p
            .alice
            .encrypt(&mut p.rng, format!("ack {round}").as_bytes())
            .unwrap();
        p.bob.decrypt(&r).unwrap();
    }
    assert_eq!(p.alice.snapshot().ratchet.skipped_keys, MAX_SKIPPED_KEYS);
    // The oldest chain's keys were evicted; the newest are still there.
    let before = state(&p.alice);
    assert!(p.alice.decrypt(&first_chains[0][0]).is_err());
    assert_eq!(state(&p.alice), before);
    assert_eq!(
        p.alice.decrypt(&first_chains[2][0]).unwrap(),
        0u32.to_be_bytes()
    );
}

#[test]
fn replay_of_any_delivered_message_is_rejected_and_changes_nothing() {
    let mut p = pair(7);
    let mut delivered = Vec::new();
    for i in 0..30 {
        let (from, to) = if (i / 3) % 2 == 0 {
            (&mut p.bob, &mut p.alice)
        } else {
            (&mut p.alice, &mut p.bob)
        };
        let m = from.encrypt(&mut p.rng, format!("{i}").as_bytes()).unwrap();
        to.decrypt(&m).unwrap();
        delivered.push((i, m));
    }
    for (i, m) in &delivered {
        let to = if (i / 3) % 2 == 0 {
            &mut p.alice
        } else {
            &mut p.bob
        };
        let before = state(to);
        let err = to.decrypt(m).unwrap_err();
        assert!(
            matches!(
                err,
                SessionError::Ratchet(RatchetError::DuplicateMessage { .. })
            ),
            "message {i}: {err:?}"
        );
        assert_eq!(state(to), before, "message {i}");
    }
}

#[test]
fn every_flipped_bit_of_header_or_ciphertext_is_rejected_and_changes_nothing() {
    let mut p = pair(8);
    let r = p.bob.encrypt(&mut p.rng, b"ack").unwrap();
    p.alice.decrypt(&r).unwrap();
    let m = p.bob.encrypt(&mut p.rng, b"attack at dawn").unwrap();
    let bytes = m.to_bytes();
    let before = state(&p.alice);
    // Version byte, 41-byte header, length, ciphertext: every bit of each.
    for bit in 0..bytes.len() * 8 {
        let mut bad = bytes.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(p.alice.decrypt_bytes(&bad).is_err(), "bit {bit} accepted");
        assert_eq!(state(&p.alice), before, "bit {bit} changed the state");
    }
    assert_eq!(p.alice.decrypt_bytes(&bytes).unwrap(), b"attack at dawn");
}

/// The header of a message Bob sent (his messages are ratchet messages).
fn header(e: &Envelope) -> cipherflow_protocol::wire::Header {
    match e {
        Envelope::Ratchet(m) => m.header,
        Envelope::PreKey(p) => p.message.header,
    }
}

/// Whether a session pickle still holds a skipped message key for this
/// (ratchet key, index).
fn holds_skipped_key(pickle: &str, h: &cipherflow_protocol::wire::Header) -> bool {
    let v: serde_json::Value = serde_json::from_str(pickle).unwrap();
    let ratchet_key = hex::encode(h.ratchet_key.encode());
    v["ratchet"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .any(|entry| {
            entry[0].as_str() == Some(ratchet_key.as_str())
                && entry[1]["index"].as_u64() == Some(u64::from(h.index))
        })
}

#[test]
fn forward_secrecy_a_later_state_cannot_read_earlier_messages() {
    let mut p = pair(9);
    let mut sent = Vec::new();
    for i in 0..20 {
        let m = p
            .bob
            .encrypt(&mut p.rng, format!("{i}").as_bytes())
            .unwrap();
        if i % 4 == 3 {
            let r = p.alice.encrypt(&mut p.rng, b"turn").unwrap();
            p.bob.decrypt(&r).unwrap();
        }
        sent.push(m);
    }
    // Delivered out of order, so that keys are skipped, kept, then used.
    let order = [
        2, 0, 1, 3, 7, 5, 4, 6, 8, 11, 9, 10, 15, 12, 13, 14, 19, 16, 18, 17,
    ];
    let mut read = Vec::new();
    let mut used_skipped_keys = 0;
    for &n in &order {
        let m = &sent[n];
        let h = header(m);
        let was_skipped = holds_skipped_key(&p.alice.pickle(), &h);
        used_skipped_keys += usize::from(was_skipped);
        assert_eq!(p.alice.decrypt(m).unwrap(), format!("{n}").as_bytes());
        read.push(n);
        // A state captured now (e.g. by a thief) holds no key of a message
        // already read, and refuses each as already received.
        let pickle = p.alice.pickle();
        let stolen = Session::from_pickle(&pickle).unwrap();
        for &earlier in &read {
            let e = &sent[earlier];
            assert!(
                !holds_skipped_key(&pickle, &header(e)),
                "message {earlier}'s key is still in the pickle"
            );
            assert_eq!(
                stolen.clone().decrypt(e),
                Err(SessionError::Ratchet(RatchetError::DuplicateMessage {
                    index: header(e).index
                })),
                "message {earlier} after {n}"
            );
        }
    }
    assert!(
        used_skipped_keys >= 5,
        "{used_skipped_keys} skipped keys were used"
    );
}

#[test]
fn post_compromise_security_after_one_dh_round_trip() {
    let mut p = pair(10);
    let r = p.bob.encrypt(&mut p.rng, b"hi").unwrap();
    p.alice.decrypt(&r).unwrap();
    // An attacker copies Alice's whole state.
    let mut clone = Session::from_pickle(&p.alice.pickle()).unwrap();
    // Before healing, the clone reads Bob's messages on the current chain.
    let m = p.bob.encrypt(&mut p.rng, b"readable by the clone").unwrap();
    assert_eq!(clone.clone().decrypt(&m).unwrap(), b"readable by the clone");
    p.alice.decrypt(&m).unwrap();
    // A full DH ratchet round trip with fresh keys: Alice -> Bob -> Alice.
    let a = p
        .alice
        .encrypt(&mut p.rng, b"fresh key from alice")
        .unwrap();
    p.bob.decrypt(&a).unwrap();
    let b = p.bob.encrypt(&mut p.rng, b"fresh key from bob").unwrap();
    assert_eq!(p.alice.decrypt(&b).unwrap(), b"fresh key from bob");
    // The clone cannot follow: it never had Alice's new ratchet secret.
    assert!(clone.decrypt(&b).is_err());
    for i in 0..5 {
        let m = p
            .bob
            .encrypt(&mut p.rng, format!("{i}").as_bytes())
            .unwrap();
        assert!(clone.decrypt(&m).is_err());
        p.alice.decrypt(&m).unwrap();
    }
}

#[test]
fn a_prekey_message_for_another_session_is_refused() {
    let mut p = pair(11);
    let mut q = pair(12);
    let foreign = q.alice.encrypt(&mut q.rng, b"x").unwrap();
    let before = state(&p.bob);
    assert_eq!(p.bob.decrypt(&foreign), Err(SessionError::SessionMismatch));
    assert_eq!(state(&p.bob), before);
    let _ = p.alice.encrypt(&mut p.rng, b"x").unwrap();
}

#[test]
fn plaintext_limit_is_enforced() {
    use cipherflow_protocol::wire::MAX_PLAINTEXT_LEN;
    let mut p = pair(13);
    let big = vec![7u8; MAX_PLAINTEXT_LEN];
    let m = p.alice.encrypt(&mut p.rng, &big).unwrap();
    assert_eq!(p.bob.decrypt_bytes(&m.to_bytes()).unwrap(), big);
    let before = state(&p.alice);
    assert_eq!(
        p.alice
            .encrypt(&mut p.rng, &vec![0u8; MAX_PLAINTEXT_LEN + 1])
            .unwrap_err(),
        SessionError::PlaintextTooLong {
            len: MAX_PLAINTEXT_LEN + 1
        }
    );
    assert_eq!(state(&p.alice), before);
}
