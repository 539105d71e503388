//! The transport's WebSocket (`/transport/v1/ws`) on the real binary: phones
//! that run the consumer party in the test process (the same `PhoneLink` the
//! workshop's phone page runs) talk to the business over real sockets, and
//! hostile clients (a number claimed without its key, garbage, oversized
//! frames, floods, dropped connections) leave everyone else served.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cipherflow_flow::consumer::Ticks;
use cipherflow_flow::wire::device_frame::{DeviceFrame, ServerFrame};
use common::phone::{Phone, SHOP, WAIT, Ws, ws_url};
use common::{Http, Receiver, Server, business, config_file, eventually, temp_dir};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const SECRET: &str = "test-app-secret-0001";
const TOKEN: &str = "EAAG-test-token";

async fn start(dir: &std::path::Path, receiver: &Receiver, port: u16) -> (Server, Http, String) {
    let config = config_file(dir, receiver, SECRET);
    let server = Server::start_on(
        &dir.join("data"),
        port,
        &["--config", config.to_str().unwrap()],
    );
    let http = Http::new();
    let pnid = business(&http, &server).await["phone_number_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (server, http, pnid)
}

fn text(to: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
           "type": "text", "text": {"body": body}})
}

async fn webhook_has(receiver: &Receiver, body: &str) {
    let seen = receiver.seen.clone();
    let body = body.to_owned();
    eventually(WAIT, "the business's webhook", || {
        let (seen, body) = (seen.clone(), body.clone());
        async move {
            seen.lock()
                .unwrap()
                .messages
                .values()
                .any(|(b, _)| *b == body)
        }
    })
    .await;
}

async fn reply(http: &Http, server: &Server, pnid: &str, to: &str, body: &str) {
    let url = server.url(&format!("/v24.0/{pnid}/messages"));
    let r = http.graph(&url, TOKEN, &text(to, body)).await.unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

/// A raw socket, for clients that do not follow the protocol.
async fn raw(server: &Server) -> Ws {
    tokio_tungstenite::connect_async(ws_url(server))
        .await
        .unwrap()
        .0
}

/// The next text frame, or None when the socket closed first.
async fn next_text(ws: &mut Ws) -> Option<String> {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.ok()?? {
            Ok(Message::Text(t)) => return Some(t.to_string()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Reads until the server closes the socket; the error codes it sent first.
async fn codes_until_closed(ws: &mut Ws) -> Vec<String> {
    let mut codes = Vec::new();
    while let Some(t) = next_text(ws).await {
        if let Ok(ServerFrame::Error { code, .. }) = ServerFrame::parse(&t) {
            codes.push(code);
        }
    }
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phones_on_real_sockets_chat_with_the_business() {
    let dir = temp_dir("ws-chat");
    let receiver = Receiver::start("my-verify-token").await;
    let (server, http, pnid) = start(&dir, &receiver, 0).await;
    let url = ws_url(&server);

    let mut ana = Phone::new("+1 650 555 0101", 1);
    let mut bo = Phone::new("+1 650 555 0102", 2);
    assert!(ana.connect(&url).await, "{:?}", ana.errors);
    assert!(bo.connect(&url).await, "{:?}", bo.errors);

    // Phone to business: encrypted on the phone, routed by the transport,
    // decrypted by the Cloud API, POSTed signed to the business's webhook.
    ana.send_and_deliver("Hello from a phone on a real socket")
        .await;
    bo.send_and_deliver("Bo here: where is my parcel?").await;
    webhook_has(&receiver, "Hello from a phone on a real socket").await;
    webhook_has(&receiver, "Bo here: where is my parcel?").await;
    assert_eq!(receiver.seen.lock().unwrap().bad_signatures, 0);

    // Business to phone through the Graph API.
    reply(
        &http,
        &server,
        &pnid,
        "16505550101",
        "Hi Ana, it ships today.",
    )
    .await;
    ana.until("the reply on Ana's phone", |l| {
        l.client()
            .chats()
            .values()
            .any(|c| c.iter().any(|m| m.text == "Hi Ana, it ships today."))
    })
    .await;
    assert_eq!(
        ana.texts(),
        [
            "Hello from a phone on a real socket",
            "Hi Ana, it ships today."
        ]
    );
    assert_eq!(bo.texts(), ["Bo here: where is my parcel?"]);

    // The transport carried ciphertext only: the proof over the server's
    // trace, and the transport pane, hold no phone's plaintext.
    let proof = http.get(&server.url("/control/v1/proof")).await.json();
    assert_eq!(proof["holds"], true, "{proof}");
    assert!(proof["messages_checked"].as_u64().unwrap() >= 3, "{proof}");
    let panes = http.get(&server.url("/control/v1/snapshot")).await;
    assert_eq!(panes.status, 200);
    let transport = panes.json()["transport"].clone();
    assert!(transport.is_object(), "{transport}");
    let transport = transport.to_string();
    assert!(!transport.contains("Hello from a phone"), "{transport}");
    assert!(!transport.contains("where is my parcel"), "{transport}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_claims_a_number_without_its_key_is_refused() {
    let dir = temp_dir("ws-claim");
    let receiver = Receiver::start("my-verify-token").await;
    let (server, http, pnid) = start(&dir, &receiver, 0).await;
    let url = ws_url(&server);

    let mut ana = Phone::new("+1 650 555 0101", 1);
    assert!(ana.connect(&url).await);
    // Her message opens the customer service window for the business's reply.
    ana.send_and_deliver("hello, shop").await;
    ana.drop_socket();

    // A message for Ana waits in her queue at the transport.
    reply(&http, &server, &pnid, "16505550101", "for Ana's eyes").await;

    // Another device claims Ana's number, bringing its own keys: refused.
    let mut thief = Phone::new("+1 650 555 0101", 666);
    assert!(!thief.connect(&url).await, "the thief's link opened");
    assert_eq!(thief.errors, ["KEY_MISMATCH"]);
    assert!(thief.texts().is_empty());

    // One that signs the challenge with another key and sends no keys: refused.
    let mut ws = raw(&server).await;
    let hello = DeviceFrame::Hello {
        number: "16505550101".to_owned(),
    };
    ws.send(Message::Text(hello.to_json().into()))
        .await
        .unwrap();
    let challenge = next_text(&mut ws).await.unwrap();
    assert!(matches!(
        ServerFrame::parse(&challenge),
        Ok(ServerFrame::Challenge { .. })
    ));
    let forged = DeviceFrame::Proof {
        signature: vec![7; 64],
        keys: None,
    };
    ws.send(Message::Text(forged.to_json().into()))
        .await
        .unwrap();
    assert_eq!(codes_until_closed(&mut ws).await, ["BAD_PROOF"]);

    // Frames before the handshake reach nothing.
    let mut ws = raw(&server).await;
    let fetch = DeviceFrame::FetchBundle {
        number: SHOP.to_owned(),
    };
    ws.send(Message::Text(fetch.to_json().into()))
        .await
        .unwrap();
    assert_eq!(codes_until_closed(&mut ws).await, ["NOT_AUTHENTICATED"]);

    // Ana, with her own key, gets her queue.
    assert!(ana.connect(&url).await);
    ana.until("Ana's queued message", |l| {
        l.client()
            .chats()
            .values()
            .any(|c| c.iter().any(|m| m.text == "for Ana's eyes"))
    })
    .await;

    // A second connection with Ana's own keys replaces the first, which is
    // told so and closed; the newer one is served.
    let mut twin = Phone::new("+1 650 555 0101", 1);
    assert!(twin.connect(&url).await, "{:?}", twin.errors);
    let deadline = std::time::Instant::now() + WAIT;
    while ana.pump_once(std::time::Duration::from_millis(200)).await {
        assert!(
            std::time::Instant::now() < deadline,
            "the older connection stayed open"
        );
    }
    assert_eq!(ana.errors, ["REPLACED"]);
    twin.drop_socket();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_clients_leave_everyone_else_served() {
    let dir = temp_dir("ws-abuse");
    let receiver = Receiver::start("my-verify-token").await;
    let (server, http, pnid) = start(&dir, &receiver, 0).await;
    let url = ws_url(&server);
    let mut ana = Phone::new("+1 650 555 0101", 1);
    assert!(ana.connect(&url).await);

    // Garbage, JSON that is not a frame, and a binary frame, each before the
    // handshake: an error frame, then the server closes.
    for bad in [
        Message::Text("not json at all".into()),
        Message::Text(r#"{"type":"launch"}"#.into()),
        Message::Binary(vec![0u8, 1, 2, 3].into()),
    ] {
        let mut ws = raw(&server).await;
        ws.send(bad).await.unwrap();
        assert_eq!(codes_until_closed(&mut ws).await, ["MALFORMED_FRAME"]);
    }

    // An oversized frame: the server drops the connection without reading it.
    let mut ws = raw(&server).await;
    let huge = "x".repeat(200 * 1024);
    let _ = ws.send(Message::Text(huge.into())).await;
    assert!(codes_until_closed(&mut ws).await.is_empty());

    // A flood from an open connection: answered RATE_LIMITED, then closed.
    let mut bo = Phone::new("+1 650 555 0102", 2);
    assert!(bo.connect(&url).await);
    let bo_ws = bo.ws.take().unwrap();
    let spam = DeviceFrame::FetchBundle {
        number: SHOP.to_owned(),
    }
    .to_json();
    // Read while flooding: once the server closes, unread frames may be lost
    // with the connection.
    let (mut sink, mut stream) = bo_ws.split();
    let reading = tokio::spawn(async move {
        let mut codes = Vec::new();
        while let Ok(Some(Ok(frame))) = tokio::time::timeout(WAIT, stream.next()).await {
            match frame {
                Message::Text(t) => {
                    if let Ok(ServerFrame::Error { code, .. }) = ServerFrame::parse(t.as_str()) {
                        codes.push(code);
                    }
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
        codes
    });
    let flooding = tokio::spawn(async move {
        let mut sent = 0u32;
        for _ in 0..5_000 {
            if sink.send(Message::Text(spam.clone().into())).await.is_err() {
                break;
            }
            sent += 1;
        }
        let codes = reading.await.unwrap();
        (sent, codes)
    });

    // Abrupt disconnects: mid-handshake, and an open connection dropped
    // without a close frame.
    let mut half = raw(&server).await;
    let hello = DeviceFrame::Hello {
        number: "16505550103".to_owned(),
    };
    half.send(Message::Text(hello.to_json().into()))
        .await
        .unwrap();
    drop(half);
    let mut cy = Phone::new("+1 650 555 0104", 4);
    assert!(cy.connect(&url).await);
    cy.drop_socket();

    let (sent, codes) = flooding.await.unwrap();
    assert!(sent > 200, "the flood sent {sent} frames");
    assert!(codes.iter().any(|c| c == "RATE_LIMITED"), "{codes:?}");

    // Ana is served through all of it, both ways.
    ana.send_and_deliver("still here after the storm").await;
    webhook_has(&receiver, "still here after the storm").await;
    reply(&http, &server, &pnid, "16505550101", "so are we").await;
    ana.until("the reply after the storm", |l| {
        l.client()
            .chats()
            .values()
            .any(|c| c.iter().any(|m| m.text == "so are we"))
    })
    .await;
    let mut server = server;
    assert!(server.alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_phones_get_their_queue_and_a_restart_keeps_their_numbers() {
    let dir = temp_dir("ws-offline");
    let receiver = Receiver::start("my-verify-token").await;
    let port = common::free_port();
    let (mut server, http, pnid) = start(&dir, &receiver, port).await;
    let url = ws_url(&server);

    let mut ana = Phone::new("+1 650 555 0101", 1);
    assert!(ana.connect(&url).await);
    ana.send_and_deliver("before the tunnel").await;
    webhook_has(&receiver, "before the tunnel").await;
    ana.drop_socket();
    for body in ["queued one", "queued two"] {
        reply(&http, &server, &pnid, "16505550101", body).await;
    }
    // Written offline: it waits on the phone.
    ana.send_text("written in the tunnel").await;

    assert!(ana.connect(&url).await);
    ana.until("the queue", |l| {
        l.client()
            .chats()
            .values()
            .any(|c| c.iter().filter(|m| m.text.starts_with("queued")).count() == 2)
    })
    .await;
    ana.until("the text written offline delivered", |l| {
        l.client().chats().values().any(|c| {
            c.iter()
                .any(|m| m.text == "written in the tunnel" && m.ticks == Ticks::Delivered)
        })
    })
    .await;
    webhook_has(&receiver, "written in the tunnel").await;

    // kill -9 and restart on the same data: Ana's number is still hers (the
    // proof opens without keys), and she is offline until she connects.
    server.kill();
    let (server, http, pnid) = start(&dir, &receiver, port).await;
    ana.drop_socket();
    assert!(ana.connect(&url).await, "{:?}", ana.errors);
    ana.send_and_deliver("after the restart").await;
    webhook_has(&receiver, "after the restart").await;
    reply(&http, &server, &pnid, "16505550101", "welcome back").await;
    ana.until("the reply after the restart", |l| {
        l.client()
            .chats()
            .values()
            .any(|c| c.iter().any(|m| m.text == "welcome back"))
    })
    .await;
}
