//! A phone that survives a reload: a [`PhoneLink`] kept as its generator's
//! seed and the inputs it was given, as `cipherflow serve` keeps its world.
//! The party is deterministic given both, so replaying the journal into a
//! link built from the same seed gives the same phone: the same identity
//! key, sessions, chats, ticks and outbox. The phone page stores the journal
//! sealed (ChaCha20-Poly1305) under a key made on the device, which never
//! leaves it.
//!
//! Replaying sends nothing: the frames the link produced then were sent
//! then. What the socket lost in between, the link sends again when it is
//! next open (its outbox retransmits), and the transport redelivers what the
//! phone never acknowledged.

use cipherflow_protocol::json_fields::{FieldError, Fields, ParsedJson};
use cipherflow_protocol::pickle::{PickleError, open_json, seal_json};
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};
use serde::Serialize;

use crate::consumer::ConsumerError;
use crate::live::phone_link::{LinkError, LinkState, PhoneLink};
use crate::phone::PhoneNumber;

/// What a phone's journal is sealed with, as associated data: a journal
/// cannot be opened as a session or account pickle, nor one as a journal.
pub const PHONE_JOURNAL_AAD: &[u8] = b"cipherflow phone journal v1";

/// The most inputs a journal keeps: past this the phone refuses to record
/// (and says so) rather than grow a reload without bound.
pub const MAX_JOURNAL_INPUTS: usize = 100_000;

/// One thing that happened to the phone. Written by serde, read by hand
/// ([`PhoneJournal::from_json`]): the phone page's wasm carries this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum PhoneInput {
    /// A socket opened.
    Open,
    /// A frame from the transport.
    Frame {
        /// When.
        now_ms: u64,
        /// The frame's text.
        text: String,
    },
    /// The socket closed.
    Closed {
        /// When.
        now_ms: u64,
    },
    /// A retransmission deadline came.
    Timeout {
        /// When.
        now_ms: u64,
    },
    /// The person wrote to a business.
    SendText {
        /// When.
        now_ms: u64,
        /// The business.
        to: PhoneNumber,
        /// The text.
        text: String,
    },
    /// The person opened a chat.
    ReadChat {
        /// When.
        now_ms: u64,
        /// The business.
        business: PhoneNumber,
    },
    /// The person reported a business.
    ReportSpam {
        /// The business.
        business: PhoneNumber,
    },
}

impl PhoneInput {
    /// When it happened, for the inputs that carry a time.
    pub fn time(&self) -> Option<u64> {
        match self {
            PhoneInput::Frame { now_ms, .. }
            | PhoneInput::Closed { now_ms }
            | PhoneInput::Timeout { now_ms }
            | PhoneInput::SendText { now_ms, .. }
            | PhoneInput::ReadChat { now_ms, .. } => Some(*now_ms),
            PhoneInput::Open | PhoneInput::ReportSpam { .. } => None,
        }
    }
}

/// How the phone was made, and everything it was given since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneJournal {
    /// The generator's seed, hex (the identity's keys come from it: the
    /// journal is as secret as the keys, and only ever stored sealed).
    #[serde(with = "hex::serde")]
    seed: Vec<u8>,
    /// When the phone was made.
    created_ms: u64,
    /// Its number.
    number: PhoneNumber,
    /// The person's name.
    name: String,
    /// The inputs, oldest first.
    inputs: Vec<PhoneInput>,
}

impl PhoneJournal {
    /// Reads a journal's JSON, every field checked, none unknown.
    pub fn from_json(json: &str) -> Result<Self, JournalError> {
        let parsed = ParsedJson::parse(json.as_bytes()).map_err(malformed)?;
        let f = parsed
            .fields("journal")
            .and_then(|f| f.only(&["seed", "created_ms", "number", "name", "inputs"]))
            .map_err(malformed)?;
        let number = |f: &Fields<'_>, field: &'static str| {
            let text = f.str(field)?;
            PhoneNumber::parse(text).map_err(|e| FieldError(format!("{field}: {e}")))
        };
        let read = || -> Result<Self, FieldError> {
            let seed = f.hex::<32>("seed")?.to_vec();
            let inputs = f
                .array("inputs")?
                .iter()
                .map(|v| {
                    let i = Fields::of(v, "input")?;
                    let now = |i: &Fields<'_>| i.u64("now_ms");
                    Ok(match i.str("input")? {
                        "open" => {
                            i.only(&["input"])?;
                            PhoneInput::Open
                        }
                        "frame" => {
                            let i = i.only(&["input", "now_ms", "text"])?;
                            PhoneInput::Frame {
                                now_ms: now(&i)?,
                                text: i.str("text")?.to_owned(),
                            }
                        }
                        "closed" => PhoneInput::Closed {
                            now_ms: now(&i.only(&["input", "now_ms"])?)?,
                        },
                        "timeout" => PhoneInput::Timeout {
                            now_ms: now(&i.only(&["input", "now_ms"])?)?,
                        },
                        "send_text" => {
                            let i = i.only(&["input", "now_ms", "to", "text"])?;
                            PhoneInput::SendText {
                                now_ms: now(&i)?,
                                to: number(&i, "to")?,
                                text: i.str("text")?.to_owned(),
                            }
                        }
                        "read_chat" => {
                            let i = i.only(&["input", "now_ms", "business"])?;
                            PhoneInput::ReadChat {
                                now_ms: now(&i)?,
                                business: number(&i, "business")?,
                            }
                        }
                        "report_spam" => PhoneInput::ReportSpam {
                            business: number(&i.only(&["input", "business"])?, "business")?,
                        },
                        other => return Err(FieldError(format!("unknown input {other:?}"))),
                    })
                })
                .collect::<Result<Vec<_>, FieldError>>()?;
            if inputs.len() > MAX_JOURNAL_INPUTS {
                return Err(FieldError(format!("{} inputs", inputs.len())));
            }
            Ok(Self {
                seed,
                created_ms: f.u64("created_ms")?,
                number: number(&f, "number")?,
                name: f.str("name")?.to_owned(),
                inputs,
            })
        };
        read().map_err(malformed)
    }
}

fn malformed(e: FieldError) -> JournalError {
    JournalError::Malformed(e.0)
}

/// Why a journal does not restore.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// It does not open: the wrong key, or altered bytes.
    #[error(transparent)]
    Sealed(#[from] PickleError),
    /// It opens but is not a journal.
    #[error("not a phone journal: {0}")]
    Malformed(String),
    /// The journal is full ([`MAX_JOURNAL_INPUTS`]).
    #[error("the phone's journal is full ({MAX_JOURNAL_INPUTS} inputs)")]
    Full,
}

/// A phone and its journal.
#[derive(Debug, Clone)]
pub struct JournaledPhone {
    link: PhoneLink,
    rng: ChaCha20Rng,
    journal: PhoneJournal,
}

impl JournaledPhone {
    /// A new phone: fresh keys from `seed` (32 bytes from the platform's
    /// generator), nothing given yet.
    pub fn new(seed: [u8; 32], now_ms: u64, number: PhoneNumber, name: String) -> Self {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let link = PhoneLink::new(now_ms, &mut rng, number.clone(), name.clone());
        Self {
            link,
            rng,
            journal: PhoneJournal {
                seed: seed.to_vec(),
                created_ms: now_ms,
                number,
                name,
                inputs: Vec::new(),
            },
        }
    }

    /// The phone rebuilt from its journal. Everything the journal holds is
    /// given again; nothing is sent.
    pub fn replay(journal: PhoneJournal) -> Result<Self, JournalError> {
        let seed: [u8; 32] = journal
            .seed
            .as_slice()
            .try_into()
            .map_err(|_| JournalError::Malformed("the seed is 32 bytes".to_owned()))?;
        let mut phone = Self::new(
            seed,
            journal.created_ms,
            journal.number.clone(),
            journal.name.clone(),
        );
        let mut last_ms = journal.created_ms;
        for input in &journal.inputs {
            last_ms = last_ms.max(input.time().unwrap_or(0));
            // What failed the first time fails again, and changed nothing then.
            let _ = phone.run(input);
        }
        phone.journal.inputs = journal.inputs;
        // The socket of the last page is gone. Recorded, so that the next
        // replay passes through the same states.
        if phone.link.state() != LinkState::Closed {
            let _ = phone.apply(PhoneInput::Closed { now_ms: last_ms });
        }
        Ok(phone)
    }

    /// The journal, sealed under `key` (32 bytes that never leave the device).
    pub fn seal(&self, rng: &mut impl CryptoRng, key: &[u8; 32]) -> Result<Vec<u8>, JournalError> {
        let json = serde_json::to_string(&self.journal)
            .map_err(|e| JournalError::Malformed(e.to_string()))?;
        let json = zeroize::Zeroizing::new(json);
        Ok(seal_json(rng, key, PHONE_JOURNAL_AAD, &json)?)
    }

    /// Opens a sealed journal and replays it.
    pub fn unseal(key: &[u8; 32], sealed: &[u8]) -> Result<Self, JournalError> {
        let json = open_json(key, PHONE_JOURNAL_AAD, sealed)?;
        Self::replay(PhoneJournal::from_json(&json)?)
    }

    /// The link (read only).
    pub fn link(&self) -> &PhoneLink {
        &self.link
    }

    /// How many inputs the journal holds.
    pub fn journal_len(&self) -> usize {
        self.journal.inputs.len()
    }

    /// Gives the phone `input`, records it, and returns the frames to send.
    pub fn apply(&mut self, input: PhoneInput) -> Result<Vec<String>, PhoneError> {
        if self.journal.inputs.len() >= MAX_JOURNAL_INPUTS {
            return Err(PhoneError::Journal(JournalError::Full));
        }
        let result = self.run(&input);
        self.journal.inputs.push(input);
        result
    }

    fn run(&mut self, input: &PhoneInput) -> Result<Vec<String>, PhoneError> {
        let rng = &mut self.rng;
        let link = &mut self.link;
        Ok(match input {
            PhoneInput::Open => vec![link.open()],
            PhoneInput::Frame { now_ms, text } => link.on_frame(*now_ms, rng, text)?,
            PhoneInput::Closed { now_ms } => {
                link.closed(*now_ms, rng);
                Vec::new()
            }
            PhoneInput::Timeout { now_ms } => link.on_timeout(*now_ms, rng),
            PhoneInput::SendText { now_ms, to, text } => link.send_text(*now_ms, rng, to, text)?.1,
            PhoneInput::ReadChat { now_ms, business } => link.read_chat(*now_ms, business),
            PhoneInput::ReportSpam { business } => link.report_spam(business),
        })
    }
}

/// Why the phone refused an input (it is still recorded: replaying it fails
/// the same way and changes nothing, as it did).
#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    /// The transport's frame.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The person's command.
    #[error(transparent)]
    Consumer(#[from] ConsumerError),
    /// The journal.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

#[cfg(test)]
mod tests;
