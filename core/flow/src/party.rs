//! The shape every party shares, after `quinn-proto`'s `Connection`: no I/O,
//! no clock, no randomness of its own.
//!
//! A router feeds a party with [`Party::handle`] (a delivered message, with the
//! current virtual time and the router's RNG) and [`Party::handle_timeout`]
//! (when the party's own deadline, read with [`Party::poll_timeout`], has
//! come). After each call it drains the party's [`Outbox`]: first
//! [`Outbox::poll_event`] (what happened, for the trace), then
//! [`Outbox::poll_transmit`] (messages for other parties, which it delivers). A party never holds a reference to another:
//! it knows them only by [`Address`].

use rand_core::CryptoRng;

use crate::trace::EventKind;
use crate::wire::{Address, Message, Transmit};

/// Makes room for one more item, and only one. A phone's outbox starts empty
/// at every call (the router takes it), and a deque that doubles starts at
/// four 272-byte transmits: past the allocator's per-thread cache, so every
/// call would take its slow path. One slot at a time, a call's one to three
/// items stay on the fast path; the parties that keep their outbox reach
/// their usual size once.
fn grow_by_one<T>(list: &mut std::collections::VecDeque<T>) {
    if list.len() == list.capacity() {
        list.reserve_exact(1);
    }
}

/// Messages and events a party has produced and the router has not taken yet.
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    transmits: std::collections::VecDeque<Transmit>,
    events: std::collections::VecDeque<EventKind>,
}

impl Outbox {
    /// Queues a message.
    #[inline(never)]
    pub fn send(&mut self, from: Address, to: Address, message: Message) {
        grow_by_one(&mut self.transmits);
        self.transmits.push_back(Transmit { from, to, message });
    }

    /// Queues an event.
    #[inline(never)]
    pub fn event(&mut self, event: EventKind) {
        grow_by_one(&mut self.events);
        self.events.push_back(event);
    }

    /// The next message, oldest first.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<EventKind> {
        self.events.pop_front()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.transmits.is_empty() && self.events.is_empty()
    }
}

/// A sans-IO party.
pub trait Party {
    /// A message delivered to this party at `to` (one of its addresses).
    fn handle<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        from: &Address,
        to: &Address,
        message: Message,
    );

    /// The deadline returned by [`Party::poll_timeout`] has passed. A party
    /// without timers (the business's server, Business Manager, the rest of
    /// Meta) keeps this default, which does nothing.
    fn handle_timeout<R: CryptoRng>(&mut self, _now_ms: u64, _rng: &mut R) {}

    /// The party's earliest deadline, if it has one (by default: none).
    fn poll_timeout(&self) -> Option<u64> {
        None
    }

    /// What the party produced.
    fn outbox(&mut self) -> &mut Outbox;
}

/// The event a party records when it is handed a message it has no use for
/// (a router bug, or a forged frame in a live system): dropped, and said so.
pub(crate) fn unexpected(by: &Address, from: &Address, message: &Message) -> EventKind {
    EventKind::Failure {
        by: by.to_string(),
        what: format!("unexpected {} from {from}", message.name()),
        error: "dropped: this party does not handle that message".to_owned(),
        code: None,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn an_outbox_grows_one_slot_at_a_time() {
        let mut list = std::collections::VecDeque::new();
        for n in 1..=5u64 {
            grow_by_one(&mut list);
            list.push_back(n);
            assert_eq!(list.capacity(), list.len(), "{} slots", list.capacity());
        }
        // Drained and refilled, it keeps the room it had.
        list.clear();
        grow_by_one(&mut list);
        list.push_back(1);
        assert_eq!(list.capacity(), 5);
    }
}
