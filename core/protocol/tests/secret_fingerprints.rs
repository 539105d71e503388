//! The inspector's secret fingerprints: both ends of a session agree on them,
//! they move with the ratchet, and they never contain the keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use cipherflow_protocol::wire::Envelope;

#[test]
fn both_ends_show_the_same_root_key_and_matching_chains() {
    let mut p = common::pair(21);
    let (a, b) = (p.alice.secret_fingerprints(), p.bob.secret_fingerprints());
    // After the first message both ends hold the root key of Alice's first
    // DH ratchet step, and her sending chain is Bob's receiving chain.
    assert_eq!(a.root_key, b.root_key);
    assert!(a.sending_chain.is_some());
    assert_eq!(a.sending_chain, b.receiving_chain);
    assert_eq!(
        b.sending_chain, None,
        "a responder's sending chain starts when it replies"
    );

    // Bob replies: his DH step gives a new root key and a sending chain that
    // Alice's receiving chain equals once she decrypts.
    let reply = p.bob.encrypt(&mut p.rng, b"hi Alice").unwrap();
    let Envelope::Ratchet(m) = &reply else {
        panic!("a reply is a ratchet message")
    };
    let before = p.alice.secret_fingerprints();
    p.alice.decrypt(&Envelope::Ratchet(m.clone())).unwrap();
    let (a, b) = (p.alice.secret_fingerprints(), p.bob.secret_fingerprints());
    assert_ne!(
        before.root_key, a.root_key,
        "a DH ratchet step changes the root key"
    );
    assert_eq!(a.root_key, b.root_key);
    assert_eq!(a.receiving_chain, b.sending_chain);
    assert!(a.receiving_chain.is_some());

    // Fingerprints are 8 hex digits and appear nowhere in the session's pickle
    // as key material would (the pickle holds the keys themselves, in hex).
    for f in [&a.root_key, a.receiving_chain.as_ref().unwrap()] {
        assert_eq!(f.len(), 8);
        assert!(f.bytes().all(|c| c.is_ascii_hexdigit()));
    }
    let pickle = common::state(&p.alice);
    assert!(!pickle.contains(&a.root_key));
}
