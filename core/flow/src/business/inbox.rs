//! What the business's server keeps from webhooks and Graph API responses.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::business::BusinessServer;
use crate::http::{HttpRequest, HttpResponse};

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

/// A message the business sent, as the Graph API acknowledged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    /// The wamid the Graph API answered with.
    pub wamid: String,
    /// The recipient as the response's `contacts[0].wa_id` gave it.
    pub to: String,
    /// The text (or the reaction's emoji) the request carried.
    pub text: String,
}

/// Reads the messages and statuses of one `changes[].value`.
pub(crate) fn absorb_value(b: &mut BusinessServer, value: &Value) {
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
        b.inbox.push(InboxMessage {
            wamid: m["id"].as_str().unwrap_or_default().to_owned(),
            profile_name: name_of(&from),
            from,
            body: m["text"]["body"].as_str().unwrap_or_default().to_owned(),
            timestamp: m["timestamp"].as_str().unwrap_or_default().to_owned(),
            signature_verified: true,
        });
    }
    for s in value["statuses"].as_array().into_iter().flatten() {
        let wamid = s["id"].as_str().unwrap_or_default().to_owned();
        let status = s["status"].as_str().unwrap_or_default().to_owned();
        let error_code = s["errors"][0]["code"].as_u64();
        match b.outbound.iter_mut().find(|o| o.wamid == wamid) {
            Some(o) => {
                o.status = status;
                o.error_code = error_code.or(o.error_code);
            }
            None => b.outbound.push(OutboundStatus {
                wamid,
                recipient_id: s["recipient_id"].as_str().unwrap_or_default().to_owned(),
                status,
                error_code,
            }),
        }
    }
}

/// Keeps the wamid a successful send request was answered with.
pub(crate) fn record_sent(b: &mut BusinessServer, request: &HttpRequest, response: &HttpResponse) {
    let (Some(req), Some(resp)) = (
        serde_json::from_slice::<Value>(&request.body).ok(),
        response.body_json(),
    ) else {
        return;
    };
    let Some(wamid) = resp["messages"][0]["id"].as_str() else {
        return; // mark-as-read answers {"success": true}
    };
    let text = req["text"]["body"]
        .as_str()
        .or_else(|| req["reaction"]["emoji"].as_str())
        .unwrap_or_default();
    b.sent.push(SentMessage {
        wamid: wamid.to_owned(),
        to: resp["contacts"][0]["wa_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        text: text.to_owned(),
    });
}
