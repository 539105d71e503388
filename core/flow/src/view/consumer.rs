//! The consumers' phones.

use cipherflow_protocol::SessionSnapshot;
use serde::Serialize;

use crate::consumer::ChatMessage;
use crate::router::Simulation;
use crate::view::ViewOptions;

/// A chat with one business.
#[derive(Debug, Clone, Serialize)]
pub struct ChatPane {
    /// The business's E.164 number.
    pub business: String,
    /// The newest bubbles, oldest first. A bubble's id is also the key of its
    /// message's journey: the client's message id for what the consumer sent,
    /// the wamid for what the business sent.
    pub messages: Vec<ChatMessage>,
    /// Bubbles in all.
    pub messages_total: usize,
    /// Unread incoming bubbles.
    pub unread: usize,
    /// Whether the business is typing (a typing indicator, at most 25 s).
    pub typing: bool,
    /// The safety number, in 12 groups of 5 digits, once a session exists.
    pub safety_number: Option<String>,
    /// The safety number before the business's identity changed.
    pub previous_safety_number: Option<String>,
    /// Whether the business's identity key changed (the client warns).
    pub identity_changed: bool,
    /// The consumer's side of the Signal session.
    pub session: Option<SessionSnapshot>,
}

/// One consumer's phone.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerPane {
    /// E.164 number.
    pub number: String,
    /// Profile name.
    pub name: String,
    /// Whether the device is online.
    pub online: bool,
    /// Messages awaiting a delivery receipt.
    pub unacknowledged: usize,
    /// Public identity key, hex of `Encode(IK)`.
    pub identity_key: String,
    /// One chat per business.
    pub chats: Vec<ChatPane>,
}

impl ConsumerPane {
    /// Every consumer's phone (at most the list limit).
    pub fn of_all(sim: &Simulation, options: &ViewOptions) -> Vec<ConsumerPane> {
        panes(sim, options)
    }
}

fn panes(sim: &Simulation, options: &ViewOptions) -> Vec<ConsumerPane> {
    let limit = options.list_limit;
    sim.consumers()
        .values()
        .take(limit)
        .map(|c| ConsumerPane {
            number: c.number().e164(),
            name: c.name().to_owned(),
            online: c.online(),
            unacknowledged: c.unacknowledged(),
            identity_key: hex::encode(c.identity_key().encode()),
            chats: c
                .chats()
                .iter()
                .map(|(business, messages)| {
                    let identity = c.peer_identity(business);
                    ChatPane {
                        business: business.e164(),
                        messages: messages.newest(limit),
                        messages_total: messages.len(),
                        unread: messages.unread(),
                        typing: c.typing(business, sim.now_ms()),
                        safety_number: options
                            .safety_numbers
                            .then(|| c.safety_number(business).map(|s| s.to_string()))
                            .flatten(),
                        previous_safety_number: options
                            .safety_numbers
                            .then(|| c.previous_safety_number(business).map(|s| s.to_string()))
                            .flatten(),
                        identity_changed: identity.is_some_and(|i| i.previous.is_some()),
                        session: c.session(business).map(|s| s.snapshot()),
                    }
                })
                .collect(),
        })
        .collect()
}
