//! Business Manager: business information and billing, per business. Both are
//! documented as available to WhatsApp and to the rest of Meta.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What Business Manager holds about one business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessRecord {
    /// Name.
    pub name: String,
    /// WhatsApp Business Account id.
    pub waba_id: String,
    /// Display number (digits).
    pub display_phone_number: String,
    /// Messages billed.
    pub billed_messages: u64,
}

/// Business Manager.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessManager {
    /// Records by phone number id.
    pub businesses: BTreeMap<String, BusinessRecord>,
}
