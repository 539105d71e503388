//! The businesses' own servers.

use serde::Serialize;

use crate::business::{InboxMessage, OutboundStatus, SentMessage};
use crate::router::Simulation;
use crate::view::{ViewOptions, newest};

/// A message in the inbox, linked to its journey.
#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    /// As the webhook delivered it.
    #[serde(flatten)]
    pub message: InboxMessage,
    /// Whether the business marked it read.
    pub marked_read: bool,
    /// The key of its journey.
    pub journey: Option<String>,
}

/// The status of a message the business sent.
#[derive(Debug, Clone, Serialize)]
pub struct StatusItem {
    /// As status webhooks reported it.
    #[serde(flatten)]
    pub status: OutboundStatus,
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
    /// What it sent, as the Graph API acknowledged it (the newest).
    pub sent: Vec<SentMessage>,
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
            inbox: newest(&b.inbox, limit)
                .into_iter()
                .map(|m| {
                    let journey = journeys.with_wamid(&m.wamid);
                    InboxItem {
                        marked_read: journey.is_some_and(|j| j.read),
                        journey: journey.map(|j| j.key.clone()),
                        message: m,
                    }
                })
                .collect(),
            inbox_total: b.inbox.len(),
            outbound: newest(&b.outbound, limit)
                .into_iter()
                .map(|s| {
                    let journey = journeys.with_wamid(&s.wamid);
                    let sent = b.sent.iter().find(|m| m.wamid == s.wamid);
                    StatusItem {
                        text: sent
                            .map(|m| m.text.clone())
                            .or_else(|| journey.map(|j| j.text.clone()))
                            .unwrap_or_default(),
                        journey: journey.map(|j| j.key.clone()),
                        status: s,
                    }
                })
                .collect(),
            sent: newest(&b.sent, limit),
            rejected_webhooks: b.rejected_webhooks,
        })
        .collect()
}
