//! The one error type JS ever sees: `CipherflowError`, an `Error` whose `name` is
//! `"CipherflowError"` and whose `code` is a stable string from [`ErrorCode`].
//!
//! Every core error maps to exactly one code here, so JS callers can branch on
//! `error.code` and never on message text.

#[cfg(feature = "flow")]
use cipherflow_flow::SimError;
use cipherflow_protocol::keys::KeyError;
use cipherflow_protocol::pickle::PickleError;
use cipherflow_protocol::ratchet::RatchetError;
use cipherflow_protocol::wire::DecodeError;
use cipherflow_protocol::x3dh::X3dhError;
use cipherflow_protocol::{AccountError, SessionError};
use wasm_bindgen::prelude::*;

/// Stable error codes. The strings are part of the public API: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A JS argument had the wrong type, shape or range.
    InvalidArgument,
    /// The platform could not provide secure randomness.
    EntropyUnavailable,
    /// The bytes are not a valid envelope, prekey message or bundle.
    MalformedMessage,
    /// A message failed authentication: altered, or for another session.
    AuthenticationFailed,
    /// A message that was already decrypted (a replay).
    DuplicateMessage,
    /// A message would skip more message keys than MAX_SKIP allows.
    TooManySkipped,
    /// A bundle's signed prekey signature does not verify.
    BadSignature,
    /// A public key is invalid or of low order.
    InvalidKey,
    /// A prekey id that is unknown or already used.
    UnknownPreKey,
    /// Generating more one-time prekeys than an identity may hold.
    TooManyPreKeys,
    /// A prekey message that belongs to a different session.
    SessionMismatch,
    /// A plaintext longer than one message may carry.
    PlaintextTooLong,
    /// A session that cannot send: its chain counter is exhausted.
    SessionUnusable,
    /// A serialized identity or session that does not restore.
    InvalidPickle,
    /// A sealed identity or session that does not open: wrong key or altered bytes.
    UnsealFailed,
    #[cfg(feature = "flow")]
    /// Not a valid phone number.
    InvalidPhoneNumber,
    #[cfg(feature = "flow")]
    /// Simulation options out of range (fault probabilities, retention days).
    InvalidConfig,
    #[cfg(feature = "flow")]
    /// No consumer with that number in the simulation.
    UnknownConsumer,
    #[cfg(feature = "flow")]
    /// No business with that phone number id in the simulation.
    UnknownBusiness,
    #[cfg(feature = "flow")]
    /// The number is already registered in the simulation.
    NumberTaken,
    #[cfg(feature = "flow")]
    /// The number is not registered on the simulated WhatsApp.
    NotRegistered,
    #[cfg(feature = "flow")]
    /// A message text that is empty or too long.
    InvalidText,
    #[cfg(feature = "flow")]
    /// A reply or reaction names a message that is not in the chat.
    UnknownMessage,
    #[cfg(feature = "flow")]
    /// A trace that is not valid trace JSON, or holds no events to check.
    InvalidTrace,
    #[cfg(feature = "flow")]
    /// One call would run more simulation steps than [`crate::simulation::STEP_BUDGET`]
    /// (a fault feedback loop, or a message retransmitted across a huge clock move).
    WorkLimit,
}

impl ErrorCode {
    /// The string that appears as `error.code` in JS.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::EntropyUnavailable => "ENTROPY_UNAVAILABLE",
            ErrorCode::MalformedMessage => "MALFORMED_MESSAGE",
            ErrorCode::AuthenticationFailed => "AUTHENTICATION_FAILED",
            ErrorCode::DuplicateMessage => "DUPLICATE_MESSAGE",
            ErrorCode::TooManySkipped => "TOO_MANY_SKIPPED",
            ErrorCode::BadSignature => "BAD_SIGNATURE",
            ErrorCode::InvalidKey => "INVALID_KEY",
            ErrorCode::UnknownPreKey => "UNKNOWN_PREKEY",
            ErrorCode::TooManyPreKeys => "TOO_MANY_PREKEYS",
            ErrorCode::SessionMismatch => "SESSION_MISMATCH",
            ErrorCode::PlaintextTooLong => "PLAINTEXT_TOO_LONG",
            ErrorCode::SessionUnusable => "SESSION_UNUSABLE",
            ErrorCode::InvalidPickle => "INVALID_PICKLE",
            ErrorCode::UnsealFailed => "UNSEAL_FAILED",
            #[cfg(feature = "flow")]
            ErrorCode::InvalidPhoneNumber => "INVALID_PHONE_NUMBER",
            #[cfg(feature = "flow")]
            ErrorCode::InvalidConfig => "INVALID_CONFIG",
            #[cfg(feature = "flow")]
            ErrorCode::UnknownConsumer => "UNKNOWN_CONSUMER",
            #[cfg(feature = "flow")]
            ErrorCode::UnknownBusiness => "UNKNOWN_BUSINESS",
            #[cfg(feature = "flow")]
            ErrorCode::NumberTaken => "NUMBER_TAKEN",
            #[cfg(feature = "flow")]
            ErrorCode::NotRegistered => "NOT_REGISTERED",
            #[cfg(feature = "flow")]
            ErrorCode::InvalidText => "INVALID_TEXT",
            #[cfg(feature = "flow")]
            ErrorCode::UnknownMessage => "UNKNOWN_MESSAGE",
            #[cfg(feature = "flow")]
            ErrorCode::InvalidTrace => "INVALID_TRACE",
            #[cfg(feature = "flow")]
            ErrorCode::WorkLimit => "WORK_LIMIT",
        }
    }
}

/// Builds a JS `Error` with `name = "CipherflowError"` and the given `code`.
pub fn cipherflow_error(code: ErrorCode, message: impl std::fmt::Display) -> JsValue {
    let error = js_sys::Error::new(&format!("{message}"));
    error.set_name("CipherflowError");
    // Reflect::set only fails on frozen or proxied objects; a fresh Error is neither.
    let _ = js_sys::Reflect::set(&error, &"code".into(), &code.as_str().into());
    error.into()
}

/// `INVALID_ARGUMENT` with `message`.
pub fn invalid_argument(message: impl std::fmt::Display) -> JsValue {
    cipherflow_error(ErrorCode::InvalidArgument, message)
}

/// A core error and the code it maps to.
pub trait Coded: std::fmt::Display {
    /// The stable code for this error.
    fn code(&self) -> ErrorCode;

    /// The JS error.
    fn to_js(&self) -> JsValue {
        cipherflow_error(self.code(), self)
    }
}

impl Coded for DecodeError {
    fn code(&self) -> ErrorCode {
        ErrorCode::MalformedMessage
    }
}

impl Coded for KeyError {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidKey
    }
}

impl Coded for X3dhError {
    fn code(&self) -> ErrorCode {
        match self {
            X3dhError::BadSignature(_) => ErrorCode::BadSignature,
            X3dhError::Key(_) => ErrorCode::InvalidKey,
            X3dhError::UnknownSignedPreKey(_) | X3dhError::UnknownOneTimePreKey(_) => {
                ErrorCode::UnknownPreKey
            }
        }
    }
}

impl Coded for RatchetError {
    fn code(&self) -> ErrorCode {
        match self {
            RatchetError::DuplicateMessage { .. } => ErrorCode::DuplicateMessage,
            RatchetError::TooManySkipped { .. } => ErrorCode::TooManySkipped,
            RatchetError::Authentication(_) => ErrorCode::AuthenticationFailed,
            RatchetError::Key(_) => ErrorCode::InvalidKey,
            RatchetError::ChainExhausted => ErrorCode::SessionUnusable,
        }
    }
}

impl Coded for SessionError {
    fn code(&self) -> ErrorCode {
        match self {
            SessionError::Decode(e) => e.code(),
            SessionError::Ratchet(e) => e.code(),
            SessionError::X3dh(e) => e.code(),
            SessionError::SessionMismatch => ErrorCode::SessionMismatch,
            SessionError::PlaintextTooLong { .. } => ErrorCode::PlaintextTooLong,
        }
    }
}

impl Coded for AccountError {
    fn code(&self) -> ErrorCode {
        match self {
            AccountError::TooManyOneTimePreKeys { .. } => ErrorCode::TooManyPreKeys,
            AccountError::UnknownOneTimePreKey(_) => ErrorCode::UnknownPreKey,
        }
    }
}

impl Coded for PickleError {
    fn code(&self) -> ErrorCode {
        match self {
            PickleError::Sealed(_)
            | PickleError::UnknownSealedVersion(_)
            | PickleError::Truncated => ErrorCode::UnsealFailed,
            _ => ErrorCode::InvalidPickle,
        }
    }
}

#[cfg(feature = "flow")]
impl Coded for SimError {
    fn code(&self) -> ErrorCode {
        match self {
            SimError::PhoneNumber(_) => ErrorCode::InvalidPhoneNumber,
            SimError::Faults(_) | SimError::Retention(_) | SimError::WebhookPolicy(_) => {
                ErrorCode::InvalidConfig
            }
            SimError::UnknownConsumer(_) => ErrorCode::UnknownConsumer,
            SimError::UnknownBusiness(_) => ErrorCode::UnknownBusiness,
            SimError::NumberTaken(_) => ErrorCode::NumberTaken,
            SimError::NotRegistered(_) => ErrorCode::NotRegistered,
            SimError::BadText { .. } => ErrorCode::InvalidText,
            SimError::UnknownMessage(_) => ErrorCode::UnknownMessage,
            SimError::ClockBackwards | SimError::WrongSender { .. } => ErrorCode::InvalidArgument,
            SimError::DeviceNotAttached(_) => ErrorCode::UnknownConsumer,
        }
    }
}

/// `result.map_err(Coded::to_js)`, spelled once.
pub trait OrJs<T> {
    /// Maps the error to its `CipherflowError`.
    fn or_js(self) -> Result<T, JsValue>;
}

impl<T, E: Coded> OrJs<T> for Result<T, E> {
    fn or_js(self) -> Result<T, JsValue> {
        self.map_err(|e| e.to_js())
    }
}
