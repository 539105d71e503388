//! A world: the seed, the commands accepted so far, and the simulation they
//! produced. What the page shows of it is the core's view-model
//! (`cipherflow_flow::view`), message journeys included.

use cipherflow_flow::Simulation;

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
        Ok(Self {
            seed,
            commands: Vec::new(),
            sim,
            cast,
        })
    }

    /// Rebuilds a world from a seed and commands. Commands the simulation
    /// refuses are skipped and counted.
    pub fn replay(seed: u64, commands: &[Command]) -> Result<(Self, usize), Refused> {
        Self::replay_observed(seed, commands, &mut |_, _| {})
    }

    /// Like [`replay`](Self::replay), showing `observe` the world before
    /// each command `i` and after the last (`i == commands.len()`).
    pub fn replay_observed(
        seed: u64,
        commands: &[Command],
        observe: &mut dyn FnMut(usize, &Self),
    ) -> Result<(Self, usize), Refused> {
        let cost: u64 = commands.iter().map(Command::cost).sum();
        if cost > MAX_REPLAY_COST {
            return Err(Refused(format!(
                "the commands ask for {cost} units of work; a replay runs at most {MAX_REPLAY_COST}"
            )));
        }
        let mut world = Self::new(seed)?;
        let mut refused = 0;
        for (i, c) in commands.iter().enumerate() {
            observe(i, &world);
            if world.apply(c.clone()).is_err() {
                refused += 1;
            }
        }
        observe(commands.len(), &world);
        Ok((world, refused))
    }

    /// Runs one command; records it if the simulation accepted it.
    pub fn apply(&mut self, command: Command) -> Result<String, Refused> {
        let outcome = command.apply(&mut self.sim, &self.cast);
        if outcome.is_ok() {
            self.commands.push(command);
        }
        outcome
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
        assert_eq!(a.sim.journeys().all(), b.sim.journeys().all());
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
        let key = w.sim.journeys().all()[0].key.clone();
        let selected = cipherflow_flow::view::Selected::of(&w.sim, &key).unwrap();
        let bytes = hex::decode(selected.envelope_hex.unwrap()).unwrap();
        assert!(bytes.len() > "a secret order".len());
        assert!(!bytes.windows(6).any(|win| win == b"secret"));
    }
}
