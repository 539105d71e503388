//! Live mode: the app follows a running `cipherflow serve` by rebuilding its
//! world in the browser. The server's `/control/v1/follow` stream sends the
//! world's seed and settings, then every input it journaled with the time it
//! was applied at, and twice a second its clock and state digest. The
//! replica applies each input with the same party code
//! ([`cipherflow_flow::live::apply`]) at the same time, moves its clock as the
//! server's, and compares digests: the panes then show the server's parties
//! computed here, and the banner says whether the two agree. Nothing is
//! copied from the server's state: a value on screen is one this replica
//! computed.
//!
//! Plain Rust, tested natively; `components/live.rs` wires it to an
//! `EventSource`.

use std::cell::RefCell;
use std::rc::Rc;

use cipherflow_flow::live::{self, Input};
use cipherflow_flow::{SimConfig, Simulation};
use serde::Deserialize;

use crate::model::cast::Cast;
use crate::model::world::World;

/// What the banner shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveStatus {
    /// The stream is open.
    pub connected: bool,
    /// The world event arrived.
    pub started: bool,
    /// Inputs applied.
    pub inputs: u64,
    /// The last journal row applied.
    pub last_seq: u64,
    /// The server's clock at the last `clock` event.
    pub server_now_ms: u64,
    /// Clock events whose digest matched ours.
    pub matched: u64,
    /// Whether the last comparison matched (None before the first).
    pub in_sync: Option<bool>,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

#[derive(Deserialize)]
struct WorldEvent {
    seed: String,
    config: SimConfig,
}

#[derive(Deserialize)]
struct InputEvent {
    seq: u64,
    at_ms: u64,
    input: Input,
}

#[derive(Deserialize)]
struct ClockEvent {
    now_ms: u64,
    digest: String,
}

/// The replica and its status.
pub struct Replica {
    /// The world the page shows (shared with the page state).
    pub world: Rc<RefCell<World>>,
    /// The status.
    pub status: LiveStatus,
    /// Changed since the page last looked.
    pub dirty: bool,
}

/// An empty world: what the page shows until the server's arrives.
pub fn empty_world() -> World {
    World {
        seed: 0,
        commands: Vec::new(),
        // The default settings are valid: this cannot fail.
        sim: Simulation::new(SimConfig::default()).unwrap_or_else(|_| unreachable_world()),
        cast: Cast {
            phone_number_id: String::new(),
            consumer: String::new(),
            business: String::new(),
            business_name: String::new(),
        },
    }
}

#[allow(clippy::panic)]
fn unreachable_world() -> Simulation {
    panic!("the default settings are valid")
}

impl Replica {
    /// A replica showing into `world`.
    pub fn new(world: Rc<RefCell<World>>) -> Self {
        Self {
            world,
            status: LiveStatus::default(),
            dirty: true,
        }
    }

    fn fail(&mut self, why: String) {
        self.status.error = Some(why);
        self.dirty = true;
    }

    /// One event of the stream.
    pub fn on_event(&mut self, kind: &str, data: &str) {
        let outcome = match kind {
            "world" => self.on_world(data),
            "input" => self.on_input(data),
            "clock" => self.on_clock(data),
            "resync" => Err("fell behind the server: reload the page to start again".to_owned()),
            other => Err(format!("unknown event {other:?}")),
        };
        if let Err(e) = outcome {
            self.fail(e);
        }
        self.dirty = true;
    }

    fn on_world(&mut self, data: &str) -> Result<(), String> {
        let w: WorldEvent = serde_json::from_str(data).map_err(|e| e.to_string())?;
        let mut seed = [0u8; 32];
        hex::decode_to_slice(&w.seed, &mut seed).map_err(|e| e.to_string())?;
        let sim = Simulation::with_seed(w.config, seed).map_err(|e| e.to_string())?;
        let mut world = empty_world();
        world.sim = sim;
        *self.world.borrow_mut() = world;
        self.status = LiveStatus {
            connected: true,
            started: true,
            ..LiveStatus::default()
        };
        Ok(())
    }

    fn on_input(&mut self, data: &str) -> Result<(), String> {
        if !self.status.started {
            return Err("an input before the world".to_owned());
        }
        let e: InputEvent = serde_json::from_str(data).map_err(|e| e.to_string())?;
        if self.status.last_seq != 0 && e.seq != self.status.last_seq + 1 {
            return Err(format!(
                "journal row {} after {}: rows are missing",
                e.seq, self.status.last_seq
            ));
        }
        let mut world = self.world.borrow_mut();
        world.sim.advance_to(e.at_ms);
        // A refused input was not journaled, so this one was accepted there;
        // if it is refused here the digests will say so.
        let _ = live::apply(&mut world.sim, e.at_ms, &e.input);
        // The server calls real endpoints; a replica only lets them go.
        while world.sim.poll_external_request().is_some() {}
        follow_cast(&mut world);
        self.status.inputs += 1;
        self.status.last_seq = e.seq;
        Ok(())
    }

    fn on_clock(&mut self, data: &str) -> Result<(), String> {
        if !self.status.started {
            return Ok(());
        }
        let c: ClockEvent = serde_json::from_str(data).map_err(|e| e.to_string())?;
        let mut world = self.world.borrow_mut();
        world.sim.advance_to(c.now_ms);
        while world.sim.poll_external_request().is_some() {}
        let ok = world.sim.state_digest() == c.digest;
        self.status.server_now_ms = c.now_ms;
        self.status.in_sync = Some(ok);
        if ok {
            self.status.matched += 1;
        }
        Ok(())
    }
}

/// The panes follow the first business and the first consumer, once they
/// exist.
fn follow_cast(world: &mut World) {
    if world.cast.phone_number_id.is_empty()
        && let Some(n) = world.sim.cloud_api().numbers().next()
    {
        world.cast.phone_number_id = n.ids.phone_number_id.clone();
        world.cast.business = n.ids.display_phone_number.to_string();
        world.cast.business_name = n.name.clone();
    }
    if world.cast.consumer.is_empty()
        && let Some(c) = world.sim.consumers().values().next()
    {
        world.cast.consumer = c.number().to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cipherflow_flow::live::apply;
    use serde_json::json;

    /// A "server": a world driven by inputs, with the stream it would send.
    fn server_stream() -> (Vec<(String, String)>, String) {
        let seed = [5u8; 32];
        let config = SimConfig::default();
        let mut sim = Simulation::with_seed(config.clone(), seed).unwrap();
        let mut events = vec![(
            "world".to_owned(),
            json!({"seed": hex::encode(seed), "config": config}).to_string(),
        )];
        let t0 = config.start_ms;
        let inputs = [
            Input::AddBusiness {
                number: "+1 555 078 3881".into(),
                name: "Shop".into(),
                credentials: Default::default(),
            },
            Input::AddConsumer {
                number: "+1 650 555 0101".into(),
                name: "Ana".into(),
            },
            Input::ConsumerText {
                consumer: "16505550101".into(),
                to: "15550783881".into(),
                text: "hello".into(),
                reply_to: None,
            },
        ];
        for (i, input) in inputs.iter().enumerate() {
            let at = t0 + 1_000 * i as u64;
            sim.advance_to(at);
            apply(&mut sim, at, input).unwrap();
            events.push((
                "input".to_owned(),
                json!({"seq": i + 1, "at_ms": at, "input": input}).to_string(),
            ));
        }
        sim.advance_to(t0 + 10_000);
        let digest = sim.state_digest();
        events.push((
            "clock".to_owned(),
            json!({"now_ms": t0 + 10_000, "digest": digest}).to_string(),
        ));
        (events, digest)
    }

    #[test]
    fn a_replica_rebuilds_the_server_world_and_agrees_on_the_digest() {
        let (events, _) = server_stream();
        let mut r = Replica::new(Rc::new(RefCell::new(empty_world())));
        for (kind, data) in &events {
            r.on_event(kind, data);
        }
        assert_eq!(r.status.error, None);
        assert_eq!(r.status.inputs, 3);
        assert_eq!(r.status.in_sync, Some(true));
        let w = r.world.borrow();
        assert_eq!(w.cast.consumer, "+16505550101");
        assert_eq!(w.cast.business_name, "Shop");
        assert_eq!(w.sim.businesses().values().next().unwrap().inbox.len(), 1);
    }

    #[test]
    fn a_missing_row_or_a_wrong_digest_is_reported() {
        let (events, _) = server_stream();
        let mut r = Replica::new(Rc::new(RefCell::new(empty_world())));
        for (i, (kind, data)) in events.iter().enumerate() {
            if i != 2 {
                r.on_event(kind, data);
            }
        }
        assert!(r.status.error.as_deref().unwrap().contains("missing"));
        let mut r = Replica::new(Rc::new(RefCell::new(empty_world())));
        for (kind, data) in &events {
            let data = data.replace("\"digest\":\"", "\"digest\":\"0");
            r.on_event(kind, &data);
        }
        assert_eq!(r.status.in_sync, Some(false));
        let mut r = Replica::new(Rc::new(RefCell::new(empty_world())));
        r.on_event("input", "{}");
        assert!(r.status.error.is_some());
        r.on_event("world", "not json");
        assert!(r.status.error.is_some());
    }
}
