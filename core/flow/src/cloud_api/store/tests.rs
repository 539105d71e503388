//! The store's tests: lookups, purges and the number list.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;

/// Stores an inbound message of number id "1" with client id `c-{n}`;
/// returns its wamid.
fn msg(s: &mut MessageStore, n: u64, consumer: &str, expires: u64) -> String {
    let key = s.next_wamid_key();
    let consumer = PhoneNumber::parse(consumer).unwrap();
    let client_id = format!("c-{n}");
    s.insert(NewMessage {
        direction: Direction::Inbound,
        phone_number_id: "1",
        consumer: consumer.clone(),
        text: "t",
        stored_at_ms: 0,
        expires_at_ms: expires,
        envelope_id: expires,
        tail: Some(&client_id),
        pricing: None,
        delivered: true,
        pending: None,
    })
    .unwrap();
    key.wamid(&consumer)
}

#[test]
fn a_positional_wamid_is_found_without_an_index_entry() {
    let mut s = MessageStore::new([7; 32]);
    let alice = PhoneNumber::parse("15550000001").unwrap();
    let bob = PhoneNumber::parse("15550000002").unwrap();
    let mut wamids = Vec::new();
    for expires in [10, 20] {
        let key = s.next_wamid_key();
        s.insert(NewMessage {
            direction: Direction::Outbound,
            phone_number_id: "1",
            consumer: alice.clone(),
            text: "t",
            stored_at_ms: 0,
            expires_at_ms: expires,
            envelope_id: 0,
            tail: None,
            pricing: None,
            delivered: false,
            pending: None,
        })
        .unwrap();
        wamids.push((key, key.wamid(&alice)));
    }
    assert_ne!(wamids[0].0, wamids[1].0);
    assert!(s.index.is_empty(), "neither wamid needed an index entry");
    for (_, w) in &wamids {
        assert_eq!(s.get(w).map(StoredMessage::wamid).as_ref(), Some(w));
    }
    assert!(
        s.get(&wamids[0].0.wamid(&bob)).is_none(),
        "its key with another number"
    );
    s.purge(10);
    assert!(s.get(&wamids[0].1).is_none());
    assert_eq!(
        s.get(&wamids[1].1).map(StoredMessage::wamid).as_ref(),
        Some(&wamids[1].1)
    );
    assert!(MessageStore::new([8; 32]).get(&wamids[1].1).is_none());
}

#[test]
fn a_message_keeps_its_text_client_id_wamid_and_number_apart() {
    let mut s = MessageStore::new([7; 32]);
    let wamid = msg(&mut s, 1, "15550000001", 10);
    let other = msg(&mut s, 2, "15550000001", 10);
    let m = s.get(&wamid).unwrap();
    assert_eq!(m.text(), "t");
    assert_eq!(m.client_message_id(), Some("c-1"));
    assert_eq!(m.wamid(), wamid);
    assert!(s.get("wamid.x").is_none());
    assert_eq!(s.phone_number_id(m), "1");
    assert_ne!(other, wamid);
    let consumer = PhoneNumber::parse("15550000003").unwrap();
    let new = |pnid| NewMessage {
        direction: Direction::Outbound,
        phone_number_id: pnid,
        consumer: consumer.clone(),
        text: "x",
        stored_at_ms: 0,
        expires_at_ms: 10,
        envelope_id: 0,
        tail: None,
        pricing: None,
        delivered: false,
        pending: None,
    };
    let second = new("2");
    let seq = s.insert(second).unwrap();
    assert_eq!(s.phone_number_id(s.by_seq(seq).unwrap()), "2");
    assert_eq!(s.number_ids.len(), 2, "each number id is kept once");
}

#[test]
fn the_store_refuses_a_65537th_number_and_keeps_what_it_has() {
    let mut s = MessageStore::new([7; 32]);
    s.number_ids = (0..=u16::MAX).map(|n| n.to_string().into()).collect();
    let consumer = PhoneNumber::parse("15550000003").unwrap();
    let new = |pnid| NewMessage {
        direction: Direction::Inbound,
        phone_number_id: pnid,
        consumer: consumer.clone(),
        text: "x",
        stored_at_ms: 0,
        expires_at_ms: 10,
        envelope_id: 1,
        tail: None,
        pricing: None,
        delivered: true,
        pending: None,
    };
    assert_eq!(s.insert(new("new")), Err(StoreError::TooManyNumbers));
    assert!(s.is_empty() && s.number_refs.is_empty());
    let seq = s.insert(new("65535")).unwrap();
    assert_eq!(s.phone_number_id(s.by_seq(seq).unwrap()), "65535");
}

#[test]
fn retention_is_capped_at_30_days() {
    assert!(RetentionPolicy::days(30).is_ok());
    assert_eq!(RetentionPolicy::days(31), Err(RetentionError(31)));
    assert_eq!(RetentionPolicy::days(0), Err(RetentionError(0)));
    assert_eq!(RetentionPolicy::default().in_ms(), 30 * DAY_MS);
}

#[test]
fn purge_takes_only_what_expired_and_forgets_numbers_last() {
    let mut s = MessageStore::new([7; 32]);
    let wa = msg(&mut s, 1, "15550000001", 10);
    msg(&mut s, 3, "15550000002", 10);
    let wb = msg(&mut s, 2, "15550000001", 20);
    let alice = PhoneNumber::parse("15550000001").unwrap();
    assert_eq!(s.wamid_for_client_id("1", &alice, "c-1"), Some(wa.clone()));
    assert_eq!(s.get(&wb).unwrap().wamid(), wb);
    assert!(s.get("wamid.z").is_none());
    assert_eq!(s.overdue(10), 2);
    let (p, f) = s.purge(9);
    assert!(p.is_empty() && f.is_empty());
    let (p, f) = s.purge(10);
    assert_eq!(p.len(), 2);
    assert_eq!(
        f,
        vec![("1".to_owned(), PhoneNumber::parse("15550000002").unwrap())]
    );
    assert_eq!(s.wamid_for_client_id("1", &alice, "c-1"), None);
    assert!(s.get(&wa).is_none());
    assert!(s.holds_number("1", &alice));
    assert_eq!(
        s.get(&wb).unwrap().wamid(),
        wb,
        "sequence numbers survive the purge"
    );
    let (p, f) = s.purge(u64::MAX);
    assert_eq!(p.len(), 1);
    assert_eq!(f.len(), 1);
    assert!(s.is_empty());
}

#[test]
fn an_outbound_message_is_found_by_its_envelope_and_only_by_its_own() {
    let mut s = MessageStore::new([7; 32]);
    let w = msg(&mut s, 1, "15550000001", 10);
    let m = s.get_mut(&w).unwrap();
    m.direction = Direction::Outbound;
    s.set_envelope(&w, 4);
    assert_eq!(s.wamid_for_envelope("1", 4), Some(w.clone()));
    assert_eq!(
        s.wamid_for_envelope("2", 4),
        None,
        "another number's envelope 4"
    );
    s.set_envelope(&w, 5);
    assert_eq!(s.wamid_for_envelope("1", 4), None);
    assert_eq!(s.wamid_for_envelope("1", 5), Some(w));
}
