//! What the Cloud API tells others besides webhooks: statistics to WhatsApp and the rest of Meta, billable counts to Business
//! Manager; the retention purge; and the breaches, when switched on.

use crate::breach::Breach;
use crate::cloud_api::store::Direction;
use crate::cloud_api::{CloudApi, REPORT_INTERVAL_MS, status};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::{Address, Internal, Message, StatisticsReport};

impl CloudApi {
    /// Counts changed: a report goes out within [`REPORT_INTERVAL_MS`].
    pub(crate) fn statistics_changed(&mut self, now_ms: u64) {
        if self.report_at.is_none() {
            self.report_at = Some(now_ms.saturating_add(REPORT_INTERVAL_MS));
        }
    }

    /// Statistics to WhatsApp and the rest of Meta; billable counts to
    /// Business Manager.
    pub(crate) fn report(&mut self) {
        self.report_at = None;
        let report = StatisticsReport {
            per_number: self
                .numbers
                .iter()
                .map(|(pnid, n)| (pnid.clone(), n.statistics.clone()))
                .collect(),
        };
        for to in [Address::Transport, Address::RestOfMeta] {
            self.out.send(
                Address::CloudApi,
                to,
                Message::Internal(Internal::Statistics(report.clone())),
            );
        }
        for (phone_number_id, (messages, free)) in std::mem::take(&mut self.billable) {
            self.out.send(
                Address::CloudApi,
                Address::BusinessManager,
                Message::Internal(Internal::Billable {
                    phone_number_id,
                    messages,
                    free,
                }),
            );
        }
    }

    /// What the breaches make the Cloud API do with a message it holds.
    pub(crate) fn breach_copies(&mut self, consumer: &PhoneNumber, text: &str) {
        let copies = [
            (
                Breach::ContentToRestOfMeta,
                Address::RestOfMeta,
                Internal::ContentCopy {
                    text: text.to_owned(),
                },
            ),
            (
                Breach::PlaintextToTransport,
                Address::Transport,
                Internal::PlaintextCopy {
                    text: text.to_owned(),
                },
            ),
            (
                Breach::ConsumerNumbersToRestOfMeta,
                Address::RestOfMeta,
                Internal::ConsumerNumbers {
                    numbers: vec![consumer.clone()],
                },
            ),
        ];
        for (breach, to, message) in copies {
            if self.breaches.on(breach) {
                self.out
                    .send(Address::CloudApi, to, Message::Internal(message));
            }
        }
    }

    /// Purges what has expired; undelivered outbound messages get a `failed`
    /// status, and consumer numbers held only because of purged messages are
    /// forgotten, with their sessions.
    pub(crate) fn purge(&mut self, now_ms: u64) {
        let expiring: Vec<String> = self
            .store
            .iter()
            .take_while(|m| m.expires_at_ms <= now_ms)
            .filter(|m| m.direction == Direction::Outbound && m.pending.is_some())
            .map(|m| m.wamid())
            .collect();
        // Still pending: not delivered, and not already reported failed.
        for wamid in &expiring {
            self.fail(now_ms, wamid, status::expired());
        }
        let (purged, forgotten) = self.store.purge(now_ms);
        if purged.is_empty() {
            return;
        }
        for (pnid, number) in &forgotten {
            if let Some(n) = self.numbers.get_mut(pnid) {
                n.contacts.remove(number);
            }
        }
        let wamids: Vec<String> = purged.into_iter().map(|m| m.wamid()).collect();
        self.drop_purged_updates(&wamids);
        self.out.event(EventKind::RetentionPurged {
            wamids,
            numbers_forgotten: forgotten.len(),
            undelivered: expiring,
        });
    }
}
