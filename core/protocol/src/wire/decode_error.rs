//! Why bytes could not be parsed.

use crate::keys::KeyError;

/// A wire-format parse failure. Parsing never panics and never reads past a length it
/// has not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended before a field.
    #[error("truncated: needed {needed} more bytes for {field}")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// How many more bytes it needed.
        needed: usize,
    },
    /// Bytes were left over after the last field.
    #[error("{extra} trailing bytes after the message")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// The version/type byte is not one this implementation speaks.
    #[error("unknown version/type byte 0x{0:02x}")]
    UnknownVersion(u8),
    /// A flag byte was neither 0 nor 1.
    #[error("invalid flag byte 0x{value:02x} for {field}")]
    InvalidFlag {
        /// The field.
        field: &'static str,
        /// The byte found.
        value: u8,
    },
    /// A length field is outside what the format allows.
    #[error("length {len} out of range for {field}")]
    BadLength {
        /// The field.
        field: &'static str,
        /// The declared length.
        len: usize,
    },
    /// An embedded public key was refused.
    #[error("bad public key in {field}: {error}")]
    BadKey {
        /// The field.
        field: &'static str,
        /// Why.
        error: KeyError,
    },
}
