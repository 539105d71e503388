//! Meta's "available to WhatsApp / to the rest of Meta" table, computed from
//! the ledger and compared with the one Meta publishes.
//!
//! For each of Meta's six categories:
//!
//! - **Available to WhatsApp**: the transport (WhatsApp's party) holds it, or,
//!   for message content, the ciphertext-only proof found a plaintext window in
//!   what the transport held.
//! - **Available to the rest of Meta**: the rest of Meta holds it.
//! - **System**: where Meta's service holds it for the business: Business
//!   Manager if it holds the category, else the Cloud API if it does, else the
//!   system that supplied it to WhatsApp or the rest of Meta (the WhatsApp
//!   client, for a consumer's spam report). `None` when nothing of the category
//!   was seen at all. Nothing falls back to Meta's value.

use serde::{Deserialize, Serialize};

use crate::breach::Column;
use crate::ledger::{DataCategory, Ledger};
use crate::wire::PartyKind;

/// The systems Meta's table names.
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

    /// The system a party is part of, if it is one of the table's.
    pub fn of(party: PartyKind) -> Option<Self> {
        match party {
            PartyKind::Consumer => Some(System::WhatsAppClient),
            PartyKind::CloudApi => Some(System::CloudApi),
            PartyKind::BusinessManager => Some(System::BusinessManager),
            _ => None,
        }
    }
}

/// One row of the visibility matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRow {
    /// The category.
    pub data: DataCategory,
    /// Meta's label for it.
    pub label: String,
    /// The system (computed: `None` when nothing of the category was seen).
    pub system: Option<System>,
    /// Available to the rest of Meta?
    pub rest_of_meta: bool,
    /// Available to WhatsApp?
    pub whatsapp: bool,
    /// Computed rows: who supplied it to the rest of Meta.
    #[serde(default)]
    pub rest_of_meta_from: Vec<PartyKind>,
    /// Computed rows: who supplied it to WhatsApp (the transport).
    #[serde(default)]
    pub whatsapp_from: Vec<PartyKind>,
}

/// How a computed cell differs from Meta's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Difference {
    /// Available in this run where Meta says it is not: a breach.
    Breach,
    /// Meta says available, and nothing of it reached that party in this run.
    NotObserved,
}

/// A cell that differs from Meta's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disagreement {
    /// The row.
    pub data: DataCategory,
    /// The column.
    pub column: Column,
    /// How it differs.
    pub difference: Difference,
}

/// The computed matrix beside Meta's published one, with per-cell agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixComparison {
    /// Computed from the ledger (and, for content, from the ciphertext-only proof).
    pub computed: Vec<MatrixRow>,
    /// Meta's table.
    pub published: Vec<MatrixRow>,
    /// Whether every cell and every system agree.
    pub all_agree: bool,
    /// The cells that differ.
    #[serde(default)]
    pub disagreements: Vec<Disagreement>,
    /// The rows whose computed system differs from Meta's.
    #[serde(default)]
    pub system_differs: Vec<DataCategory>,
}

/// Meta's published table for the Cloud API.
pub fn published_matrix() -> Vec<MatrixRow> {
    let row = |data: DataCategory, system, rest_of_meta, whatsapp| MatrixRow {
        data,
        label: data.label().to_owned(),
        system: Some(system),
        rest_of_meta,
        whatsapp,
        rest_of_meta_from: Vec::new(),
        whatsapp_from: Vec::new(),
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

fn system(ledger: &Ledger, data: DataCategory) -> Option<System> {
    for holder in [PartyKind::BusinessManager, PartyKind::CloudApi] {
        if ledger.held_by(data, |h| h == holder) {
            return System::of(holder);
        }
    }
    let suppliers = ledger.suppliers(data, |h| h.is_whatsapp() || h == PartyKind::RestOfMeta);
    [
        PartyKind::BusinessManager,
        PartyKind::CloudApi,
        PartyKind::Consumer,
    ]
    .into_iter()
    .find(|p| suppliers.contains(p))
    .and_then(System::of)
}

impl Ledger {
    /// Computes the matrix. `content_seen_by_transport` is the ciphertext-only
    /// proof's verdict: any plaintext window found in what the transport held
    /// makes message content available to WhatsApp.
    pub fn matrix(&self, content_seen_by_transport: bool) -> MatrixComparison {
        let published = published_matrix();
        let mut disagreements = Vec::new();
        let mut system_differs = Vec::new();
        let computed: Vec<MatrixRow> = published
            .iter()
            .map(|p| {
                let data = p.data;
                let whatsapp_from = self.suppliers(data, PartyKind::is_whatsapp);
                let rest_of_meta_from = self.suppliers(data, |h| h == PartyKind::RestOfMeta);
                let whatsapp = !whatsapp_from.is_empty()
                    || (data == DataCategory::MessageContent && content_seen_by_transport);
                let rest_of_meta = !rest_of_meta_from.is_empty();
                for (column, ours, meta) in [
                    (Column::RestOfMeta, rest_of_meta, p.rest_of_meta),
                    (Column::WhatsApp, whatsapp, p.whatsapp),
                ] {
                    if ours != meta {
                        disagreements.push(Disagreement {
                            data,
                            column,
                            difference: if ours {
                                Difference::Breach
                            } else {
                                Difference::NotObserved
                            },
                        });
                    }
                }
                let system = system(self, data);
                if system != p.system {
                    system_differs.push(data);
                }
                MatrixRow {
                    data,
                    label: p.label.clone(),
                    system,
                    rest_of_meta,
                    whatsapp,
                    rest_of_meta_from,
                    whatsapp_from,
                }
            })
            .collect();
        MatrixComparison {
            all_agree: disagreements.is_empty() && system_differs.is_empty(),
            computed,
            published,
            disagreements,
            system_differs,
        }
    }
}
