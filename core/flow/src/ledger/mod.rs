//! The visibility ledger: who holds what, derived by the router from what it
//! delivers and what the parties record, never placed by hand.
//!
//! Every message a router delivers is classified by its type alone
//! ([`classify`]): a phone number, a plaintext, a ciphertext, statistics, an
//! integrity signal, business information, a billing record. The ledger counts
//! each (holder, category, supplier). A party's own trace events add what it
//! derived itself (the Cloud API decrypting a message). From these counts,
//! [`matrix`] computes Meta's "available to WhatsApp / to the rest of Meta"
//! table, cell by cell, and compares it with the published one.
//!
//! Counts are kept per (holder, category, supplier), so memory stays bounded
//! however long a scenario runs.

pub mod classify;
pub mod matrix;
pub mod retention;

use serde::{Deserialize, Serialize};

use crate::wire::PartyKind;

/// Meta's data categories for Cloud API businesses, plus ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    /// The text of a message.
    MessageContent,
    /// A consumer's phone number.
    ConsumerPhoneNumber,
    /// Counts and sizes that identify no one.
    NonIdentifiableStatistics,
    /// Spam reports and other signals about a business, from WhatsApp clients.
    IntegritySignals,
    /// A business's name, WABA id and display number.
    BusinessInformation,
    /// What a business is billed.
    Billing,
    /// Signal ciphertext: not a category in Meta's table; counted so the
    /// ledger shows what the transport held in place of content.
    EncryptedContent,
}

impl DataCategory {
    /// The six categories of Meta's table, in its order.
    pub const TABLE: [DataCategory; 6] = [
        DataCategory::MessageContent,
        DataCategory::ConsumerPhoneNumber,
        DataCategory::NonIdentifiableStatistics,
        DataCategory::IntegritySignals,
        DataCategory::BusinessInformation,
        DataCategory::Billing,
    ];

    /// The row label Meta uses.
    pub fn label(self) -> &'static str {
        match self {
            DataCategory::MessageContent => "Message content",
            DataCategory::ConsumerPhoneNumber => "Consumer phone number",
            DataCategory::NonIdentifiableStatistics => "Non-identifiable statistics",
            DataCategory::IntegritySignals => "Integrity signals, per business",
            DataCategory::BusinessInformation => "Business information",
            DataCategory::Billing => "Billing, per business",
            DataCategory::EncryptedContent => "Encrypted content (ciphertext)",
        }
    }
}

/// One ledger key: who holds it, what, and who gave it to them (the holder
/// itself for what it derived, such as a decrypted message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Holding {
    /// The holder.
    pub holder: PartyKind,
    /// The data.
    pub category: DataCategory,
    /// Who supplied it.
    pub via: PartyKind,
}

/// Counts of what each party holds, per category and supplier: a few dozen
/// keys at most, kept in a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    counts: Vec<(Holding, u64)>,
}

impl Ledger {
    /// Records `n` items of `category` reaching `holder` from `via`.
    pub fn record(&mut self, holder: PartyKind, category: DataCategory, via: PartyKind, n: u64) {
        if n == 0 {
            return;
        }
        let key = Holding {
            holder,
            category,
            via,
        };
        match self.counts.iter_mut().find(|(h, _)| *h == key) {
            Some((_, count)) => *count += n,
            None => self.counts.push((key, n)),
        }
    }

    /// How many items of `category` `holder` has received or derived.
    pub fn count(&self, holder: PartyKind, category: DataCategory) -> u64 {
        self.counts
            .iter()
            .filter(|(h, _)| h.holder == holder && h.category == category)
            .map(|(_, n)| n)
            .sum()
    }

    /// Whether any holder for which `holder` is true holds `category`.
    pub fn held_by(&self, category: DataCategory, holder: impl Fn(PartyKind) -> bool) -> bool {
        self.counts
            .iter()
            .any(|(h, n)| h.category == category && holder(h.holder) && *n > 0)
    }

    /// Every supplier of `category` to holders for which `holder` is true,
    /// in the order of [`PartyKind::ALL`].
    pub fn suppliers(
        &self,
        category: DataCategory,
        holder: impl Fn(PartyKind) -> bool,
    ) -> Vec<PartyKind> {
        PartyKind::ALL
            .into_iter()
            .filter(|via| {
                self.counts.iter().any(|(h, n)| {
                    h.category == category && holder(h.holder) && h.via == *via && *n > 0
                })
            })
            .collect()
    }

    /// Every (holding, count), in order.
    pub fn entries(&self) -> impl Iterator<Item = (Holding, u64)> + '_ {
        self.counts.iter().map(|(h, n)| (*h, *n))
    }
}
