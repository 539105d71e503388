//! The delivery loop. For every message a party hands over, the router
//! classifies what it carries (the ledger), delivers it (now, or across the
//! network), and records the recipient's events; for every event it feeds the
//! ciphertext-only proof and the delivery counts. Nothing here is told what a
//! party saw: it is read off what was delivered and what happened.

use std::cmp::Reverse;

use rand_core::CryptoRng;

use crate::ledger::classify;
// The exactly-once check keys its sets by 64-bit fingerprints (a collision
// could only report a duplicate that was not one).
use crate::maps::fingerprint;
use crate::party::{Outbox, Party};
use crate::router::Simulation;
use crate::router::schedule::{Due, PartyId, Scheduled};
use crate::trace::EventKind;
use crate::trace::proof::input_of;
use crate::wire::{
    Address, FromTransport, Https, Internal, Message, PartyKind, ToTransport, Transmit,
    TransportEnvelope,
};

impl PartyId {
    /// The kind of party.
    pub(crate) fn kind(&self) -> PartyKind {
        match self {
            PartyId::Consumer(_) => PartyKind::Consumer,
            PartyId::Transport => PartyKind::Transport,
            PartyId::CloudApi => PartyKind::CloudApi,
            PartyId::Business(_) => PartyKind::Business,
            PartyId::BusinessManager => PartyKind::BusinessManager,
            PartyId::RestOfMeta => PartyKind::RestOfMeta,
        }
    }
}

/// Calls `$body` with the party behind `$id` bound to `$p`, whatever its type.
macro_rules! with_party {
    ($sim:expr, $id:expr, |$p:ident| $body:expr) => {
        match $id {
            PartyId::Consumer(n) => match $sim.consumers.get_mut(n) {
                Some($p) => Some($body),
                None => None,
            },
            PartyId::Transport => {
                let $p = &mut $sim.transport;
                Some($body)
            }
            PartyId::CloudApi => {
                let $p = &mut $sim.cloud;
                Some($body)
            }
            PartyId::Business(id) => match $sim.businesses.get_mut(id) {
                Some($p) => Some($body),
                None => None,
            },
            PartyId::BusinessManager => {
                let $p = &mut $sim.manager;
                Some($body)
            }
            PartyId::RestOfMeta => {
                let $p = &mut $sim.rest_of_meta;
                Some($body)
            }
        }
    };
}

fn call_handle<P: Party, R: CryptoRng>(
    p: &mut P,
    now_ms: u64,
    rng: &mut R,
    from: &Address,
    to: &Address,
    message: Message,
) {
    p.handle(now_ms, rng, from, to, message);
}

fn take_outbox<P: Party>(p: &mut P) -> Outbox {
    std::mem::take(p.outbox())
}

impl Simulation {
    /// The party answering at `address`.
    pub(crate) fn resolve(&self, address: &Address) -> Option<PartyId> {
        match address {
            Address::Number(n) if self.consumers.contains_key(n) => {
                Some(PartyId::Consumer(n.clone()))
            }
            Address::Number(n) => self.cloud.id_for_phone(n).map(|_| PartyId::CloudApi),
            Address::Transport => Some(PartyId::Transport),
            Address::CloudApi => Some(PartyId::CloudApi),
            Address::Business(id) => self
                .businesses
                .contains_key(id)
                .then(|| PartyId::Business(id.clone())),
            Address::BusinessManager => Some(PartyId::BusinessManager),
            Address::RestOfMeta => Some(PartyId::RestOfMeta),
            Address::External => None,
        }
    }

    /// The kind of party at `address` (a device outside the router is a
    /// consumer's phone).
    pub(crate) fn kind_of(&self, address: &Address) -> PartyKind {
        match address {
            Address::Number(n) if self.live.devices.contains(n) => PartyKind::Consumer,
            _ => self
                .resolve(address)
                .map_or(PartyKind::External, |p| p.kind()),
        }
    }

    pub(crate) fn generation(&self, party: &PartyId) -> u64 {
        self.timers.get(party).map_or(0, |(_, g)| *g)
    }

    /// Re-reads a party's deadline and schedules it if it moved.
    fn rearm(&mut self, party: &PartyId) {
        let deadline = match party {
            PartyId::Consumer(n) => self.consumers.get(n).and_then(Party::poll_timeout),
            PartyId::Transport => self.transport.poll_timeout(),
            PartyId::CloudApi => self.cloud.poll_timeout(),
            PartyId::Business(id) => self.businesses.get(id).and_then(Party::poll_timeout),
            PartyId::BusinessManager => self.manager.poll_timeout(),
            PartyId::RestOfMeta => self.rest_of_meta.poll_timeout(),
        };
        let (armed, generation) = self.timers.get(party).copied().unwrap_or((None, 0));
        if deadline == armed {
            return;
        }
        let generation = generation + 1;
        self.timers.insert(party.clone(), (deadline, generation));
        if let Some(at_ms) = deadline {
            self.schedule(
                at_ms,
                Due::Timer {
                    party: party.clone(),
                    generation,
                },
            );
        }
    }

    pub(crate) fn schedule(&mut self, at_ms: u64, due: Due) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Reverse(Scheduled { at_ms, seq, due }));
    }

    /// Hands a message to a party, then takes what it produced.
    fn handle(&mut self, party: &PartyId, from: &Address, to: &Address, message: Message) {
        let now = self.now_ms;
        let rng = &mut self.rng;
        let _ = with_party!(self, party, |p| call_handle(p, now, rng, from, to, message));
        self.drain(party);
    }

    /// A party's deadline came.
    pub(crate) fn timeout(&mut self, party: &PartyId) {
        let now = self.now_ms;
        let rng = &mut self.rng;
        let _ = with_party!(self, party, |p| p.handle_timeout(now, rng));
        self.drain(party);
    }

    /// Records a party's events, then routes its messages, then re-reads its
    /// deadline. Events first: what a party did comes before its effects
    /// elsewhere.
    pub(crate) fn drain(&mut self, party: &PartyId) {
        let Some(mut outbox) = with_party!(self, party, |p| take_outbox(p)) else {
            return;
        };
        let kind = party.kind();
        while let Some(event) = outbox.poll_event() {
            self.record(kind, event);
        }
        while let Some(transmit) = outbox.poll_transmit() {
            self.route(transmit);
        }
        // The emptied outbox goes back with its capacity, so the next call
        // does not allocate it again (four 272-byte transmits are past the
        // allocator's fast path). Not to phones: there are thousands, and
        // idle ones should hold nothing.
        if !matches!(party, PartyId::Consumer(_)) {
            let _ = with_party!(self, party, |p| {
                let own = p.outbox();
                if own.is_empty() {
                    *own = outbox;
                }
            });
        }
        self.rearm(party);
    }

    /// Envelopes the transport delivers cross the network; everything else
    /// is delivered at once.
    fn route(&mut self, t: Transmit) {
        match t.message {
            Message::FromTransport(FromTransport::Deliver { envelope })
                if t.from == Address::Transport =>
            {
                let (copies, faults) = self.network.send(&mut self.rng, envelope);
                for (e, fault) in faults {
                    self.record(
                        PartyKind::Transport,
                        EventKind::TransportFault {
                            from: e.from,
                            envelope_id: e.id,
                            to: e.to,
                            fault,
                        },
                    );
                }
                for copy in copies {
                    self.schedule(
                        self.now_ms.saturating_add(copy.delay_ms),
                        Due::Delivery {
                            envelope: Box::new(copy.envelope),
                            tampered: copy.tampered,
                        },
                    );
                }
            }
            Message::Https(Https::Request { exchange, .. })
                if t.from == Address::CloudApi
                    && let Address::Business(pnid) = &t.to =>
            {
                let pnid = pnid.clone();
                if let Some(t) = self.hand_out(t, &pnid, exchange) {
                    self.webhook_request(t, pnid, exchange);
                }
            }
            Message::Https(Https::Response { exchange, .. })
                if t.to == Address::CloudApi
                    && let Address::Business(pnid) = &t.from
                    && self.swallowed(pnid, exchange) => {}
            message => self.immediate.push_back(Transmit { message, ..t }),
        }
    }

    /// Delivers everything waiting to be delivered at once.
    pub(crate) fn flush(&mut self) {
        while let Some(t) = self.immediate.pop_front() {
            self.deliver(t, false);
        }
    }

    /// An envelope arrives from across the network. A device whose
    /// connection closed meanwhile cannot take it: it goes back to the
    /// transport to be queued (a copy the network damaged is lost instead,
    /// and the sender retransmits).
    pub(crate) fn arrive(&mut self, envelope: TransportEnvelope, tampered: bool) {
        if !self.network.connected.contains(&envelope.to) {
            if !tampered {
                self.immediate.push_back(Transmit {
                    from: Address::Number(envelope.to.clone()),
                    to: Address::Transport,
                    message: Message::ToTransport(ToTransport::Undelivered { envelope }),
                });
            }
            return;
        }
        self.record(
            PartyKind::Transport,
            EventKind::TransportDelivered {
                from: envelope.from.clone(),
                envelope_id: envelope.id,
                to: envelope.to.clone(),
                tampered,
            },
        );
        let transmit = Transmit {
            from: Address::Transport,
            to: Address::Number(envelope.to.clone()),
            message: Message::FromTransport(FromTransport::Deliver { envelope }),
        };
        self.deliver(transmit, tampered);
    }

    pub(crate) fn deliver(&mut self, t: Transmit, tampered: bool) {
        if let (
            Some((requester, exchange)),
            Message::Https(Https::Response {
                exchange: e,
                response,
            }),
        ) = (&self.awaiting, &t.message)
            && *requester == t.to
            && e == exchange
        {
            self.captured = Some(response.clone());
        }
        if let Address::Number(n) = &t.to
            && self.live.devices.contains(n)
        {
            self.hand_to_device(t);
            return;
        }
        let Some(party) = self.resolve(&t.to) else {
            if t.to != Address::External {
                self.record(
                    PartyKind::External,
                    EventKind::Failure {
                        by: "router".to_owned(),
                        what: format!("{} from {} to {}", t.message.name(), t.from, t.to),
                        error: "no party answers at that address: dropped".to_owned(),
                        code: None,
                    },
                );
            }
            return;
        };
        let holder = party.kind();
        let via = self.kind_of(&t.from);
        self.record_carried(&t, holder, via);
        if let Message::ToTransport(m) = &t.message {
            match m {
                ToTransport::Connect { number } if t.from == Address::Number(number.clone()) => {
                    self.network.connected.insert(number.clone());
                }
                ToTransport::Disconnect { number }
                | ToTransport::Undelivered {
                    envelope: TransportEnvelope { to: number, .. },
                } if t.from == Address::Number(number.clone()) => {
                    self.network.connected.remove(number);
                }
                _ => {}
            }
        }
        if let Message::Internal(m) = &t.message {
            let content = match m {
                Internal::ContentCopy { text } | Internal::PlaintextCopy { text } => {
                    Some(text.clone())
                }
                _ => None,
            };
            self.record(
                via,
                EventKind::MetaShared {
                    from: via,
                    to: holder,
                    what: t.message.name().to_owned(),
                    content,
                },
            );
        }
        self.current_delivery_tampered = tampered;
        self.handle(&party, &t.from, &t.to, t.message);
        self.current_delivery_tampered = false;
    }

    /// Records in the ledger what `t` carries as held by `holder`, handed
    /// over by `via`. A phone outside the router counts as a consumer's.
    pub(crate) fn record_carried(&mut self, t: &Transmit, holder: PartyKind, via: PartyKind) {
        let carried = {
            let (consumers, devices) = (&self.consumers, &self.live.devices);
            classify::carried(&t.message, &t.to, &|n| {
                consumers.contains_key(n) || devices.contains(n)
            })
        };
        for (category, n) in carried.iter() {
            self.ledger.record(holder, category, via, n);
        }
    }

    /// Records an event `emitter` produced: the trace, what it shows the
    /// emitter holds, the proof, the delivery counts.
    pub(crate) fn record(&mut self, emitter: PartyKind, mut event: EventKind) {
        // The router knows what the recipient cannot: the network tampered
        // with the delivery it refused.
        if self.current_delivery_tampered
            && let EventKind::Rejected { tampered, .. } = &mut event
        {
            *tampered = true;
        }
        if let Some(category) = classify::derived(&event) {
            self.ledger.record(emitter, category, emitter, 1);
        }
        self.proof.push(input_of(&event));
        self.count(&event);
        if self.trace.mode == crate::trace::TraceMode::Full {
            self.journeys.push(self.now_ms, &event);
        }
        self.trace.push(self.now_ms, event);
    }

    fn count(&mut self, event: &EventKind) {
        let full = self.trace.mode == crate::trace::TraceMode::Full;
        match event {
            EventKind::ConsumerSent { .. } => self.stats.consumer_sent += 1,
            EventKind::CloudApiDecrypted {
                from,
                message_id,
                wamid,
                ..
            } if full => {
                let key = fingerprint(0, &[from.wa_id().as_bytes(), message_id.as_bytes()]);
                self.inbound_keys
                    .insert(fingerprint(1, &[wamid.as_bytes()]), key);
            }
            EventKind::Webhook {
                messages, response, ..
            } if response.status == 200 => {
                for wamid in messages {
                    // Exactly once to the business, by the consumer's message id.
                    let first = !full
                        || self
                            .inbound_keys
                            .get(&fingerprint(1, &[wamid.as_bytes()]))
                            .is_some_and(|key| self.seen_by_business.insert(*key, 1).is_none());
                    if first {
                        self.stats.delivered_to_business += 1;
                    } else {
                        self.stats.duplicate_business_deliveries += 1;
                    }
                }
            }
            EventKind::GraphApi { wamid: Some(_), .. } => self.stats.business_sent += 1,
            EventKind::ConsumerReceived { .. } => self.stats.delivered_to_consumer += 1,
            _ => {}
        }
    }
}
