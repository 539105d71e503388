//! Templates, limits, Meta's error answers field by field, mark-as-read of
//! a conversation, the typing indicator, quoted replies and reactions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod flow_common;

use cipherflow_flow::cloud_api::limits::{PAIR_BURST, THROUGHPUT_MPS};
use cipherflow_flow::cloud_api::templates::{HELLO_WORLD_BODY, REVIEW_MS};
use cipherflow_flow::consumer::{TYPING_MS, Ticks};
use cipherflow_flow::http::{HttpRequest, HttpResponse};
use cipherflow_flow::phone::PhoneNumber;
use cipherflow_flow::{BusinessHandle, SimConfig, Simulation};
use flow_common::*;
use serde_json::{Value, json};

fn graph(
    sim: &mut Simulation,
    shop: &BusinessHandle,
    method: &str,
    path: &str,
    body: Value,
) -> HttpResponse {
    let auth = format!("Bearer {}", shop.access_token);
    sim.cloud_api_request(&HttpRequest::json(
        method,
        path,
        &[("Authorization", auth.as_str())],
        &body,
    ))
}

fn send(sim: &mut Simulation, shop: &BusinessHandle, body: Value) -> HttpResponse {
    let path = format!("/v21.0/{}/messages", shop.phone_number_id);
    graph(sim, shop, "POST", &path, body)
}

fn template(name: &str, language: &str, params: &[&str]) -> Value {
    let parameters: Vec<Value> = params
        .iter()
        .map(|p| json!({"type": "text", "text": p}))
        .collect();
    json!({
        "messaging_product": "whatsapp", "to": "16505550101", "type": "template",
        "template": { "name": name, "language": { "code": language },
                      "components": [{ "type": "body", "parameters": parameters }] }
    })
}

/// Meta's error envelope, checked field by field.
fn meta_error(r: &HttpResponse, code: u64, message: &str) -> Value {
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    let e = r.body_json().unwrap()["error"].clone();
    assert_eq!(e["code"], code, "{e}");
    assert_eq!(e["message"], message, "{e}");
    assert_eq!(e["type"], "OAuthException");
    assert_eq!(e["error_data"]["messaging_product"], "whatsapp");
    assert!(
        e["error_data"]["details"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert!(e["fbtrace_id"].as_str().is_some_and(|t| t.len() > 10));
    e
}

fn chat_texts(sim: &Simulation, who: &str) -> Vec<String> {
    sim.consumers()[&PhoneNumber::parse(who).unwrap()].chats()[&PhoneNumber::parse(SHOP).unwrap()]
        .iter()
        .map(|b| b.text.to_owned())
        .collect()
}

#[test]
fn hello_world_is_listed_in_metas_shape_and_renders_on_the_phone() {
    let (mut sim, shop) = world(41);
    let path = format!("/v21.0/{}/message_templates", shop.waba_id);
    let r = graph(&mut sim, &shop, "GET", &path, json!({}));
    assert_eq!(r.status, 200);
    let list = r.body_json().unwrap();
    let t = &list["data"][0];
    assert_eq!(t["name"], "hello_world");
    assert_eq!(t["language"], "en_US");
    assert_eq!(t["status"], "APPROVED");
    assert_eq!(t["category"], "UTILITY");
    assert_eq!(
        t["components"][0],
        json!({"type": "HEADER", "format": "TEXT", "text": "Hello World"})
    );
    assert_eq!(t["components"][1]["text"], HELLO_WORLD_BODY);
    assert!(list["paging"]["cursors"]["after"].is_string());
    // Key order as in Meta's answers.
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(text.find("\"name\"").unwrap() < text.find("\"components\"").unwrap());
    assert!(text.find("\"status\"").unwrap() < text.find("\"id\"").unwrap());
    // Sent: the answer says accepted; Alice's phone shows the rendered text.
    let r = send(&mut sim, &shop, template("hello_world", "en_US", &[]));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body_json().unwrap()["messages"][0]["message_status"],
        "accepted"
    );
    sim.settle();
    let shown = chat_texts(&sim, ALICE);
    assert_eq!(shown.len(), 1);
    assert!(shown[0].starts_with("Hello World\n\nWelcome and congratulations!!"));
    assert!(shown[0].ends_with("WhatsApp Business Platform sample message"));
    // Another account's token cannot list these.
    let other = sim.add_business("+1 555 010 9999", "Other").unwrap();
    let r = graph(&mut sim, &other, "GET", &path, json!({}));
    assert_eq!(
        (r.status, r.body_json().unwrap()["error"]["code"].clone()),
        (401, json!(190))
    );
}

#[test]
fn a_template_is_reviewed_then_sent_with_its_parameters() {
    let (mut sim, shop) = world(42);
    let path = format!("/v21.0/{}/message_templates", shop.waba_id);
    let create = |name: &str, body: &str| {
        json!({"name": name, "language": "en_US", "category": "UTILITY",
               "components": [{"type": "BODY", "text": body}]})
    };
    let r = graph(
        &mut sim,
        &shop,
        "POST",
        &path,
        create("order_update", "Your order {{1}} ships on {{2}}."),
    );
    assert_eq!(r.status, 200);
    let created = r.body_json().unwrap();
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["category"], "UTILITY");
    assert!(
        created["id"]
            .as_str()
            .unwrap()
            .bytes()
            .all(|b| b.is_ascii_digit())
    );
    // Not approved yet: 132001.
    let r = send(
        &mut sim,
        &shop,
        template("order_update", "en_US", &["#1042", "Friday"]),
    );
    meta_error(
        &r,
        132001,
        "(#132001) Template name does not exist in the translation",
    );
    // A rejected one: touching parameters.
    let r = graph(
        &mut sim,
        &shop,
        "POST",
        &path,
        create("touching", "Hi {{1}}{{2}} there."),
    );
    assert_eq!(r.status, 200);
    sim.advance(REVIEW_MS);
    // The business learnt both outcomes by webhook.
    let business = &sim.businesses()[&shop.phone_number_id];
    let states: Vec<(String, String)> = business
        .templates
        .iter()
        .map(|t| (t.name.clone(), t.status.clone()))
        .collect();
    assert_eq!(
        states,
        [
            ("order_update".into(), "APPROVED".into()),
            ("touching".into(), "REJECTED".into())
        ]
    );
    let bodies = webhook_bodies(&sim);
    let rejection = bodies
        .iter()
        .find(|b| b["entry"][0]["changes"][0]["value"]["event"] == "REJECTED")
        .unwrap();
    let v = &rejection["entry"][0]["changes"][0]["value"];
    assert_eq!(v["reason"], "INVALID_FORMAT");
    assert_eq!(
        rejection["entry"][0]["changes"][0]["field"],
        "message_template_status_update"
    );
    assert!(
        v["rejection_info"]["reason"]
            .as_str()
            .unwrap()
            .contains("{{1}}{{2}}")
    );
    assert!(v["message_template_id"].is_u64());
    let r = send(&mut sim, &shop, template("touching", "en_US", &["a", "b"]));
    meta_error(
        &r,
        132001,
        "(#132001) Template name does not exist in the translation",
    );
    // Approved: the wrong count, a non-text parameter, the wrong language.
    let r = send(
        &mut sim,
        &shop,
        template("order_update", "en_US", &["#1042"]),
    );
    let e = meta_error(
        &r,
        132000,
        "(#132000) Number of parameters does not match the expected number of params",
    );
    assert_eq!(
        e["error_data"]["details"],
        "body: number of localizable_params (1) does not match the expected number of params (2)"
    );
    let mut image = template("order_update", "en_US", &["#1042", "Friday"]);
    image["template"]["components"][0]["parameters"][0] =
        json!({"type": "image", "image": {"link": "https://x/y.png"}});
    meta_error(
        &send(&mut sim, &shop, image),
        132012,
        "(#132012) Parameter format does not match format in the created template",
    );
    meta_error(
        &send(
            &mut sim,
            &shop,
            template("order_update", "es", &["#1042", "Friday"]),
        ),
        132001,
        "(#132001) Template name does not exist in the translation",
    );
    let long = "x".repeat(1100);
    meta_error(
        &send(
            &mut sim,
            &shop,
            template("order_update", "en_US", &[&long, "Friday"]),
        ),
        132005,
        "(#132005) Translated text too long",
    );
    // Right: rendered with the parameters, outside any window.
    let r = send(
        &mut sim,
        &shop,
        template("order_update", "en_US", &["#1042", "Friday"]),
    );
    assert_eq!(r.status, 200);
    sim.settle();
    assert_eq!(
        chat_texts(&sim, ALICE),
        ["Your order #1042 ships on Friday."]
    );
    // Creation errors.
    let dangling = graph(
        &mut sim,
        &shop,
        "POST",
        &path,
        create("dangling", "{{1}} is ready"),
    );
    let e = meta_error(&dangling, 100, "(#100) Invalid parameter");
    assert_eq!(e["error_subcode"], 2388299);
    let bad_name = graph(&mut sim, &shop, "POST", &path, create("Bad Name", "Hello"));
    meta_error(&bad_name, 100, "(#100) Invalid parameter");
    let again = graph(
        &mut sim,
        &shop,
        "POST",
        &path,
        create("order_update", "Other {{1}} text."),
    );
    meta_error(&again, 100, "(#100) Invalid parameter");
}

#[test]
fn throughput_and_pair_limits_refuse_at_once() {
    let mut sim = Simulation::new(SimConfig::default()).unwrap();
    let shop = sim.add_business(SHOP, "Shop").unwrap();
    let users: Vec<String> = (0..=THROUGHPUT_MPS)
        .map(|i| format!("+1 650 555 {:04}", 3000 + i))
        .collect();
    for u in &users {
        sim.add_consumer(u, "U").unwrap();
    }
    // 80 sends in one second go; the 81st gets 130429 and changes nothing.
    let mut last = None;
    for u in &users {
        let mut body = template("hello_world", "en_US", &[]);
        body["to"] = json!(u);
        body["template"]["components"] = json!([]);
        last = Some(send(&mut sim, &shop, body));
    }
    let e = meta_error(&last.unwrap(), 130429, "(#130429) Rate limit hit");
    assert_eq!(e["error_subcode"], 2494055);
    assert_eq!(sim.cloud_api().store().len(), THROUGHPUT_MPS as usize);
    // One consumer: a burst of 45, then 131056 until the pace allows again.
    sim.advance(1_000);
    let mut body = template("hello_world", "en_US", &[]);
    body["to"] = json!(users[0]);
    body["template"]["components"] = json!([]);
    // The throughput test already sent this consumer one.
    for _ in 1..PAIR_BURST {
        assert_eq!(send(&mut sim, &shop, body.clone()).status, 200);
    }
    meta_error(
        &send(&mut sim, &shop, body.clone()),
        131056,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
    );
    sim.advance(6_000);
    assert_eq!(
        send(&mut sim, &shop, body).status,
        200,
        "one more after 6 s"
    );
}

#[test]
fn marking_read_reads_the_earlier_messages_and_can_show_typing() {
    let (mut sim, shop) = world(43);
    for i in 0..3 {
        sim.consumer_send_text(ALICE, SHOP, &format!("question {i}"))
            .unwrap();
    }
    sim.settle();
    let last = sim.businesses()[&shop.phone_number_id].inbox[2]
        .wamid
        .clone();
    sim.business_mark_read_typing(&shop.phone_number_id, &last)
        .unwrap();
    sim.settle();
    let alice = PhoneNumber::parse(ALICE).unwrap();
    let chat = &sim.consumers()[&alice].chats()[&PhoneNumber::parse(SHOP).unwrap()];
    assert!(
        chat.iter().all(|b| b.ticks == Ticks::Read),
        "all three read"
    );
    let business = PhoneNumber::parse(SHOP).unwrap();
    assert!(sim.consumers()[&alice].typing(&business, sim.now_ms()));
    // The reply ends it...
    sim.business_send_text(&shop.phone_number_id, "16505550101", "Here you go")
        .unwrap();
    sim.settle();
    assert!(!sim.consumers()[&alice].typing(&business, sim.now_ms()));
    // ...and so do 25 seconds.
    sim.business_mark_read_typing(&shop.phone_number_id, &last)
        .unwrap();
    sim.settle();
    assert!(sim.consumers()[&alice].typing(&business, sim.now_ms()));
    sim.advance(TYPING_MS);
    assert!(!sim.consumers()[&alice].typing(&business, sim.now_ms()));
    // A typing indicator of another type is refused.
    let body = json!({"messaging_product": "whatsapp", "status": "read", "message_id": last,
                      "typing_indicator": {"type": "audio"}});
    meta_error(
        &send(&mut sim, &shop, body),
        131009,
        "(#131009) Parameter value is not valid",
    );
}

#[test]
fn replies_quote_and_reactions_reach_the_business_in_metas_shapes() {
    let (mut sim, shop) = world(44);
    let question = sim
        .consumer_send_text(ALICE, SHOP, "Is the blue one back?")
        .unwrap();
    sim.settle();
    let inbound = sim.businesses()[&shop.phone_number_id].inbox[0]
        .wamid
        .clone();
    // The business quotes Alice's question: her chat shows the quote.
    let r = send(
        &mut sim,
        &shop,
        json!({
            "messaging_product": "whatsapp", "to": "16505550101", "type": "text",
            "context": { "message_id": inbound }, "text": { "body": "Yes, since today" }
        }),
    );
    let reply = r.body_json().unwrap()["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sim.settle();
    let alice = PhoneNumber::parse(ALICE).unwrap();
    let chat = &sim.consumers()[&alice].chats()[&PhoneNumber::parse(SHOP).unwrap()];
    let bubble = chat.iter().find(|b| b.text == "Yes, since today").unwrap();
    assert_eq!(
        bubble.reply_to,
        Some(question.as_str()),
        "quotes her own message by her id"
    );
    // Alice quotes the business's reply, then reacts to it.
    sim.consumer_reply(ALICE, SHOP, "Great, I'll come by", Some(&reply))
        .unwrap();
    sim.consumer_react(ALICE, SHOP, &reply, "👍").unwrap();
    sim.settle();
    let bodies = webhook_bodies(&sim);
    let messages: Vec<Value> = bodies
        .iter()
        .flat_map(|b| {
            b["entry"][0]["changes"][0]["value"]["messages"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let quoted = messages
        .iter()
        .find(|m| m["text"]["body"] == "Great, I'll come by")
        .unwrap();
    assert_eq!(
        quoted["context"],
        json!({"from": "15550783881", "id": reply})
    );
    let reaction = messages.iter().find(|m| m["type"] == "reaction").unwrap();
    assert_eq!(
        reaction["reaction"],
        json!({"message_id": reply, "emoji": "👍"})
    );
    let inbox = &sim.businesses()[&shop.phone_number_id].inbox;
    let kept = inbox.iter().find(|m| m.kind == "reaction").unwrap();
    assert_eq!(
        (kept.body.as_str(), kept.reply_to.as_deref()),
        ("👍", Some(reply.as_str()))
    );
    // Quoting or reacting to a message that is not in the chat is refused.
    assert!(sim.consumer_react(ALICE, SHOP, "wamid.nope", "👍").is_err());
    assert!(sim.consumer_reply(ALICE, SHOP, "?", Some("nope")).is_err());
}
