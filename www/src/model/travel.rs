//! A message on its way. When a lesson step or a command moves a message,
//! the arrows between the panes light in the order it crossed them, each
//! with the form it had there (Signal ciphertext, or plaintext over HTTPS).
//! What moved is read from the core's journeys before and after, never
//! written down by hand: a journey that gained hops is travelling, and the
//! hops it gained are the ones that light.

use cipherflow_flow::Simulation;

/// How many hops each journey had at one moment, oldest journey first. The
/// core's journey book only ever appends, so a journey keeps its position
/// and the counts need no keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HopCounts(Vec<usize>);

impl HopCounts {
    /// The counts of the simulation now.
    pub fn of(sim: &Simulation) -> Self {
        Self(sim.journeys().all().iter().map(|j| j.hops.len()).collect())
    }

    /// The first journey (oldest first) that has made hops since these
    /// counts were taken, as a [`Travel`] numbered `run`; none when nothing
    /// moved. A journey opened since then starts from zero hops.
    pub fn travel(&self, sim: &Simulation, run: u64) -> Option<Travel> {
        sim.journeys().all().iter().enumerate().find_map(|(i, j)| {
            let before = self.0.get(i).copied().unwrap_or(0);
            (j.hops.len() > before).then(|| Travel {
                key: j.key.clone(),
                first_new_hop: before,
                run,
            })
        })
    }
}

/// The message an action moved, and which of its hops are new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Travel {
    /// Its journey key.
    pub key: String,
    /// The index, in the journey's hops (first made first), of the first
    /// hop the action made; the earlier ones were made before.
    pub first_new_hop: usize,
    /// Which action moved it: a new number restarts the animation.
    pub run: u64,
}

impl Travel {
    /// When hop `index` of the journey lights: 0 first, 1 next, ...; `None`
    /// for a hop made before the action (it is lit, and does not move).
    pub fn order(&self, index: usize) -> Option<usize> {
        index.checked_sub(self.first_new_hop)
    }
}

#[cfg(test)]
mod tests {
    use cipherflow_flow::cloud_api::store::Direction;
    use cipherflow_flow::journey::{Form, Party};

    use super::*;
    use crate::model::command::Command;
    use crate::model::lesson;
    use crate::model::world::World;

    fn send(text: &str) -> Command {
        Command::Send { text: text.into() }
    }

    #[test]
    fn nothing_travels_when_nothing_moved() {
        let mut w = World::new(5).unwrap();
        let counts = HopCounts::of(&w.sim);
        assert_eq!(counts.travel(&w.sim, 1), None);
        w.apply(send("hello")).unwrap();
        w.apply(Command::Settle).unwrap();
        let counts = HopCounts::of(&w.sim);
        w.apply(Command::Advance { ms: 1_000 }).unwrap();
        assert_eq!(counts.travel(&w.sim, 2), None);
    }

    #[test]
    fn a_message_sent_and_delivered_travels_every_hop_in_order() {
        let mut w = World::new(5).unwrap();
        let counts = HopCounts::of(&w.sim);
        w.apply(send("hello")).unwrap();
        w.apply(Command::Settle).unwrap();
        let t = counts.travel(&w.sim, 7).expect("the message moved");
        assert_eq!(t.first_new_hop, 0);
        assert_eq!(t.run, 7);
        let j = w.sim.journeys().get(&t.key).unwrap();
        let path: Vec<_> = j.hops.iter().map(|h| (h.from, h.to, h.form)).collect();
        assert_eq!(
            path,
            [
                (Party::Consumer, Party::Transport, Form::Ciphertext),
                (Party::Transport, Party::CloudApi, Form::Ciphertext),
                (Party::CloudApi, Party::Business, Form::Plaintext),
            ]
        );
        assert_eq!((t.order(0), t.order(2)), (Some(0), Some(2)));
    }

    #[test]
    fn only_the_hops_an_action_made_are_new() {
        let mut w = World::new(5).unwrap();
        w.apply(send("hello")).unwrap();
        let counts = HopCounts::of(&w.sim);
        let made_before = w.sim.journeys().all()[0].hops.len();
        assert!(made_before >= 1, "the send reached the transport");
        w.apply(Command::Settle).unwrap();
        let t = counts.travel(&w.sim, 1).unwrap();
        assert_eq!(t.first_new_hop, made_before);
        assert_eq!(t.order(made_before - 1), None);
        assert_eq!(t.order(made_before), Some(0));
    }

    #[test]
    fn the_lessons_reply_step_moves_the_reply_from_the_business_to_the_phone() {
        let steps = lesson::lesson();
        let k = steps
            .iter()
            .position(|s| s.title.starts_with("Acme replies"))
            .unwrap();
        let (mut w, _) = World::replay(3, &lesson::commands_through(k - 1)).unwrap();
        let counts = HopCounts::of(&w.sim);
        for c in &steps[k].commands {
            w.apply(c.clone()).unwrap();
        }
        let t = counts.travel(&w.sim, 1).unwrap();
        let j = w.sim.journeys().get(&t.key).unwrap();
        assert_eq!(j.direction, Direction::Outbound);
        let froms: Vec<_> = j.hops[t.first_new_hop..].iter().map(|h| h.from).collect();
        assert_eq!(
            froms,
            [Party::Business, Party::CloudApi, Party::Transport],
            "{:?}",
            j.hops
        );
    }
}
