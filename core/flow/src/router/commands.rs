//! What a person (or a lesson, or a test) asks of the parties: each command
//! calls one party, then delivers everything that follows at once. A refused
//! command changes nothing.

use rand_core::Rng;

use crate::breach::Breach;
use crate::business::BusinessServer;
use crate::business_manager::BusinessRecord;
use crate::cloud_api::HostingConfig;
use crate::cloud_api::webhook::{BusinessIds, WebhookConfig};
use crate::consumer::ConsumerClient;
use crate::http::{HttpRequest, HttpResponse};
use crate::phone::PhoneNumber;
use crate::router::schedule::PartyId;
use crate::router::{BusinessCredentials, BusinessHandle, SimError, Simulation};
use crate::trace::EventKind;
use crate::wire::{Address, Https, Message, PartyKind, Transmit};

impl Simulation {
    /// Whether a device answers at `number` (a consumer's phone, or a number
    /// the Cloud API hosts): the router knows where it delivers.
    fn attached(&self, number: &PhoneNumber) -> bool {
        self.consumers.contains_key(number) || self.cloud.id_for_phone(number).is_some()
    }

    fn consumer_mut(&mut self, number: &PhoneNumber) -> Result<&mut ConsumerClient, SimError> {
        self.consumers
            .get_mut(number)
            .ok_or_else(|| SimError::UnknownConsumer(number.clone()))
    }

    /// After a command: the party's output, and everything it sets off at once.
    pub(crate) fn settle_party(&mut self, party: PartyId) {
        self.drain(&party);
        self.flush();
    }

    /// Registers a consumer's phone: a fresh identity and prekeys, published
    /// to the transport's directory.
    pub fn add_consumer(&mut self, number: &str, name: &str) -> Result<PhoneNumber, SimError> {
        let number = PhoneNumber::parse(number)?;
        if self.attached(&number) {
            return Err(SimError::NumberTaken(number));
        }
        let client = ConsumerClient::new(
            self.now_ms,
            &mut self.rng,
            number.clone(),
            name.to_owned(),
            self.config.history_limit,
        );
        self.consumers.insert(number.clone(), client);
        self.settle_party(PartyId::Consumer(number.clone()));
        Ok(number)
    }

    /// The consumer writes to a business. Returns the client's message id.
    pub fn consumer_send_text(
        &mut self,
        consumer: &str,
        business: &str,
        text: &str,
    ) -> Result<String, SimError> {
        self.consumer_reply(consumer, business, text, None)
    }

    /// The consumer writes to a business, quoting the message `reply_to` of
    /// their chat (an id as the chat shows it). Returns the message id.
    pub fn consumer_reply(
        &mut self,
        consumer: &str,
        business: &str,
        text: &str,
        reply_to: Option<&str>,
    ) -> Result<String, SimError> {
        self.consumer_act(consumer, business, |c, now, rng, business| {
            c.send_reply(now, rng, business, text, reply_to)
        })
    }

    /// The consumer reacts to a message of their chat with the business (an
    /// empty emoji removes the reaction). Returns the reaction's message id.
    pub fn consumer_react(
        &mut self,
        consumer: &str,
        business: &str,
        message_id: &str,
        emoji: &str,
    ) -> Result<String, SimError> {
        self.consumer_act(consumer, business, |c, now, rng, business| {
            c.send_reaction(now, rng, business, message_id, emoji)
        })
    }

    fn consumer_act(
        &mut self,
        consumer: &str,
        business: &str,
        act: impl FnOnce(
            &mut ConsumerClient,
            u64,
            &mut rand_chacha::ChaCha20Rng,
            &PhoneNumber,
        ) -> Result<String, crate::consumer::ConsumerError>,
    ) -> Result<String, SimError> {
        let consumer = PhoneNumber::parse(consumer)?;
        let business = PhoneNumber::parse(business)?;
        if !self.consumers.contains_key(&consumer) {
            return Err(SimError::UnknownConsumer(consumer));
        }
        if !self.attached(&business) {
            return Err(SimError::NotRegistered(business));
        }
        let (now, rng) = (self.now_ms, &mut self.rng);
        let client = self
            .consumers
            .get_mut(&consumer)
            .ok_or_else(|| SimError::UnknownConsumer(consumer.clone()))?;
        let id = act(client, now, rng, &business)?;
        self.settle_party(PartyId::Consumer(consumer));
        Ok(id)
    }

    /// The consumer's phone goes online or offline. Coming online makes the
    /// transport deliver its queue and the phone resend what is unacknowledged.
    pub fn set_consumer_online(&mut self, consumer: &str, online: bool) -> Result<(), SimError> {
        let consumer = PhoneNumber::parse(consumer)?;
        let (now, rng) = (self.now_ms, &mut self.rng);
        self.consumers
            .get_mut(&consumer)
            .ok_or_else(|| SimError::UnknownConsumer(consumer.clone()))?
            .set_online(now, rng, online);
        self.settle_party(PartyId::Consumer(consumer));
        Ok(())
    }

    /// The consumer opens the chat: every unread business message is read,
    /// and a read receipt goes back.
    pub fn consumer_read(&mut self, consumer: &str, business: &str) -> Result<usize, SimError> {
        let consumer = PhoneNumber::parse(consumer)?;
        let business = PhoneNumber::parse(business)?;
        let now = self.now_ms;
        let n = self.consumer_mut(&consumer)?.read_chat(now, &business);
        self.settle_party(PartyId::Consumer(consumer));
        Ok(n)
    }

    /// The consumer reports the business as spam.
    pub fn consumer_report_spam(&mut self, consumer: &str, business: &str) -> Result<(), SimError> {
        let consumer = PhoneNumber::parse(consumer)?;
        let business = PhoneNumber::parse(business)?;
        self.consumer_mut(&consumer)?;
        if !self.attached(&business) {
            return Err(SimError::NotRegistered(business));
        }
        self.consumer_mut(&consumer)?.report_spam(&business);
        self.settle_party(PartyId::Consumer(consumer));
        Ok(())
    }

    fn token(&mut self, prefix: &str) -> String {
        let mut raw = [0u8; 24];
        self.rng.fill_bytes(&mut raw);
        format!("{prefix}{}", crate::base64::url_safe(&raw))
    }

    /// Onboards a business: it signs up with Business Manager, its number is
    /// hosted on the Cloud API with its own Signal identity and prekeys, and
    /// its webhook is verified by the handshake.
    pub fn add_business(
        &mut self,
        display_number: &str,
        name: &str,
    ) -> Result<BusinessHandle, SimError> {
        self.add_business_with(display_number, name, &BusinessCredentials::default())
    }

    /// [`Simulation::add_business`] with credentials chosen by the caller
    /// (a live server's configuration file): each one given replaces the
    /// one drawn.
    pub fn add_business_with(
        &mut self,
        display_number: &str,
        name: &str,
        chosen: &BusinessCredentials,
    ) -> Result<BusinessHandle, SimError> {
        let number = PhoneNumber::parse(display_number)?;
        if self.attached(&number) {
            return Err(SimError::NumberTaken(number));
        }
        let index = self.cloud.numbers().count() as u64 + 1;
        let phone_number_id = format!("10{:013}", 6_540_352_242_922u64 + index);
        let waba_id = format!("10{:013}", 2_290_129_340_398u64 + index);
        let access_token = self.token("EAAG");
        let app_secret = hex::encode(self.token("").as_bytes().get(..16).unwrap_or_default());
        let verify_token = self.token("verify-");
        let pick = |given: &Option<String>, drawn: String| given.clone().unwrap_or(drawn);
        let access_token = pick(&chosen.access_token, access_token);
        let app_secret = pick(&chosen.app_secret, app_secret);
        let verify_token = pick(&chosen.verify_token, verify_token);
        let webhook = WebhookConfig {
            path: "/webhook".to_owned(),
            app_secret: app_secret.clone(),
            verify_token: verify_token.clone(),
        };
        let mut server = BusinessServer::new(
            name.to_owned(),
            phone_number_id.clone(),
            access_token.clone(),
            webhook.clone(),
            self.config.history_limit,
        );
        server.sign_up(BusinessRecord {
            name: name.to_owned(),
            waba_id: waba_id.clone(),
            phone_number_id: phone_number_id.clone(),
            display_phone_number: number.wa_id().to_owned(),
            billed_messages: 0,
            free_messages: 0,
        });
        self.businesses.insert(phone_number_id.clone(), server);
        self.settle_party(PartyId::Business(phone_number_id.clone()));
        let (now, rng) = (self.now_ms, &mut self.rng);
        self.cloud.host_number(
            now,
            rng,
            HostingConfig {
                ids: BusinessIds {
                    waba_id: waba_id.clone(),
                    display_phone_number: number.clone(),
                    phone_number_id: phone_number_id.clone(),
                },
                name: name.to_owned(),
                access_token: access_token.clone(),
                webhook,
            },
        );
        self.settle_party(PartyId::CloudApi);
        Ok(BusinessHandle {
            phone_number_id,
            waba_id,
            display_phone_number: number,
            access_token,
            app_secret,
            verify_token,
        })
    }

    /// Delivers an HTTPS request from `from` and returns the response it gets.
    fn exchange(
        &mut self,
        from: Address,
        to: Address,
        exchange: u64,
        request: HttpRequest,
    ) -> Option<HttpResponse> {
        self.awaiting = Some((from.clone(), exchange));
        self.captured = None;
        self.immediate.push_back(Transmit {
            from,
            to,
            message: Message::Https(Https::Request { exchange, request }),
        });
        self.flush();
        self.awaiting = None;
        self.captured.take()
    }

    /// An HTTP request to the business's own webhook endpoint, from outside
    /// (for example Meta's `GET` handshake, or a forged `POST`).
    pub fn business_webhook(
        &mut self,
        phone_number_id: &str,
        request: &HttpRequest,
    ) -> Result<HttpResponse, SimError> {
        if !self.businesses.contains_key(phone_number_id) {
            return Err(SimError::UnknownBusiness(phone_number_id.to_owned()));
        }
        self.exchange(
            Address::External,
            Address::Business(phone_number_id.to_owned()),
            0,
            request.clone(),
        )
        .ok_or_else(|| SimError::UnknownBusiness(phone_number_id.to_owned()))
    }

    /// The Cloud API's HTTP interface, called from outside:
    /// `POST /{version}/{phone-number-id}/messages`. Bad requests get Meta's
    /// error JSON and change nothing.
    pub fn cloud_api_request(&mut self, request: &HttpRequest) -> HttpResponse {
        self.exchange(Address::External, Address::CloudApi, 0, request.clone())
            .unwrap_or_else(|| HttpResponse::text(502, "the Cloud API did not answer"))
    }

    /// The business's server sends a Graph API request it built.
    fn business_request(
        &mut self,
        phone_number_id: &str,
        build: impl FnOnce(&BusinessServer) -> HttpRequest,
    ) -> Result<HttpResponse, SimError> {
        let unknown = || SimError::UnknownBusiness(phone_number_id.to_owned());
        let server = self
            .businesses
            .get_mut(phone_number_id)
            .ok_or_else(unknown)?;
        let request = build(server);
        let exchange = server.request(request);
        let from = Address::Business(phone_number_id.to_owned());
        self.awaiting = Some((from, exchange));
        self.captured = None;
        self.settle_party(PartyId::Business(phone_number_id.to_owned()));
        self.awaiting = None;
        self.captured
            .take()
            .ok_or_else(|| SimError::UnknownBusiness(phone_number_id.to_owned()))
    }

    /// The business sends a text through the Graph API (a real request).
    pub fn business_send_text(
        &mut self,
        phone_number_id: &str,
        to: &str,
        body: &str,
    ) -> Result<HttpResponse, SimError> {
        self.business_request(phone_number_id, |b| b.text_request(to, body))
    }

    /// The business sends a template through the Graph API: allowed outside
    /// the customer service window, and it opens none.
    pub fn business_send_template(
        &mut self,
        phone_number_id: &str,
        to: &str,
        name: &str,
        language: &str,
        params: &[String],
    ) -> Result<HttpResponse, SimError> {
        self.business_request(phone_number_id, |b| {
            b.template_request(to, name, language, params)
        })
    }

    /// The business submits a template (in `en_US`) for review through the
    /// Graph API; Meta's answer comes back, and the review's outcome arrives
    /// later by webhook.
    pub fn business_create_template(
        &mut self,
        phone_number_id: &str,
        name: &str,
        category: &str,
        body: &str,
    ) -> Result<HttpResponse, SimError> {
        let waba_id = self
            .cloud
            .number(phone_number_id)
            .map(|n| n.ids.waba_id.clone())
            .ok_or_else(|| SimError::UnknownBusiness(phone_number_id.to_owned()))?;
        self.business_request(phone_number_id, |b| {
            b.create_template_request(&waba_id, name, category, body)
        })
    }

    /// The business reacts to a message through the Graph API.
    pub fn business_react(
        &mut self,
        phone_number_id: &str,
        to: &str,
        wamid: &str,
        emoji: &str,
    ) -> Result<HttpResponse, SimError> {
        self.business_request(phone_number_id, |b| b.reaction_request(to, wamid, emoji))
    }

    /// The business marks an inbound message read through the Graph API
    /// (and with it the earlier ones of the conversation).
    pub fn business_mark_read(
        &mut self,
        phone_number_id: &str,
        wamid: &str,
    ) -> Result<HttpResponse, SimError> {
        self.business_request(phone_number_id, |b| b.mark_read_request(wamid, false))
    }

    /// [`Simulation::business_mark_read`] with a typing indicator: the
    /// consumer sees "typing…" for up to 25 s, or until the reply arrives.
    pub fn business_mark_read_typing(
        &mut self,
        phone_number_id: &str,
        wamid: &str,
    ) -> Result<HttpResponse, SimError> {
        self.business_request(phone_number_id, |b| b.mark_read_request(wamid, true))
    }

    /// The business's number re-registers with a new identity key (for
    /// example after migrating to another provider): sessions restart and
    /// consumers see a new safety number.
    pub fn rotate_business_identity(&mut self, phone_number_id: &str) -> Result<(), SimError> {
        let (now, rng) = (self.now_ms, &mut self.rng);
        if !self.cloud.rotate_identity(now, rng, phone_number_id) {
            return Err(SimError::UnknownBusiness(phone_number_id.to_owned()));
        }
        self.settle_party(PartyId::CloudApi);
        Ok(())
    }

    /// Switches a deliberate policy breach on or off (a workshop's "what
    /// if"). The party it names then really behaves that way.
    pub fn set_breach(&mut self, breach: Breach, on: bool) {
        if !self.breaches.set(breach, on) {
            return;
        }
        self.record(PartyKind::External, EventKind::BreachChanged { breach, on });
        match breach.party() {
            PartyKind::Transport => {
                self.transport.set_breach(breach, on);
                self.settle_party(PartyId::Transport);
            }
            _ => {
                self.cloud.set_breach(self.now_ms, breach, on);
                self.settle_party(PartyId::CloudApi);
            }
        }
    }
}
