//! A digest of the world's state: every party, the network, the queue, the
//! clock and the RNG position, but not what is derived from them (the trace,
//! the ledger, the proof). Equal digests before and after a refused command
//! show that it changed nothing.
//!
//! Values are fed to the hash field by field (numbers big-endian, strings
//! with their length first); only envelopes go through serde_json, whose code
//! the trace's export links anyway.

use std::cmp::Reverse;

use rand_core::Rng;
use sha2::{Digest, Sha256};

use crate::router::Simulation;
use crate::router::schedule::{Due, PartyId};
use crate::wire::TransportEnvelope;

/// The hash, fed field by field.
struct StateHasher(Sha256);

impl StateHasher {
    fn num(&mut self, n: u64) {
        self.0.update(n.to_be_bytes());
    }

    fn opt(&mut self, n: Option<u64>) {
        self.num(n.map_or(u64::MAX, |n| n.wrapping_add(1)));
    }

    fn text(&mut self, s: &str) {
        self.num(s.len() as u64);
        self.0.update(s.as_bytes());
    }

    fn flag(&mut self, b: bool) {
        self.0.update([u8::from(b)]);
    }

    fn envelope(&mut self, e: &TransportEnvelope) {
        // Serializing an envelope cannot fail.
        let json = serde_json::to_vec(e).unwrap_or_default();
        self.num(json.len() as u64);
        self.0.update(&json);
    }
}

impl Simulation {
    /// SHA-256 over the world's state, excluding the trace and what is derived
    /// from it.
    pub fn state_digest(&self) -> String {
        let mut h = StateHasher(Sha256::new());
        let mut rng = self.rng.clone();
        h.num(rng.next_u64());
        h.num(self.now_ms);
        h.num(self.next_seq);
        // The heap's order is the order of the operations that built it: the
        // same commands give the same order.
        for Reverse(s) in self.queue.iter().filter(|Reverse(s)| self.is_live(s)) {
            h.num(s.at_ms);
            h.num(s.seq);
            match &s.due {
                Due::Delivery { envelope, tampered } => {
                    h.envelope(envelope);
                    h.flag(*tampered);
                }
                Due::Transmit(t) => {
                    h.text(&t.from.to_string());
                    h.text(&t.to.to_string());
                    h.text(t.message.name());
                }
                Due::Timer { party, generation } => {
                    match party {
                        PartyId::Consumer(n) => h.text(n.wa_id()),
                        PartyId::Business(id) => h.text(id),
                        other => h.num(other.kind() as u64),
                    }
                    h.num(*generation);
                }
            }
        }
        for c in self.consumers.values() {
            h.text(c.number().wa_id());
            h.flag(c.online());
            h.num(c.next_envelope);
            for (business, chat) in c.chats() {
                h.text(business.wa_id());
                for m in chat {
                    h.text(&m.id);
                    h.num(m.envelope_id);
                    h.text(m.text);
                    h.num(m.at_ms);
                    h.num(m.ticks as u64);
                    h.flag(m.read);
                    h.text(m.reaction.unwrap_or_default());
                }
            }
            for (id, e) in c.outbox.iter() {
                h.num(*id);
                h.text(e.to.wa_id());
                h.num(u64::from(e.attempts));
                h.num(e.epoch);
                h.opt(e.retry_at);
                if let Some(env) = &e.envelope {
                    h.envelope(env);
                }
            }
            for (peer, p) in &c.peers {
                h.text(peer.wa_id());
                h.num(p.sessions.epoch);
                h.num(u64::from(p.sessions.rebuilds));
                if let Some(i) = &p.identity {
                    h.0.update(i.identity_key.encode());
                }
                if let Some(s) = p.sessions.record.current() {
                    h.text(&s.pickle());
                }
            }
        }
        for number in self.live.devices.iter() {
            h.text(number.wa_id());
        }
        for (number, held) in self.live.unacked.iter() {
            h.text(number.wa_id());
            for e in held {
                h.envelope(e);
            }
        }
        let t = &self.transport;
        for (number, kind, key) in t.directory().entries() {
            h.text(number.wa_id());
            h.flag(kind == crate::wire::AccountKind::Business);
            h.0.update(key.encode());
            h.num(t.directory().one_time_prekeys_left(number) as u64);
        }
        for (_, queue) in t.queues().iter() {
            for e in queue {
                h.envelope(e);
            }
        }
        h.num(t.log().total());
        for (business, s) in t.integrity().signals() {
            h.text(business.wa_id());
            h.num(s.messages_in_window);
            h.num(s.recipients_in_window);
            h.num(s.spam_reports);
            h.num(s.action as u64);
        }
        for n in self.cloud.numbers() {
            h.text(&n.ids.phone_number_id);
            h.num(n.statistics.inbound);
            h.num(n.statistics.outbound);
            h.num(n.statistics.webhooks);
            h.flag(n.webhook_verified);
            h.num(n.next_envelope);
            for (consumer, c) in &n.contacts {
                h.text(consumer.wa_id());
                h.text(c.profile_name.as_str());
                h.num(c.peer.epoch);
                for w in c.pending.as_slice() {
                    h.text(w);
                }
                if let Some(s) = c.peer.record.current() {
                    h.text(&s.pickle());
                }
            }
        }
        for m in self.cloud.store().iter() {
            h.text(&m.wamid());
            h.text(m.text());
            h.num(u64::from(m.attempts));
            h.flag(m.delivered);
            h.flag(m.read);
            h.num(m.envelope_id);
            if let Some(p) = &m.pending {
                h.num(p.epoch);
                h.flag(p.sent);
                h.opt(p.retry_at);
            }
        }
        h.opt(self.cloud.report_at);
        for (pnid, (paid, free)) in &self.cloud.billable {
            h.text(pnid);
            h.num(*paid);
            h.num(*free);
        }
        let deliveries = &self.cloud.deliveries;
        h.num(deliveries.next_exchange);
        h.opt(deliveries.flush_at);
        for (pnid, batch) in &deliveries.batching {
            h.text(pnid);
            h.num(batch.len() as u64);
        }
        for exchange in deliveries.in_flight.keys() {
            h.num(*exchange);
        }
        for (at, exchange, d) in &deliveries.retrying {
            h.num(*at);
            h.num(*exchange);
            h.num(u64::from(d.attempts));
            h.num(d.updates.len() as u64);
        }
        for (pnid, exchange) in &self.webhooks.swallow {
            h.text(pnid);
            h.num(*exchange);
        }
        for b in self.businesses.values() {
            h.text(&b.phone_number_id);
            h.flag(b.webhook_verified);
            h.num(b.rejected_webhooks);
            for m in &b.inbox {
                h.text(&m.wamid);
                h.text(&m.body);
            }
            for s in &b.outbound {
                h.text(&s.wamid);
                h.text(&s.status);
            }
            for m in &b.sent {
                h.text(&m.wamid);
            }
        }
        for (pnid, r) in &self.manager.businesses {
            h.text(pnid);
            h.num(r.billed_messages);
            h.num(r.free_messages);
        }
        let rom = &self.rest_of_meta;
        h.num(rom.businesses.len() as u64);
        for (pnid, n) in &rom.billing {
            h.text(pnid);
            h.num(*n);
        }
        h.num(rom.message_texts.len() as u64);
        h.num(rom.consumer_numbers.len() as u64);
        h.num(rom.integrity.len() as u64);
        for b in self.breaches.iter() {
            h.text(b.name());
        }
        for n in &self.network.connected {
            h.text(n.wa_id());
        }
        for pnid in self.live.endpoints.iter() {
            h.text(pnid);
        }
        for r in &self.live.outgoing {
            h.text(&r.phone_number_id);
            h.num(r.exchange);
            h.text(&r.request.path);
        }
        hex::encode(h.0.finalize())
    }
}
