//! The inputs of a live world: everything the parties were given from
//! outside (an HTTP request, an endpoint's answer, a command from the
//! control API, a jump of the clock), in a form that replays to the same
//! effect. A server journals them; a replica applies them.

use crate::http::{HttpRequest, HttpResponse};
use crate::phone::PhoneNumber;
use crate::router::BusinessCredentials;
use crate::wire::HttpFailure;
use crate::wire::device_frame::{DeviceFrame, KeysFrame};
use serde::Serialize;

mod read;

/// One input. Written by serde's derive; read by hand (`input/read.rs`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// A business is onboarded.
    AddBusiness {
        /// Its number, as typed.
        number: String,
        /// Its name.
        name: String,
        /// Credentials chosen by the operator.
        #[serde(default)]
        credentials: BusinessCredentials,
    },
    /// A consumer's phone joins, its client run by the server.
    AddConsumer {
        /// Its number.
        number: String,
        /// Its name.
        name: String,
    },
    /// A Graph API request arrived over HTTP.
    Graph {
        /// The request as received (method, path, headers, body).
        request: HttpRequest,
    },
    /// A business's webhook now points at a real URL.
    ConnectWebhook {
        /// The business.
        phone_number_id: String,
        /// The callback URL.
        url: String,
        /// The verify token of the handshake.
        verify_token: String,
    },
    /// What a real webhook endpoint answered.
    WebhookAnswer {
        /// The business.
        phone_number_id: String,
        /// The Cloud API's exchange number.
        exchange: u64,
        /// The response, or how the request failed.
        answer: Result<HttpResponse, HttpFailure>,
    },
    /// A consumer sends a text (or a reply, when `reply_to` names a message).
    ConsumerText {
        /// The consumer.
        consumer: String,
        /// The business's number.
        to: String,
        /// The text.
        text: String,
        /// The message replied to.
        #[serde(default)]
        reply_to: Option<String>,
    },
    /// A consumer reacts to a message.
    ConsumerReact {
        /// The consumer.
        consumer: String,
        /// The business's number.
        to: String,
        /// The message reacted to.
        message_id: String,
        /// The emoji.
        emoji: String,
    },
    /// A consumer opens a chat: what arrived is read.
    ConsumerRead {
        /// The consumer.
        consumer: String,
        /// The business's number.
        business: String,
    },
    /// A consumer's phone goes offline or comes back.
    ConsumerOnline {
        /// The consumer.
        consumer: String,
        /// Online or not.
        online: bool,
    },
    /// A consumer reports a business as spam.
    ConsumerReportSpam {
        /// The consumer.
        consumer: String,
        /// The business's number.
        business: String,
    },
    /// The business sends a text from its own server (the instructor's
    /// reply, typed on the projector).
    BusinessText {
        /// The business.
        phone_number_id: String,
        /// The consumer's number.
        to: String,
        /// The text.
        text: String,
    },
    /// The business blasts `count` texts at everyone whose window is open
    /// (see `crate::live::blast`).
    BusinessBlast {
        /// The business.
        phone_number_id: String,
        /// The text.
        text: String,
        /// How many texts in all.
        count: u32,
    },
    /// The clock jumps forward.
    AdvanceClock {
        /// By this many ms.
        ms: u64,
    },
    /// A phone that runs its own client proved it holds `number`'s identity
    /// key (see `crate::live::device_gate`): it is attached and online,
    /// registering `keys` first for a new number.
    DeviceAttach {
        /// The number, digits only.
        number: PhoneNumber,
        /// The keys to register (a new number).
        #[serde(default)]
        keys: Option<KeysFrame>,
    },
    /// A frame from an attached phone.
    DeviceFrame {
        /// The phone's number.
        number: PhoneNumber,
        /// The frame, as the gate let it through.
        frame: DeviceFrame,
    },
    /// An attached phone's connection closed.
    DeviceDetach {
        /// The phone's number.
        number: PhoneNumber,
    },
}

impl Input {
    /// Its name, kept in clear in the journal.
    pub fn kind(&self) -> &'static str {
        match self {
            Input::AddBusiness { .. } => "add_business",
            Input::AddConsumer { .. } => "add_consumer",
            Input::Graph { .. } => "graph",
            Input::ConnectWebhook { .. } => "connect_webhook",
            Input::WebhookAnswer { .. } => "webhook_answer",
            Input::ConsumerText { .. } => "consumer_text",
            Input::ConsumerReact { .. } => "consumer_react",
            Input::ConsumerRead { .. } => "consumer_read",
            Input::ConsumerOnline { .. } => "consumer_online",
            Input::ConsumerReportSpam { .. } => "consumer_report_spam",
            Input::BusinessText { .. } => "business_text",
            Input::BusinessBlast { .. } => "business_blast",
            Input::AdvanceClock { .. } => "advance_clock",
            Input::DeviceAttach { .. } => "device_attach",
            Input::DeviceFrame { .. } => "device_frame",
            Input::DeviceDetach { .. } => "device_detach",
        }
    }
}
