//! The real binary on a random loopback port, driven only through sockets: a
//! Graph API client over HTTP, a webhook receiver that verifies every
//! signature, consumers through the control API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{
    Http, Mode, Receiver, Server, add_consumer, business, config_file, eventually, temp_dir,
};
use serde_json::{Value, json};

const SECRET: &str = "test-app-secret-0001";
const TOKEN: &str = "EAAG-test-token";
const ANA: &str = "16505550101";
const SHOP: &str = "15550783881";
const WAIT: Duration = Duration::from_secs(30);

async fn start(name: &str) -> (Server, Receiver, Http, String) {
    let dir = temp_dir(name);
    let receiver = Receiver::start("my-verify-token").await;
    let config = config_file(&dir, &receiver, SECRET);
    let server = Server::start(&dir.join("data"), &["--config", config.to_str().unwrap()]);
    let http = Http::new();
    let pnid = business(&http, &server).await["phone_number_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (h, s) = (http.clone(), server.url("/control/v1/businesses"));
    eventually(WAIT, "the webhook handshake", || {
        let (h, s) = (h.clone(), s.clone());
        async move { h.get(&s).await.json()["data"][0]["webhook"]["verified"] == true }
    })
    .await;
    (server, receiver, http, pnid)
}

fn text(to: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
           "type": "text", "text": {"body": body}})
}

async fn chat_texts(http: &Http, base: &str, consumer: &str) -> Vec<String> {
    let v = http
        .get(&format!("{base}/control/v1/consumers/{consumer}/chats"))
        .await
        .json();
    v["chats"][0]["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_each_way_with_statuses_over_real_sockets() {
    let (server, receiver, http, pnid) = start("each-way").await;
    assert_eq!(receiver.seen.lock().unwrap().handshakes, 1);
    add_consumer(&http, &server, "+1 650 555 0101", "Ana").await;

    // Consumer to business: encrypted by the consumer party in the server,
    // decrypted by the Cloud API, POSTed signed to the receiver.
    let sent = http
        .post_json(
            &server.url(&format!("/control/v1/consumers/{ANA}/messages")),
            &json!({"to": SHOP, "text": "Is my order shipped? ünïcödé"}),
        )
        .await;
    assert_eq!(sent.status, 200);
    let seen = receiver.seen.clone();
    eventually(WAIT, "the webhook with the message", || {
        let seen = seen.clone();
        async move { !seen.lock().unwrap().messages.is_empty() }
    })
    .await;
    let inbound = {
        let s = receiver.seen.lock().unwrap();
        let (wamid, (body, n)) = s.messages.iter().next().unwrap();
        assert_eq!(body, "Is my order shipped? ünïcödé");
        assert_eq!(*n, 1);
        wamid.clone()
    };

    // Business to consumer through the Graph API, with Meta's answer.
    let url = server.url(&format!("/v24.0/{pnid}/messages"));
    let r = http
        .graph(&url, TOKEN, &text(ANA, "Yes, it ships Friday."))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["messaging_product"], "whatsapp");
    assert_eq!(v["contacts"][0]["wa_id"], ANA);
    let wamid = v["messages"][0]["id"].as_str().unwrap().to_owned();
    assert!(wamid.starts_with("wamid."), "{wamid}");
    let (h, s) = (http.clone(), server.base.clone());
    eventually(WAIT, "the reply on the phone", || {
        let (h, s) = (h.clone(), s.clone());
        async move {
            chat_texts(&h, &s, ANA)
                .await
                .contains(&"Yes, it ships Friday.".to_owned())
        }
    })
    .await;
    // The phone's delivery receipt travels with its own modeled latency; a
    // read receipt sent before it lands would overtake it, and Meta reports
    // `read` alone then (see cloud_api/inbound.rs). Wait for `delivered` so
    // that all three statuses are owed.
    let has = |status: &'static str| {
        let (seen, w) = (receiver.seen.clone(), wamid.clone());
        move || {
            let (seen, w) = (seen.clone(), w.clone());
            async move {
                seen.lock()
                    .unwrap()
                    .statuses
                    .get(&w)
                    .is_some_and(|s| s.iter().any(|x| x == status))
            }
        }
    };
    eventually(WAIT, "delivered", has("delivered")).await;

    // The consumer reads: sent, delivered and read come back by webhook.
    let r = http
        .post_json(
            &server.url(&format!("/control/v1/consumers/{ANA}/read")),
            &json!({"business": SHOP}),
        )
        .await;
    assert_eq!(r.status, 200);
    eventually(WAIT, "read", has("read")).await;
    eventually(WAIT, "sent", has("sent")).await;
    // Each once. Webhooks go out concurrently, so their order is not
    // guaranteed (nor is it by Meta): the business keeps the furthest.
    // Checked again at the end, so a late duplicate would show too.
    let statuses_of = |w: &str| {
        let mut s = receiver.seen.lock().unwrap().statuses[w].clone();
        s.sort();
        s
    };
    assert_eq!(statuses_of(&wamid), ["delivered", "read", "sent"]);

    // The business marks the inbound message read: 200 {"success": true}.
    let r = http
        .graph(
            &url,
            TOKEN,
            &json!({"messaging_product": "whatsapp", "status": "read", "message_id": inbound}),
        )
        .await
        .unwrap();
    assert_eq!(r.json(), json!({"success": true}));

    // Every POST was signed over its exact bytes, and the proof holds over
    // the bytes the transport held.
    assert_eq!(receiver.seen.lock().unwrap().bad_signatures, 0);
    let proof = http.get(&server.url("/control/v1/proof")).await.json();
    assert_eq!(proof["holds"], true, "{proof}");
    assert!(proof["messages_checked"].as_u64().unwrap() >= 2, "{proof}");
    let stats = http.get(&server.url("/control/v1/stats")).await.json();
    assert_eq!(stats["delivered_to_business"], 1);
    assert_eq!(stats["duplicate_business_deliveries"], 0);
    assert_eq!(stats["delivered_to_consumer"], 1);
    let matrix = http.get(&server.url("/control/v1/matrix")).await.json();
    // Derived from what was delivered: WhatsApp (the transport) never held
    // message content, the Cloud API did.
    let content = &matrix["computed"][0];
    assert_eq!(content["data"], "message_content");
    assert_eq!(content["whatsapp"], false, "{matrix}");
    assert_eq!(content["system"], "Cloud API");
    let trace = http
        .get(&server.url("/control/v1/trace?since=0&limit=5000"))
        .await
        .json();
    let events = trace["events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["type"] == "webhook"),
        "no webhook event"
    );
    assert_eq!(
        trace["next"],
        events.last().unwrap()["seq"].as_u64().unwrap() + 1
    );
    assert!(chat_texts(&http, &server.base, ANA).await.len() == 2);
    assert_eq!(statuses_of(&wamid), ["delivered", "read", "sent"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_purges_after_the_clock_is_advanced_and_the_phone_keeps_its_copy() {
    let (server, receiver, http, _pnid) = start("retention").await;
    add_consumer(&http, &server, "+1 650 555 0101", "Ana").await;
    http.post_json(
        &server.url(&format!("/control/v1/consumers/{ANA}/messages")),
        &json!({"to": SHOP, "text": "keep me 30 days"}),
    )
    .await;
    let seen = receiver.seen.clone();
    eventually(WAIT, "delivered", || {
        let seen = seen.clone();
        async move { !seen.lock().unwrap().messages.is_empty() }
    })
    .await;
    let store_len = |v: &Value| v["cloud_api"]["store_total"].as_u64().unwrap();
    let before = http.get(&server.url("/control/v1/snapshot")).await.json();
    assert_eq!(store_len(&before), 1, "{}", before["cloud_api"]);
    // 29 days: still kept.
    let day = 86_400_000u64;
    let r = http
        .post_json(
            &server.url("/control/v1/clock/advance"),
            &json!({"ms": 29 * day}),
        )
        .await;
    assert_eq!(r.status, 200);
    let mid = http.get(&server.url("/control/v1/snapshot")).await.json();
    assert_eq!(store_len(&mid), 1);
    // Past 30 days: purged, and the retention check holds.
    http.post_json(
        &server.url("/control/v1/clock/advance"),
        &json!({"ms": day + 60_000}),
    )
    .await;
    let after = http.get(&server.url("/control/v1/snapshot")).await.json();
    assert_eq!(store_len(&after), 0, "{}", after["cloud_api"]);
    let retention = http.get(&server.url("/control/v1/retention")).await.json();
    assert_eq!(retention["holds"], true, "{retention}");
    assert_eq!(retention["stored"], 0);
    assert_eq!(
        chat_texts(&http, &server.base, ANA).await,
        ["keep me 30 days"]
    );
    let clock = http.get(&server.url("/control/v1/clock")).await.json();
    assert!(clock["offset_ms"].as_u64().unwrap() >= 30 * day);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_endpoint_is_retried_and_gets_everything_once_back_up() {
    let (server, receiver, http, _pnid) = start("retry").await;
    add_consumer(&http, &server, "+1 650 555 0101", "Ana").await;
    receiver.set_mode(Mode::Status(500));
    http.post_json(
        &server.url(&format!("/control/v1/consumers/{ANA}/messages")),
        &json!({"to": SHOP, "text": "while you were down"}),
    )
    .await;
    let seen = receiver.seen.clone();
    eventually(WAIT, "a refused attempt", || {
        let seen = seen.clone();
        async move { seen.lock().unwrap().refused >= 1 }
    })
    .await;
    receiver.set_mode(Mode::Ok);
    // The next retry is 10 s later: move the clock rather than wait.
    http.post_json(
        &server.url("/control/v1/clock/advance"),
        &json!({"ms": 11_000}),
    )
    .await;
    let seen = receiver.seen.clone();
    eventually(WAIT, "the retry", || {
        let seen = seen.clone();
        async move { !seen.lock().unwrap().messages.is_empty() }
    })
    .await;
    let delivered = receiver.seen.lock().unwrap().messages.clone();
    assert_eq!(
        delivered.values().next().unwrap(),
        &("while you were down".to_owned(), 1)
    );
    let trace = http
        .get(&server.url("/control/v1/trace?limit=5000"))
        .await
        .json();
    assert!(
        trace["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "webhook_failed" && e["attempt"] == 1),
        "no failed first attempt"
    );
}
