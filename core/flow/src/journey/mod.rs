//! One message's path through the parties, read from the links the
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

mod book;

use serde::Serialize;

pub use book::{JourneyBook, journeys};

use crate::cloud_api::store::Direction;
use crate::faults::Fault;
use crate::wire::EnvelopeId;

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
    pub(crate) fn new(key: String, direction: Direction, at_ms: u64) -> Self {
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

    pub(crate) fn hop(&mut self, from: Party, to: Party, form: Form, at_ms: u64) {
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
    pub(crate) fn sender(&self) -> Party {
        match self.direction {
            Direction::Inbound => Party::Consumer,
            Direction::Outbound => Party::CloudApi,
        }
    }

    /// The side that received its envelopes.
    pub(crate) fn recipient(&self) -> Party {
        match self.direction {
            Direction::Inbound => Party::CloudApi,
            Direction::Outbound => Party::Consumer,
        }
    }
}
