//! Webhook, request and response payloads checked field by field against Meta's
//! documented examples (tests/fixtures/meta, sources in its README), and bad
//! Graph API requests answered with Meta-style errors that change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod flow_common;

use cipherflow_flow::cloud_api::store::DAY_MS;
use cipherflow_flow::http::HttpRequest;
use cipherflow_flow::trace::EventKind;
use flow_common::*;
use serde_json::{Value, json};

fn assert_shape(meta: &Value, ours: &Value, optional: &[&str]) {
    let mut diffs = Vec::new();
    shape_diff(meta, ours, optional, "", &mut diffs);
    assert!(diffs.is_empty(), "{diffs:#?}\nours: {ours:#}");
}

fn graph_requests(sim: &cipherflow_flow::Simulation) -> Vec<(Value, Value)> {
    sim.trace()
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::GraphApi {
                request, response, ..
            } => Some((
                serde_json::from_slice(&request.body).unwrap(),
                response.body_json().unwrap(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn webhooks_have_metas_exact_fields() {
    let (mut sim, shop) = world(30);
    sim.consumer_send_text(ALICE, SHOP, "Does it come in another color?")
        .unwrap();
    sim.settle();
    sim.business_send_text(&shop.phone_number_id, ALICE, "Yes: red and blue.")
        .unwrap();
    sim.settle();
    sim.consumer_read(ALICE, SHOP).unwrap();
    sim.settle();
    sim.set_consumer_online(BOB, false).unwrap();
    sim.business_send_text(&shop.phone_number_id, BOB, "Never delivered")
        .unwrap();
    sim.advance(31 * DAY_MS);
    let bodies = webhook_bodies(&sim);
    let by_kind = |pred: &dyn Fn(&Value) -> bool| bodies.iter().find(|b| pred(b)).cloned().unwrap();
    let value = |b: &Value| b["entry"][0]["changes"][0]["value"].clone();
    let inbound = by_kind(&|b| value(b)["messages"].is_array());
    assert_shape(&fixture!("webhook_inbound_text.json"), &inbound, &[]);
    assert_eq!(
        value(&inbound)["messages"][0]["text"]["body"],
        "Does it come in another color?"
    );
    assert_eq!(value(&inbound)["contacts"][0]["wa_id"], "16505550101");
    assert_eq!(
        value(&inbound)["metadata"]["display_phone_number"],
        "15550783881"
    );
    assert_eq!(inbound["entry"][0]["id"], shop.waba_id.as_str());
    // Meta marks conversation, pricing (and biz_opaque_callback_data) optional.
    let optional = ["conversation", "pricing", "biz_opaque_callback_data"];
    for (status, file) in [
        ("sent", fixture!("webhook_status_sent.json")),
        ("delivered", fixture!("webhook_status_delivered.json")),
        ("read", fixture!("webhook_status_read.json")),
        ("failed", fixture!("webhook_status_failed.json")),
    ] {
        let ours = by_kind(&|b| value(b)["statuses"][0]["status"] == status);
        assert_shape(&file, &ours, &optional);
    }
}

#[test]
fn graph_requests_and_responses_have_metas_exact_fields() {
    let (mut sim, shop) = world(31);
    sim.consumer_send_text(ALICE, SHOP, "Hello shop, a question")
        .unwrap();
    sim.settle();
    let inbound = sim.businesses()[&shop.phone_number_id].inbox[0]
        .wamid
        .clone();
    sim.business_send_text(&shop.phone_number_id, "+16505550101", "Hello Alice")
        .unwrap();
    sim.business_react(&shop.phone_number_id, "+16505550101", &inbound, "😀")
        .unwrap();
    sim.business_mark_read(&shop.phone_number_id, &inbound)
        .unwrap();
    let calls = graph_requests(&sim);
    assert_shape(&fixture!("send_text_request.json"), &calls[0].0, &[]);
    assert_shape(
        &fixture!("send_response.json"),
        &calls[0].1,
        &["message_status"],
    );
    assert_shape(&fixture!("send_reaction_request.json"), &calls[1].0, &[]);
    assert_shape(
        &fixture!("send_response.json"),
        &calls[1].1,
        &["message_status"],
    );
    assert_shape(&fixture!("mark_as_read_request.json"), &calls[2].0, &[]);
    assert_eq!(calls[2].1, fixture!("mark_as_read_response.json"));
}

fn request(
    _shop: &cipherflow_flow::BusinessHandle,
    token: &str,
    pnid: &str,
    body: &[u8],
) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: format!("/v21.0/{pnid}/messages"),
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: body.to_vec(),
    }
}

#[test]
fn bad_requests_get_meta_style_errors_and_change_nothing() {
    let (mut sim, shop) = world(32);
    sim.consumer_send_text(ALICE, SHOP, "something to have state")
        .unwrap();
    sim.settle();
    let t = shop.access_token.clone();
    let id = shop.phone_number_id.clone();
    let ok = json!({"messaging_product":"whatsapp","to":"16505550101","type":"text","text":{"body":"hi"}});
    let long = "x".repeat(4097);
    let cases: Vec<(&str, HttpRequest, u16, u64, Option<u64>)> = vec![
        (
            "missing text.body",
            request(
                &shop,
                &t,
                &id,
                br#"{"messaging_product":"whatsapp","to":"16505550101","type":"text","text":{}}"#,
            ),
            400,
            131008,
            None,
        ),
        (
            "missing to",
            request(
                &shop,
                &t,
                &id,
                br#"{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}"#,
            ),
            400,
            131008,
            None,
        ),
        (
            "missing messaging_product",
            request(
                &shop,
                &t,
                &id,
                br#"{"to":"16505550101","text":{"body":"x"}}"#,
            ),
            400,
            131008,
            None,
        ),
        (
            "wrong token",
            request(&shop, "EAAGnotthetoken", &id, ok.to_string().as_bytes()),
            401,
            190,
            None,
        ),
        (
            "no token",
            HttpRequest {
                headers: vec![],
                ..request(&shop, &t, &id, ok.to_string().as_bytes())
            },
            401,
            190,
            None,
        ),
        (
            "body over 4096 characters",
            request(
                &shop,
                &t,
                &id,
                json!({"messaging_product":"whatsapp","to":"16505550101","text":{"body":long}})
                    .to_string()
                    .as_bytes(),
            ),
            400,
            100,
            None,
        ),
        (
            "unknown phone-number-id",
            request(&shop, &t, "999999999999999", ok.to_string().as_bytes()),
            400,
            100,
            Some(33),
        ),
        (
            "malformed JSON",
            request(&shop, &t, &id, b"{\"messaging_product\": \"whatsapp\", "),
            400,
            100,
            None,
        ),
        (
            "wrong messaging_product",
            request(
                &shop,
                &t,
                &id,
                br#"{"messaging_product":"sms","to":"16505550101","text":{"body":"x"}}"#,
            ),
            400,
            100,
            None,
        ),
        (
            "mark read of an unknown message",
            request(
                &shop,
                &t,
                &id,
                br#"{"messaging_product":"whatsapp","status":"read","message_id":"wamid.nope"}"#,
            ),
            400,
            131009,
            None,
        ),
    ];
    for (what, req, status, code, subcode) in cases {
        let before = sim.state_digest();
        let r = sim.cloud_api_request(&req);
        assert_eq!(r.status, status, "{what}");
        let body = r.body_json().unwrap();
        let e = &body["error"];
        assert_eq!(e["code"], code, "{what}: {body}");
        assert_eq!(e["error_subcode"].as_u64(), subcode, "{what}");
        assert!(e["message"].is_string() && e["type"].is_string(), "{what}");
        assert_eq!(e["fbtrace_id"].as_str().unwrap().len(), 23, "{what}");
        assert_eq!(e["error_data"]["messaging_product"], "whatsapp", "{what}");
        assert!(e["error_data"]["details"].is_string(), "{what}");
        assert_shape(
            &fixture!("error_response_invalid_parameter_100.json"),
            &body,
            &["error_subcode"],
        );
        assert_eq!(sim.state_digest(), before, "{what} changed the state");
    }
    // And a good request does change it.
    let before = sim.state_digest();
    assert_eq!(
        sim.cloud_api_request(&request(&shop, &t, &id, ok.to_string().as_bytes()))
            .status,
        200
    );
    assert_ne!(sim.state_digest(), before);
}
