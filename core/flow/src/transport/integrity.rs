//! Integrity without content: the transport watches metadata only (who sends to
//! how many, how fast, and spam reports) and acts per business.
//!
//! Every count is over a sliding window kept as a queue of (time, recipient), so
//! the cost per message is constant and memory is bounded by the window.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;

/// Thresholds for acting on a business.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntegrityPolicy {
    /// The sliding window, in ms.
    pub window_ms: u64,
    /// Messages per window above which the business is flagged.
    pub flag_messages: u64,
    /// Messages per window above which its sends are refused (throttled).
    pub throttle_messages: u64,
    /// Share of all registered users reached within the window above which the
    /// business is flagged ("a business messaging all users").
    pub flag_recipient_share: f64,
    /// Spam reports after which the business is blocked.
    pub block_spam_reports: u64,
}

impl Default for IntegrityPolicy {
    fn default() -> Self {
        Self {
            window_ms: 3_600_000,
            flag_messages: 1_000,
            throttle_messages: 5_000,
            flag_recipient_share: 0.5,
            block_spam_reports: 3,
        }
    }
}

/// The transport's current action on a business, in escalating order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrityAction {
    /// Nothing unusual.
    #[default]
    None,
    /// Marked for review; messages still flow.
    Flagged,
    /// Sends beyond the rate are refused.
    Throttled,
    /// Every send is refused.
    Blocked,
}

impl IntegrityAction {
    /// The action's name, as the trace writes it.
    pub fn name(self) -> &'static str {
        match self {
            IntegrityAction::None => "none",
            IntegrityAction::Flagged => "flagged",
            IntegrityAction::Throttled => "throttled",
            IntegrityAction::Blocked => "blocked",
        }
    }
}

/// What the monitor knows about one business: counts only, never content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BusinessSignals {
    /// Messages sent in the current window.
    pub messages_in_window: u64,
    /// Distinct recipients in the current window.
    pub recipients_in_window: u64,
    /// Spam reports received in total.
    pub spam_reports: u64,
    /// The current action.
    pub action: IntegrityAction,
    /// Why the action was taken.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Window {
    sends: VecDeque<(u64, PhoneNumber)>,
    recipients: crate::maps::SmallKeyMap<PhoneNumber, u64>,
}

/// The integrity monitor.
#[derive(Debug, Clone, Default)]
pub struct IntegrityMonitor {
    policy: IntegrityPolicy,
    windows: crate::maps::SortedMap<PhoneNumber, Window>,
    signals: crate::maps::SortedMap<PhoneNumber, BusinessSignals>,
}

impl IntegrityMonitor {
    /// A monitor with `policy`.
    pub fn new(policy: IntegrityPolicy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }

    /// Signals per business.
    pub fn signals(&self) -> &crate::maps::SortedMap<PhoneNumber, BusinessSignals> {
        &self.signals
    }

    /// The action in force for `business`.
    pub fn action(&self, business: &PhoneNumber) -> IntegrityAction {
        self.signals
            .get(business)
            .map_or(IntegrityAction::None, |s| s.action)
    }

    /// A business sends to `recipient` at `now`. Returns the action now in force
    /// and whether it changed; `Throttled` and `Blocked` mean "refuse this send".
    pub fn on_business_send(
        &mut self,
        business: &PhoneNumber,
        recipient: &PhoneNumber,
        now_ms: u64,
        registered_users: usize,
    ) -> (IntegrityAction, bool) {
        let window = self.windows.or_default(business.clone());
        while let Some((t, _)) = window.sends.front() {
            if now_ms.saturating_sub(*t) < self.policy.window_ms {
                break;
            }
            if let Some((_, r)) = window.sends.pop_front()
                && let Some(n) = window.recipients.get_mut(&r)
            {
                *n -= 1;
                if *n == 0 {
                    window.recipients.remove(&r);
                }
            }
        }
        window.sends.push_back((now_ms, recipient.clone()));
        *window.recipients.entry(recipient.clone()).or_default() += 1;
        let messages = window.sends.len() as u64;
        let recipients = window.recipients.len() as u64;
        let share = if registered_users == 0 {
            0.0
        } else {
            recipients as f64 / registered_users as f64
        };
        let signals = self.signals.or_default(business.clone());
        signals.messages_in_window = messages;
        signals.recipients_in_window = recipients;
        let (wanted, reason) = if messages > self.policy.throttle_messages {
            (
                IntegrityAction::Throttled,
                format!("{messages} messages within the window"),
            )
        } else if messages > self.policy.flag_messages {
            (
                IntegrityAction::Flagged,
                format!("{messages} messages within the window"),
            )
        } else if share > self.policy.flag_recipient_share && recipients > 1 {
            (
                IntegrityAction::Flagged,
                format!(
                    // An integer percentage: formatting the f64 would link core's
                    // float printing (about 4 KB of gzipped wasm) for this one text.
                    "messaged {recipients} of {registered_users} users ({}%) within the window",
                    {
                        let users = u64::try_from(registered_users).unwrap_or(u64::MAX).max(1);
                        (recipients.saturating_mul(100) + users / 2) / users
                    }
                ),
            )
        } else {
            (IntegrityAction::None, String::new())
        };
        escalate(signals, wanted, reason)
    }

    /// A consumer reports `business` as spam.
    #[must_use = "the action the report triggers must be carried out"]
    pub fn on_spam_report(&mut self, business: &PhoneNumber) -> (IntegrityAction, bool) {
        let signals = self.signals.or_default(business.clone());
        signals.spam_reports += 1;
        if signals.spam_reports >= self.policy.block_spam_reports {
            let reason = format!("{} spam reports", signals.spam_reports);
            escalate(signals, IntegrityAction::Blocked, reason)
        } else {
            (signals.action, false)
        }
    }
}

/// Actions only escalate (a review would lift them; not simulated).
fn escalate(
    signals: &mut BusinessSignals,
    wanted: IntegrityAction,
    reason: String,
) -> (IntegrityAction, bool) {
    if wanted > signals.action {
        signals.action = wanted;
        signals.reason = Some(reason);
        (wanted, true)
    } else {
        (signals.action, false)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn n(i: u64) -> PhoneNumber {
        PhoneNumber::parse(&format!("1555{i:07}")).unwrap()
    }

    #[test]
    fn messaging_most_users_flags_and_spam_reports_block() {
        let mut m = IntegrityMonitor::new(IntegrityPolicy::default());
        let biz = n(9_999_999);
        for i in 0..5 {
            assert_eq!(
                m.on_business_send(&biz, &n(i), 1000, 20).0,
                IntegrityAction::None
            );
        }
        let mut flagged = false;
        for i in 5..20 {
            let (a, changed) = m.on_business_send(&biz, &n(i), 1000, 20);
            if changed {
                assert_eq!(a, IntegrityAction::Flagged);
                flagged = true;
            }
        }
        assert!(flagged);
        assert!(
            m.signals()[&biz]
                .reason
                .as_deref()
                .unwrap()
                .contains("of 20 users")
        );
        assert_eq!(m.on_spam_report(&biz).0, IntegrityAction::Flagged);
        assert_eq!(m.on_spam_report(&biz).0, IntegrityAction::Flagged);
        assert_eq!(m.on_spam_report(&biz), (IntegrityAction::Blocked, true));
    }

    #[test]
    fn the_window_slides() {
        let policy = IntegrityPolicy {
            flag_messages: 3,
            flag_recipient_share: 2.0,
            ..IntegrityPolicy::default()
        };
        let mut m = IntegrityMonitor::new(policy);
        let biz = n(1);
        for t in 0..3 {
            m.on_business_send(&biz, &n(2), t, 100);
        }
        // Three in the window: fine. A fourth an hour later: the first three left.
        assert_eq!(
            m.on_business_send(&biz, &n(2), 3_600_010, 100).0,
            IntegrityAction::None
        );
        assert_eq!(m.signals()[&biz].messages_in_window, 1);
        for t in 0..3 {
            m.on_business_send(&biz, &n(2), 3_600_020 + t, 100);
        }
        assert_eq!(m.action(&biz), IntegrityAction::Flagged);
    }
}
