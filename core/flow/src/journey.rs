//! One message's path through the four parties, read from the trace alone.
//!
//! The browser app highlights a message in every pane it passed through and
//! draws the hops between panes; a workshop asks "who held this, and in what
//! form?". Both questions are answered here, from the events the simulation
//! recorded, so an imported trace answers them exactly as a live one does.
//!
//! A journey is keyed by the id its author gave it: the client's message id for
//! a consumer's message, the wamid for a business's. It collects every id the
//! message had on the way (client id, transport envelope id, wamid), each hop
//! with the form the content had on it, and what happened: faults, rejections,
//! receipts, statuses, purge.
//!
//! What the trace shows, hop by hop:
//!
//! | hop | form | event |
//! |---|---|---|
//! | consumer → transport | Signal ciphertext | `transport_accepted` of its envelope |
//! | transport → Cloud API | Signal ciphertext | `transport_delivered` to the business number |
//! | Cloud API → business | plaintext in a signed HTTPS webhook | `webhook` whose body names the wamid |
//! | business → Cloud API | plaintext in a Graph API request | `graph_api` answered 200 with the wamid |
//! | Cloud API → transport | Signal ciphertext | `transport_accepted` of its envelope |
//! | transport → consumer | Signal ciphertext | `transport_delivered` to the consumer |
//!
//! A business message's envelope is not named by any event that also names its
//! wamid: the Cloud API encrypts and submits it while it answers the Graph API
//! request, so its `transport_accepted` (or `transport_refused`) is the one
//! recorded at the same instant just before that request's `graph_api` event.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::envelope::{EnvelopeId, ReceiptKind};
use crate::faults::Fault;
use crate::phone::PhoneNumber;
use crate::retention::Direction;
use crate::trace::{EventKind, Trace, TraceEvent};
use crate::trace_proof::outbound_text;

/// A party a message passes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The consumer's WhatsApp client.
    Consumer,
    /// The WhatsApp transport server.
    Transport,
    /// The Cloud API, hosting the business number.
    CloudApi,
    /// The business's own server.
    Business,
}

/// The form the content had on a hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Signal protocol ciphertext: the carrier cannot read it.
    Ciphertext,
    /// Plaintext inside HTTPS between the Cloud API and the business: TLS
    /// protects it on the wire, and both ends read it.
    Plaintext,
}

/// One hop a message made, possibly several times (retransmissions, duplicates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// Sender.
    pub from: Party,
    /// Receiver.
    pub to: Party,
    /// What crossed.
    pub form: Form,
    /// The first time, virtual ms.
    pub first_at_ms: u64,
    /// How many times.
    pub times: u32,
}

/// A message's whole path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Journey {
    /// The author's id: the client message id (inbound) or the wamid (outbound).
    pub key: String,
    /// Consumer to business, or back.
    pub direction: Direction,
    /// The consumer's E.164 number.
    pub consumer: String,
    /// The business's E.164 number.
    pub business: String,
    /// The text (or the emoji of a reaction) its author wrote.
    pub text: String,
    /// The consumer client's id (inbound only).
    pub client_message_id: Option<String>,
    /// The transport envelope that carried it.
    pub envelope_id: Option<EnvelopeId>,
    /// The wamid: assigned by the Cloud API on decrypting (inbound) or answering
    /// the Graph API request (outbound).
    pub wamid: Option<String>,
    /// Created, virtual ms.
    pub created_at_ms: u64,
    /// Hops in the order they first happened.
    pub hops: Vec<Hop>,
    /// Times the transport accepted its envelope (1 + retransmissions).
    pub transmissions: u32,
    /// Faults the transport injected on it.
    pub faults: Vec<Fault>,
    /// Deliveries its recipient refused (tampered, unknown session...).
    pub rejections: u32,
    /// Deliveries its recipient could not match to a session (a tampered
    /// prekey message, say): it asked the sender to start a new one.
    pub retry_requests: u32,
    /// Deliveries its recipient recognised as already processed.
    pub duplicates_ignored: u32,
    /// Queued at the transport for an offline device.
    pub queued: bool,
    /// Refused by the transport under an integrity action.
    pub refused: bool,
    /// Its recipient decrypted it.
    pub decrypted: bool,
    /// The recipient's device acknowledged it (delivery receipt).
    pub delivered: bool,
    /// Read: by the consumer (read receipt), or by the business (mark as read).
    pub read: bool,
    /// Status webhooks the business received for it, in order (outbound).
    pub statuses: Vec<String>,
    /// The Cloud API deleted its stored copy (retention).
    pub purged: bool,
}

impl Journey {
    fn new(key: String, direction: Direction, at_ms: u64) -> Self {
        Self {
            key,
            direction,
            consumer: String::new(),
            business: String::new(),
            text: String::new(),
            client_message_id: None,
            envelope_id: None,
            wamid: None,
            created_at_ms: at_ms,
            hops: Vec::new(),
            transmissions: 0,
            faults: Vec::new(),
            rejections: 0,
            retry_requests: 0,
            duplicates_ignored: 0,
            queued: false,
            refused: false,
            decrypted: false,
            delivered: false,
            read: false,
            statuses: Vec::new(),
            purged: false,
        }
    }

    fn hop(&mut self, from: Party, to: Party, form: Form, at_ms: u64) {
        match self.hops.iter_mut().find(|h| h.from == from && h.to == to) {
            Some(h) => h.times += 1,
            None => self.hops.push(Hop {
                from,
                to,
                form,
                first_at_ms: at_ms,
                times: 1,
            }),
        }
    }

    /// Whether the message crossed `from → to`.
    pub fn crossed(&self, from: Party, to: Party) -> Option<&Hop> {
        self.hops.iter().find(|h| h.from == from && h.to == to)
    }
}

/// Every consumer or business message in `trace`, oldest first. Receipts and
/// retry requests are not messages and have no journey.
pub fn journeys(trace: &Trace) -> Vec<Journey> {
    let mut book = JourneyBook::default();
    book.update(trace);
    book.journeys
}

/// Journeys kept up to date as a trace grows: [`JourneyBook::update`] reads
/// only the events it has not read yet, so a live view pays per new event.
#[derive(Debug, Clone, Default)]
pub struct JourneyBook {
    journeys: Vec<Journey>,
    by_envelope: HashMap<EnvelopeId, usize>,
    by_wamid: HashMap<String, usize>,
    by_key: HashMap<String, usize>,
    /// Status webhooks seen before their message's `graph_api` event (the
    /// Cloud API posts `sent` while it answers the request).
    early_statuses: HashMap<String, Vec<String>>,
    /// Events of the trace read so far.
    read: usize,
}

impl JourneyBook {
    /// Reads the events of `trace` not read yet. `trace` must be the one this
    /// book has been reading, grown since (a trace only ever grows).
    pub fn update(&mut self, trace: &Trace) {
        let events = &trace.events;
        for i in self.read..events.len() {
            if let Some(event) = events.get(i) {
                self.read_event(events, i, event);
            }
        }
        self.read = events.len();
    }

    /// Every journey, oldest first.
    pub fn all(&self) -> &[Journey] {
        &self.journeys
    }

    /// The journey with this key.
    pub fn get(&self, key: &str) -> Option<&Journey> {
        self.journeys.get(*self.by_key.get(key)?)
    }

    /// The journey an envelope carried.
    pub fn carried_by(&self, envelope: EnvelopeId) -> Option<&Journey> {
        self.journeys.get(*self.by_envelope.get(&envelope)?)
    }

    /// The journey of a wamid.
    pub fn with_wamid(&self, wamid: &str) -> Option<&Journey> {
        self.journeys.get(*self.by_wamid.get(wamid)?)
    }

    fn push(&mut self, journey: Journey) {
        self.by_key.insert(journey.key.clone(), self.journeys.len());
        self.journeys.push(journey);
    }
    fn by_envelope(&mut self, id: EnvelopeId) -> Option<&mut Journey> {
        let i = *self.by_envelope.get(&id)?;
        self.journeys.get_mut(i)
    }

    fn by_wamid(&mut self, wamid: &str) -> Option<&mut Journey> {
        let i = *self.by_wamid.get(wamid)?;
        self.journeys.get_mut(i)
    }

    fn read_event(&mut self, events: &[TraceEvent], index: usize, event: &TraceEvent) {
        let at = event.at_ms;
        match &event.kind {
            EventKind::ConsumerSent {
                consumer,
                business,
                message_id,
                text,
                envelope_id,
            } => {
                let mut j = Journey::new(message_id.clone(), Direction::Inbound, at);
                j.consumer = consumer.e164();
                j.business = business.e164();
                j.text = text.clone();
                j.client_message_id = Some(message_id.clone());
                j.envelope_id = Some(*envelope_id);
                self.by_envelope.insert(*envelope_id, self.journeys.len());
                self.push(j);
            }
            EventKind::TransportAccepted { envelope, .. } => {
                if let Some(j) = self.by_envelope(envelope.id) {
                    j.transmissions += 1;
                    let from = match j.direction {
                        Direction::Inbound => Party::Consumer,
                        Direction::Outbound => Party::CloudApi,
                    };
                    j.hop(from, Party::Transport, Form::Ciphertext, at);
                }
            }
            EventKind::TransportQueued { envelope_id, .. } => {
                if let Some(j) = self.by_envelope(*envelope_id) {
                    j.queued = true;
                }
            }
            EventKind::TransportRefused { envelope_id, .. } => {
                if let Some(j) = self.by_envelope(*envelope_id) {
                    j.refused = true;
                }
            }
            EventKind::TransportFault { envelope_id, fault } => {
                if let Some(j) = self.by_envelope(*envelope_id) {
                    j.faults.push(*fault);
                }
            }
            EventKind::TransportDelivered { envelope_id, .. } => {
                if let Some(j) = self.by_envelope(*envelope_id) {
                    let to = match j.direction {
                        Direction::Inbound => Party::CloudApi,
                        Direction::Outbound => Party::Consumer,
                    };
                    j.hop(Party::Transport, to, Form::Ciphertext, at);
                }
            }
            EventKind::Rejected { envelope_id, .. } => {
                if let Some(j) = self.by_envelope(*envelope_id) {
                    j.rejections += 1;
                }
            }
            EventKind::RetryRequested { envelope_id, .. } => {
                if let Some(j) = self.by_envelope(*envelope_id) {
                    j.retry_requests += 1;
                }
            }
            EventKind::DuplicateIgnored { envelope_id, .. } => {
                if let Some(j) = self.by_envelope(*envelope_id) {
                    j.duplicates_ignored += 1;
                }
            }
            EventKind::CloudApiDecrypted {
                envelope_id, wamid, ..
            } => {
                if let Some(&i) = self.by_envelope.get(envelope_id) {
                    self.by_wamid.insert(wamid.clone(), i);
                    if let Some(j) = self.journeys.get_mut(i) {
                        j.wamid = Some(wamid.clone());
                        j.decrypted = true;
                    }
                }
            }
            EventKind::ConsumerReceived { message_id, .. } => {
                if let Some(j) = self.by_wamid(message_id) {
                    j.decrypted = true;
                }
            }
            EventKind::ReceiptSent { receipt, ids, .. } => {
                for id in ids {
                    if let Some(j) = self.by_envelope(*id) {
                        j.delivered = true;
                        if *receipt == ReceiptKind::Read {
                            j.read = true;
                        }
                    }
                }
            }
            EventKind::Webhook { request, .. } => self.webhook(&request.body, at),
            EventKind::GraphApi { request, response } if response.status == 200 => {
                self.graph_api(events, index, &request.body, &response.body, at);
            }
            EventKind::RetentionPurged { wamids, .. } => {
                for wamid in wamids {
                    if let Some(j) = self.by_wamid(wamid) {
                        j.purged = true;
                    }
                }
            }
            _ => {}
        }
    }

    /// A message webhook is the Cloud API → business hop; a status webhook
    /// reports on an outbound message.
    fn webhook(&mut self, body: &[u8], at: u64) {
        let Ok(json) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let value = &json["entry"][0]["changes"][0]["value"];
        for m in value["messages"].as_array().into_iter().flatten() {
            if let Some(j) = m["id"].as_str().and_then(|w| self.by_wamid(w)) {
                j.hop(Party::CloudApi, Party::Business, Form::Plaintext, at);
            }
        }
        for s in value["statuses"].as_array().into_iter().flatten() {
            let (Some(wamid), Some(status)) = (s["id"].as_str(), s["status"].as_str()) else {
                continue;
            };
            match self.by_wamid(wamid) {
                Some(j) => j.statuses.push(status.to_owned()),
                None => self
                    .early_statuses
                    .entry(wamid.to_owned())
                    .or_default()
                    .push(status.to_owned()),
            }
        }
    }

    /// A successful send opens an outbound journey (the business → Cloud API
    /// hop); a successful mark-as-read marks an inbound one read.
    fn graph_api(
        &mut self,
        events: &[TraceEvent],
        index: usize,
        request: &[u8],
        response: &[u8],
        at: u64,
    ) {
        let Ok(req) = serde_json::from_slice::<Value>(request) else {
            return;
        };
        if req["status"] == "read" {
            if let Some(j) = req["message_id"].as_str().and_then(|w| self.by_wamid(w)) {
                j.read = true;
            }
            return;
        }
        let Ok(resp) = serde_json::from_slice::<Value>(response) else {
            return;
        };
        let (Some(wamid), Some(text)) =
            (resp["messages"][0]["id"].as_str(), outbound_text(request))
        else {
            return;
        };
        let mut j = Journey::new(wamid.to_owned(), Direction::Outbound, at);
        j.wamid = Some(wamid.to_owned());
        j.text = text;
        j.hop(Party::Business, Party::CloudApi, Form::Plaintext, at);
        j.statuses = self.early_statuses.remove(wamid).unwrap_or_default();
        if let Some(to) = req["to"].as_str().and_then(|t| PhoneNumber::parse(t).ok()) {
            j.consumer = to.e164();
        }
        // The envelope the Cloud API submitted while answering this request.
        let block = events[..index]
            .iter()
            .rev()
            .take_while(|e| e.at_ms == at && !matches!(e.kind, EventKind::GraphApi { .. }));
        let mut first_accept = None;
        for e in block {
            match &e.kind {
                EventKind::TransportAccepted {
                    envelope,
                    retransmission: false,
                    ..
                } => first_accept = Some((envelope.id, envelope.from.e164(), false)),
                EventKind::TransportRefused {
                    envelope_id,
                    business,
                    ..
                } => first_accept = Some((*envelope_id, business.e164(), true)),
                _ => {}
            }
        }
        let i = self.journeys.len();
        if let Some((id, business, refused)) = first_accept {
            j.envelope_id = Some(id);
            j.business = business;
            j.refused = refused;
            if !refused {
                j.transmissions = 1;
                j.hop(Party::CloudApi, Party::Transport, Form::Ciphertext, at);
            }
            self.by_envelope.insert(id, i);
        }
        self.by_wamid.insert(wamid.to_owned(), i);
        self.push(j);
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::{SimConfig, Simulation};

    fn world() -> (Simulation, String) {
        let mut sim = Simulation::new(SimConfig {
            seed: 11,
            ..SimConfig::default()
        })
        .unwrap();
        let handle = sim.add_business("+15550001111", "Acme").unwrap();
        sim.add_consumer("+16505551234", "Ana").unwrap();
        (sim, handle.phone_number_id)
    }

    #[test]
    fn a_consumer_message_crosses_three_hops_and_changes_form_at_the_cloud_api() {
        let (mut sim, _) = world();
        let id = sim
            .consumer_send_text("+16505551234", "+15550001111", "where is my order?")
            .unwrap();
        sim.settle();
        let all = journeys(sim.trace());
        assert_eq!(all.len(), 1);
        let j = &all[0];
        assert_eq!(j.key, id);
        assert_eq!(j.direction, Direction::Inbound);
        assert_eq!(j.text, "where is my order?");
        assert_eq!(j.consumer, "+16505551234");
        assert_eq!(j.business, "+15550001111");
        let path: Vec<_> = j.hops.iter().map(|h| (h.from, h.to, h.form)).collect();
        assert_eq!(
            path,
            [
                (Party::Consumer, Party::Transport, Form::Ciphertext),
                (Party::Transport, Party::CloudApi, Form::Ciphertext),
                (Party::CloudApi, Party::Business, Form::Plaintext),
            ]
        );
        assert!(j.decrypted && j.delivered);
        let wamid = j.wamid.clone().unwrap();
        assert!(sim.cloud_api().store.get(&wamid).is_some());
    }

    #[test]
    fn a_business_reply_is_linked_to_the_envelope_the_cloud_api_submitted() {
        let (mut sim, pnid) = world();
        sim.consumer_send_text("+16505551234", "+15550001111", "hi")
            .unwrap();
        sim.settle();
        sim.business_send_text(&pnid, "16505551234", "hello Ana")
            .unwrap();
        sim.settle();
        sim.consumer_read("+16505551234", "+15550001111").unwrap();
        sim.settle();
        let all = journeys(sim.trace());
        let reply = all
            .iter()
            .find(|j| j.direction == Direction::Outbound)
            .unwrap();
        let wamid = reply.wamid.clone().unwrap();
        let stored = sim.cloud_api().store.get(&wamid).unwrap();
        assert_eq!(reply.envelope_id, Some(stored.envelope_id));
        assert_eq!(reply.business, "+15550001111");
        assert_eq!(reply.consumer, "+16505551234");
        let path: Vec<_> = reply.hops.iter().map(|h| (h.from, h.to)).collect();
        assert_eq!(
            path,
            [
                (Party::Business, Party::CloudApi),
                (Party::CloudApi, Party::Transport),
                (Party::Transport, Party::Consumer),
            ]
        );
        assert_eq!(reply.statuses, ["sent", "delivered", "read"]);
        assert!(reply.decrypted && reply.delivered && reply.read);
    }

    #[test]
    fn tampering_and_retransmission_are_counted_on_the_message() {
        let (mut sim, _) = world();
        sim.set_faults(crate::faults::FaultConfig {
            tamper: 1.0,
            ..Default::default()
        })
        .unwrap();
        sim.consumer_send_text("+16505551234", "+15550001111", "tampered on the way")
            .unwrap();
        sim.run(8, 1_000);
        sim.set_faults(Default::default()).unwrap();
        sim.settle();
        let all = journeys(sim.trace());
        let j = &all[0];
        assert!(j.faults.contains(&Fault::Tamper));
        assert!(j.rejections + j.retry_requests >= 1, "{j:?}");
        assert!(j.transmissions >= 2, "{j:?}");
        assert!(j.decrypted, "the untampered retransmission got through");
        assert!(
            j.crossed(Party::CloudApi, Party::Business)
                .is_some_and(|h| h.times == 1)
        );
    }

    #[test]
    fn a_purge_marks_the_message_and_an_undelivered_reply_fails() {
        let (mut sim, pnid) = world();
        sim.consumer_send_text("+16505551234", "+15550001111", "hi")
            .unwrap();
        sim.settle();
        sim.set_consumer_online("+16505551234", false).unwrap();
        sim.business_send_text(&pnid, "16505551234", "you are offline")
            .unwrap();
        sim.advance(31 * crate::retention::DAY_MS);
        let all = journeys(sim.trace());
        assert!(all.iter().all(|j| j.purged));
        let reply = all
            .iter()
            .find(|j| j.direction == Direction::Outbound)
            .unwrap();
        assert!(reply.queued);
        assert_eq!(reply.statuses.last().map(String::as_str), Some("failed"));
    }
    #[test]
    fn a_book_read_bit_by_bit_equals_one_read_at_the_end() {
        let (mut sim, pnid) = world();
        let mut book = JourneyBook::default();
        for i in 0..5 {
            sim.consumer_send_text("+16505551234", "+15550001111", &format!("m{i}"))
                .unwrap();
            book.update(sim.trace());
            sim.step();
            book.update(sim.trace());
            sim.business_send_text(&pnid, "16505551234", &format!("r{i}"))
                .unwrap();
            sim.settle();
            book.update(sim.trace());
        }
        assert_eq!(book.all(), journeys(sim.trace()).as_slice());
        assert_eq!(book.all().len(), 10);
        let first = &book.all()[0];
        assert_eq!(book.get(&first.key), Some(first));
        assert_eq!(book.carried_by(first.envelope_id.unwrap()), Some(first));
        assert_eq!(
            book.with_wamid(first.wamid.as_deref().unwrap()),
            Some(first)
        );
    }
}
