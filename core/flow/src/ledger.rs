//! The visibility ledger: every time a party holds or observes a piece of data,
//! the simulation records it here, classified into Meta's data categories. The
//! "available to WhatsApp / to the rest of Meta" matrix is then *computed* from
//! these records and compared with the table Meta publishes for the Cloud API.
//!
//! Records are counted per (observer, category, system), so memory stays bounded
//! however long a scenario runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Meta's data categories for Cloud API businesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    /// The text of a message.
    MessageContent,
    /// A consumer's phone number.
    ConsumerPhoneNumber,
    /// Counts and sizes that identify no one.
    NonIdentifiableStatistics,
    /// Spam reports and unusual-pattern signals, per business.
    IntegritySignals,
    /// A business's name, WABA id and display number.
    BusinessInformation,
    /// What a business is billed.
    Billing,
    /// Signal ciphertext: not a category in Meta's table; recorded so the
    /// ciphertext-only proof can show what the transport held instead of content.
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

/// Who held or observed something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observer {
    /// The consumer's WhatsApp client.
    Consumer,
    /// The WhatsApp transport server: part of WhatsApp.
    WhatsAppTransport,
    /// WhatsApp's other systems (business platform, billing): part of WhatsApp.
    WhatsApp,
    /// WhatsApp's integrity systems (spam reports, pattern detection): part of WhatsApp.
    WhatsAppIntegrity,
    /// The Cloud API, processing messages on the business's behalf.
    CloudApi,
    /// The business's own server.
    Business,
    /// Business Manager.
    BusinessManager,
    /// Every other part of Meta, which reads only what is documented as available to it.
    RestOfMeta,
}

impl Observer {
    /// Whether this observer is WhatsApp (the company's systems other than the
    /// Cloud API's processing for the business).
    pub fn is_whatsapp(self) -> bool {
        matches!(
            self,
            Observer::WhatsAppTransport | Observer::WhatsAppIntegrity | Observer::WhatsApp
        )
    }
}

/// The system Meta's table names as the data's home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum System {
    /// The Cloud API.
    #[serde(rename = "Cloud API")]
    CloudApi,
    /// The WhatsApp client.
    #[serde(rename = "WhatsApp client")]
    WhatsAppClient,
    /// Business Manager.
    #[serde(rename = "Business Manager")]
    BusinessManager,
}

impl System {
    /// Meta's label.
    pub fn label(self) -> &'static str {
        match self {
            System::CloudApi => "Cloud API",
            System::WhatsAppClient => "WhatsApp client",
            System::BusinessManager => "Business Manager",
        }
    }
}

/// Counts of what each observer held, per category and system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    counts: BTreeMap<(Observer, DataCategory, System), u64>,
}

/// One row of the visibility matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRow {
    /// The category.
    pub data: DataCategory,
    /// Meta's label for it.
    pub label: String,
    /// The system.
    pub system: System,
    /// Available to the rest of Meta?
    pub rest_of_meta: bool,
    /// Available to WhatsApp?
    pub whatsapp: bool,
}

/// The computed matrix beside Meta's published one, with per-cell agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixComparison {
    /// Computed from the ledger (and, for content, from the ciphertext-only proof).
    pub computed: Vec<MatrixRow>,
    /// Meta's table.
    pub published: Vec<MatrixRow>,
    /// Whether every cell agrees.
    pub all_agree: bool,
}

/// Meta's published table for the Cloud API.
pub fn published_matrix() -> Vec<MatrixRow> {
    let row = |data: DataCategory, system, rest_of_meta, whatsapp| MatrixRow {
        data,
        label: data.label().to_owned(),
        system,
        rest_of_meta,
        whatsapp,
    };
    vec![
        row(DataCategory::MessageContent, System::CloudApi, false, false),
        row(
            DataCategory::ConsumerPhoneNumber,
            System::CloudApi,
            false,
            true,
        ),
        row(
            DataCategory::NonIdentifiableStatistics,
            System::CloudApi,
            true,
            true,
        ),
        row(
            DataCategory::IntegritySignals,
            System::WhatsAppClient,
            false,
            true,
        ),
        row(
            DataCategory::BusinessInformation,
            System::BusinessManager,
            true,
            true,
        ),
        row(DataCategory::Billing, System::BusinessManager, true, true),
    ]
}

impl Ledger {
    /// Records that `observer` held or saw one item of `category` from `system`.
    pub fn record(&mut self, observer: Observer, category: DataCategory, system: System) {
        *self.counts.entry((observer, category, system)).or_default() += 1;
    }

    /// How many items of `category` `observer` has held.
    pub fn count(&self, observer: Observer, category: DataCategory) -> u64 {
        self.counts
            .iter()
            .filter(|((o, c, _), _)| *o == observer && *c == category)
            .map(|(_, n)| n)
            .sum()
    }

    /// Every (observer, category, system, count), for display.
    pub fn entries(&self) -> Vec<(Observer, DataCategory, System, u64)> {
        self.counts
            .iter()
            .map(|((o, c, s), n)| (*o, *c, *s, *n))
            .collect()
    }

    /// Computes the matrix. `content_seen_by_transport` is the ciphertext-only
    /// proof's verdict: any plaintext match at the transport makes message
    /// content available to WhatsApp.
    pub fn matrix(&self, content_seen_by_transport: bool) -> MatrixComparison {
        let published = published_matrix();
        let computed: Vec<MatrixRow> = published
            .iter()
            .map(|p| {
                let seen_by = |pred: fn(Observer) -> bool| {
                    self.counts
                        .iter()
                        .any(|((o, c, _), n)| pred(*o) && *c == p.data && *n > 0)
                };
                let mut whatsapp = seen_by(Observer::is_whatsapp);
                if p.data == DataCategory::MessageContent && content_seen_by_transport {
                    whatsapp = true;
                }
                let system = self
                    .counts
                    .keys()
                    .find(|(_, c, _)| *c == p.data)
                    .map_or(p.system, |(_, _, s)| *s);
                MatrixRow {
                    data: p.data,
                    label: p.label.clone(),
                    system,
                    rest_of_meta: seen_by(|o| o == Observer::RestOfMeta),
                    whatsapp,
                }
            })
            .collect();
        let all_agree = computed == published;
        MatrixComparison {
            computed,
            published,
            all_agree,
        }
    }
}
