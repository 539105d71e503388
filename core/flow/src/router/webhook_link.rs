//! The HTTPS link from the Cloud API to the businesses' webhook endpoints,
//! and its fault model: an endpoint switched off refuses connections; a
//! POST can get a 503 from the endpoint's front, be answered after the Cloud
//! API's timeout (the application did process it), arrive twice, or be held
//! back so later ones overtake it. Drawn from the router's seeded RNG; a
//! fault at probability 0 draws nothing. Everything else over HTTPS is
//! delivered at once and reliably.

use rand_chacha::ChaCha20Rng;
use rand_core::Rng;

use crate::faults::{WebhookFault, WebhookFaultConfig};
use crate::http::HttpResponse;
use crate::maps::SortedSet;
use crate::router::Simulation;
use crate::router::schedule::Due;
use crate::trace::EventKind;
use crate::wire::{Address, HttpFailure, Https, Message, PartyKind, Transmit};

/// How long the Cloud API waits for a webhook's answer before counting the
/// attempt failed. Meta documents no figure; 20 s is what its dashboard's
/// test tool is commonly reported to allow.
pub const WEBHOOK_TIMEOUT_MS: u64 = 20_000;
/// The extra delay of a held-back POST: base plus up to this much jitter, ms.
pub const WEBHOOK_REORDER_DELAY_MS: (u64, u64) = (1_000, 4_000);

/// The link's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct WebhookLink {
    pub(crate) faults: WebhookFaultConfig,
    /// Endpoints switched off, by phone number id.
    pub(crate) down: SortedSet<String>,
    /// Answers that never reach the Cloud API, by (phone number id,
    /// exchange): the late answer of a timed-out POST, and one answer of a
    /// duplicated one.
    pub(crate) swallow: SortedSet<(String, u64)>,
}

fn chance(rng: &mut ChaCha20Rng, p: f64) -> bool {
    p > 0.0 && ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
}

impl Simulation {
    /// A request from the Cloud API to a business's endpoint.
    pub(crate) fn webhook_request(&mut self, t: Transmit, pnid: String, exchange: u64) {
        let answer = |message: Https| Transmit {
            from: t.to.clone(),
            to: Address::CloudApi,
            message: Message::Https(message),
        };
        let fault = |fault| EventKind::WebhookFault {
            phone_number_id: pnid.clone(),
            exchange,
            fault,
        };
        if self.webhooks.down.contains(&pnid) || !self.businesses.contains_key(&pnid) {
            self.record(PartyKind::External, fault(WebhookFault::Down));
            let refused = answer(Https::Failed {
                exchange,
                failure: HttpFailure::Refused,
            });
            return self.immediate.push_back(refused);
        }
        let f = self.webhooks.faults;
        if chance(&mut self.rng, f.fail) {
            self.record(PartyKind::External, fault(WebhookFault::Fail));
            let response = HttpResponse::text(503, "Service Unavailable");
            return self
                .immediate
                .push_back(answer(Https::Response { exchange, response }));
        }
        if chance(&mut self.rng, f.timeout) {
            self.record(PartyKind::External, fault(WebhookFault::Timeout));
            self.webhooks.swallow.insert((pnid.clone(), exchange));
            let timed_out = answer(Https::Failed {
                exchange,
                failure: HttpFailure::TimedOut,
            });
            let at = self.now_ms.saturating_add(WEBHOOK_TIMEOUT_MS);
            self.schedule(at, Due::Transmit(Box::new(timed_out)));
            return self.immediate.push_back(t);
        }
        let copies = if chance(&mut self.rng, f.duplicate) {
            self.record(PartyKind::External, fault(WebhookFault::Duplicate));
            self.webhooks.swallow.insert((pnid.clone(), exchange));
            2
        } else {
            1
        };
        for _ in 0..copies {
            if chance(&mut self.rng, f.reorder) {
                self.record(PartyKind::External, fault(WebhookFault::Reorder));
                let (base, spread) = WEBHOOK_REORDER_DELAY_MS;
                let delay = base + self.rng.next_u64() % spread;
                let at = self.now_ms.saturating_add(delay);
                self.schedule(at, Due::Transmit(Box::new(t.clone())));
            } else {
                self.immediate.push_back(t.clone());
            }
        }
    }

    /// Whether an endpoint's answer is one the Cloud API must not see.
    pub(crate) fn swallowed(&mut self, pnid: &str, exchange: u64) -> bool {
        !self.webhooks.swallow.is_empty()
            && self.webhooks.swallow.remove(&(pnid.to_owned(), exchange))
    }
}
