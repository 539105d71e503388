//! The Graph API requests the Cloud API answers: send a text, react, mark as
//! read. Route, token and body are all checked before anything changes, so a
//! refused request leaves the Cloud API exactly as it was.

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

use crate::cloud_api::CloudApi;
use crate::cloud_api::graph_api::{self, GraphError, SendRequest};
use crate::cloud_api::store::Direction;
use crate::http::{HttpRequest, HttpResponse};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::wire::{Address, AppMessage, EnvelopeId, Https, Message, ReceiptKind};

/// What an accepted request leaves to do once it is answered.
enum FollowUp {
    /// Encrypt and send the message with this wamid.
    Send(String),
    /// Send the consumer a read receipt for their envelope.
    ReadReceipt {
        phone_number_id: String,
        consumer: PhoneNumber,
        envelope_id: EnvelopeId,
    },
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
            Ok((response, follow_up)) => (response, Some(follow_up)),
            Err(e) => (e.to_response(&self.fbtrace_id(now_ms, &request)), None),
        };
        let wamid = match &follow_up {
            Some(FollowUp::Send(wamid)) => Some(wamid.clone()),
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
            Some(FollowUp::Send(wamid)) => self.transmit_new(now_ms, rng, &wamid),
            Some(FollowUp::ReadReceipt {
                phone_number_id,
                consumer,
                envelope_id,
            }) => self.send_receipt(
                now_ms,
                &phone_number_id,
                &consumer,
                ReceiptKind::Read,
                vec![envelope_id],
            ),
            None => {}
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

    fn graph(
        &mut self,
        now_ms: u64,
        request: &HttpRequest,
    ) -> Result<(HttpResponse, FollowUp), GraphError> {
        let (_version, pnid) = graph_api::route(request)?;
        let token = graph_api::bearer_token(request);
        let Some(number) = self.numbers.get(&pnid) else {
            let token_known =
                token.is_some_and(|t| self.numbers.values().any(|n| n.access_token == t));
            return Err(if token_known {
                GraphError::unknown_object(&pnid)
            } else {
                GraphError::invalid_token()
            });
        };
        if token != Some(number.access_token.as_str()) {
            return Err(GraphError::invalid_token());
        }
        match graph_api::parse_send(&request.body)? {
            SendRequest::MarkRead { message_id } => {
                let stored = self
                    .store
                    .get(&message_id)
                    .filter(|m| {
                        m.direction == Direction::Inbound && self.store.phone_number_id(m) == pnid
                    })
                    .ok_or_else(|| {
                        GraphError::invalid_value(format!(
                            "message_id {message_id} is not an inbound message held for this number"
                        ))
                    })?;
                let (consumer, envelope_id) = (stored.consumer.clone(), stored.envelope_id);
                if let Some(m) = self.store.get_mut(&message_id) {
                    m.read = true;
                }
                Ok((
                    graph_api::success_response(),
                    FollowUp::ReadReceipt {
                        phone_number_id: pnid,
                        consumer,
                        envelope_id,
                    },
                ))
            }
            SendRequest::Text { input, to, body } => {
                let key = self.store.next_wamid_key();
                let wamid = key.wamid(&to);
                let message = AppMessage::Text {
                    id: wamid.clone(),
                    body,
                    name: None,
                };
                self.accept_outbound(now_ms, &pnid, &to, key, message);
                Ok((
                    graph_api::send_response(&input, &to, &wamid),
                    FollowUp::Send(wamid),
                ))
            }
            SendRequest::Reaction {
                input,
                to,
                message_id,
                emoji,
            } => {
                // The consumer knows its own messages by its client id, and
                // the business's by wamid.
                let target = self
                    .store
                    .get(&message_id)
                    .filter(|m| m.direction == Direction::Inbound)
                    .and_then(|m| m.client_message_id().map(str::to_owned))
                    .unwrap_or(message_id);
                let key = self.store.next_wamid_key();
                let wamid = key.wamid(&to);
                let message = AppMessage::Reaction {
                    id: wamid.clone(),
                    target,
                    emoji,
                };
                self.accept_outbound(now_ms, &pnid, &to, key, message);
                Ok((
                    graph_api::send_response(&input, &to, &wamid),
                    FollowUp::Send(wamid),
                ))
            }
        }
    }
}
