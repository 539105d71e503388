//! How long the Cloud API keeps messages: at most 30 days.

use serde::{Deserialize, Serialize};

/// The longest the Cloud API keeps a message.
pub const MAX_RETENTION_DAYS: u32 = 30;
/// One day in ms.
pub const DAY_MS: u64 = 86_400_000;

/// How long messages are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    days: u32,
}

/// A retention longer than 30 days (or zero) was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("retention must be 1 to {MAX_RETENTION_DAYS} days, got {0}")]
pub struct RetentionError(pub u32);

impl RetentionPolicy {
    /// `days` between 1 and 30.
    pub fn days(days: u32) -> Result<Self, RetentionError> {
        if (1..=MAX_RETENTION_DAYS).contains(&days) {
            Ok(Self { days })
        } else {
            Err(RetentionError(days))
        }
    }

    /// The retention in days.
    pub fn in_days(self) -> u32 {
        self.days
    }

    /// The retention in ms.
    pub fn in_ms(self) -> u64 {
        u64::from(self.days) * DAY_MS
    }
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            days: MAX_RETENTION_DAYS,
        }
    }
}
