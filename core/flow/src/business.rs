//! The business's own server: a webhook receiver that verifies every signature
//! and refuses bad ones, an inbox, and the statuses of what it sent. It replies
//! through Graph-API-shaped requests built by [`Business::text_request`] and
//! [`Business::mark_read_request`].

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::http::{HttpRequest, HttpResponse};
use crate::webhook::{self, SIGNATURE_HEADER, WebhookConfig};

/// The Graph API version the simulated business uses in its paths.
pub const GRAPH_VERSION: &str = "v21.0";

/// One inbound message in the business's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    /// The wamid.
    pub wamid: String,
    /// The consumer's number (digits).
    pub from: String,
    /// The profile name the webhook carried.
    pub profile_name: String,
    /// The text.
    pub body: String,
    /// The webhook's timestamp (seconds).
    pub timestamp: String,
    /// Always true: a message whose signature does not verify never gets here.
    pub signature_verified: bool,
}

/// The latest status of an outbound message, as status webhooks reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundStatus {
    /// The wamid.
    pub wamid: String,
    /// The recipient (digits).
    pub recipient_id: String,
    /// `sent`, `delivered`, `read` or `failed`.
    pub status: String,
    /// The error code of a failure.
    pub error_code: Option<u64>,
}

/// The business's server state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Business {
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
    /// Webhook POSTs refused because the signature did not verify.
    pub rejected_webhooks: u64,
    /// Keep at most this many inbox and status entries (oldest dropped first).
    #[serde(skip)]
    pub history_limit: Option<usize>,
}

/// Drops the oldest entries beyond `limit`.
pub(crate) fn trim_history<T>(list: &mut Vec<T>, limit: Option<usize>) {
    if let Some(limit) = limit
        && list.len() > limit
    {
        let excess = list.len() - limit;
        list.drain(..excess);
    }
}

impl Business {
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

    fn absorb(&mut self, payload: &Value) {
        let values = payload["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|e| e["changes"].as_array().into_iter().flatten())
            .map(|c| &c["value"]);
        for value in values {
            let name_of = |wa_id: &str| {
                value["contacts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|c| c["wa_id"] == wa_id)
                    .and_then(|c| c["profile"]["name"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            for m in value["messages"].as_array().into_iter().flatten() {
                let from = m["from"].as_str().unwrap_or_default().to_owned();
                self.inbox.push(InboxMessage {
                    wamid: m["id"].as_str().unwrap_or_default().to_owned(),
                    profile_name: name_of(&from),
                    from,
                    body: m["text"]["body"].as_str().unwrap_or_default().to_owned(),
                    timestamp: m["timestamp"].as_str().unwrap_or_default().to_owned(),
                    signature_verified: true,
                });
            }
            trim_history(&mut self.inbox, self.history_limit);
            for s in value["statuses"].as_array().into_iter().flatten() {
                let wamid = s["id"].as_str().unwrap_or_default().to_owned();
                let status = s["status"].as_str().unwrap_or_default().to_owned();
                let error_code = s["errors"][0]["code"].as_u64();
                match self.outbound.iter_mut().find(|o| o.wamid == wamid) {
                    Some(o) => {
                        o.status = status;
                        o.error_code = error_code.or(o.error_code);
                    }
                    None => self.outbound.push(OutboundStatus {
                        wamid,
                        recipient_id: s["recipient_id"].as_str().unwrap_or_default().to_owned(),
                        status,
                        error_code,
                    }),
                }
                trim_history(&mut self.outbound, self.history_limit);
            }
        }
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
}
