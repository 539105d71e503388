//! The updates a webhook carries, and the body Meta writes for a batch of them.
//!
//! Field order follows Meta's webhook reference (Sep 2026 copy): a body is
//! `{"object", "entry": [{"id", "changes": [{"value", "field"}]}]}`; a message
//! is `context` (when it quotes one), `from`, `id`, `timestamp`, `type`, then
//! the object named by `type`; a status is `id`, `status`, `timestamp`,
//! `recipient_id`, `biz_opaque_callback_data`, `pricing`, `errors`. The
//! `conversation` object is left out, as Meta leaves it out from v24.0 on
//! outside free entry point windows (which are not modelled).
//!
//! Several updates due together go in one body (see [`body`]). One business
//! number per body, so one `entry[]` item.

use serde::Serialize;

use crate::cloud_api::webhook::meta_json::JsonWriter;
use crate::cloud_api::webhook::{BusinessIds, Status, StatusError};
use crate::phone::PhoneNumber;

/// The link Meta's error objects point at.
pub const ERROR_CODES_HREF: &str = "/documentation/business-messaging/whatsapp/support/error-codes";

/// What a consumer sent, as the business sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundContent {
    /// `type: "text"`, quoting `context` (a wamid of the business's) when the
    /// consumer replied to a message.
    Text {
        /// `text.body`.
        body: String,
        /// The quoted message: (its sender's number, its wamid).
        context: Option<(PhoneNumber, String)>,
    },
    /// `type: "reaction"`; an empty emoji removes the reaction (Meta then
    /// leaves `emoji` out).
    Reaction {
        /// The wamid reacted to.
        message_id: String,
        /// The emoji.
        emoji: String,
    },
}

/// A message the Cloud API forwards to the business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundUpdate {
    /// The consumer.
    pub from: PhoneNumber,
    /// The profile name their client sent.
    pub profile_name: String,
    /// The wamid the Cloud API gave it.
    pub wamid: String,
    /// When the Cloud API decrypted it (seconds).
    pub timestamp_s: u64,
    /// What it says.
    pub content: InboundContent,
}

/// How Meta prices an outbound message (per-message pricing, `PMP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PricingCategory {
    /// A non-template message in an open customer service window: free.
    Service,
    /// A utility template: free inside an open window, billed outside.
    Utility,
    /// A marketing template: always billed.
    Marketing,
    /// An authentication template: always billed.
    Authentication,
}

impl PricingCategory {
    /// The category as Meta writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            PricingCategory::Service => "service",
            PricingCategory::Utility => "utility",
            PricingCategory::Marketing => "marketing",
            PricingCategory::Authentication => "authentication",
        }
    }
}

/// The `pricing` object of a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pricing {
    /// What the message is.
    pub category: PricingCategory,
    /// Whether a customer service window was open when it was sent.
    pub in_window: bool,
}

impl Pricing {
    /// Whether Meta bills the message: service messages and utility templates
    /// are free inside the window (`type: "free_customer_service"`), the rest
    /// is `regular`.
    pub fn billable(self) -> bool {
        !(self.in_window
            && matches!(
                self.category,
                PricingCategory::Service | PricingCategory::Utility
            ))
    }

    /// `pricing.type`.
    pub fn pricing_type(self) -> &'static str {
        if self.billable() {
            "regular"
        } else {
            "free_customer_service"
        }
    }
}

/// A status of an outbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The message's wamid.
    pub wamid: String,
    /// The status.
    pub status: Status,
    /// When (seconds).
    pub timestamp_s: u64,
    /// The consumer.
    pub recipient: PhoneNumber,
    /// `biz_opaque_callback_data` from the send request, echoed.
    pub callback_data: Option<String>,
    /// Pricing, on `sent` and on the first of `delivered` or `read`.
    pub pricing: Option<Pricing>,
    /// Why it failed.
    pub error: Option<StatusError>,
}

/// A template's review outcome (field `message_template_status_update`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateUpdate {
    /// `APPROVED` or `REJECTED`.
    pub event: &'static str,
    /// The template's id.
    pub template_id: u64,
    /// Its name.
    pub name: String,
    /// Its language.
    pub language: String,
    /// `NONE` or why it was rejected (`INVALID_FORMAT`).
    pub reason: &'static str,
    /// Its category (`MARKETING`...).
    pub category: &'static str,
    /// A rejection's explanation: (reason, recommendation).
    pub rejection: Option<(&'static str, &'static str)>,
    /// When (seconds).
    pub time_s: u64,
}

/// One item of a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// `messages[]`.
    Message(InboundUpdate),
    /// `statuses[]`.
    Status(StatusUpdate),
    /// A template's review outcome; always posted alone.
    Template(TemplateUpdate),
}

impl Update {
    /// The wamid it is about (empty for a template update).
    pub fn wamid(&self) -> &str {
        match self {
            Update::Message(m) => &m.wamid,
            Update::Status(s) => &s.wamid,
            Update::Template(_) => "",
        }
    }
}

fn message_json(w: &mut JsonWriter, m: &InboundUpdate) {
    w.open();
    if let InboundContent::Text {
        context: Some((from, id)),
        ..
    } = &m.content
    {
        w.key("context")
            .open()
            .field("from", from.wa_id())
            .field("id", id)
            .close();
    }
    w.field("from", m.from.wa_id())
        .field("id", &m.wamid)
        .field("timestamp", &m.timestamp_s.to_string());
    match &m.content {
        InboundContent::Text { body, .. } => {
            w.field("type", "text")
                .key("text")
                .open()
                .field("body", body)
                .close();
        }
        InboundContent::Reaction { message_id, emoji } => {
            w.field("type", "reaction").key("reaction").open();
            w.field("message_id", message_id);
            w.opt_field("emoji", (!emoji.is_empty()).then_some(emoji.as_str()));
            w.close();
        }
    }
    w.close();
}

fn status_json(w: &mut JsonWriter, s: &StatusUpdate) {
    w.open()
        .field("id", &s.wamid)
        .field("status", s.status.as_str())
        .field("timestamp", &s.timestamp_s.to_string())
        .field("recipient_id", s.recipient.wa_id())
        .opt_field("biz_opaque_callback_data", s.callback_data.as_deref());
    if let Some(p) = s.pricing {
        w.key("pricing").open().key("billable").bool(p.billable());
        w.field("pricing_model", "PMP")
            .field("type", p.pricing_type())
            .field("category", p.category.as_str())
            .close();
    }
    if let Some(e) = &s.error {
        w.key("errors").open_list().open();
        w.key("code").num(u64::from(e.code));
        w.field("title", &e.title).field("message", &e.message);
        w.key("error_data")
            .open()
            .field("details", &e.details)
            .close();
        w.field("href", ERROR_CODES_HREF).close().close_list();
    }
    w.close();
}

/// One `changes[]` item of the messages field.
fn change(w: &mut JsonWriter, ids: &BusinessIds, fill: impl FnOnce(&mut JsonWriter)) {
    w.open()
        .key("value")
        .open()
        .field("messaging_product", "whatsapp");
    w.key("metadata")
        .open()
        .field("display_phone_number", ids.display_phone_number.wa_id())
        .field("phone_number_id", &ids.phone_number_id)
        .close();
    fill(w);
    w.close().field("field", "messages").close();
}

/// The body of one webhook POST carrying `updates` (in order) for the
/// number `ids`, as Meta writes it (see [`JsonWriter`]). Several updates go
/// in one body: the messages in one `changes[]` item (their senders once
/// each in `contacts[]`), the statuses in another. A template update travels
/// alone, in its own shape.
pub fn body(ids: &BusinessIds, updates: &[Update]) -> Vec<u8> {
    if let Some(Update::Template(t)) = updates.first() {
        return template_body(&ids.waba_id, t);
    }
    let messages: Vec<&InboundUpdate> = updates
        .iter()
        .filter_map(|u| match u {
            Update::Message(m) => Some(m),
            _ => None,
        })
        .collect();
    let mut w = JsonWriter::new();
    w.open().field("object", "whatsapp_business_account");
    w.key("entry").open_list().open().field("id", &ids.waba_id);
    w.key("changes").open_list();
    if !messages.is_empty() {
        change(&mut w, ids, |w| {
            w.key("contacts").open_list();
            for (i, m) in messages.iter().enumerate() {
                if messages[..i].iter().any(|o| o.from == m.from) {
                    continue;
                }
                w.open()
                    .key("profile")
                    .open()
                    .field("name", &m.profile_name)
                    .close();
                w.field("wa_id", m.from.wa_id()).close();
            }
            w.close_list().key("messages").open_list();
            for m in &messages {
                message_json(w, m);
            }
            w.close_list();
        });
    }
    if updates.iter().any(|u| matches!(u, Update::Status(_))) {
        change(&mut w, ids, |w| {
            w.key("statuses").open_list();
            for u in updates {
                if let Update::Status(s) = u {
                    status_json(w, s);
                }
            }
            w.close_list();
        });
    }
    w.close_list().close().close_list().close();
    w.finish()
}

/// A `message_template_status_update` body. Its shape differs from the
/// messages field's: `entry[].time` is there, and `object` comes last, as in
/// Meta's example.
fn template_body(waba_id: &str, t: &TemplateUpdate) -> Vec<u8> {
    let mut w = JsonWriter::new();
    w.open()
        .key("entry")
        .open_list()
        .open()
        .field("id", waba_id);
    w.key("time")
        .num(t.time_s)
        .key("changes")
        .open_list()
        .open();
    w.key("value").open().field("event", t.event);
    w.key("message_template_id").num(t.template_id);
    w.field("message_template_name", &t.name)
        .field("message_template_language", &t.language)
        .field("reason", t.reason)
        .field("message_template_category", t.category);
    if let Some((reason, recommendation)) = t.rejection {
        w.key("rejection_info")
            .open()
            .field("reason", reason)
            .field("recommendation", recommendation)
            .close();
    }
    w.close().field("field", "message_template_status_update");
    w.close().close_list().close().close_list();
    w.field("object", "whatsapp_business_account").close();
    w.finish()
}

#[cfg(test)]
mod tests;
