//! The Cloud API: hosted numbers, the decrypted store with each message's
//! retention countdown, and the HTTPS exchanges with the business.

use cipherflow_protocol::SessionSnapshot;
use serde::Serialize;

use crate::cloud_api::Statistics;
use crate::cloud_api::graph_api::{self, SendRequest};
use crate::cloud_api::store::Direction;
use crate::cloud_api::webhook::SIGNATURE_HEADER;
use crate::http::{HttpRequest, HttpResponse};
use crate::router::Simulation;
use crate::trace::EventKind;
use crate::view::{ViewOptions, WindowItem, newest};

/// The Cloud API's side of a session with one consumer.
#[derive(Debug, Clone, Serialize)]
pub struct CloudSessionPane {
    /// The consumer's E.164 number.
    pub consumer: String,
    /// Counters and public keys.
    pub session: SessionSnapshot,
}

/// One hosted business number.
#[derive(Debug, Clone, Serialize)]
pub struct NumberPane {
    /// Graph API phone number id.
    pub phone_number_id: String,
    /// WhatsApp Business Account id.
    pub waba_id: String,
    /// E.164 display number.
    pub display_phone_number: String,
    /// Business name.
    pub name: String,
    /// Public identity key, hex of `Encode(IK)`.
    pub identity_key: String,
    /// Where webhooks go.
    pub webhook_path: String,
    /// Whether the webhook passed the verification handshake.
    pub webhook_verified: bool,
    /// Counts.
    pub statistics: Statistics,
    /// The newest sessions with consumers.
    pub sessions: Vec<CloudSessionPane>,
    /// The customer service windows the Cloud API enforces.
    pub windows: Vec<WindowItem>,
    /// The templates of the number's WhatsApp Business Account.
    pub templates: Vec<TemplatePane>,
}

/// A message template and its review state.
#[derive(Debug, Clone, Serialize)]
pub struct TemplatePane {
    /// Name.
    pub name: String,
    /// Language code.
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: &'static str,
    /// `PENDING`, `APPROVED` or `REJECTED`.
    pub status: &'static str,
    /// `NONE` or why it was rejected.
    pub reason: &'static str,
    /// The body, parameters as `{{n}}`.
    pub body: String,
}

/// One stored (decrypted) message and its retention countdown.
#[derive(Debug, Clone, Serialize)]
pub struct StoredPane {
    /// Its wamid.
    pub wamid: String,
    /// Inbound (from a consumer) or outbound (from the business).
    pub direction: Direction,
    /// The business number's id.
    pub phone_number_id: String,
    /// The consumer's E.164 number.
    pub consumer: String,
    /// The plaintext the Cloud API holds.
    pub text: String,
    /// Stored at, ms.
    pub stored_at_ms: u64,
    /// Deleted at, ms.
    pub expires_at_ms: u64,
    /// Milliseconds left before deletion.
    pub expires_in_ms: u64,
    /// The envelope that carried it.
    pub envelope_id: u64,
    /// Send attempts (outbound).
    pub attempts: u32,
    /// Delivered to the consumer's device (outbound).
    pub delivered: bool,
    /// Read by the consumer (outbound).
    pub read: bool,
    /// Where an outbound message stands: `read`, `delivered`, `failed` or
    /// `attempts N`; empty for inbound messages.
    pub state: String,
    /// The key of its journey.
    pub journey: Option<String>,
}

/// One HTTPS exchange between the Cloud API and a business or a client, as
/// the wire carried it.
#[derive(Debug, Clone, Serialize)]
pub struct ExchangePane {
    /// The event's position in the trace.
    pub seq: u64,
    /// When, virtual ms.
    pub at_ms: u64,
    /// The request, bytes and all.
    pub request: HttpRequest,
    /// The response, if one came.
    pub response: Option<HttpResponse>,
    /// Why the attempt failed, for a webhook that did.
    pub error: Option<String>,
    /// `X-Hub-Signature-256`, for a webhook POST.
    pub signature: Option<String>,
    /// The keys of the messages it concerns.
    pub journeys: Vec<String>,
}

/// The Cloud API's view: decrypted messages under retention.
#[derive(Debug, Clone, Serialize)]
pub struct CloudApiPane {
    /// Retention in days.
    pub retention_days: u32,
    /// Hosted business numbers.
    pub numbers: Vec<NumberPane>,
    /// The newest stored messages, oldest first.
    pub store: Vec<StoredPane>,
    /// Messages stored in all.
    pub store_total: usize,
    /// The newest webhook attempts, answered or failed, newest first.
    pub webhooks: Vec<ExchangePane>,
    /// Webhook POSTs that failed and wait for their next attempt.
    pub webhooks_retrying: usize,
    /// The newest Graph API calls, newest first.
    pub graph: Vec<ExchangePane>,
}

fn exchange(
    seq: u64,
    at_ms: u64,
    request: &HttpRequest,
    response: Option<&HttpResponse>,
    journeys: Vec<String>,
) -> ExchangePane {
    ExchangePane {
        seq,
        at_ms,
        signature: request.header(SIGNATURE_HEADER).map(str::to_owned),
        request: request.clone(),
        response: response.cloned(),
        error: None,
        journeys,
    }
}

impl CloudApiPane {
    /// The Cloud API's pane.
    pub fn of(sim: &Simulation, options: &ViewOptions) -> CloudApiPane {
        pane(sim, options)
    }
}

fn pane(sim: &Simulation, options: &ViewOptions) -> CloudApiPane {
    let limit = options.list_limit;
    let cloud = sim.cloud_api();
    let journeys = sim.journeys();
    let key_of = |wamid: &str| journeys.with_wamid(wamid).map(|j| j.key.clone());
    let now = sim.now_ms();
    // The store's own order: retention is one period for every message, so
    // expiry order is storage order.
    let store: Vec<StoredPane> = cloud
        .store()
        .iter()
        .map(|m| StoredPane {
            wamid: m.wamid(),
            direction: m.direction,
            phone_number_id: cloud.store().phone_number_id(m).to_string(),
            consumer: m.consumer.e164(),
            text: m.text().to_owned(),
            stored_at_ms: m.stored_at_ms,
            expires_at_ms: m.expires_at_ms,
            expires_in_ms: m.expires_at_ms.saturating_sub(now),
            envelope_id: m.envelope_id,
            attempts: u32::from(m.attempts),
            delivered: m.delivered,
            read: m.read,
            state: match m.direction {
                Direction::Inbound => String::new(),
                Direction::Outbound if m.read => "read".to_owned(),
                Direction::Outbound if m.delivered => "delivered".to_owned(),
                Direction::Outbound if m.is_pending() => format!("attempts {}", m.attempts),
                Direction::Outbound => "failed".to_owned(),
            },
            journey: key_of(&m.wamid()),
        })
        .collect();
    let mut webhooks = Vec::new();
    let mut graph = Vec::new();
    for e in sim.trace().events.iter().rev() {
        if webhooks.len() >= options.recent && graph.len() >= options.recent {
            break;
        }
        match &e.kind {
            EventKind::Webhook {
                request,
                response,
                messages,
                statuses,
                ..
            } if webhooks.len() < options.recent => {
                let keys = messages
                    .iter()
                    .chain(statuses.iter().map(|s| &s.wamid))
                    .filter_map(|w| key_of(w))
                    .collect();
                webhooks.push(exchange(e.seq, e.at_ms, request, Some(response), keys));
            }
            EventKind::WebhookFailed {
                request,
                response,
                error,
                ..
            } if webhooks.len() < options.recent => {
                let mut x = exchange(e.seq, e.at_ms, request, response.as_ref(), Vec::new());
                x.error = Some(error.clone());
                webhooks.push(x);
            }
            EventKind::GraphApi {
                request,
                response,
                wamid,
            } if graph.len() < options.recent => {
                let mark_read = match graph_api::parse_send(&request.body) {
                    Ok(SendRequest::MarkRead { message_id, .. }) => Some(message_id),
                    _ => None,
                };
                let keys = wamid
                    .iter()
                    .chain(mark_read.iter())
                    .filter_map(|w| key_of(w))
                    .collect();
                graph.push(exchange(e.seq, e.at_ms, request, Some(response), keys));
            }
            _ => {}
        }
    }
    CloudApiPane {
        retention_days: cloud.retention().in_days(),
        numbers: cloud
            .numbers()
            .map(|n| NumberPane {
                phone_number_id: n.ids.phone_number_id.clone(),
                waba_id: n.ids.waba_id.clone(),
                display_phone_number: n.ids.display_phone_number.e164(),
                name: n.name.clone(),
                identity_key: hex::encode(n.identity_key().encode()),
                webhook_path: n.webhook.path.clone(),
                webhook_verified: n.webhook_verified,
                statistics: n.statistics.clone(),
                windows: n
                    .windows()
                    .into_iter()
                    .take(limit)
                    .map(|(c, closes)| WindowItem::at(c.wa_id().to_owned(), closes, now))
                    .collect(),
                templates: cloud
                    .templates(&n.ids.waba_id)
                    .iter()
                    .map(|t| TemplatePane {
                        name: t.name.clone(),
                        language: t.language.clone(),
                        category: t.category.as_str(),
                        status: t.status.as_str(),
                        reason: t.reason,
                        body: t.body.clone(),
                    })
                    .collect(),
                sessions: n
                    .sessions()
                    .take(limit)
                    .map(|(c, s)| CloudSessionPane {
                        consumer: c.e164(),
                        session: s.snapshot(),
                    })
                    .collect(),
            })
            .collect(),
        store_total: store.len(),
        store: newest(&store, limit),
        webhooks,
        webhooks_retrying: cloud.webhooks_retrying(),
        graph,
    }
}
