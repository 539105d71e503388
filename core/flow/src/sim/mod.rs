//! The deterministic simulation: a seeded RNG, a virtual clock, an event queue,
//! and the four parties (plus Business Manager and the rest of Meta). The same
//! seed and the same commands give a byte-identical trace.
//!
//! Commands (consumer and business actions, clock moves) run immediately and
//! schedule deliveries; [`Simulation::step`] and [`Simulation::run`] process the
//! queue in time order. One file per side: `consumer_side.rs`, `cloud_side.rs`,
//! `transport_side.rs`.

mod cloud_side;
mod consumer_side;
mod inbox;
mod transport_side;

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::business::Business;
use crate::business_manager::BusinessManager;
use crate::cloud_api::CloudApi;
use crate::consumer::Consumer;
use crate::envelope::{EnvelopeId, TransportEnvelope};
use crate::faults::{FaultConfig, FaultConfigError};
use crate::integrity::{IntegrityMonitor, IntegrityPolicy};
use crate::ledger::{DataCategory, Ledger, MatrixComparison, Observer, System};
use crate::phone::{PhoneNumber, PhoneNumberError};
use crate::proof::{ProofChecker, ProofReport};
use crate::retention::{RetentionError, RetentionPolicy};
use crate::trace::{EventKind, Trace, TraceMode};
use crate::transport::Transport;
use cipherflow_protocol::SessionError;

/// Network latency: a base plus up to this much jitter, in ms.
pub const LATENCY_MS: (u64, u64) = (60, 60);
/// Extra delay of a reordered delivery, in ms.
pub const REORDER_DELAY_MS: (u64, u64) = (300, 900);
/// First retransmission timeout; it doubles per attempt up to [`MAX_RETRANSMIT_MS`].
pub const RETRANSMIT_MS: u64 = 2_000;
/// Longest retransmission interval.
pub const MAX_RETRANSMIT_MS: u64 = 3_600_000;
/// One-time prekeys a consumer publishes when registering.
pub const CONSUMER_ONE_TIME_PREKEYS: usize = 20;
/// One-time prekeys a business number keeps published (replenished below half).
pub const BUSINESS_ONE_TIME_PREKEYS: usize = 100;

/// Simulation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// The RNG seed: same seed, same commands, same bytes.
    pub seed: u64,
    /// Cloud API retention, 1 to 30 days.
    pub retention_days: u32,
    /// Transport faults.
    pub faults: FaultConfig,
    /// Integrity thresholds.
    pub integrity: IntegrityPolicy,
    /// Full trace or counts only.
    pub trace: TraceMode,
    /// Virtual start time (ms since the Unix epoch).
    pub start_ms: u64,
    /// Keep at most this many bubbles per chat and entries in each business
    /// inbox and status list (for scale runs); `None` keeps everything.
    pub history_limit: Option<usize>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            retention_days: 30,
            faults: FaultConfig::default(),
            integrity: IntegrityPolicy::default(),
            trace: TraceMode::Full,
            start_ms: 1_750_000_000_000,
            history_limit: None,
        }
    }
}

/// Why a command was refused. A refused command changes nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// A phone number did not parse.
    #[error(transparent)]
    PhoneNumber(#[from] PhoneNumberError),
    /// Bad fault probabilities.
    #[error(transparent)]
    Faults(#[from] FaultConfigError),
    /// Retention out of range.
    #[error(transparent)]
    Retention(#[from] RetentionError),
    /// No such consumer.
    #[error("no consumer with number {0}")]
    UnknownConsumer(PhoneNumber),
    /// No such business.
    #[error("no business {0}")]
    UnknownBusiness(String),
    /// The number is already registered.
    #[error("number {0} is already registered")]
    NumberTaken(PhoneNumber),
    /// The recipient is not on WhatsApp.
    #[error("{0} is not registered on WhatsApp")]
    NotRegistered(PhoneNumber),
    /// A session could not be built or used.
    #[error("session error: {0}")]
    Session(#[from] SessionError),
    /// The text is empty or too long.
    #[error("text must be 1 to {max} characters, got {len}")]
    BadText {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The clock only moves forward.
    #[error("the clock cannot move backwards")]
    ClockBackwards,
}

/// Credentials of a business created in the simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHandle {
    /// Graph API phone number id.
    pub phone_number_id: String,
    /// WhatsApp Business Account id.
    pub waba_id: String,
    /// The business's number.
    pub display_phone_number: PhoneNumber,
    /// Bearer token for the Graph API.
    pub access_token: String,
    /// App secret that signs webhooks.
    pub app_secret: String,
    /// Verify token of the webhook handshake.
    pub verify_token: String,
}

#[derive(Debug, Clone)]
pub(crate) enum Action {
    Deliver {
        envelope: TransportEnvelope,
        tampered: bool,
    },
    ConsumerRetransmit {
        consumer: PhoneNumber,
        envelope_id: EnvelopeId,
    },
    CloudRetransmit {
        wamid: String,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Scheduled {
    at_ms: u64,
    seq: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at_ms, self.seq) == (other.at_ms, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at_ms, self.seq).cmp(&(other.at_ms, other.seq))
    }
}

/// Application-level delivery counts, for exactly-once checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStats {
    /// Messages consumers sent.
    pub consumer_sent: u64,
    /// Of those, delivered to the business's webhook (counted once per message id).
    pub delivered_to_business: u64,
    /// Webhook deliveries of a message id already delivered (must stay 0).
    pub duplicate_business_deliveries: u64,
    /// Messages businesses sent.
    pub business_sent: u64,
    /// Of those, shown to the consumer.
    pub delivered_to_consumer: u64,
}

/// JSON into a hash, behind one `dyn` call so each state type's serializer is
/// instantiated once for the digest.
mod erased {
    /// A value that can write itself as JSON.
    pub(super) trait Digestible {
        fn write_json(&self, out: &mut dyn std::io::Write) -> serde_json::Result<()>;
    }

    impl<T: serde::Serialize + ?Sized> Digestible for T {
        fn write_json(&self, out: &mut dyn std::io::Write) -> serde_json::Result<()> {
            // to_vec shares its serializer with every other JSON output of the
            // crate; a writer-generic one would be another copy of each type's code.
            let bytes = serde_json::to_vec(self)?;
            out.write_all(&bytes).map_err(serde_json::Error::io)
        }
    }
}

/// The simulation.
pub struct Simulation {
    pub(crate) config: SimConfig,
    pub(crate) now_ms: u64,
    pub(crate) rng: ChaCha20Rng,
    pub(crate) consumers: BTreeMap<PhoneNumber, Consumer>,
    pub(crate) transport: Transport,
    pub(crate) cloud: CloudApi,
    pub(crate) businesses: BTreeMap<String, Business>,
    pub(crate) manager: BusinessManager,
    pub(crate) queue: BinaryHeap<Reverse<Scheduled>>,
    pub(crate) next_seq: u64,
    pub(crate) next_envelope: EnvelopeId,
    pub(crate) trace: Trace,
    pub(crate) ledger: Ledger,
    pub(crate) proof: ProofChecker,
    pub(crate) stats: DeliveryStats,
    pub(crate) seen_by_business: std::collections::HashSet<String>,
    /// SHA-256 of (recipient, envelope bytes) for every envelope a device
    /// decrypted: the only envelopes a "duplicate" verdict may re-acknowledge.
    pub(crate) decrypted: std::collections::HashSet<[u8; 32]>,
}

impl Simulation {
    /// A new, empty world.
    pub fn new(config: SimConfig) -> Result<Self, SimError> {
        config.faults.validate()?;
        let retention = RetentionPolicy::days(config.retention_days)?;
        let cloud = CloudApi {
            retention,
            ..CloudApi::default()
        };
        Ok(Self {
            now_ms: config.start_ms,
            rng: ChaCha20Rng::seed_from_u64(config.seed),
            consumers: BTreeMap::new(),
            transport: Transport {
                integrity: IntegrityMonitor::new(config.integrity),
                ..Transport::default()
            },
            cloud,
            businesses: BTreeMap::new(),
            manager: BusinessManager::default(),
            queue: BinaryHeap::new(),
            next_seq: 0,
            next_envelope: 1,
            trace: Trace::new(config.trace),
            ledger: Ledger::default(),
            proof: match config.trace {
                TraceMode::Full => ProofChecker::default(),
                TraceMode::CountOnly => ProofChecker::streaming(),
            },
            stats: DeliveryStats::default(),
            seen_by_business: std::collections::HashSet::new(),
            decrypted: std::collections::HashSet::new(),
            config,
        })
    }

    /// Virtual now, ms since the epoch.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Replaces the fault probabilities.
    pub fn set_faults(&mut self, faults: FaultConfig) -> Result<(), SimError> {
        faults.validate()?;
        self.config.faults = faults;
        Ok(())
    }

    /// The trace.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The visibility ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The ciphertext-only proof, computed now.
    pub fn proof(&self) -> ProofReport {
        self.proof.report()
    }

    /// The visibility matrix computed from the ledger and the proof, beside Meta's.
    pub fn visibility(&self) -> MatrixComparison {
        self.ledger.matrix(self.proof.report().matches > 0)
    }

    /// Exactly-once counters.
    pub fn delivery_stats(&self) -> &DeliveryStats {
        &self.stats
    }

    /// Consumers by number.
    pub fn consumers(&self) -> &BTreeMap<PhoneNumber, Consumer> {
        &self.consumers
    }

    /// The transport.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The Cloud API.
    pub fn cloud_api(&self) -> &CloudApi {
        &self.cloud
    }

    /// Businesses by phone number id.
    pub fn businesses(&self) -> &BTreeMap<String, Business> {
        &self.businesses
    }

    /// Business Manager.
    pub fn business_manager(&self) -> &BusinessManager {
        &self.manager
    }

    /// Scheduled deliveries and retransmissions not yet run.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// A digest of the world's state (every party, the queue, the clock and the
    /// RNG position), excluding the trace. Equal digests before and after a
    /// refused command show that it changed nothing.
    pub fn state_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        /// Feeds serde_json's output straight into the hash.
        struct HashWriter(Sha256);
        impl std::io::Write for HashWriter {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.update(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut h = HashWriter(Sha256::new());
        let mut rng = self.rng.clone();
        h.0.update(rng.next_u64().to_be_bytes());
        h.0.update(self.now_ms.to_be_bytes());
        h.0.update(self.next_envelope.to_be_bytes());
        h.0.update(self.next_seq.to_be_bytes());
        // Writing JSON into a hash cannot fail, and every value here serializes.
        let mut json = |value: &dyn erased::Digestible| {
            let _ = value.write_json(&mut h);
        };
        for c in self.consumers.values() {
            json(&c.chats);
            json(&c.outbox.keys().collect::<Vec<_>>());
            json(&c.peer_identities);
            for s in c.sessions.values().filter_map(|r| r.current()) {
                json(&*s.pickle());
            }
        }
        for n in self.cloud.numbers.values() {
            json(&n.contacts);
            json(&n.statistics);
            for s in n.sessions.values().filter_map(|r| r.current()) {
                json(&*s.pickle());
            }
        }
        json(&self.cloud.store.iter().collect::<Vec<_>>());
        json(&self.businesses);
        json(&self.manager);
        json(&self.transport.queues);
        json(&self.transport.log);
        json(self.transport.integrity.signals());
        json(&self.stats);
        json(&self.ledger);
        json(&self.decrypted.len());
        hex::encode(h.0.finalize())
    }

    pub(crate) fn schedule(&mut self, delay_ms: u64, action: Action) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Reverse(Scheduled {
            at_ms: self.now_ms.saturating_add(delay_ms),
            seq,
            action,
        }));
    }

    pub(crate) fn event(&mut self, kind: EventKind) {
        self.trace.push(self.now_ms, kind);
    }

    pub(crate) fn observe(&mut self, observer: Observer, category: DataCategory, system: System) {
        self.ledger.record(observer, category, system);
    }

    /// A uniform draw in [0, 1).
    pub(crate) fn chance(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn jitter(&mut self, (base, spread): (u64, u64)) -> u64 {
        base + self.rng.next_u64() % spread.max(1)
    }

    pub(crate) fn new_envelope_id(&mut self) -> EnvelopeId {
        let id = self.next_envelope;
        self.next_envelope += 1;
        id
    }

    /// Runs the next scheduled action (purging expired messages first). Returns
    /// false when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        let Some(Reverse(next)) = self.queue.pop() else {
            return false;
        };
        if next.at_ms > self.now_ms {
            self.now_ms = next.at_ms;
        }
        self.purge_expired();
        match next.action {
            Action::Deliver { envelope, tampered } => self.deliver(envelope, tampered),
            Action::ConsumerRetransmit {
                consumer,
                envelope_id,
            } => self.consumer_retransmit(&consumer, envelope_id),
            Action::CloudRetransmit { wamid } => self.cloud_retransmit(&wamid),
        }
        true
    }

    /// Runs scheduled actions up to `max_steps`, or until none is due within
    /// `horizon_ms` of now (retransmission timers far in the future wait for the
    /// clock). Returns how many ran.
    pub fn run(&mut self, max_steps: usize, horizon_ms: u64) -> usize {
        let limit = self.now_ms.saturating_add(horizon_ms);
        let mut steps = 0;
        while steps < max_steps {
            match self.queue.peek() {
                Some(Reverse(next)) if next.at_ms <= limit => {}
                _ => break,
            }
            self.step();
            steps += 1;
        }
        steps
    }

    /// Moves the clock forward by `ms`, running everything due on the way and
    /// purging what expires.
    pub fn advance(&mut self, ms: u64) {
        // Without a budget the loop cannot stop early.
        let _ = self.advance_within(ms, usize::MAX);
    }

    /// [`Simulation::advance`], running at most `max_steps` actions. When more
    /// are due it stops (the clock at the last action run) and says so; the
    /// simulation stays consistent and can go on. A message dropped forever is
    /// retransmitted hourly, so an unbounded advance over centuries would run
    /// millions of steps.
    pub fn advance_within(
        &mut self,
        ms: u64,
        max_steps: usize,
    ) -> Result<usize, StepBudgetExceeded> {
        let target = self.now_ms.saturating_add(ms);
        let mut steps = 0;
        while let Some(Reverse(next)) = self.queue.peek() {
            if next.at_ms > target {
                break;
            }
            if steps == max_steps {
                return Err(StepBudgetExceeded(max_steps));
            }
            self.step();
            steps += 1;
        }
        self.now_ms = target;
        self.purge_expired();
        Ok(steps)
    }

    /// Runs until no action is due within a minute: lets in-flight messages,
    /// receipts and quick retransmissions settle.
    pub fn settle(&mut self) -> usize {
        self.settle_within(usize::MAX).unwrap_or(usize::MAX)
    }

    /// [`Simulation::settle`], running at most `max_steps` actions. Faults at
    /// probability 1 can feed themselves (every replay draws a receipt that is
    /// replayed again), so an unbounded settle might never return.
    pub fn settle_within(&mut self, max_steps: usize) -> Result<usize, StepBudgetExceeded> {
        let mut total = 0;
        loop {
            let n = self.run((max_steps - total).min(100_000), 60_000);
            total += n;
            if n == 0 {
                return Ok(total);
            }
            if total == max_steps {
                let now = self.now_ms;
                return match self.queue.peek() {
                    Some(Reverse(next)) if next.at_ms <= now.saturating_add(60_000) => {
                        Err(StepBudgetExceeded(max_steps))
                    }
                    _ => Ok(total),
                };
            }
        }
    }
}

/// A bounded command ([`Simulation::settle_within`],
/// [`Simulation::advance_within`]) had more to run than its step budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stopped after {0} steps with more still due")]
pub struct StepBudgetExceeded(pub usize);

/// The wait after attempt `attempt` (1 = the first send): 2 s, 4 s, 8 s, ...
/// up to an hour.
pub(crate) fn backoff(attempt: u32) -> u64 {
    RETRANSMIT_MS
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(20))
        .min(MAX_RETRANSMIT_MS)
}
