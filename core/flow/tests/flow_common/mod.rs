//! Shared set-up for the flow tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use cipherflow_flow::trace::EventKind;
use cipherflow_flow::{BusinessHandle, SimConfig, Simulation};
use serde_json::Value;

pub const ALICE: &str = "+1 650 555 0101";
pub const BOB: &str = "+1 650 555 0102";
pub const SHOP: &str = "+1 555 078 3881";

pub fn world(seed: u64) -> (Simulation, BusinessHandle) {
    world_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
}

pub fn world_with(config: SimConfig) -> (Simulation, BusinessHandle) {
    let mut sim = Simulation::new(config).unwrap();
    sim.add_consumer(ALICE, "Alice Example").unwrap();
    sim.add_consumer(BOB, "Bob Example").unwrap();
    let shop = sim.add_business(SHOP, "Example Shop").unwrap();
    (sim, shop)
}

/// The bodies of every webhook POST so far, parsed.
pub fn webhook_bodies(sim: &Simulation) -> Vec<Value> {
    sim.trace()
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Webhook { request, .. } if request.method == "POST" => {
                Some(serde_json::from_slice(&request.body).unwrap())
            }
            _ => None,
        })
        .collect()
}

pub fn statuses(sim: &Simulation) -> Vec<(String, String)> {
    webhook_bodies(sim)
        .iter()
        .filter_map(|b| {
            let s = &b["entry"][0]["changes"][0]["value"]["statuses"][0];
            Some((
                s["id"].as_str()?.to_owned(),
                s["status"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Differences in shape between Meta's example and ours: every key Meta has
/// (except the optional ones named) must be present with the same JSON type, and
/// ours may have no key Meta does not.
pub fn shape_diff(
    meta: &Value,
    ours: &Value,
    optional: &[&str],
    path: &str,
    out: &mut Vec<String>,
) {
    match (meta, ours) {
        (Value::Object(m), Value::Object(o)) => {
            for (k, mv) in m {
                if optional.contains(&k.as_str()) {
                    continue;
                }
                match o.get(k) {
                    Some(ov) => shape_diff(mv, ov, optional, &format!("{path}.{k}"), out),
                    None => out.push(format!("missing {path}.{k}")),
                }
            }
            for k in o.keys() {
                if !m.contains_key(k) && !optional.contains(&k.as_str()) {
                    out.push(format!("extra {path}.{k}"));
                }
            }
        }
        (Value::Array(m), Value::Array(o)) => {
            if let (Some(mf), Some(of)) = (m.first(), o.first()) {
                shape_diff(mf, of, optional, &format!("{path}[0]"), out);
            }
        }
        (m, o) => {
            let kind = |v: &Value| match v {
                Value::Null => "null",
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            if kind(m) != kind(o) {
                out.push(format!(
                    "type of {path}: Meta {} vs ours {}",
                    kind(m),
                    kind(o)
                ));
            }
        }
    }
}

/// A Meta fixture, compiled in (so the test also runs in wasm32).
#[macro_export]
macro_rules! fixture {
    ($name:literal) => {
        serde_json::from_str::<serde_json::Value>(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/meta/",
            $name
        )))
        .unwrap()
    };
}

/// The consumer writes to the business and everything settles: the
/// business may now send free-form messages to them for 24 hours.
pub fn open_window(sim: &mut Simulation, consumer: &str, business_number: &str) {
    sim.consumer_send_text(consumer, business_number, "Hi! I have a question.")
        .unwrap();
    sim.settle();
}

/// Sends Meta's approved sample template `hello_world` through the Graph API.
pub fn send_hello_world(
    sim: &mut Simulation,
    shop: &BusinessHandle,
    to: &str,
) -> cipherflow_flow::http::HttpResponse {
    let auth = format!("Bearer {}", shop.access_token);
    sim.cloud_api_request(&cipherflow_flow::http::HttpRequest::json(
        "POST",
        &format!("/v21.0/{}/messages", shop.phone_number_id),
        &[("Authorization", auth.as_str())],
        &serde_json::json!({
            "messaging_product": "whatsapp",
            "to": to,
            "type": "template",
            "template": { "name": "hello_world", "language": { "code": "en_US" } }
        }),
    ))
}
