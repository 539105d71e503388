//! End-to-end simulated messages per second through all four parties, with peak
//! memory, at 10k, 100k and 1M messages among 10,000 consumers and 10
//! businesses, so that growth is visible.
//!
//! Every message is real work: Signal encryption on the sender, routing and
//! metadata at the transport, decryption, storage, a signed webhook or a Graph
//! API request at the Cloud API, receipts and status webhooks back. Messages are
//! spread over 90 virtual days with 30-day retention, so the Cloud API store
//! reaches a steady state and purges as it goes: memory should follow live data,
//! not the total sent. The trace counts events only and the ciphertext-only
//! proof runs in streaming mode (bounded memory), as a scale run must.
//!
//! Each size runs in a child process so its peak memory (VmHWM) is its own.
//! `cargo bench -p cipherflow-flow --bench flow_scale -- --test` is a smoke run
//! (2,000 messages among 200 consumers). With `CIPHERFLOW_BENCH_JSON=path` the
//! rows are also written to that path as JSON, for `scripts/bench.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::Instant;

mod support {
    pub mod traffic;
}

use support::traffic::{self, BUSINESSES, SPAN_DAYS};

fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn run(messages: usize, consumers: usize) {
    let setup = Instant::now();
    let (mut sim, shops) = traffic::setup(consumers);
    let setup_s = setup.elapsed().as_secs_f64();
    let start = Instant::now();
    let peak_store = traffic::run(&mut sim, &shops, messages, consumers);
    let secs = start.elapsed().as_secs_f64();
    let stats = sim.delivery_stats();
    assert_eq!(
        stats.delivered_to_business, stats.consumer_sent,
        "every inbound message delivered"
    );
    assert_eq!(
        stats.delivered_to_consumer, stats.business_sent,
        "every outbound message delivered"
    );
    let proof = sim.proof();
    assert!(proof.holds && proof.matches == 0);
    println!(
        "RESULT {messages} {consumers} {secs:.3} {setup_s:.3} {} {peak_store} {} {}",
        peak_kb().unwrap_or(0),
        sim.trace().total,
        proof.bytes_scanned
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let messages = args[pos + 1].parse().unwrap();
        let consumers = args[pos + 2].parse().unwrap();
        run(messages, consumers);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let smoke = args.iter().any(|a| a == "--test");
    let sizes: Vec<(usize, usize)> = if smoke {
        vec![(2_000, 200)]
    } else {
        vec![(10_000, 10_000), (100_000, 10_000), (1_000_000, 10_000)]
    };
    let exe = std::env::current_exe().unwrap();
    println!(
        "flow scale: {BUSINESSES} businesses, messages spread over {SPAN_DAYS} days, 30-day retention"
    );
    println!(
        "| messages | consumers | msgs/s | vs first row | run (s) | setup (s) | peak RSS (MB) | vs first row | peak stored msgs | trace events |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut first: Option<(f64, f64)> = None;
    let mut rows = Vec::new();
    for (messages, consumers) in sizes {
        let out = Command::new(&exe)
            .args(["--child", &messages.to_string(), &consumers.to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().find(|l| l.starts_with("RESULT")).unwrap();
        let f: Vec<&str> = line.split_whitespace().collect();
        let secs: f64 = f[3].parse().unwrap();
        let rate = messages as f64 / secs;
        let peak_mb = f[5].parse::<f64>().unwrap() / 1024.0;
        let (r0, m0) = *first.get_or_insert((rate, peak_mb));
        println!(
            "| {messages} | {consumers} | {rate:.0} | {:.2}x | {secs:.1} | {} | {peak_mb:.0} | {:.2}x | {} | {} |",
            rate / r0,
            f[4],
            peak_mb / m0,
            f[6],
            f[7]
        );
        rows.push(serde_json::json!({
            "messages": messages,
            "consumers": consumers,
            "msgs_per_s": rate,
            "run_s": secs,
            "setup_s": f[4].parse::<f64>().unwrap(),
            "peak_rss_mb": peak_mb,
            "peak_stored_messages": f[6].parse::<u64>().unwrap(),
            "trace_events": f[7].parse::<u64>().unwrap(),
        }));
    }
    if let Ok(path) = std::env::var("CIPHERFLOW_BENCH_JSON") {
        let doc = serde_json::json!({
            "smoke": smoke,
            "businesses": BUSINESSES,
            "span_days": SPAN_DAYS,
            "rows": rows,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        println!("rows written to {path}");
    }
}
