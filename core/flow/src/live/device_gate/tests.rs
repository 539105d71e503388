#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use cipherflow_protocol::Account;
use cipherflow_protocol::keys::PublicKey;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::*;
use crate::wire::device_frame::KeysFrame;
use crate::wire::{EnvelopeId, Payload, TransportEnvelope};

const ANA: &str = "14155550101";

fn ana() -> PhoneNumber {
    PhoneNumber::parse(ANA).expect("number")
}

fn keys_of(account: &Account) -> KeysFrame {
    KeysFrame::from_keys(&PublishedKeys {
        bundle: account.bundle(None).expect("bundle"),
        one_time: account.one_time_prekeys(),
    })
}

/// `hello` for `number`, and the nonce of the challenge that answered it.
fn challenge(gate: &mut DeviceGate, rng: &mut ChaCha20Rng, number: &str) -> [u8; 32] {
    let hello = DeviceFrame::Hello {
        number: number.to_owned(),
    };
    match gate.on_frame(&hello.to_json(), rng, |_| None) {
        Ok(GateOutcome::Reply(ServerFrame::Challenge { nonce })) => {
            nonce.try_into().expect("32 bytes")
        }
        other => panic!("expected a challenge, got {other:?}"),
    }
}

fn proof(
    account: &Account,
    rng: &mut ChaCha20Rng,
    nonce: &[u8; 32],
    keys: Option<KeysFrame>,
) -> String {
    let signature = account.identity().sign(rng, &auth_message(&ana(), nonce));
    DeviceFrame::Proof {
        signature: signature.to_vec(),
        keys,
    }
    .to_json()
}

fn submit(from: &str, id: EnvelopeId) -> String {
    DeviceFrame::Submit {
        envelope: TransportEnvelope {
            id,
            from: PhoneNumber::parse(from).expect("number"),
            to: PhoneNumber::parse("+1 415 555 0199").expect("number"),
            sent_at_ms: 1,
            payload: Payload::Signal {
                bytes: vec![1, 2, 3],
            },
        },
        retransmission: false,
    }
    .to_json()
}

#[test]
fn a_new_number_registers_with_a_proof_under_its_own_keys() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let account = Account::new(&mut rng, 0);
    let mut gate = DeviceGate::new();
    let nonce = challenge(&mut gate, &mut rng, "+1 (415) 555-0101");
    assert!(!gate.is_open());
    let frame = proof(&account, &mut rng, &nonce, Some(keys_of(&account)));
    match gate.on_frame(&frame, &mut rng, |_| None) {
        Ok(GateOutcome::Opened {
            number,
            keys: Some(keys),
        }) => {
            assert_eq!(number, ana());
            assert_eq!(keys.bundle.identity_key, account.identity_key());
            assert_eq!(keys.one_time.len(), account.one_time_prekeys().len());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(gate.number(), Some(&ana()));
    // From now on frames speak for Ana, and only for her.
    assert!(matches!(
        gate.on_frame(&submit(ANA, 1), &mut rng, |_| None),
        Ok(GateOutcome::Message(ToTransport::Submit { .. }))
    ));
    assert_eq!(
        gate.on_frame(&submit("14155550102", 2), &mut rng, |_| None)
            .map(|_| ()),
        Err(GateError::WrongSender {
            expected: ana(),
            claimed: PhoneNumber::parse("14155550102").expect("number"),
        })
    );
    let fetch = DeviceFrame::FetchBundle {
        number: "+1 415 555 0199".to_owned(),
    };
    match gate.on_frame(&fetch.to_json(), &mut rng, |_| None) {
        Ok(GateOutcome::Message(ToTransport::FetchBundle { requester, .. })) => {
            assert_eq!(requester, ana());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_registered_number_opens_only_with_its_registered_key() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let owner = Account::new(&mut rng, 0);
    let thief = Account::new(&mut rng, 0);
    let registered = |n: &PhoneNumber| (*n == ana()).then(|| owner.identity_key());

    // The owner, with no keys (already registered): opens.
    let mut gate = DeviceGate::new();
    let nonce = challenge(&mut gate, &mut rng, ANA);
    let frame = proof(&owner, &mut rng, &nonce, None);
    assert!(matches!(
        gate.on_frame(&frame, &mut rng, registered),
        Ok(GateOutcome::Opened { keys: None, .. })
    ));

    // A client that claims the number without its key: refused, and the
    // connection never opens.
    let mut gate = DeviceGate::new();
    let nonce = challenge(&mut gate, &mut rng, ANA);
    let frame = proof(&thief, &mut rng, &nonce, None);
    assert_eq!(
        gate.on_frame(&frame, &mut rng, registered).map(|_| ()),
        Err(GateError::BadProof(ana()))
    );
    assert!(!gate.is_open());
    assert!(matches!(
        gate.on_frame(&submit(ANA, 1), &mut rng, registered),
        Err(GateError::NotAuthenticated("submit"))
    ));

    // ...nor by bringing its own keys for the number.
    let nonce = challenge(&mut gate, &mut rng, ANA);
    let frame = proof(&thief, &mut rng, &nonce, Some(keys_of(&thief)));
    assert_eq!(
        gate.on_frame(&frame, &mut rng, registered).map(|_| ()),
        Err(GateError::KeyMismatch(ana()))
    );

    // A proof is good for its own nonce only: replayed on a new challenge it fails.
    let mut gate = DeviceGate::new();
    let nonce = challenge(&mut gate, &mut rng, ANA);
    let good = proof(&owner, &mut rng, &nonce, None);
    let _ = challenge(&mut DeviceGate::new(), &mut rng, ANA);
    let mut second = DeviceGate::new();
    let _ = challenge(&mut second, &mut rng, ANA);
    assert_eq!(
        second.on_frame(&good, &mut rng, registered).map(|_| ()),
        Err(GateError::BadProof(ana()))
    );
    // And once tried, a challenge is spent.
    assert!(gate.on_frame(&good, &mut rng, registered).is_ok());
    let mut spent = DeviceGate::new();
    let nonce = challenge(&mut spent, &mut rng, ANA);
    let wrong = proof(&thief, &mut rng, &nonce, None);
    assert!(spent.on_frame(&wrong, &mut rng, registered).is_err());
    let right = proof(&owner, &mut rng, &nonce, None);
    assert!(matches!(
        spent.on_frame(&right, &mut rng, registered),
        Err(GateError::OutOfTurn("proof"))
    ));
}

#[test]
fn an_unknown_number_without_keys_is_not_registered() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let account = Account::new(&mut rng, 0);
    let mut gate = DeviceGate::new();
    let nonce = challenge(&mut gate, &mut rng, ANA);
    let frame = proof(&account, &mut rng, &nonce, None);
    assert_eq!(
        gate.on_frame(&frame, &mut rng, |_| None).map(|_| ()),
        Err(GateError::NotRegistered(ana()))
    );
}

#[test]
fn keys_with_a_forged_signed_prekey_do_not_register() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let account = Account::new(&mut rng, 0);
    let mut keys = keys_of(&account);
    // The signed prekey's signature sits after IK (33), the id (4) and SPK (33), behind the version byte.
    if let Some(byte) = keys.bundle.get_mut(1 + 33 + 4 + 33 + 5) {
        *byte ^= 1;
    }
    let mut gate = DeviceGate::new();
    let nonce = challenge(&mut gate, &mut rng, ANA);
    let frame = proof(&account, &mut rng, &nonce, Some(keys));
    let error = gate
        .on_frame(&frame, &mut rng, |_| None)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error.code(), "INVALID_KEY", "{error}");
}

#[test]
fn frames_out_of_turn_and_malformed_frames_are_typed_errors() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let none = |_: &PhoneNumber| None::<PublicKey>;
    let mut gate = DeviceGate::new();
    let cases: [(&str, &str); 8] = [
        ("", "MALFORMED_FRAME"),
        ("{}", "MALFORMED_FRAME"),
        ("[1,2]", "MALFORMED_FRAME"),
        (
            r#"{"type":"hello","number":"+1 415 555 0101","extra":1}"#,
            "MALFORMED_FRAME",
        ),
        (
            r#"{"type":"hello","number":"not a number"}"#,
            "INVALID_PHONE_NUMBER",
        ),
        (r#"{"type":"proof","signature":"00"}"#, "OUT_OF_TURN"),
        (
            r#"{"type":"fetch_bundle","number":"14155550199"}"#,
            "NOT_AUTHENTICATED",
        ),
        (r#"{"type":"launch_missiles"}"#, "MALFORMED_FRAME"),
    ];
    for (text, code) in cases {
        let error = gate.on_frame(text, &mut rng, none).map(|_| ()).unwrap_err();
        assert_eq!(error.code(), code, "{text}: {error}");
        assert!(!gate.is_open());
    }
    let huge = format!(
        r#"{{"type":"hello","number":"{}"}}"#,
        "1".repeat(crate::wire::device_frame::MAX_FRAME_BYTES)
    );
    let error = gate
        .on_frame(&huge, &mut rng, none)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error.code(), "FRAME_TOO_LARGE");
    // The error frame says the code.
    assert!(matches!(error.frame(), ServerFrame::Error { code, .. } if code == "FRAME_TOO_LARGE"));
    // A short signature is a bad proof, not a panic.
    let _ = challenge(&mut gate, &mut rng, ANA);
    let short = r#"{"type":"proof","signature":"0011"}"#;
    let account = Account::new(&mut rng, 0);
    let error = gate
        .on_frame(short, &mut rng, |_| Some(account.identity_key()))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error, GateError::BadProof(ana()));
}
