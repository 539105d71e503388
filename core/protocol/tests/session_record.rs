//! Simultaneous initiation: both sides start a session at once, and every
//! message in flight still decrypts while they converge on one session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use cipherflow_protocol::wire::Envelope;
use cipherflow_protocol::{Account, Session, SessionRecord};

fn accept_or_decrypt(account: &mut Account, record: &mut SessionRecord, e: &Envelope) -> Vec<u8> {
    if let Envelope::PreKey(p) = e
        && !record.matches(p)
    {
        let (session, plaintext) = account.accept(p).unwrap();
        record.promote(session);
        return plaintext;
    }
    record.decrypt(e).unwrap().unwrap()
}

#[test]
fn simultaneous_initiation_converges_and_loses_nothing() {
    let mut rng = common::rng(40);
    let mut a = Account::new(&mut rng, 0);
    let mut b = Account::new(&mut rng, 0);
    let (mut ra, mut rb) = (SessionRecord::default(), SessionRecord::default());
    ra.promote(Session::initiate(&mut rng, a.identity(), &b.bundle(None).unwrap()).unwrap());
    rb.promote(Session::initiate(&mut rng, b.identity(), &a.bundle(None).unwrap()).unwrap());
    let from_a = ra.encrypt(&mut rng, b"a1").unwrap().unwrap();
    let from_b = rb.encrypt(&mut rng, b"b1").unwrap().unwrap();
    assert_eq!(accept_or_decrypt(&mut b, &mut rb, &from_a), b"a1");
    assert_eq!(accept_or_decrypt(&mut a, &mut ra, &from_b), b"b1");
    // Each now has two sessions; messages on either keep decrypting.
    assert_eq!((ra.previous_len(), rb.previous_len()), (1, 1));
    for i in 0..6 {
        let m = ra
            .encrypt(&mut rng, format!("a{i}").as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(
            accept_or_decrypt(&mut b, &mut rb, &m),
            format!("a{i}").as_bytes()
        );
        let m = rb
            .encrypt(&mut rng, format!("b{i}").as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(
            accept_or_decrypt(&mut a, &mut ra, &m),
            format!("b{i}").as_bytes()
        );
    }
    // They converged: both current sessions are the same X3DH session.
    let (ca, cb) = (
        ra.current().unwrap().snapshot(),
        rb.current().unwrap().snapshot(),
    );
    assert_eq!(ca.base_key, cb.base_key);
    // A replay is reported as a duplicate, whichever session read it first.
    let m = ra.encrypt(&mut rng, b"once").unwrap().unwrap();
    assert_eq!(accept_or_decrypt(&mut b, &mut rb, &m), b"once");
    assert!(matches!(
        rb.decrypt(&m),
        Some(Err(cipherflow_protocol::SessionError::Ratchet(
            cipherflow_protocol::ratchet::RatchetError::DuplicateMessage { .. }
        )))
    ));
}
