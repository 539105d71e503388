//! Load through the real server: 200 consumers, 20,000 messages (18,000
//! from the phones to the business's webhook, 2,000 back through the Graph
//! API), bounded in time, nothing lost and nothing twice; then a `kill -9`
//! and a restart that replays the whole journal into the same world.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Http, Receiver, Server, eventually, temp_dir};
use serde_json::json;

const CONSUMERS: usize = 200;
const FROM_EACH: usize = 90;
const TO_EACH: usize = 10;
const TASKS: usize = 16;
const SECRET: &str = "load-app-secret";
const TOKEN: &str = "EAAG-load-token";
const PNID: &str = "106540352242923";
const SHOP: &str = "15550783881";
/// Meta's throughput limit: the business sends this many per second of the
/// world's clock, then moves the clock on.
const PER_SECOND: usize = 80;

fn number(i: usize) -> String {
    format!("1650555{:04}", 1000 + i)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_consumers_twenty_thousand_messages_nothing_lost() {
    let dir = temp_dir("load");
    let receiver = Receiver::start("load-verify").await;
    *receiver.app_secret.lock().unwrap() = SECRET.to_owned();
    let config = dir.join("config.json");
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|i| json!({"number": format!("+{}", number(i)), "name": format!("Phone {i}")}))
        .collect();
    std::fs::write(
        &config,
        json!({
            "businesses": [{
                "number": "+1 555 078 3881", "name": "Load Shop",
                "access_token": TOKEN, "app_secret": SECRET,
                "webhook": {"url": receiver.url(), "verify_token": "load-verify"},
            }],
            "consumers": consumers,
        })
        .to_string(),
    )
    .unwrap();
    let mut server = Server::start(&dir.join("data"), &["--config", config.to_str().unwrap()]);
    let http = Http::new();
    let started = Instant::now();

    // 18,000 texts from the phones, 16 clients at once.
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (http, base) = (http.clone(), server.base.clone());
        tasks.push(tokio::spawn(async move {
            for c in (t..CONSUMERS).step_by(TASKS) {
                for k in 0..FROM_EACH {
                    let r = http
                        .post_json(
                            &format!("{base}/control/v1/consumers/{}/messages", number(c)),
                            &json!({"to": SHOP, "text": format!("L-{c}-{k}")}),
                        )
                        .await;
                    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let inbound_taken = started.elapsed();
    let want = CONSUMERS * FROM_EACH;
    let seen = receiver.seen.clone();
    eventually(
        Duration::from_secs(300),
        "18,000 messages at the webhook",
        || {
            let seen = seen.clone();
            async move { seen.lock().unwrap().messages.len() >= want }
        },
    )
    .await;
    let inbound_done = started.elapsed();

    // 2,000 answers through the Graph API, 80 per second of the world.
    let url = server.url(&format!("/v24.0/{PNID}/messages"));
    let all: Vec<(usize, usize)> = (0..TO_EACH)
        .flat_map(|k| (0..CONSUMERS).map(move |c| (c, k)))
        .collect();
    for batch in all.chunks(PER_SECOND) {
        let mut sends = Vec::new();
        for &(c, k) in batch {
            let (http, url) = (http.clone(), url.clone());
            sends.push(tokio::spawn(async move {
                let body = json!({"messaging_product": "whatsapp", "to": number(c), "type": "text",
                                  "text": {"body": format!("R-{c}-{k}")}});
                http.graph(&url, TOKEN, &body).await.unwrap()
            }));
        }
        for s in sends {
            let r = s.await.unwrap();
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        }
        http.post_json(
            &server.url("/control/v1/clock/advance"),
            &json!({"ms": 1_000}),
        )
        .await;
    }
    let (h, base) = (http.clone(), server.base.clone());
    eventually(
        Duration::from_secs(300),
        "2,000 answers on the phones",
        || {
            let (h, base) = (h.clone(), base.clone());
            async move {
                let stats = h.get(&format!("{base}/control/v1/stats")).await.json();
                stats["delivered_to_consumer"].as_u64() >= Some((CONSUMERS * TO_EACH) as u64)
            }
        },
    )
    .await;
    let elapsed = started.elapsed();

    // Each text once at the webhook, every signature good, every answer on
    // its phone once.
    let by_text: BTreeMap<String, usize> = {
        let s = receiver.seen.lock().unwrap();
        assert_eq!(s.bad_signatures, 0);
        let mut by_text = BTreeMap::new();
        for (text, _) in s.messages.values() {
            *by_text.entry(text.clone()).or_insert(0) += 1;
        }
        by_text
    };
    assert_eq!(by_text.len(), want);
    assert!(by_text.values().all(|n| *n == 1));
    for c in [0, CONSUMERS / 2, CONSUMERS - 1] {
        let chats = http
            .get(&server.url(&format!("/control/v1/consumers/{}/chats", number(c))))
            .await
            .json();
        let texts: Vec<&str> = chats["chats"][0]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["outgoing"] == false)
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = (0..TO_EACH).map(|k| format!("R-{c}-{k}")).collect();
        assert_eq!(texts, expected);
    }
    let stats = http.get(&server.url("/control/v1/stats")).await.json();
    assert_eq!(stats["consumer_sent"], want);
    assert_eq!(stats["delivered_to_business"], want);
    assert_eq!(stats["duplicate_business_deliveries"], 0);
    assert_eq!(stats["delivered_to_consumer"], CONSUMERS * TO_EACH);
    let proof = http.get(&server.url("/control/v1/proof")).await.json();
    assert_eq!(proof["holds"], true);
    let health = http.get(&server.url("/control/v1/health")).await.json();

    // Killed and restarted: the journal replays into the same world.
    server.kill();
    let restarted = Server::start(&dir.join("data"), &["--config", config.to_str().unwrap()]);
    let mut replay_line = None;
    for _ in 0..500 {
        replay_line = restarted
            .stdout
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.starts_with("data: "))
            .cloned();
        if replay_line.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let replay_line = replay_line.expect("the restarted server said what it replayed");
    assert!(
        replay_line.contains("journal rows replayed"),
        "{replay_line}"
    );
    let again = http.get(&restarted.url("/control/v1/stats")).await.json();
    for key in [
        "consumer_sent",
        "delivered_to_business",
        "delivered_to_consumer",
        "duplicate_business_deliveries",
    ] {
        assert_eq!(again[key], stats[key], "{key} after the restart");
    }
    let proof = http.get(&restarted.url("/control/v1/proof")).await.json();
    assert_eq!(proof["holds"], true);
    println!("load: restarted; {replay_line}");
    println!(
        "load: {CONSUMERS} consumers, {} messages in {:.1} s ({:.0}/s); 18,000 inbound taken in {:.1} s, \
         at the webhook by {:.1} s; {} webhook POSTs; journal {} rows",
        want + CONSUMERS * TO_EACH,
        elapsed.as_secs_f64(),
        (want + CONSUMERS * TO_EACH) as f64 / elapsed.as_secs_f64(),
        inbound_taken.as_secs_f64(),
        inbound_done.as_secs_f64(),
        receiver.seen.lock().unwrap().posts.len(),
        health["journal_rows"],
    );
}
