//! The router's queue: deliveries in flight and parties' deadlines, ordered by
//! (time, sequence number) so that equal times keep the order they were
//! scheduled in.

use std::cmp::Ordering;

use crate::wire::{Transmit, TransportEnvelope};

/// Which party a deadline belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PartyId {
    Consumer(crate::phone::PhoneNumber),
    Transport,
    CloudApi,
    Business(String),
    BusinessManager,
    RestOfMeta,
}

/// Something due at a time.
#[derive(Debug, Clone)]
pub(crate) enum Due {
    /// An envelope crossing the network, from the transport to its recipient.
    Delivery {
        /// Boxed: the queue is a binary heap that moves its items as it
        /// sifts, and an envelope is large beside a timer.
        envelope: Box<TransportEnvelope>,
        /// Whether the network flipped a bit of it.
        tampered: bool,
    },
    /// A message held back on an HTTPS link (a webhook fault), or the
    /// failure its requester's HTTP client reports.
    Transmit(Box<Transmit>),
    /// A party's deadline; stale when the party's timer has moved since
    /// (`generation` no longer current).
    Timer { party: PartyId, generation: u64 },
}

#[derive(Debug, Clone)]
pub(crate) struct Scheduled {
    pub(crate) at_ms: u64,
    pub(crate) seq: u64,
    pub(crate) due: Due,
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
