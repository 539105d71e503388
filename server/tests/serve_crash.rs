//! Crash safety: a running conversation (consumers writing through the
//! control API, the business answering through the Graph API, webhooks to a
//! receiver in the test) while the server is killed with SIGKILL at 50 random
//! moments and restarted on the same data directory each time.
//!
//! A request cut by a kill may or may not have been taken (neither Meta's
//! API nor ours can say): the driver reconciles as a client would, by
//! looking, and sends again only what is not there. In the end every message
//! reached its application exactly once (the receiver, by wamid; the phone,
//! by bubble), nothing expired early, and the proof holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Http, Receiver, Server, eventually, free_port, temp_dir};
use serde_json::{Value, json};

const KILLS: usize = 50;
const SECRET: &str = "crash-app-secret";
const TOKEN: &str = "EAAG-crash-token";
const SHOP: &str = "15550783881";
/// Twenty phones: the business writes to each about once every 20 rounds,
/// within the pair rate limit's burst of 45 over the whole run.
const CONSUMERS: [&str; 20] = [
    "16505550100",
    "16505550101",
    "16505550102",
    "16505550103",
    "16505550104",
    "16505550105",
    "16505550106",
    "16505550107",
    "16505550108",
    "16505550109",
    "16505550110",
    "16505550111",
    "16505550112",
    "16505550113",
    "16505550114",
    "16505550115",
    "16505550116",
    "16505550117",
    "16505550118",
    "16505550119",
];
/// Between rounds, so the business stays under 80 messages per second.
const PACE: Duration = Duration::from_millis(25);
/// Conversations running at once, so that a kill lands amid requests,
/// webhooks and journal writes.
const DRIVERS: usize = 4;
const WAIT: Duration = Duration::from_secs(60);

/// What the driver knows about one message it tried to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The server answered 200.
    Taken,
    /// No answer (the server died): maybe taken.
    Unknown,
}

/// xorshift64*: the kill moments, reproducible from the seed.
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        lo + self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % (hi - lo)
    }
}

type Log = Arc<Mutex<BTreeMap<String, Outcome>>>;

/// Sends rounds until aborted: consumer i%2 writes "c-i", the business
/// answers "b-i" to the same consumer.
async fn drive(
    http: Http,
    base: String,
    pnid: String,
    next: Arc<AtomicUsize>,
    log: Log,
    seen: Arc<Mutex<common::Seen>>,
) {
    loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        let consumer = CONSUMERS[i % CONSUMERS.len()];
        tokio::time::sleep(PACE).await;
        let c = format!("c-{i}");
        log.lock().unwrap().insert(c.clone(), Outcome::Unknown);
        let r = http
            .send(
                "POST",
                &format!("{base}/control/v1/consumers/{consumer}/messages"),
                &[("content-type", "application/json")],
                json!({"to": SHOP, "text": c}).to_string(),
            )
            .await;
        match r {
            Ok(r) if r.status == 200 => {
                log.lock().unwrap().insert(c.clone(), Outcome::Taken);
            }
            Ok(r) => panic!("{c}: {} {}", r.status, String::from_utf8_lossy(&r.body)),
            Err(_) => return,
        }
        // The business answers what its webhook brought (which also opens
        // the 24-hour window it may answer in).
        let arrived = |text: &str| {
            seen.lock()
                .unwrap()
                .messages
                .values()
                .any(|(t, _)| t == text)
        };
        let waiting = Instant::now();
        while !arrived(&c) {
            if waiting.elapsed() > Duration::from_secs(5) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let b = format!("b-{i}");
        log.lock().unwrap().insert(b.clone(), Outcome::Unknown);
        let body = json!({"messaging_product": "whatsapp", "to": consumer, "type": "text",
                          "text": {"body": b}});
        loop {
            match http
                .graph(&format!("{base}/v24.0/{pnid}/messages"), TOKEN, &body)
                .await
            {
                Ok(r) if r.status == 200 => {
                    log.lock().unwrap().insert(b, Outcome::Taken);
                    break;
                }
                // A rate limit: refused and changed nothing; a client waits.
                Ok(r)
                    if [130429, 131056]
                        .contains(&r.json()["error"]["code"].as_u64().unwrap_or(0)) =>
                {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Ok(r) => panic!("{b}: {} {}", r.status, String::from_utf8_lossy(&r.body)),
                Err(_) => return,
            }
        }
    }
}

/// Every bubble text on the consumers' phones, with how often each appears.
async fn phone_texts(http: &Http, base: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in CONSUMERS {
        let v = http
            .get(&format!("{base}/control/v1/consumers/{c}/chats"))
            .await
            .json();
        for chat in v["chats"].as_array().into_iter().flatten() {
            for m in chat["messages"].as_array().into_iter().flatten() {
                *out.entry(m["text"].as_str().unwrap_or_default().to_owned())
                    .or_insert(0) += 1;
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_kills_lose_nothing_and_deliver_everything_exactly_once() {
    let dir = temp_dir("crash");
    let receiver = Receiver::start("crash-verify").await;
    *receiver.app_secret.lock().unwrap() = SECRET.to_owned();
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        json!({
            "businesses": [{
                "number": "+1 555 078 3881", "name": "Crash Shop",
                "access_token": TOKEN, "app_secret": SECRET,
                "webhook": {"url": receiver.url(), "verify_token": "crash-verify"},
            }],
            "consumers": CONSUMERS
                .iter()
                .map(|n| json!({"number": format!("+{n}"), "name": "Phone"}))
                .collect::<Vec<_>>(),
        })
        .to_string(),
    )
    .unwrap();
    let data = dir.join("data");
    let port = free_port();
    let args = ["--config", config.to_str().unwrap()];
    let http = Http::new();
    let pnid = "106540352242923".to_owned();
    let next = Arc::new(AtomicUsize::new(0));
    let log: Log = Arc::default();
    let mut moments = Moments(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let mut replay_lines = Vec::new();

    for _ in 0..KILLS {
        let mut server = Server::start_on(&data, port, &args);
        let drivers: Vec<_> = (0..DRIVERS)
            .map(|_| {
                tokio::spawn(drive(
                    http.clone(),
                    server.base.clone(),
                    pnid.clone(),
                    next.clone(),
                    log.clone(),
                    receiver.seen.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(moments.next_ms(5, 400))).await;
        server.kill();
        for driver in drivers {
            driver.abort();
            let _ = driver.await;
        }
        replay_lines.extend(
            server
                .stdout
                .lock()
                .unwrap()
                .iter()
                .filter(|l| l.starts_with("data: "))
                .cloned(),
        );
    }

    // The last start: everything that was taken goes on by itself.
    let server = Server::start_on(&data, port, &args);
    let base = server.base.clone();
    let mut unknown: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, o)| **o == Outcome::Unknown)
        .map(|(t, _)| t.clone())
        .collect();
    let cut = unknown.len();
    // Let what was in flight land (retransmissions wait seconds at most).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let on_phone = phone_texts(&http, &base).await;
    let mut resent = 0;
    for text in unknown.drain(..) {
        if on_phone.contains_key(&text) {
            continue;
        }
        let (kind, i) = text.split_once('-').unwrap();
        let i: usize = i.parse().unwrap();
        let consumer = CONSUMERS[i % CONSUMERS.len()];
        let r = if kind == "c" {
            http.post_json(
                &format!("{base}/control/v1/consumers/{consumer}/messages"),
                &json!({"to": SHOP, "text": text}),
            )
            .await
        } else {
            let body = json!({"messaging_product": "whatsapp", "to": consumer, "type": "text",
                              "text": {"body": text}});
            http.graph(&format!("{base}/v24.0/{pnid}/messages"), TOKEN, &body)
                .await
                .unwrap()
        };
        assert_eq!(
            r.status,
            200,
            "{text}: {}",
            String::from_utf8_lossy(&r.body)
        );
        resent += 1;
    }
    let sent: Vec<String> = log.lock().unwrap().keys().cloned().collect();
    let consumer_texts: Vec<&String> = sent.iter().filter(|t| t.starts_with("c-")).collect();
    let business_texts: Vec<&String> = sent.iter().filter(|t| t.starts_with("b-")).collect();

    // Every consumer message reached the business's application exactly
    // once (one wamid per text), and every business message the phone.
    let seen = receiver.seen.clone();
    let want = consumer_texts.len();
    eventually(WAIT, "every consumer message at the receiver", || {
        let seen = seen.clone();
        async move { seen.lock().unwrap().messages.len() >= want }
    })
    .await;
    let deadline = Instant::now() + WAIT;
    loop {
        let texts = phone_texts(&http, &base).await;
        let missing: Vec<&String> = sent.iter().filter(|t| !texts.contains_key(*t)).collect();
        if missing.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let detail: Vec<String> = {
                let log = log.lock().unwrap();
                missing
                    .iter()
                    .map(|t| format!("{t} ({:?})", log[*t]))
                    .collect()
            };
            let trace = http
                .get(&format!("{base}/control/v1/trace?limit=5000&since=0"))
                .await
                .json();
            let last: Vec<&Value> = trace["events"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .take(15)
                .collect();
            panic!("not on the phones: {detail:?}\nlast events: {last:#?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let on_phone = phone_texts(&http, &base).await;
    for t in &sent {
        assert_eq!(on_phone.get(t), Some(&1), "{t} on the phone");
    }
    let (by_text, raw_duplicates, bad_signatures) = {
        let s = receiver.seen.lock().unwrap();
        let mut by_text: BTreeMap<String, usize> = BTreeMap::new();
        let mut raw = 0;
        for (text, posts) in s.messages.values() {
            *by_text.entry(text.clone()).or_insert(0) += 1;
            raw += posts - 1;
        }
        (by_text, raw, s.bad_signatures)
    };
    for t in &consumer_texts {
        assert_eq!(by_text.get(*t), Some(&1), "{t} at the receiver (one wamid)");
    }
    assert_eq!(by_text.len(), consumer_texts.len());
    assert_eq!(bad_signatures, 0);

    // Nothing expired early: every message is still in the Cloud API's
    // store, and the retention check holds. The proof holds.
    let snapshot = http
        .get(&format!("{base}/control/v1/snapshot"))
        .await
        .json();
    let stored = snapshot["cloud_api"]["store_total"].as_u64().unwrap() as usize;
    assert_eq!(stored, sent.len(), "stored messages");
    assert_eq!(snapshot["retention"]["holds"], true);
    assert_eq!(snapshot["proof"]["holds"], true, "{}", snapshot["proof"]);
    assert_eq!(snapshot["delivery"]["duplicate_business_deliveries"], 0);
    let health = http.get(&format!("{base}/control/v1/health")).await.json();

    println!(
        "crash: {KILLS} kills in {:.1} s; {} consumer and {} business messages; \
         {cut} requests cut by a kill, {resent} of them not taken and sent again; \
         {raw_duplicates} webhook POSTs repeated after a kill (deduplicated by wamid); \
         journal {} rows; last replays: {:?}",
        started.elapsed().as_secs_f64(),
        consumer_texts.len(),
        business_texts.len(),
        health["journal_rows"],
        replay_lines.iter().rev().take(3).collect::<Vec<_>>(),
    );
    let _: Value = health;
}
