//! What crosses between parties: addresses, the transport's envelopes, the
//! application message inside the Signal ciphertext, and the typed messages
//! every party hands the router.
//!
//! Parties never call each other. Each puts [`Transmit`]s in its outbox; a
//! router (the deterministic simulation, or a server) delivers them. Because
//! every message is typed, the router knows what data each delivery carries
//! (see `crate::ledger::classify`) without any party telling it.

mod address;
mod app_message;
pub mod device_frame;
mod envelope;
mod message;

pub use address::{Address, PartyKind};
pub use app_message::AppMessage;
pub use envelope::{EnvelopeId, EnvelopeRef, Payload, ReceiptKind, TransportEnvelope};
pub use message::{
    AccountKind, FromTransport, HttpFailure, Https, Internal, Message, PublishedKeys,
    StatisticsReport, ToTransport, Transmit,
};
