//! The live router: the simulation's parties, driven by the wall clock, fed
//! with what arrives over HTTP, with every input journaled.
//!
//! The engine owns the [`Simulation`] (the same parties, rules and
//! derivations as in the browser) and the [`Store`]. It gives the parties
//! three things the simulation gives them in virtual time:
//!
//! - **time**: the world's clock is the wall clock plus an offset that only
//!   grows (`POST /control/v1/clock/advance`), and never goes back;
//! - **inputs**: each [`Input`] is applied at the world's current time, then
//!   journaled with that time, before its effects leave the process;
//! - **the webhook link**: requests for a business whose callback URL is real
//!   are handed out as [`Outgoing`] requests, and what the endpoint answered
//!   comes back as an input.
//!
//! On start it rebuilds the world by replaying the journal: the same seed,
//! the same inputs at the same times give the same parties, byte for byte.
//! Webhook requests that were handed out and never answered are handed out
//! again (a request may thus reach an endpoint twice; Meta's contract is the
//! same, and the business deduplicates by wamid).

mod settings;
mod url;

use std::collections::BTreeMap;
use std::sync::Arc;

use cipherflow_flow::cloud_api::HostedNumber;
use cipherflow_flow::http::HttpResponse;
use cipherflow_flow::live::{self, InputError};
use cipherflow_flow::phone::PhoneNumber;
use cipherflow_flow::wire::{FromTransport, HttpFailure};
use cipherflow_flow::{SimConfig, SimError, Simulation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::store::{Store, StoreError};
pub use cipherflow_flow::live::{Applied, Input};
pub use settings::{BusinessSeed, ConsumerSeed, Settings, WORKSHOP_INTEGRITY, WebhookSeed};
pub use url::{CallbackUrl, UrlError};

/// Why the engine refused an input or could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The parties refused the command (it changed nothing).
    #[error(transparent)]
    Refused(#[from] SimError),
    /// A callback URL the sandbox cannot call.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// A device's frame the gate refuses.
    #[error(transparent)]
    Device(#[from] cipherflow_flow::live::device_gate::GateError),
    /// A blast the business may not send (`cipherflow_flow::live::blast`).
    #[error("{0}")]
    Blast(String),
    /// The data directory failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A journal row that does not parse (written by another version?).
    #[error("journal row {seq}: {error}")]
    BadJournal {
        /// The row.
        seq: u64,
        /// Why.
        error: String,
    },
    /// An earlier journal write failed: the world in memory is ahead of the
    /// journal, so no input is taken until a restart replays the journal.
    #[error("the journal could not be written ({0}); restart the server")]
    Halted(String),
}

/// A webhook request for a real endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The business.
    pub phone_number_id: String,
    /// The Cloud API's exchange number.
    pub exchange: u64,
    /// Where to send it: the callback URL's origin.
    pub url: CallbackUrl,
    /// The request (its path is the callback URL's path and query).
    pub request: cipherflow_flow::http::HttpRequest,
}

/// What `meta` keeps about the world, written on first start.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct World {
    config: SimConfig,
    seed: String,
}

/// The live router.
pub struct Engine {
    sim: Simulation,
    store: Store,
    /// The world's clock minus the wall clock.
    offset_ms: u64,
    /// Real webhook endpoints, by phone number id.
    endpoints: BTreeMap<String, CallbackUrl>,
    /// Requests handed out and not answered yet.
    in_flight: BTreeMap<(String, u64), Outgoing>,
    /// Requests handed out since the caller last took them.
    fresh: Vec<Outgoing>,
    halted: Option<String>,
    wall: fn() -> u64,
    /// The world's seed and settings, as the live stream's `world` event.
    world: Value,
    /// Rows journaled since the caller last took them, as the live stream's
    /// `input` events.
    journaled: Vec<Arc<str>>,
    /// What the transport sent phones on sockets, since the caller last took it.
    device_out: Vec<(PhoneNumber, FromTransport)>,
}

/// A journal row as the live stream sends it.
fn row_json(seq: u64, at_ms: u64, input: &Input) -> Arc<str> {
    Arc::from(json!({ "seq": seq, "at_ms": at_ms, "input": input }).to_string())
}

/// Milliseconds since the Unix epoch, from the system clock.
pub fn wall_clock_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Engine {
    /// Opens the world in `store`: replays its journal, or creates it (with
    /// `settings`) on first start. Then makes sure every business and
    /// consumer `settings` names exists, and every webhook it names points
    /// where it says.
    pub fn open(store: Store, settings: &Settings) -> Result<Self, EngineError> {
        Self::open_with_clock(store, settings, wall_clock_ms)
    }

    /// [`Engine::open`] with another wall clock (tests).
    pub fn open_with_clock(
        store: Store,
        settings: &Settings,
        wall: fn() -> u64,
    ) -> Result<Self, EngineError> {
        let mut store = store;
        let world = match store.meta("world")? {
            Some(bytes) => {
                serde_json::from_slice::<World>(&bytes).map_err(|e| EngineError::BadJournal {
                    seq: 0,
                    error: e.to_string(),
                })?
            }
            None => {
                let mut seed = zeroize::Zeroizing::new([0u8; 32]);
                getrandom::fill(seed.as_mut()).map_err(|e| {
                    EngineError::Store(StoreError::Seal {
                        row: 0,
                        source: crate::store::seal::SealError::Random(e.to_string()),
                    })
                })?;
                let world = World {
                    config: settings.sim_config(wall()),
                    seed: hex::encode(seed.as_ref()),
                };
                let bytes = serde_json::to_vec(&world).map_err(|e| EngineError::BadJournal {
                    seq: 0,
                    error: e.to_string(),
                })?;
                store.set_meta("world", &bytes)?;
                world
            }
        };
        let mut seed = [0u8; 32];
        hex::decode_to_slice(&world.seed, &mut seed).map_err(|e| EngineError::BadJournal {
            seq: 0,
            error: e.to_string(),
        })?;
        let world_json = json!({ "seed": world.seed, "config": world.config });
        let sim = Simulation::with_seed(world.config, seed)?;
        let mut engine = Self {
            sim,
            store,
            offset_ms: 0,
            endpoints: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            fresh: Vec::new(),
            halted: None,
            wall,
            world: world_json,
            journaled: Vec::new(),
            device_out: Vec::new(),
        };
        engine.replay()?;
        engine.tick();
        engine.ensure(settings)?;
        // The sockets of the last process are gone: its phones are offline
        // until they connect again.
        let connected: Vec<PhoneNumber> = engine
            .sim
            .external_devices()
            .filter(|n| engine.sim.device_connected(n))
            .cloned()
            .collect();
        for number in connected {
            engine.apply(Input::DeviceDetach { number })?;
        }
        // Whatever was in flight when the last process stopped goes again.
        engine.fresh = engine.in_flight.values().cloned().collect();
        Ok(engine)
    }

    fn replay(&mut self) -> Result<(), EngineError> {
        for row in self.store.journal()? {
            let input: Input =
                serde_json::from_slice(&row.input).map_err(|e| EngineError::BadJournal {
                    seq: row.seq,
                    error: e.to_string(),
                })?;
            self.sim.advance_to(row.at_ms);
            self.collect();
            // A journaled input was accepted when it was first applied, and
            // the world is the same: it is accepted again.
            let _ = self.run(row.at_ms, &input);
            self.collect();
        }
        self.fresh.clear();
        self.device_out.clear();
        Ok(())
    }

    /// Creates what `settings` names and the world lacks.
    fn ensure(&mut self, settings: &Settings) -> Result<(), EngineError> {
        for b in &settings.businesses {
            let number = PhoneNumber::parse(&b.number).map_err(SimError::from)?;
            let existing = self
                .sim
                .cloud_api()
                .numbers()
                .find(|n| n.ids.display_phone_number == number)
                .map(|n| n.ids.phone_number_id.clone());
            let pnid = match existing {
                Some(pnid) => pnid,
                None => {
                    let added = self.apply(Input::AddBusiness {
                        number: b.number.clone(),
                        name: b.name.clone(),
                        credentials: b.credentials(),
                    })?;
                    match added {
                        Applied::Json(v) => {
                            v["phone_number_id"].as_str().unwrap_or_default().to_owned()
                        }
                        Applied::Http(_) => String::new(),
                    }
                }
            };
            if let Some(w) = &b.webhook {
                let current = self.endpoints.get(&pnid).map(|u| u.as_str().to_owned());
                let token = self
                    .sim
                    .cloud_api()
                    .number(&pnid)
                    .map(|n| n.webhook.verify_token.clone());
                if current.as_deref() != Some(w.url.as_str())
                    || token.as_deref() != Some(&w.verify_token)
                {
                    self.apply(Input::ConnectWebhook {
                        phone_number_id: pnid.clone(),
                        url: w.url.clone(),
                        verify_token: w.verify_token.clone(),
                    })?;
                }
            }
        }
        for c in &settings.consumers {
            let number = PhoneNumber::parse(&c.number).map_err(SimError::from)?;
            if !self.sim.consumers().contains_key(&number) {
                self.apply(Input::AddConsumer {
                    number: c.number.clone(),
                    name: c.name.clone(),
                })?;
            }
        }
        Ok(())
    }

    /// The world's time now: the wall clock plus the offset, never earlier
    /// than the world has been.
    pub fn now_ms(&self) -> u64 {
        self.sim
            .now_ms()
            .max((self.wall)().saturating_add(self.offset_ms))
    }

    /// How far the world's clock is ahead of the wall clock.
    pub fn offset_ms(&self) -> u64 {
        self.offset_ms
    }

    /// Runs everything due up to now.
    pub fn tick(&mut self) {
        let now = self.now_ms();
        self.sim.advance_to(now);
        self.collect();
    }

    /// How long until something is due (None: nothing is).
    pub fn until_next(&mut self) -> Option<std::time::Duration> {
        let next = self.sim.next_deadline()?;
        Some(std::time::Duration::from_millis(
            next.saturating_sub(self.now_ms()),
        ))
    }

    /// Applies an input at the world's current time and journals it. A
    /// refused command changes nothing and is not journaled.
    pub fn apply(&mut self, input: Input) -> Result<Applied, EngineError> {
        if let Some(why) = &self.halted {
            return Err(EngineError::Halted(why.clone()));
        }
        let at = self.now_ms();
        self.sim.advance_to(at);
        self.collect();
        let applied = self.run(at, &input)?;
        let bytes = serde_json::to_vec(&input).map_err(|e| EngineError::BadJournal {
            seq: self.store.journal_len() + 1,
            error: e.to_string(),
        })?;
        match self.store.append(at, input.kind(), &bytes) {
            Ok(seq) => self.journaled.push(row_json(seq, at, &input)),
            Err(e) => {
                // Nothing it caused may leave the process.
                self.halted = Some(e.to_string());
                self.fresh.clear();
                self.device_out.clear();
                return Err(EngineError::Halted(e.to_string()));
            }
        }
        self.collect();
        Ok(applied)
    }

    /// Applies an input to the parties (no journal), and keeps the engine's
    /// own books: the clock's offset, the real endpoints, what is in flight.
    fn run(&mut self, at: u64, input: &Input) -> Result<Applied, EngineError> {
        if let Input::ConnectWebhook { url, .. } = input {
            // The sandbox's own check first (it is the one that will call it).
            CallbackUrl::parse(url)?;
        }
        let applied = live::apply(&mut self.sim, at, input).map_err(|e| match e {
            InputError::Refused(e) => EngineError::Refused(e),
            InputError::BadUrl(url) => EngineError::Url(UrlError::NotAUrl(url)),
            InputError::Device(e) => EngineError::Device(e),
            e @ InputError::BadBlast(_) => EngineError::Blast(e.to_string()),
        })?;
        match input {
            Input::AddBusiness { number, .. } => {
                let number = PhoneNumber::parse(number).map_err(SimError::from)?;
                if let Some(n) = self
                    .sim
                    .cloud_api()
                    .numbers()
                    .find(|n| n.ids.display_phone_number == number)
                {
                    return Ok(Applied::Json(number_json(n)));
                }
            }
            Input::ConnectWebhook {
                phone_number_id,
                url,
                ..
            } => {
                self.endpoints
                    .insert(phone_number_id.clone(), CallbackUrl::parse(url)?);
            }
            Input::WebhookAnswer {
                phone_number_id,
                exchange,
                ..
            } => {
                self.in_flight.remove(&(phone_number_id.clone(), *exchange));
            }
            Input::AdvanceClock { ms } => {
                self.offset_ms = self.offset_ms.saturating_add(*ms);
            }
            _ => {}
        }
        Ok(applied)
    }

    /// Moves the requests the parties handed out into `in_flight` and `fresh`,
    /// and what the transport sent phones into `device_out`.
    fn collect(&mut self) {
        while let Some(out) = self.sim.poll_device_output() {
            self.device_out.push(out);
        }
        while let Some(r) = self.sim.poll_external_request() {
            let Some(url) = self.endpoints.get(&r.phone_number_id).cloned() else {
                continue;
            };
            let out = Outgoing {
                phone_number_id: r.phone_number_id,
                exchange: r.exchange,
                url,
                request: r.request,
            };
            self.in_flight
                .insert((out.phone_number_id.clone(), out.exchange), out.clone());
            self.fresh.push(out);
        }
    }

    /// The webhook requests to send now (each handed out once per process).
    pub fn take_outgoing(&mut self) -> Vec<Outgoing> {
        if self.halted.is_some() {
            return Vec::new();
        }
        std::mem::take(&mut self.fresh)
    }

    /// What the transport sent phones on sockets since the last call.
    pub fn take_device_output(&mut self) -> Vec<(PhoneNumber, FromTransport)> {
        if self.halted.is_some() {
            return Vec::new();
        }
        std::mem::take(&mut self.device_out)
    }

    /// The webhook requests not taken yet, without taking them.
    pub fn peek_outgoing(&self) -> &[Outgoing] {
        &self.fresh
    }

    /// What a real endpoint answered (journaled like any input).
    pub fn answer(
        &mut self,
        phone_number_id: &str,
        exchange: u64,
        answer: Result<HttpResponse, HttpFailure>,
    ) -> Result<(), EngineError> {
        self.apply(Input::WebhookAnswer {
            phone_number_id: phone_number_id.to_owned(),
            exchange,
            answer,
        })
        .map(|_| ())
    }

    /// The rows journaled since the last call, as the live stream sends them.
    pub fn take_journaled(&mut self) -> Vec<Arc<str>> {
        std::mem::take(&mut self.journaled)
    }

    /// The world's seed and settings: whoever holds them and the journal can
    /// rebuild every party, keys included (the app's live mode does).
    pub fn world_json(&self) -> &Value {
        &self.world
    }

    /// The journal from `since` on, as the live stream sends it.
    pub fn journal_since(&self, since: u64) -> Result<Vec<Arc<str>>, EngineError> {
        self.store
            .journal_since(since)?
            .iter()
            .map(|row| {
                let input: Input =
                    serde_json::from_slice(&row.input).map_err(|e| EngineError::BadJournal {
                        seq: row.seq,
                        error: e.to_string(),
                    })?;
                Ok(row_json(row.seq, row.at_ms, &input))
            })
            .collect()
    }

    /// The world (read only).
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    /// A business's real callback URL, if it has one.
    pub fn endpoint(&self, phone_number_id: &str) -> Option<&CallbackUrl> {
        self.endpoints.get(phone_number_id)
    }

    /// Webhook requests waiting for an answer.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Rows in the journal.
    pub fn journal_len(&self) -> u64 {
        self.store.journal_len()
    }

    /// Why inputs are refused, if they are.
    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }
}

/// The id of the Meta app a business's webhooks belong to: in the sandbox
/// each business has its own app, numbered after its phone number id.
pub fn app_id(phone_number_id: &str) -> String {
    format!("7{}", phone_number_id.get(1..).unwrap_or_default())
}

/// A business's credentials and ids as the control API gives them.
pub fn number_json(n: &HostedNumber) -> Value {
    json!({
        "phone_number_id": n.ids.phone_number_id,
        "waba_id": n.ids.waba_id,
        "app_id": app_id(&n.ids.phone_number_id),
        "display_phone_number": n.ids.display_phone_number.wa_id(),
        "name": n.name,
        "access_token": n.access_token,
        "app_secret": n.webhook.app_secret,
        "verify_token": n.webhook.verify_token,
    })
}
