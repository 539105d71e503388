//! Why a key was refused.

/// A public key or a key agreement was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The encoding is not `0x05 || 32 bytes`.
    #[error("an encoded public key is 33 bytes, got {len}")]
    BadLength {
        /// The length that was given.
        len: usize,
    },
    /// The first byte is not the DJB (Curve25519) type byte `0x05`.
    #[error("unknown public key type byte 0x{type_byte:02x} (expected 0x05)")]
    UnknownKeyType {
        /// The byte that was found.
        type_byte: u8,
    },
    /// The u-coordinate is not fully reduced modulo 2^255 - 19 (or has the top bit set).
    #[error("the public key is not canonical (u >= 2^255 - 19)")]
    NonCanonical,
    /// The point has small order: any DH with it gives a predictable output.
    #[error("the public key is a low-order point")]
    LowOrder,
    /// A Diffie-Hellman output was all zeros.
    #[error("the X25519 output was not contributory")]
    NonContributory,
}
