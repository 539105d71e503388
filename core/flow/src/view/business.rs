//! The businesses' own servers.

use serde::Serialize;

use crate::business::{InboxMessage, OutboundStatus};
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
    /// The text.
    pub body: String,
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
    sim.businesses()
        .values()
        .map(|b| BusinessPane {
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
                        text: sent
                            .map(|m| m.text.clone())
                            .or_else(|| journey.map(|j| j.text.clone()))
                            .unwrap_or_default(),
                        journey: journey.map(|j| j.key.clone()),
                    }
                })
                .collect(),
            rejected_webhooks: b.rejected_webhooks,
        })
        .collect()
}
