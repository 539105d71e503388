//! Arbitrary bytes into established sessions and into the responder's account.
//!
//! Decrypt is transactional: on any error the session's pickle (its complete
//! state) is exactly what it was. A message that does decrypt (the seeds are
//! genuine in-flight messages) must then be refused as a replay, again without a
//! change. The account: a refused prekey message leaves its one-time prekeys as
//! they were and it still accepts a valid prekey message; an accepted one uses up
//! exactly the one-time prekey it names, and cannot be accepted twice.
#![no_main]

use std::sync::OnceLock;

use cipherflow_protocol::Session;
use cipherflow_protocol::wire::Envelope;
use cipherflow_protocol_fuzz::established::{Established, FRESH_PLAINTEXT};
use libfuzzer_sys::fuzz_target;

fn fixture() -> &'static Established {
    static FIXTURE: OnceLock<Established> = OnceLock::new();
    FIXTURE.get_or_init(Established::new)
}

fn decrypt_is_transactional(session: &Session, pickle: &str, data: &[u8]) {
    let mut session = session.clone();
    match session.decrypt_bytes(data) {
        Err(_) => assert_eq!(
            *session.pickle(),
            pickle,
            "a failed decrypt changed the session"
        ),
        Ok(_) => {
            let after = session.pickle();
            assert!(
                session.decrypt_bytes(data).is_err(),
                "a message decrypted twice"
            );
            assert_eq!(
                session.pickle(),
                after,
                "a refused replay changed the session"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    decrypt_is_transactional(&f.alice, &f.alice_pickle, data);
    decrypt_is_transactional(&f.bob, &f.bob_pickle, data);

    let Ok(Envelope::PreKey(message)) = Envelope::try_from(data) else {
        return;
    };
    let mut account = f.bob_account.clone();
    match account.accept(&message) {
        Err(_) => {
            assert_eq!(
                account.one_time_prekeys(),
                f.bob_one_time_prekeys,
                "a refused prekey message changed the one-time prekeys"
            );
            let (_, plaintext) = account
                .accept(&f.fresh_prekey_message)
                .expect("after a refusal the account still accepts a valid prekey message");
            assert_eq!(plaintext, FRESH_PLAINTEXT);
        }
        Ok(_) => {
            let expected: Vec<_> = f
                .bob_one_time_prekeys
                .iter()
                .filter(|(id, _)| Some(*id) != message.one_time_prekey_id)
                .copied()
                .collect();
            assert_eq!(
                account.one_time_prekeys(),
                expected,
                "accepting must use up exactly the one-time prekey named"
            );
            if message.one_time_prekey_id.is_some() {
                assert!(
                    account.accept(&message).is_err(),
                    "a prekey message with a one-time prekey was accepted twice"
                );
                assert_eq!(account.one_time_prekeys(), expected);
            }
        }
    }
});
