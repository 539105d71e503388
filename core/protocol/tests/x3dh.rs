//! X3DH through the public API: bundles, signatures, prekey use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use cipherflow_protocol::crypto::xeddsa::XEdDsaError;
use cipherflow_protocol::wire::Envelope;
use cipherflow_protocol::x3dh::X3dhError;
use cipherflow_protocol::{Account, PreKeyBundle, Session, SessionError};
use common::rng;

fn prekey_message(e: &Envelope) -> &cipherflow_protocol::wire::PreKeyMessage {
    match e {
        Envelope::PreKey(p) => p,
        Envelope::Ratchet(_) => panic!("expected a prekey message"),
    }
}

#[test]
fn a_bad_signature_rejects_the_bundle() {
    let mut r = rng(20);
    let alice = Account::new(&mut r, 0);
    let bob = Account::new(&mut r, 0);
    let good = bob.bundle(None).unwrap();
    assert!(good.verify().is_ok());
    for bit in 0..512 {
        let mut bad = good.clone();
        bad.signed_prekey_signature[bit / 8] ^= 1 << (bit % 8);
        assert!(matches!(
            Session::initiate(&mut r, alice.identity(), &bad),
            Err(SessionError::X3dh(X3dhError::BadSignature(_)))
        ));
    }
    // A signature by someone else, or over another key, or all zeros ("missing").
    let mallory = Account::new(&mut r, 0);
    let mut swapped = good.clone();
    swapped.signed_prekey = mallory.current_signed_prekey().public();
    assert!(Session::initiate(&mut r, alice.identity(), &swapped).is_err());
    let mut missing = good.clone();
    missing.signed_prekey_signature = [0; 64];
    assert!(matches!(
        Session::initiate(&mut r, alice.identity(), &missing),
        Err(SessionError::X3dh(X3dhError::BadSignature(
            XEdDsaError::BadSignature | XEdDsaError::NonCanonicalR | XEdDsaError::InvalidPublicKey
        )))
    ));
    // A truncated bundle (signature cut off) does not even parse.
    let bytes = good.to_bytes();
    assert!(PreKeyBundle::try_from(&bytes[..bytes.len() - 40]).is_err());
}

#[test]
fn one_time_prekey_is_deleted_on_use_and_a_replayed_first_message_is_refused() {
    let mut r = rng(21);
    let alice = Account::new(&mut r, 0);
    let mut bob = Account::new(&mut r, 0);
    let ids = bob.generate_one_time_prekeys(&mut r, 2).unwrap();
    let bundle = bob.bundle(Some(ids[1])).unwrap();
    let mut session = Session::initiate(&mut r, alice.identity(), &bundle).unwrap();
    let first = session.encrypt(&mut r, b"first").unwrap();
    let (_, pt) = bob.accept(prekey_message(&first)).unwrap();
    assert_eq!(pt, b"first");
    assert_eq!(bob.one_time_prekeys().len(), 1);
    assert!(bob.one_time_prekeys().iter().all(|(id, _)| *id != ids[1]));
    assert!(matches!(
        bob.accept(prekey_message(&first)),
        Err(SessionError::X3dh(X3dhError::UnknownOneTimePreKey(id))) if id == ids[1]
    ));
}

#[test]
fn a_failed_accept_keeps_the_one_time_prekey() {
    let mut r = rng(22);
    let alice = Account::new(&mut r, 0);
    let mut bob = Account::new(&mut r, 0);
    let ids = bob.generate_one_time_prekeys(&mut r, 1).unwrap();
    let bundle = bob.bundle(Some(ids[0])).unwrap();
    let mut session = Session::initiate(&mut r, alice.identity(), &bundle).unwrap();
    let first = session.encrypt(&mut r, b"first").unwrap();
    let mut tampered = prekey_message(&first).clone();
    tampered.message.ciphertext[0] ^= 1;
    assert!(bob.accept(&tampered).is_err());
    assert_eq!(
        bob.one_time_prekeys().len(),
        1,
        "no session, so the OPK stays"
    );
    assert!(bob.accept(prekey_message(&first)).is_ok());
}

#[test]
fn without_a_one_time_prekey_and_after_rotation() {
    let mut r = rng(23);
    let alice = Account::new(&mut r, 0);
    let mut bob = Account::new(&mut r, 0);
    let old_bundle = bob.bundle(None).unwrap();
    let new_id = bob.rotate_signed_prekey(&mut r, 86_400_000);
    assert_eq!(bob.current_signed_prekey().id, new_id);
    // A message built on the previous signed prekey still works after rotation.
    let mut s_old = Session::initiate(&mut r, alice.identity(), &old_bundle).unwrap();
    let m = s_old.encrypt(&mut r, b"old spk").unwrap();
    assert_eq!(bob.accept(prekey_message(&m)).unwrap().1, b"old spk");
    // After enough rotations it is gone: a typed error.
    for day in 2..6 {
        bob.rotate_signed_prekey(&mut r, day * 86_400_000);
    }
    assert!(matches!(
        bob.accept(prekey_message(&m)),
        Err(SessionError::X3dh(X3dhError::UnknownSignedPreKey(1)))
    ));
}

#[test]
fn safety_numbers_agree_and_change_with_the_identity() {
    let mut p = common::pair(24);
    let a = p.alice.safety_number(b"+15550001", b"+15550002");
    let b = p.bob.safety_number(b"+15550002", b"+15550001");
    assert_eq!(a, b);
    assert_eq!(a.digits().len(), 60);
    // Bob reinstalls: a new identity gives a new safety number.
    let mut r = rng(25);
    let bob2 = Account::new(&mut r, 0);
    let alice2 = Account::new(&mut r, 0);
    let s = Session::initiate(&mut r, alice2.identity(), &bob2.bundle(None).unwrap()).unwrap();
    assert_ne!(s.safety_number(b"+15550001", b"+15550002"), a);
    let _ = p.alice.encrypt(&mut p.rng, b"x");
}

#[test]
fn pickles_round_trip_and_seal() {
    let mut p = common::pair(26);
    let r = p.bob.encrypt(&mut p.rng, b"r").unwrap();
    p.alice.decrypt(&r).unwrap();
    let json = p.alice.pickle();
    let restored = Session::from_pickle(&json).unwrap();
    assert_eq!(restored.pickle(), json);
    let key = [9u8; 32];
    let sealed = p.alice.seal(&mut p.rng, &key).unwrap();
    assert!(
        !sealed
            .windows(8)
            .any(|w| json.as_bytes().windows(8).any(|j| j == w))
    );
    let mut back = Session::unseal(&key, &sealed).unwrap();
    let m = p.bob.encrypt(&mut p.rng, b"after restore").unwrap();
    assert_eq!(back.decrypt(&m).unwrap(), b"after restore");
    // Wrong key, altered bytes, unknown version, truncation: typed errors.
    assert!(Session::unseal(&[8u8; 32], &sealed).is_err());
    let mut altered = sealed.clone();
    altered[20] ^= 4;
    assert!(Session::unseal(&key, &altered).is_err());
    let mut version = sealed.clone();
    version[0] = 2;
    assert!(Session::unseal(&key, &version).is_err());
    assert!(Session::unseal(&key, &sealed[..5]).is_err());
    assert!(Session::unseal(&key, &[]).is_err());
    // A pickle from a future version is refused, not misread.
    let future = json.replacen("\"version\":1", "\"version\":2", 1);
    assert!(Session::from_pickle(&future).is_err());
    assert!(Session::from_pickle("{").is_err());
}

#[test]
fn a_prekey_message_with_altered_prekey_ids_matches_no_session() {
    let mut p = common::pair(27);
    let m = p.alice.encrypt(&mut p.rng, b"second").unwrap();
    let Envelope::PreKey(pkm) = &m else { panic!() };
    assert!(p.bob.matches(pkm));
    let mut other_spk = pkm.clone();
    other_spk.signed_prekey_id ^= 1;
    assert!(!p.bob.matches(&other_spk));
    assert_eq!(
        p.bob.decrypt(&Envelope::PreKey(other_spk)),
        Err(SessionError::SessionMismatch)
    );
    let mut other_opk = pkm.clone();
    other_opk.one_time_prekey_id = other_opk.one_time_prekey_id.map(|id| id ^ 4);
    assert!(!p.bob.matches(&other_opk));
    let mut no_opk = pkm.clone();
    no_opk.one_time_prekey_id = None;
    assert!(!p.bob.matches(&no_opk));
    assert_eq!(p.bob.decrypt(&m).unwrap(), b"second");
}

#[test]
fn a_pickle_whose_derived_fields_disagree_is_refused() {
    use cipherflow_protocol::pickle::PickleError;
    let mut r = rng(28);
    let alice = Account::new(&mut r, 0);
    let mut bob = Account::new(&mut r, 0);
    let opk = bob.generate_one_time_prekeys(&mut r, 1).unwrap()[0];
    // A fresh initiator session still sends prekey messages.
    let s = Session::initiate(&mut r, alice.identity(), &bob.bundle(Some(opk)).unwrap()).unwrap();
    let json = s.pickle();
    let restored = Session::from_pickle(&json).unwrap();
    assert_eq!(restored.pickle(), json);
    assert!(restored.snapshot().sends_prekey_messages);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut other_ad = value.clone();
    let ad = other_ad["associated_data"].as_str().unwrap().to_owned();
    let flipped = if ad.ends_with('0') { "1" } else { "0" };
    other_ad["associated_data"] = format!("{}{flipped}", &ad[..ad.len() - 1]).into();
    assert!(matches!(
        Session::from_pickle(&other_ad.to_string()),
        Err(PickleError::Inconsistent("associated_data"))
    ));
    let mut other_ids = value;
    other_ids["pending_prekey"]["one_time_prekey_id"] = (opk + 1).into();
    assert!(matches!(
        Session::from_pickle(&other_ids.to_string()),
        Err(PickleError::Inconsistent("pending_prekey"))
    ));
}

#[test]
fn a_pickle_whose_receiving_chain_is_not_dhr_s_is_refused() {
    use cipherflow_protocol::pickle::PickleError;
    let mut r = rng(29);
    let alice = Account::new(&mut r, 0);
    let mut bob = Account::new(&mut r, 0);
    let mut session =
        Session::initiate(&mut r, alice.identity(), &bob.bundle(None).unwrap()).unwrap();
    let first = session.encrypt(&mut r, b"first").unwrap();
    let (mut bobs, _) = bob.accept(prekey_message(&first)).unwrap();
    let reply = bobs.encrypt(&mut r, b"reply").unwrap();
    assert_eq!(session.decrypt(&reply).unwrap(), b"reply");
    // Now Alice has a receiving chain, for Bob's ratchet key (DHr).
    let json = session.pickle();
    assert_eq!(Session::from_pickle(&json).unwrap().pickle(), json);
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let dhr = value["ratchet"]["remote_ratchet_key"].clone();
    assert_eq!(
        value["ratchet"]["receiving"][0], dhr,
        "written once per field, the same key"
    );
    value["ratchet"]["receiving"][0] = value["remote_identity"].clone();
    assert!(matches!(
        Session::from_pickle(&value.to_string()),
        Err(PickleError::Inconsistent("receiving"))
    ));
    // A session always knows DHr (the sending side is a typestate: there is
    // no session that cannot send), so a pickle without it is refused.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["ratchet"]["remote_ratchet_key"] = serde_json::Value::Null;
    value["ratchet"]["receiving"] = serde_json::Value::Null;
    assert!(matches!(
        Session::from_pickle(&value.to_string()),
        Err(PickleError::Inconsistent("remote_ratchet_key"))
    ));
}

#[test]
fn a_responder_can_send_as_soon_as_it_has_accepted() {
    let mut r = rng(31);
    let alice = Account::new(&mut r, 0);
    let mut bob = Account::new(&mut r, 0);
    let mut to_bob =
        Session::initiate(&mut r, alice.identity(), &bob.bundle(None).unwrap()).unwrap();
    let first = to_bob.encrypt(&mut r, b"first").unwrap();
    let (mut to_alice, _) = bob.accept(prekey_message(&first)).unwrap();
    // Bob's sending side is inactive: his first message takes the sending
    // half of a DH ratchet step with a fresh key, never his signed prekey.
    assert_eq!(to_alice.snapshot().ratchet.sending_index, None);
    let reply = to_alice.encrypt(&mut r, b"reply").unwrap();
    assert_ne!(
        reply.ratchet_message().header.ratchet_key,
        bob.current_signed_prekey().public()
    );
    assert_eq!(to_alice.snapshot().ratchet.sending_index, Some(1));
    assert_eq!(to_bob.decrypt(&reply).unwrap(), b"reply");
}
