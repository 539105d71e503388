//! One scenario per party behaviour of the Cloud API flow.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod flow_common;

use cipherflow_flow::cloud_api::store::DAY_MS;
use cipherflow_flow::cloud_api::webhook;
use cipherflow_flow::consumer::Ticks;
use cipherflow_flow::http::HttpRequest;
use cipherflow_flow::phone::PhoneNumber;
use cipherflow_flow::trace::EventKind;
use cipherflow_flow::transport::integrity::IntegrityAction;
use cipherflow_flow::{SimConfig, SimError, Simulation};
use flow_common::*;

fn p(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).unwrap()
}

#[test]
fn consumer_message_reaches_the_business_inbox_signed_and_verified() {
    let (mut sim, shop) = world(1);
    sim.consumer_send_text(ALICE, SHOP, "Does it come in another color?")
        .unwrap();
    sim.settle();
    let business = &sim.businesses()[&shop.phone_number_id];
    assert!(business.webhook_verified, "the handshake ran at onboarding");
    assert_eq!(business.inbox.len(), 1);
    let m = &business.inbox[0];
    assert_eq!(m.body, "Does it come in another color?");
    assert_eq!(m.from, "16505550101");
    assert_eq!(m.profile_name, "Alice Example");
    assert!(m.wamid.starts_with("wamid."));
    assert!(m.signature_verified);
    // The consumer's bubble got two ticks: the Cloud API's device acknowledged.
    let chat = &sim.consumers()[&p(ALICE)].chats()[&p(SHOP)];
    assert_eq!(chat.get(0).unwrap().ticks, Ticks::Delivered);
    assert_eq!(sim.consumers()[&p(ALICE)].unacknowledged(), 0);
    // The Cloud API holds it (for retransmission), with Alice's number.
    assert_eq!(sim.cloud_api().store().len(), 1);
    let number = sim.cloud_api().number(&shop.phone_number_id).unwrap();
    assert_eq!(number.consumer_numbers(), vec![p(ALICE)]);
    // The webhook's signature is HMAC-SHA256 of the raw body under the app secret.
    let signed = sim.trace().events.iter().find_map(|e| match &e.kind {
        EventKind::Webhook {
            request, response, ..
        } if request.method == "POST" => Some((request.clone(), response.clone())),
        _ => None,
    });
    let (request, response) = signed.unwrap();
    assert_eq!(
        request.header("X-Hub-Signature-256").unwrap(),
        webhook::signature(&shop.app_secret, &request.body)
    );
    assert_eq!(response.status, 200);
    assert!(sim.proof().holds);
}

#[test]
fn business_reply_reaches_the_consumer_and_statuses_follow_the_ticks() {
    let (mut sim, shop) = world(2);
    sim.consumer_send_text(ALICE, SHOP, "Hi, is my order shipped?")
        .unwrap();
    sim.settle();
    let inbound = sim.businesses()[&shop.phone_number_id].inbox[0]
        .wamid
        .clone();
    let r = sim
        .business_send_text(
            &shop.phone_number_id,
            "+16505550101",
            "Yes, it left this morning.",
        )
        .unwrap();
    assert_eq!(r.status, 200);
    let body = r.body_json().unwrap();
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["contacts"][0]["input"], "+16505550101");
    assert_eq!(body["contacts"][0]["wa_id"], "16505550101");
    let wamid = body["messages"][0]["id"].as_str().unwrap().to_owned();
    sim.settle();
    let alice = &sim.consumers()[&p(ALICE)];
    let chat = &alice.chats()[&p(SHOP)];
    assert_eq!(chat.last().unwrap().text, "Yes, it left this morning.");
    assert!(!chat.last().unwrap().read);
    assert_eq!(
        statuses(&sim)
            .into_iter()
            .filter(|(id, _)| *id == wamid)
            .map(|(_, s)| s)
            .collect::<Vec<_>>(),
        ["sent", "delivered"]
    );
    // Alice opens the chat: read receipt, `read` status.
    assert_eq!(sim.consumer_read(ALICE, SHOP).unwrap(), 1);
    sim.settle();
    assert_eq!(
        statuses(&sim).last().unwrap(),
        &(wamid.clone(), "read".to_owned())
    );
    assert_eq!(
        sim.businesses()[&shop.phone_number_id].outbound[0].status,
        "read"
    );
    // The business marks Alice's message read: her bubble turns blue.
    let r = sim
        .business_mark_read(&shop.phone_number_id, &inbound)
        .unwrap();
    assert_eq!(r.body_json().unwrap(), serde_json::json!({"success": true}));
    sim.settle();
    assert_eq!(
        sim.consumers()[&p(ALICE)].chats()[&p(SHOP)]
            .get(0)
            .unwrap()
            .ticks,
        Ticks::Read
    );
    // A reaction.
    let r = sim
        .business_react(&shop.phone_number_id, ALICE, &inbound, "👍")
        .unwrap();
    assert_eq!(r.status, 200);
    sim.settle();
    assert_eq!(
        sim.consumers()[&p(ALICE)].chats()[&p(SHOP)]
            .get(0)
            .unwrap()
            .reaction,
        Some("👍")
    );
}

#[test]
fn offline_consumer_is_served_from_the_queue_with_retransmission() {
    let (mut sim, shop) = world(3);
    open_window(&mut sim, BOB, SHOP);
    sim.set_consumer_online(BOB, false).unwrap();
    sim.business_send_text(&shop.phone_number_id, BOB, "Your table is ready")
        .unwrap();
    sim.advance(3_600_000);
    // The Cloud API retransmitted; the transport holds one copy.
    let retransmissions = sim
        .trace()
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Retransmitted { .. }))
        .count();
    assert!(retransmissions >= 5, "{retransmissions}");
    assert_eq!(sim.transport().queues().get(&p(BOB)).len(), 1);
    assert_eq!(
        statuses(&sim)
            .iter()
            .map(|(_, s)| s.as_str())
            .collect::<Vec<_>>(),
        ["sent"]
    );
    sim.set_consumer_online(BOB, true).unwrap();
    sim.settle();
    // Bob's own question, and the reply exactly once.
    assert_eq!(
        sim.consumers()[&p(BOB)].chats()[&p(SHOP)].len(),
        2,
        "exactly once"
    );
    assert_eq!(statuses(&sim).last().unwrap().1, "delivered");
    assert_eq!(sim.delivery_stats().delivered_to_consumer, 1);
}

#[test]
fn offline_sender_retransmits_when_back_online() {
    let (mut sim, shop) = world(4);
    sim.set_consumer_online(ALICE, false).unwrap();
    sim.consumer_send_text(ALICE, SHOP, "Written on the plane")
        .unwrap();
    sim.advance(600_000);
    assert!(sim.businesses()[&shop.phone_number_id].inbox.is_empty());
    assert_eq!(
        sim.consumers()[&p(ALICE)].chats()[&p(SHOP)]
            .get(0)
            .unwrap()
            .ticks,
        Ticks::Pending
    );
    sim.set_consumer_online(ALICE, true).unwrap();
    sim.settle();
    assert_eq!(sim.businesses()[&shop.phone_number_id].inbox.len(), 1);
    assert_eq!(
        sim.consumers()[&p(ALICE)].chats()[&p(SHOP)]
            .get(0)
            .unwrap()
            .ticks,
        Ticks::Delivered
    );
}

#[test]
fn thirty_day_purge_empties_the_store_forgets_numbers_and_fails_undelivered() {
    let (mut sim, shop) = world(5);
    sim.consumer_send_text(ALICE, SHOP, "Please call me back tomorrow")
        .unwrap();
    sim.settle();
    sim.set_consumer_online(BOB, false).unwrap();
    // Bob never wrote: the shop reaches him with a template.
    let r = send_hello_world(&mut sim, &shop, BOB);
    let wamid = r.body_json().unwrap()["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(sim.cloud_api().store().len(), 2);
    sim.advance(29 * DAY_MS);
    assert_eq!(sim.cloud_api().store().len(), 2, "kept within retention");
    sim.advance(DAY_MS + 1);
    assert!(sim.cloud_api().store().is_empty());
    let number = sim.cloud_api().number(&shop.phone_number_id).unwrap();
    assert!(number.consumer_numbers().is_empty());
    assert!(
        number.session(&p(ALICE)).is_none(),
        "the session went with the number"
    );
    let failed = webhook_bodies(&sim)
        .into_iter()
        .find(|b| b["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == "failed")
        .unwrap();
    let status = &failed["entry"][0]["changes"][0]["value"]["statuses"][0];
    assert_eq!(status["id"], wamid.as_str());
    assert_eq!(status["errors"][0]["code"], 131026);
    // Each message is purged when its own retention ends: the two purges
    // together removed both messages and forgot both numbers.
    let (mut purged, mut forgotten, mut undelivered) = (Vec::new(), 0, Vec::new());
    for e in &sim.trace().events {
        if let EventKind::RetentionPurged {
            wamids,
            numbers_forgotten,
            undelivered: u,
        } = &e.kind
        {
            purged.extend(wamids.clone());
            forgotten += numbers_forgotten;
            undelivered.extend(u.clone());
        }
    }
    assert_eq!((purged.len(), forgotten), (2, 2));
    assert_eq!(undelivered, vec![wamid.clone()]);
    // Bob comes back: the purged message is never delivered, retransmission stopped.
    sim.set_consumer_online(BOB, true).unwrap();
    sim.settle();
    assert!(
        sim.consumers()[&p(BOB)]
            .chats()
            .get(&p(SHOP))
            .is_none_or(|c| c.is_empty())
    );
    // Alice writes again: the Cloud API forgot her session, asks for a retry, and
    // the message still arrives exactly once.
    sim.consumer_send_text(ALICE, SHOP, "Hello again after a month")
        .unwrap();
    sim.settle();
    let inbox = &sim.businesses()[&shop.phone_number_id].inbox;
    assert_eq!(inbox.last().unwrap().body, "Hello again after a month");
    assert_eq!(inbox.len(), 2);
    assert_eq!(sim.delivery_stats().duplicate_business_deliveries, 0);
}

#[test]
fn retention_is_configurable_lower_never_higher() {
    let config = |d| SimConfig {
        retention_days: d,
        ..SimConfig::default()
    };
    assert!(matches!(
        Simulation::new(config(31)),
        Err(SimError::Retention(_))
    ));
    assert!(matches!(
        Simulation::new(config(0)),
        Err(SimError::Retention(_))
    ));
    let (mut sim, _) = world_with(config(7));
    sim.consumer_send_text(ALICE, SHOP, "Seven days only, please")
        .unwrap();
    sim.settle();
    sim.advance(7 * DAY_MS);
    assert!(sim.cloud_api().store().is_empty());
}

#[test]
fn spam_blast_is_flagged_then_blocked_and_sends_fail() {
    let mut sim = Simulation::new(SimConfig::default()).unwrap();
    let shop = sim.add_business(SHOP, "Blaster").unwrap();
    let users: Vec<String> = (0..10).map(|i| format!("+1 650 555 02{i:02}")).collect();
    for u in &users {
        sim.add_consumer(u, "User").unwrap();
    }
    // A marketing blast: templates, since none of them wrote first.
    for u in &users {
        assert_eq!(send_hello_world(&mut sim, &shop, u).status, 200);
    }
    sim.settle();
    let signals = &sim.transport().integrity().signals()[&p(SHOP)];
    assert_eq!(signals.action, IntegrityAction::Flagged);
    assert!(signals.reason.as_deref().unwrap().contains("users"));
    for u in &users[..3] {
        sim.consumer_report_spam(u, SHOP).unwrap();
    }
    assert_eq!(
        sim.transport().integrity().action(&p(SHOP)),
        IntegrityAction::Blocked
    );
    send_hello_world(&mut sim, &shop, &users[0]);
    let last = webhook_bodies(&sim).pop().unwrap();
    let status = &last["entry"][0]["changes"][0]["value"]["statuses"][0];
    assert_eq!(status["status"], "failed");
    assert_eq!(status["errors"][0]["code"], 368);
    // Integrity saw counts and reports only: the proof still holds.
    assert!(sim.proof().holds);
}

#[test]
fn tampered_envelopes_are_rejected_and_retransmission_delivers_anyway() {
    let (mut sim, shop) = world(6);
    sim.set_faults(cipherflow_flow::faults::FaultConfig {
        tamper: 0.5,
        ..Default::default()
    })
    .unwrap();
    open_window(&mut sim, ALICE, SHOP);
    for i in 0..6 {
        sim.consumer_send_text(ALICE, SHOP, &format!("message number {i} with some text"))
            .unwrap();
        sim.business_send_text(
            &shop.phone_number_id,
            ALICE,
            &format!("reply number {i} from the shop"),
        )
        .unwrap();
    }
    sim.settle();
    let proof = sim.proof();
    assert!(proof.tampered_envelopes > 0);
    assert_eq!(proof.tampered_rejected, proof.tampered_envelopes);
    assert!(proof.holds);
    let stats = sim.delivery_stats();
    assert_eq!(stats.delivered_to_business, 6);
    assert_eq!(stats.delivered_to_consumer, 6);
    assert!(
        sim.trace()
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Rejected { tampered: true, .. }))
    );
}

#[test]
fn key_change_shows_a_new_safety_number() {
    let (mut sim, shop) = world(7);
    sim.consumer_send_text(ALICE, SHOP, "first, before the change")
        .unwrap();
    sim.settle();
    let alice = &sim.consumers()[&p(ALICE)];
    let before = alice.safety_number(&p(SHOP)).unwrap();
    assert_eq!(before.digits().len(), 60);
    assert!(alice.previous_safety_number(&p(SHOP)).is_none());
    sim.rotate_business_identity(&shop.phone_number_id).unwrap();
    sim.consumer_send_text(ALICE, SHOP, "second, after the change")
        .unwrap();
    sim.settle();
    let alice = &sim.consumers()[&p(ALICE)];
    let after = alice.safety_number(&p(SHOP)).unwrap();
    assert_ne!(after, before);
    assert_eq!(alice.previous_safety_number(&p(SHOP)), Some(before));
    assert!(sim.trace().events.iter().any(|e| matches!(
        e.kind,
        EventKind::SessionCreated {
            identity_changed: true,
            ..
        }
    )));
    assert_eq!(sim.businesses()[&shop.phone_number_id].inbox.len(), 2);
}

#[test]
fn business_refuses_bad_signatures_and_bad_handshakes() {
    let (mut sim, shop) = world(8);
    let pnid = shop.phone_number_id.clone();
    let payload = br#"{"object":"whatsapp_business_account","entry":[]}"#.to_vec();
    let mut request = HttpRequest {
        method: "POST".into(),
        path: "/webhook".into(),
        headers: vec![(
            "X-Hub-Signature-256".into(),
            webhook::signature("wrong secret", &payload),
        )],
        body: payload.clone(),
    };
    assert_eq!(sim.business_webhook(&pnid, &request).unwrap().status, 401);
    request.headers.clear();
    assert_eq!(sim.business_webhook(&pnid, &request).unwrap().status, 401);
    request.headers = vec![(
        "x-hub-signature-256".into(),
        webhook::signature(&shop.app_secret, &payload),
    )];
    assert_eq!(sim.business_webhook(&pnid, &request).unwrap().status, 200);
    assert_eq!(sim.businesses()[&pnid].rejected_webhooks, 2);
    let bad = HttpRequest {
        method: "GET".into(),
        path: "/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42".into(),
        headers: vec![],
        body: vec![],
    };
    assert_eq!(sim.business_webhook(&pnid, &bad).unwrap().status, 403);
    let good = HttpRequest {
        path: format!(
            "/webhook?hub.mode=subscribe&hub.verify_token={}&hub.challenge=42",
            shop.verify_token
        ),
        ..bad
    };
    let r = sim.business_webhook(&pnid, &good).unwrap();
    assert_eq!((r.status, r.body), (200, b"42".to_vec()));
}

#[test]
fn visibility_matrix_is_computed_and_matches_metas_table() {
    let (mut sim, shop) = world(9);
    sim.consumer_send_text(ALICE, SHOP, "Where is my parcel today?")
        .unwrap();
    sim.settle();
    sim.business_send_text(&shop.phone_number_id, ALICE, "Out for delivery since 9am")
        .unwrap();
    sim.settle();
    sim.consumer_report_spam(BOB, SHOP).unwrap();
    let m = sim.visibility();
    assert!(m.all_agree, "{:#?}", m.computed);
    // And it is computed: a world where nothing happened disagrees.
    let (quiet, _) = world(10);
    assert!(!quiet.visibility().all_agree);
}

#[test]
fn the_same_seed_gives_a_byte_identical_trace() {
    let run = |seed| {
        let (mut sim, shop) = world(seed);
        sim.set_faults(cipherflow_flow::faults::FaultConfig::all(0.1))
            .unwrap();
        sim.consumer_send_text(ALICE, SHOP, "determinism check message")
            .unwrap();
        sim.business_send_text(&shop.phone_number_id, BOB, "hello bob from the shop")
            .unwrap();
        sim.settle();
        serde_json::to_string(sim.trace()).unwrap()
    };
    assert_eq!(run(11), run(11));
    assert_ne!(run(11), run(12));
}
