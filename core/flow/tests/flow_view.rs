//! The view-model read from the simulation: each pane shows what its party
//! holds, linked to journeys, cut to size.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod flow_common;

use cipherflow_flow::breach::Column;
use cipherflow_flow::consumer::Ticks;
use cipherflow_flow::ledger::DataCategory;
use cipherflow_flow::ledger::matrix::{Difference, Disagreement};
use cipherflow_flow::view::{View, ViewOptions};
use flow_common::{ALICE, SHOP, world};

const SECRET: &str = "My order number is 4471-XQ";
const REPLY: &str = "Thanks, it ships tomorrow";

#[test]
fn each_pane_shows_what_its_party_holds_and_the_transport_no_plaintext() {
    let (mut sim, shop) = world(11);
    sim.consumer_send_text(ALICE, SHOP, SECRET).unwrap();
    sim.settle();
    sim.business_send_text(&shop.phone_number_id, "16505550101", REPLY)
        .unwrap();
    sim.settle();
    let panes = View::of(&sim, &ViewOptions::default());

    let alice = &panes.consumers[0];
    assert_eq!(alice.number, "+16505550101");
    let chat = &alice.chats[0];
    assert_eq!(chat.business, "+15550783881");
    assert_eq!(chat.messages.len(), 2);
    assert_eq!(chat.messages[0].text, SECRET);
    assert_eq!(chat.messages[0].ticks, Ticks::Delivered);
    assert_eq!(chat.messages[1].text, REPLY);
    assert_eq!(chat.safety_number.as_ref().unwrap().len(), 60 + 11);
    assert!(chat.session.as_ref().unwrap().ratchet.dh_ratchet_steps >= 1);

    let transport = serde_json::to_string(&panes.transport).unwrap();
    assert!(!panes.transport.log.is_empty());
    assert!(
        !transport.contains("4471"),
        "plaintext in the transport pane"
    );
    assert!(
        !transport.contains("ships"),
        "plaintext in the transport pane"
    );

    let cloud = &panes.cloud_api;
    assert_eq!(cloud.retention_days, 30);
    let texts: Vec<&str> = cloud.store.iter().map(|m| m.text.as_str()).collect();
    assert!(texts.contains(&SECRET) && texts.contains(&REPLY));
    assert!(cloud.store.iter().all(|m| m.expires_in_ms > 0));
    assert_eq!(cloud.numbers[0].sessions.len(), 1);

    let business = &panes.businesses[0];
    assert_eq!(business.inbox[0].body, SECRET);
    assert!(business.inbox[0].signature_verified);
    assert!(panes.proof.holds && panes.transport.badge.holds);
    // Nobody reported spam, so WhatsApp was given no integrity signal: the
    // only cell that differs from Meta's table is that one, not observed.
    assert_eq!(
        panes.visibility.disagreements,
        [Disagreement {
            data: DataCategory::IntegritySignals,
            column: Column::WhatsApp,
            difference: Difference::NotObserved,
        }]
    );
    // Every item is linked to its message's journey.
    let key = chat.messages[0].id.clone();
    assert!(
        sim.journeys().get(&key).is_some(),
        "a bubble's id is its journey's key"
    );
    assert_eq!(business.inbox[0].journey.as_deref(), Some(key.as_str()));
    assert!(cloud.store.iter().all(|m| m.journey.is_some()));
    assert!(
        panes
            .transport
            .log
            .iter()
            .filter(|r| r.kind == "signal")
            .all(|r| r.journey.is_some())
    );
}

#[test]
fn lists_keep_the_newest_entries_up_to_the_limit() {
    let (mut sim, _) = world(12);
    for i in 0..7 {
        sim.consumer_send_text(ALICE, SHOP, &format!("message number {i}"))
            .unwrap();
        sim.settle();
    }
    let panes = View::of(
        &sim,
        &ViewOptions {
            list_limit: 3,
            ..ViewOptions::default()
        },
    );
    let chat = &panes.consumers[0].chats[0];
    assert_eq!(chat.messages_total, 7);
    assert_eq!(chat.messages.len(), 3);
    assert_eq!(chat.messages[2].text, "message number 6");
    assert_eq!(panes.cloud_api.store_total, 7);
    assert_eq!(panes.cloud_api.store.len(), 3);
    assert_eq!(panes.businesses[0].inbox_total, 7);
    assert_eq!(panes.transport.log.len(), 3);
    assert!(panes.transport.log_total > 3);
}
