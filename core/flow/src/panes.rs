//! The four panes as plain data: what each party holds right now, read from the
//! simulation's state and nothing else. The npm module returns it from
//! `Simulation.snapshot()`; the browser app renders it.
//!
//! Lists can be long (a scale run holds thousands of consumers and messages), so
//! every list keeps only its newest [`PaneOptions::list_limit`] entries and says
//! how many there were in all.

use serde::Serialize;

use crate::business::{InboxMessage, OutboundStatus};
use crate::cloud_api::Statistics;
use crate::consumer::ChatMessage;
use crate::integrity::BusinessSignals;
use crate::ledger::MatrixComparison;
use crate::proof::ProofReport;
use crate::retention::Direction;
use crate::sim::{DeliveryStats, Simulation};
use crate::transport::EnvelopeMetadata;
use cipherflow_protocol::SessionSnapshot;

/// How much of each list a snapshot carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneOptions {
    /// The newest entries kept per list (consumers, chats, log, store, inbox...).
    pub list_limit: usize,
}

impl Default for PaneOptions {
    fn default() -> Self {
        Self { list_limit: 500 }
    }
}

/// Every pane, at one instant of virtual time.
#[derive(Debug, Clone, Serialize)]
pub struct Panes {
    /// Virtual time, ms since the Unix epoch.
    pub now_ms: u64,
    /// Events still scheduled.
    pub pending_events: usize,
    /// The consumers' phones.
    pub consumers: Vec<ConsumerPane>,
    /// Consumers in all (`consumers` holds at most the list limit).
    pub consumers_total: usize,
    /// The WhatsApp transport.
    pub transport: TransportPane,
    /// The Cloud API.
    pub cloud_api: CloudApiPane,
    /// The businesses' servers.
    pub businesses: Vec<BusinessPane>,
    /// The ciphertext-only proof.
    pub proof: ProofReport,
    /// The computed visibility matrix beside Meta's.
    pub visibility: MatrixComparison,
    /// Exactly-once counters.
    pub delivery: DeliveryStats,
    /// SHA-256 over the whole simulation state.
    pub state_digest: String,
}

/// One consumer's phone.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerPane {
    /// E.164 number.
    pub number: String,
    /// Profile name.
    pub name: String,
    /// Whether the device is online.
    pub online: bool,
    /// Envelopes awaiting a delivery receipt.
    pub unacknowledged: usize,
    /// Public identity key, hex of `Encode(IK)`.
    pub identity_key: String,
    /// One chat per business.
    pub chats: Vec<ChatPane>,
}

/// A chat with one business.
#[derive(Debug, Clone, Serialize)]
pub struct ChatPane {
    /// The business's E.164 number.
    pub business: String,
    /// The newest bubbles, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Bubbles in all.
    pub messages_total: usize,
    /// The safety number, in 12 groups of 5 digits, once a session exists.
    pub safety_number: Option<String>,
    /// The safety number before the business's identity changed.
    pub previous_safety_number: Option<String>,
    /// The consumer's side of the Signal session.
    pub session: Option<SessionSnapshot>,
}

/// The transport's view: metadata and ciphertext only.
#[derive(Debug, Clone, Serialize)]
pub struct TransportPane {
    /// The newest metadata rows, oldest first.
    pub log: Vec<EnvelopeMetadata>,
    /// Rows the transport still keeps (it keeps at most 10,000).
    pub log_total: usize,
    /// Envelopes queued per offline recipient: number and how many.
    pub queues: Vec<QueuePane>,
    /// Integrity signals per business number.
    pub integrity: Vec<IntegrityPane>,
    /// Registered devices.
    pub registered: usize,
}

/// One offline device's queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePane {
    /// The recipient's E.164 number.
    pub recipient: String,
    /// Envelope ids waiting, oldest first.
    pub envelope_ids: Vec<u64>,
}

/// What the integrity monitor sees of one business.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrityPane {
    /// The business's E.164 number.
    pub business: String,
    /// Its signals and the action in force.
    pub signals: BusinessSignals,
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
    /// Counts.
    pub statistics: Statistics,
    /// The newest sessions with consumers.
    pub sessions: Vec<CloudSessionPane>,
}

/// The Cloud API's side of a session with one consumer.
#[derive(Debug, Clone, Serialize)]
pub struct CloudSessionPane {
    /// The consumer's E.164 number.
    pub consumer: String,
    /// Counters and public keys.
    pub session: SessionSnapshot,
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
    /// The transport envelope that carried it.
    pub envelope_id: u64,
    /// Send attempts (outbound).
    pub attempts: u32,
    /// Delivered to the consumer's device (outbound).
    pub delivered: bool,
    /// Read by the consumer (outbound).
    pub read: bool,
}

/// A business's own server.
#[derive(Debug, Clone, Serialize)]
pub struct BusinessPane {
    /// Its name.
    pub name: String,
    /// The phone number id it sends from.
    pub phone_number_id: String,
    /// Whether its webhook passed the verification handshake.
    pub webhook_verified: bool,
    /// The newest webhook messages, oldest first.
    pub inbox: Vec<InboxMessage>,
    /// Inbox entries in all.
    pub inbox_total: usize,
    /// Outbound statuses.
    pub outbound: Vec<OutboundStatus>,
    /// Webhook POSTs refused for a bad signature.
    pub rejected_webhooks: u64,
}

fn newest<T: Clone>(list: &[T], limit: usize) -> Vec<T> {
    list[list.len().saturating_sub(limit)..].to_vec()
}

impl Panes {
    /// Reads every pane from `sim`.
    pub fn of(sim: &Simulation, options: PaneOptions) -> Self {
        let limit = options.list_limit;
        let now = sim.now_ms();
        let consumers: Vec<ConsumerPane> = sim
            .consumers()
            .values()
            .take(limit)
            .map(|c| ConsumerPane {
                number: c.number.e164(),
                name: c.name.clone(),
                online: c.online,
                unacknowledged: c.unacknowledged(),
                identity_key: hex::encode(c.identity_key().encode()),
                chats: c
                    .chats
                    .iter()
                    .map(|(business, messages)| ChatPane {
                        business: business.e164(),
                        messages: newest(messages, limit),
                        messages_total: messages.len(),
                        safety_number: c.safety_number(business).map(|s| s.to_string()),
                        previous_safety_number: c
                            .previous_safety_number(business)
                            .map(|s| s.to_string()),
                        session: c.session(business).map(|s| s.snapshot()),
                    })
                    .collect(),
            })
            .collect();
        let transport = sim.transport();
        let log: Vec<EnvelopeMetadata> = transport.log.iter().cloned().collect();
        let mut store: Vec<StoredPane> = sim
            .cloud_api()
            .store
            .iter()
            .map(|m| StoredPane {
                wamid: m.wamid.clone(),
                direction: m.direction,
                phone_number_id: m.phone_number_id.clone(),
                consumer: m.consumer.e164(),
                text: m.text.clone(),
                stored_at_ms: m.stored_at_ms,
                expires_at_ms: m.expires_at_ms,
                expires_in_ms: m.expires_at_ms.saturating_sub(now),
                envelope_id: m.envelope_id,
                attempts: m.attempts,
                delivered: m.delivered,
                read: m.read,
            })
            .collect();
        store.sort_by(|a, b| (a.stored_at_ms, &a.wamid).cmp(&(b.stored_at_ms, &b.wamid)));
        Self {
            now_ms: now,
            pending_events: sim.pending(),
            consumers_total: sim.consumers().len(),
            consumers,
            transport: TransportPane {
                log: newest(&log, limit),
                log_total: log.len(),
                queues: transport
                    .queues
                    .iter()
                    .filter(|(_, q)| !q.is_empty())
                    .map(|(number, q)| QueuePane {
                        recipient: number.e164(),
                        envelope_ids: q.iter().map(|e| e.id).collect(),
                    })
                    .collect(),
                integrity: transport
                    .integrity
                    .signals()
                    .iter()
                    .map(|(number, signals)| IntegrityPane {
                        business: number.e164(),
                        signals: signals.clone(),
                    })
                    .collect(),
                registered: transport.registered(),
            },
            cloud_api: CloudApiPane {
                retention_days: sim.cloud_api().retention.in_days(),
                numbers: sim
                    .cloud_api()
                    .numbers()
                    .map(|n| NumberPane {
                        phone_number_id: n.ids.phone_number_id.clone(),
                        waba_id: n.ids.waba_id.clone(),
                        display_phone_number: n.ids.display_phone_number.e164(),
                        name: n.name.clone(),
                        identity_key: hex::encode(n.account.identity_key().encode()),
                        webhook_path: n.webhook.path.clone(),
                        statistics: n.statistics.clone(),
                        sessions: n
                            .sessions
                            .keys()
                            .filter_map(|c| {
                                n.session(c).map(|s| CloudSessionPane {
                                    consumer: c.e164(),
                                    session: s.snapshot(),
                                })
                            })
                            .take(limit)
                            .collect(),
                    })
                    .collect(),
                store_total: store.len(),
                store: newest(&store, limit),
            },
            businesses: sim
                .businesses()
                .values()
                .map(|b| BusinessPane {
                    name: b.name.clone(),
                    phone_number_id: b.phone_number_id.clone(),
                    webhook_verified: b.webhook_verified,
                    inbox: newest(&b.inbox, limit),
                    inbox_total: b.inbox.len(),
                    outbound: newest(&b.outbound, limit),
                    rejected_webhooks: b.rejected_webhooks,
                })
                .collect(),
            proof: sim.proof(),
            visibility: sim.visibility(),
            delivery: sim.delivery_stats().clone(),
            state_digest: sim.state_digest(),
        }
    }
}
