//! A room of phones on the transport's WebSocket: 300 phones, each running
//! the real consumer party (`PhoneLink`) on its own socket, each sending 20
//! messages to the business. Bounded in time; nothing lost (every text reaches
//! the business's webhook, signed, and every phone sees two ticks on all of
//! its messages). Prints latency p50 and p99 (phone send → webhook, and
//! phone send → two ticks) and the server's memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cipherflow_flow::consumer::Ticks;
use common::phone::{Phone, ws_url};
use common::{Http, Receiver, Server, business, config_file, eventually, temp_dir};

const PHONES: usize = 300;
const EACH: usize = 20;
const SECRET: &str = "load-app-secret";
/// The whole room must be done within this.
const BOUND: Duration = Duration::from_secs(240);

fn number(i: usize) -> String {
    format!("+1650556{:04}", i)
}

/// Resident and peak memory of a process, in KiB (Linux).
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_phones_twenty_messages_each_nothing_lost() {
    let dir = temp_dir("ws-load");
    let receiver = Receiver::start("my-verify-token").await;
    let config = config_file(&dir, &receiver, SECRET);
    let server = Server::start(&dir.join("data"), &["--config", config.to_str().unwrap()]);
    let http = Http::new();
    let _ = business(&http, &server).await;
    let (h, s) = (http.clone(), server.url("/control/v1/businesses"));
    eventually(Duration::from_secs(30), "the webhook handshake", || {
        let (h, s) = (h.clone(), s.clone());
        async move { h.get(&s).await.json()["data"][0]["webhook"]["verified"] == true }
    })
    .await;
    let (rss_before, _) = memory_kib(server.child.id());
    let url = ws_url(&server);
    let started = Instant::now();

    // Every phone: connect (registering its keys), send its 20 texts, and
    // pump its socket until all 20 have two ticks.
    let mut tasks = Vec::new();
    for i in 0..PHONES {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut phone = Phone::new(&number(i), 10_000 + i as u64);
            assert!(phone.connect(&url).await, "phone {i}: {:?}", phone.errors);
            let mut sent_at = BTreeMap::new();
            for k in 0..EACH {
                let text = format!("W-{i}-{k}");
                sent_at.insert(text.clone(), Instant::now());
                phone.send_text(&text).await;
            }
            let mut delivered_at = BTreeMap::new();
            let deadline = Instant::now() + BOUND;
            while delivered_at.len() < EACH {
                assert!(
                    Instant::now() < deadline,
                    "phone {i}: not delivered in time"
                );
                assert!(
                    phone.pump_once(Duration::from_millis(200)).await,
                    "phone {i}: socket closed ({:?})",
                    phone.errors
                );
                for c in phone.link.client().chats().values() {
                    for m in c.iter() {
                        if matches!(m.ticks, Ticks::Delivered | Ticks::Read)
                            && !delivered_at.contains_key(m.text)
                        {
                            delivered_at.insert(m.text.to_owned(), Instant::now());
                        }
                    }
                }
            }
            (sent_at, delivered_at, phone)
        }));
    }
    let mut sent_at = BTreeMap::new();
    let mut two_ticks = Vec::new();
    let mut phones = Vec::new();
    for t in tasks {
        let (sent, delivered, phone) = t.await.unwrap();
        for (text, at) in &delivered {
            two_ticks.push(at.duration_since(sent[text]));
        }
        sent_at.extend(sent);
        phones.push(phone);
    }
    let all_delivered = started.elapsed();

    // Nothing lost: every text reached the business's webhook, signed.
    let want = PHONES * EACH;
    let seen = receiver.seen.clone();
    eventually(BOUND, "every text at the webhook", || {
        let seen = seen.clone();
        async move { seen.lock().unwrap().messages.len() >= want }
    })
    .await;
    let elapsed = started.elapsed();
    let (rss_after, peak) = memory_kib(server.child.id());
    let (to_webhook, bad_signatures, webhook_messages, distinct_texts) = {
        let s = receiver.seen.lock().unwrap();
        let texts: std::collections::BTreeSet<&str> =
            s.messages.values().map(|(t, _)| t.as_str()).collect();
        let to_webhook: Vec<Duration> = sent_at
            .iter()
            .filter_map(|(text, at)| s.text_at.get(text).map(|w| w.duration_since(*at)))
            .collect();
        (to_webhook, s.bad_signatures, s.messages.len(), texts.len())
    };
    assert_eq!(bad_signatures, 0);
    assert_eq!(webhook_messages, want, "each text once, by wamid");
    assert_eq!(distinct_texts, want, "no text lost or doubled");
    let mut to_webhook = to_webhook;
    assert_eq!(to_webhook.len(), want);
    to_webhook.sort();
    two_ticks.sort();
    assert_eq!(two_ticks.len(), want);
    for phone in &phones {
        assert!(phone.errors.is_empty(), "{:?}", phone.errors);
    }

    let proof = Http::new()
        .get(&server.url("/control/v1/proof"))
        .await
        .json();
    assert_eq!(proof["holds"], true, "{proof}");
    println!(
        "transport load: {PHONES} phones x {EACH} messages = {want} in {:.1} s (all two ticks at {:.1} s, {:.0} messages/s)",
        elapsed.as_secs_f64(),
        all_delivered.as_secs_f64(),
        want as f64 / elapsed.as_secs_f64(),
    );
    println!(
        "latency send -> webhook: p50 {}, p99 {}; send -> two ticks: p50 {}, p99 {}",
        ms(percentile(&to_webhook, 0.5)),
        ms(percentile(&to_webhook, 0.99)),
        ms(percentile(&two_ticks, 0.5)),
        ms(percentile(&two_ticks, 0.99)),
    );
    println!(
        "server memory: RSS {} KiB before, {} KiB after, peak {} KiB; proof over {} transport bytes, {} plaintexts",
        rss_before, rss_after, peak, proof["bytes_scanned"], proof["messages_checked"],
    );
}
