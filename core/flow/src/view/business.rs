//! The businesses' own servers.

use serde::Serialize;

use crate::business::{InboxMessage, OutboundStatus, TemplateState};
use crate::router::Simulation;
use crate::view::{ViewOptions, newest_of};

/// A message in the inbox, as its webhook delivered it, linked to its journey.
#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    /// The wamid.
    pub wamid: String,
    /// The consumer's number (digits).
    pub from: String,
    /// The profile name the webhook carried.
    pub profile_name: String,
    /// The text (a reaction's emoji).
    pub body: String,
    /// `text` or `reaction`.
    pub kind: String,
    /// The wamid it quotes or reacts to.
    pub reply_to: Option<String>,
    /// The webhook's timestamp (seconds).
    pub timestamp: String,
    /// Always true: a message whose signature does not verify never gets there.
    pub signature_verified: bool,
    /// Whether the business marked it read.
    pub marked_read: bool,
    /// The key of its journey.
    pub journey: Option<String>,
}

/// The status of a message the business sent, as status webhooks reported it.
#[derive(Debug, Clone, Serialize)]
pub struct StatusItem {
    /// The wamid.
    pub wamid: String,
    /// The recipient (digits).
    pub recipient_id: String,
    /// `sent`, `delivered`, `read` or `failed`.
    pub status: String,
    /// The error code of a failure.
    pub error_code: Option<u64>,
    /// `pricing.billable`, as the statuses said.
    pub billable: Option<bool>,
    /// `pricing.category`.
    pub pricing_category: Option<String>,
    /// The `biz_opaque_callback_data` echoed.
    pub callback_data: Option<String>,
    /// The text it sent (or the reaction's emoji).
    pub text: String,
    /// The key of its journey.
    pub journey: Option<String>,
}

/// A business's own server.
#[derive(Debug, Clone, Serialize)]
pub struct BusinessPane {
    /// Its name.
    pub name: String,
    /// The phone number id it sends from.
    pub phone_number_id: String,
    /// Whether its webhook passed the verification handshake.
    pub webhook_verified: bool,
    /// The newest webhook messages, oldest first.
    pub inbox: Vec<InboxItem>,
    /// Inbox entries in all.
    pub inbox_total: usize,
    /// Outbound statuses, by first appearance (the newest).
    pub outbound: Vec<StatusItem>,
    /// Webhook POSTs refused for a bad signature.
    pub rejected_webhooks: u64,
    /// Messages delivered again (at least once) and kept once.
    pub duplicates_ignored: u64,
    /// Statuses that arrived after a later one of their message, and
    /// changed nothing.
    pub stale_statuses: u64,
    /// The customer service windows the business can tell from its inbox.
    pub windows: Vec<WindowItem>,
    /// Templates, as status webhooks reported them.
    pub templates: Vec<TemplateState>,
    /// Billable and free messages, as the statuses' `pricing` said.
    pub billing_from_statuses: BillingCounts,
    /// What Business Manager has billed the business.
    pub billing_by_meta: BillingCounts,
}

/// Billable and free messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BillingCounts {
    /// Billed (`pricing.billable: true`).
    pub billable: u64,
    /// Free (in a customer service window).
    pub free: u64,
}

/// A customer service window with one consumer.
#[derive(Debug, Clone, Serialize)]
pub struct WindowItem {
    /// The consumer's number (digits).
    pub consumer: String,
    /// When it closes (closed), virtual ms.
    pub closes_at_ms: u64,
    /// Milliseconds left (0 when closed).
    pub closes_in_ms: u64,
    /// Whether free-form messages may be sent.
    pub open: bool,
}

impl WindowItem {
    /// A window closing at `closes_at_ms`, seen at `now_ms`.
    pub fn at(consumer: String, closes_at_ms: u64, now_ms: u64) -> Self {
        Self {
            consumer,
            closes_at_ms,
            closes_in_ms: closes_at_ms.saturating_sub(now_ms),
            open: now_ms < closes_at_ms,
        }
    }
}

impl BusinessPane {
    /// Every business's server.
    pub fn of_all(sim: &Simulation, options: &ViewOptions) -> Vec<BusinessPane> {
        panes(sim, options)
    }
}

fn panes(sim: &Simulation, options: &ViewOptions) -> Vec<BusinessPane> {
    let limit = options.list_limit;
    let journeys = sim.journeys();
    let now = sim.now_ms();
    sim.businesses()
        .values()
        .map(|b| {
            let (billable, free) = b.billing_from_statuses();
            let meta = sim
                .business_manager()
                .businesses
                .get(&b.phone_number_id)
                .map(|r| BillingCounts {
                    billable: r.billed_messages,
                    free: r.free_messages,
                })
                .unwrap_or_default();
            BusinessPane {
                name: b.name.clone(),
                phone_number_id: b.phone_number_id.clone(),
                webhook_verified: b.webhook_verified,
                inbox: newest_of(&b.inbox, limit)
                    .iter()
                    .map(|m: &InboxMessage| {
                        let journey = journeys.with_wamid(&m.wamid);
                        InboxItem {
                            wamid: m.wamid.clone(),
                            from: m.from.clone(),
                            profile_name: m.profile_name.clone(),
                            body: m.body.clone(),
                            kind: m.kind.clone(),
                            reply_to: m.reply_to.clone(),
                            timestamp: m.timestamp.clone(),
                            signature_verified: m.signature_verified,
                            marked_read: journey.is_some_and(|j| j.read),
                            journey: journey.map(|j| j.key.clone()),
                        }
                    })
                    .collect(),
                inbox_total: b.inbox.len(),
                outbound: newest_of(&b.outbound, limit)
                    .iter()
                    .map(|s: &OutboundStatus| {
                        let journey = journeys.with_wamid(&s.wamid);
                        let sent = b.sent.iter().find(|m| m.wamid == s.wamid);
                        StatusItem {
                            wamid: s.wamid.clone(),
                            recipient_id: s.recipient_id.clone(),
                            status: s.status.clone(),
                            error_code: s.error_code,
                            billable: s.billable,
                            pricing_category: s.pricing_category.clone(),
                            callback_data: s.callback_data.clone(),
                            text: sent
                                .map(|m| m.text.clone())
                                .or_else(|| journey.map(|j| j.text.clone()))
                                .unwrap_or_default(),
                            journey: journey.map(|j| j.key.clone()),
                        }
                    })
                    .collect(),
                rejected_webhooks: b.rejected_webhooks,
                duplicates_ignored: b.duplicates_ignored,
                stale_statuses: b.stale_statuses,
                windows: b
                    .customer_windows()
                    .into_iter()
                    .take(limit)
                    .map(|(consumer, closes)| WindowItem::at(consumer, closes, now))
                    .collect(),
                templates: b.templates.clone(),
                billing_from_statuses: BillingCounts { billable, free },
                billing_by_meta: meta,
            }
        })
        .collect()
}
