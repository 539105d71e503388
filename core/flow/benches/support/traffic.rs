//! The scale run's simulation and traffic, shared by the `flow_scale` bench
//! and the `memory_breakdown` example so that both measure the same run.

use cipherflow_flow::cloud_api::store::DAY_MS;
use cipherflow_flow::trace::TraceMode;
use cipherflow_flow::{SimConfig, Simulation};

/// Business numbers in the run.
pub const BUSINESSES: usize = 10;
/// Virtual days the messages are spread over (retention is 30).
pub const SPAN_DAYS: u64 = 90;

/// The `i`-th consumer's phone number.
pub fn consumer_number(i: usize) -> String {
    format!("+1 650 {:07}", 1_000_000 + i)
}

/// A simulation with `consumers` phones and [`BUSINESSES`] numbers, as the
/// scale run configures it (count-only trace, chats keep 20 messages).
pub fn setup(consumers: usize) -> (Simulation, Vec<cipherflow_flow::BusinessHandle>) {
    let mut sim = Simulation::new(SimConfig {
        seed: 2026,
        trace: TraceMode::CountOnly,
        history_limit: Some(20),
        ..SimConfig::default()
    })
    .unwrap();
    for i in 0..consumers {
        sim.add_consumer(&consumer_number(i), "Consumer").unwrap();
    }
    let shops = (0..BUSINESSES)
        .map(|b| {
            sim.add_business(&format!("+1 555 020 {:04}", b + 1), "Shop")
                .unwrap()
        })
        .collect();
    (sim, shops)
}

/// Sends `messages` (half from consumers to shops drawn by a fixed
/// xorshift, half the shop's answer to the consumer who just wrote) spread
/// over [`SPAN_DAYS`], then lets a day pass. Returns the most messages the Cloud API held at once.
pub fn run(
    sim: &mut Simulation,
    shops: &[cipherflow_flow::BusinessHandle],
    messages: usize,
    consumers: usize,
) -> usize {
    let step = SPAN_DAYS * DAY_MS / messages as u64;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut peak_store = 0;
    let mut last = (String::new(), 0);
    for i in 0..messages {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Odd messages: the shop answers the consumer who just wrote, inside
        // the customer service window.
        if i % 2 == 0 {
            last = (
                consumer_number((x as usize) % consumers),
                (x >> 32) as usize % BUSINESSES,
            );
        }
        let (c, shop) = (&last.0, &shops[last.1]);
        if i % 2 == 0 {
            sim.consumer_send_text(
                c,
                &shop.display_phone_number.e164(),
                &format!("order question number {i}"),
            )
            .unwrap();
        } else {
            let r = sim
                .business_send_text(
                    &shop.phone_number_id,
                    c,
                    &format!("answer number {i} from the shop"),
                )
                .unwrap();
            assert_eq!(r.status, 200);
        }
        sim.advance(step);
        peak_store = peak_store.max(sim.cloud_api().store().len());
    }
    sim.advance(DAY_MS);
    peak_store
}
