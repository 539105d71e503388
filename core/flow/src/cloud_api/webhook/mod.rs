//! Webhooks in Meta's exact JSON, signed as Meta signs them.
//!
//! Every POST body is signed with `X-Hub-Signature-256: sha256=<hex>` where the
//! hex is `HMAC-SHA256(app secret, raw body bytes)`. The verification handshake
//! is a GET with `hub.mode=subscribe`, `hub.verify_token` and `hub.challenge`;
//! the receiver echoes the challenge with 200 when the token matches.
//!
//! - `payload.rs`: the updates a webhook carries and Meta's body for them;
//! - `meta_json.rs`: Meta's escaping (`\uXXXX`, `\/`), which the signature covers;
//! - `delivery.rs`: batching, attempts and the retry schedule.

pub mod delivery;
pub mod meta_json;
pub mod payload;

use crate::http::HttpRequest;
use crate::phone::PhoneNumber;
use cipherflow_protocol::crypto::kdf::hmac_sha256;

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// The business's webhook endpoint, as configured in the app dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Path of the callback URL, e.g. `/webhook`.
    pub path: String,
    /// The app secret the bodies are signed with.
    pub app_secret: String,
    /// The token the business chose for the verification handshake.
    pub verify_token: String,
}

/// The value of `X-Hub-Signature-256` for `body`.
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(app_secret.as_bytes(), body))
    )
}

/// Checks a received signature header in constant time.
pub fn verify_signature(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    let expected = hmac_sha256(app_secret.as_bytes(), body);
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Who the webhook is about: the business's number and WhatsApp Business Account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessIds {
    /// The WhatsApp Business Account id (`entry[].id`).
    pub waba_id: String,
    /// The display number (digits).
    pub display_phone_number: PhoneNumber,
    /// The phone number id used in Graph API paths.
    pub phone_number_id: String,
}

/// An outbound message's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Accepted by WhatsApp for delivery.
    Sent,
    /// On the consumer's device.
    Delivered,
    /// Read by the consumer.
    Read,
    /// Not delivered.
    Failed,
}

impl Status {
    /// The string Meta uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Read => "read",
            Status::Failed => "failed",
        }
    }
}

/// Why a message failed, as a status webhook's `errors[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusError {
    /// Meta's error code.
    pub code: u32,
    /// Its title.
    pub title: String,
    /// Its message.
    pub message: String,
    /// `error_data.details`.
    pub details: String,
}

/// The signed POST carrying `body` (written by [`payload::body`]): the
/// signature is over exactly these bytes, and `Content-Length` is their count.
pub fn signed_post(config: &WebhookConfig, body: Vec<u8>) -> HttpRequest {
    HttpRequest {
        method: "POST".to_owned(),
        path: config.path.clone(),
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Content-Length".to_owned(), body.len().to_string()),
            (
                SIGNATURE_HEADER.to_owned(),
                signature(&config.app_secret, &body),
            ),
        ],
        body,
    }
}

/// The verification GET the Cloud API sends when the webhook is configured.
pub fn verification_request(config: &WebhookConfig, challenge: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".to_owned(),
        path: format!(
            "{}{}hub.mode=subscribe&hub.challenge={}&hub.verify_token={}",
            config.path,
            // A callback URL may carry a query of its own.
            if config.path.contains('?') { '&' } else { '?' },
            challenge,
            percent_encode(&config.verify_token)
        ),
        headers: vec![],
        body: vec![],
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn signature_is_hmac_sha256_hex_of_the_raw_body() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        assert_eq!(
            signature("key", b"The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let good = signature("s3cret", body);
        assert!(verify_signature("s3cret", body, Some(&good)));
        assert!(!verify_signature("other", body, Some(&good)));
        assert!(!verify_signature("s3cret", b"{}", Some(&good)));
        assert!(!verify_signature("s3cret", body, None));
        assert!(!verify_signature("s3cret", body, Some("sha1=abc")));
        assert!(!verify_signature("s3cret", body, Some("sha256=zz")));
        assert!(!verify_signature(
            "s3cret",
            body,
            Some(&good[..good.len() - 2])
        ));
    }

    #[test]
    fn verification_request_round_trips_the_token() {
        let config = WebhookConfig {
            path: "/webhook".into(),
            app_secret: "s".into(),
            verify_token: "my token&=".into(),
        };
        let req = verification_request(&config, "1158201444");
        assert_eq!(req.query("hub.verify_token").as_deref(), Some("my token&="));
        assert_eq!(req.query("hub.mode").as_deref(), Some("subscribe"));
        assert_eq!(req.query("hub.challenge").as_deref(), Some("1158201444"));
    }
}
