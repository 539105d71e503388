//! What a live server needs from the router: a webhook endpoint outside it
//! (requests handed out, answers brought back), a clock the caller moves, and a
//! 32-byte seed. A server replays its journal on restart, so the same seed and
//! the same inputs at the same times must give the same world, however the
//! clock was moved in between.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use cipherflow_flow::cloud_api::webhook::verify_signature;
use cipherflow_flow::http::HttpResponse;
use cipherflow_flow::trace::EventKind;
use cipherflow_flow::wire::HttpFailure;
use cipherflow_flow::{BusinessCredentials, ExternalRequest, SimConfig, Simulation};

const SEED: [u8; 32] = [7; 32];

fn world() -> (Simulation, String) {
    let mut sim = Simulation::with_seed(SimConfig::default(), SEED).unwrap();
    sim.add_consumer("+1 650 555 0101", "Ana").unwrap();
    let chosen = BusinessCredentials {
        access_token: Some("EAAG-test-token".to_owned()),
        app_secret: Some("0123456789abcdef".to_owned()),
        verify_token: None,
    };
    let shop = sim
        .add_business_with("+1 555 078 3881", "Shop", &chosen)
        .unwrap();
    assert_eq!(shop.access_token, "EAAG-test-token");
    assert_eq!(shop.app_secret, "0123456789abcdef");
    sim.settle();
    (sim, shop.phone_number_id)
}

fn challenge_of(req: &ExternalRequest) -> String {
    req.request.query("hub.challenge").unwrap()
}

/// Points the business's webhook at "/webhook" and answers the handshake.
fn connect_and_verify(sim: &mut Simulation, pnid: &str) {
    sim.connect_webhook(pnid, "/webhook", "t").unwrap();
    let handshake = sim.poll_external_request().unwrap();
    let challenge = challenge_of(&handshake);
    sim.external_answer(
        pnid,
        handshake.exchange,
        Ok(HttpResponse::text(200, &challenge)),
    );
}

#[test]
fn an_external_endpoint_is_verified_then_gets_signed_posts() {
    let (mut sim, pnid) = world();
    assert!(sim.poll_external_request().is_none());
    sim.connect_webhook(&pnid, "/hooks/wa?tenant=1", "my verify token")
        .unwrap();
    assert!(sim.webhook_is_external(&pnid));

    let handshake = sim.poll_external_request().unwrap();
    assert_eq!(handshake.request.method, "GET");
    assert!(
        handshake
            .request
            .path
            .starts_with("/hooks/wa?tenant=1&hub.mode=subscribe&"),
        "{}",
        handshake.request.path
    );
    assert_eq!(
        handshake.request.query("hub.verify_token").as_deref(),
        Some("my verify token")
    );
    let challenge = challenge_of(&handshake);
    sim.external_answer(
        &pnid,
        handshake.exchange,
        Ok(HttpResponse::text(200, &challenge)),
    );
    assert!(sim.cloud_api().number(&pnid).unwrap().webhook_verified);

    sim.consumer_send_text("+16505550101", "+15550783881", "Is my order shipped?")
        .unwrap();
    sim.settle();
    let post = sim.poll_external_request().unwrap();
    assert_eq!(post.request.method, "POST");
    assert!(verify_signature(
        "0123456789abcdef",
        &post.request.body,
        post.request.header("X-Hub-Signature-256")
    ));
    assert!(String::from_utf8_lossy(&post.request.body).contains("Is my order shipped?"));
    // The in-process business got nothing: the webhook went out.
    assert!(sim.businesses()[pnid.as_str()].inbox.is_empty());
    sim.external_answer(&pnid, post.exchange, Ok(HttpResponse::text(200, "")));
    assert_eq!(sim.delivery_stats().delivered_to_business, 1);
    assert!(sim.proof().holds);
}

#[test]
fn a_failed_external_post_is_retried_on_the_schedule() {
    let (mut sim, pnid) = world();
    connect_and_verify(&mut sim, &pnid);
    sim.consumer_send_text("+16505550101", "+15550783881", "hello")
        .unwrap();
    sim.settle();
    let first = sim.poll_external_request().unwrap();
    sim.external_answer(&pnid, first.exchange, Err(HttpFailure::Refused));
    assert!(sim.poll_external_request().is_none());
    let failed_at = sim.now_ms();
    // The first retry is 10 s later, with the same bytes.
    sim.advance_to(failed_at + 9_999);
    assert!(sim.poll_external_request().is_none());
    sim.advance_to(failed_at + 10_000);
    let second = sim.poll_external_request().unwrap();
    assert_eq!(second.request.body, first.request.body);
    assert_ne!(second.exchange, first.exchange);
    sim.external_answer(&pnid, second.exchange, Ok(HttpResponse::text(200, "ok")));
    let attempts: Vec<u32> = sim
        .trace()
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Webhook {
                attempt, messages, ..
            } if !messages.is_empty() => Some(*attempt),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, vec![2]);
    // An answer nobody waits for is a failure event, not a panic.
    sim.external_answer(&pnid, 9_999, Ok(HttpResponse::text(200, "")));
    assert!(matches!(
        sim.trace().events.last().map(|e| &e.kind),
        Some(EventKind::Failure { .. })
    ));
}

/// The inputs a server journals, applied at the times it applied them.
fn replay(split_clock: bool) -> String {
    let (mut sim, pnid) = world();
    let t0 = sim.now_ms();
    sim.advance_to(t0 + 1_000);
    connect_and_verify(&mut sim, &pnid);
    sim.advance_to(t0 + 2_000);
    sim.consumer_send_text("+16505550101", "+15550783881", "one")
        .unwrap();
    if split_clock {
        // A server wakes for every deadline on the way.
        for t in (2_001..90_000).step_by(777) {
            sim.advance_to(t0 + t);
        }
    }
    sim.advance_to(t0 + 90_000);
    while let Some(r) = sim.poll_external_request() {
        sim.external_answer(&pnid, r.exchange, Ok(HttpResponse::text(200, "")));
    }
    sim.advance_to(t0 + 100_000);
    sim.state_digest()
}

#[test]
fn moving_the_clock_in_steps_or_at_once_gives_the_same_world() {
    assert_eq!(replay(false), replay(true));
}

#[test]
fn a_32_byte_seed_decides_the_world() {
    let a = Simulation::with_seed(SimConfig::default(), [1; 32]).unwrap();
    let b = Simulation::with_seed(SimConfig::default(), [1; 32]).unwrap();
    let c = Simulation::with_seed(SimConfig::default(), [2; 32]).unwrap();
    assert_eq!(a.state_digest(), b.state_digest());
    assert_ne!(a.state_digest(), c.state_digest());
}
