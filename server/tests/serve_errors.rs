//! Every Graph API error over HTTP, and bad input of every kind: malformed
//! JSON, wrong content types, huge bodies and headers, bad tokens, unknown
//! paths, a stalled client, a webhook receiver that hangs or answers 500.
//! Each gets Meta's error JSON (or the control API's) or a retry, and the
//! server stays up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{
    Http, Mode, Receiver, Reply, Server, add_consumer, config_file, eventually, temp_dir,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "errors-app-secret";
const TOKEN: &str = "EAAG-test-token";
const PNID: &str = "106540352242923";
const WABA: &str = "102290129340399";
const ANA: &str = "16505550101";
const SHOP: &str = "15550783881";
const WAIT: Duration = Duration::from_secs(30);

/// Meta's envelope, checked: status, code, `type`, `fbtrace_id`.
fn meta(r: &Reply, status: u16, code: u64) -> Value {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("application/json"),
        "{:?}",
        r.headers
    );
    let e = r.json()["error"].clone();
    assert_eq!(e["code"], code, "{e}");
    assert!(e["message"].is_string(), "{e}");
    assert!(e["type"].is_string(), "{e}");
    assert!(
        e["fbtrace_id"].as_str().is_some_and(|t| !t.is_empty()),
        "{e}"
    );
    e
}

fn control(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["error"]["cipherflow_code"], code, "{}", r.json());
}

async fn start(name: &str, extra: &[&str]) -> (Server, Receiver, Http) {
    let dir = temp_dir(name);
    let receiver = Receiver::start("errors-verify").await;
    let config = config_file(&dir, &receiver, SECRET);
    let mut args = vec!["--config", config.to_str().unwrap()];
    args.extend_from_slice(extra);
    let server = Server::start(&dir.join("data"), &args);
    let http = Http::new();
    let seen = receiver.seen.clone();
    eventually(WAIT, "the handshake", || {
        let seen = seen.clone();
        async move { seen.lock().unwrap().handshakes >= 1 }
    })
    .await;
    (server, receiver, http)
}

fn text(to: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}})
}

fn template(name: &str, language: &str, params: &[Value]) -> Value {
    json!({"messaging_product": "whatsapp", "to": ANA, "type": "template",
           "template": {"name": name, "language": {"code": language},
                        "components": [{"type": "body", "parameters": params}]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_graph_api_error_in_metas_shape() {
    let (server, receiver, http) = start("graph-errors", &[]).await;
    add_consumer(&http, &server, "+1 650 555 0101", "Ana").await;
    let messages = server.url(&format!("/v24.0/{PNID}/messages"));
    let send = |token: &'static str, body: Value| {
        let (http, url) = (http.clone(), messages.clone());
        async move { http.graph(&url, token, &body).await.unwrap() }
    };

    // 190: no token, a wrong one.
    let none = http
        .send(
            "POST",
            &messages,
            &[("content-type", "application/json")],
            text(ANA, "x").to_string(),
        )
        .await
        .unwrap();
    meta(&none, 401, 190);
    meta(&send("EAAG-wrong", text(ANA, "x")).await, 401, 190);
    // 100/33: an id that does not exist, to a caller with a valid token.
    let unknown = http
        .graph(
            &server.url("/v24.0/999999/messages"),
            TOKEN,
            &text(ANA, "x"),
        )
        .await
        .unwrap();
    assert_eq!(meta(&unknown, 400, 100)["error_subcode"], 33);
    // 100: not JSON, not an object, wrong content type with a non-JSON body.
    let not_json = http
        .send(
            "POST",
            &messages,
            &[
                ("content-type", "application/json"),
                ("authorization", "Bearer EAAG-test-token"),
            ],
            "{\"messaging_product\": ",
        )
        .await
        .unwrap();
    meta(&not_json, 400, 100);
    meta(&send(TOKEN, json!([1, 2])).await, 400, 100);
    let form = http
        .send(
            "POST",
            &messages,
            &[
                ("content-type", "text/plain"),
                ("authorization", "Bearer EAAG-test-token"),
            ],
            "to=16505550101&text=hi",
        )
        .await
        .unwrap();
    meta(&form, 400, 100);
    // 131008: a required parameter missing; 131009: a value not valid.
    let mut missing = text(ANA, "x");
    missing.as_object_mut().unwrap().remove("to");
    meta(&send(TOKEN, missing).await, 400, 131008);
    let mut bad_type = text(ANA, "x");
    bad_type["type"] = json!("hologram");
    meta(&send(TOKEN, bad_type).await, 400, 131009);
    meta(&send(TOKEN, text("not a number", "x")).await, 400, 131009);
    // 2500: paths and methods the Graph API does not have.
    let wrong_path = http
        .graph(
            &server.url(&format!("/v24.0/{PNID}/mesages")),
            TOKEN,
            &text(ANA, "x"),
        )
        .await
        .unwrap();
    meta(&wrong_path, 400, 2500);
    let get = http.get(&messages).await;
    meta(&get, 400, 2500);
    meta(&http.get(&server.url("/no/such/page")).await, 400, 2500);
    // 413: a body over 1 MiB.
    let huge = "x".repeat(2 * 1024 * 1024);
    let r = http
        .send(
            "POST",
            &messages,
            &[("content-type", "application/json")],
            huge,
        )
        .await
        .unwrap();
    meta(&r, 413, 100);

    // Templates: 132001 (none such, wrong language), 132000 (count),
    // 132012 (format), 132005 (too long), creation 100 with subcode 2388299.
    let templates = server.url(&format!("/v24.0/{WABA}/message_templates"));
    let list = http
        .send(
            "GET",
            &templates,
            &[("authorization", "Bearer EAAG-test-token")],
            "",
        )
        .await
        .unwrap();
    assert_eq!(list.status, 200);
    assert!(list.json()["data"].to_string().contains("hello_world"));
    meta(
        &send(TOKEN, template("no_such", "en_US", &[])).await,
        400,
        132001,
    );
    meta(
        &send(TOKEN, template("hello_world", "fr", &[])).await,
        400,
        132001,
    );
    let p = |t: &str| json!({"type": "text", "text": t});
    meta(
        &send(TOKEN, template("hello_world", "en_US", &[p("extra")])).await,
        400,
        132000,
    );
    let create = json!({"name": "order_update", "language": "en_US", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Your order {{1}} ships on {{2}}."}]});
    let created = http.graph(&templates, TOKEN, &create).await.unwrap();
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let dangling = json!({"name": "dangling", "language": "en_US", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "{{1}} is ready"}]});
    let e = meta(
        &http.graph(&templates, TOKEN, &dangling).await.unwrap(),
        400,
        100,
    );
    assert_eq!(e["error_subcode"], 2388299);
    // The review takes one minute of the world's clock.
    http.post_json(
        &server.url("/control/v1/clock/advance"),
        &json!({"ms": 61_000}),
    )
    .await;
    let image = json!({"type": "image", "image": {"link": "http://x/y.png"}});
    meta(
        &send(
            TOKEN,
            template("order_update", "en_US", &[image, p("Friday")]),
        )
        .await,
        400,
        132012,
    );
    let long = "x".repeat(1100);
    meta(
        &send(
            TOKEN,
            template("order_update", "en_US", &[p(&long), p("Friday")]),
        )
        .await,
        400,
        132005,
    );
    let ok = send(
        TOKEN,
        template("order_update", "en_US", &[p("#1042"), p("Friday")]),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));

    // 131047: a free-form text outside the 24-hour window is taken (200),
    // then fails by webhook with Meta's error.
    let outside = send(TOKEN, text(ANA, "are you there?")).await;
    assert_eq!(outside.status, 200);
    let wamid = outside.json()["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = receiver.seen.clone();
    let w = wamid.clone();
    eventually(WAIT, "the failed status", || {
        let (seen, w) = (seen.clone(), w.clone());
        async move {
            seen.lock()
                .unwrap()
                .statuses
                .get(&w)
                .is_some_and(|s| s.contains(&"failed".to_owned()))
        }
    })
    .await;
    let posts = receiver.seen.lock().unwrap().posts.clone();
    let failed = posts
        .iter()
        .flat_map(|p| {
            p["entry"][0]["changes"][0]["value"]["statuses"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|s| s["id"] == wamid.as_str() && s["status"] == "failed")
        .unwrap();
    assert_eq!(failed["errors"][0]["code"], 131047, "{failed}");

    // 131056: the pair rate limit (a burst of 45 to one consumer).
    let mut pair = None;
    for _ in 0..50 {
        let r = send(TOKEN, template("hello_world", "en_US", &[])).await;
        if r.status != 200 {
            pair = Some(r);
            break;
        }
    }
    meta(
        &pair.expect("no pair rate limit after 50 sends"),
        400,
        131056,
    );
    // 130429: more than 80 sends in a second, to 400 numbers at once.
    let mut sends = Vec::new();
    for i in 0..400 {
        let mut body = template("hello_world", "en_US", &[]);
        body["to"] = json!(format!("1650555{:04}", 2000 + i));
        sends.push(tokio::spawn(send(TOKEN, body)));
    }
    let mut throughput = None;
    for s in sends {
        let r = s.await.unwrap();
        if r.status == 400 && r.json()["error"]["code"] == 130429 {
            throughput = Some(r);
        }
    }
    let e = meta(
        &throughput.expect("no throughput limit in 400 sends"),
        400,
        130429,
    );
    assert_eq!(e["error_subcode"], 2494055);
    assert_eq!(receiver.seen.lock().unwrap().bad_signatures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_call_checks_its_token_and_the_handshake() {
    let (server, receiver, http) = start("subscriptions", &[]).await;
    let app = "706540352242923";
    let url = server.url(&format!("/v24.0/{app}/subscriptions"));
    let app_token = format!("Bearer {app}|{SECRET}");
    let form = |callback: &str, verify: &str| {
        format!(
            "object=whatsapp_business_account&callback_url={}&verify_token={verify}&fields=messages",
            callback.replace(':', "%3A").replace('/', "%2F")
        )
    };
    let post = |auth: String, body: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            http.send(
                "POST",
                &url,
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("authorization", &auth),
                ],
                body,
            )
            .await
            .unwrap()
        }
    };
    // A business token is not an app token.
    meta(
        &post(
            "Bearer EAAG-test-token".to_owned(),
            form(&receiver.url(), "errors-verify"),
        )
        .await,
        401,
        190,
    );
    // A wrong verify token: the endpoint answers 403, Meta's 2200.
    let e = meta(
        &post(app_token.clone(), form(&receiver.url(), "wrong")).await,
        400,
        2200,
    );
    assert!(e["message"].as_str().unwrap().contains("403"), "{e}");
    // https and nonsense URLs are refused before any request.
    meta(
        &post(app_token.clone(), form("https://example.com/w", "x")).await,
        400,
        100,
    );
    meta(
        &post(app_token.clone(), "object=page".to_owned()).await,
        400,
        100,
    );
    // Right: {"success": true}, and GET lists it.
    let ok = post(app_token.clone(), form(&receiver.url(), "errors-verify")).await;
    assert_eq!(ok.json(), json!({"success": true}));
    let listed = http
        .send("GET", &url, &[("authorization", &app_token)], "")
        .await
        .unwrap()
        .json();
    assert_eq!(listed["data"][0]["callback_url"], receiver.url());
    assert_eq!(listed["data"][0]["active"], true);
    // A port nobody listens on: refused, 2200.
    let dead = format!("http://127.0.0.1:{}/webhook", common::free_port());
    let e = meta(&post(app_token, form(&dead, "x")).await, 400, 2200);
    assert!(e["message"].as_str().unwrap().contains("refused"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_typed_error_and_the_server_stays_up() {
    let (mut server, _receiver, http) = start("bad-input", &[]).await;
    let consumers = server.url("/control/v1/consumers");
    // Control API: content type, JSON, fields, sizes, unknown things.
    let r = http
        .send("POST", &consumers, &[("content-type", "text/plain")], "{}")
        .await
        .unwrap();
    control(&r, 415, "UNSUPPORTED_MEDIA_TYPE");
    let r = http
        .send(
            "POST",
            &consumers,
            &[("content-type", "application/json")],
            "{\"number\":",
        )
        .await
        .unwrap();
    control(&r, 400, "BAD_JSON");
    control(
        &http
            .post_json(&consumers, &json!({"number": "+1 650 555 0101"}))
            .await,
        400,
        "BAD_JSON",
    );
    control(
        &http
            .post_json(&consumers, &json!({"number": "1", "name": "x", "extra": 1}))
            .await,
        400,
        "BAD_JSON",
    );
    control(
        &http
            .post_json(&consumers, &json!({"number": "banana", "name": "x"}))
            .await,
        400,
        "BAD_PHONE_NUMBER",
    );
    let huge = json!({"number": "+1 650 555 0101", "name": "x".repeat(100_000)});
    control(
        &http.post_json(&consumers, &huge).await,
        413,
        "BODY_TOO_LARGE",
    );
    let to_nobody = http
        .post_json(
            &server.url("/control/v1/consumers/16505550199/messages"),
            &json!({"to": SHOP, "text": "x"}),
        )
        .await;
    control(&to_nobody, 404, "UNKNOWN_CONSUMER");
    add_consumer(&http, &server, "+1 650 555 0101", "Ana").await;
    control(
        &http
            .post_json(
                &consumers,
                &json!({"number": "+1 650 555 0101", "name": "Ana"}),
            )
            .await,
        409,
        "NUMBER_TAKEN",
    );
    let empty = http
        .post_json(
            &server.url(&format!("/control/v1/consumers/{ANA}/messages")),
            &json!({"to": SHOP, "text": ""}),
        )
        .await;
    control(&empty, 400, "BAD_TEXT");
    control(
        &http.get(&server.url("/control/v1/nothing")).await,
        404,
        "UNKNOWN_PATH",
    );
    control(
        &http.get(&server.url("/control/v1/trace?limit=lots")).await,
        400,
        "BAD_QUERY",
    );
    let advance = server.url("/control/v1/clock/advance");
    control(
        &http.post_json(&advance, &json!({"ms": -5})).await,
        400,
        "BAD_JSON",
    );

    // Headers over 16 KiB: 431 with Meta's envelope, not a crash; and far
    // over, the HTTP layer stops reading.
    let big = "a".repeat(20_000);
    let r = http
        .send(
            "GET",
            &server.url("/control/v1/health"),
            &[("x-big", &big)],
            "",
        )
        .await
        .unwrap();
    meta(&r, 431, 100);
    let huge = "a".repeat(200_000);
    let r = http
        .send(
            "GET",
            &server.url("/control/v1/health"),
            &[("x-big", &huge)],
            "",
        )
        .await;
    assert!(
        matches!(&r, Ok(r) if r.status == 431) || r.is_err(),
        "{r:?}"
    );
    // A client that sends half a request and stalls does not hold others up.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(b"POST /v24.0/1/messages HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Raw garbage on another connection gets a 400 and a close.
    let mut garbage = tokio::net::TcpStream::connect(&addr).await.unwrap();
    garbage
        .write_all(b"\x00\x01\x02 not http at all\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), garbage.read_to_end(&mut answer)).await;
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 400"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    let health = http.get(&server.url("/control/v1/health")).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["ok"], true);
    drop(stalled);
    assert!(server.alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_times_out_and_is_retried() {
    let (mut server, receiver, http) = start("hang", &["--webhook-timeout-ms", "500"]).await;
    add_consumer(&http, &server, "+1 650 555 0101", "Ana").await;
    receiver.set_mode(Mode::Hang);
    http.post_json(
        &server.url(&format!("/control/v1/consumers/{ANA}/messages")),
        &json!({"to": SHOP, "text": "hello?"}),
    )
    .await;
    let (h, url) = (http.clone(), server.url("/control/v1/trace?limit=5000"));
    eventually(WAIT, "a timed-out attempt", || {
        let (h, url) = (h.clone(), url.clone());
        async move {
            h.get(&url).await.json()["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["type"] == "webhook_failed" && e["error"] == "timed out")
        }
    })
    .await;
    assert_eq!(
        http.get(&server.url("/control/v1/health")).await.status,
        200
    );
    receiver.set_mode(Mode::Ok);
    http.post_json(
        &server.url("/control/v1/clock/advance"),
        &json!({"ms": 11_000}),
    )
    .await;
    let seen = receiver.seen.clone();
    eventually(WAIT, "the retry delivered", || {
        let seen = seen.clone();
        async move { !seen.lock().unwrap().messages.is_empty() }
    })
    .await;
    assert!(server.alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_token_guards_the_control_api_and_not_the_graph_api() {
    let (server, _receiver, http) = start("control-token", &["--control-token", "s3cret"]).await;
    let health = server.url("/control/v1/health");
    control(&http.get(&health).await, 401, "UNAUTHORIZED");
    let wrong = http
        .send("GET", &health, &[("authorization", "Bearer nope")], "")
        .await
        .unwrap();
    control(&wrong, 401, "UNAUTHORIZED");
    let right = http
        .send("GET", &health, &[("authorization", "Bearer s3cret")], "")
        .await
        .unwrap();
    assert_eq!(right.status, 200);
    assert_eq!(
        http.get(&server.url("/control/v1/trace?limit=1&token=s3cret"))
            .await
            .status,
        200
    );
    // The Graph API keeps its own bearer tokens.
    let r = http
        .graph(
            &server.url(&format!("/v24.0/{PNID}/messages")),
            TOKEN,
            &text(ANA, "x"),
        )
        .await
        .unwrap();
    assert_ne!(r.status, 401, "{}", String::from_utf8_lossy(&r.body));
}
