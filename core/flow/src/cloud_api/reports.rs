//! What the Cloud API tells others: webhooks and statuses to the business,
//! statistics to WhatsApp and the rest of Meta, billable counts to Business
//! Manager; the retention purge; and the breaches, when switched on.

use crate::breach::Breach;
use crate::cloud_api::store::Direction;
use crate::cloud_api::webhook::{self, Status, StatusError};
use crate::cloud_api::{CloudApi, PendingExchange, REPORT_INTERVAL_MS, status};
use crate::http::{HttpRequest, HttpResponse};
use crate::phone::PhoneNumber;
use crate::trace::{EventKind, StatusLink};
use crate::wire::{Address, Https, Internal, Message, StatisticsReport};

impl CloudApi {
    /// Posts `request` to the business's webhook endpoint.
    pub(crate) fn post(
        &mut self,
        now_ms: u64,
        pnid: &str,
        request: HttpRequest,
        messages: Vec<String>,
        statuses: Vec<StatusLink>,
        challenge: Option<String>,
    ) {
        if challenge.is_none()
            && let Some(n) = self.numbers.get_mut(pnid)
        {
            n.statistics.webhooks += 1;
            self.statistics_changed(now_ms);
        }
        let exchange = self.next_exchange;
        self.next_exchange += 1;
        self.exchanges.insert(
            exchange,
            PendingExchange {
                phone_number_id: pnid.to_owned(),
                request: request.clone(),
                messages,
                statuses,
                challenge,
            },
        );
        self.out.send(
            Address::CloudApi,
            Address::Business(pnid.to_owned()),
            Message::Https(Https::Request { exchange, request }),
        );
    }

    /// The business answered a webhook.
    pub(crate) fn on_webhook_response(&mut self, exchange: u64, response: HttpResponse) {
        let Some(p) = self.exchanges.remove(&exchange) else {
            return self.out.event(EventKind::Failure {
                by: "cloud_api".to_owned(),
                what: format!("a webhook response for exchange {exchange}"),
                error: "no webhook with that exchange is waiting".to_owned(),
                code: None,
            });
        };
        if let Some(challenge) = &p.challenge
            && response.status == 200
            && response.body == challenge.as_bytes()
            && let Some(n) = self.numbers.get_mut(&p.phone_number_id)
        {
            n.webhook_verified = true;
        }
        self.out.event(EventKind::Webhook {
            phone_number_id: p.phone_number_id,
            exchange,
            request: p.request,
            response,
            messages: p.messages,
            statuses: p.statuses,
        });
    }

    /// Posts a status webhook.
    pub(crate) fn post_status(
        &mut self,
        now_ms: u64,
        pnid: &str,
        wamid: &str,
        status: Status,
        recipient: &PhoneNumber,
        error: Option<&StatusError>,
    ) {
        let Some(n) = self.numbers.get(pnid) else {
            return;
        };
        let payload = webhook::status(&n.ids, wamid, status, recipient, now_ms / 1000, error);
        let request = webhook::signed_post(&n.webhook, &payload);
        let link = StatusLink {
            wamid: wamid.to_owned(),
            status: status.as_str().to_owned(),
        };
        self.post(now_ms, pnid, request, Vec::new(), vec![link], None);
    }

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
        for (phone_number_id, messages) in std::mem::take(&mut self.billable) {
            self.out.send(
                Address::CloudApi,
                Address::BusinessManager,
                Message::Internal(Internal::Billable {
                    phone_number_id,
                    messages,
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
        self.out.event(EventKind::RetentionPurged {
            wamids: purged.into_iter().map(|m| m.wamid()).collect(),
            numbers_forgotten: forgotten.len(),
            undelivered: expiring,
        });
    }
}
