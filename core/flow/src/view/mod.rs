//! The one view-model: every party's state at one instant, with each list
//! sorted, cut to size and labelled, and each item linked to its message's
//! journey. The npm module returns it from `Simulation.snapshot()`; the
//! browser app renders it. Neither computes anything of its own.
//!
//! Lists can be long (a scale run holds thousands of consumers and messages),
//! so each keeps only its newest [`ViewOptions::list_limit`] entries and says
//! how many there were in all; the transport's log can instead be read as a
//! window (a virtualised list asks for the rows in view).

mod business;
mod cloud;
mod consumer;
mod lines;
pub mod phones;
mod transport;

use serde::Serialize;

pub use business::{BillingCounts, BusinessPane, InboxItem, StatusItem, WindowItem};
pub use cloud::{
    CloudApiPane, CloudSessionPane, ExchangePane, NumberPane, StoredPane, TemplatePane,
};
pub use consumer::{ChatPane, ConsumerPane};
pub use lines::Line;
pub use transport::{IntegrityPane, LogRow, ProofBadge, QueuePane, TransportPane, thousands};

use crate::breach::Breach;
use crate::journey::Journey;
use crate::ledger::matrix::MatrixComparison;
use crate::ledger::retention::RetentionReport;
use crate::proof::ProofReport;
use crate::router::{DeliveryStats, Simulation};

/// How much of each list a view carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewOptions {
    /// The newest entries kept per list (consumers, chats, log, store, inbox...).
    pub list_limit: usize,
    /// Rows of the transport's log to carry, by position (oldest = 0); `None`
    /// carries the newest `list_limit`.
    pub log_window: Option<std::ops::Range<usize>>,
    /// How many recent lines (faults and verdicts, webhooks, Graph API calls).
    pub recent: usize,
    /// Whether to compute safety numbers (5,200 SHA-512 iterations per side
    /// each: a view rendered often may leave them out).
    pub safety_numbers: bool,
}

impl Default for ViewOptions {
    fn default() -> Self {
        Self {
            list_limit: 500,
            log_window: None,
            recent: 6,
            safety_numbers: true,
        }
    }
}

/// A deliberate breach and whether it is on.
#[derive(Debug, Clone, Serialize)]
pub struct BreachPane {
    /// Its name.
    pub name: &'static str,
    /// The workshop's question.
    pub description: &'static str,
    /// On?
    pub on: bool,
}

impl BreachPane {
    /// Every breach, on or off.
    pub fn of_all(sim: &Simulation) -> Vec<BreachPane> {
        Breach::ALL
            .into_iter()
            .map(|b| BreachPane {
                name: b.name(),
                description: b.describe(),
                on: sim.breach_on(b),
            })
            .collect()
    }
}

/// One message in full, for a view that follows it (the app's selection):
/// its journey, and its envelope as the transport held it.
#[derive(Debug, Clone, Serialize)]
pub struct Selected {
    /// The journey.
    pub journey: Journey,
    /// The Signal bytes of its envelope, hex, as the transport first accepted them.
    pub envelope_hex: Option<String>,
}

/// Every pane, at one instant of virtual time.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// Virtual time, ms since the Unix epoch.
    pub now_ms: u64,
    /// When the simulation started, ms since the Unix epoch.
    pub start_ms: u64,
    /// Deliveries in flight and deadlines still scheduled.
    pub pending_events: usize,
    /// The consumers' phones.
    pub consumers: Vec<ConsumerPane>,
    /// Consumers in all (`consumers` holds at most the list limit).
    pub consumers_total: usize,
    /// The WhatsApp transport.
    pub transport: TransportPane,
    /// The Cloud API.
    pub cloud_api: CloudApiPane,
    /// The businesses' servers.
    pub businesses: Vec<BusinessPane>,
    /// The ciphertext-only proof.
    pub proof: ProofReport,
    /// The computed visibility matrix beside Meta's.
    pub visibility: MatrixComparison,
    /// The retention check.
    pub retention: RetentionReport,
    /// The deliberate breaches, on or off.
    pub breaches: Vec<BreachPane>,
    /// Exactly-once counters.
    pub delivery: DeliveryStats,
    /// SHA-256 over the whole simulation state.
    pub state_digest: String,
}

/// The newest `limit` of `list`, in order.
pub(crate) fn newest_of<T>(list: &[T], limit: usize) -> &[T] {
    list.get(list.len().saturating_sub(limit)..)
        .unwrap_or_default()
}

/// The newest `limit` of `list`, in order, copied.
pub(crate) fn newest<T: Clone>(list: &[T], limit: usize) -> Vec<T> {
    newest_of(list, limit).to_vec()
}

impl Selected {
    /// The journey with this key, and its envelope's bytes.
    pub fn of(sim: &Simulation, key: &str) -> Option<Selected> {
        let journey = sim.journeys().get(key)?.clone();
        let envelope_hex = journey
            .envelope_id
            .and_then(|id| transport::accepted_bytes(sim, &journey, id).map(hex::encode));
        Some(Selected {
            journey,
            envelope_hex,
        })
    }
}

impl View {
    /// Reads every pane from `sim`.
    pub fn of(sim: &Simulation, options: &ViewOptions) -> Self {
        let proof = sim.proof();
        Self {
            now_ms: sim.now_ms(),
            start_ms: sim.config().start_ms,
            pending_events: sim.pending(),
            consumers: ConsumerPane::of_all(sim, options),
            consumers_total: sim.consumers().len(),
            transport: TransportPane::of(sim, options, &proof),
            cloud_api: CloudApiPane::of(sim, options),
            businesses: BusinessPane::of_all(sim, options),
            visibility: sim.visibility(),
            retention: sim.retention_check(),
            breaches: BreachPane::of_all(sim),
            proof,
            delivery: sim.delivery_stats().clone(),
            state_digest: sim.state_digest(),
        }
    }
}
