//! A digest of the world's state: every party, the network, the queue, the
//! clock and the RNG position, but not what is derived from them (the trace,
//! the ledger, the proof). Equal digests before and after a refused command
//! show that it changed nothing.

use std::cmp::Reverse;

use rand_core::Rng;
use sha2::{Digest, Sha256};

use crate::router::Simulation;
use crate::router::schedule::Due;

/// JSON into a hash, behind one `dyn` call so each state type's serializer is
/// instantiated once.
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

impl Simulation {
    /// SHA-256 over the world's state, excluding the trace and what is derived
    /// from it.
    pub fn state_digest(&self) -> String {
        let mut h = HashWriter(Sha256::new());
        let mut rng = self.rng.clone();
        h.0.update(rng.next_u64().to_be_bytes());
        h.0.update(self.now_ms.to_be_bytes());
        h.0.update(self.next_seq.to_be_bytes());
        // Writing JSON into a hash cannot fail, and every value here serializes.
        let mut json = |value: &dyn erased::Digestible| {
            let _ = value.write_json(&mut h);
        };
        let mut queue: Vec<_> = self
            .queue
            .iter()
            .filter(|Reverse(s)| self.is_live(s))
            .map(|Reverse(s)| s)
            .collect();
        queue.sort();
        for s in queue {
            json(&(s.at_ms, s.seq));
            match &s.due {
                Due::Delivery { envelope, tampered } => {
                    json(envelope);
                    json(tampered);
                }
                Due::Timer { party, .. } => json(&format!("{party:?}")),
            }
        }
        for c in self.consumers.values() {
            json(&(c.number(), c.online(), c.next_envelope));
            json(c.chats());
            for (id, e) in &c.outbox {
                json(&(id, &e.to, e.attempts, e.epoch, e.retry_at, &e.envelope));
            }
            for (peer, p) in &c.peers {
                json(&(peer, &p.identity, p.sessions.epoch, p.sessions.rebuilds));
                if let Some(s) = p.sessions.record.current() {
                    json(&*s.pickle());
                }
            }
        }
        let t = &self.transport;
        for (number, kind, key) in t.directory().entries() {
            json(&(number, kind, hex::encode(key.encode())));
            json(&t.directory().one_time_prekeys_left(number));
        }
        for (number, queue) in t.queues().iter() {
            json(&(number, queue));
        }
        json(&(t.log().total(), t.log().iter().next_back()));
        json(t.integrity().signals());
        for n in self.cloud.numbers() {
            json(&(
                &n.ids.phone_number_id,
                &n.statistics,
                n.webhook_verified,
                n.next_envelope,
            ));
            for (consumer, c) in &n.contacts {
                json(&(consumer, &c.profile_name, c.peer.epoch, &c.pending));
                if let Some(s) = c.peer.record.current() {
                    json(&*s.pickle());
                }
            }
        }
        for m in self.cloud.store().iter() {
            json(&(
                &m.wamid,
                &m.text,
                m.attempts,
                m.delivered,
                m.read,
                m.envelope_id,
                m.pending.as_ref().map(|p| (p.epoch, p.sent, p.retry_at)),
            ));
        }
        json(&(
            &self.cloud.report_at,
            &self.cloud.billable,
            self.cloud.next_exchange,
        ));
        json(&self.businesses);
        json(&self.manager);
        json(&self.rest_of_meta);
        json(&self.breaches);
        json(&self.network.connected);
        hex::encode(h.0.finalize())
    }
}
