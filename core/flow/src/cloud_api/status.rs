//! The errors a `failed` status webhook carries, with Meta's codes.

use crate::cloud_api::webhook::StatusError;
use crate::transport::integrity::IntegrityAction;

fn error(code: u32, title: &str, details: &str) -> StatusError {
    StatusError {
        code,
        title: title.to_owned(),
        message: title.to_owned(),
        details: details.to_owned(),
    }
}

/// 131026 when retention expired before delivery. Meta documents no code for
/// this (its TTL page says the message is just dropped); cipherflow uses
/// "Message undeliverable", whose documented reasons begin "Unable to deliver
/// message".
pub fn expired() -> StatusError {
    error(
        131026,
        "Message undeliverable",
        "The message could not be delivered within the Cloud API's retention period.",
    )
}

/// 131026 for a recipient who is not on WhatsApp (one of Meta's documented
/// reasons for the code).
pub fn not_on_whatsapp() -> StatusError {
    error(
        131026,
        "Message undeliverable",
        "The recipient's phone number is not registered on WhatsApp.",
    )
}

/// 131047 for a non-template message sent when the consumer's customer
/// service window is closed. Title, message and details as Meta sends them.
pub fn reengagement() -> StatusError {
    error(
        131047,
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    )
}

/// 131000 when the Cloud API could not encrypt for the recipient (for example
/// a prekey bundle whose signature does not verify).
pub fn something_went_wrong(details: &str) -> StatusError {
    error(131000, "Something went wrong", details)
}

/// The error for a send the transport refused under an integrity action.
pub fn integrity(action: IntegrityAction) -> StatusError {
    match action {
        IntegrityAction::Blocked => error(
            368,
            "Temporarily blocked for policies violations",
            "WhatsApp's integrity systems blocked this business after spam reports.",
        ),
        _ => error(
            131048,
            "Spam rate limit hit",
            "WhatsApp's integrity systems are throttling this business's messages.",
        ),
    }
}
