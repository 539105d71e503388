//! Faults that feed themselves must not make the simulation work for ever:
//! rebuilding a session backs off like retransmission does, so a world whose
//! every delivery is damaged settles after a handful of X3DH runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod flow_common;

use cipherflow_flow::faults::FaultConfig;
use cipherflow_flow::trace::EventKind;
use cipherflow_flow::{SimConfig, Simulation};

fn sessions_created(sim: &Simulation) -> usize {
    sim.trace()
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::SessionCreated { .. }))
        .count()
}

/// The npm module's robustness test once measured minutes here: every retry
/// request ran a new X3DH, and every new prekey message was damaged again.
#[test]
fn tamper_everything_and_duplicate_half_settles_after_a_few_rebuilds() {
    let (mut sim, _) = flow_common::world_with(SimConfig {
        seed: 1,
        faults: FaultConfig {
            tamper: 1.0,
            duplicate: 0.5,
            ..FaultConfig::default()
        },
        ..SimConfig::default()
    });
    sim.consumer_send_text(flow_common::ALICE, flow_common::SHOP, "hi")
        .unwrap();
    let steps = sim
        .settle_within(2_000)
        .expect("settles within 2,000 steps");
    assert!(steps < 400, "{steps} steps");
    // Every delivery was damaged, so nothing got through; the rebuilds backed off.
    assert!(sim.businesses().values().all(|b| b.inbox.is_empty()));
    let sessions = sessions_created(&sim);
    assert!(sessions <= 8, "{sessions} sessions made");
    let deferred = sim
        .trace()
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::RetryDeferred { .. }))
        .count();
    assert!(
        deferred > 0,
        "retry requests during the backoff were deferred"
    );
    // Lift the fault: the next retransmission delivers, exactly once.
    sim.set_faults(FaultConfig::default()).unwrap();
    sim.advance(2 * 3_600_000);
    let inbox: usize = sim.businesses().values().map(|b| b.inbox.len()).sum();
    assert_eq!(inbox, 1);
    assert!(sim.proof().holds);
}
