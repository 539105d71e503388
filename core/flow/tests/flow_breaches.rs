//! Each deliberate breach turns exactly the checks it breaks red: the matrix
//! cells it names, the proof, or the retention check, and nothing else. Run on
//! the same scenario as a world without breaches, where every check is green.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod flow_common;

use std::collections::BTreeSet;

use cipherflow_flow::Simulation;
use cipherflow_flow::breach::{Breach, Check, Column};
use cipherflow_flow::cloud_api::store::DAY_MS;
use cipherflow_flow::ledger::DataCategory;
use flow_common::*;

/// A run that touches every row of Meta's table: both directions, a read,
/// a spam report, billing and statistics reports, and the 30-day purge.
fn scenario(breach: Option<Breach>) -> Simulation {
    let (mut sim, shop) = world(40);
    if let Some(b) = breach {
        sim.set_breach(b, true);
    }
    sim.consumer_send_text(ALICE, SHOP, "Is the blue jacket back in stock?")
        .unwrap();
    sim.settle();
    sim.business_send_text(&shop.phone_number_id, ALICE, "Yes, size M and L today")
        .unwrap();
    sim.settle();
    sim.consumer_read(ALICE, SHOP).unwrap();
    sim.consumer_report_spam(BOB, SHOP).unwrap();
    sim.advance(2 * 60_000);
    sim.advance(31 * DAY_MS);
    sim
}

/// Every check that is red in `sim`, named as a breach names them.
fn red(sim: &Simulation) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let m = sim.visibility();
    for d in &m.disagreements {
        out.insert(format!("{:?}", Check::Cell(d.data, d.column)));
    }
    for data in &m.system_differs {
        out.insert(format!("system {data:?}"));
    }
    if !sim.proof().holds {
        out.insert(format!("{:?}", Check::Proof));
    }
    if !sim.retention_check().holds {
        out.insert(format!("{:?}", Check::Retention));
    }
    out
}

#[test]
fn without_a_breach_every_check_is_green() {
    let sim = scenario(None);
    assert_eq!(red(&sim), BTreeSet::new(), "{:#?}", sim.visibility());
    assert!(sim.visibility().all_agree);
    // The scenario really exercised retention: everything was purged.
    assert!(sim.cloud_api().store().is_empty());
}

fn breach_turns_exactly_its_checks_red(breach: Breach) {
    let sim = scenario(Some(breach));
    let expected: BTreeSet<String> = breach
        .turns_red()
        .iter()
        .map(|c| format!("{c:?}"))
        .collect();
    assert_eq!(red(&sim), expected, "{breach:?}");
}

#[test]
fn content_to_rest_of_meta_turns_that_cell_red() {
    breach_turns_exactly_its_checks_red(Breach::ContentToRestOfMeta);
    assert_eq!(
        Breach::ContentToRestOfMeta.turns_red(),
        [Check::Cell(
            DataCategory::MessageContent,
            Column::RestOfMeta
        )]
    );
}

#[test]
fn plaintext_to_transport_turns_the_whatsapp_content_cell_and_the_proof_red() {
    breach_turns_exactly_its_checks_red(Breach::PlaintextToTransport);
    let sim = scenario(Some(Breach::PlaintextToTransport));
    assert!(
        sim.proof().matches > 0,
        "the proof found the copies in the bytes"
    );
    assert!(sim.transport().shared().plaintext_copies > 0);
}

#[test]
fn consumer_numbers_to_rest_of_meta_turns_that_cell_red() {
    breach_turns_exactly_its_checks_red(Breach::ConsumerNumbersToRestOfMeta);
    let sim = scenario(Some(Breach::ConsumerNumbersToRestOfMeta));
    assert!(!sim.rest_of_meta().consumer_numbers.is_empty());
}

#[test]
fn integrity_to_rest_of_meta_turns_that_cell_red() {
    breach_turns_exactly_its_checks_red(Breach::IntegrityToRestOfMeta);
}

#[test]
fn retention_never_purges_turns_the_retention_check_red() {
    breach_turns_exactly_its_checks_red(Breach::RetentionNeverPurges);
    let sim = scenario(Some(Breach::RetentionNeverPurges));
    let r = sim.retention_check();
    assert_eq!(r.overdue, 2, "{r:?}");
    assert_eq!(sim.cloud_api().store().len(), 2);
}

#[test]
fn switching_a_breach_off_restores_the_policy_from_then_on() {
    let (mut sim, _) = world(41);
    sim.set_breach(Breach::RetentionNeverPurges, true);
    sim.consumer_send_text(ALICE, SHOP, "kept for ever, unless...")
        .unwrap();
    sim.settle();
    sim.advance(31 * DAY_MS);
    assert!(!sim.retention_check().holds);
    sim.set_breach(Breach::RetentionNeverPurges, false);
    assert!(
        sim.retention_check().holds,
        "the overdue purge runs at once"
    );
    assert!(sim.cloud_api().store().is_empty());
    // Both switches are in the trace.
    let changes = sim
        .trace()
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                cipherflow_flow::trace::EventKind::BreachChanged { .. }
            )
        })
        .count();
    assert_eq!(changes, 2);
}
