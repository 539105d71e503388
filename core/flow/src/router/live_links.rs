//! What a router over real sockets needs from this one: the same parties and
//! the same derivations, with three of the simulation's pieces handed to the
//! caller.
//!
//! - **A webhook endpoint outside the router.** A business whose callback URL
//!   is real ([`Simulation::connect_webhook`]) gets its webhook requests (the
//!   verification GET and the signed POSTs) queued for the caller instead of
//!   delivered to its in-process server: [`Simulation::poll_external_request`]
//!   takes them, and [`Simulation::external_answer`] brings back what the real
//!   endpoint answered (or the HTTP client's failure). The ledger records the
//!   business as holding what was handed over, as it does for an in-process
//!   delivery.
//! - **The clock.** [`Simulation::advance_to`] runs everything due up to a
//!   time the caller reads from its own clock, and
//!   [`Simulation::next_deadline`] says when to wake up next.
//! - **The seed.** [`Simulation::with_seed`] takes 32 bytes (from the
//!   operating system's generator), not a 64-bit test seed.
//!
//! Everything else (the parties, their rules, the trace, the ledger, the
//! proof) is the simulation's own code, unchanged.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::http::{HttpRequest, HttpResponse};
use crate::maps::SortedSet;
use crate::router::{SimConfig, SimError, Simulation};
use crate::wire::{Address, HttpFailure, Https, Message, PartyKind, Transmit};

/// A webhook request for an endpoint outside the router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRequest {
    /// The business it is for.
    pub phone_number_id: String,
    /// The Cloud API's exchange number, to give back with the answer.
    pub exchange: u64,
    /// The request: its path is the callback URL's path and query.
    pub request: HttpRequest,
}

/// The endpoints outside the router and what waits for them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExternalLinks {
    /// Businesses whose webhook endpoint is external, by phone number id.
    pub(crate) endpoints: SortedSet<String>,
    /// Requests for them the caller has not taken yet, oldest first.
    pub(crate) outgoing: std::collections::VecDeque<ExternalRequest>,
    /// Devices outside the router (phones over a WebSocket), by number.
    pub(crate) devices: SortedSet<crate::phone::PhoneNumber>,
    /// What the transport sent them that the caller has not taken yet.
    pub(crate) device_out:
        std::collections::VecDeque<(crate::phone::PhoneNumber, crate::wire::FromTransport)>,
    /// Envelopes handed to each device that it has not acknowledged yet.
    pub(crate) unacked:
        crate::maps::SortedMap<crate::phone::PhoneNumber, Vec<crate::wire::TransportEnvelope>>,
}

impl Simulation {
    /// A new world whose generator is seeded with 32 bytes (for a live
    /// server: from the operating system; the same bytes and the same
    /// commands give the same world, which is how a server replays its
    /// journal). `config.seed` is ignored.
    pub fn with_seed(config: SimConfig, seed: [u8; 32]) -> Result<Self, SimError> {
        Self::with_rng(config, ChaCha20Rng::from_seed(seed))
    }

    /// Points a business's webhook at an endpoint outside the router: from
    /// now on its webhook requests wait in [`Simulation::poll_external_request`].
    /// The Cloud API takes the callback URL's `path` (with its query) and
    /// `verify_token`, and verifies the endpoint with the handshake at once.
    pub fn connect_webhook(
        &mut self,
        phone_number_id: &str,
        path: &str,
        verify_token: &str,
    ) -> Result<(), SimError> {
        if self.cloud.number(phone_number_id).is_none() {
            return Err(SimError::UnknownBusiness(phone_number_id.to_owned()));
        }
        self.live.endpoints.insert(phone_number_id.to_owned());
        let now = self.now_ms;
        self.cloud
            .configure_webhook(now, phone_number_id, path, verify_token);
        self.settle_party(crate::router::schedule::PartyId::CloudApi);
        Ok(())
    }

    /// Whether a business's webhook endpoint is outside the router.
    pub fn webhook_is_external(&self, phone_number_id: &str) -> bool {
        self.live.endpoints.contains(phone_number_id)
    }

    /// The oldest webhook request for an external endpoint not taken yet.
    pub fn poll_external_request(&mut self) -> Option<ExternalRequest> {
        self.live.outgoing.pop_front()
    }

    /// What an external endpoint answered to `exchange`, or how the request
    /// failed. The Cloud API handles it as it handles any answer: a 200
    /// delivers, anything else is retried on its schedule, and an answer it
    /// is not waiting for is a `failure` event.
    pub fn external_answer(
        &mut self,
        phone_number_id: &str,
        exchange: u64,
        answer: Result<HttpResponse, HttpFailure>,
    ) {
        let message = match answer {
            Ok(response) => Https::Response { exchange, response },
            Err(failure) => Https::Failed { exchange, failure },
        };
        self.immediate.push_back(Transmit {
            from: Address::Business(phone_number_id.to_owned()),
            to: Address::CloudApi,
            message: Message::Https(message),
        });
        self.flush();
    }

    /// Runs everything due up to `at_ms` and moves the clock there (a time in
    /// the past changes nothing). Running up to `a` and then to `b` does
    /// exactly what running up to `b` does.
    pub fn advance_to(&mut self, at_ms: u64) {
        if at_ms > self.now_ms {
            self.advance(at_ms - self.now_ms);
        }
    }

    /// When the next delivery or deadline is due, if any.
    pub fn next_deadline(&mut self) -> Option<u64> {
        self.next_due()
    }

    /// A webhook request for an external endpoint: recorded as held by the
    /// business (what it carries is handed over the moment it is sent) and
    /// queued for the caller. Returns it back when the endpoint is not
    /// external.
    pub(crate) fn hand_out(&mut self, t: Transmit, pnid: &str, exchange: u64) -> Option<Transmit> {
        if self.live.endpoints.is_empty() || !self.live.endpoints.contains(pnid) {
            return Some(t);
        }
        self.record_carried(&t, PartyKind::Business, PartyKind::CloudApi);
        if let Message::Https(Https::Request { request, .. }) = t.message {
            self.live.outgoing.push_back(ExternalRequest {
                phone_number_id: pnid.to_owned(),
                exchange,
                request,
            });
        }
        None
    }
}
