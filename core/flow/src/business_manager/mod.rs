//! Business Manager: business information and billing, per business. Meta
//! documents both as available to WhatsApp and to the rest of Meta, so it
//! shares each record, and each change of what a business is billed, with
//! both.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::party::{Outbox, Party, unexpected};
use crate::wire::{Address, Internal, Message};

/// What Business Manager holds about one business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessRecord {
    /// Name.
    pub name: String,
    /// WhatsApp Business Account id.
    pub waba_id: String,
    /// The phone number id of its number on the Cloud API.
    pub phone_number_id: String,
    /// Display number (digits).
    pub display_phone_number: String,
    /// Messages billed.
    pub billed_messages: u64,
    /// Messages sent free (in a customer service window).
    #[serde(default)]
    pub free_messages: u64,
}

/// Business Manager.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BusinessManager {
    /// Records by phone number id.
    pub businesses: crate::maps::SortedMap<String, BusinessRecord>,
    #[serde(skip)]
    out: Outbox,
}

impl BusinessManager {
    /// A business signed up: its record is kept, and shared with WhatsApp and
    /// the rest of Meta.
    fn onboard(&mut self, record: BusinessRecord) {
        self.businesses
            .insert(record.phone_number_id.clone(), record.clone());
        self.share(Internal::BusinessInformation(record));
    }

    fn share(&mut self, message: Internal) {
        for to in [Address::Transport, Address::RestOfMeta] {
            self.out.send(
                Address::BusinessManager,
                to,
                Message::Internal(message.clone()),
            );
        }
    }
}

impl Party for BusinessManager {
    fn handle<R: CryptoRng>(
        &mut self,
        _now_ms: u64,
        _rng: &mut R,
        from: &Address,
        to: &Address,
        message: Message,
    ) {
        match (from, message) {
            (Address::Business(_), Message::Internal(Internal::BusinessInformation(record))) => {
                self.onboard(record);
            }
            (
                Address::CloudApi,
                Message::Internal(Internal::Billable {
                    phone_number_id,
                    messages,
                    free,
                }),
            ) => {
                let Some(record) = self.businesses.get_mut(&phone_number_id) else {
                    return;
                };
                record.billed_messages += messages;
                record.free_messages += free;
                let billed_messages = record.billed_messages;
                self.share(Internal::Billing {
                    phone_number_id,
                    billed_messages,
                });
            }
            (from, message) => {
                let event = unexpected(to, from, &message);
                self.out.event(event);
            }
        }
    }

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.out
    }
}
