//! Webhooks as Meta sends them: escaped bytes under the signature, batches,
//! at-least-once delivery with Meta's retries, and a business that keeps each
//! message once and each status at its furthest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod flow_common;

use std::collections::HashSet;

use cipherflow_flow::cloud_api::store::DAY_MS;
use cipherflow_flow::cloud_api::webhook::{self, delivery};
use cipherflow_flow::faults::{FaultConfig, WebhookFault, WebhookFaultConfig};
use cipherflow_flow::trace::EventKind;
use cipherflow_flow::{SimConfig, Simulation};
use flow_common::*;

/// Every webhook POST request the Cloud API attempted, answered or not.
fn posts(sim: &Simulation) -> Vec<cipherflow_flow::http::HttpRequest> {
    sim.trace()
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Webhook { request, .. } | EventKind::WebhookFailed { request, .. }
                if request.method == "POST" =>
            {
                Some(request.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn bodies_are_ascii_escaped_and_signed_over_those_bytes() {
    let mut sim = Simulation::new(SimConfig::default()).unwrap();
    sim.add_consumer(ALICE, "José Ñúñez 東京 😀").unwrap();
    let shop = sim.add_business(SHOP, "Example Shop").unwrap();
    let text = "Is 1/2 price on? café 東京 😀 \"quoted\"";
    sim.consumer_send_text(ALICE, SHOP, text).unwrap();
    sim.settle();
    let request = posts(&sim).pop().unwrap();
    let body = std::str::from_utf8(&request.body).unwrap();
    assert!(request.body.is_ascii(), "{body}");
    assert!(
        body.contains(r#""name":"Jos\u00e9 \u00d1\u00fa\u00f1ez \u6771\u4eac \ud83d\ude00""#),
        "{body}"
    );
    assert!(
        body.contains(
            r#""body":"Is 1\/2 price on? caf\u00e9 \u6771\u4eac \ud83d\ude00 \"quoted\"""#
        ),
        "{body}"
    );
    // Key order as in Meta's examples.
    assert!(body.starts_with(r#"{"object":"whatsapp_business_account","entry":[{"id":""#));
    assert!(body.find(r#""value""#).unwrap() < body.find(r#""field""#).unwrap());
    assert_eq!(
        request.header("X-Hub-Signature-256").unwrap(),
        webhook::signature(&shop.app_secret, &request.body)
    );
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    assert_eq!(
        request.header("Content-Length").unwrap(),
        request.body.len().to_string()
    );
    // The business verified the escaped bytes and read the original text.
    let inbox = &sim.businesses()[&shop.phone_number_id].inbox;
    assert_eq!(inbox[0].body, text);
    assert_eq!(inbox[0].profile_name, "José Ñúñez 東京 😀");
    assert_eq!(sim.businesses()[&shop.phone_number_id].rejected_webhooks, 0);
}

#[test]
fn a_batch_carries_several_messages_and_statuses_and_all_are_read() {
    let (mut sim, shop) = world_with(SimConfig {
        webhooks: delivery::WebhookPolicy {
            batch_max: 50,
            batch_window_ms: 5_000,
        },
        ..SimConfig::default()
    });
    for (i, who) in [ALICE, BOB].iter().enumerate() {
        for n in 0..3 {
            sim.consumer_send_text(who, SHOP, &format!("question {n} from consumer {i}"))
                .unwrap();
        }
    }
    sim.settle();
    let bodies = webhook_bodies(&sim);
    let messages_per_post: Vec<usize> = bodies
        .iter()
        .map(|b| {
            b["entry"][0]["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["value"]["messages"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .collect();
    assert_eq!(messages_per_post, vec![6], "one POST with all six messages");
    let business = &sim.businesses()[&shop.phone_number_id];
    assert_eq!(business.inbox.len(), 6, "every item of the batch was read");
    assert_eq!(
        bodies[0]["entry"][0]["changes"][0]["value"]["contacts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Replies: their statuses come batched too, in a change of their own.
    for who in ["16505550101", "16505550102"] {
        sim.business_send_text(&shop.phone_number_id, who, "Thanks, we're on it")
            .unwrap();
    }
    sim.settle();
    let last = webhook_bodies(&sim).pop().unwrap();
    let statuses = last["entry"][0]["changes"][0]["value"]["statuses"]
        .as_array()
        .unwrap();
    assert!(statuses.len() >= 2, "{last}");
    let business = &sim.businesses()[&shop.phone_number_id];
    assert_eq!(business.outbound.len(), 2);
    assert!(business.outbound.iter().all(|o| o.status == "delivered"));
}

#[test]
fn an_endpoint_down_for_an_hour_gets_everything_once_when_back() {
    let (mut sim, shop) = world(11);
    sim.set_webhook_endpoint(&shop.phone_number_id, false)
        .unwrap();
    sim.consumer_send_text(ALICE, SHOP, "Anyone there?")
        .unwrap();
    sim.advance(3_600_000);
    let failed: Vec<(u32, Option<u64>, String)> = sim
        .trace()
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::WebhookFailed {
                attempt,
                retry_at_ms,
                error,
                ..
            } => Some((*attempt, *retry_at_ms, error.clone())),
            _ => None,
        })
        .collect();
    // Attempts at 0 s, 10 s, 40 s, 1 min 40, 3 min 40, 8 min 40, 18 min 40
    // and 48 min 40: decreasing frequency.
    assert_eq!(failed.len(), 8, "{failed:?}");
    assert!(
        failed
            .iter()
            .all(|(_, at, e)| at.is_some() && e == "connection refused")
    );
    let gaps: Vec<u64> = failed
        .windows(2)
        .map(|w| w[1].1.unwrap() - w[0].1.unwrap())
        .collect();
    assert!(gaps.windows(2).all(|g| g[0] < g[1]), "{gaps:?}");
    assert!(sim.businesses()[&shop.phone_number_id].inbox.is_empty());
    assert_eq!(sim.cloud_api().webhooks_retrying(), 1);
    sim.set_webhook_endpoint(&shop.phone_number_id, true)
        .unwrap();
    sim.advance(2 * 3_600_000);
    let business = &sim.businesses()[&shop.phone_number_id];
    assert_eq!(business.inbox.len(), 1, "delivered once");
    assert_eq!(sim.cloud_api().webhooks_retrying(), 0);
    assert_eq!(sim.delivery_stats().delivered_to_business, 1);
    let delivered = sim.trace().events.iter().find_map(|e| match &e.kind {
        EventKind::Webhook {
            attempt, messages, ..
        } if !messages.is_empty() => Some(*attempt),
        _ => None,
    });
    assert_eq!(delivered, Some(9), "the ninth attempt got through");
}

#[test]
fn what_cannot_be_delivered_is_dropped_after_seven_days_or_at_retention() {
    // Seven days of retries, then the webhook is dropped and the trace says so.
    let (mut sim, shop) = world(12);
    sim.set_webhook_endpoint(&shop.phone_number_id, false)
        .unwrap();
    sim.consumer_send_text(ALICE, SHOP, "Hello?").unwrap();
    sim.advance(8 * DAY_MS);
    let dropped = |sim: &Simulation| -> Vec<(Vec<String>, String)> {
        sim.trace()
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::WebhookDropped {
                    messages, reason, ..
                } => Some((messages.clone(), reason.clone())),
                _ => None,
            })
            .collect()
    };
    let d = dropped(&sim);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].1.contains("7 days"), "{}", d[0].1);
    assert_eq!(d[0].0.len(), 1);
    let attempts = posts(&sim).len();
    assert_eq!(attempts, delivery_attempts_in_seven_days());
    sim.set_webhook_endpoint(&shop.phone_number_id, true)
        .unwrap();
    sim.advance(DAY_MS);
    assert!(
        sim.businesses()[&shop.phone_number_id].inbox.is_empty(),
        "dropped for good"
    );

    // With one day of retention, the message leaves the store first: its
    // webhook goes with it.
    let (mut sim, shop) = world_with(SimConfig {
        seed: 13,
        retention_days: 1,
        ..SimConfig::default()
    });
    sim.set_webhook_endpoint(&shop.phone_number_id, false)
        .unwrap();
    sim.consumer_send_text(ALICE, SHOP, "Hello?").unwrap();
    sim.advance(2 * DAY_MS);
    let d = dropped(&sim);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].1.contains("retention"), "{}", d[0].1);
    assert_eq!(sim.cloud_api().webhooks_retrying(), 0);
    assert!(sim.retention_check().holds);
}

fn delivery_attempts_in_seven_days() -> usize {
    let (mut at, mut attempts) = (0, 1);
    while at + delivery::retry_delay(attempts) <= delivery::RETRY_FOR_MS {
        at += delivery::retry_delay(attempts);
        attempts += 1;
    }
    attempts as usize
}

/// One seed of the at-least-once run: consumers write, the shop answers
/// each, the consumers read; webhooks fail, time out, duplicate and reorder
/// throughout. Returns (duplicates ignored, stale statuses).
fn at_least_once(seed: u64) -> (u64, u64) {
    let (mut sim, shop) = world_with(SimConfig {
        seed,
        faults: FaultConfig {
            reorder: 0.2,
            duplicate: 0.1,
            ..FaultConfig::default()
        },
        webhook_faults: WebhookFaultConfig {
            fail: 0.15,
            timeout: 0.15,
            duplicate: 0.2,
            reorder: 0.3,
        },
        ..SimConfig::default()
    });
    let mut sent = Vec::new();
    for round in 0..3 {
        for who in [ALICE, BOB] {
            sent.push(
                sim.consumer_send_text(who, SHOP, &format!("seed {seed} round {round} from {who}"))
                    .unwrap(),
            );
        }
        sim.advance(120_000);
        for who in ["16505550101", "16505550102"] {
            let r = sim
                .business_send_text(&shop.phone_number_id, who, &format!("answer {round}"))
                .unwrap();
            assert_eq!(r.status, 200);
        }
        sim.advance(60_000);
        for who in [ALICE, BOB] {
            sim.consumer_read(who, SHOP).unwrap();
        }
    }
    // Long enough for every retry of the schedule to land.
    sim.advance(DAY_MS);
    let business = &sim.businesses()[&shop.phone_number_id];
    let wamids: HashSet<&str> = business.inbox.iter().map(|m| m.wamid.as_str()).collect();
    assert_eq!(
        wamids.len(),
        business.inbox.len(),
        "seed {seed}: a duplicate kept"
    );
    assert_eq!(
        business.inbox.len(),
        sent.len(),
        "seed {seed}: a message lost"
    );
    let bodies: HashSet<&str> = business.inbox.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies.len(), sent.len(), "seed {seed}");
    assert_eq!(business.outbound.len(), 6, "seed {seed}");
    for o in &business.outbound {
        assert_eq!(
            o.status, "read",
            "seed {seed}: {} settled at {}",
            o.wamid, o.status
        );
    }
    assert_eq!(sim.cloud_api().webhooks_retrying(), 0, "seed {seed}");
    assert!(sim.proof().holds, "seed {seed}");
    (business.duplicates_ignored, business.stale_statuses)
}

#[test]
fn over_200_seeds_the_business_keeps_every_message_once_and_every_status_final() {
    #[cfg(not(target_arch = "wasm32"))]
    const SEEDS: u64 = 200;
    #[cfg(target_arch = "wasm32")]
    const SEEDS: u64 = 10;
    let (mut duplicates, mut stale) = (0, 0);
    for seed in 0..SEEDS {
        let (d, s) = at_least_once(seed);
        duplicates += d;
        stale += s;
    }
    // The faults really produced duplicates and out-of-order statuses.
    assert!(duplicates > SEEDS / 2, "{duplicates}");
    assert!(stale > SEEDS / 2, "{stale}");
    println!(
        "webhooks: {SEEDS} seeds, {duplicates} duplicate messages ignored, {stale} stale statuses ignored"
    );
}

#[test]
fn each_webhook_fault_does_what_it_says() {
    for (fault, faults) in [
        (
            WebhookFault::Fail,
            WebhookFaultConfig {
                fail: 1.0,
                ..Default::default()
            },
        ),
        (
            WebhookFault::Timeout,
            WebhookFaultConfig {
                timeout: 1.0,
                ..Default::default()
            },
        ),
        (
            WebhookFault::Duplicate,
            WebhookFaultConfig {
                duplicate: 1.0,
                ..Default::default()
            },
        ),
        (
            WebhookFault::Reorder,
            WebhookFaultConfig {
                reorder: 1.0,
                ..Default::default()
            },
        ),
    ] {
        let (mut sim, shop) = world(21);
        sim.set_webhook_faults(faults).unwrap();
        sim.consumer_send_text(ALICE, SHOP, "hello").unwrap();
        sim.advance(60_000);
        let seen: Vec<WebhookFault> = sim
            .trace()
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::WebhookFault { fault, .. } => Some(*fault),
                _ => None,
            })
            .collect();
        assert!(
            !seen.is_empty() && seen.iter().all(|f| *f == fault),
            "{fault:?}: {seen:?}"
        );
        let business = &sim.businesses()[&shop.phone_number_id];
        match fault {
            // The application never saw it.
            WebhookFault::Fail => assert!(business.inbox.is_empty()),
            // The application got it on every attempt, and kept it once.
            WebhookFault::Timeout => {
                assert_eq!(business.inbox.len(), 1);
                // Attempts at 0 s and 30 s within the minute (each timed out
                // after 20 s): the second is a duplicate.
                assert!(
                    business.duplicates_ignored >= 1,
                    "{}",
                    business.duplicates_ignored
                );
            }
            WebhookFault::Duplicate => {
                assert_eq!(business.inbox.len(), 1);
                assert_eq!(business.duplicates_ignored, 1);
            }
            WebhookFault::Reorder => assert_eq!(business.inbox.len(), 1),
            WebhookFault::Down => panic!("not configured"),
        }
    }
    let bad = WebhookFaultConfig {
        fail: 1.5,
        ..Default::default()
    };
    let (mut sim, _) = world(1);
    assert!(sim.set_webhook_faults(bad).is_err());
    assert!(sim.set_webhook_endpoint("no-such-number", false).is_err());
}
