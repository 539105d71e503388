//! Deliberate policy breaches: switches that make a party do what Meta says it
//! does not, so the checks can be seen to catch it. Each is real behaviour in
//! the party it names (a message actually sent, a purge actually skipped); the
//! ledger, the proof and the retention check then find it by themselves.
//!
//! | breach | party | what it does | what turns red |
//! |---|---|---|---|
//! | [`Breach::ContentToRestOfMeta`] | Cloud API | copies each message's text to the rest of Meta | message content, rest of Meta |
//! | [`Breach::PlaintextToTransport`] | Cloud API | gives the transport a plaintext copy of each message | message content, WhatsApp; the ciphertext-only proof |
//! | [`Breach::ConsumerNumbersToRestOfMeta`] | Cloud API | forwards each consumer's number to the rest of Meta | consumer phone number, rest of Meta |
//! | [`Breach::IntegrityToRestOfMeta`] | transport | shares a business's integrity signals with the rest of Meta | integrity signals, rest of Meta |
//! | [`Breach::RetentionNeverPurges`] | Cloud API | never purges its store | the retention check |

use serde::{Deserialize, Serialize};

use crate::ledger::DataCategory;
use crate::wire::PartyKind;

/// A deliberate breach of Meta's stated policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Breach {
    /// The Cloud API copies the text of every message it decrypts or is asked
    /// to send to the rest of Meta.
    ContentToRestOfMeta,
    /// The Cloud API gives the WhatsApp transport a plaintext copy of every
    /// message beside its ciphertext.
    PlaintextToTransport,
    /// The Cloud API forwards the number of every consumer it hears from to the
    /// rest of Meta.
    ConsumerNumbersToRestOfMeta,
    /// WhatsApp shares a business's integrity signals with the rest of Meta
    /// whenever they change.
    IntegrityToRestOfMeta,
    /// The Cloud API keeps every message for ever: retention never purges.
    RetentionNeverPurges,
}

/// Which check a breach should turn red.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A cell of the visibility matrix: (category, column).
    Cell(DataCategory, Column),
    /// The ciphertext-only proof.
    Proof,
    /// The retention check.
    Retention,
}

/// A column of Meta's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// Available to the rest of Meta.
    RestOfMeta,
    /// Available to WhatsApp.
    #[serde(rename = "whatsapp")]
    WhatsApp,
}

impl Breach {
    /// Every breach.
    pub const ALL: [Breach; 5] = [
        Breach::ContentToRestOfMeta,
        Breach::PlaintextToTransport,
        Breach::ConsumerNumbersToRestOfMeta,
        Breach::IntegrityToRestOfMeta,
        Breach::RetentionNeverPurges,
    ];

    /// The name used in traces, links and the app.
    pub fn name(self) -> &'static str {
        match self {
            Breach::ContentToRestOfMeta => "content_to_rest_of_meta",
            Breach::PlaintextToTransport => "plaintext_to_transport",
            Breach::ConsumerNumbersToRestOfMeta => "consumer_numbers_to_rest_of_meta",
            Breach::IntegrityToRestOfMeta => "integrity_to_rest_of_meta",
            Breach::RetentionNeverPurges => "retention_never_purges",
        }
    }

    /// A breach by its name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }

    /// What a workshop is told the switch does.
    pub fn describe(self) -> &'static str {
        match self {
            Breach::ContentToRestOfMeta => {
                "What if the Cloud API copied every message's text to the rest of Meta?"
            }
            Breach::PlaintextToTransport => {
                "What if the Cloud API gave the WhatsApp transport a plaintext copy of every message?"
            }
            Breach::ConsumerNumbersToRestOfMeta => {
                "What if the Cloud API forwarded every consumer's phone number to the rest of Meta?"
            }
            Breach::IntegrityToRestOfMeta => {
                "What if WhatsApp shared a business's integrity signals (spam reports) with the rest of Meta?"
            }
            Breach::RetentionNeverPurges => {
                "What if the Cloud API never deleted messages after the retention period?"
            }
        }
    }

    /// The party whose behaviour the switch changes.
    pub fn party(self) -> PartyKind {
        match self {
            Breach::IntegrityToRestOfMeta => PartyKind::Transport,
            _ => PartyKind::CloudApi,
        }
    }

    /// The checks this breach must turn red, and no others.
    pub fn turns_red(self) -> &'static [Check] {
        match self {
            Breach::ContentToRestOfMeta => &[Check::Cell(
                DataCategory::MessageContent,
                Column::RestOfMeta,
            )],
            Breach::PlaintextToTransport => &[
                Check::Cell(DataCategory::MessageContent, Column::WhatsApp),
                Check::Proof,
            ],
            Breach::ConsumerNumbersToRestOfMeta => &[Check::Cell(
                DataCategory::ConsumerPhoneNumber,
                Column::RestOfMeta,
            )],
            Breach::IntegrityToRestOfMeta => &[Check::Cell(
                DataCategory::IntegritySignals,
                Column::RestOfMeta,
            )],
            Breach::RetentionNeverPurges => &[Check::Retention],
        }
    }
}

/// The breaches switched on: one bit each, in the order of [`Breach::ALL`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Breaches(u8);

impl Breaches {
    fn bit(breach: Breach) -> u8 {
        1 << breach as u8
    }

    /// Whether `breach` is on.
    pub fn on(&self, breach: Breach) -> bool {
        self.0 & Self::bit(breach) != 0
    }

    /// Switches `breach`; returns whether that changed anything.
    pub fn set(&mut self, breach: Breach, on: bool) -> bool {
        let before = self.0;
        if on {
            self.0 |= Self::bit(breach);
        } else {
            self.0 &= !Self::bit(breach);
        }
        self.0 != before
    }

    /// The breaches on, in order.
    pub fn iter(&self) -> impl Iterator<Item = Breach> + '_ {
        Breach::ALL.into_iter().filter(|b| self.on(*b))
    }
}
