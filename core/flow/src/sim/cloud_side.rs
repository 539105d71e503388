//! The Cloud API and the business in the simulation: onboarding, the Graph API,
//! decrypting inbound messages, webhooks, receipts and statuses, outbound
//! retransmission and the retention purge.

use std::collections::BTreeMap;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::business::Business;
use crate::business_manager::BusinessRecord;
use crate::cloud_api::{BusinessNumber, Statistics};
use crate::envelope::{AppMessage, EnvelopeId, Payload, ReceiptKind, TransportEnvelope};
use crate::graph_api::{self, GraphError, SendRequest};
use crate::http::{HttpRequest, HttpResponse};
use crate::ids;
use crate::integrity::IntegrityAction;
use crate::ledger::{DataCategory, Observer, System};
use crate::phone::PhoneNumber;
use crate::retention::{Direction, StoredMessage};
use crate::sim::inbox;
use crate::sim::transport_side::Submitted;
use crate::sim::{
    Action, BUSINESS_ONE_TIME_PREKEYS, BusinessHandle, RETRANSMIT_MS, SimError, Simulation, backoff,
};
use crate::trace::{EventKind, TraceMode};
use crate::webhook::{self, BusinessIds, Status, StatusError, WebhookConfig};
use cipherflow_protocol::{Account, Session, SessionRecord};

/// The error a `failed` status carries when retention expired before delivery
/// (Meta documents no code for this; cipherflow uses "Message undeliverable").
pub fn undeliverable() -> StatusError {
    StatusError {
        code: 131026,
        title: "Message undeliverable".to_owned(),
        message: "Message undeliverable".to_owned(),
        details: "The message could not be delivered within the Cloud API's retention period."
            .to_owned(),
    }
}

fn integrity_error(action: IntegrityAction) -> StatusError {
    match action {
        IntegrityAction::Blocked => StatusError {
            code: 368,
            title: "Temporarily blocked for policies violations".to_owned(),
            message: "Temporarily blocked for policies violations".to_owned(),
            details: "WhatsApp's integrity systems blocked this business after spam reports."
                .to_owned(),
        },
        _ => StatusError {
            code: 131048,
            title: "Spam rate limit hit".to_owned(),
            message: "Spam rate limit hit".to_owned(),
            details: "WhatsApp's integrity systems are throttling this business's messages."
                .to_owned(),
        },
    }
}

impl Simulation {
    /// Onboards a business: Business Manager record, a Cloud API number with its
    /// own Signal identity and prekeys, the webhook (verified by handshake).
    pub fn add_business(
        &mut self,
        display_number: &str,
        name: &str,
    ) -> Result<BusinessHandle, SimError> {
        let number = PhoneNumber::parse(display_number)?;
        if self.transport.is_registered(&number) {
            return Err(SimError::NumberTaken(number));
        }
        let index = self.cloud.numbers.len() as u64 + 1;
        let phone_number_id = format!("10{:013}", 6_540_352_242_922u64 + index);
        let waba_id = format!("10{:013}", 2_290_129_340_398u64 + index);
        let token = |sim: &mut Self, prefix: &str| {
            let mut raw = [0u8; 24];
            use rand_core::Rng;
            sim.rng.fill_bytes(&mut raw);
            format!(
                "{prefix}{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
            )
        };
        let access_token = token(self, "EAAG");
        let app_secret = hex::encode(token(self, "").as_bytes().get(..16).unwrap_or_default());
        let verify_token = token(self, "verify-");
        let webhook = WebhookConfig {
            path: "/webhook".to_owned(),
            app_secret: app_secret.clone(),
            verify_token: verify_token.clone(),
        };
        let mut account = Account::new(&mut self.rng, self.now_ms);
        let _ = account.generate_one_time_prekeys(&mut self.rng, BUSINESS_ONE_TIME_PREKEYS);
        self.transport.publish(&number, &account);
        let ids = BusinessIds {
            waba_id: waba_id.clone(),
            display_phone_number: number.clone(),
            phone_number_id: phone_number_id.clone(),
        };
        self.cloud.numbers.insert(
            phone_number_id.clone(),
            BusinessNumber {
                ids,
                name: name.to_owned(),
                access_token: access_token.clone(),
                webhook: webhook.clone(),
                account,
                sessions: BTreeMap::new(),
                session_epoch: BTreeMap::new(),
                contacts: BTreeMap::new(),
                statistics: Statistics::default(),
            },
        );
        self.cloud
            .by_phone
            .insert(number.clone(), phone_number_id.clone());
        let mut business = Business {
            name: name.to_owned(),
            phone_number_id: phone_number_id.clone(),
            access_token: access_token.clone(),
            webhook: Some(webhook.clone()),
            webhook_verified: false,
            inbox: Vec::new(),
            outbound: Vec::new(),
            rejected_webhooks: 0,
            history_limit: self.config.history_limit,
        };
        // The Cloud API verifies the callback URL before sending anything to it.
        let challenge = (self.now_ms % 1_000_000_007).to_string();
        let request = webhook::verification_request(&webhook, &challenge);
        let response = business.handle_webhook(&request);
        self.businesses.insert(phone_number_id.clone(), business);
        self.event(EventKind::Webhook {
            phone_number_id: phone_number_id.clone(),
            request,
            response,
        });
        self.manager.businesses.insert(
            phone_number_id.clone(),
            BusinessRecord {
                name: name.to_owned(),
                waba_id: waba_id.clone(),
                display_phone_number: number.wa_id().to_owned(),
                billed_messages: 0,
            },
        );
        for observer in [Observer::WhatsApp, Observer::RestOfMeta] {
            self.observe(
                observer,
                DataCategory::BusinessInformation,
                System::BusinessManager,
            );
        }
        Ok(BusinessHandle {
            phone_number_id,
            waba_id,
            display_phone_number: number,
            access_token,
            app_secret,
            verify_token,
        })
    }

    /// The business's server answers an HTTP request (its webhook endpoint).
    pub fn business_webhook(
        &mut self,
        phone_number_id: &str,
        request: &HttpRequest,
    ) -> Result<HttpResponse, SimError> {
        let business = self
            .businesses
            .get_mut(phone_number_id)
            .ok_or_else(|| SimError::UnknownBusiness(phone_number_id.to_owned()))?;
        Ok(business.handle_webhook(request))
    }

    /// The business sends a text through the Graph API (a real request).
    pub fn business_send_text(
        &mut self,
        phone_number_id: &str,
        to: &str,
        body: &str,
    ) -> Result<HttpResponse, SimError> {
        let request = self
            .businesses
            .get(phone_number_id)
            .ok_or_else(|| SimError::UnknownBusiness(phone_number_id.to_owned()))?
            .text_request(to, body);
        Ok(self.cloud_api_request(&request))
    }

    /// The business reacts to a message through the Graph API.
    pub fn business_react(
        &mut self,
        phone_number_id: &str,
        to: &str,
        wamid: &str,
        emoji: &str,
    ) -> Result<HttpResponse, SimError> {
        let request = self
            .businesses
            .get(phone_number_id)
            .ok_or_else(|| SimError::UnknownBusiness(phone_number_id.to_owned()))?
            .reaction_request(to, wamid, emoji);
        Ok(self.cloud_api_request(&request))
    }

    /// The business marks an inbound message read through the Graph API.
    pub fn business_mark_read(
        &mut self,
        phone_number_id: &str,
        wamid: &str,
    ) -> Result<HttpResponse, SimError> {
        let request = self
            .businesses
            .get(phone_number_id)
            .ok_or_else(|| SimError::UnknownBusiness(phone_number_id.to_owned()))?
            .mark_read_request(wamid);
        Ok(self.cloud_api_request(&request))
    }

    /// The Cloud API's HTTP interface: `POST /{version}/{phone-number-id}/messages`.
    /// Bad requests get Meta-style errors and change nothing.
    pub fn cloud_api_request(&mut self, request: &HttpRequest) -> HttpResponse {
        let response = match self.graph(request) {
            Ok(r) => r,
            Err(e) => e.to_response(&self.fbtrace_id(request)),
        };
        self.event(EventKind::GraphApi {
            request: request.clone(),
            response: response.clone(),
        });
        response
    }

    /// A deterministic fbtrace id derived from the request, so a refused request
    /// does not even advance the RNG.
    fn fbtrace_id(&self, request: &HttpRequest) -> String {
        let mut h = Sha256::new();
        h.update(self.config.seed.to_be_bytes());
        h.update(self.now_ms.to_be_bytes());
        h.update(request.method.as_bytes());
        h.update(request.path.as_bytes());
        h.update(&request.body);
        let digest = h.finalize();
        let mut s = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        s.truncate(23);
        s
    }

    fn graph(&mut self, request: &HttpRequest) -> Result<HttpResponse, GraphError> {
        let (_version, pnid) = graph_api::route(request)?;
        let token = graph_api::bearer_token(request);
        let Some(number) = self.cloud.numbers.get(&pnid) else {
            let token_known =
                token.is_some_and(|t| self.cloud.numbers.values().any(|n| n.access_token == t));
            return Err(if token_known {
                GraphError::unknown_object(&pnid)
            } else {
                GraphError::invalid_token()
            });
        };
        if token != Some(number.access_token.as_str()) {
            return Err(GraphError::invalid_token());
        }
        let business_phone = number.ids.display_phone_number.clone();
        match graph_api::parse_send(&request.body)? {
            SendRequest::MarkRead { message_id } => {
                let stored = self
                    .cloud
                    .store
                    .get(&message_id)
                    .filter(|m| m.direction == Direction::Inbound && m.phone_number_id == pnid)
                    .ok_or_else(|| {
                        GraphError::invalid_value(format!(
                            "message_id {message_id} is not an inbound message held for this number"
                        ))
                    })?;
                let (consumer, envelope_id) = (stored.consumer.clone(), stored.envelope_id);
                if let Some(m) = self.cloud.store.get_mut(&message_id) {
                    m.read = true;
                }
                self.send_receipt(
                    &business_phone,
                    &consumer,
                    ReceiptKind::Read,
                    vec![envelope_id],
                );
                Ok(graph_api::success_response())
            }
            SendRequest::Text { input, to, body } => {
                let wamid = ids::wamid(&mut self.rng, &to);
                let message = AppMessage::Text {
                    id: wamid.clone(),
                    body: body.clone(),
                    name: None,
                };
                self.cloud_send(&pnid, &to, &wamid, &body, message);
                Ok(graph_api::send_response(&input, &to, &wamid))
            }
            SendRequest::Reaction {
                input,
                to,
                message_id,
                emoji,
            } => {
                // The consumer knows its own messages by its client id, and the
                // business's by wamid.
                let target = self
                    .cloud
                    .store
                    .get(&message_id)
                    .and_then(|m| m.app.as_ref())
                    .filter(|_| {
                        self.cloud
                            .store
                            .get(&message_id)
                            .is_some_and(|m| m.direction == Direction::Inbound)
                    })
                    .map_or(message_id.clone(), |app| app.id().to_owned());
                let wamid = ids::wamid(&mut self.rng, &to);
                let message = AppMessage::Reaction {
                    id: wamid.clone(),
                    target,
                    emoji: emoji.clone(),
                };
                self.cloud_send(&pnid, &to, &wamid, &emoji, message);
                Ok(graph_api::send_response(&input, &to, &wamid))
            }
        }
    }

    /// Accepts an outbound message: stores it, encrypts it, hands it to the
    /// transport, and reports `sent` or `failed`.
    fn cloud_send(
        &mut self,
        pnid: &str,
        to: &PhoneNumber,
        wamid: &str,
        text: &str,
        message: AppMessage,
    ) {
        self.stats.business_sent += 1;
        self.proof.plaintext_sent(text);
        if let Some(n) = self.cloud.numbers.get_mut(pnid) {
            n.statistics.outbound += 1;
            n.contacts.entry(to.clone()).or_default();
        }
        for observer in [Observer::WhatsApp, Observer::RestOfMeta] {
            self.observe(
                observer,
                DataCategory::NonIdentifiableStatistics,
                System::CloudApi,
            );
        }
        self.observe(
            Observer::CloudApi,
            DataCategory::MessageContent,
            System::CloudApi,
        );
        let envelope_id = self.new_envelope_id();
        let expires = self.now_ms + self.cloud.retention.in_ms();
        let envelope = self.cloud_encrypt(pnid, to, envelope_id, &message);
        self.cloud.store.insert(StoredMessage {
            wamid: wamid.to_owned(),
            direction: Direction::Outbound,
            phone_number_id: pnid.to_owned(),
            consumer: to.clone(),
            text: text.to_owned(),
            stored_at_ms: self.now_ms,
            expires_at_ms: expires,
            envelope_id,
            pending: envelope.clone(),
            app: Some(message),
            attempts: u32::from(envelope.is_some()),
            epoch: self.cloud_epoch(pnid, to),
            delivered: false,
            read: false,
        });
        let Some(envelope) = envelope else {
            // Not on WhatsApp: accepted by the API, then reported failed.
            self.post_status(pnid, wamid, Status::Failed, to, Some(&undeliverable()));
            return;
        };
        match self.submit(envelope, false) {
            Submitted::Accepted => {
                // Billed once WhatsApp accepts it for delivery.
                if let Some(r) = self.manager.businesses.get_mut(pnid) {
                    r.billed_messages += 1;
                }
                for observer in [Observer::WhatsApp, Observer::RestOfMeta] {
                    self.observe(observer, DataCategory::Billing, System::BusinessManager);
                }
                self.post_status(pnid, wamid, Status::Sent, to, None);
                self.schedule(
                    RETRANSMIT_MS,
                    Action::CloudRetransmit {
                        wamid: wamid.to_owned(),
                    },
                );
            }
            Submitted::Refused(action) => self.refused_by_integrity(pnid, wamid, to, action),
        }
    }

    /// The transport refused an outbound message: it stops being retransmitted
    /// and the business gets a `failed` status with the integrity error.
    fn refused_by_integrity(
        &mut self,
        pnid: &str,
        wamid: &str,
        to: &PhoneNumber,
        action: IntegrityAction,
    ) {
        if let Some(m) = self.cloud.store.get_mut(wamid) {
            m.pending = None;
        }
        self.post_status(
            pnid,
            wamid,
            Status::Failed,
            to,
            Some(&integrity_error(action)),
        );
    }

    fn cloud_encrypt(
        &mut self,
        pnid: &str,
        to: &PhoneNumber,
        envelope_id: EnvelopeId,
        message: &AppMessage,
    ) -> Option<TransportEnvelope> {
        let from = self
            .cloud
            .numbers
            .get(pnid)?
            .ids
            .display_phone_number
            .clone();
        if self
            .cloud
            .numbers
            .get(pnid)?
            .sessions
            .get(to)
            .is_none_or(SessionRecord::is_empty)
        {
            let bundle = self.transport.fetch_bundle(to)?;
            let n = self.cloud.numbers.get_mut(pnid)?;
            let session = Session::initiate(&mut self.rng, n.account.identity(), &bundle).ok()?;
            self.install_cloud_session(pnid, to, session, true);
        }
        let now = self.now_ms;
        let n = self.cloud.numbers.get_mut(pnid)?;
        let record = n.sessions.get_mut(to)?;
        let bytes = record
            .encrypt(&mut self.rng, &message.to_bytes())?
            .ok()?
            .to_bytes();
        Some(TransportEnvelope {
            id: envelope_id,
            from,
            to: to.clone(),
            sent_at_ms: now,
            payload: Payload::Signal { bytes },
        })
    }

    fn install_cloud_session(
        &mut self,
        pnid: &str,
        consumer: &PhoneNumber,
        session: Session,
        initiator: bool,
    ) {
        let Some(n) = self.cloud.numbers.get_mut(pnid) else {
            return;
        };
        let business = n.ids.display_phone_number.clone();
        let remote_identity = hex::encode(session.remote_identity().encode());
        n.sessions
            .entry(consumer.clone())
            .or_default()
            .promote(session);
        self.event(EventKind::SessionCreated {
            holder: business,
            peer: consumer.clone(),
            initiator,
            remote_identity,
            identity_changed: false,
        });
    }

    fn post_webhook(&mut self, pnid: &str, payload: &serde_json::Value) {
        let Some(n) = self.cloud.numbers.get_mut(pnid) else {
            return;
        };
        n.statistics.webhooks += 1;
        let request = webhook::signed_post(&n.webhook, payload);
        let Some(business) = self.businesses.get_mut(pnid) else {
            return;
        };
        let response = business.handle_webhook(&request);
        self.event(EventKind::Webhook {
            phone_number_id: pnid.to_owned(),
            request,
            response,
        });
    }

    fn post_status(
        &mut self,
        pnid: &str,
        wamid: &str,
        status: Status,
        recipient: &PhoneNumber,
        error: Option<&StatusError>,
    ) {
        let Some(n) = self.cloud.numbers.get(pnid) else {
            return;
        };
        let payload = webhook::status(&n.ids, wamid, status, recipient, self.now_ms / 1000, error);
        self.post_webhook(pnid, &payload);
    }

    /// An envelope reaches the Cloud API.
    pub(crate) fn cloud_receive(
        &mut self,
        pnid: &str,
        envelope: TransportEnvelope,
        tampered: bool,
    ) {
        let consumer = envelope.from.clone();
        match envelope.payload {
            Payload::Signal { bytes } => {
                self.cloud_receive_signal(pnid, &consumer, envelope.id, &bytes, tampered)
            }
            Payload::Receipt { receipt, ids } => {
                for id in ids {
                    let Some(wamid) = self.cloud.store.wamid_for_envelope(id).map(str::to_owned)
                    else {
                        continue;
                    };
                    let Some(m) = self.cloud.store.get_mut(&wamid) else {
                        continue;
                    };
                    if m.direction != Direction::Outbound {
                        continue;
                    }
                    let status = match receipt {
                        ReceiptKind::Delivered if !m.delivered => {
                            m.delivered = true;
                            m.pending = None;
                            Status::Delivered
                        }
                        ReceiptKind::Read if !m.read => {
                            m.read = true;
                            m.delivered = true;
                            m.pending = None;
                            Status::Read
                        }
                        _ => continue,
                    };
                    self.post_status(pnid, &wamid, status, &consumer, None);
                }
            }
            Payload::RetryRequest { id } => self.cloud_handle_retry(pnid, &consumer, id),
        }
    }

    fn cloud_receive_signal(
        &mut self,
        pnid: &str,
        consumer: &PhoneNumber,
        envelope_id: EnvelopeId,
        bytes: &[u8],
        tampered: bool,
    ) {
        let Some(n) = self.cloud.numbers.get_mut(pnid) else {
            return;
        };
        let business = n.ids.display_phone_number.clone();
        let opened = inbox::open(&mut n.account, n.sessions.get_mut(consumer), bytes);
        let Some((plaintext, session)) =
            self.verdict(&business, consumer, (envelope_id, bytes), tampered, opened)
        else {
            return;
        };
        if let Some(session) = session {
            self.install_cloud_session(pnid, consumer, *session, false);
            self.replenish_prekeys(pnid);
        }
        let app = AppMessage::from_bytes(&plaintext);
        if app
            .as_ref()
            .and_then(|a| self.cloud.store.wamid_for_client_id(consumer, a.id()))
            .is_some()
        {
            // Re-sent under a new session after a retry request: already delivered.
            self.acknowledge_duplicate(&business, consumer, envelope_id);
            return;
        }
        let Some(AppMessage::Text { id, body, name }) = app else {
            self.event(EventKind::Rejected {
                by: business,
                envelope_id,
                error: "not a text message".to_owned(),
                tampered: false,
            });
            return;
        };
        let wamid = ids::wamid(&mut self.rng, consumer);
        let profile = name.unwrap_or_default();
        if let Some(n) = self.cloud.numbers.get_mut(pnid) {
            n.statistics.inbound += 1;
            n.contacts.insert(consumer.clone(), profile.clone());
        }
        self.cloud.store.insert(StoredMessage {
            wamid: wamid.clone(),
            direction: Direction::Inbound,
            phone_number_id: pnid.to_owned(),
            consumer: consumer.clone(),
            text: body.clone(),
            stored_at_ms: self.now_ms,
            expires_at_ms: self.now_ms + self.cloud.retention.in_ms(),
            envelope_id,
            pending: None,
            app: Some(AppMessage::Text {
                id: id.clone(),
                body: body.clone(),
                name: None,
            }),
            attempts: 0,
            epoch: 0,
            delivered: true,
            read: false,
        });
        self.observe(
            Observer::CloudApi,
            DataCategory::MessageContent,
            System::CloudApi,
        );
        self.observe(
            Observer::CloudApi,
            DataCategory::ConsumerPhoneNumber,
            System::CloudApi,
        );
        for observer in [Observer::WhatsApp, Observer::RestOfMeta] {
            self.observe(
                observer,
                DataCategory::NonIdentifiableStatistics,
                System::CloudApi,
            );
        }
        self.event(EventKind::CloudApiDecrypted {
            envelope_id,
            from: consumer.clone(),
            phone_number_id: pnid.to_owned(),
            wamid: wamid.clone(),
            text: body.clone(),
        });
        self.send_receipt(
            &business,
            consumer,
            ReceiptKind::Delivered,
            vec![envelope_id],
        );
        // Exactly once to the business, keyed by the client's message id (the
        // check keeps every id, so only full-trace runs make it).
        if self.config.trace == TraceMode::CountOnly
            || self
                .seen_by_business
                .insert(format!("{}:{id}", consumer.wa_id()))
        {
            self.stats.delivered_to_business += 1;
        } else {
            self.stats.duplicate_business_deliveries += 1;
        }
        let Some(n) = self.cloud.numbers.get(pnid) else {
            return;
        };
        let payload = webhook::inbound_text(
            &n.ids,
            &profile,
            consumer,
            &wamid,
            self.now_ms / 1000,
            &body,
        );
        self.observe(
            Observer::Business,
            DataCategory::MessageContent,
            System::CloudApi,
        );
        self.observe(
            Observer::Business,
            DataCategory::ConsumerPhoneNumber,
            System::CloudApi,
        );
        self.post_webhook(pnid, &payload);
    }

    /// Keeps the published one-time prekeys topped up; only new keys are
    /// published, so no key is ever handed out twice.
    fn replenish_prekeys(&mut self, pnid: &str) {
        let Some(n) = self.cloud.numbers.get_mut(pnid) else {
            return;
        };
        let phone = n.ids.display_phone_number.clone();
        if self.transport.one_time_prekeys_left(&phone) >= BUSINESS_ONE_TIME_PREKEYS / 2 {
            return;
        }
        let held = n.account.one_time_prekeys().len();
        let room = cipherflow_protocol::account::MAX_ONE_TIME_PREKEYS.saturating_sub(held);
        let Ok(ids) = n
            .account
            .generate_one_time_prekeys(&mut self.rng, room.min(BUSINESS_ONE_TIME_PREKEYS))
        else {
            return;
        };
        let fresh: Vec<_> = n
            .account
            .one_time_prekeys()
            .into_iter()
            .filter(|(id, _)| ids.contains(id))
            .collect();
        self.transport.publish_more(&phone, fresh);
    }

    /// The consumer had no session for a business message: start a new one and
    /// re-encrypt what is still pending for that consumer.
    fn cloud_handle_retry(&mut self, pnid: &str, consumer: &PhoneNumber, id: EnvelopeId) {
        let Some(wamid) = self.cloud.store.wamid_for_envelope(id).map(str::to_owned) else {
            return;
        };
        let current = self.cloud_epoch(pnid, consumer);
        if self
            .cloud
            .store
            .get(&wamid)
            .is_none_or(|m| m.pending.is_none() || m.epoch != current)
        {
            return; // delivered meanwhile, or already re-sent under a newer session
        }
        let Some(n) = self.cloud.numbers.get_mut(pnid) else {
            return;
        };
        n.session_epoch.insert(consumer.clone(), current + 1);
        // A fresh session becomes current; older ones stay for messages in flight.
        let Some(bundle) = self.transport.fetch_bundle(consumer) else {
            return;
        };
        let Some(n) = self.cloud.numbers.get_mut(pnid) else {
            return;
        };
        let Ok(session) = Session::initiate(&mut self.rng, n.account.identity(), &bundle) else {
            return;
        };
        self.install_cloud_session(pnid, consumer, session, true);
        let pending: Vec<(String, EnvelopeId, AppMessage)> = self
            .cloud
            .store
            .iter()
            .filter(|m| m.phone_number_id == pnid && m.consumer == *consumer && m.pending.is_some())
            .filter_map(|m| {
                let env = m.pending.as_ref()?;
                let Payload::Signal { .. } = env.payload else {
                    return None;
                };
                Some((m.wamid.clone(), m.envelope_id, m.app.clone()?))
            })
            .collect();
        for (wamid, eid, message) in pending {
            let Some(envelope) = self.cloud_encrypt(pnid, consumer, eid, &message) else {
                continue;
            };
            if let Some(m) = self.cloud.store.get_mut(&wamid) {
                m.pending = Some(envelope.clone());
                m.attempts += 1;
                m.epoch = current + 1;
            }
            let business = envelope.from.clone();
            self.event(EventKind::Retransmitted {
                by: business,
                envelope_id: eid,
                attempt: 0,
            });
            let _ = self.submit(envelope, true);
        }
    }

    fn cloud_epoch(&self, pnid: &str, consumer: &PhoneNumber) -> u64 {
        self.cloud
            .numbers
            .get(pnid)
            .and_then(|n| n.session_epoch.get(consumer))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn cloud_retransmit(&mut self, wamid: &str) {
        let Some(m) = self.cloud.store.get_mut(wamid) else {
            return;
        };
        let Some(envelope) = m.pending.clone() else {
            return;
        };
        m.attempts += 1;
        let attempt = m.attempts;
        let (pnid, consumer) = (m.phone_number_id.clone(), m.consumer.clone());
        self.event(EventKind::Retransmitted {
            by: envelope.from.clone(),
            envelope_id: envelope.id,
            attempt,
        });
        match self.submit(envelope, true) {
            Submitted::Accepted => self.schedule(
                backoff(attempt),
                Action::CloudRetransmit {
                    wamid: wamid.to_owned(),
                },
            ),
            Submitted::Refused(action) => {
                self.refused_by_integrity(&pnid, wamid, &consumer, action)
            }
        }
    }

    /// Purges what has expired; undelivered outbound messages get a `failed`
    /// status, and consumer numbers held only because of purged messages are
    /// forgotten, with their sessions.
    pub(crate) fn purge_expired(&mut self) {
        let oldest = self.now_ms.saturating_sub(self.cloud.retention.in_ms());
        self.transport.expire_queued(oldest);
        let (purged, forgotten) = self.cloud.store.purge(self.now_ms);
        if purged.is_empty() {
            return;
        }
        let mut undelivered = Vec::new();
        for m in &purged {
            // Still pending: not delivered, and not already reported failed.
            if m.direction == Direction::Outbound && m.pending.is_some() {
                undelivered.push(m.wamid.clone());
                self.post_status(
                    &m.phone_number_id,
                    &m.wamid,
                    Status::Failed,
                    &m.consumer,
                    Some(&undeliverable()),
                );
            }
        }
        for (pnid, number) in &forgotten {
            if let Some(n) = self.cloud.numbers.get_mut(pnid) {
                n.contacts.remove(number);
                n.sessions.remove(number);
                n.session_epoch.remove(number);
            }
        }
        self.event(EventKind::RetentionPurged {
            wamids: purged.into_iter().map(|m| m.wamid).collect(),
            numbers_forgotten: forgotten.len(),
            undelivered,
        });
    }

    /// The business's number re-registers with a new identity key (for example
    /// after migrating to another provider): sessions restart and consumers see
    /// a new safety number.
    pub fn rotate_business_identity(&mut self, phone_number_id: &str) -> Result<(), SimError> {
        let now = self.now_ms;
        let n = self
            .cloud
            .numbers
            .get_mut(phone_number_id)
            .ok_or_else(|| SimError::UnknownBusiness(phone_number_id.to_owned()))?;
        let mut account = Account::new(&mut self.rng, now);
        let _ = account.generate_one_time_prekeys(&mut self.rng, BUSINESS_ONE_TIME_PREKEYS);
        n.account = account;
        n.sessions.clear();
        let phone = n.ids.display_phone_number.clone();
        let account = n.account.clone();
        self.transport.publish(&phone, &account);
        self.event(EventKind::IdentityRotated { business: phone });
        Ok(())
    }
}
