//! Where the scale run's memory goes: the `flow_scale` bench's run under a
//! counting allocator, then each party's live heap, measured as the bytes a
//! deep copy of it allocates (so spare capacity in growable tables is not
//! counted: the bench's peak RSS is the figure to hold against a budget).
//!
//! ```text
//! cargo run --release -p cipherflow-flow --example memory_breakdown -- 1000000 10000
//! ```
//!
//! Prints one line per party and part, in MB (10^6 bytes) and per message
//! the Cloud API held at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(not(target_arch = "wasm32"))]
#[path = "../benches/support/traffic.rs"]
mod traffic;

/// Native only: the counting allocator is the system allocator's.
#[cfg(not(target_arch = "wasm32"))]
mod breakdown {
    use std::alloc::System;

    use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

    use super::traffic;

    /// The system allocator, counting.
    #[global_allocator]
    static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

    /// Bytes allocated and not yet freed (`stats_alloc` already counts a
    /// reallocation's growth as allocated and its shrinking as freed).
    fn live() -> usize {
        let s = ALLOCATOR.stats();
        s.bytes_allocated.saturating_sub(s.bytes_deallocated)
    }

    /// The heap bytes a deep copy of `value` allocates.
    fn deep_size<T: Clone>(value: &T) -> usize {
        let before = live();
        let copy = value.clone();
        let size = live().saturating_sub(before);
        drop(copy);
        size
    }

    pub fn main() {
        let args: Vec<usize> = std::env::args()
            .skip(1)
            .map(|a| a.parse().expect("messages and consumers as numbers"))
            .collect();
        let messages = args.first().copied().unwrap_or(100_000);
        let consumers = args.get(1).copied().unwrap_or(10_000);
        let (mut sim, shops) = traffic::setup(consumers);
        let peak_store = traffic::run(&mut sim, &shops, messages, consumers);
        let held = sim.cloud_api().store().len().max(1);
        let mb = |bytes: usize| bytes as f64 / 1e6;
        let line = |what: &str, bytes: usize| {
            println!(
                "{what:<40} {:>9.1} MB {:>7.0} B/held msg",
                mb(bytes),
                bytes as f64 / held as f64
            );
        };
        println!(
            "{messages} messages, {consumers} consumers; the Cloud API holds {held} (peak {peak_store})"
        );
        line("live heap", live());
        let consumers_map = sim.consumers();
        line("consumers' phones", deep_size(consumers_map));
        let chats: usize = consumers_map.values().map(|c| deep_size(c.chats())).sum();
        let bubbles: usize = consumers_map
            .values()
            .flat_map(|c| c.chats().values())
            .map(|chat| chat.len())
            .sum();
        line("  of which chats", chats);
        println!(
            "    {bubbles} bubbles, {:.0} B each",
            chats as f64 / bubbles.max(1) as f64
        );
        let cloud = sim.cloud_api();
        line("Cloud API", deep_size(cloud));
        line("  of which the message store", deep_size(cloud.store()));
        line("transport", deep_size(sim.transport()));
        line("businesses' servers", deep_size(sim.businesses()));
        line("journeys", deep_size(sim.journeys()));
        line("ledger", deep_size(sim.ledger()));
        line("trace", deep_size(sim.trace()));
    }
}

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    breakdown::main();
}
