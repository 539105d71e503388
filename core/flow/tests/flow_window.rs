//! The customer service window and its pricing: free-form messages only
//! within 24 hours of the consumer's last message (else 200, then a `failed`
//! status with 131047), templates at any time, opening no window; statuses
//! priced as Meta prices them, and billing that agrees with them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod flow_common;

use cipherflow_flow::cloud_api::window::CUSTOMER_SERVICE_WINDOW_MS;
use cipherflow_flow::phone::PhoneNumber;
use cipherflow_flow::view::{View, ViewOptions};
use flow_common::*;
use serde_json::Value;

const BOB_WA: &str = "16505550102";

/// Every status object the business received for `wamid`, in order.
fn statuses_of(sim: &cipherflow_flow::Simulation, wamid: &str) -> Vec<Value> {
    webhook_bodies(sim)
        .iter()
        .flat_map(|b| {
            b["entry"][0]["changes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|c| {
            c["value"]["statuses"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|s| s["id"] == wamid)
        .collect()
}

fn wamid_of(r: &cipherflow_flow::http::HttpResponse) -> String {
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.body_json().unwrap()["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn free_form_needs_the_window_and_templates_work_throughout() {
    let (mut sim, shop) = world(31);
    let pnid = shop.phone_number_id.clone();
    // Before Bob ever wrote: accepted, then failed with 131047.
    let early = wamid_of(&sim.business_send_text(&pnid, BOB_WA, "Hello Bob!").unwrap());
    sim.settle();
    let s = statuses_of(&sim, &early);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0]["status"], "failed");
    let e = &s[0]["errors"][0];
    assert_eq!(e["code"], 131047);
    assert_eq!(e["title"], "Re-engagement message");
    assert_eq!(e["message"], "Re-engagement message");
    assert_eq!(
        e["error_data"]["details"],
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
    );
    assert!(
        s[0].get("pricing").is_none(),
        "a failed status has no pricing"
    );
    let bob = PhoneNumber::parse(BOB).unwrap();
    assert!(
        sim.consumers()[&bob]
            .chats()
            .get(&PhoneNumber::parse(SHOP).unwrap())
            .is_none(),
        "nothing reached Bob"
    );
    // A template works without a window, is billed, and opens none.
    let t = wamid_of(&send_hello_world(&mut sim, &shop, BOB_WA));
    sim.settle();
    let s = statuses_of(&sim, &t);
    assert_eq!(s[0]["status"], "sent");
    assert_eq!(s[0]["pricing"]["billable"], true);
    assert_eq!(s[0]["pricing"]["type"], "regular");
    assert_eq!(s[0]["pricing"]["category"], "utility");
    assert_eq!(s[0]["pricing"]["pricing_model"], "PMP");
    let still = wamid_of(
        &sim.business_send_text(&pnid, BOB_WA, "Still there?")
            .unwrap(),
    );
    sim.settle();
    assert_eq!(statuses_of(&sim, &still)[0]["errors"][0]["code"], 131047);
    // Bob writes: the window opens; a reply goes, free.
    sim.consumer_send_text(BOB, SHOP, "Hi, who is this?")
        .unwrap();
    sim.settle();
    let closes = sim
        .cloud_api()
        .window_closes_at(&pnid, &bob)
        .expect("the window is open");
    assert!(closes > sim.now_ms() && closes <= sim.now_ms() + CUSTOMER_SERVICE_WINDOW_MS);
    let reply = wamid_of(&sim.business_send_text(&pnid, BOB_WA, "Your shop!").unwrap());
    sim.settle();
    let s = statuses_of(&sim, &reply);
    assert_eq!(s[0]["status"], "sent");
    assert_eq!(s[0]["pricing"]["billable"], false);
    assert_eq!(s[0]["pricing"]["type"], "free_customer_service");
    assert_eq!(s[0]["pricing"]["category"], "service");
    assert_eq!(s[1]["status"], "delivered");
    assert!(
        s[1].get("pricing").is_some(),
        "pricing on the first of delivered and read"
    );
    // A utility template inside the window is free too.
    let t2 = wamid_of(&send_hello_world(&mut sim, &shop, BOB_WA));
    sim.settle();
    assert_eq!(
        statuses_of(&sim, &t2)[0]["pricing"]["type"],
        "free_customer_service"
    );
    // Both panes show the window with its countdown.
    let view = View::of(&sim, &ViewOptions::default());
    let cloud_window = &view.cloud_api.numbers[0].windows[0];
    assert!(cloud_window.open);
    assert_eq!(cloud_window.closes_at_ms, closes);
    let business_window = &view.businesses[0].windows[0];
    assert!(business_window.open);
    assert_eq!(business_window.consumer, BOB_WA);
    // The business knows the window from the webhook's timestamp (seconds).
    assert_eq!(business_window.closes_at_ms / 1000, closes / 1000);
    // 24 hours later: closed again; templates still go.
    sim.advance(CUSTOMER_SERVICE_WINDOW_MS);
    assert!(!sim.cloud_api().window_open(&pnid, &bob, sim.now_ms()));
    let late = wamid_of(
        &sim.business_send_text(&pnid, BOB_WA, "Anything else?")
            .unwrap(),
    );
    sim.settle();
    assert_eq!(statuses_of(&sim, &late)[0]["errors"][0]["code"], 131047);
    let t3 = wamid_of(&send_hello_world(&mut sim, &shop, BOB_WA));
    sim.settle();
    assert_eq!(statuses_of(&sim, &t3)[0]["pricing"]["billable"], true);
    let view = View::of(&sim, &ViewOptions::default());
    assert!(!view.businesses[0].windows[0].open);
    assert_eq!(view.businesses[0].windows[0].closes_in_ms, 0);
}

#[test]
fn billing_agrees_with_the_statuses() {
    let (mut sim, shop) = world(32);
    open_window(&mut sim, ALICE, SHOP);
    for i in 0..3 {
        sim.business_send_text(&shop.phone_number_id, "16505550101", &format!("free {i}"))
            .unwrap();
    }
    for who in ["16505550101", BOB_WA] {
        send_hello_world(&mut sim, &shop, who);
    }
    // Outside any window, refused: not billed.
    sim.business_send_text(&shop.phone_number_id, BOB_WA, "no window")
        .unwrap();
    sim.advance(120_000);
    let view = View::of(&sim, &ViewOptions::default());
    let b = &view.businesses[0];
    assert_eq!(b.billing_from_statuses.billable, 1, "the template to Bob");
    assert_eq!(
        b.billing_from_statuses.free, 4,
        "three replies and a template in the window"
    );
    assert_eq!(b.billing_by_meta, b.billing_from_statuses);
    let record = &sim.business_manager().businesses[&shop.phone_number_id];
    assert_eq!((record.billed_messages, record.free_messages), (1, 4));
}

#[test]
fn callback_data_is_echoed_on_sent_delivered_and_read() {
    let (mut sim, shop) = world(33);
    open_window(&mut sim, ALICE, SHOP);
    let auth = format!("Bearer {}", shop.access_token);
    let r = sim.cloud_api_request(&cipherflow_flow::http::HttpRequest::json(
        "POST",
        &format!("/v21.0/{}/messages", shop.phone_number_id),
        &[("Authorization", auth.as_str())],
        &serde_json::json!({
            "messaging_product": "whatsapp",
            "to": "16505550101",
            "type": "text",
            "biz_opaque_callback_data": "order-1042/campaign-7",
            "text": { "body": "Tracking: on its way" }
        }),
    ));
    let wamid = wamid_of(&r);
    sim.settle();
    sim.consumer_read(ALICE, SHOP).unwrap();
    sim.settle();
    let s = statuses_of(&sim, &wamid);
    let kinds: Vec<&str> = s.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["sent", "delivered", "read"]);
    for status in &s {
        assert_eq!(status["biz_opaque_callback_data"], "order-1042/campaign-7");
    }
    // Over 512 characters: Meta's error, and nothing sent.
    let long = "x".repeat(513);
    let r = sim.cloud_api_request(&cipherflow_flow::http::HttpRequest::json(
        "POST",
        &format!("/v21.0/{}/messages", shop.phone_number_id),
        &[("Authorization", auth.as_str())],
        &serde_json::json!({
            "messaging_product": "whatsapp", "to": "16505550101", "type": "text",
            "biz_opaque_callback_data": long, "text": { "body": "x" }
        }),
    ));
    assert_eq!(r.status, 400);
    assert_eq!(r.body_json().unwrap()["error"]["code"], 100);
}
