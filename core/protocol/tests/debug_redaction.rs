//! `Debug` never prints a secret: not for an account, a session, a session
//! record, or any key type. The secrets are read from the pickles (which hold
//! every one of them), and each `Debug` output, plain and pretty, is searched
//! for every 6-byte run of each secret as lowercase hex, uppercase hex and a
//! decimal list (how a `[u8; 32]` prints).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use cipherflow_protocol::keys::{IdentityKeyPair, KeyPair};
use cipherflow_protocol::{Account, SessionRecord};
use serde_json::Value;

/// The fields of the pickles (PROTOCOL.md section 8) that hold 32-byte secrets.
const SECRET_FIELDS: [&str; 5] = ["identity", "secret", "root_key", "ratchet_secret", "key"];

/// Every secret in a pickle.
fn secrets_of(pickle: &str) -> Vec<Vec<u8>> {
    fn walk(v: &Value, field: Option<&str>, out: &mut Vec<Vec<u8>>) {
        match v {
            Value::String(s) if field.is_some_and(|f| SECRET_FIELDS.contains(&f)) => {
                let bytes = hex::decode(s).unwrap();
                assert_eq!(bytes.len(), 32, "{field:?} holds a 32-byte secret");
                out.push(bytes);
            }
            Value::Object(m) => m.iter().for_each(|(k, v)| walk(v, Some(k), out)),
            Value::Array(a) => a.iter().for_each(|v| walk(v, None, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::from_str(pickle).unwrap(), None, &mut out);
    out
}

/// Fails if `debug` shows any of `secrets` in a form `Debug` could print it.
fn assert_hides(what: &str, debug: &str, secrets: &[Vec<u8>]) {
    assert!(!secrets.is_empty(), "{what}: there are secrets to look for");
    for secret in secrets {
        for run in secret.windows(6) {
            let decimal = run.iter().map(u8::to_string).collect::<Vec<_>>().join(", ");
            for shown in [hex::encode(run), hex::encode_upper(run), decimal] {
                assert!(
                    !debug.contains(&shown),
                    "{what} prints a secret ({shown}): {debug}"
                );
            }
        }
    }
}

fn both(value: &impl std::fmt::Debug) -> String {
    format!("{value:?}\n{value:#?}")
}

#[test]
fn an_account_and_its_prekeys_print_no_secret() {
    let mut rng = common::rng(71);
    let mut account = Account::new(&mut rng, 0);
    account.generate_one_time_prekeys(&mut rng, 3).unwrap();
    account.rotate_signed_prekey(&mut rng, 1);
    let secrets = secrets_of(&account.pickle());
    assert!(
        secrets.len() >= 6,
        "identity, 2 signed and 3 one-time prekeys"
    );
    assert_hides("Account", &both(&account), &secrets);
    assert_hides("IdentityKeyPair", &both(account.identity()), &secrets);
    assert_hides(
        "SignedPreKey",
        &both(account.current_signed_prekey()),
        &secrets,
    );
}

#[test]
fn sessions_and_a_session_record_print_no_secret() {
    let mut p = common::pair(72);
    // Give both sides sending, receiving and skipped keys.
    // Alice never receives "first": its message key stays skipped.
    p.bob.encrypt(&mut p.rng, b"first").unwrap();
    let later = p.bob.encrypt(&mut p.rng, b"second").unwrap();
    p.alice.decrypt(&later).unwrap();
    for (who, session) in [("Alice's Session", &p.alice), ("Bob's Session", &p.bob)] {
        let secrets = secrets_of(&session.pickle());
        assert!(
            secrets.len() >= 3,
            "{who}: root key, ratchet secret, chain keys"
        );
        assert_hides(who, &both(session), &secrets);
    }
    let alice_secrets = secrets_of(&p.alice.pickle());
    assert!(
        alice_secrets.len() >= 4,
        "Alice holds a skipped message key too"
    );
    let mut record = SessionRecord::default();
    record.promote(p.alice.clone());
    assert_hides("SessionRecord", &both(&record), &alice_secrets);
}

#[test]
fn key_pairs_and_shared_secrets_print_no_secret() {
    let mut rng = common::rng(73);
    let ours = KeyPair::from_secret_bytes([0x5a; 32]);
    let theirs = IdentityKeyPair::generate(&mut rng);
    let shared = ours.diffie_hellman(&theirs.public()).unwrap();
    let secrets = vec![vec![0x5a; 32], shared.as_bytes().to_vec()];
    assert_hides("KeyPair", &both(&ours), &secrets);
    assert_hides("SharedSecret", &both(&shared), &secrets);
}
