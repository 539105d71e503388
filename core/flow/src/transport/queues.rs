//! Store-and-forward: envelopes for devices that are offline, kept until the
//! device reconnects or the retention period ends.

use crate::phone::PhoneNumber;
use crate::wire::TransportEnvelope;

/// Queues per offline recipient.
#[derive(Debug, Clone, Default)]
pub struct Queues {
    by_recipient: crate::maps::SortedMap<PhoneNumber, Vec<TransportEnvelope>>,
    /// When the oldest queued envelope was first sent (kept, so the
    /// transport's deadline costs nothing to read).
    oldest: Option<u64>,
}

impl Queues {
    /// Queues `envelope` for its recipient. A retransmission replaces its
    /// queued copy: the queue holds each envelope once.
    pub(crate) fn push(&mut self, envelope: TransportEnvelope) {
        let queue = self.by_recipient.or_default(envelope.to.clone());
        match queue
            .iter_mut()
            .find(|e| e.id == envelope.id && e.from == envelope.from)
        {
            Some(slot) => *slot = envelope,
            None => {
                let sent = envelope.sent_at_ms;
                queue.push(envelope);
                self.oldest = Some(self.oldest.map_or(sent, |o| o.min(sent)));
            }
        }
    }

    fn recompute_oldest(&mut self) {
        self.oldest = self
            .by_recipient
            .values()
            .flatten()
            .map(|e| e.sent_at_ms)
            .min();
    }

    /// Takes everything queued for `number`, oldest first.
    #[must_use = "the envelopes leave the queue: dropping them loses them"]
    pub(crate) fn take(&mut self, number: &PhoneNumber) -> Vec<TransportEnvelope> {
        let taken = self.by_recipient.remove(number).unwrap_or_default();
        if !taken.is_empty() {
            self.recompute_oldest();
        }
        taken
    }

    /// Drops envelopes first sent at or before `oldest_ms`.
    #[must_use = "how many envelopes expired belongs in the trace"]
    pub(crate) fn expire(&mut self, oldest_ms: u64) -> usize {
        let mut dropped = 0;
        for queue in self.by_recipient.values_mut() {
            let before = queue.len();
            queue.retain(|e| e.sent_at_ms > oldest_ms);
            dropped += before - queue.len();
        }
        self.by_recipient.retain(|_, q| !q.is_empty());
        self.recompute_oldest();
        dropped
    }

    /// When the oldest queued envelope was first sent.
    pub(crate) fn oldest_sent_at(&self) -> Option<u64> {
        self.oldest
    }

    /// Queued envelopes for `number`.
    pub fn get(&self, number: &PhoneNumber) -> &[TransportEnvelope] {
        self.by_recipient.get(number).map_or(&[], Vec::as_slice)
    }

    /// Every non-empty queue, by recipient.
    pub fn iter(&self) -> impl Iterator<Item = (&PhoneNumber, &[TransportEnvelope])> {
        self.by_recipient.iter().map(|(n, q)| (n, q.as_slice()))
    }

    /// Envelopes queued in all.
    pub fn len(&self) -> usize {
        self.by_recipient.values().map(Vec::len).sum()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.by_recipient.is_empty()
    }
}
