//! The business's own server: a webhook receiver that verifies every signature
//! and refuses bad ones, an inbox, and the statuses of what it sent. It sends
//! through Graph API requests to the Cloud API, over HTTPS: the only party it
//! talks to.

mod inbox;

use rand_core::CryptoRng;
use serde::Serialize;
use serde_json::{Value, json};

pub use inbox::{InboxMessage, OutboundStatus, SentMessage};

use crate::cloud_api::webhook::{self, SIGNATURE_HEADER, WebhookConfig};
use crate::consumer::trim_history;
use crate::http::{HttpRequest, HttpResponse};
use crate::party::{Outbox, Party, unexpected};
use crate::wire::{Address, Https, Message};

/// The Graph API version the simulated business uses in its paths.
pub const GRAPH_VERSION: &str = "v21.0";

/// The business's server state.
#[derive(Debug, Clone, Serialize)]
pub struct BusinessServer {
    /// Its name.
    pub name: String,
    /// The phone number id it sends from.
    pub phone_number_id: String,
    /// The bearer token it sends with.
    pub access_token: String,
    /// Its webhook endpoint.
    #[serde(skip)]
    pub webhook: Option<WebhookConfig>,
    /// Whether the verification handshake succeeded.
    pub webhook_verified: bool,
    /// Inbound messages, oldest first.
    pub inbox: Vec<InboxMessage>,
    /// Outbound statuses, by first appearance.
    pub outbound: Vec<OutboundStatus>,
    /// What it sent and the wamid the Graph API gave it, oldest first.
    pub sent: Vec<SentMessage>,
    /// Webhook POSTs refused because the signature did not verify.
    pub rejected_webhooks: u64,
    /// Keep at most this many inbox, status and sent entries (oldest dropped first).
    #[serde(skip)]
    pub history_limit: Option<usize>,
    /// Graph API requests waiting for their response, by exchange.
    #[serde(skip)]
    waiting: crate::maps::SortedMap<u64, HttpRequest>,
    #[serde(skip)]
    next_exchange: u64,
    #[serde(skip)]
    out: Outbox,
}

impl BusinessServer {
    /// A business server with its credentials and webhook endpoint.
    pub fn new(
        name: String,
        phone_number_id: String,
        access_token: String,
        webhook: WebhookConfig,
        history_limit: Option<usize>,
    ) -> Self {
        Self {
            name,
            phone_number_id,
            access_token,
            webhook: Some(webhook),
            webhook_verified: false,
            inbox: Vec::new(),
            outbound: Vec::new(),
            sent: Vec::new(),
            rejected_webhooks: 0,
            history_limit,
            waiting: Default::default(),
            next_exchange: 1,
            out: Outbox::default(),
        }
    }

    /// The business signs up with Business Manager, giving it its details.
    pub fn sign_up(&mut self, record: crate::business_manager::BusinessRecord) {
        self.out.send(
            self.address(),
            Address::BusinessManager,
            Message::Internal(crate::wire::Internal::BusinessInformation(record)),
        );
    }

    fn address(&self) -> Address {
        Address::Business(self.phone_number_id.clone())
    }

    /// The receiver: verification GETs and signed POSTs.
    pub fn handle_webhook(&mut self, req: &HttpRequest) -> HttpResponse {
        let Some(config) = self.webhook.clone() else {
            return HttpResponse::text(404, "no webhook configured");
        };
        if req.path_only() != config.path {
            return HttpResponse::text(404, "not found");
        }
        match req.method.as_str() {
            "GET" => {
                let ok = req.query("hub.mode").as_deref() == Some("subscribe")
                    && req.query("hub.verify_token").as_deref()
                        == Some(config.verify_token.as_str());
                match (ok, req.query("hub.challenge")) {
                    (true, Some(challenge)) => {
                        self.webhook_verified = true;
                        HttpResponse::text(200, &challenge)
                    }
                    _ => HttpResponse::text(403, "verification failed"),
                }
            }
            "POST" => {
                if !webhook::verify_signature(
                    &config.app_secret,
                    &req.body,
                    req.header(SIGNATURE_HEADER),
                ) {
                    self.rejected_webhooks += 1;
                    return HttpResponse::text(401, "invalid X-Hub-Signature-256");
                }
                match serde_json::from_slice::<Value>(&req.body) {
                    Ok(payload) => {
                        self.absorb(&payload);
                        HttpResponse::text(200, "EVENT_RECEIVED")
                    }
                    Err(_) => HttpResponse::text(400, "body is not JSON"),
                }
            }
            _ => HttpResponse::text(405, "method not allowed"),
        }
    }

    /// Reads every message and status of every entry and change.
    fn absorb(&mut self, payload: &Value) {
        let values = payload["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|e| e["changes"].as_array().into_iter().flatten())
            .map(|c| &c["value"]);
        for value in values {
            inbox::absorb_value(self, value);
        }
        trim_history(&mut self.inbox, self.history_limit);
        trim_history(&mut self.outbound, self.history_limit);
    }

    /// Sends a Graph API request to the Cloud API; returns its exchange number.
    pub fn request(&mut self, request: HttpRequest) -> u64 {
        let exchange = self.next_exchange;
        self.next_exchange += 1;
        self.waiting.insert(exchange, request.clone());
        self.out.send(
            self.address(),
            Address::CloudApi,
            Message::Https(Https::Request { exchange, request }),
        );
        exchange
    }

    fn graph_request(&self, body: &Value) -> HttpRequest {
        let auth = format!("Bearer {}", self.access_token);
        HttpRequest::json(
            "POST",
            &format!("/{GRAPH_VERSION}/{}/messages", self.phone_number_id),
            &[("Authorization", auth.as_str())],
            body,
        )
    }

    /// The Graph request that sends a text to `to`.
    pub fn text_request(&self, to: &str, body: &str) -> HttpRequest {
        self.graph_request(&json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": { "preview_url": false, "body": body }
        }))
    }

    /// The Graph request that reacts to a message.
    pub fn reaction_request(&self, to: &str, message_id: &str, emoji: &str) -> HttpRequest {
        self.graph_request(&json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "reaction",
            "reaction": { "message_id": message_id, "emoji": emoji }
        }))
    }

    /// The Graph request that marks an inbound message read.
    pub fn mark_read_request(&self, wamid: &str) -> HttpRequest {
        self.graph_request(&json!({
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": wamid
        }))
    }

    fn on_response(&mut self, exchange: u64, response: &HttpResponse) {
        let Some(request) = self.waiting.remove(&exchange) else {
            return;
        };
        if response.status != 200 {
            return;
        }
        inbox::record_sent(self, &request, response);
        trim_history(&mut self.sent, self.history_limit);
    }
}

impl Party for BusinessServer {
    fn handle<R: CryptoRng>(
        &mut self,
        _now_ms: u64,
        _rng: &mut R,
        from: &Address,
        to: &Address,
        message: Message,
    ) {
        match (from, message) {
            (
                Address::CloudApi | Address::External,
                Message::Https(Https::Request { exchange, request }),
            ) => {
                let response = self.handle_webhook(&request);
                self.out.send(
                    self.address(),
                    from.clone(),
                    Message::Https(Https::Response { exchange, response }),
                );
            }
            (Address::CloudApi, Message::Https(Https::Response { exchange, response })) => {
                self.on_response(exchange, &response);
            }
            (from, message) => {
                let event = unexpected(to, from, &message);
                self.out.event(event);
            }
        }
    }

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.out
    }
}
