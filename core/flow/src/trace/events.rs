//! The event kinds, one per thing that can happen to a message or a party.

use serde::Serialize;

use crate::breach::Breach;
use crate::faults::Fault;
use crate::http::{HttpRequest, HttpResponse};
use crate::phone::PhoneNumber;
use crate::transport::integrity::IntegrityAction;
use crate::wire::{EnvelopeId, PartyKind, ReceiptKind, TransportEnvelope};

/// A status a webhook carried, and the message it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusLink {
    /// The outbound message's wamid.
    pub wamid: String,
    /// `sent`, `delivered`, `read` or `failed`.
    pub status: String,
}

/// What happened.
// Written, never read back by serde: the one reader of trace JSON is
// `trace::json::LightTrace` (shared by the app and the npm module).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A consumer's client queued a message for a business (the plaintext
    /// exists on the phone only; it is encrypted once a session exists).
    ConsumerSent {
        /// Sender.
        consumer: PhoneNumber,
        /// The business number.
        business: PhoneNumber,
        /// The client's message id.
        message_id: String,
        /// The text.
        text: String,
        /// The consumer's envelope that carries it (every transmission).
        envelope_id: EnvelopeId,
    },
    /// A Signal session was created.
    SessionCreated {
        /// The number of the device holding it.
        holder: PhoneNumber,
        /// The other end.
        peer: PhoneNumber,
        /// Whether `holder` initiated.
        initiator: bool,
        /// The peer's identity key, `Encode(IK)` in hex.
        remote_identity: String,
        /// Whether it differs from the identity this holder knew for the peer
        /// (the safety number changed).
        identity_changed: bool,
    },
    /// The transport accepted an envelope: everything the transport sees.
    TransportAccepted {
        /// The whole envelope, bytes included.
        envelope: TransportEnvelope,
        /// Its size.
        size: usize,
        /// Whether the sender had sent it before.
        retransmission: bool,
    },
    /// The recipient was offline: queued.
    TransportQueued {
        /// The envelope's sender.
        from: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
        /// For whom.
        to: PhoneNumber,
    },
    /// The transport refused an envelope from a business under integrity action.
    TransportRefused {
        /// The envelope.
        envelope_id: EnvelopeId,
        /// The business (the envelope's sender).
        business: PhoneNumber,
        /// The action in force.
        action: IntegrityAction,
    },
    /// The network injected a fault on a delivery.
    TransportFault {
        /// The envelope's sender.
        from: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
        /// Its recipient.
        to: PhoneNumber,
        /// Which fault.
        fault: Fault,
    },
    /// An envelope reached its recipient.
    TransportDelivered {
        /// The envelope's sender.
        from: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
        /// Recipient.
        to: PhoneNumber,
        /// Whether a bit was flipped on the way.
        tampered: bool,
    },
    /// The Cloud API decrypted a consumer's message (on the business's behalf).
    CloudApiDecrypted {
        /// The consumer's envelope.
        envelope_id: EnvelopeId,
        /// The consumer.
        from: PhoneNumber,
        /// The business's phone number id.
        phone_number_id: String,
        /// The consumer client's message id.
        message_id: String,
        /// The wamid assigned.
        wamid: String,
        /// The plaintext.
        text: String,
    },
    /// The Cloud API encrypted a business's message into an envelope.
    CloudApiEncrypted {
        /// The business's phone number id.
        phone_number_id: String,
        /// The business number (the envelope's sender).
        business: PhoneNumber,
        /// The message.
        wamid: String,
        /// The business number's envelope that carries it.
        envelope_id: EnvelopeId,
        /// The consumer.
        to: PhoneNumber,
        /// The session generation (a new one after each rebuild).
        epoch: u64,
    },
    /// A recipient refused an envelope (failed authentication, malformed...).
    Rejected {
        /// Who refused it.
        by: PhoneNumber,
        /// The envelope's sender.
        from: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
        /// Why.
        error: String,
        /// Whether the network had tampered with it (the router knows; the
        /// recipient only saw that it did not verify).
        tampered: bool,
        /// Whether the bytes decrypted (and what was inside was refused).
        #[serde(default)]
        decrypted: bool,
    },
    /// A recipient saw a message it had already processed and only re-acknowledged it.
    DuplicateIgnored {
        /// Who.
        by: PhoneNumber,
        /// The envelope's sender.
        from: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
        /// Whether the bytes decrypted (a message re-sent under a new session,
        /// known by its id) or the ratchet refused a replay of bytes it had
        /// decrypted before.
        #[serde(default)]
        decrypted: bool,
    },
    /// A consumer's client decrypted a business message.
    ConsumerReceived {
        /// Recipient.
        consumer: PhoneNumber,
        /// The business.
        business: PhoneNumber,
        /// The wamid.
        message_id: String,
        /// The text, or the emoji of a reaction.
        text: String,
        /// The business number's envelope that carried it.
        envelope_id: EnvelopeId,
    },
    /// A receipt was sent.
    ReceiptSent {
        /// Sender of the receipt.
        by: PhoneNumber,
        /// To whom.
        to: PhoneNumber,
        /// Delivered or read.
        receipt: ReceiptKind,
        /// The envelopes acknowledged (`to` sent them).
        ids: Vec<EnvelopeId>,
        /// The receipt's own envelope.
        envelope_id: EnvelopeId,
    },
    /// The recipient had no session: it asked the sender to start a new one.
    RetryRequested {
        /// Who asked.
        by: PhoneNumber,
        /// The envelope's sender.
        from: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
        /// Why no session could read it.
        #[serde(default)]
        reason: String,
    },
    /// A sender got a retry request but rebuilds back off: it keeps
    /// retransmitting on the current session until `until_ms`.
    RetryDeferred {
        /// The sender.
        by: PhoneNumber,
        /// The envelope the request named.
        envelope_id: EnvelopeId,
        /// No rebuild before this time.
        until_ms: u64,
    },
    /// A sender sent an unacknowledged envelope again.
    Retransmitted {
        /// Who.
        by: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
        /// Attempt number (2 = first retransmission).
        attempt: u32,
    },
    /// The Cloud API posted a webhook to the business, and got this answer.
    Webhook {
        /// The business's phone number id.
        phone_number_id: String,
        /// The Cloud API's exchange number.
        exchange: u64,
        /// The exact signed request.
        request: HttpRequest,
        /// The business's answer.
        response: HttpResponse,
        /// The wamids of the messages it carried.
        #[serde(default)]
        messages: Vec<String>,
        /// The statuses it carried.
        #[serde(default)]
        statuses: Vec<StatusLink>,
        /// Which attempt this was (1 = the first).
        #[serde(default)]
        attempt: u32,
    },
    /// A webhook attempt failed: the business answered with a status other
    /// than 200, or could not be reached.
    WebhookFailed {
        /// The business's phone number id.
        phone_number_id: String,
        /// The Cloud API's exchange number.
        exchange: u64,
        /// The exact signed request.
        request: HttpRequest,
        /// The answer, if one came.
        #[serde(default)]
        response: Option<HttpResponse>,
        /// What went wrong (`HTTP 503`, `connection refused`, `timed out`).
        error: String,
        /// Which attempt this was.
        attempt: u32,
        /// When the next attempt is due; `None` when there is none.
        #[serde(default)]
        retry_at_ms: Option<u64>,
    },
    /// The Cloud API gave up on updates it could not deliver by webhook.
    WebhookDropped {
        /// The business's phone number id.
        phone_number_id: String,
        /// Wamids of the messages dropped.
        messages: Vec<String>,
        /// The statuses dropped.
        statuses: Vec<StatusLink>,
        /// Why (seven days of retries, or the message's retention passed).
        reason: String,
    },
    /// The link to a business's webhook endpoint misbehaved (the router's
    /// webhook fault model, or an endpoint switched off).
    WebhookFault {
        /// The business's phone number id.
        phone_number_id: String,
        /// The Cloud API's exchange number.
        exchange: u64,
        /// What happened.
        fault: crate::faults::WebhookFault,
    },
    /// A Graph API call reached the Cloud API.
    GraphApi {
        /// The request as received.
        request: HttpRequest,
        /// The response.
        response: HttpResponse,
        /// The wamid of the message the request created, if it created one.
        #[serde(default)]
        wamid: Option<String>,
    },
    /// Messages expired and were purged.
    RetentionPurged {
        /// The wamids purged.
        wamids: Vec<String>,
        /// How many consumer phone numbers the Cloud API no longer holds.
        numbers_forgotten: usize,
        /// Outbound messages that expired undelivered (each gets a `failed` status).
        undelivered: Vec<String>,
    },
    /// The integrity monitor changed its action on a business.
    IntegrityActionTaken {
        /// The business.
        business: PhoneNumber,
        /// The new action.
        action: IntegrityAction,
        /// Why.
        reason: String,
    },
    /// A consumer reported a business as spam.
    SpamReported {
        /// Reporter.
        consumer: PhoneNumber,
        /// Reported business.
        business: PhoneNumber,
    },
    /// A consumer's device went online or offline.
    ConnectivityChanged {
        /// Who.
        consumer: PhoneNumber,
        /// Now online?
        online: bool,
    },
    /// The business's number got a new identity key (re-registration).
    IdentityRotated {
        /// The business number.
        business: PhoneNumber,
    },
    /// Something failed: a typed error that no other event names.
    Failure {
        /// The party it happened at.
        by: String,
        /// What was being done.
        what: String,
        /// The error.
        error: String,
        /// Meta's error code, when one was reported to the business.
        code: Option<u32>,
    },
    /// One of Meta's systems shared data with another (statistics, business
    /// information, billing, or a breach).
    MetaShared {
        /// The sender.
        from: PartyKind,
        /// The recipient.
        to: PartyKind,
        /// The message's type.
        what: String,
        /// The message content it carried, if any (only a breach shares any).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
    },
    /// A deliberate policy breach was switched on or off.
    BreachChanged {
        /// Which.
        breach: Breach,
        /// On?
        on: bool,
    },
}

impl EventKind {
    /// Whether this is a recipient's verdict on a delivered Signal envelope:
    /// `Some(true)` when the bytes decrypted (authenticated), `Some(false)`
    /// when they did not, `None` for any other event. Every delivered Signal
    /// envelope gets exactly one verdict, the first event its recipient records.
    pub fn verdict(&self) -> Option<bool> {
        match self {
            EventKind::CloudApiDecrypted { .. } | EventKind::ConsumerReceived { .. } => Some(true),
            EventKind::Rejected { decrypted, .. }
            | EventKind::DuplicateIgnored { decrypted, .. } => Some(*decrypted),
            EventKind::RetryRequested { .. } => Some(false),
            _ => None,
        }
    }
}
