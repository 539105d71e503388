//! The bounds of `cipherflow_protocol::limits` not already tested at their
//! edge elsewhere, each at the bound and one past it. (`MAX_SKIP` and
//! `MAX_SKIPPED_KEYS`: `session_flow.rs`; `MAX_PLAINTEXT_LEN`:
//! `session_flow.rs`; `MAX_PREVIOUS_SESSIONS` and `MAX_SESSIONS_TRIED`, with
//! the worst case of a forged envelope: the unit tests of
//! `session_record.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use cipherflow_protocol::limits::{
    MAX_CIPHERTEXT_LEN, MAX_ONE_TIME_PREKEYS, MAX_PREVIOUS_CHAINS, MAX_SIGNED_PREKEYS,
};
use cipherflow_protocol::ratchet::RatchetError;
use cipherflow_protocol::wire::{DecodeError, Envelope, RatchetMessage};
use cipherflow_protocol::{Account, AccountError, SessionError};

#[test]
fn one_time_prekeys_up_to_the_bound_and_not_one_more() {
    let mut rng = common::rng(81);
    let mut account = Account::new(&mut rng, 0);
    let ids = account
        .generate_one_time_prekeys(&mut rng, MAX_ONE_TIME_PREKEYS)
        .unwrap();
    assert_eq!(ids.len(), MAX_ONE_TIME_PREKEYS);
    assert_eq!(
        account.generate_one_time_prekeys(&mut rng, 1),
        Err(AccountError::TooManyOneTimePreKeys {
            requested: MAX_ONE_TIME_PREKEYS + 1
        })
    );
    assert_eq!(account.one_time_prekeys().len(), MAX_ONE_TIME_PREKEYS);
}

#[test]
fn signed_prekeys_kept_are_the_current_and_the_newest_older_ones() {
    let mut rng = common::rng(82);
    let mut account = Account::new(&mut rng, 0);
    let held = |a: &Account| {
        let v: serde_json::Value = serde_json::from_str(&a.pickle()).unwrap();
        1 + v["previous_signed_prekeys"].as_array().unwrap().len()
    };
    for rotation in 1..=MAX_SIGNED_PREKEYS + 2 {
        account.rotate_signed_prekey(&mut rng, rotation as u64);
        assert_eq!(held(&account), (rotation + 1).min(MAX_SIGNED_PREKEYS));
    }
}

#[test]
fn a_ciphertext_of_the_longest_length_decodes_and_one_byte_more_does_not() {
    let mut p = common::pair(83);
    let Envelope::Ratchet(mut message) = p.bob.encrypt(&mut p.rng, b"x").unwrap() else {
        panic!("Bob's messages are ratchet messages");
    };
    message.ciphertext = vec![0; MAX_CIPHERTEXT_LEN];
    assert!(RatchetMessage::try_from(message.to_bytes().as_slice()).is_ok());
    message.ciphertext.push(0);
    assert_eq!(
        RatchetMessage::try_from(message.to_bytes().as_slice()),
        Err(DecodeError::BadLength {
            field: "ciphertext",
            len: MAX_CIPHERTEXT_LEN + 1
        })
    );
}

#[test]
fn replays_are_recognised_on_the_last_superseded_chains_only() {
    let mut p = common::pair(84);
    // One message from Bob on each of MAX_PREVIOUS_CHAINS + 2 chains: every
    // reply of Alice's makes Bob start a new chain.
    let mut firsts = Vec::new();
    for _ in 0..MAX_PREVIOUS_CHAINS + 2 {
        let m = p.bob.encrypt(&mut p.rng, b"on a new chain").unwrap();
        p.alice.decrypt(&m).unwrap();
        firsts.push(m);
        let reply = p.alice.encrypt(&mut p.rng, b"reply").unwrap();
        p.bob.decrypt(&reply).unwrap();
    }
    // Alice's receiving chain is the last one; the ones before are superseded.
    let superseded = &firsts[..firsts.len() - 1];
    let (forgotten, remembered) = superseded.split_at(superseded.len() - MAX_PREVIOUS_CHAINS);
    for m in remembered {
        assert_eq!(
            p.alice.clone().decrypt(m),
            Err(SessionError::Ratchet(RatchetError::DuplicateMessage {
                index: 0
            })),
            "a replay on a remembered chain is named as one"
        );
    }
    for m in forgotten {
        assert!(
            matches!(
                p.alice.clone().decrypt(m),
                Err(SessionError::Ratchet(RatchetError::Authentication(_)))
            ),
            "a chain beyond the bound is forgotten: its replay reads as a forgery"
        );
    }
    assert_eq!(remembered.len(), MAX_PREVIOUS_CHAINS);
    assert!(!forgotten.is_empty());
}
