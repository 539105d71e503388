//! The typed messages between parties, grouped by the link they travel on.
//!
//! | link | between | type |
//! |---|---|---|
//! | a device's connection | a consumer's client or the Cloud API (for a hosted number) and the transport | [`ToTransport`], [`FromTransport`] |
//! | HTTPS | the Cloud API and a business's server (webhooks, the Graph API), or an external client | [`Https`] |
//! | Meta's own systems | the Cloud API, Business Manager, the transport, the rest of Meta | [`Internal`] |
//!
//! The data each carries is known from its type alone: the ledger classifies
//! every delivery with `crate::ledger::classify`, and no party labels what it
//! sends.

use cipherflow_protocol::PreKeyBundle;
use cipherflow_protocol::keys::{PreKeyId, PublicKey};
use serde::{Deserialize, Serialize};

use crate::business_manager::BusinessRecord;
use crate::http::{HttpRequest, HttpResponse};
use crate::phone::PhoneNumber;
use crate::transport::integrity::{BusinessSignals, IntegrityAction};
use crate::wire::{Address, EnvelopeRef, TransportEnvelope};

/// One message on its way: from whom, to whom, what.
#[derive(Debug, Clone)]
pub struct Transmit {
    /// The sender's address (a party may own several: the Cloud API answers
    /// for every number it hosts).
    pub from: Address,
    /// The recipient's address.
    pub to: Address,
    /// The message.
    pub message: Message,
}

/// Every message, by link.
#[derive(Debug, Clone)]
pub enum Message {
    /// A device to the transport.
    ToTransport(ToTransport),
    /// The transport to a device.
    FromTransport(FromTransport),
    /// An HTTPS request or response.
    Https(Https),
    /// Between Meta's systems.
    Internal(Internal),
}

/// Whether a registering device is a person's phone or a business number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A consumer's phone.
    Consumer,
    /// A business number (hosted by the Cloud API).
    Business,
}

/// The public keys a device publishes when it registers.
#[derive(Debug, Clone)]
pub struct PublishedKeys {
    /// Identity key and signed prekey (with its signature), no one-time prekey.
    pub bundle: PreKeyBundle,
    /// One-time prekeys, each to be handed out once.
    pub one_time: Vec<(PreKeyId, PublicKey)>,
}

/// What a device asks of the transport over its connection.
#[derive(Debug, Clone)]
pub enum ToTransport {
    /// Registers `number` with its public keys (replacing any earlier ones).
    Register {
        /// The number.
        number: PhoneNumber,
        /// Its keys.
        keys: PublishedKeys,
        /// Phone or business number.
        account: AccountKind,
    },
    /// More one-time prekeys for `number`.
    PublishPreKeys {
        /// The number.
        number: PhoneNumber,
        /// The new keys.
        one_time: Vec<(PreKeyId, PublicKey)>,
    },
    /// A bundle for `number`, for `requester` to start a session with it.
    FetchBundle {
        /// The device asking.
        requester: PhoneNumber,
        /// Whose bundle.
        number: PhoneNumber,
    },
    /// `number`'s device is online: deliver what is queued for it.
    Connect {
        /// The number.
        number: PhoneNumber,
    },
    /// `number`'s device went offline: queue for it.
    Disconnect {
        /// The number.
        number: PhoneNumber,
    },
    /// An envelope to route.
    Submit {
        /// The envelope.
        envelope: TransportEnvelope,
        /// Whether the sender sent it before (same id).
        retransmission: bool,
    },
    /// The connection to a device closed before this envelope reached it
    /// (reported on the recipient's behalf): queue it again.
    Undelivered {
        /// The envelope.
        envelope: TransportEnvelope,
    },
    /// A consumer reports a business as spam.
    SpamReport {
        /// Who reports.
        reporter: PhoneNumber,
        /// The business.
        business: PhoneNumber,
    },
}

/// What the transport sends a device.
#[derive(Debug, Clone)]
pub enum FromTransport {
    /// The answer to a [`ToTransport::FetchBundle`].
    Bundle {
        /// Who asked.
        requester: PhoneNumber,
        /// Whose bundle.
        number: PhoneNumber,
        /// The bundle, or `None` when `number` is not on WhatsApp.
        bundle: Option<PreKeyBundle>,
    },
    /// A submitted envelope was accepted for delivery (one tick).
    Accepted {
        /// Which.
        envelope: EnvelopeRef,
    },
    /// A submitted envelope was refused: the sending business is under an
    /// integrity action.
    Refused {
        /// Which.
        envelope: EnvelopeRef,
        /// The action in force.
        action: IntegrityAction,
    },
    /// The device's one-time prekeys are running low at the directory:
    /// `left` remain to hand out. The device tops them up.
    PreKeyCount {
        /// The device's number.
        number: PhoneNumber,
        /// One-time prekeys left.
        left: usize,
    },
    /// An envelope for this device.
    Deliver {
        /// The envelope.
        envelope: TransportEnvelope,
    },
}

/// One half of an HTTPS exchange. The requester picks the exchange number;
/// the response carries it back.
#[derive(Debug, Clone)]
pub enum Https {
    /// A request.
    Request {
        /// The requester's number for this exchange.
        exchange: u64,
        /// The request, bytes and all.
        request: HttpRequest,
    },
    /// The response to a request.
    Response {
        /// The exchange it answers.
        exchange: u64,
        /// The response.
        response: HttpResponse,
    },
    /// No response came: what the requester's HTTP client reports (the
    /// connection was refused, or the answer took too long).
    Failed {
        /// The exchange that failed.
        exchange: u64,
        /// How.
        failure: HttpFailure,
    },
}

/// Why an HTTP request got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpFailure {
    /// Nothing listened at the endpoint.
    Refused,
    /// The endpoint did not answer within the requester's timeout.
    TimedOut,
}

impl HttpFailure {
    /// As the trace writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpFailure::Refused => "connection refused",
            HttpFailure::TimedOut => "timed out",
        }
    }
}

/// Running counts that identify no one, per hosted phone number id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatisticsReport {
    /// Counts by phone number id.
    pub per_number: Vec<(String, crate::cloud_api::Statistics)>,
}

/// Between Meta's own systems.
#[derive(Debug, Clone)]
pub enum Internal {
    /// Business Manager shares a business's record.
    BusinessInformation(BusinessRecord),
    /// The Cloud API tells Business Manager how many messages of a business's
    /// WhatsApp accepted for delivery since its last report, as their
    /// statuses priced them.
    Billable {
        /// The business number's id.
        phone_number_id: String,
        /// Messages to bill (`pricing.billable: true`).
        messages: u64,
        /// Free messages (`free_customer_service`).
        free: u64,
    },
    /// Business Manager shares what a business has been billed.
    Billing {
        /// The business number's id.
        phone_number_id: String,
        /// Messages billed in all.
        billed_messages: u64,
    },
    /// The Cloud API's statistics.
    Statistics(StatisticsReport),
    /// A breach: the Cloud API copies a message's text to the rest of Meta.
    ContentCopy {
        /// The text.
        text: String,
    },
    /// A breach: the Cloud API gives the transport a plaintext copy.
    PlaintextCopy {
        /// The text.
        text: String,
    },
    /// A breach: the Cloud API forwards consumers' numbers to the rest of Meta.
    ConsumerNumbers {
        /// The numbers.
        numbers: Vec<PhoneNumber>,
    },
    /// A breach: WhatsApp shares a business's integrity signals with the rest of Meta.
    IntegritySignals {
        /// The business.
        business: PhoneNumber,
        /// Its signals.
        signals: BusinessSignals,
    },
}

impl Message {
    /// A short name of the message's type, for traces and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Message::ToTransport(m) => match m {
                ToTransport::Register { .. } => "register",
                ToTransport::PublishPreKeys { .. } => "publish_prekeys",
                ToTransport::FetchBundle { .. } => "fetch_bundle",
                ToTransport::Connect { .. } => "connect",
                ToTransport::Disconnect { .. } => "disconnect",
                ToTransport::Submit { .. } => "submit",
                ToTransport::Undelivered { .. } => "undelivered",
                ToTransport::SpamReport { .. } => "spam_report",
            },
            Message::FromTransport(m) => match m {
                FromTransport::Bundle { .. } => "bundle",
                FromTransport::Accepted { .. } => "accepted",
                FromTransport::Refused { .. } => "refused",
                FromTransport::PreKeyCount { .. } => "prekey_count",
                FromTransport::Deliver { .. } => "deliver",
            },
            Message::Https(Https::Request { .. }) => "https_request",
            Message::Https(Https::Response { .. }) => "https_response",
            Message::Https(Https::Failed { .. }) => "https_failed",
            Message::Internal(m) => match m {
                Internal::BusinessInformation(_) => "business_information",
                Internal::Billable { .. } => "billable",
                Internal::Billing { .. } => "billing",
                Internal::Statistics(_) => "statistics",
                Internal::ContentCopy { .. } => "content_copy",
                Internal::PlaintextCopy { .. } => "plaintext_copy",
                Internal::ConsumerNumbers { .. } => "consumer_numbers",
                Internal::IntegritySignals { .. } => "integrity_signals",
            },
        }
    }
}
