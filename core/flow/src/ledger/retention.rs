//! The retention check: does anything outlive the retention period? Read from
//! what the Cloud API stores and what the transport queues, at the current
//! time.

use serde::{Deserialize, Serialize};

use crate::cloud_api::CloudApi;
use crate::transport::Transport;

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionReport {
    /// The retention period, in days.
    pub retention_days: u32,
    /// Messages the Cloud API holds.
    pub stored: u64,
    /// Of those, how many are past their retention (should have been purged).
    pub overdue: u64,
    /// When the oldest held message was stored.
    pub oldest_stored_at_ms: Option<u64>,
    /// Envelopes the transport queues.
    pub queued: u64,
    /// Of those, how many were first sent longer ago than the retention period.
    pub queued_overdue: u64,
    /// Holds when nothing is overdue.
    pub holds: bool,
}

/// Checks the Cloud API's store and the transport's queues at `now_ms`.
pub fn check(cloud: &CloudApi, transport: &Transport, now_ms: u64) -> RetentionReport {
    let retention = cloud.retention();
    let store = cloud.store();
    let overdue = store.overdue(now_ms) as u64;
    let oldest = now_ms.saturating_sub(retention.in_ms());
    let queued_overdue = transport
        .queues()
        .iter()
        .flat_map(|(_, q)| q)
        .filter(|e| e.sent_at_ms <= oldest)
        .count() as u64;
    RetentionReport {
        retention_days: retention.in_days(),
        stored: store.len() as u64,
        overdue,
        oldest_stored_at_ms: store.oldest_stored_at(),
        queued: transport.queues().len() as u64,
        queued_overdue,
        holds: overdue == 0 && queued_overdue == 0,
    }
}
