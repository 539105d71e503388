//! The business's own server: a webhook receiver that verifies every signature
//! and refuses bad ones, an inbox, and the statuses of what it sent. It sends
//! through Graph API requests to the Cloud API, over HTTPS: the only party it
//! talks to.

mod inbox;

use rand_core::CryptoRng;
use serde::Serialize;
use serde_json::Value;

pub use inbox::{InboxMessage, OutboundStatus, SentMessage, TemplateState};

use crate::cloud_api::webhook::meta_json::JsonWriter;
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
    /// Templates as their status webhooks reported them.
    pub templates: Vec<TemplateState>,
    /// What it sent and the wamid the Graph API gave it, oldest first.
    pub sent: Vec<SentMessage>,
    /// Webhook POSTs refused because the signature did not verify.
    pub rejected_webhooks: u64,
    /// Messages that arrived again (by wamid) and were not kept twice.
    pub duplicates_ignored: u64,
    /// Statuses that arrived after a later status of their message.
    pub stale_statuses: u64,
    /// The wamids of every message received, by 64-bit fingerprint (8 bytes
    /// each where the wamid is 40; two wamids of one business colliding, at
    /// 1M messages about 1 in 10^8, would drop the second).
    #[serde(skip)]
    pub(crate) seen_wamids: crate::maps::FingerprintSet,
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
            templates: Vec::new(),
            sent: Vec::new(),
            rejected_webhooks: 0,
            duplicates_ignored: 0,
            stale_statuses: 0,
            seen_wamids: Default::default(),
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

    /// Reads every message, status and template update of every entry and
    /// change.
    fn absorb(&mut self, payload: &Value) {
        let changes = payload["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|e| e["changes"].as_array().into_iter().flatten());
        for change in changes {
            let value = &change["value"];
            match change["field"].as_str() {
                Some("message_template_status_update") => inbox::absorb_template(self, value),
                _ => inbox::absorb_value(self, value),
            }
        }
        trim_history(&mut self.inbox, self.history_limit);
        trim_history(&mut self.outbound, self.history_limit);
    }

    /// The customer service windows as the business can tell them from its
    /// inbox: each consumer's last message time (the webhook's `timestamp`)
    /// plus 24 hours, in ms; newest consumer first.
    pub fn customer_windows(&self) -> Vec<(String, u64)> {
        // The inbox is in arrival order: walking it back meets each
        // consumer's last message first.
        let mut last: Vec<(String, u64)> = Vec::new();
        for m in self.inbox.iter().rev() {
            if !last.iter().any(|(c, _)| *c == m.from) {
                let at = m.timestamp.parse::<u64>().unwrap_or_default() * 1000;
                last.push((m.from.clone(), at));
            }
        }
        last.into_iter()
            .map(|(c, at)| {
                (
                    c,
                    at.saturating_add(crate::cloud_api::window::CUSTOMER_SERVICE_WINDOW_MS),
                )
            })
            .collect()
    }

    /// What Meta bills, as the status webhooks' `pricing` said: (billable,
    /// free) messages.
    pub fn billing_from_statuses(&self) -> (u64, u64) {
        let billable = self
            .outbound
            .iter()
            .filter(|o| o.billable == Some(true))
            .count();
        let free = self
            .outbound
            .iter()
            .filter(|o| o.billable == Some(false))
            .count();
        (billable as u64, free as u64)
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

    /// A Graph API `POST .../messages` whose body `fill` writes after
    /// `messaging_product` (and closes).
    fn graph_request(&self, fill: impl FnOnce(&mut JsonWriter)) -> HttpRequest {
        let mut w = JsonWriter::new();
        w.open().field("messaging_product", "whatsapp");
        fill(&mut w);
        w.close();
        HttpRequest {
            method: "POST".to_owned(),
            path: format!("/{GRAPH_VERSION}/{}/messages", self.phone_number_id),
            headers: vec![
                (
                    "Authorization".to_owned(),
                    format!("Bearer {}", self.access_token),
                ),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ],
            body: w.finish(),
        }
    }

    /// The Graph request that sends a text to `to`.
    pub fn text_request(&self, to: &str, body: &str) -> HttpRequest {
        self.graph_request(|w| {
            w.field("recipient_type", "individual")
                .field("to", to)
                .field("type", "text");
            w.key("text").open().key("preview_url").bool(false);
            w.field("body", body).close();
        })
    }

    /// The Graph request that sends the template `name` in `language`, its
    /// body parameters filled with `params`.
    pub fn template_request(
        &self,
        to: &str,
        name: &str,
        language: &str,
        params: &[String],
    ) -> HttpRequest {
        self.graph_request(|w| {
            w.field("recipient_type", "individual")
                .field("to", to)
                .field("type", "template");
            w.key("template").open().field("name", name);
            w.key("language").open().field("code", language).close();
            if !params.is_empty() {
                w.key("components").open_list().open().field("type", "body");
                w.key("parameters").open_list();
                for p in params {
                    w.open().field("type", "text").field("text", p).close();
                }
                w.close_list().close().close_list();
            }
            w.close();
        })
    }

    /// The Graph request that submits a template for review: `body` may hold
    /// `{{1}}`... parameters; `category` is `MARKETING`, `UTILITY` or
    /// `AUTHENTICATION`.
    pub fn create_template_request(
        &self,
        waba_id: &str,
        name: &str,
        category: &str,
        body: &str,
    ) -> HttpRequest {
        let mut w = JsonWriter::new();
        w.open()
            .field("name", name)
            .field("language", "en_US")
            .field("category", category);
        w.key("components").open_list().open();
        w.field("type", "BODY").field("text", body).close();
        w.close_list().close();
        HttpRequest {
            method: "POST".to_owned(),
            path: format!("/{GRAPH_VERSION}/{waba_id}/message_templates"),
            headers: vec![
                (
                    "Authorization".to_owned(),
                    format!("Bearer {}", self.access_token),
                ),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ],
            body: w.finish(),
        }
    }

    /// The Graph request that reacts to a message.
    pub fn reaction_request(&self, to: &str, message_id: &str, emoji: &str) -> HttpRequest {
        self.graph_request(|w| {
            w.field("recipient_type", "individual")
                .field("to", to)
                .field("type", "reaction");
            w.key("reaction")
                .open()
                .field("message_id", message_id)
                .field("emoji", emoji)
                .close();
        })
    }

    /// The Graph request that marks an inbound message read (and the
    /// earlier ones of the conversation); with `typing`, it also shows the
    /// consumer "typing…" (`typing_indicator`).
    pub fn mark_read_request(&self, wamid: &str, typing: bool) -> HttpRequest {
        self.graph_request(|w| {
            w.field("status", "read").field("message_id", wamid);
            if typing {
                w.key("typing_indicator")
                    .open()
                    .field("type", "text")
                    .close();
            }
        })
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
