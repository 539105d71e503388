//! The simulation: a router that delivers the parties' messages in virtual
//! time. It owns the seeded RNG (lent to a party for each call), the virtual
//! clock, the queue of deliveries in flight and parties' deadlines, and the
//! network's fault model. It is the only place parties meet: each is called
//! with a message and hands back messages for others, which the router
//! delivers, at once (a device's connection, HTTPS, Meta's internal links) or
//! across the network (an envelope the transport delivers: latency and
//! faults).
//!
//! As it delivers, the router derives what no party reports: the ledger of who
//! holds what (from each message's type), the ciphertext-only proof and the
//! delivery counts (from the parties' trace events). The same seed and the
//! same commands give a byte-identical trace.
//!
//! - `deliver.rs`: the delivery loop and what it records;
//! - `commands.rs`: what a person (or a test) asks of the parties;
//! - `network.rs`: latency and faults; `schedule.rs`: the queue;
//! - `digest.rs`: a hash of every party's state.

mod commands;
mod deliver;
mod device_links;
mod digest;
mod live_links;
pub(crate) mod network;
mod schedule;
mod webhook_link;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::breach::{Breach, Breaches};
use crate::business::BusinessServer;
use crate::business_manager::BusinessManager;
use crate::cloud_api::CloudApi;
use crate::cloud_api::store::{RetentionError, RetentionPolicy};
use crate::cloud_api::webhook::delivery::{WebhookPolicy, WebhookPolicyError};
use crate::consumer::{ConsumerClient, ConsumerError};
use crate::faults::{FaultConfig, FaultConfigError, WebhookFaultConfig};
use crate::http::HttpResponse;
use crate::journey::JourneyBook;
use crate::ledger::Ledger;
use crate::ledger::matrix::MatrixComparison;
use crate::ledger::retention::{self, RetentionReport};
use crate::phone::{PhoneNumber, PhoneNumberError};
use crate::proof::{ProofChecker, ProofReport};
use crate::rest_of_meta::RestOfMeta;
use crate::trace::{Trace, TraceMode};
use crate::transport::Transport;
use crate::transport::integrity::IntegrityPolicy;
use crate::wire::{Address, Transmit};
use network::Network;
use schedule::{Due, PartyId, Scheduled};

pub use live_links::ExternalRequest;
pub use network::{LATENCY_MS, REORDER_DELAY_MS, REPLAY_MEMORY};
pub use webhook_link::{WEBHOOK_REORDER_DELAY_MS, WEBHOOK_TIMEOUT_MS};

/// The most actions a bounded call ([`Simulation::settle`],
/// [`Simulation::advance`]) runs by default: a view (the npm module, the app)
/// must come back, whatever the faults.
pub const STEP_BUDGET: usize = 100_000;

/// Simulation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// The RNG seed: same seed, same commands, same bytes.
    pub seed: u64,
    /// Cloud API retention, 1 to 30 days (the transport queues for as long).
    pub retention_days: u32,
    /// Network faults.
    pub faults: FaultConfig,
    /// Faults on the link to the businesses' webhook endpoints.
    pub webhook_faults: WebhookFaultConfig,
    /// How the Cloud API groups webhook updates into POSTs.
    pub webhooks: WebhookPolicy,
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
            webhook_faults: WebhookFaultConfig::default(),
            webhooks: WebhookPolicy::default(),
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
    /// A webhook batching setting out of range.
    #[error(transparent)]
    WebhookPolicy(#[from] WebhookPolicyError),
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
    /// The text is empty or too long.
    #[error("text must be 1 to {max} characters, got {len}")]
    BadText {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A reply or reaction names a message that is not in the chat.
    #[error("no message {0} in this chat")]
    UnknownMessage(String),
    /// The clock only moves forward.
    #[error("the clock cannot move backwards")]
    ClockBackwards,
    /// No device outside the router is attached at that number.
    #[error("no device is attached at {0}")]
    DeviceNotAttached(PhoneNumber),
    /// A device's message speaks for another number than its own.
    #[error("the device at {expected} cannot speak for {claimed}")]
    WrongSender {
        /// The device's number.
        expected: PhoneNumber,
        /// The number the message claimed.
        claimed: PhoneNumber,
    },
}

impl From<ConsumerError> for SimError {
    fn from(e: ConsumerError) -> Self {
        match e {
            ConsumerError::BadText { len, max } => SimError::BadText { len, max },
            ConsumerError::UnknownMessage(id) => SimError::UnknownMessage(id),
        }
    }
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

/// Credentials a caller chooses for a new business instead of drawing them
/// ([`Simulation::add_business_with`]); `None` draws one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BusinessCredentials {
    /// Bearer token for the Graph API.
    pub access_token: Option<String>,
    /// App secret that signs webhooks.
    pub app_secret: Option<String>,
    /// Verify token of the webhook handshake.
    pub verify_token: Option<String>,
}

/// Application-level delivery counts, for exactly-once checks, derived from
/// the trace events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStats {
    /// Messages consumers sent.
    pub consumer_sent: u64,
    /// Of those, delivered to the business's webhook (counted once per
    /// consumer message id).
    pub delivered_to_business: u64,
    /// Webhook deliveries of a consumer message id already delivered (must stay 0).
    pub duplicate_business_deliveries: u64,
    /// Messages businesses sent (Graph API sends the Cloud API accepted).
    pub business_sent: u64,
    /// Of those, shown to the consumer.
    pub delivered_to_consumer: u64,
}

/// A bounded command ([`Simulation::settle_within`],
/// [`Simulation::advance_within`]) had more to run than its step budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stopped after {0} steps with more still due")]
pub struct StepBudgetExceeded(pub usize);

/// The simulation.
pub struct Simulation {
    pub(crate) config: SimConfig,
    pub(crate) now_ms: u64,
    pub(crate) rng: ChaCha20Rng,
    pub(crate) consumers: crate::maps::SortedMap<PhoneNumber, ConsumerClient>,
    pub(crate) transport: Transport,
    pub(crate) cloud: CloudApi,
    pub(crate) businesses: crate::maps::SortedMap<String, BusinessServer>,
    pub(crate) manager: BusinessManager,
    pub(crate) rest_of_meta: RestOfMeta,
    pub(crate) network: Network,
    pub(crate) webhooks: webhook_link::WebhookLink,
    /// Webhook endpoints outside the router (a live server's real URLs).
    pub(crate) live: live_links::ExternalLinks,
    pub(crate) breaches: Breaches,
    pub(crate) queue: BinaryHeap<Reverse<Scheduled>>,
    pub(crate) next_seq: u64,
    /// Each party's armed deadline and its generation.
    pub(crate) timers: crate::maps::SmallKeyMap<PartyId, (Option<u64>, u64)>,
    /// Messages to deliver at once, oldest first.
    pub(crate) immediate: VecDeque<Transmit>,
    /// The delivery being handled, and whether the network tampered with it.
    pub(crate) current_delivery_tampered: bool,
    /// An HTTPS response the current command waits for: (requester, exchange).
    pub(crate) awaiting: Option<(Address, u64)>,
    pub(crate) captured: Option<HttpResponse>,
    pub(crate) trace: Trace,
    /// Message journeys, read from the trace as it is recorded (full-trace
    /// runs only).
    pub(crate) journeys: JourneyBook,
    pub(crate) ledger: Ledger,
    pub(crate) proof: ProofChecker,
    pub(crate) stats: DeliveryStats,
    /// For the exactly-once check (full-trace runs only: it keeps every id),
    /// by 64-bit fingerprint: the consumer message id of each inbound wamid,
    /// and the consumer message ids the business has received.
    pub(crate) inbound_keys: crate::maps::FingerprintMap,
    pub(crate) seen_by_business: crate::maps::FingerprintMap,
}

impl Simulation {
    /// A new, empty world.
    pub fn new(config: SimConfig) -> Result<Self, SimError> {
        let rng = ChaCha20Rng::seed_from_u64(config.seed);
        Self::with_rng(config, rng)
    }

    fn with_rng(config: SimConfig, mut rng: ChaCha20Rng) -> Result<Self, SimError> {
        config.faults.validate()?;
        config.webhook_faults.validate()?;
        config.webhooks.validate()?;
        let retention = RetentionPolicy::days(config.retention_days)?;
        let mut cloud = CloudApi::new(&mut rng, retention);
        cloud.webhook_policy = config.webhooks;
        Ok(Self {
            now_ms: config.start_ms,
            rng,
            consumers: Default::default(),
            transport: Transport::new(retention.in_ms(), config.integrity),
            cloud,
            businesses: Default::default(),
            manager: BusinessManager::default(),
            rest_of_meta: RestOfMeta::default(),
            network: Network {
                faults: config.faults,
                ..Network::default()
            },
            webhooks: webhook_link::WebhookLink {
                faults: config.webhook_faults,
                ..Default::default()
            },
            live: live_links::ExternalLinks::default(),
            breaches: Breaches::default(),
            queue: BinaryHeap::new(),
            next_seq: 0,
            timers: Default::default(),
            immediate: VecDeque::new(),
            current_delivery_tampered: false,
            awaiting: None,
            captured: None,
            trace: Trace::new(config.trace),
            journeys: JourneyBook::default(),
            ledger: Ledger::default(),
            proof: match config.trace {
                TraceMode::Full => ProofChecker::default(),
                TraceMode::CountOnly => ProofChecker::streaming(),
            },
            stats: DeliveryStats::default(),
            inbound_keys: Default::default(),
            seen_by_business: Default::default(),
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
        self.network.faults = faults;
        Ok(())
    }

    /// Replaces the webhook link's fault probabilities.
    pub fn set_webhook_faults(&mut self, faults: WebhookFaultConfig) -> Result<(), SimError> {
        faults.validate()?;
        self.config.webhook_faults = faults;
        self.webhooks.faults = faults;
        Ok(())
    }

    /// Switches a business's webhook endpoint off (every POST is refused)
    /// or back on. The Cloud API retries what failed on its schedule.
    pub fn set_webhook_endpoint(
        &mut self,
        phone_number_id: &str,
        up: bool,
    ) -> Result<(), SimError> {
        if !self.businesses.contains_key(phone_number_id) {
            return Err(SimError::UnknownBusiness(phone_number_id.to_owned()));
        }
        if up {
            self.webhooks.down.remove(&phone_number_id.to_owned());
        } else {
            self.webhooks.down.insert(phone_number_id.to_owned());
        }
        Ok(())
    }

    /// The trace.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Every message's journey, kept up to date as the trace grows (empty in
    /// count-only runs).
    pub fn journeys(&self) -> &JourneyBook {
        &self.journeys
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

    /// Does anything outlive the retention period?
    pub fn retention_check(&self) -> RetentionReport {
        retention::check(&self.cloud, &self.transport, self.now_ms)
    }

    /// Exactly-once counters.
    pub fn delivery_stats(&self) -> &DeliveryStats {
        &self.stats
    }

    /// Consumers by number.
    pub fn consumers(&self) -> &crate::maps::SortedMap<PhoneNumber, ConsumerClient> {
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

    /// Businesses' servers by phone number id.
    pub fn businesses(&self) -> &crate::maps::SortedMap<String, BusinessServer> {
        &self.businesses
    }

    /// Business Manager.
    pub fn business_manager(&self) -> &BusinessManager {
        &self.manager
    }

    /// The rest of Meta.
    pub fn rest_of_meta(&self) -> &RestOfMeta {
        &self.rest_of_meta
    }

    /// The breaches switched on.
    pub fn breaches(&self) -> &Breaches {
        &self.breaches
    }

    /// Whether `breach` is on.
    pub fn breach_on(&self, breach: Breach) -> bool {
        self.breaches.on(breach)
    }

    /// Deliveries in flight and deadlines not yet run.
    pub fn pending(&self) -> usize {
        self.queue
            .iter()
            .filter(|Reverse(s)| self.is_live(s))
            .count()
    }

    pub(crate) fn is_live(&self, s: &Scheduled) -> bool {
        match &s.due {
            Due::Delivery { .. } | Due::Transmit(_) => true,
            Due::Timer { party, generation } => self
                .timers
                .get(party)
                .is_some_and(|(at, g)| at.is_some() && g == generation),
        }
    }

    /// The time of the next live item, dropping stale deadlines on the way.
    pub(crate) fn next_due(&mut self) -> Option<u64> {
        loop {
            let Reverse(next) = self.queue.peek()?;
            if self.is_live(next) {
                return Some(next.at_ms);
            }
            self.queue.pop();
        }
    }

    /// Runs the next delivery or deadline. Returns false when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        if self.next_due().is_none() {
            return false;
        }
        let Some(Reverse(next)) = self.queue.pop() else {
            return false;
        };
        if next.at_ms > self.now_ms {
            self.now_ms = next.at_ms;
        }
        match next.due {
            Due::Delivery { envelope, tampered } => self.arrive(*envelope, tampered),
            Due::Transmit(t) => self.deliver(*t, false),
            Due::Timer { party, .. } => {
                self.timers
                    .insert(party.clone(), (None, self.generation(&party)));
                self.timeout(&party);
            }
        }
        self.flush();
        true
    }

    /// Runs scheduled items up to `max_steps`, or until none is due within
    /// `horizon_ms` of now (retransmission timers far in the future wait for
    /// the clock). Returns how many ran.
    pub fn run(&mut self, max_steps: usize, horizon_ms: u64) -> usize {
        let limit = self.now_ms.saturating_add(horizon_ms);
        let mut steps = 0;
        while steps < max_steps {
            match self.next_due() {
                Some(at) if at <= limit => {}
                _ => break,
            }
            self.step();
            steps += 1;
        }
        steps
    }

    /// Moves the clock forward by `ms`, running everything due on the way
    /// (purges included).
    pub fn advance(&mut self, ms: u64) {
        // Without a budget the loop cannot stop early.
        let _ = self.advance_within(ms, usize::MAX);
    }

    /// [`Simulation::advance`], running at most `max_steps` items. When more
    /// are due it stops (the clock at the last item run) and says so; the
    /// simulation stays consistent and can go on. A message dropped for ever
    /// is retransmitted hourly, so an unbounded advance over centuries would
    /// run millions of steps.
    pub fn advance_within(
        &mut self,
        ms: u64,
        max_steps: usize,
    ) -> Result<usize, StepBudgetExceeded> {
        let target = self.now_ms.saturating_add(ms);
        let mut steps = 0;
        while let Some(at) = self.next_due() {
            if at > target {
                break;
            }
            if steps == max_steps {
                return Err(StepBudgetExceeded(max_steps));
            }
            self.step();
            steps += 1;
        }
        self.now_ms = target;
        Ok(steps)
    }

    /// Runs until nothing is due within a minute: lets in-flight messages,
    /// receipts and quick retransmissions settle. Unbounded: callers facing
    /// input they do not control (the npm module, the app) use
    /// [`Simulation::settle_within`] with [`STEP_BUDGET`].
    pub fn settle(&mut self) -> usize {
        self.settle_within(usize::MAX).unwrap_or(usize::MAX)
    }

    /// [`Simulation::settle`], running at most `max_steps` items. Faults at
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
                return match self.next_due() {
                    Some(at) if at <= now.saturating_add(60_000) => {
                        Err(StepBudgetExceeded(max_steps))
                    }
                    _ => Ok(total),
                };
            }
        }
    }
}
