//! A world: the seed, the commands accepted so far, the simulation they
//! produced, and what the page reads off it (the message journeys and the
//! transport's ciphertext by envelope), kept up to date incrementally.

use std::collections::HashMap;

use cipherflow_flow::Simulation;
use cipherflow_flow::envelope::{EnvelopeId, Payload};
use cipherflow_flow::journey::JourneyBook;
use cipherflow_flow::trace::EventKind;

use crate::model::cast::{self, Cast};
use crate::model::command::{Command, MAX_REPLAY_COST, Refused};

/// The simulation plus its history.
pub struct World {
    /// The RNG seed.
    pub seed: u64,
    /// Every accepted command, in order.
    pub commands: Vec<Command>,
    /// The simulation.
    pub sim: Simulation,
    /// Who is who.
    pub cast: Cast,
    /// Message journeys, read from the trace.
    pub journeys: JourneyBook,
    /// Trace index of each envelope's first `transport_accepted` event.
    accepted: HashMap<EnvelopeId, usize>,
    /// Trace events indexed so far.
    indexed: usize,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("seed", &self.seed)
            .field("commands", &self.commands.len())
            .field("events", &self.sim.trace().events.len())
            .finish_non_exhaustive()
    }
}

impl World {
    /// A fresh world with the cast.
    pub fn new(seed: u64) -> Result<Self, Refused> {
        let (sim, cast) = cast::new_world(seed).map_err(|e| Refused(e.to_string()))?;
        let mut world = Self {
            seed,
            commands: Vec::new(),
            sim,
            cast,
            journeys: JourneyBook::default(),
            accepted: HashMap::new(),
            indexed: 0,
        };
        world.reindex();
        Ok(world)
    }

    /// Rebuilds a world from a seed and commands. Commands the simulation
    /// refuses are skipped and counted.
    pub fn replay(seed: u64, commands: &[Command]) -> Result<(Self, usize), Refused> {
        let cost: u64 = commands.iter().map(Command::cost).sum();
        if cost > MAX_REPLAY_COST {
            return Err(Refused(format!(
                "the commands ask for {cost} units of work; a replay runs at most {MAX_REPLAY_COST}"
            )));
        }
        let mut world = Self::new(seed)?;
        let mut refused = 0;
        for c in commands {
            if world.apply(c.clone()).is_err() {
                refused += 1;
            }
        }
        Ok((world, refused))
    }

    /// Runs one command; records it if the simulation accepted it.
    pub fn apply(&mut self, command: Command) -> Result<String, Refused> {
        let outcome = command.apply(&mut self.sim, &self.cast);
        if outcome.is_ok() {
            self.commands.push(command);
        }
        self.reindex();
        outcome
    }

    fn reindex(&mut self) {
        let events = &self.sim.trace().events;
        for (i, e) in events.iter().enumerate().skip(self.indexed) {
            if let EventKind::TransportAccepted { envelope, .. } = &e.kind {
                self.accepted.entry(envelope.id).or_insert(i);
            }
        }
        self.indexed = events.len();
        self.journeys.update(self.sim.trace());
    }

    /// The Signal bytes the transport accepted for `envelope` (as first sent).
    pub fn ciphertext(&self, envelope: EnvelopeId) -> Option<&[u8]> {
        let i = *self.accepted.get(&envelope)?;
        match &self.sim.trace().events.get(i)?.kind {
            EventKind::TransportAccepted { envelope, .. } => match &envelope.payload {
                Payload::Signal { bytes } => Some(bytes),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_rebuilds_the_same_state_and_trace() {
        let mut a = World::new(9).unwrap();
        for c in [
            Command::Send {
                text: "hello".into(),
            },
            Command::Settle,
            Command::Reply {
                text: "hi Ana".into(),
            },
            Command::Settle,
            Command::Open,
            Command::Settle,
        ] {
            a.apply(c).unwrap();
        }
        let (b, refused) = World::replay(9, &a.commands).unwrap();
        assert_eq!(refused, 0);
        assert_eq!(a.sim.state_digest(), b.sim.state_digest());
        assert_eq!(a.sim.trace(), b.sim.trace());
        assert_eq!(a.journeys.all(), b.journeys.all());
    }

    #[test]
    fn a_replay_asking_for_too_much_work_is_refused() {
        let many = vec![Command::Bulk { n: 10_000 }; 11];
        assert!(World::replay(1, &many).is_err());
    }

    #[test]
    fn a_refused_command_is_not_recorded() {
        let mut w = World::new(1).unwrap();
        let before = w.sim.state_digest();
        assert!(w.apply(Command::Step).is_err());
        assert!(
            w.apply(Command::Send {
                text: String::new()
            })
            .is_err()
        );
        assert!(w.commands.is_empty());
        assert_eq!(w.sim.state_digest(), before);
    }

    #[test]
    fn the_transport_ciphertext_of_a_message_is_found_and_is_not_its_text() {
        let mut w = World::new(3).unwrap();
        w.apply(Command::Send {
            text: "a secret order".into(),
        })
        .unwrap();
        let j = &w.journeys.all()[0];
        let bytes = w.ciphertext(j.envelope_id.unwrap()).unwrap();
        assert!(bytes.len() > "a secret order".len());
        assert!(!bytes.windows(6).any(|win| win == b"secret"));
    }
}
