//! `cipherflow serve --workshop` on the real binary: the room's public
//! endpoints (no token), the join URL and its QR code, and the instructor's
//! business: a reply typed on the projector reaches a phone, and a blast is
//! throttled by the transport's integrity monitor, so the phones receive
//! only what the monitor let through.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::phone::{Phone, WAIT, ws_url};
use common::{Http, Server, eventually, temp_dir};
use serde_json::{Value, json};

const TOKEN: &str = "room-control-token";

/// A server in workshop mode on loopback (a test has no LAN), with a
/// control token, and thresholds low enough for a small room: flagged past
/// 5 and throttled past 10 sends a minute.
fn start(dir: &std::path::Path) -> Server {
    let config = dir.join("config.json");
    let settings = json!({
        "businesses": [{ "number": "+1 555 078 3881", "name": "Workshop Café" }],
        "integrity": { "window_ms": 60000, "flag_messages": 5, "throttle_messages": 10 },
    });
    std::fs::write(&config, settings.to_string()).unwrap();
    Server::start(
        &dir.join("data"),
        &[
            "--workshop",
            "--host",
            "127.0.0.1",
            "--control-token",
            TOKEN,
            "--config",
            config.to_str().unwrap(),
        ],
    )
}

fn control(server: &Server, path: &str) -> String {
    server.url(&format!("/control/v1{path}?token={TOKEN}"))
}

/// The business's own server sends `text` to `to` (the projector's reply
/// form); the Graph API's answer, which must be a 200.
async fn business_says(http: &Http, url: &str, to: &str, text: &str) -> Value {
    let reply = http.post_json(url, &json!({"to": to, "text": text})).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

/// Pumps `phone` until a bubble says `text`.
async fn phone_gets(phone: &mut Phone, text: &str) {
    let wanted = text.to_owned();
    phone
        .until(text, move |l| {
            l.client()
                .chats()
                .values()
                .any(|c| c.iter().any(|m| m.text == wanted))
        })
        .await;
}

async fn integrity(http: &Http, server: &Server) -> Value {
    let view = http.get(&control(server, "/snapshot")).await.json();
    view["transport"]["integrity"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_joins_without_the_token_and_sees_the_blast_throttled() {
    let dir = temp_dir("workshop");
    let server = start(&dir);
    let http = Http::new();

    // The terminal shows the join URL and its QR code.
    let lines = server.stdout.clone();
    eventually(WAIT, "the workshop banner", || {
        let lines = lines.clone();
        async move {
            lines
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains("integrity:"))
        }
    })
    .await;
    let out = server.stdout.lock().unwrap().join("\n");
    let join = format!("{}/?phone", server.base);
    assert!(out.contains(&format!("phones join at {join}")), "{out}");
    assert!(
        out.contains('▀') && out.contains('█'),
        "no QR code in:\n{out}"
    );
    assert!(out.contains(&format!("/?live&token={TOKEN}")), "{out}");
    assert!(out.contains("throttled past 10 sends"), "{out}");

    // The room's endpoints need no token; the control API does.
    let room = http.get(&server.url("/workshop/v1/room")).await;
    assert_eq!(room.status, 200);
    let room = room.json();
    assert_eq!(room["join_url"], join.as_str());
    assert_eq!(room["businesses"][0]["name"], "Workshop Café");
    assert_eq!(
        room["businesses"][0]["display_phone_number"],
        "+15550783881"
    );
    assert!(room["businesses"][0].get("access_token").is_none());
    let svg = http.get(&server.url("/workshop/v1/join.svg")).await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    assert!(String::from_utf8_lossy(&svg.body).contains("<svg"));
    let denied = http.get(&server.url("/control/v1/businesses")).await;
    assert_eq!(denied.status, 401);
    let pnid =
        http.get(&control(&server, "/businesses")).await.json()["data"][0]["phone_number_id"]
            .as_str()
            .unwrap()
            .to_owned();

    // Two phones write to the shop.
    let url = ws_url(&server);
    let mut ana = Phone::new("+1 650 555 0101", 1);
    let mut bo = Phone::new("+1 650 555 0102", 2);
    assert!(ana.connect(&url).await, "{:?}", ana.errors);
    assert!(bo.connect(&url).await, "{:?}", bo.errors);
    ana.send_and_deliver("Hi from Ana").await;
    bo.send_and_deliver("Hi from Bo").await;

    // The instructor replies from the projector: a Graph API send by the
    // business's own server.
    let url = control(&server, &format!("/businesses/{pnid}/messages"));
    let reply = business_says(&http, &url, "16505550101", "Welcome, Ana").await;
    assert!(
        reply["messages"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("wamid.")
    );
    phone_gets(&mut ana, "Welcome, Ana").await;

    // Refusals are typed: a count out of range, an unknown business, no token.
    let bad = http
        .post_json(
            &control(&server, &format!("/businesses/{pnid}/blast")),
            &json!({"text": "x", "count": 0}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["cipherflow_code"], "BAD_BLAST");
    let nobody = http
        .post_json(
            &control(&server, "/businesses/999/messages"),
            &json!({"to": "16505550101", "text": "hello"}),
        )
        .await;
    assert_eq!(nobody.status, 404);
    assert_eq!(
        nobody.json()["error"]["cipherflow_code"],
        "UNKNOWN_BUSINESS"
    );
    let anonymous = http
        .post_json(
            &server.url(&format!("/control/v1/businesses/{pnid}/blast")),
            &json!({"text": "x", "count": 1}),
        )
        .await;
    assert_eq!(anonymous.status, 401);

    // The blast: the Graph API takes all 30; the monitor lets 9 more through
    // (10 sends within the minute, the reply included) and throttles.
    let blast = http
        .post_json(
            &control(&server, &format!("/businesses/{pnid}/blast")),
            &json!({"text": "FLASH SALE 90% OFF", "count": 30}),
        )
        .await;
    assert_eq!(
        blast.status,
        200,
        "{}",
        String::from_utf8_lossy(&blast.body)
    );
    let blast = blast.json();
    assert_eq!(
        (blast["recipients"].as_u64(), blast["accepted"].as_u64()),
        (Some(2), Some(30))
    );
    eventually(WAIT, "the business throttled", || {
        let (http, server) = (&http, &server);
        async move { integrity(http, server).await["action"] == "throttled" }
    })
    .await;
    let signals = integrity(&http, &server).await;
    assert_eq!(signals["business"], "+15550783881", "{signals}");

    let sale = |p: &Phone| {
        p.texts()
            .iter()
            .filter(|t| *t == "FLASH SALE 90% OFF")
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while sale(&ana) + sale(&bo) < 9 && std::time::Instant::now() < deadline {
        ana.pump_once(Duration::from_millis(50)).await;
        bo.pump_once(Duration::from_millis(50)).await;
    }
    // Let anything else in flight arrive, then count.
    for _ in 0..20 {
        ana.pump_once(Duration::from_millis(25)).await;
        bo.pump_once(Duration::from_millis(25)).await;
    }
    assert_eq!(
        sale(&ana) + sale(&bo),
        9,
        "ana {} bo {}",
        sale(&ana),
        sale(&bo)
    );
}

/// With the business's webhook at a real endpoint, the phones' texts go
/// there, and the projector's reply still goes out: the server's own
/// business server sends it with the business's token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projector_replies_for_a_business_whose_webhook_is_external() {
    let dir = temp_dir("workshop-webhook");
    let receiver = common::Receiver::start("my-verify-token").await;
    let config = common::config_file(&dir, &receiver, "workshop-secret");
    let server = Server::start(
        &dir.join("data"),
        &[
            "--workshop",
            "--host",
            "127.0.0.1",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    let http = Http::new();
    let pnid = common::business(&http, &server).await["phone_number_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ana = Phone::new("+1 650 555 0101", 1);
    assert!(ana.connect(&ws_url(&server)).await, "{:?}", ana.errors);
    ana.send_and_deliver("Hello, external shop").await;
    let seen = receiver.seen.clone();
    eventually(WAIT, "the text at the real webhook", || {
        let seen = seen.clone();
        async move {
            seen.lock()
                .unwrap()
                .messages
                .values()
                .any(|(b, _)| b == "Hello, external shop")
        }
    })
    .await;
    let url = server.url(&format!("/control/v1/businesses/{pnid}/messages"));
    business_says(&http, &url, "16505550101", "Typed on the projector").await;
    phone_gets(&mut ana, "Typed on the projector").await;
}
