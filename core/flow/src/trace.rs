//! The typed trace: the single source of truth. Every hop is an event with who,
//! when, the exact bytes, and what each party could see. Views (the npm
//! snapshot, the browser panes) read nothing else.

use serde::{Deserialize, Serialize};

use crate::envelope::{EnvelopeId, ReceiptKind, TransportEnvelope};
use crate::faults::Fault;
use crate::http::{HttpRequest, HttpResponse};
use crate::integrity::IntegrityAction;
use crate::phone::PhoneNumber;

/// Whether the trace keeps every event or only counts them (for scale runs,
/// where memory must stay bounded by live data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceMode {
    /// Keep every event.
    #[default]
    Full,
    /// Count events only.
    CountOnly,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// Position in the trace.
    pub seq: u64,
    /// Virtual time, ms.
    pub at_ms: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A consumer's client encrypted and sent a message (plaintext visible to the consumer only).
    ConsumerSent {
        /// Sender.
        consumer: PhoneNumber,
        /// The business number.
        business: PhoneNumber,
        /// The client's message id.
        message_id: String,
        /// The text.
        text: String,
        /// The transport envelope carrying it.
        envelope_id: EnvelopeId,
    },
    /// A Signal session was created.
    SessionCreated {
        /// The party holding it ("consumer" or "cloud_api").
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
        /// The envelope.
        envelope_id: EnvelopeId,
        /// For whom.
        to: PhoneNumber,
    },
    /// The transport refused an envelope from a business under integrity action.
    TransportRefused {
        /// The envelope.
        envelope_id: EnvelopeId,
        /// The business.
        business: PhoneNumber,
        /// The action in force.
        action: IntegrityAction,
    },
    /// A fault was injected.
    TransportFault {
        /// The envelope.
        envelope_id: EnvelopeId,
        /// Which fault.
        fault: Fault,
    },
    /// An envelope reached its recipient.
    TransportDelivered {
        /// The envelope.
        envelope_id: EnvelopeId,
        /// Recipient.
        to: PhoneNumber,
        /// Whether a bit was flipped on the way.
        tampered: bool,
    },
    /// The Cloud API decrypted a consumer's message (on the business's behalf).
    CloudApiDecrypted {
        /// The envelope.
        envelope_id: EnvelopeId,
        /// The consumer.
        from: PhoneNumber,
        /// The business's phone number id.
        phone_number_id: String,
        /// The wamid assigned.
        wamid: String,
        /// The plaintext.
        text: String,
    },
    /// A recipient refused an envelope (failed authentication, unknown session...).
    Rejected {
        /// Who refused it.
        by: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
        /// Why.
        error: String,
        /// Whether the transport had tampered with it.
        tampered: bool,
    },
    /// A recipient saw a message it had already processed and only re-acknowledged it.
    DuplicateIgnored {
        /// Who.
        by: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
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
    },
    /// A receipt was sent.
    ReceiptSent {
        /// Sender of the receipt.
        by: PhoneNumber,
        /// To whom.
        to: PhoneNumber,
        /// Delivered or read.
        receipt: ReceiptKind,
        /// The envelopes acknowledged.
        ids: Vec<EnvelopeId>,
    },
    /// The recipient had no session: it asked the sender to start a new one.
    RetryRequested {
        /// Who asked.
        by: PhoneNumber,
        /// The envelope.
        envelope_id: EnvelopeId,
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
    /// The Cloud API posted a webhook to the business.
    Webhook {
        /// The business's phone number id.
        phone_number_id: String,
        /// The exact signed request.
        request: HttpRequest,
        /// The business's answer.
        response: HttpResponse,
    },
    /// A Graph API call reached the Cloud API.
    GraphApi {
        /// The request as received.
        request: HttpRequest,
        /// The response.
        response: HttpResponse,
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
}

/// The trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Full or count-only.
    pub mode: TraceMode,
    /// The events (empty in count-only mode).
    pub events: Vec<TraceEvent>,
    /// Events recorded in total.
    pub total: u64,
}

impl Trace {
    /// An empty trace.
    pub fn new(mode: TraceMode) -> Self {
        Self {
            mode,
            events: Vec::new(),
            total: 0,
        }
    }

    /// Appends an event.
    pub fn push(&mut self, at_ms: u64, kind: EventKind) {
        if self.mode == TraceMode::Full {
            self.events.push(TraceEvent {
                seq: self.total,
                at_ms,
                kind,
            });
        }
        self.total += 1;
    }
}
