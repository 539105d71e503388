//! The Cloud API, operated by Meta on the business's behalf. For each business
//! number it hosts it holds the number's Signal identity and prekeys, decrypts
//! inbound messages, keeps them at most 30 days for retransmission, forwards
//! them to the business's webhook, and encrypts the business's replies.
//!
//! **It decrypts.** The Signal session runs between the consumer's phone and
//! here; the business's server gets plaintext over HTTPS. So the path to the
//! business is encrypted up to the Cloud API, a processor Meta runs for the
//! business, and not end-to-end to the business's own server.
//!
//! Its links: to the transport as the device of every hosted number
//! ([`ToTransport`]/[`FromTransport`]); HTTPS both ways with each business
//! (the Graph API in, webhooks out); and Meta's internal reports
//! (statistics to WhatsApp and the rest of Meta, billable counts to Business
//! Manager).
//!
//! - `graph.rs`: the Graph API requests it answers;
//! - `outbound.rs`: encrypting, submitting and retransmitting business messages;
//! - `inbound.rs`: decrypting consumers' messages, receipts, retry requests;
//! - `webhooks.rs`: webhooks to the business, batched, retried, dropped;
//! - `reports.rs`: statistics, billing, retention, and the breaches;
//! - `window.rs`: the 24-hour customer service window; `limits.rs`: the
//!   throughput and pair rate limits;
//! - `templates.rs`: the template registry; `template_ops.rs`: its requests,
//!   its review, and template sends;
//! - `store.rs`: the message store and retention; `number.rs`: a hosted number.

mod graph;
pub mod graph_api;
mod inbound;
pub mod limits;
mod number;
mod outbound;
mod reports;
pub mod status;
pub mod store;
mod template_ops;
pub mod templates;
pub mod webhook;
mod webhooks;
pub mod window;

use cipherflow_protocol::Account;
use rand_core::CryptoRng;

pub use number::{HostedNumber, Statistics};
use store::{MessageStore, RetentionPolicy};
use webhook::delivery::{Deliveries, WebhookPolicy};
use webhook::{BusinessIds, WebhookConfig};

use crate::breach::{Breach, Breaches};
use crate::device::top_up_prekeys;
use crate::party::{Outbox, Party, unexpected};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::{
    AccountKind, Address, FromTransport, Https, Message, PublishedKeys, ToTransport,
};

/// One-time prekeys a business number publishes at a time.
pub const BUSINESS_ONE_TIME_PREKEYS: usize = 100;
/// How often the Cloud API reports statistics and billable counts, when it
/// has something new to report.
pub const REPORT_INTERVAL_MS: u64 = 60_000;

/// What the business (or its provider) configures when a number is hosted.
#[derive(Debug, Clone)]
pub struct HostingConfig {
    /// The number's ids.
    pub ids: BusinessIds,
    /// The business's name.
    pub name: String,
    /// The bearer token the Cloud API will accept.
    pub access_token: String,
    /// The webhook endpoint.
    pub webhook: WebhookConfig,
}

/// The Cloud API.
#[derive(Debug, Clone)]
pub struct CloudApi {
    pub(crate) retention: RetentionPolicy,
    pub(crate) breaches: Breaches,
    pub(crate) numbers: crate::maps::SortedMap<String, HostedNumber>,
    pub(crate) by_phone: crate::maps::SortedMap<PhoneNumber, String>,
    pub(crate) store: MessageStore,
    /// Retransmission deadlines of pending outbound messages, with their
    /// sequence numbers in the store.
    pub(crate) retransmits: crate::maps::SortedSet<(u64, u64)>,
    /// When the next statistics and billing report is due, if one is.
    pub(crate) report_at: Option<u64>,
    /// Messages accepted for delivery and not reported to Business Manager
    /// yet, by phone number id: (billable, free).
    pub(crate) billable: Vec<(String, (u64, u64))>,
    /// Keys the deterministic `fbtrace_id` of error responses.
    pub(crate) fbtrace_key: [u8; 32],
    /// How webhook updates are grouped into POSTs.
    pub(crate) webhook_policy: WebhookPolicy,
    /// Webhooks batching, waiting for an answer, or waiting to be retried.
    pub(crate) deliveries: Deliveries,
    /// Message templates, per WhatsApp Business Account.
    pub(crate) templates: templates::TemplateRegistry,
    pub(crate) out: Outbox,
}

impl CloudApi {
    /// A Cloud API with `retention`.
    pub fn new<R: CryptoRng>(rng: &mut R, retention: RetentionPolicy) -> Self {
        let mut fbtrace_key = [0u8; 32];
        rng.fill_bytes(&mut fbtrace_key);
        let mut store_key = [0u8; 32];
        rng.fill_bytes(&mut store_key);
        Self {
            retention,
            breaches: Breaches::default(),
            numbers: Default::default(),
            by_phone: Default::default(),
            store: MessageStore::new(store_key),
            retransmits: Default::default(),
            report_at: None,
            billable: Vec::new(),
            fbtrace_key,
            webhook_policy: WebhookPolicy::default(),
            deliveries: Deliveries::default(),
            templates: templates::TemplateRegistry::default(),
            out: Outbox::default(),
        }
    }

    /// A hosted number by phone number id.
    pub fn number(&self, phone_number_id: &str) -> Option<&HostedNumber> {
        self.numbers.get(phone_number_id)
    }

    /// Every hosted number.
    pub fn numbers(&self) -> impl Iterator<Item = &HostedNumber> {
        self.numbers.values()
    }

    /// The phone number id hosting `phone`.
    pub fn id_for_phone(&self, phone: &PhoneNumber) -> Option<&str> {
        self.by_phone.get(phone).map(String::as_str)
    }

    /// The message store.
    pub fn store(&self) -> &MessageStore {
        &self.store
    }

    /// The message templates of a WhatsApp Business Account, oldest first.
    pub fn templates(&self, waba_id: &str) -> &[templates::Template] {
        self.templates.of(waba_id)
    }

    /// The retention policy.
    pub fn retention(&self) -> RetentionPolicy {
        self.retention
    }

    /// Switches a breach that this party commits. Lifting
    /// [`Breach::RetentionNeverPurges`] purges what is overdue at once.
    pub fn set_breach(&mut self, now_ms: u64, breach: Breach, on: bool) {
        self.breaches.set(breach, on);
        if breach == Breach::RetentionNeverPurges && !on {
            self.purge(now_ms);
        }
    }

    /// Hosts a business number: a fresh Signal identity and prekeys,
    /// registered with the transport, and the webhook's verification
    /// handshake.
    pub fn host_number<R: CryptoRng>(&mut self, now_ms: u64, rng: &mut R, config: HostingConfig) {
        let pnid = config.ids.phone_number_id.clone();
        let phone = config.ids.display_phone_number.clone();
        self.templates.open_account(&config.ids.waba_id);
        let account = Account::with_one_time_prekeys::<BUSINESS_ONE_TIME_PREKEYS>(rng, now_ms);
        self.by_phone.insert(phone.clone(), pnid.clone());
        self.numbers.insert(
            pnid.clone(),
            HostedNumber {
                ids: config.ids,
                name: config.name,
                access_token: config.access_token,
                webhook: config.webhook,
                webhook_verified: false,
                account,
                contacts: Default::default(),
                next_envelope: 1,
                statistics: Statistics::default(),
                throughput: (0, 0),
            },
        );
        self.register(&pnid);
        self.send_to_transport(
            &phone,
            ToTransport::Connect {
                number: phone.clone(),
            },
        );
        // The Cloud API verifies the callback URL before sending anything to it.
        self.verify_webhook(now_ms, &pnid);
    }

    /// The business points its webhook at a new callback URL (its `path`,
    /// with any query) and verify token: the endpoint is unverified until it
    /// answers the handshake, which starts at once. False for an unknown
    /// number.
    pub fn configure_webhook(
        &mut self,
        now_ms: u64,
        phone_number_id: &str,
        path: &str,
        verify_token: &str,
    ) -> bool {
        let Some(n) = self.numbers.get_mut(phone_number_id) else {
            return false;
        };
        n.webhook.path = path.to_owned();
        n.webhook.verify_token = verify_token.to_owned();
        n.webhook_verified = false;
        self.verify_webhook(now_ms, phone_number_id);
        true
    }

    /// Publishes a hosted number's keys to the transport's directory.
    fn register(&mut self, pnid: &str) {
        let Some(n) = self.numbers.get(pnid) else {
            return;
        };
        let Ok(bundle) = n.account.bundle(None) else {
            return;
        };
        let number = n.ids.display_phone_number.clone();
        let keys = PublishedKeys {
            bundle,
            one_time: n.account.one_time_prekeys(),
        };
        self.send_to_transport(
            &number,
            ToTransport::Register {
                number: number.clone(),
                keys,
                account: AccountKind::Business,
            },
        );
    }

    /// The number re-registers with a new identity key (for example after
    /// migrating from another provider): sessions restart, and consumers see
    /// a new safety number.
    pub fn rotate_identity<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        phone_number_id: &str,
    ) -> bool {
        let Some(n) = self.numbers.get_mut(phone_number_id) else {
            return false;
        };
        let account = Account::with_one_time_prekeys::<BUSINESS_ONE_TIME_PREKEYS>(rng, now_ms);
        n.account = account;
        for contact in n.contacts.values_mut() {
            contact.peer.record.clear();
            contact.peer.awaiting_bundle = false;
        }
        let business = n.ids.display_phone_number.clone();
        self.register(phone_number_id);
        self.out.event(EventKind::IdentityRotated { business });
        true
    }

    pub(crate) fn send_to_transport(&mut self, number: &PhoneNumber, message: ToTransport) {
        self.out.send(
            Address::Number(number.clone()),
            Address::Transport,
            Message::ToTransport(message),
        );
    }

    fn on_transport<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        number: &PhoneNumber,
        message: FromTransport,
    ) {
        let Some(pnid) = self.by_phone.get(number).cloned() else {
            let event = unexpected(
                &Address::Number(number.clone()),
                &Address::Transport,
                &Message::FromTransport(message),
            );
            return self.out.event(event);
        };
        match message {
            FromTransport::Bundle {
                number: consumer,
                bundle,
                ..
            } => self.on_bundle(now_ms, rng, &pnid, &consumer, bundle),
            FromTransport::Accepted { envelope } => self.on_accepted(now_ms, &pnid, envelope.id),
            FromTransport::Refused { envelope, action } => {
                self.on_refused(now_ms, &pnid, envelope.id, action);
            }
            FromTransport::PreKeyCount { .. } => {
                let Some(n) = self.numbers.get_mut(&pnid) else {
                    return;
                };
                let one_time = top_up_prekeys(&mut n.account, rng, BUSINESS_ONE_TIME_PREKEYS);
                if !one_time.is_empty() {
                    let number = number.clone();
                    self.send_to_transport(
                        &number.clone(),
                        ToTransport::PublishPreKeys { number, one_time },
                    );
                }
            }
            FromTransport::Deliver { envelope } => self.on_deliver(now_ms, &pnid, envelope),
        }
    }
}

impl Party for CloudApi {
    fn handle<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        from: &Address,
        to: &Address,
        message: Message,
    ) {
        match (from, to, message) {
            (Address::Transport, Address::Number(number), Message::FromTransport(m)) => {
                self.on_transport(now_ms, rng, number, m);
            }
            (
                Address::Business(_) | Address::External,
                Address::CloudApi,
                Message::Https(Https::Request { exchange, request }),
            ) => self.on_graph_request(now_ms, rng, from, exchange, request),
            (
                Address::Business(_),
                Address::CloudApi,
                Message::Https(Https::Response { exchange, response }),
            ) => self.on_webhook_answer(now_ms, exchange, Ok(response)),
            (
                Address::Business(_),
                Address::CloudApi,
                Message::Https(Https::Failed { exchange, failure }),
            ) => self.on_webhook_answer(now_ms, exchange, Err(failure)),
            (from, to, message) => {
                let event = unexpected(to, from, &message);
                self.out.event(event);
            }
        }
    }

    fn handle_timeout<R: CryptoRng>(&mut self, now_ms: u64, _rng: &mut R) {
        if !self.breaches.on(Breach::RetentionNeverPurges)
            && self.store.next_expiry().is_some_and(|t| t <= now_ms)
        {
            self.purge(now_ms);
        }
        while let Some(&(at, seq)) = self.retransmits.first() {
            if at > now_ms {
                break;
            }
            self.retransmits.remove(&(at, seq));
            if let Some(wamid) = self.store.by_seq(seq).map(|m| m.wamid()) {
                self.retransmit(now_ms, &wamid);
            }
        }
        if self.deliveries.flush_at.is_some_and(|t| t <= now_ms) {
            self.flush_batches(now_ms);
        }
        self.retry_webhooks(now_ms);
        if self.templates.next_review().is_some_and(|t| t <= now_ms) {
            self.review_templates(now_ms);
        }
        if self.report_at.is_some_and(|t| t <= now_ms) {
            self.report();
        }
    }

    fn poll_timeout(&self) -> Option<u64> {
        let purge = if self.breaches.on(Breach::RetentionNeverPurges) {
            None
        } else {
            self.store.next_expiry()
        };
        [
            purge,
            self.retransmits.first().map(|(t, _)| *t),
            self.deliveries.next_deadline(),
            self.templates.next_review(),
            self.report_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.out
    }
}
