//! The journey book: journeys kept up to date as a trace grows, read event
//! by event from the links the parties wrote.

use crate::maps::fingerprint;

use crate::cloud_api::graph_api::{self, SendRequest};
use crate::cloud_api::store::Direction;
use crate::journey::{Form, Journey, Party};
use crate::phone::PhoneNumber;
use crate::trace::{EventKind, Trace};
use crate::wire::{EnvelopeId, ReceiptKind};

/// What a journey is found by.
#[derive(Clone, Copy)]
enum Link<'a> {
    /// Its key.
    Key(&'a str),
    /// Its wamid.
    Wamid(&'a str),
    /// An envelope that carried it: sender and id.
    Envelope(&'a PhoneNumber, EnvelopeId),
}

impl Link<'_> {
    fn fingerprint(self) -> u64 {
        match self {
            Link::Key(k) => fingerprint(0, &[k.as_bytes()]),
            Link::Wamid(w) => fingerprint(1, &[w.as_bytes()]),
            Link::Envelope(from, id) => {
                fingerprint(2, &[from.wa_id().as_bytes(), &id.to_be_bytes()])
            }
        }
    }

    /// Whether `j` is the journey this names.
    fn names(self, j: &Journey) -> bool {
        match self {
            Link::Key(k) => j.key == k,
            Link::Wamid(w) => j.wamid.as_deref() == Some(w),
            Link::Envelope(from, id) => {
                let sender = match j.direction {
                    Direction::Inbound => &j.consumer,
                    Direction::Outbound => &j.business,
                };
                j.envelope_id == Some(id) && sender.strip_prefix('+') == Some(from.wa_id())
            }
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
    /// Journeys by the fingerprint of a key, a wamid or an envelope; a
    /// lookup checks the journey it finds, so a collision can only miss.
    index: crate::maps::FingerprintMap,
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
        self.find(Link::Key(key))
    }

    /// The journey an envelope (by sender and id) carried.
    pub fn carried_by(&self, from: &PhoneNumber, envelope: EnvelopeId) -> Option<&Journey> {
        self.find(Link::Envelope(from, envelope))
    }

    /// The journey of a wamid.
    pub fn with_wamid(&self, wamid: &str) -> Option<&Journey> {
        self.find(Link::Wamid(wamid))
    }

    fn find(&self, link: Link<'_>) -> Option<&Journey> {
        let i = usize::try_from(*self.index.get(&link.fingerprint())?).ok()?;
        self.journeys.get(i).filter(|j| link.names(j))
    }

    fn find_mut(&mut self, link: Link<'_>) -> Option<&mut Journey> {
        let i = usize::try_from(*self.index.get(&link.fingerprint())?).ok()?;
        self.journeys.get_mut(i).filter(|j| link.names(j))
    }

    fn link(&mut self, link: Link<'_>, i: usize) {
        self.index.insert(link.fingerprint(), i as u64);
    }

    fn open(&mut self, journey: Journey) -> usize {
        let i = self.journeys.len();
        self.index
            .insert(Link::Key(&journey.key).fingerprint(), i as u64);
        self.journeys.push(journey);
        i
    }

    fn index_of(&self, link: Link<'_>) -> Option<usize> {
        let i = usize::try_from(*self.index.get(&link.fingerprint())?).ok()?;
        self.journeys.get(i).filter(|j| link.names(j)).map(|_| i)
    }

    fn envelope(&mut self, from: &PhoneNumber, id: EnvelopeId) -> Option<&mut Journey> {
        self.find_mut(Link::Envelope(from, id))
    }

    fn wamid(&mut self, wamid: &str) -> Option<&mut Journey> {
        self.find_mut(Link::Wamid(wamid))
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
                self.link(Link::Envelope(consumer, *envelope_id), i);
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
                if let Some(j) = self.envelope(from, *envelope_id) {
                    j.wamid = Some(wamid.clone());
                    j.decrypted = true;
                    let i = self.index_of(Link::Envelope(from, *envelope_id));
                    if let Some(i) = i {
                        self.link(Link::Wamid(wamid), i);
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
                if let Some(i) = self.index_of(Link::Wamid(wamid))
                    && let Some(j) = self.journeys.get_mut(i)
                {
                    j.envelope_id = Some(*envelope_id);
                    j.business = business.e164();
                    j.consumer = to.e164();
                    self.link(Link::Envelope(business, *envelope_id), i);
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
                    (SendRequest::MarkRead { message_id, .. }, _) => {
                        if let Some(j) = self.wamid(&message_id) {
                            j.read = true;
                        }
                    }
                    (
                        SendRequest::Text { to, body: text, .. }
                        | SendRequest::Reaction {
                            to, emoji: text, ..
                        }
                        | SendRequest::Template { to, name: text, .. },
                        Some(wamid),
                    ) => {
                        let mut j = Journey::new(wamid.clone(), Direction::Outbound, at);
                        j.wamid = Some(wamid.clone());
                        j.text = text;
                        j.consumer = to.e164();
                        j.hop(Party::Business, Party::CloudApi, Form::Plaintext, at);
                        let i = self.open(j);
                        self.link(Link::Wamid(wamid), i);
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
