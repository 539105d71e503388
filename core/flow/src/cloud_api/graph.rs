//! The Graph API requests the Cloud API answers: send a text, a reaction or
//! a template, mark as read (with a typing indicator), and create or list
//! templates. Route, token, body and limits are all checked before anything
//! changes, so a refused request leaves the Cloud API exactly as it was.

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

use crate::cloud_api::graph_api::{self, GraphError, Route, SendRequest};
use crate::cloud_api::store::Direction;
use crate::cloud_api::webhook::StatusError;
use crate::cloud_api::webhook::payload::{Pricing, PricingCategory};
use crate::cloud_api::{CloudApi, status};
use crate::http::{HttpRequest, HttpResponse};
use crate::ids::WamidKey;
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::{Address, AppMessage, EnvelopeId, Https, Message, ReceiptKind};

/// What an accepted request leaves to do once it is answered.
pub(crate) enum FollowUp {
    /// Nothing more.
    None,
    /// Encrypt and send the message with this wamid.
    Send(String),
    /// Accepted, but it may not go: a `failed` status follows.
    Fail(String, StatusError),
    /// Send the consumer a read receipt for their envelopes, and maybe show
    /// them that the business is typing.
    Read {
        phone_number_id: String,
        consumer: PhoneNumber,
        envelope_ids: Vec<EnvelopeId>,
        typing: bool,
    },
}

/// What a send carries, before it has a wamid.
enum Content {
    /// A text (a template filled in, or a reply quoting `reply_to`).
    Text {
        body: String,
        reply_to: Option<String>,
    },
    /// A reaction to `target` (as the consumer knows it).
    Reaction { target: String, emoji: String },
}

/// An outbound message the Graph API accepted, before it is stored.
pub(crate) struct Accepted {
    pub(crate) input: String,
    pub(crate) to: PhoneNumber,
    pub(crate) key: WamidKey,
    pub(crate) message: AppMessage,
    pub(crate) callback_data: Option<String>,
    pub(crate) pricing: Pricing,
}

impl CloudApi {
    /// A Graph API request arrives: answer it, then act on it.
    pub(crate) fn on_graph_request<R: CryptoRng>(
        &mut self,
        now_ms: u64,
        rng: &mut R,
        from: &Address,
        exchange: u64,
        request: HttpRequest,
    ) {
        let (response, follow_up) = match self.graph(now_ms, &request) {
            Ok(answered) => answered,
            Err(e) => (
                e.to_response(&self.fbtrace_id(now_ms, &request)),
                FollowUp::None,
            ),
        };
        let wamid = match &follow_up {
            FollowUp::Send(wamid) | FollowUp::Fail(wamid, _) => Some(wamid.clone()),
            _ => None,
        };
        self.out.event(EventKind::GraphApi {
            request,
            response: response.clone(),
            wamid,
        });
        self.out.send(
            Address::CloudApi,
            from.clone(),
            Message::Https(Https::Response { exchange, response }),
        );
        match follow_up {
            FollowUp::None => {}
            FollowUp::Send(wamid) => self.transmit_new(now_ms, rng, &wamid),
            FollowUp::Fail(wamid, error) => self.fail(now_ms, &wamid, error),
            FollowUp::Read {
                phone_number_id,
                consumer,
                envelope_ids,
                typing,
            } => {
                if !envelope_ids.is_empty() {
                    self.send_receipt(
                        now_ms,
                        &phone_number_id,
                        &consumer,
                        ReceiptKind::Read,
                        envelope_ids,
                    );
                }
                if typing {
                    self.send_typing(now_ms, &phone_number_id, &consumer);
                }
            }
        }
    }

    /// A deterministic fbtrace id derived from the request, so a refused
    /// request does not even draw from the RNG.
    fn fbtrace_id(&self, now_ms: u64, request: &HttpRequest) -> String {
        let mut h = Sha256::new();
        h.update(self.fbtrace_key);
        h.update(now_ms.to_be_bytes());
        h.update(request.method.as_bytes());
        h.update(request.path.as_bytes());
        h.update(&request.body);
        let mut s = crate::base64::url_safe(&h.finalize());
        s.truncate(23);
        s
    }

    /// The id the consumer knows a message by: its own client id for an
    /// inbound message, the wamid for the business's.
    fn consumer_id_of(&self, wamid: &str) -> String {
        self.store
            .get(wamid)
            .filter(|m| m.direction == Direction::Inbound)
            .and_then(|m| m.client_message_id().map(str::to_owned))
            .unwrap_or_else(|| wamid.to_owned())
    }

    /// Stores an accepted message and answers with its wamid. A free-form
    /// message goes only inside the customer service window; outside it, a
    /// `failed` status with 131047 follows.
    pub(crate) fn accept(
        &mut self,
        now_ms: u64,
        pnid: &str,
        a: Accepted,
    ) -> (HttpResponse, FollowUp) {
        let wamid = a.key.wamid(&a.to);
        // Only templates are priced other than as a service message.
        let template = a.pricing.category != PricingCategory::Service;
        let blocked = !template && !a.pricing.in_window;
        let response = graph_api::send_response(&a.input, &a.to, &wamid, template);
        let to = a.to.clone();
        self.accept_outbound(now_ms, pnid, a);
        self.note_send(now_ms, pnid, &to);
        let follow_up = if blocked {
            FollowUp::Fail(wamid, status::reengagement())
        } else {
            FollowUp::Send(wamid)
        };
        (response, follow_up)
    }

    /// The number behind a path, once the token is checked: an unknown id is
    /// 100/33 to a caller with a valid token, 190 to anyone else.
    pub(crate) fn authorized(
        &self,
        request: &HttpRequest,
        id_known: bool,
        id: &str,
        token_ok: impl Fn(&str) -> bool,
    ) -> Result<(), GraphError> {
        let token = graph_api::bearer_token(request);
        if !id_known {
            let token_known =
                token.is_some_and(|t| self.numbers.values().any(|n| n.access_token == t));
            return Err(if token_known {
                GraphError::unknown_object(id)
            } else {
                GraphError::invalid_token()
            });
        }
        match token {
            Some(t) if token_ok(t) => Ok(()),
            _ => Err(GraphError::invalid_token()),
        }
    }

    fn graph(
        &mut self,
        now_ms: u64,
        request: &HttpRequest,
    ) -> Result<(HttpResponse, FollowUp), GraphError> {
        let pnid = match graph_api::route(request)? {
            Route::Messages { phone_number_id } => phone_number_id,
            Route::ListTemplates { waba_id } => {
                self.authorize_waba(request, &waba_id)?;
                return Ok((self.list_templates(&waba_id), FollowUp::None));
            }
            Route::CreateTemplate { waba_id } => {
                self.authorize_waba(request, &waba_id)?;
                return Ok((
                    self.create_template(now_ms, &waba_id, request)?,
                    FollowUp::None,
                ));
            }
        };
        let number = self.numbers.get(&pnid);
        self.authorized(request, number.is_some(), &pnid, |t| {
            number.is_some_and(|n| n.access_token == t)
        })?;
        // A send: what it asks for, then one path for all kinds.
        let (input, to, callback_data, content, category) =
            match graph_api::parse_send(&request.body)? {
                SendRequest::MarkRead { message_id, typing } => {
                    return self.mark_read(&pnid, &message_id, typing);
                }
                SendRequest::Text {
                    input,
                    to,
                    body,
                    context,
                    callback_data,
                } => {
                    let reply_to = context.map(|c| self.consumer_id_of(&c));
                    let content = Content::Text { body, reply_to };
                    (input, to, callback_data, content, PricingCategory::Service)
                }
                SendRequest::Reaction {
                    input,
                    to,
                    message_id,
                    emoji,
                    callback_data,
                } => {
                    let target = self.consumer_id_of(&message_id);
                    let content = Content::Reaction { target, emoji };
                    (input, to, callback_data, content, PricingCategory::Service)
                }
                SendRequest::Template {
                    input,
                    to,
                    name,
                    language,
                    body,
                    header,
                    callback_data,
                } => {
                    let (text, category) =
                        self.render_template(&pnid, &name, &language, &body, &header)?;
                    let content = Content::Text {
                        body: text,
                        reply_to: None,
                    };
                    (input, to, callback_data, content, category.pricing())
                }
            };
        self.check_limits(now_ms, &pnid, &to)?;
        let key = self.store.next_wamid_key();
        let id = key.wamid(&to);
        let message = match content {
            Content::Text { body, reply_to } => AppMessage::Text {
                id,
                body,
                name: None,
                reply_to,
            },
            Content::Reaction { target, emoji } => AppMessage::Reaction { id, target, emoji },
        };
        let pricing = Pricing {
            category,
            in_window: self.window_open(&pnid, &to, now_ms),
        };
        Ok(self.accept(
            now_ms,
            &pnid,
            Accepted {
                input,
                to,
                key,
                message,
                callback_data,
                pricing,
            },
        ))
    }

    fn mark_read(
        &mut self,
        pnid: &str,
        message_id: &str,
        typing: bool,
    ) -> Result<(HttpResponse, FollowUp), GraphError> {
        let consumer = self
            .store
            .get(message_id)
            .filter(|m| m.direction == Direction::Inbound && self.store.phone_number_id(m) == pnid)
            .map(|m| m.consumer.clone())
            .ok_or_else(|| {
                GraphError::invalid_value(format!(
                    "message_id {message_id} is not an inbound message held for this number"
                ))
            })?;
        let envelope_ids = self.store.read_through(message_id);
        Ok((
            graph_api::success_response(),
            FollowUp::Read {
                phone_number_id: pnid.to_owned(),
                consumer,
                envelope_ids,
                typing,
            },
        ))
    }
}
