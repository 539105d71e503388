//! One message's path through the four parties, read from the links the
//! parties wrote into the trace.
//!
//! A journey is keyed by the id its author gave the message: the client's
//! message id for a consumer's message, the wamid for a business's. Every
//! other id it had is linked by the party that made the link, in the event
//! that made it:
//!
//! | link | made by | event |
//! |---|---|---|
//! | client message id → the consumer's envelope | the consumer's client | `consumer_sent` |
//! | the consumer's envelope → wamid | the Cloud API | `cloud_api_decrypted` |
//! | wamid → webhook | the Cloud API | `webhook` (`messages`, `statuses`) |
//! | Graph API request → wamid | the Cloud API | `graph_api` (`wamid`) |
//! | wamid → the business number's envelope | the Cloud API | `cloud_api_encrypted` |
//! | envelope → receipts | the recipient | `receipt_sent` (the sender's envelope ids) |
//!
//! An envelope is named by its sender and id. Hops, in the form the content
//! had on each:
//!
//! | hop | form | the event that shows it |
//! |---|---|---|
//! | consumer → transport | Signal ciphertext | `transport_accepted` of its envelope |
//! | transport → Cloud API | Signal ciphertext | `transport_delivered` to the business number |
//! | Cloud API → business | plaintext inside a signed HTTPS webhook | `webhook` naming the wamid |
//! | business → Cloud API | plaintext inside a Graph API request | `graph_api` with the wamid |
//! | Cloud API → transport | Signal ciphertext | `transport_accepted` of its envelope |
//! | transport → consumer | Signal ciphertext | `transport_delivered` to the consumer |

use std::collections::HashMap;

use serde::Serialize;

use crate::cloud_api::graph_api::{self, SendRequest};
use crate::cloud_api::store::Direction;
use crate::faults::Fault;
use crate::phone::PhoneNumber;
use crate::trace::{EventKind, Trace};
use crate::wire::{EnvelopeId, ReceiptKind};

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

impl Party {
    /// The party's name as a pane shows it.
    pub fn label(self) -> &'static str {
        match self {
            Party::Consumer => "consumer",
            Party::Transport => "transport",
            Party::CloudApi => "Cloud API",
            Party::Business => "business",
        }
    }
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

impl Form {
    /// What crossed, in words.
    pub fn label(self) -> &'static str {
        match self {
            Form::Ciphertext => "Signal ciphertext",
            Form::Plaintext => "plaintext in HTTPS",
        }
    }

    /// The form on the hop between two neighbouring panes when nothing is
    /// selected: plaintext only between the Cloud API and the business.
    pub fn between(left: Party, right: Party) -> Self {
        if left == Party::Business || right == Party::Business {
            Form::Plaintext
        } else {
            Form::Ciphertext
        }
    }
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
    /// The envelope that carried it (its sender's id).
    pub envelope_id: Option<EnvelopeId>,
    /// The wamid: assigned by the Cloud API on decrypting (inbound) or
    /// answering the Graph API request (outbound).
    pub wamid: Option<String>,
    /// Created, virtual ms.
    pub created_at_ms: u64,
    /// Hops in the order they first happened.
    pub hops: Vec<Hop>,
    /// Times the transport accepted its envelope (1 + retransmissions).
    pub transmissions: u32,
    /// Faults the network injected on it.
    pub faults: Vec<Fault>,
    /// Deliveries its recipient refused (tampered, malformed...).
    pub rejections: u32,
    /// Deliveries its recipient could not match to a session: it asked the
    /// sender to start a new one.
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

    /// What happened to it on the way, one phrase each, in the order a reader
    /// wants them: transmissions, faults, refusals, queueing, purge, status.
    pub fn happenings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.transmissions > 1 {
            out.push(format!("sent {} times", self.transmissions));
        }
        for f in &self.faults {
            out.push(format!("network fault: {}", f.name()));
        }
        if self.rejections > 0 {
            out.push(format!("{} rejected delivery(ies)", self.rejections));
        }
        if self.retry_requests > 0 {
            out.push(format!(
                "{} retry request(s): no session matched",
                self.retry_requests
            ));
        }
        if self.duplicates_ignored > 0 {
            out.push(format!("{} duplicate(s) ignored", self.duplicates_ignored));
        }
        if self.queued {
            out.push("queued for an offline phone".to_owned());
        }
        if self.refused {
            out.push("refused by the integrity system".to_owned());
        }
        if self.purged {
            out.push("purged by retention".to_owned());
        }
        if let Some(s) = self.statuses.last() {
            out.push(format!("status: {s}"));
        }
        out
    }

    /// The hop between two neighbouring panes, whichever way it went, and
    /// how it reads on the arrow between them.
    pub fn hop_between(&self, left: Party, right: Party) -> (Option<&Hop>, String) {
        let hop = self
            .crossed(left, right)
            .or_else(|| self.crossed(right, left));
        let label = match hop {
            Some(h) if h.times > 1 => format!("{} ×{}", h.form.label(), h.times),
            Some(h) => h.form.label().to_owned(),
            None => "not crossed (yet)".to_owned(),
        };
        (hop, label)
    }

    /// The side that sent its envelopes.
    fn sender(&self) -> Party {
        match self.direction {
            Direction::Inbound => Party::Consumer,
            Direction::Outbound => Party::CloudApi,
        }
    }

    /// The side that received its envelopes.
    fn recipient(&self) -> Party {
        match self.direction {
            Direction::Inbound => Party::CloudApi,
            Direction::Outbound => Party::Consumer,
        }
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
    by_envelope: HashMap<(PhoneNumber, EnvelopeId), usize>,
    by_wamid: HashMap<String, usize>,
    by_key: HashMap<String, usize>,
    /// Events of the trace read so far.
    read: usize,
}

impl JourneyBook {
    /// Reads the events of `trace` not read yet. `trace` must be the one this
    /// book has been reading, grown since (a trace only ever grows).
    pub fn update(&mut self, trace: &Trace) {
        for event in trace.events.iter().skip(self.read) {
            self.read_event(event.at_ms, &event.kind);
        }
        self.read = trace.events.len();
    }

    /// Reads one more event (the router feeds its book this way, as events
    /// are recorded).
    pub fn push(&mut self, at_ms: u64, kind: &EventKind) {
        self.read_event(at_ms, kind);
        self.read += 1;
    }

    /// Every journey, oldest first.
    pub fn all(&self) -> &[Journey] {
        &self.journeys
    }

    /// The journey with this key.
    pub fn get(&self, key: &str) -> Option<&Journey> {
        self.journeys.get(*self.by_key.get(key)?)
    }

    /// The journey an envelope (by sender and id) carried.
    pub fn carried_by(&self, from: &PhoneNumber, envelope: EnvelopeId) -> Option<&Journey> {
        self.journeys
            .get(*self.by_envelope.get(&(from.clone(), envelope))?)
    }

    /// The journey of a wamid.
    pub fn with_wamid(&self, wamid: &str) -> Option<&Journey> {
        self.journeys.get(*self.by_wamid.get(wamid)?)
    }

    fn open(&mut self, journey: Journey) -> usize {
        let i = self.journeys.len();
        self.by_key.insert(journey.key.clone(), i);
        self.journeys.push(journey);
        i
    }

    fn envelope(&mut self, from: &PhoneNumber, id: EnvelopeId) -> Option<&mut Journey> {
        let i = *self.by_envelope.get(&(from.clone(), id))?;
        self.journeys.get_mut(i)
    }

    fn wamid(&mut self, wamid: &str) -> Option<&mut Journey> {
        let i = *self.by_wamid.get(wamid)?;
        self.journeys.get_mut(i)
    }

    fn read_event(&mut self, at: u64, kind: &EventKind) {
        match kind {
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
                let i = self.open(j);
                self.by_envelope.insert((consumer.clone(), *envelope_id), i);
            }
            EventKind::TransportAccepted { envelope, .. } => {
                if let Some(j) = self.envelope(&envelope.from, envelope.id) {
                    j.transmissions += 1;
                    let from = j.sender();
                    j.hop(from, Party::Transport, Form::Ciphertext, at);
                }
            }
            EventKind::TransportQueued {
                from, envelope_id, ..
            } => {
                if let Some(j) = self.envelope(from, *envelope_id) {
                    j.queued = true;
                }
            }
            EventKind::TransportRefused {
                envelope_id,
                business,
                ..
            } => {
                if let Some(j) = self.envelope(business, *envelope_id) {
                    j.refused = true;
                }
            }
            EventKind::TransportFault {
                from,
                envelope_id,
                fault,
                ..
            } => {
                if let Some(j) = self.envelope(from, *envelope_id) {
                    j.faults.push(*fault);
                }
            }
            EventKind::TransportDelivered {
                from, envelope_id, ..
            } => {
                if let Some(j) = self.envelope(from, *envelope_id) {
                    let to = j.recipient();
                    j.hop(Party::Transport, to, Form::Ciphertext, at);
                }
            }
            EventKind::Rejected {
                from, envelope_id, ..
            } => {
                if let Some(j) = self.envelope(from, *envelope_id) {
                    j.rejections += 1;
                }
            }
            EventKind::RetryRequested {
                from, envelope_id, ..
            } => {
                if let Some(j) = self.envelope(from, *envelope_id) {
                    j.retry_requests += 1;
                }
            }
            EventKind::DuplicateIgnored {
                from, envelope_id, ..
            } => {
                if let Some(j) = self.envelope(from, *envelope_id) {
                    j.duplicates_ignored += 1;
                }
            }
            EventKind::CloudApiDecrypted {
                envelope_id,
                from,
                wamid,
                ..
            } => {
                if let Some(&i) = self.by_envelope.get(&(from.clone(), *envelope_id)) {
                    self.by_wamid.insert(wamid.clone(), i);
                    if let Some(j) = self.journeys.get_mut(i) {
                        j.wamid = Some(wamid.clone());
                        j.decrypted = true;
                    }
                }
            }
            EventKind::CloudApiEncrypted {
                business,
                wamid,
                envelope_id,
                to,
                ..
            } => {
                if let Some(&i) = self.by_wamid.get(wamid) {
                    self.by_envelope.insert((business.clone(), *envelope_id), i);
                    if let Some(j) = self.journeys.get_mut(i) {
                        j.envelope_id = Some(*envelope_id);
                        j.business = business.e164();
                        j.consumer = to.e164();
                    }
                }
            }
            EventKind::ConsumerReceived { message_id, .. } => {
                if let Some(j) = self.wamid(message_id) {
                    j.decrypted = true;
                }
            }
            EventKind::ReceiptSent {
                to, receipt, ids, ..
            } => {
                for id in ids {
                    if let Some(j) = self.envelope(to, *id) {
                        j.delivered = true;
                        if *receipt == ReceiptKind::Read {
                            j.read = true;
                        }
                    }
                }
            }
            EventKind::Webhook {
                messages,
                statuses,
                response,
                ..
            } if response.status == 200 => {
                for wamid in messages {
                    if let Some(j) = self.wamid(wamid) {
                        j.hop(Party::CloudApi, Party::Business, Form::Plaintext, at);
                    }
                }
                for s in statuses {
                    if let Some(j) = self.wamid(&s.wamid) {
                        j.statuses.push(s.status.clone());
                    }
                }
            }
            EventKind::GraphApi {
                request,
                response,
                wamid,
            } if response.status == 200 => {
                let Ok(parsed) = graph_api::parse_send(&request.body) else {
                    return;
                };
                match (parsed, wamid) {
                    (SendRequest::MarkRead { message_id }, _) => {
                        if let Some(j) = self.wamid(&message_id) {
                            j.read = true;
                        }
                    }
                    (
                        SendRequest::Text { to, body: text, .. }
                        | SendRequest::Reaction {
                            to, emoji: text, ..
                        },
                        Some(wamid),
                    ) => {
                        let mut j = Journey::new(wamid.clone(), Direction::Outbound, at);
                        j.wamid = Some(wamid.clone());
                        j.text = text;
                        j.consumer = to.e164();
                        j.hop(Party::Business, Party::CloudApi, Form::Plaintext, at);
                        let i = self.open(j);
                        self.by_wamid.insert(wamid.clone(), i);
                    }
                    _ => {}
                }
            }
            EventKind::RetentionPurged { wamids, .. } => {
                for wamid in wamids {
                    if let Some(j) = self.wamid(wamid) {
                        j.purged = true;
                    }
                }
            }
            _ => {}
        }
    }
}
