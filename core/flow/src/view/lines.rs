//! Trace events as the sentences a pane lists: faults and what recipients
//! did with what they got.

use serde::Serialize;

use crate::trace::{EventKind, TraceEvent};

/// One line of a pane's list.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// The event's position in the trace.
    pub seq: u64,
    /// When, virtual ms.
    pub at_ms: u64,
    /// What happened.
    pub text: String,
}

/// The sentence for a fault or a verdict, `None` for any other event.
pub(crate) fn verdict(event: &TraceEvent) -> Option<Line> {
    let text = match &event.kind {
        EventKind::TransportFault {
            envelope_id, fault, ..
        } => format!("#{envelope_id}: network fault {}", fault.name()),
        EventKind::Rejected {
            by,
            envelope_id,
            error,
            tampered,
            ..
        } => format!(
            "#{envelope_id}: rejected by {by}{}: {error}",
            if *tampered { " (tampered)" } else { "" }
        ),
        EventKind::DuplicateIgnored {
            by, envelope_id, ..
        } => {
            format!("#{envelope_id}: duplicate ignored by {by}")
        }
        EventKind::RetryRequested {
            by, envelope_id, ..
        } => {
            format!("#{envelope_id}: {by} asked for a new session (retry request)")
        }
        EventKind::RetryDeferred {
            by, envelope_id, ..
        } => {
            format!("#{envelope_id}: {by} holds off rebuilding the session (rebuilds back off)")
        }
        EventKind::Retransmitted {
            by,
            envelope_id,
            attempt,
        } => format!("#{envelope_id}: retransmitted by {by} (attempt {attempt})"),
        EventKind::TransportRefused {
            envelope_id,
            business,
            action,
        } => format!(
            "#{envelope_id}: refused from {business} (integrity action: {})",
            action.name()
        ),
        EventKind::Failure {
            by, what, error, ..
        } => format!("{by}: {what}: {error}"),
        _ => return None,
    };
    Some(Line {
        seq: event.seq,
        at_ms: event.at_ms,
        text,
    })
}
