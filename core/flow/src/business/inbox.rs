//! What the business's server keeps from webhooks and Graph API responses.
//!
//! Webhooks arrive at least once and in no guaranteed order, so the server
//! does what Meta asks of a receiver: it reads every item of every POST,
//! keeps a message once by its wamid, and keeps each outbound message's
//! furthest status (`sent` < `delivered` < `read`; `failed` is final), so a
//! retried `delivered` that arrives after `read` changes nothing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::business::BusinessServer;
use crate::http::{HttpRequest, HttpResponse};
use crate::maps::fingerprint;

/// One inbound message in the business's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    /// The wamid.
    pub wamid: String,
    /// The consumer's number (digits).
    pub from: String,
    /// The profile name the webhook carried.
    pub profile_name: String,
    /// The text, or the reaction's emoji (empty: the reaction was removed).
    pub body: String,
    /// `text` or `reaction`.
    pub kind: String,
    /// The wamid this message quotes (`context.id`) or reacts to
    /// (`reaction.message_id`).
    pub reply_to: Option<String>,
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
    /// Whether Meta bills it, as the status's `pricing.billable` said.
    pub billable: Option<bool>,
    /// `pricing.category`.
    pub pricing_category: Option<String>,
    /// The `biz_opaque_callback_data` the statuses echoed.
    pub callback_data: Option<String>,
}

/// A template as the business learnt it from `message_template_status_update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateState {
    /// Its name.
    pub name: String,
    /// Its language.
    pub language: String,
    /// `APPROVED`, `REJECTED`...
    pub status: String,
    /// `NONE` or why it was rejected.
    pub reason: String,
    /// Its category.
    pub category: String,
}

/// Reads a `message_template_status_update` value.
pub(crate) fn absorb_template(b: &mut BusinessServer, value: &Value) {
    let text = |k: &str| value[k].as_str().unwrap_or_default().to_owned();
    let state = TemplateState {
        name: text("message_template_name"),
        language: text("message_template_language"),
        status: text("event"),
        reason: text("reason"),
        category: text("message_template_category"),
    };
    match b
        .templates
        .iter_mut()
        .find(|t| t.name == state.name && t.language == state.language)
    {
        Some(t) => *t = state,
        None => b.templates.push(state),
    }
}

/// How far a status is along: a status never moves back.
fn rank(status: &str) -> u8 {
    match status {
        "sent" => 1,
        "delivered" => 2,
        "read" | "failed" => 3,
        _ => 0,
    }
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
        let wamid = m["id"].as_str().unwrap_or_default();
        if !b.seen_wamids.insert(fingerprint(0, &[wamid.as_bytes()])) {
            b.duplicates_ignored += 1;
            continue;
        }
        let from = m["from"].as_str().unwrap_or_default().to_owned();
        let kind = m["type"].as_str().unwrap_or_default();
        let (body, reply_to) = match kind {
            "reaction" => (
                m["reaction"]["emoji"].as_str(),
                m["reaction"]["message_id"].as_str(),
            ),
            _ => (m["text"]["body"].as_str(), m["context"]["id"].as_str()),
        };
        b.inbox.push(InboxMessage {
            wamid: wamid.to_owned(),
            profile_name: name_of(&from),
            from,
            body: body.unwrap_or_default().to_owned(),
            kind: kind.to_owned(),
            reply_to: reply_to.map(str::to_owned),
            timestamp: m["timestamp"].as_str().unwrap_or_default().to_owned(),
            signature_verified: true,
        });
    }
    for s in value["statuses"].as_array().into_iter().flatten() {
        let wamid = s["id"].as_str().unwrap_or_default();
        let status = s["status"].as_str().unwrap_or_default();
        let pricing = &s["pricing"];
        let i = match b.outbound.iter().position(|o| o.wamid == wamid) {
            Some(i) => i,
            None => {
                b.outbound.push(OutboundStatus {
                    wamid: wamid.to_owned(),
                    recipient_id: s["recipient_id"].as_str().unwrap_or_default().to_owned(),
                    status: String::new(),
                    error_code: None,
                    billable: None,
                    pricing_category: None,
                    callback_data: None,
                });
                b.outbound.len() - 1
            }
        };
        let Some(o) = b.outbound.get_mut(i) else {
            continue;
        };
        if let Some(billable) = pricing["billable"].as_bool() {
            o.billable = Some(billable);
            o.pricing_category = pricing["category"].as_str().map(str::to_owned);
        }
        if let Some(data) = s["biz_opaque_callback_data"].as_str() {
            o.callback_data = Some(data.to_owned());
        }
        if rank(status) <= rank(&o.status) {
            b.stale_statuses += 1;
            continue;
        }
        o.status = status.to_owned();
        o.error_code = s["errors"][0]["code"].as_u64().or(o.error_code);
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
