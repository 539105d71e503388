//! What a message carries, known from its type. The router calls this for
//! every delivery; no party says what it sends.
//!
//! HTTPS bodies are read by the schema of the endpoint they go to: a request
//! to the Cloud API's Graph API is parsed as the Graph API parses it; a
//! request to a business's webhook endpoint as Meta's webhook JSON.

use serde_json::Value;

use crate::cloud_api::graph_api::{self, SendRequest};
use crate::ledger::DataCategory;
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::{
    AccountKind, Address, FromTransport, Https, Internal, Message, Payload, ToTransport,
    TransportEnvelope,
};

/// The data categories a message carries, with counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carried(Vec<(DataCategory, u64)>);

impl Carried {
    fn add(&mut self, category: DataCategory, n: u64) {
        if n == 0 {
            return;
        }
        match self.0.iter_mut().find(|(c, _)| *c == category) {
            Some((_, count)) => *count += n,
            None => self.0.push((category, n)),
        }
    }

    /// Each category and how many items of it.
    pub fn iter(&self) -> impl Iterator<Item = (DataCategory, u64)> + '_ {
        self.0.iter().copied()
    }

    /// Whether the message carries `category`.
    pub fn has(&self, category: DataCategory) -> bool {
        self.0.iter().any(|(c, _)| *c == category)
    }
}

fn numbers<'a>(
    out: &mut Carried,
    is_consumer: &dyn Fn(&PhoneNumber) -> bool,
    numbers: impl IntoIterator<Item = &'a PhoneNumber>,
) {
    let n = numbers.into_iter().filter(|n| is_consumer(n)).count() as u64;
    out.add(DataCategory::ConsumerPhoneNumber, n);
}

fn envelope(out: &mut Carried, is_consumer: &dyn Fn(&PhoneNumber) -> bool, e: &TransportEnvelope) {
    numbers(out, is_consumer, [&e.from, &e.to]);
    if let Payload::Signal { .. } = e.payload {
        out.add(DataCategory::EncryptedContent, 1);
    }
}

/// What `message`, on its way to `to`, carries. `is_consumer` tells a
/// consumer's number from a business's (the router knows which device answers
/// at each number).
pub fn carried(
    message: &Message,
    to: &Address,
    is_consumer: &dyn Fn(&PhoneNumber) -> bool,
) -> Carried {
    let mut out = Carried::default();
    match message {
        Message::ToTransport(m) => match m {
            ToTransport::Register {
                number, account, ..
            } => match account {
                AccountKind::Consumer => numbers(&mut out, is_consumer, [number]),
                AccountKind::Business => out.add(DataCategory::BusinessInformation, 1),
            },
            ToTransport::PublishPreKeys { number, .. }
            | ToTransport::Connect { number }
            | ToTransport::Disconnect { number } => numbers(&mut out, is_consumer, [number]),
            ToTransport::FetchBundle { requester, number } => {
                numbers(&mut out, is_consumer, [requester, number]);
            }
            ToTransport::Submit { envelope: e, .. } | ToTransport::Undelivered { envelope: e } => {
                envelope(&mut out, is_consumer, e);
            }
            ToTransport::SpamReport { reporter, .. } => {
                numbers(&mut out, is_consumer, [reporter]);
                out.add(DataCategory::IntegritySignals, 1);
            }
        },
        Message::FromTransport(m) => match m {
            FromTransport::Bundle { number, .. } => numbers(&mut out, is_consumer, [number]),
            FromTransport::Deliver { envelope: e } => envelope(&mut out, is_consumer, e),
            FromTransport::Accepted { .. }
            | FromTransport::Refused { .. }
            | FromTransport::PreKeyCount { .. } => {}
        },
        Message::Https(Https::Request { request, .. }) => match to {
            Address::CloudApi => graph_request(&mut out, &request.body),
            Address::Business(_) => webhook_body(&mut out, &request.body),
            _ => {}
        },
        Message::Https(Https::Failed { .. }) => {}
        Message::Https(Https::Response { response, .. }) => {
            // A Graph API send response names the recipient (`contacts[].wa_id`).
            if let Some(body) = response.body_json() {
                let n = body["contacts"].as_array().map_or(0, Vec::len) as u64;
                out.add(DataCategory::ConsumerPhoneNumber, n);
            }
        }
        Message::Internal(m) => match m {
            Internal::BusinessInformation(_) => out.add(DataCategory::BusinessInformation, 1),
            Internal::Billable { .. } | Internal::Billing { .. } => {
                out.add(DataCategory::Billing, 1);
            }
            Internal::Statistics(_) => out.add(DataCategory::NonIdentifiableStatistics, 1),
            Internal::ContentCopy { .. } | Internal::PlaintextCopy { .. } => {
                out.add(DataCategory::MessageContent, 1);
            }
            Internal::ConsumerNumbers { numbers: n } => {
                numbers(&mut out, is_consumer, n.iter());
            }
            Internal::IntegritySignals { .. } => out.add(DataCategory::IntegritySignals, 1),
        },
    }
    out
}

/// A Graph API request, read as the Graph API reads it.
fn graph_request(out: &mut Carried, body: &[u8]) {
    match graph_api::parse_send(body) {
        Ok(
            SendRequest::Text { .. } | SendRequest::Reaction { .. } | SendRequest::Template { .. },
        ) => {
            out.add(DataCategory::MessageContent, 1);
            out.add(DataCategory::ConsumerPhoneNumber, 1);
        }
        Ok(SendRequest::MarkRead { .. }) | Err(_) => {}
    }
}

/// A webhook body, read as Meta's webhook JSON.
fn webhook_body(out: &mut Carried, body: &[u8]) {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let values = json["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten())
        .map(|c| &c["value"]);
    for value in values {
        let messages = value["messages"].as_array().map_or(0, Vec::len) as u64;
        let statuses = value["statuses"].as_array().map_or(0, Vec::len) as u64;
        out.add(DataCategory::MessageContent, messages);
        out.add(DataCategory::ConsumerPhoneNumber, messages + statuses);
    }
}

/// What a party's own event shows it holds: data it wrote or derived itself
/// (a consumer's text, a message the Cloud API decrypted).
pub fn derived(event: &EventKind) -> Option<DataCategory> {
    match event {
        EventKind::ConsumerSent { .. }
        | EventKind::ConsumerReceived { .. }
        | EventKind::CloudApiDecrypted { .. } => Some(DataCategory::MessageContent),
        _ => None,
    }
}
