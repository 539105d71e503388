//! Message journeys, read from the links the parties wrote into the trace.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use cipherflow_flow::cloud_api::store::{DAY_MS, Direction};
use cipherflow_flow::faults::{Fault, FaultConfig};
use cipherflow_flow::journey::{Form, JourneyBook, Party, journeys};
use cipherflow_flow::phone::PhoneNumber;
use cipherflow_flow::{SimConfig, Simulation};

fn world() -> (Simulation, String) {
    let mut sim = Simulation::new(SimConfig {
        seed: 11,
        ..SimConfig::default()
    })
    .unwrap();
    let handle = sim.add_business("+15550001111", "Acme").unwrap();
    sim.add_consumer("+16505551234", "Ana").unwrap();
    (sim, handle.phone_number_id)
}

#[test]
fn a_consumer_message_crosses_three_hops_and_changes_form_at_the_cloud_api() {
    let (mut sim, _) = world();
    let id = sim
        .consumer_send_text("+16505551234", "+15550001111", "where is my order?")
        .unwrap();
    sim.settle();
    let all = journeys(sim.trace());
    assert_eq!(all.len(), 1);
    let j = &all[0];
    assert_eq!(j.key, id);
    assert_eq!(j.direction, Direction::Inbound);
    assert_eq!(j.text, "where is my order?");
    assert_eq!(j.consumer, "+16505551234");
    assert_eq!(j.business, "+15550001111");
    let path: Vec<_> = j.hops.iter().map(|h| (h.from, h.to, h.form)).collect();
    assert_eq!(
        path,
        [
            (Party::Consumer, Party::Transport, Form::Ciphertext),
            (Party::Transport, Party::CloudApi, Form::Ciphertext),
            (Party::CloudApi, Party::Business, Form::Plaintext),
        ]
    );
    assert!(j.decrypted && j.delivered);
    let wamid = j.wamid.clone().unwrap();
    assert!(sim.cloud_api().store().get(&wamid).is_some());
    // The simulation keeps the same book as it goes.
    assert_eq!(sim.journeys().all(), all.as_slice());
}

#[test]
fn a_business_reply_is_linked_to_the_envelope_the_cloud_api_encrypted() {
    let (mut sim, pnid) = world();
    sim.consumer_send_text("+16505551234", "+15550001111", "hi")
        .unwrap();
    sim.settle();
    sim.business_send_text(&pnid, "16505551234", "hello Ana")
        .unwrap();
    sim.settle();
    sim.consumer_read("+16505551234", "+15550001111").unwrap();
    sim.settle();
    let all = journeys(sim.trace());
    let reply = all
        .iter()
        .find(|j| j.direction == Direction::Outbound)
        .unwrap();
    let wamid = reply.wamid.clone().unwrap();
    let stored = sim.cloud_api().store().get(&wamid).unwrap();
    assert_eq!(reply.envelope_id, Some(stored.envelope_id));
    assert_eq!(reply.business, "+15550001111");
    assert_eq!(reply.consumer, "+16505551234");
    let path: Vec<_> = reply.hops.iter().map(|h| (h.from, h.to)).collect();
    assert_eq!(
        path,
        [
            (Party::Business, Party::CloudApi),
            (Party::CloudApi, Party::Transport),
            (Party::Transport, Party::Consumer),
        ]
    );
    assert_eq!(reply.statuses, ["sent", "delivered", "read"]);
    assert!(reply.decrypted && reply.delivered && reply.read);
}

/// Many sends at one instant, to many consumers, some of them for numbers
/// the Cloud API must first fetch a bundle for: every journey is linked to
/// exactly the envelope the Cloud API encrypted its message into. (Linking by
/// "the event just before, at the same instant" got this wrong.)
#[test]
fn links_are_exact_when_many_messages_share_an_instant() {
    let (mut sim, pnid) = world();
    for i in 0..5 {
        let number = format!("+1650555{:04}", 3000 + i);
        sim.add_consumer(&number, "C").unwrap();
        sim.consumer_send_text(&number, "+15550001111", "hello")
            .unwrap();
    }
    sim.settle();
    let mut wamids = Vec::new();
    for round in 0..2 {
        for i in 0..5 {
            let r = sim
                .business_send_text(
                    &pnid,
                    &format!("1650555{:04}", 3000 + i),
                    &format!("m{round}{i}"),
                )
                .unwrap();
            wamids.push(
                r.body_json().unwrap()["messages"][0]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    sim.settle();
    let book = sim.journeys();
    let business = PhoneNumber::parse("+15550001111").unwrap();
    for wamid in &wamids {
        let j = book.with_wamid(wamid).unwrap();
        let stored = sim.cloud_api().store().get(wamid).unwrap();
        assert_eq!(j.envelope_id, Some(stored.envelope_id), "{wamid}");
        assert_eq!(book.carried_by(&business, stored.envelope_id), Some(j));
        assert_eq!(j.consumer, stored.consumer.e164());
        assert_eq!(j.text, stored.text());
        assert!(j.delivered, "{j:?}");
    }
}

#[test]
fn tampering_and_retransmission_are_counted_on_the_message() {
    let (mut sim, _) = world();
    sim.set_faults(FaultConfig {
        tamper: 1.0,
        ..Default::default()
    })
    .unwrap();
    sim.consumer_send_text("+16505551234", "+15550001111", "tampered on the way")
        .unwrap();
    sim.run(8, 1_000);
    sim.set_faults(Default::default()).unwrap();
    sim.advance(60_000);
    sim.settle();
    let all = journeys(sim.trace());
    let j = &all[0];
    assert!(j.faults.contains(&Fault::Tamper));
    assert!(j.rejections + j.retry_requests >= 1, "{j:?}");
    assert!(j.transmissions >= 2, "{j:?}");
    assert!(j.decrypted, "the untampered retransmission got through");
    assert!(
        j.crossed(Party::CloudApi, Party::Business)
            .is_some_and(|h| h.times == 1)
    );
    assert!(j.happenings().iter().any(|h| h == "network fault: tamper"));
}

#[test]
fn a_purge_marks_the_message_and_an_undelivered_reply_fails() {
    let (mut sim, pnid) = world();
    sim.consumer_send_text("+16505551234", "+15550001111", "hi")
        .unwrap();
    sim.settle();
    sim.set_consumer_online("+16505551234", false).unwrap();
    sim.business_send_text(&pnid, "16505551234", "you are offline")
        .unwrap();
    sim.advance(31 * DAY_MS);
    let all = journeys(sim.trace());
    assert!(all.iter().all(|j| j.purged));
    let reply = all
        .iter()
        .find(|j| j.direction == Direction::Outbound)
        .unwrap();
    assert!(reply.queued);
    assert_eq!(reply.statuses.last().map(String::as_str), Some("failed"));
}

#[test]
fn a_book_read_bit_by_bit_equals_one_read_at_the_end() {
    let (mut sim, pnid) = world();
    let mut book = JourneyBook::default();
    for i in 0..5 {
        sim.consumer_send_text("+16505551234", "+15550001111", &format!("m{i}"))
            .unwrap();
        book.update(sim.trace());
        sim.step();
        book.update(sim.trace());
        sim.business_send_text(&pnid, "16505551234", &format!("r{i}"))
            .unwrap();
        sim.settle();
        book.update(sim.trace());
    }
    assert_eq!(book.all(), journeys(sim.trace()).as_slice());
    assert_eq!(book.all(), sim.journeys().all());
    assert_eq!(book.all().len(), 10);
    let first = &book.all()[0];
    let ana = PhoneNumber::parse("+16505551234").unwrap();
    assert_eq!(book.get(&first.key), Some(first));
    assert_eq!(
        book.carried_by(&ana, first.envelope_id.unwrap()),
        Some(first)
    );
    assert_eq!(
        book.with_wamid(first.wamid.as_deref().unwrap()),
        Some(first)
    );
}
