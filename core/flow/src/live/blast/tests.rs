//! The blast through the real parties: the Graph API takes every text, the
//! integrity monitor throttles the business past its threshold, and the
//! consumers receive only what the transport let through.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::live::{Applied, Input, apply};
use crate::phone::PhoneNumber;
use crate::router::SimConfig;
use crate::transport::integrity::{IntegrityAction, IntegrityPolicy};

const SHOP: &str = "+1 415 555 0199";
const PEOPLE: [&str; 3] = ["+1 650 555 0101", "+1 650 555 0102", "+1 650 555 0103"];

/// A world whose monitor throttles past 10 sends per minute, three people
/// who wrote to the shop, and a fourth who did not.
fn room() -> (Simulation, String) {
    let config = SimConfig {
        integrity: IntegrityPolicy {
            window_ms: 60_000,
            flag_messages: 5,
            throttle_messages: 10,
            ..IntegrityPolicy::default()
        },
        ..SimConfig::default()
    };
    let mut sim = Simulation::with_seed(config, [3; 32]).expect("config");
    let pnid = sim
        .add_business(SHOP, "Acme")
        .expect("business")
        .phone_number_id;
    for (i, n) in PEOPLE.iter().enumerate() {
        sim.add_consumer(n, &format!("person {i}"))
            .expect("consumer");
        sim.consumer_send_text(n, SHOP, "hello").expect("send");
    }
    sim.add_consumer("+1 650 555 0199", "silent")
        .expect("consumer");
    sim.settle();
    (sim, pnid)
}

fn received(sim: &Simulation, number: &str) -> usize {
    let n = PhoneNumber::parse(number).expect("number");
    let shop = PhoneNumber::parse(SHOP).expect("number");
    sim.consumers()[&n]
        .chats()
        .get(&shop)
        .map_or(0, |chat| chat.iter().filter(|b| !b.outgoing).count())
}

#[test]
fn a_blast_is_throttled_by_the_transport_not_by_the_graph_api() {
    let (mut sim, pnid) = room();
    let report = blast(&mut sim, &pnid, "50% off, today only", 30).expect("blast");
    assert_eq!(report["recipients"], 3);
    assert_eq!(report["accepted"], 30, "{report}");
    assert_eq!(report["refused"], 0);
    sim.settle();
    let shop = PhoneNumber::parse(SHOP).expect("number");
    let signals = &sim.transport().integrity().signals()[&shop];
    assert_eq!(signals.action, IntegrityAction::Throttled, "{signals:?}");
    // The monitor let 10 through, round-robin: 4, 3 and 3.
    let got: Vec<usize> = PEOPLE.iter().map(|n| received(&sim, n)).collect();
    assert_eq!(got.iter().sum::<usize>(), 10, "{got:?}");
    assert_eq!(received(&sim, "+1 650 555 0199"), 0, "outside any window");
    // A reply after the blast is refused too: the business stays throttled.
    let before: usize = PEOPLE.iter().map(|n| received(&sim, n)).sum();
    apply(
        &mut sim,
        0,
        &Input::BusinessText {
            phone_number_id: pnid.clone(),
            to: "16505550101".to_owned(),
            text: "sorry".to_owned(),
        },
    )
    .expect("the Graph API takes it");
    sim.settle();
    assert_eq!(
        PEOPLE.iter().map(|n| received(&sim, n)).sum::<usize>(),
        before
    );
}

#[test]
fn a_reply_typed_on_the_projector_is_a_graph_api_send() {
    let (mut sim, pnid) = room();
    let Applied::Http(answer) = apply(
        &mut sim,
        0,
        &Input::BusinessText {
            phone_number_id: pnid,
            to: "16505550102".to_owned(),
            text: "Your order ships today".to_owned(),
        },
    )
    .expect("sent") else {
        panic!("not an HTTP answer");
    };
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    sim.settle();
    assert_eq!(received(&sim, PEOPLE[1]), 1);
}

#[test]
fn blasts_that_cannot_be_sent_are_refused_and_change_nothing() {
    let (mut sim, pnid) = room();
    let digest = sim.state_digest();
    for count in [0, MAX_BLAST + 1] {
        assert!(matches!(
            blast(&mut sim, &pnid, "x", count),
            Err(InputError::BadBlast(_))
        ));
    }
    assert!(matches!(
        blast(&mut sim, "no-such-id", "x", 1),
        Err(InputError::Refused(_))
    ));
    assert_eq!(sim.state_digest(), digest);
    // A day later every window is closed.
    sim.advance(crate::cloud_api::window::CUSTOMER_SERVICE_WINDOW_MS + 1);
    let err = blast(&mut sim, &pnid, "x", 1).expect_err("no window");
    assert!(err.to_string().contains("within 24 hours"), "{err}");
}
