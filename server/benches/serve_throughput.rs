//! End-to-end throughput and latency through the real server over loopback,
//! beside the same workload in the in-process simulation, at 10, 100 and
//! 1,000 consumers.
//!
//! Two workloads, each `MESSAGES` messages:
//!
//! - **consumer → webhook**: 16 clients make consumers write through the
//!   control API; a message's latency runs from its request to the moment the
//!   webhook carrying it reaches the receiver (a small HTTP server in this
//!   process, which checks nothing and answers 200). On the way: the consumer
//!   party encrypts, the transport routes, the Cloud API decrypts and POSTs,
//!   every input journaled in SQLite.
//! - **Graph API → webhook**: the business sends through the Graph API, 80 at
//!   a time (Meta's throughput limit per number and second); when a batch's
//!   `delivered` statuses are all in, the bench moves the world's clock on so
//!   the limits refill. A message's latency runs from its request to the
//!   `delivered` status webhook (the Cloud API encrypts, the transport routes,
//!   the phone decrypts and sends a receipt, the Cloud API POSTs the status).
//!
//! - **Graph API → answer**: the same requests, from each to its HTTP answer
//!   (the Cloud API has encrypted the message, and the journal holds the
//!   request); the rate counts only the time batches spent being answered.
//!
//! The live world keeps the simulation's model of the network: an envelope
//! between the transport and a device takes 60 to 119 ms
//! (`router::network::LATENCY_MS`), and the server waits it out in real
//! time. So a consumer's message takes at least 60 ms to its webhook and a
//! business's at least 120 ms to `delivered` (two envelopes), whatever the
//! machine; the Graph API rate is bounded by batches of 80 waiting for that.
//! The simulation runs the same commands in process, each followed by
//! `settle` (the modeled delay is virtual time and costs nothing), so its
//! rate is the parties' own cost; the ratio shows what the sockets, the HTTP
//! layers, the journal and the modeled delay add.
//!
//! `cargo bench -p cipherflow-server --bench serve_throughput -- --test` is a
//! smoke run (10 consumers, 40 messages). `CIPHERFLOW_BENCH_JSON=path` writes
//! the results for `bench/report.mjs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cipherflow_flow::{BusinessCredentials, SimConfig, Simulation};
use common::{Http, Receiver, Server, temp_dir};
use serde_json::{Value, json};

const CLIENTS: usize = 16;
const TOKEN: &str = "EAAG-bench-token";
const SECRET: &str = "bench-app-secret";
const PNID: &str = "106540352242923";
const SHOP: &str = "15550783881";
const PER_SECOND: usize = 80;

fn number(i: usize) -> String {
    format!("1650555{:04}", i)
}

/// Rate and latency percentiles of one run.
#[derive(Debug, Clone)]
struct Figures {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn figures(count: usize, elapsed: Duration, mut latencies: Vec<Duration>) -> Figures {
    latencies.sort();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    Figures {
        per_second: count as f64 / elapsed.as_secs_f64(),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    }
}

async fn server_run(consumers: usize, messages: usize) -> [Figures; 3] {
    let dir = temp_dir(&format!("bench-{consumers}"));
    let receiver = Receiver::start("bench-verify").await;
    *receiver.app_secret.lock().unwrap() = SECRET.to_owned();
    let config = dir.join("config.json");
    let people: Vec<Value> = (0..consumers)
        .map(|i| json!({"number": format!("+{}", number(i)), "name": "Phone"}))
        .collect();
    std::fs::write(
        &config,
        json!({
            "businesses": [{"number": "+1 555 078 3881", "name": "Bench Shop",
                "access_token": TOKEN, "app_secret": SECRET,
                "webhook": {"url": receiver.url(), "verify_token": "bench-verify"}}],
            "consumers": people,
        })
        .to_string(),
    )
    .unwrap();
    let server = Server::start(&dir.join("data"), &["--config", config.to_str().unwrap()]);
    let http = Http::new();
    let seen = receiver.seen.clone();
    wait_until(|| seen.lock().unwrap().handshakes >= 1).await;

    // Consumer → webhook.
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (http, base, next) = (http.clone(), server.base.clone(), next.clone());
        clients.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= messages {
                    return sent;
                }
                let text = format!("in-{i}");
                let at = Instant::now();
                let r = http
                    .post_json(
                        &format!(
                            "{base}/control/v1/consumers/{}/messages",
                            number(i % consumers)
                        ),
                        &json!({"to": SHOP, "text": text}),
                    )
                    .await;
                assert_eq!(r.status, 200);
                sent.push((text, at));
            }
        }));
    }
    let mut sent = Vec::new();
    for c in clients {
        sent.extend(c.await.unwrap());
    }
    let seen = receiver.seen.clone();
    wait_until(|| seen.lock().unwrap().text_at.len() >= messages).await;
    let (inbound_latencies, last) = {
        let s = receiver.seen.lock().unwrap();
        let lat: Vec<Duration> = sent.iter().map(|(t, at)| s.text_at[t] - *at).collect();
        (
            lat,
            s.text_at
                .values()
                .max()
                .copied()
                .unwrap_or_else(Instant::now),
        )
    };
    let inbound = figures(messages, last - started, inbound_latencies);

    // Graph API → webhook (delivered), a batch of 80 at a time: each batch's
    // `delivered` statuses are awaited before the clock moves on, so no
    // message is carried by a jump of the clock.
    let url = server.url(&format!("/v24.0/{PNID}/messages"));
    let delivered = |s: &common::Seen, w: &str| {
        s.status_at
            .get(&(w.to_owned(), "delivered".to_owned()))
            .copied()
    };
    let started = Instant::now();
    let mut sent = Vec::new();
    let (mut answers, mut answering) = (Vec::new(), Duration::ZERO);
    let per_consumer_batch = PER_SECOND.div_ceil(consumers) as u64;
    for batch in (0..messages).collect::<Vec<_>>().chunks(PER_SECOND) {
        let mut sends = Vec::new();
        for &i in batch {
            let (http, url) = (http.clone(), url.clone());
            sends.push(tokio::spawn(async move {
                let body = json!({"messaging_product": "whatsapp", "to": number(i % consumers),
                                  "type": "text", "text": {"body": format!("out-{i}")}});
                let at = Instant::now();
                let r = http.graph(&url, TOKEN, &body).await.unwrap();
                let answered = Instant::now();
                assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
                (
                    r.json()["messages"][0]["id"].as_str().unwrap().to_owned(),
                    at,
                    answered,
                )
            }));
        }
        let batch_started = Instant::now();
        let mut wamids = Vec::new();
        let mut last_answer = batch_started;
        for s in sends {
            let (wamid, at, answered) = s.await.unwrap();
            answers.push(answered - at);
            last_answer = last_answer.max(answered);
            wamids.push(wamid.clone());
            sent.push((wamid, at));
        }
        answering += last_answer - batch_started;
        let seen = receiver.seen.clone();
        wait_until(|| {
            let s = seen.lock().unwrap();
            wamids.iter().all(|w| delivered(&s, w).is_some())
        })
        .await;
        // The throughput and pair limits refill with the world's clock.
        http.post_json(
            &server.url("/control/v1/clock/advance"),
            &json!({"ms": 6_000 * per_consumer_batch}),
        )
        .await;
    }
    let (outbound_latencies, last) = {
        let s = receiver.seen.lock().unwrap();
        let lat: Vec<Duration> = sent
            .iter()
            .map(|(w, at)| delivered(&s, w).unwrap() - *at)
            .collect();
        let last = sent
            .iter()
            .filter_map(|(w, _)| delivered(&s, w))
            .max()
            .unwrap_or_else(Instant::now);
        (lat, last)
    };
    let outbound = figures(messages, last - started, outbound_latencies);
    let answered = figures(messages, answering, answers);
    // The server stops, then its data directory goes (`TempDir`).
    drop(server);
    [inbound, answered, outbound]
}

/// Polls `done` every 2 ms (not `common::eventually`'s 25 ms: a batch of the
/// Graph API workload waits here, so the poll's granularity counts in its
/// rate).
async fn wait_until(mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the server did not finish within 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The same workload in process.
fn simulation_run(consumers: usize, messages: usize) -> [Figures; 3] {
    let mut sim = Simulation::new(SimConfig {
        seed: 7,
        ..SimConfig::default()
    })
    .unwrap();
    let credentials = BusinessCredentials {
        access_token: Some(TOKEN.to_owned()),
        app_secret: Some(SECRET.to_owned()),
        verify_token: None,
    };
    let shop = sim
        .add_business_with("+1 555 078 3881", "Bench Shop", &credentials)
        .unwrap();
    for i in 0..consumers {
        sim.add_consumer(&format!("+{}", number(i)), "Phone")
            .unwrap();
    }
    sim.settle();
    // Each command's own time (the answer), and with `settle` (delivered).
    let run = |sim: &mut Simulation, f: &mut dyn FnMut(&mut Simulation, usize)| {
        let started = Instant::now();
        let (mut answers, mut answering) = (Vec::with_capacity(messages), Duration::ZERO);
        let mut latencies = Vec::with_capacity(messages);
        for i in 0..messages {
            let at = Instant::now();
            f(sim, i);
            let answer = at.elapsed();
            answers.push(answer);
            answering += answer;
            sim.settle();
            latencies.push(at.elapsed());
        }
        (
            figures(messages, answering, answers),
            figures(messages, started.elapsed(), latencies),
        )
    };
    let (_, inbound) = run(&mut sim, &mut |sim, i| {
        sim.consumer_send_text(&number(i % consumers), SHOP, &format!("in-{i}"))
            .unwrap();
    });
    let per_consumer_batch = PER_SECOND.div_ceil(consumers) as u64;
    let (answered, outbound) = run(&mut sim, &mut |sim, i| {
        if i > 0 && i % PER_SECOND == 0 {
            sim.advance(6_000 * per_consumer_batch);
        }
        let r = sim
            .business_send_text(
                &shop.phone_number_id,
                &number(i % consumers),
                &format!("out-{i}"),
            )
            .unwrap();
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    });
    [inbound, answered, outbound]
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let (sizes, messages): (&[usize], usize) = if smoke {
        (&[10], 40)
    } else {
        (&[10, 100, 1_000], 2_000)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    println!(
        "{:>9} {:<22} {:>11} {:>8} {:>8} {:>11} {:>8} {:>8} {:>7}",
        "consumers",
        "workload",
        "server/s",
        "p50 ms",
        "p99 ms",
        "in-proc/s",
        "p50 ms",
        "p99 ms",
        "ratio"
    );
    for &n in sizes {
        let [s_in, s_answer, s_out] = runtime.block_on(server_run(n, messages));
        let [m_in, m_answer, m_out] = simulation_run(n, messages);
        for (name, s, m) in [
            ("consumer -> webhook", s_in, m_in),
            ("Graph API -> answer", s_answer, m_answer),
            ("Graph API -> delivered", s_out, m_out),
        ] {
            let ratio = s.per_second / m.per_second;
            println!(
                "{n:>9} {name:<22} {:>11.0} {:>8.2} {:>8.2} {:>11.0} {:>8.3} {:>8.3} {:>7.3}",
                s.per_second, s.p50_ms, s.p99_ms, m.per_second, m.p50_ms, m.p99_ms, ratio
            );
            rows.push(json!({
                "consumers": n, "workload": name, "messages": messages,
                "server": {"per_second": s.per_second, "p50_ms": s.p50_ms, "p99_ms": s.p99_ms},
                "simulation": {"per_second": m.per_second, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms},
                "ratio": ratio,
            }));
        }
    }
    if let Ok(path) = std::env::var("CIPHERFLOW_BENCH_JSON") {
        let out = json!({"clients": CLIENTS, "smoke": smoke, "rows": rows});
        std::fs::write(path, serde_json::to_string_pretty(&out).unwrap()).unwrap();
    }
}
