//! What the operator asks for at start: a configuration file (`--config
//! FILE`, JSON) and flags. It is declarative: on every start, a business or
//! consumer it names and the world lacks is created, and a webhook it names
//! is pointed where it says. What the world already has is kept.
//!
//! ```json
//! {
//!   "retention_days": 30,
//!   "businesses": [{
//!     "number": "+1 555 078 3881", "name": "Demo Shop",
//!     "access_token": "EAAG-my-test-token", "app_secret": "my-app-secret",
//!     "webhook": { "url": "http://127.0.0.1:3000/webhook", "verify_token": "my-verify-token" }
//!   }],
//!   "consumers": [{ "number": "+1 650 555 0101", "name": "Ana" }],
//!   "integrity": { "window_ms": 60000, "flag_messages": 30, "throttle_messages": 60 }
//! }
//! ```
//!
//! `retention_days` and `integrity` are the world's settings: they take
//! effect when the world is created (the first start on a data directory).

use cipherflow_flow::transport::integrity::IntegrityPolicy;
use cipherflow_flow::{BusinessCredentials, SimConfig};
use serde::Deserialize;

/// A business to create.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessSeed {
    /// Its number.
    pub number: String,
    /// Its name.
    pub name: String,
    /// A fixed Graph API token (else one is drawn).
    #[serde(default)]
    pub access_token: Option<String>,
    /// A fixed app secret (else one is drawn).
    #[serde(default)]
    pub app_secret: Option<String>,
    /// Its callback URL.
    #[serde(default)]
    pub webhook: Option<WebhookSeed>,
}

impl BusinessSeed {
    /// The credentials it fixes.
    pub fn credentials(&self) -> BusinessCredentials {
        BusinessCredentials {
            access_token: self.access_token.clone(),
            app_secret: self.app_secret.clone(),
            verify_token: self.webhook.as_ref().map(|w| w.verify_token.clone()),
        }
    }
}

/// A callback URL and its verify token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSeed {
    /// `http://host:port/path`.
    pub url: String,
    /// What the handshake sends as `hub.verify_token`.
    pub verify_token: String,
}

/// A consumer to create.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSeed {
    /// Its number.
    pub number: String,
    /// Its name.
    pub name: String,
}

fn thirty() -> u32 {
    30
}

/// The configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Cloud API retention, 1 to 30 days (fixed when the world is created).
    #[serde(default = "thirty")]
    pub retention_days: u32,
    /// Businesses.
    #[serde(default)]
    pub businesses: Vec<BusinessSeed>,
    /// Consumers.
    #[serde(default)]
    pub consumers: Vec<ConsumerSeed>,
    /// The transport's integrity thresholds (Meta-like defaults when absent;
    /// `--workshop` lowers them to [`WORKSHOP_INTEGRITY`]). A field it does
    /// not know is an error, not a threshold silently left at its default.
    #[serde(default, deserialize_with = "integrity_seed")]
    pub integrity: Option<IntegrityPolicy>,
}

/// `"integrity"` as written: every field optional (the default stands in),
/// none unknown.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntegritySeed {
    window_ms: Option<u64>,
    flag_messages: Option<u64>,
    throttle_messages: Option<u64>,
    flag_recipient_share: Option<f64>,
    block_spam_reports: Option<u64>,
}

fn integrity_seed<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<IntegrityPolicy>, D::Error> {
    let Some(seed) = Option::<IntegritySeed>::deserialize(d)? else {
        return Ok(None);
    };
    let base = IntegrityPolicy::default();
    let policy = IntegrityPolicy {
        window_ms: seed.window_ms.unwrap_or(base.window_ms),
        flag_messages: seed.flag_messages.unwrap_or(base.flag_messages),
        throttle_messages: seed.throttle_messages.unwrap_or(base.throttle_messages),
        flag_recipient_share: seed
            .flag_recipient_share
            .unwrap_or(base.flag_recipient_share),
        block_spam_reports: seed.block_spam_reports.unwrap_or(base.block_spam_reports),
    };
    if policy.window_ms == 0 || policy.throttle_messages < policy.flag_messages {
        return Err(serde::de::Error::custom(
            "integrity: window_ms must be above 0, and throttle_messages at least flag_messages",
        ));
    }
    Ok(Some(policy))
}

/// The integrity thresholds of a workshop: a room of phones and one
/// instructor. Typing replies stays far below 30 sends a minute; the
/// projector's blast goes past 60 and is throttled.
pub const WORKSHOP_INTEGRITY: IntegrityPolicy = IntegrityPolicy {
    window_ms: 60_000,
    flag_messages: 30,
    throttle_messages: 60,
    flag_recipient_share: 0.5,
    block_spam_reports: 3,
};

impl Default for Settings {
    /// One business, "Demo Shop" on +1 555 078 3881, with drawn credentials.
    fn default() -> Self {
        Self {
            retention_days: 30,
            businesses: vec![BusinessSeed {
                number: "+1 555 078 3881".to_owned(),
                name: "Demo Shop".to_owned(),
                access_token: None,
                app_secret: None,
                webhook: None,
            }],
            consumers: Vec::new(),
            integrity: None,
        }
    }
}

impl Settings {
    /// Parses a configuration file's text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The world's settings, for a world created at `now_ms`.
    pub fn sim_config(&self, now_ms: u64) -> SimConfig {
        SimConfig {
            retention_days: self.retention_days,
            integrity: self.integrity.unwrap_or_default(),
            start_ms: now_ms,
            ..SimConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn integrity_thresholds_are_read_whole_or_refused() {
        let s = Settings::from_json(r#"{"integrity": {"throttle_messages": 7000}}"#).unwrap();
        let p = s.integrity.unwrap();
        assert_eq!(p.throttle_messages, 7000);
        assert_eq!(p.flag_messages, IntegrityPolicy::default().flag_messages);
        assert_eq!(Settings::from_json("{}").unwrap().integrity, None);
        for bad in [
            r#"{"integrity": {"throttle": 10}}"#,
            r#"{"integrity": {"window_ms": 0}}"#,
            r#"{"integrity": {"flag_messages": 50, "throttle_messages": 10}}"#,
            r#"{"integrity": {"window_ms": -1}}"#,
        ] {
            assert!(Settings::from_json(bad).is_err(), "{bad}");
        }
    }
}
