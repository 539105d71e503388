//! Who a message is for: every party has an address, and the router is the
//! only thing that knows which party answers at which address.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;

/// Where a message goes, or where it came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "party", content = "id", rename_all = "snake_case")]
pub enum Address {
    /// A WhatsApp device by its number: a consumer's client, or the Cloud API
    /// for a business number it hosts. The transport addresses devices only
    /// by number and never learns which is which.
    Number(PhoneNumber),
    /// The WhatsApp transport server.
    Transport,
    /// The Cloud API's Graph API endpoint.
    CloudApi,
    /// A business's own server (its webhook endpoint), by phone number id.
    Business(String),
    /// Business Manager.
    BusinessManager,
    /// Every other part of Meta.
    RestOfMeta,
    /// A client outside the simulation: a test, or the npm module's
    /// `cloudApi.request` called by a developer's code.
    External,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Number(n) => write!(f, "{n}"),
            Address::Transport => f.write_str("transport"),
            Address::CloudApi => f.write_str("cloud_api"),
            Address::Business(id) => write!(f, "business {id}"),
            Address::BusinessManager => f.write_str("business_manager"),
            Address::RestOfMeta => f.write_str("rest_of_meta"),
            Address::External => f.write_str("external"),
        }
    }
}

/// The kind of party behind an address: what the ledger counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A consumer's WhatsApp client.
    Consumer,
    /// The WhatsApp transport server: WhatsApp's party in this model.
    Transport,
    /// The Cloud API, operated by Meta for the business.
    CloudApi,
    /// A business's own server.
    Business,
    /// Business Manager.
    BusinessManager,
    /// Every other part of Meta.
    RestOfMeta,
    /// Outside the simulation.
    External,
}

impl PartyKind {
    /// Every kind, in the order a consumer's message meets them.
    pub const ALL: [PartyKind; 7] = [
        PartyKind::Consumer,
        PartyKind::Transport,
        PartyKind::CloudApi,
        PartyKind::Business,
        PartyKind::BusinessManager,
        PartyKind::RestOfMeta,
        PartyKind::External,
    ];

    /// Whether this party is WhatsApp (the company's systems other than the
    /// Cloud API's processing for the business): the transport.
    pub fn is_whatsapp(self) -> bool {
        self == PartyKind::Transport
    }

    /// The party's name.
    pub fn label(self) -> &'static str {
        match self {
            PartyKind::Consumer => "consumer's WhatsApp client",
            PartyKind::Transport => "WhatsApp transport",
            PartyKind::CloudApi => "Cloud API",
            PartyKind::Business => "business server",
            PartyKind::BusinessManager => "Business Manager",
            PartyKind::RestOfMeta => "rest of Meta",
            PartyKind::External => "external client",
        }
    }
}
