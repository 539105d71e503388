//! The wire format: the ratchet header and the versioned envelopes, each parsed by
//! `TryFrom<&[u8]>` that checks the version and every length before reading.

mod decode_error;
mod envelope;
mod header;
pub(crate) mod reader;

pub use decode_error::DecodeError;
pub use envelope::{
    Envelope, MAX_CIPHERTEXT_LEN, MAX_PLAINTEXT_LEN, PreKeyMessage, RatchetMessage, VERSION,
};
pub use header::{HEADER_LEN, Header};
