//! The Cloud API's side of webhooks: updates queued per business number,
//! grouped into POSTs by the [`WebhookPolicy`], each POST attempted until the
//! business answers 200, retried on Meta's schedule, dropped after seven
//! days or when its messages leave the store. Each attempt and its outcome is
//! in the trace (`webhook`, `webhook_failed`, `webhook_dropped`).

use crate::cloud_api::CloudApi;
use crate::cloud_api::store::{Direction, StoredMessage};
use crate::cloud_api::webhook::delivery::{
    Delivery, InFlight, RETRY_FOR_MS, WebhookPolicy, retry_delay,
};
use crate::cloud_api::webhook::payload::{self, Pricing, StatusUpdate, Update};
use crate::cloud_api::webhook::{self, Status, StatusError};
use crate::http::{HttpRequest, HttpResponse};
use crate::phone::PhoneNumber;
use crate::trace::{EventKind, StatusLink};
use crate::wire::{Address, HttpFailure, Https, Message};

/// The wamids of a delivery's messages, and its statuses.
fn links(updates: &[Update]) -> (Vec<String>, Vec<StatusLink>) {
    let mut messages = Vec::new();
    let mut statuses = Vec::new();
    for u in updates {
        match u {
            Update::Message(m) => messages.push(m.wamid.clone()),
            Update::Status(s) => statuses.push(StatusLink {
                wamid: s.wamid.clone(),
                status: s.status.as_str().to_owned(),
            }),
            Update::Template(_) => {}
        }
    }
    (messages, statuses)
}

impl CloudApi {
    /// How updates are grouped into POSTs.
    pub fn webhook_policy(&self) -> WebhookPolicy {
        self.webhook_policy
    }

    /// Webhook POSTs failed and waiting for their next attempt.
    pub fn webhooks_retrying(&self) -> usize {
        self.deliveries.retrying.len()
    }

    /// A message or status is due to the business: into its number's batch,
    /// posted when the batch is full or its window closes.
    pub(crate) fn queue_update(&mut self, now_ms: u64, pnid: &str, update: Update) {
        let policy = if matches!(update, Update::Template(_)) {
            WebhookPolicy::default()
        } else {
            self.webhook_policy
        };
        if let Some(batch) = self.deliveries.add(now_ms, policy, pnid, update) {
            self.attempt(
                now_ms,
                Delivery {
                    phone_number_id: pnid.to_owned(),
                    updates: batch,
                    first_attempt_ms: now_ms,
                    attempts: 0,
                },
            );
        }
    }

    /// Queues the status of an outbound message, with what Meta puts
    /// beside it: the send's `biz_opaque_callback_data`, and the pricing on
    /// `sent` and on the first of `delivered` and `read` (`with_pricing`).
    pub(crate) fn post_status(
        &mut self,
        now_ms: u64,
        wamid: &str,
        status: Status,
        with_pricing: bool,
        error: Option<StatusError>,
    ) {
        let Some(m) = self.store.get(wamid) else {
            return;
        };
        let pnid = self.store.phone_number_id(m).to_owned();
        let update = status_update(m, wamid, status, now_ms, with_pricing, error);
        self.queue_update(now_ms, &pnid, Update::Status(update));
    }

    /// The status of a message that never made it into the store.
    pub(crate) fn post_unstored_status(
        &mut self,
        now_ms: u64,
        pnid: &str,
        wamid: &str,
        recipient: &PhoneNumber,
        error: StatusError,
    ) {
        let update = StatusUpdate {
            wamid: wamid.to_owned(),
            status: Status::Failed,
            timestamp_s: now_ms / 1000,
            recipient: recipient.clone(),
            callback_data: None,
            pricing: None,
            error: Some(error),
        };
        self.queue_update(now_ms, pnid, Update::Status(update));
    }

    /// Posts every open batch (their window closed).
    pub(crate) fn flush_batches(&mut self, now_ms: u64) {
        self.deliveries.flush_at = None;
        for (pnid, updates) in std::mem::take(&mut self.deliveries.batching) {
            self.attempt(
                now_ms,
                Delivery {
                    phone_number_id: pnid,
                    updates,
                    first_attempt_ms: now_ms,
                    attempts: 0,
                },
            );
        }
    }

    /// Attempts the retries that are due.
    pub(crate) fn retry_webhooks(&mut self, now_ms: u64) {
        for delivery in self.deliveries.due_retries(now_ms) {
            self.attempt(now_ms, delivery);
        }
    }

    /// One attempt: the body written and signed afresh from the updates
    /// (the same bytes each time), and sent.
    fn attempt(&mut self, now_ms: u64, mut delivery: Delivery) {
        let Some(n) = self.numbers.get_mut(&delivery.phone_number_id) else {
            return;
        };
        n.statistics.webhooks += 1;
        let request = webhook::signed_post(&n.webhook, payload::body(&n.ids, &delivery.updates));
        delivery.attempts += 1;
        let to = Address::Business(delivery.phone_number_id.clone());
        self.statistics_changed(now_ms);
        self.send_request(to, request, |request| InFlight::Post { delivery, request });
    }

    /// The verification handshake: a GET the business must answer with the
    /// challenge. Not retried: Meta's dashboard reports a failed handshake.
    pub(crate) fn verify_webhook(&mut self, now_ms: u64, pnid: &str) {
        let Some(n) = self.numbers.get(pnid) else {
            return;
        };
        let challenge = (now_ms % 1_000_000_007).to_string();
        let request = webhook::verification_request(&n.webhook, &challenge);
        let phone_number_id = pnid.to_owned();
        self.send_request(Address::Business(pnid.to_owned()), request, |request| {
            InFlight::Handshake {
                phone_number_id,
                challenge,
                request,
            }
        });
    }

    fn send_request(
        &mut self,
        to: Address,
        request: HttpRequest,
        flight: impl FnOnce(HttpRequest) -> InFlight,
    ) {
        let exchange = self.deliveries.exchange();
        self.out.send(
            Address::CloudApi,
            to,
            Message::Https(Https::Request {
                exchange,
                request: request.clone(),
            }),
        );
        self.deliveries.in_flight.insert(exchange, flight(request));
    }

    /// The business answered a webhook request, or it could not be reached.
    pub(crate) fn on_webhook_answer(
        &mut self,
        now_ms: u64,
        exchange: u64,
        answer: Result<HttpResponse, HttpFailure>,
    ) {
        let Some(flight) = self.deliveries.in_flight.remove(&exchange) else {
            return self.out.event(EventKind::Failure {
                by: "cloud_api".to_owned(),
                what: format!("a webhook answer for exchange {exchange}"),
                error: "no webhook request with that exchange is waiting".to_owned(),
                code: None,
            });
        };
        match flight {
            InFlight::Handshake {
                phone_number_id,
                challenge,
                request,
            } => {
                let verified =
                    matches!(&answer, Ok(r) if r.status == 200 && r.body == challenge.as_bytes());
                if let Some(n) = self.numbers.get_mut(&phone_number_id)
                    && verified
                {
                    n.webhook_verified = true;
                }
                match answer {
                    Ok(response) => self.out.event(EventKind::Webhook {
                        phone_number_id,
                        exchange,
                        request,
                        response,
                        messages: Vec::new(),
                        statuses: Vec::new(),
                        attempt: 1,
                    }),
                    Err(failure) => self.out.event(EventKind::WebhookFailed {
                        phone_number_id,
                        exchange,
                        request,
                        response: None,
                        error: failure.as_str().to_owned(),
                        attempt: 1,
                        retry_at_ms: None,
                    }),
                }
            }
            InFlight::Post { delivery, request } => {
                self.on_post_answer(now_ms, exchange, delivery, request, answer);
            }
        }
    }

    fn on_post_answer(
        &mut self,
        now_ms: u64,
        exchange: u64,
        delivery: Delivery,
        request: HttpRequest,
        answer: Result<HttpResponse, HttpFailure>,
    ) {
        let (messages, statuses) = links(&delivery.updates);
        let (response, error) = match answer {
            // "A status code other than 200" is a failure.
            Ok(response) if response.status == 200 => {
                return self.out.event(EventKind::Webhook {
                    phone_number_id: delivery.phone_number_id,
                    exchange,
                    request,
                    response,
                    messages,
                    statuses,
                    attempt: delivery.attempts,
                });
            }
            Ok(response) => {
                let error = format!("HTTP {}", u64::from(response.status));
                (Some(response), error)
            }
            Err(failure) => (None, failure.as_str().to_owned()),
        };
        let retry_at = now_ms.saturating_add(retry_delay(delivery.attempts));
        let gives_up = retry_at > delivery.first_attempt_ms.saturating_add(RETRY_FOR_MS);
        self.out.event(EventKind::WebhookFailed {
            phone_number_id: delivery.phone_number_id.clone(),
            exchange,
            request,
            response,
            error,
            attempt: delivery.attempts,
            retry_at_ms: (!gives_up).then_some(retry_at),
        });
        if gives_up {
            self.out.event(EventKind::WebhookDropped {
                phone_number_id: delivery.phone_number_id,
                messages,
                statuses,
                reason: "retried for 7 days without a 200 answer".to_owned(),
            });
            return;
        }
        self.deliveries
            .retrying
            .push((retry_at, exchange, delivery));
    }

    /// Messages left the store: webhooks still waiting to be retried lose
    /// the updates about them (the trace names each), and a webhook left
    /// with none is dropped.
    pub(crate) fn drop_purged_updates(&mut self, purged: &[String]) {
        if self.deliveries.retrying.is_empty() {
            return;
        }
        let mut dropped = Vec::new();
        self.deliveries.retrying.retain_mut(|(_, _, d)| {
            let (stale, kept): (Vec<Update>, Vec<Update>) = std::mem::take(&mut d.updates)
                .into_iter()
                .partition(|u| purged.iter().any(|p| p == u.wamid()));
            d.updates = kept;
            if !stale.is_empty() {
                dropped.push((d.phone_number_id.clone(), stale));
            }
            !d.updates.is_empty()
        });
        for (phone_number_id, stale) in dropped {
            let (messages, statuses) = links(&stale);
            self.out.event(EventKind::WebhookDropped {
                phone_number_id,
                messages,
                statuses,
                reason: "its message passed the retention period".to_owned(),
            });
        }
    }
}

fn status_update(
    m: &StoredMessage,
    wamid: &str,
    status: Status,
    now_ms: u64,
    with_pricing: bool,
    error: Option<StatusError>,
) -> StatusUpdate {
    let pricing: Option<Pricing> =
        (with_pricing && m.direction == Direction::Outbound).then_some(m.pricing);
    StatusUpdate {
        wamid: wamid.to_owned(),
        status,
        timestamp_s: now_ms / 1000,
        recipient: m.consumer.clone(),
        // Meta: "it just returns it as part of sent/delivered/read message webhooks".
        callback_data: (status != Status::Failed)
            .then(|| m.callback_data().map(str::to_owned))
            .flatten(),
        pricing,
        error,
    }
}
