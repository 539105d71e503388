// Precise types for the plain objects the simulation API returns and accepts.
// Appended to the generated .d.ts of the full build `cipherflow` only, after
// protocol.d.ts (see web/src/lib.rs); the conventions are stated there.

// ---------------------------------------------------------------------------
// JSON and errors
// ---------------------------------------------------------------------------

/** Any JSON value: what `JSON.parse` can return. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The codes only the simulation API (`Simulation`, `importTrace`, ...) can throw, besides every `ProtocolErrorCode`. */
export type FlowErrorCode =
  /** Not a valid phone number. */
  | "INVALID_PHONE_NUMBER"
  /** Simulation options out of range (fault probabilities, retention days). */
  | "INVALID_CONFIG"
  /** No consumer with that number in the simulation. */
  | "UNKNOWN_CONSUMER"
  /** No business with that phone number id in the simulation. */
  | "UNKNOWN_BUSINESS"
  /** The number is already registered in the simulation. */
  | "NUMBER_TAKEN"
  /** The number is not registered on the simulated WhatsApp. */
  | "NOT_REGISTERED"
  /** A message text that is empty or too long. */
  | "INVALID_TEXT"
  /** A reply or reaction names a message that is not in the chat. */
  | "UNKNOWN_MESSAGE"
  /** A trace that is not valid trace JSON, or holds no events to check. */
  | "INVALID_TRACE"
  /** One call would run more simulation steps than its budget allows (a fault feedback loop, or a huge clock move). */
  | "WORK_LIMIT";

// ---------------------------------------------------------------------------
// Simulation options (camelCase, all optional)
// ---------------------------------------------------------------------------

/** Options of `new Simulation`. */
export interface SimulationOptions {
  /** The RNG seed (a non-negative integer, default 0): same seed and same actions give the same bytes. */
  seed?: number;
  /** How long the Cloud API keeps messages, 1 to 30 days (default 30). */
  retentionDays?: number;
  /** Virtual start time, ms since the Unix epoch (default 1,750,000,000,000). */
  startMs?: number;
  /** Transport fault probabilities (default: no faults). */
  faults?: FaultOptions;
  /** Faults on the link to the businesses' webhook endpoints (default: none). */
  webhookFaults?: WebhookFaultOptions;
  /** How the Cloud API groups webhook updates into POSTs (default: one per POST). */
  webhooks?: WebhookOptions;
  /** Integrity thresholds; missing ones keep their defaults. */
  integrity?: IntegrityOptions;
  /** Keep every trace event (`"full"`, the default) or only count them (`"count_only"`, for scale runs). */
  trace?: TraceMode;
  /** Keep at most this many bubbles per chat and entries per business inbox and status list (default: all). */
  historyLimit?: number;
}

/** Webhook link fault probabilities, each from 0 to 1; missing ones are 0. */
export interface WebhookFaultOptions {
  /** The endpoint answers 503; the business never sees the POST. */
  fail?: number;
  /** The business processes the POST but answers after the Cloud API's 20 s timeout: it is posted again. */
  timeout?: number;
  /** The POST arrives twice. */
  duplicate?: number;
  /** The POST is held back 1 to 5 s, so later ones overtake it. */
  reorder?: number;
}

/** Webhook batching. */
export interface WebhookOptions {
  /** The most updates (messages and statuses) in one POST, 1 to 1000 (default 1). */
  batchMax?: number;
  /** How long an update waits for others to share its POST, 0 to 60,000 ms (default 0). */
  batchWindowMs?: number;
}

/** Transport fault probabilities, each from 0 to 1; missing ones are 0. */
export interface FaultOptions {
  /** A delivery is lost. */
  drop?: number;
  /** An envelope is delivered twice. */
  duplicate?: number;
  /** A delivery is held back, so later envelopes overtake it. */
  reorder?: number;
  /** One bit of the Signal bytes is flipped. */
  tamper?: number;
  /** An envelope delivered earlier is delivered again. */
  replay?: number;
}

/** Integrity thresholds of the transport's monitor; missing ones keep their defaults. */
export interface IntegrityOptions {
  /** The sliding window, in ms (default 3,600,000). */
  windowMs?: number;
  /** Messages per window above which a business is flagged (default 1,000). */
  flagMessages?: number;
  /** Messages per window above which a business's sends are refused (default 5,000). */
  throttleMessages?: number;
  /** Share (0 to 1) of all registered users reached within the window above which a business is flagged (default 0.5). */
  flagRecipientShare?: number;
  /** Spam reports after which a business is blocked (default 3). */
  blockSpamReports?: number;
}

/** Options of `Simulation.snapshot`. */
export interface SnapshotOptions {
  /** The newest entries kept per list (default 500). */
  listLimit?: number;
  /** Recent lines kept: faults and verdicts, webhooks, Graph API calls (default 6, at most 1,000). */
  recent?: number;
}

/** A deliberate policy breach: a workshop's "what if" (switched in the demo app and the Rust API). */
export type BreachName =
  | "content_to_rest_of_meta"
  | "plaintext_to_transport"
  | "consumer_numbers_to_rest_of_meta"
  | "integrity_to_rest_of_meta"
  | "retention_never_purges";

// ---------------------------------------------------------------------------
// HTTP, as the JS API takes and returns it
// ---------------------------------------------------------------------------

/** An HTTP request as a Graph API client would send it. */
export interface HttpRequestInit {
  /** `GET`, `POST`, ... */
  method: string;
  /** Path with optional query string, e.g. `/v21.0/106540352242922/messages`. */
  path: string;
  /** Headers: an object of strings or `[name, value]` pairs (order kept). */
  headers?: Record<string, string> | [string, string][];
  /** The body: a string (sent as UTF-8), bytes, or any other JSON value (sent as its `JSON.stringify`). */
  body?: string | Uint8Array | JsonValue;
}

/** An HTTP response from the simulation. */
export interface HttpResponse {
  /** Status code. */
  status: number;
  /** Header names and values (a repeated name keeps its last value). */
  headers: Record<string, string>;
  /** The body as text (invalid UTF-8 replaced by U+FFFD). */
  body: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  json: JsonValue | null;
}

// ---------------------------------------------------------------------------
// Simulation: handles, proof, visibility
// ---------------------------------------------------------------------------

/** A phone number in a trace or an envelope: digits only, no `+` (e.g. `"16505551234"`). */
export type WaId = string;

/** Ids and credentials of a business created with `Simulation.addBusiness`. */
export interface BusinessHandle {
  /** Graph API phone number id. */
  phone_number_id: string;
  /** WhatsApp Business Account id. */
  waba_id: string;
  /** The business's number, digits only (no `+`). */
  display_phone_number: WaId;
  /** Bearer token for the Graph API. */
  access_token: string;
  /** App secret that signs webhooks (`X-Hub-Signature-256`). */
  app_secret: string;
  /** Verify token of the webhook handshake. */
  verify_token: string;
}

/** The ciphertext-only proof: every transport byte scanned for every plaintext. */
export interface ProofReport {
  /** Plaintexts checked. */
  messages_checked: number;
  /** Plaintexts shorter than one 8-byte window (not scannable). */
  too_short_to_scan: number;
  /** Bytes of transport data scanned. */
  bytes_scanned: number;
  /** Windows of plaintext found in transport data: 0 means ciphertext only. */
  matches: number;
  /** Envelopes the transport tampered with. */
  tampered_envelopes: number;
  /** Of those, how many the recipient rejected. */
  tampered_rejected: number;
  /** True when there are no matches and every tampered envelope was rejected. */
  holds: boolean;
}

/**
 * Meta's data categories for Cloud API businesses. The matrix rows use the six
 * of Meta's table; `encrypted_content` is recorded internally for the proof.
 */
export type DataCategory =
  | "message_content"
  | "consumer_phone_number"
  | "non_identifiable_statistics"
  | "integrity_signals"
  | "business_information"
  | "billing"
  | "encrypted_content";

/** The system Meta's table names as the data's home (Meta's labels, verbatim). */
export type DataSystem = "Cloud API" | "WhatsApp client" | "Business Manager";

/** A kind of party, as the ledger counts them. */
export type PartyKind =
  | "consumer"
  | "transport"
  | "cloud_api"
  | "business"
  | "business_manager"
  | "rest_of_meta"
  | "external";

/** One row of the visibility matrix. */
export interface MatrixRow {
  /** The category. */
  data: DataCategory;
  /** Meta's label for it, e.g. `"Message content"`. */
  label: string;
  /** The system. Computed rows: `null` when nothing of the category was seen in the run. */
  system: DataSystem | null;
  /** Available to the rest of Meta? */
  rest_of_meta: boolean;
  /** Available to WhatsApp? */
  whatsapp: boolean;
  /** Computed rows: the parties that supplied it to the rest of Meta. */
  rest_of_meta_from: PartyKind[];
  /** Computed rows: the parties that supplied it to WhatsApp (the transport). */
  whatsapp_from: PartyKind[];
}

/** A column of Meta's table. */
export type MatrixColumn = "rest_of_meta" | "whatsapp";

/** A computed cell that differs from Meta's table. */
export interface MatrixDisagreement {
  /** The row. */
  data: DataCategory;
  /** The column. */
  column: MatrixColumn;
  /** `breach`: available in the run where Meta says it is not; `not_observed`: Meta says available and nothing of it reached that party yet. */
  difference: "breach" | "not_observed";
}

/** The visibility matrix computed from the run, beside Meta's published one. */
export interface MatrixComparison {
  /** Computed from what the router delivered (and, for content, from the ciphertext-only proof). */
  computed: MatrixRow[];
  /** Meta's published table, in its order. */
  published: MatrixRow[];
  /** Whether every cell and every system agree. */
  all_agree: boolean;
  /** The cells that differ. */
  disagreements: MatrixDisagreement[];
  /** The rows whose computed system differs from Meta's. */
  system_differs: DataCategory[];
}

/** The retention check (`Panes.retention`): does anything outlive the retention period? */
export interface RetentionReport {
  /** The retention period, in days. */
  retention_days: number;
  /** Messages the Cloud API holds. */
  stored: number;
  /** Of those, how many are past their retention (should have been purged). */
  overdue: number;
  /** When the oldest held message was stored, virtual ms. */
  oldest_stored_at_ms: number | null;
  /** Envelopes the transport queues. */
  queued: number;
  /** Of those, how many were first sent longer ago than the retention period. */
  queued_overdue: number;
  /** True when nothing is overdue. */
  holds: boolean;
}

/** Exactly-once delivery counters. */
export interface DeliveryStats {
  /** Messages consumers sent. */
  consumer_sent: number;
  /** Of those, delivered to the business's webhook (once per message id). */
  delivered_to_business: number;
  /** Webhook deliveries of a message id already delivered (must stay 0). */
  duplicate_business_deliveries: number;
  /** Messages businesses sent. */
  business_sent: number;
  /** Of those, shown to the consumer. */
  delivered_to_consumer: number;
}

// ---------------------------------------------------------------------------
// Panes (`Simulation.snapshot()`)
// ---------------------------------------------------------------------------

/** Ticks on a sent message: clock, one grey tick, two grey ticks, two blue ticks; or failed (not on WhatsApp, no session possible). */
export type Ticks = "pending" | "sent" | "delivered" | "read" | "failed";

/** A chat bubble on a consumer's phone. */
export interface ChatMessage {
  /** The message id (the client's own id, or the business's wamid). */
  id: string;
  /** The envelope that carried it: the consumer's own id (outgoing) or the business number's (incoming). */
  envelope_id: number;
  /** Sent by this consumer? */
  outgoing: boolean;
  /** The text. */
  text: string;
  /** When, virtual ms. */
  at_ms: number;
  /** Ticks (meaningful for outgoing messages). */
  ticks: Ticks;
  /** Whether the consumer has read it (incoming messages). */
  read: boolean;
  /** The emoji the other side reacted with, if any. */
  reaction: string | null;
  /** The id of the message this one quotes (a reply), if any: find it in the chat's `messages`. */
  reply_to: string | null;
}

/** A consumer's chat with one business. */
export interface ChatPane {
  /** The business's number in E.164 (`+` and digits). */
  business: string;
  /** The newest bubbles, oldest first. A bubble's `id` is also its message's journey key (the client's id, or the wamid). */
  messages: ChatMessage[];
  /** Bubbles in all. */
  messages_total: number;
  /** Incoming bubbles not read yet. */
  unread: number;
  /** The safety number (12 groups of 5 digits, space-separated) once a session exists. */
  safety_number: string | null;
  /** The safety number before the business's identity changed. */
  previous_safety_number: string | null;
  /** Whether the business's identity key changed (the phone warns). */
  identity_changed: boolean;
  /** The consumer's side of the Signal session, if one exists. */
  session: SessionSnapshot | null;
  /** Whether the chat shows "typing…" (a typing indicator: at most 25 s, ended by the reply). */
  typing: boolean;
}

/** One consumer's phone. */
export interface ConsumerPane {
  /** The number in E.164 (`+` and digits). */
  number: string;
  /** Profile name. */
  name: string;
  /** Whether the device is online. */
  online: boolean;
  /** Messages awaiting a delivery receipt. */
  unacknowledged: number;
  /** Public identity key, hex of its 33 bytes. */
  identity_key: string;
  /** One chat per business. */
  chats: ChatPane[];
}

/** The kind of payload an envelope carries. */
export type PayloadKind = "signal" | "receipt" | "retry_request" | "typing";

/** What the transport sees of one envelope. */
export interface EnvelopeMetadata {
  /** Envelope id (each sender counts its own). */
  id: number;
  /** Sender, digits only (no `+`). */
  from: WaId;
  /** Recipient, digits only (no `+`). */
  to: WaId;
  /** When it was accepted, virtual ms. */
  at_ms: number;
  /** Size in bytes. */
  size: number;
  /** What it carries. */
  kind: PayloadKind;
  /** Whether the sender had sent it before (same id). */
  retransmission: boolean;
  /** Its position in the log (oldest kept = 0). */
  position: number;
  /** The first 12 bytes of its Signal ciphertext, hex (empty for receipts and retry requests). */
  preview: string;
  /** The key of the message it carried (Signal envelopes), when the trace has it. */
  journey: string | null;
}

/** One offline device's queue on the transport. */
export interface QueuePane {
  /** The recipient's number in E.164. */
  recipient: string;
  /** Envelope ids waiting, oldest first. */
  envelope_ids: number[];
}

/** The transport's current action on a business, in escalating order. */
export type IntegrityAction = "none" | "flagged" | "throttled" | "blocked";

/** What the integrity monitor knows about one business: counts only, never content. */
export interface BusinessSignals {
  /** Messages sent in the current window. */
  messages_in_window: number;
  /** Distinct recipients in the current window. */
  recipients_in_window: number;
  /** Spam reports received in total. */
  spam_reports: number;
  /** The current action. */
  action: IntegrityAction;
  /** Why the action was taken, once one was. */
  reason: string | null;
}

/** The integrity monitor's view of one business. */
export interface IntegrityPane {
  /** The business's number in E.164. */
  business: string;
  /** Its signals and the action in force. */
  signals: BusinessSignals;
  /** The action's name. */
  action: IntegrityAction;
}

/** One line of a pane's list: a fault, or what a recipient did with what it got. */
export interface PaneLine {
  /** The event's position in the trace. */
  seq: number;
  /** When, virtual ms. */
  at_ms: number;
  /** What happened, in words. */
  text: string;
}

/** The ciphertext-only proof, said in words. */
export interface ProofBadge {
  /** Whether no plaintext was found. */
  holds: boolean;
  /** The badge. */
  text: string;
  /** How it was computed. */
  detail: string;
}

/** The WhatsApp transport's view: metadata and ciphertext only. */
export interface TransportPane {
  /** The newest metadata rows, oldest first. */
  log: EnvelopeMetadata[];
  /** Rows the transport still keeps (at most 10,000). */
  log_total: number;
  /** Envelopes accepted in all. */
  accepted_total: number;
  /** Envelopes queued per offline recipient. */
  queues: QueuePane[];
  /** Integrity signals per business number. */
  integrity: IntegrityPane[];
  /** Registered devices. */
  registered: number;
  /** The newest faults and verdicts, newest first. */
  verdicts: PaneLine[];
  /** The proof badge. */
  badge: ProofBadge;
}

/** Running counts the Cloud API shares: they identify no one. */
export interface Statistics {
  /** Inbound messages decrypted. */
  inbound: number;
  /** Outbound messages accepted. */
  outbound: number;
  /** Webhooks posted. */
  webhooks: number;
}

/** The Cloud API's side of a session with one consumer. */
export interface CloudSessionPane {
  /** The consumer's number in E.164. */
  consumer: string;
  /** Counters and public keys. */
  session: SessionSnapshot;
}

/** One business number hosted on the Cloud API. */
export interface NumberPane {
  /** Graph API phone number id. */
  phone_number_id: string;
  /** WhatsApp Business Account id. */
  waba_id: string;
  /** The display number in E.164. */
  display_phone_number: string;
  /** Business name. */
  name: string;
  /** Public identity key, hex of its 33 bytes. */
  identity_key: string;
  /** Where its webhooks go. */
  webhook_path: string;
  /** Whether the webhook passed the verification handshake. */
  webhook_verified: boolean;
  /** Counts. */
  statistics: Statistics;
  /** The newest sessions with consumers. */
  sessions: CloudSessionPane[];
  /** The customer service windows the Cloud API enforces. */
  windows: WindowItem[];
  /** The templates of the number's WhatsApp Business Account. */
  templates: TemplatePane[];
}

/** A customer service window with one consumer: free-form messages may go while it is open. */
export interface WindowItem {
  /** The consumer's number, digits only. */
  consumer: WaId;
  /** When it closes (or closed): the consumer's last message + 24 h, virtual ms. */
  closes_at_ms: number;
  /** Milliseconds left (0 when closed). */
  closes_in_ms: number;
  /** Whether it is open. */
  open: boolean;
}

/** A message template and its review state, at the Cloud API. */
export interface TemplatePane {
  /** Name. */
  name: string;
  /** Language code, e.g. `en_US`. */
  language: string;
  /** Category. */
  category: "MARKETING" | "UTILITY" | "AUTHENTICATION";
  /** Review state. */
  status: "PENDING" | "APPROVED" | "REJECTED";
  /** `NONE`, or why it was rejected (`INVALID_FORMAT`). */
  reason: string;
  /** The body, parameters as `{{1}}`... */
  body: string;
}

/** Inbound (from a consumer) or outbound (from the business). */
export type Direction = "inbound" | "outbound";

/** One message the Cloud API stores (decrypted) and its retention countdown. */
export interface StoredPane {
  /** Its wamid. */
  wamid: string;
  /** Inbound or outbound. */
  direction: Direction;
  /** The business number's id. */
  phone_number_id: string;
  /** The consumer's number in E.164. */
  consumer: string;
  /** The plaintext the Cloud API holds. */
  text: string;
  /** Stored at, virtual ms. */
  stored_at_ms: number;
  /** Deleted at, virtual ms. */
  expires_at_ms: number;
  /** Milliseconds left before deletion. */
  expires_in_ms: number;
  /** The envelope that carried it: the consumer's (inbound) or the business number's (outbound; 0 until encrypted). */
  envelope_id: number;
  /** Send attempts (outbound). */
  attempts: number;
  /** Delivered to the consumer's device (outbound). */
  delivered: boolean;
  /** Read by the consumer (outbound). */
  read: boolean;
  /** Where an outbound message stands: `read`, `delivered`, `failed` or `attempts N`; empty for inbound. */
  state: string;
  /** The key of its journey. */
  journey: string | null;
}

/** One HTTPS exchange between the Cloud API and a business (a webhook) or a client (a Graph API call). */
export interface ExchangePane {
  /** The event's position in the trace. */
  seq: number;
  /** When, virtual ms. */
  at_ms: number;
  /** The request, bytes and all (a webhook POST, or a Graph API call). */
  request: TraceHttpRequest;
  /** The response; `null` when a webhook attempt got none (refused, timed out). */
  response: TraceHttpResponse | null;
  /** Why a webhook attempt failed (`HTTP 503`, `connection refused`, `timed out`). */
  error: string | null;
  /** `X-Hub-Signature-256`, for a webhook POST. */
  signature: string | null;
  /** The keys of the messages it concerns. */
  journeys: string[];
}

/** The Cloud API's view: decrypted messages under retention. */
export interface CloudApiPane {
  /** Retention in days. */
  retention_days: number;
  /** Hosted business numbers. */
  numbers: NumberPane[];
  /** The newest stored messages, oldest first. */
  store: StoredPane[];
  /** Messages stored in all. */
  store_total: number;
  /** The newest webhook attempts, answered or failed, newest first. */
  webhooks: ExchangePane[];
  /** Webhook POSTs that failed and wait for their next attempt (retried for up to 7 days). */
  webhooks_retrying: number;
  /** The newest Graph API calls, newest first. */
  graph: ExchangePane[];
}

/** One inbound message in a business's inbox, as its webhook received it. */
export interface InboxMessage {
  /** The wamid. */
  wamid: string;
  /** The consumer's number, digits only (no `+`). */
  from: WaId;
  /** The profile name the webhook carried. */
  profile_name: string;
  /** The text, or a reaction's emoji (empty: the reaction was removed). */
  body: string;
  /** `text` or `reaction`. */
  kind: string;
  /** The wamid it quotes (`context.id`) or reacts to (`reaction.message_id`). */
  reply_to: string | null;
  /** The webhook's timestamp: Unix seconds, as a decimal string. */
  timestamp: string;
  /** Always true: a message whose signature does not verify never gets here. */
  signature_verified: boolean;
  /** Whether the business marked it read. */
  marked_read: boolean;
  /** The key of its journey. */
  journey: string | null;
}

/**
 * A status of an outbound message. The simulation's Cloud API sends these four;
 * the field holds whatever a signed status webhook said, so other strings are
 * possible from a forged (correctly signed) webhook.
 */
export type OutboundStatusValue = "sent" | "delivered" | "read" | "failed" | (string & {});

/** The latest status of an outbound message, as status webhooks reported it. */
export interface OutboundStatus {
  /** The wamid. */
  wamid: string;
  /** The recipient, digits only (no `+`). */
  recipient_id: WaId;
  /** `sent`, `delivered`, `read` or `failed`. */
  status: OutboundStatusValue;
  /** The Graph API error code of a failure. */
  error_code: number | null;
  /** `pricing.billable` as the statuses said (`null` until a priced status came). */
  billable: boolean | null;
  /** `pricing.category`: `service`, `utility`, `marketing` or `authentication`. */
  pricing_category: string | null;
  /** The `biz_opaque_callback_data` the statuses echoed. */
  callback_data: string | null;
  /** The text the business sent (or the reaction's emoji). */
  text: string;
  /** The key of its journey. */
  journey: string | null;
}

/** A business's own server. */
export interface BusinessPane {
  /** Its name. */
  name: string;
  /** The phone number id it sends from. */
  phone_number_id: string;
  /** Whether its webhook passed the verification handshake. */
  webhook_verified: boolean;
  /** The newest webhook messages, oldest first. */
  inbox: InboxMessage[];
  /** Inbox entries in all. */
  inbox_total: number;
  /** Outbound statuses, by first appearance (the newest). */
  outbound: OutboundStatus[];
  /** Webhook POSTs refused for a bad signature. */
  rejected_webhooks: number;
  /** Messages that arrived again (webhooks are at least once) and were kept once, by wamid. */
  duplicates_ignored: number;
  /** Statuses that arrived after a later status of their message, and changed nothing. */
  stale_statuses: number;
  /** The customer service windows as the business can tell them from its inbox. */
  windows: WindowItem[];
  /** Templates, as `message_template_status_update` webhooks reported them. */
  templates: TemplateState[];
  /** Billed and free messages, counted from the statuses' `pricing`. */
  billing_from_statuses: BillingCounts;
  /** What Business Manager has on record. */
  billing_by_meta: BillingCounts;
}

/** A template as the business learnt it by webhook. */
export interface TemplateState {
  /** Name. */
  name: string;
  /** Language. */
  language: string;
  /** `APPROVED`, `REJECTED`... */
  status: string;
  /** `NONE` or why it was rejected. */
  reason: string;
  /** Category. */
  category: string;
}

/** Billed and free messages. */
export interface BillingCounts {
  /** Billed (`pricing.billable: true`, `type: "regular"`). */
  billable: number;
  /** Free (`type: "free_customer_service"`). */
  free: number;
}

/** A deliberate breach, on or off. */
export interface BreachPane {
  /** Its name. */
  name: BreachName;
  /** The workshop's question. */
  description: string;
  /** On? */
  on: boolean;
}

/** Every pane at one instant of virtual time (`Simulation.snapshot()`): the view-model the demo app renders too. */
export interface Panes {
  /** Virtual time, ms since the Unix epoch. */
  now_ms: number;
  /** When the simulation started, ms since the Unix epoch. */
  start_ms: number;
  /** Deliveries in flight and deadlines still scheduled. */
  pending_events: number;
  /** The consumers' phones (at most the list limit). */
  consumers: ConsumerPane[];
  /** Consumers in all. */
  consumers_total: number;
  /** The WhatsApp transport. */
  transport: TransportPane;
  /** The Cloud API. */
  cloud_api: CloudApiPane;
  /** The businesses' servers. */
  businesses: BusinessPane[];
  /** The ciphertext-only proof. */
  proof: ProofReport;
  /** The computed visibility matrix beside Meta's. */
  visibility: MatrixComparison;
  /** The retention check. */
  retention: RetentionReport;
  /** The deliberate breaches, on or off. */
  breaches: BreachPane[];
  /** Exactly-once counters. */
  delivery: DeliveryStats;
  /** SHA-256 over the whole simulation state, hex. */
  state_digest: string;
}

// ---------------------------------------------------------------------------
// Trace (`Simulation.trace()`, `importTrace`, JSON of `exportTrace()`)
// ---------------------------------------------------------------------------

/** Whether a trace keeps every event or only counts them. */
export type TraceMode = "full" | "count_only";

/** A receipt kind. */
export type ReceiptKind = "delivered" | "read";

/** A transport fault that happened. */
export type Fault = "drop" | "duplicate" | "reorder" | "tamper" | "replay";

/** What a transport envelope carries, tagged by `kind`. */
export type Payload =
  | {
      /** A Signal envelope. */
      kind: "signal";
      /** The `cipherflow v1` wire bytes, as hex. */
      bytes: string;
    }
  | {
      /** A receipt for earlier envelopes. */
      kind: "receipt";
      /** Delivered or read. */
      receipt: ReceiptKind;
      /** The envelope ids acknowledged. */
      ids: number[];
    }
  | {
      /** "I have no session for this envelope: start a new one and send it again." */
      kind: "retry_request";
      /** The envelope that could not be decrypted. */
      id: number;
    }
  | {
      /** "typing…": a chat state, shown for at most 25 s from `sent_at_ms`. */
      kind: "typing";
    };

/** One envelope on the transport, exactly as the transport saw it. */
export interface TransportEnvelope {
  /** Its id (retransmissions reuse it). */
  id: number;
  /** Sender, digits only. */
  from: WaId;
  /** Recipient, digits only. */
  to: WaId;
  /** When the sender first sent it, virtual ms. */
  sent_at_ms: number;
  /** What it carries. */
  payload: Payload;
}

/** An HTTP request as the trace records it. */
export interface TraceHttpRequest {
  /** `GET`, `POST`, ... */
  method: string;
  /** Path with optional query string. */
  path: string;
  /** Header names and values, in order. */
  headers: [string, string][];
  /** The body: UTF-8 text, or `"hex:"` and hex when it is not text (or starts with `hex:`). */
  body: string;
}

/** An HTTP response as the trace records it. */
export interface TraceHttpResponse {
  /** Status code. */
  status: number;
  /** Header names and values, in order. */
  headers: [string, string][];
  /** The body: UTF-8 text, or `"hex:"` and hex when it is not text. */
  body: string;
}

/** Fields every trace event has. */
export interface TraceEventBase {
  /** Position in the trace: 0, 1, 2... */
  seq: number;
  /** Virtual time, ms. */
  at_ms: number;
}

/** A consumer's client encrypted and sent a message. */
export interface ConsumerSentEvent extends TraceEventBase {
  type: "consumer_sent";
  /** Sender. */
  consumer: WaId;
  /** The business number. */
  business: WaId;
  /** The client's message id. */
  message_id: string;
  /** The text. */
  text: string;
  /** The transport envelope carrying it. */
  envelope_id: number;
}

/** A Signal session was created. */
export interface SessionCreatedEvent extends TraceEventBase {
  type: "session_created";
  /** The number of the party holding it. */
  holder: WaId;
  /** The other end. */
  peer: WaId;
  /** Whether `holder` initiated. */
  initiator: boolean;
  /** The peer's identity key, hex of its 33 bytes. */
  remote_identity: string;
  /** Whether it differs from the identity the holder knew for the peer (the safety number changed). */
  identity_changed: boolean;
}

/** The transport accepted an envelope: everything the transport sees. */
export interface TransportAcceptedEvent extends TraceEventBase {
  type: "transport_accepted";
  /** The whole envelope, bytes included. */
  envelope: TransportEnvelope;
  /** Its size in bytes. */
  size: number;
  /** Whether the sender had sent it before. */
  retransmission: boolean;
}

/** The recipient was offline: the envelope was queued. */
export interface TransportQueuedEvent extends TraceEventBase {
  type: "transport_queued";
  /** The envelope's sender. */
  from: WaId;
  /** The envelope. */
  envelope_id: number;
  /** For whom. */
  to: WaId;
}

/** The transport refused an envelope from a business under integrity action. */
export interface TransportRefusedEvent extends TraceEventBase {
  type: "transport_refused";
  /** The envelope. */
  envelope_id: number;
  /** The business. */
  business: WaId;
  /** The action in force. */
  action: IntegrityAction;
}

/** The network injected a fault on a delivery. */
export interface TransportFaultEvent extends TraceEventBase {
  type: "transport_fault";
  /** The envelope's sender. */
  from: WaId;
  /** The envelope. */
  envelope_id: number;
  /** Its recipient. */
  to: WaId;
  /** Which fault. */
  fault: Fault;
}

/** An envelope reached its recipient. */
export interface TransportDeliveredEvent extends TraceEventBase {
  type: "transport_delivered";
  /** The envelope's sender. */
  from: WaId;
  /** The envelope. */
  envelope_id: number;
  /** Recipient. */
  to: WaId;
  /** Whether a bit was flipped on the way. */
  tampered: boolean;
}

/** The Cloud API decrypted a consumer's message on the business's behalf. */
export interface CloudApiDecryptedEvent extends TraceEventBase {
  type: "cloud_api_decrypted";
  /** The envelope. */
  envelope_id: number;
  /** The consumer. */
  from: WaId;
  /** The business's phone number id. */
  phone_number_id: string;
  /** The consumer client's message id. */
  message_id: string;
  /** The wamid assigned. */
  wamid: string;
  /** The plaintext. */
  text: string;
}

/** The Cloud API encrypted a business's message into an envelope (the link from wamid to envelope). */
export interface CloudApiEncryptedEvent extends TraceEventBase {
  type: "cloud_api_encrypted";
  /** The business's phone number id. */
  phone_number_id: string;
  /** The business number (the envelope's sender). */
  business: WaId;
  /** The message. */
  wamid: string;
  /** The business number's envelope that carries it. */
  envelope_id: number;
  /** The consumer. */
  to: WaId;
  /** The session generation (a new one after each rebuild). */
  epoch: number;
}

/** A recipient refused an envelope (failed authentication, unknown session...). */
export interface RejectedEvent extends TraceEventBase {
  type: "rejected";
  /** Who refused it. */
  by: WaId;
  /** The envelope's sender. */
  from: WaId;
  /** The envelope. */
  envelope_id: number;
  /** Why. */
  error: string;
  /** Whether the network had tampered with it (the router knows; the recipient only saw it did not verify). */
  tampered: boolean;
  /** Whether the bytes decrypted (and what was inside was refused). */
  decrypted: boolean;
}

/** A recipient saw a message it had already processed and only re-acknowledged it. */
export interface DuplicateIgnoredEvent extends TraceEventBase {
  type: "duplicate_ignored";
  /** Who. */
  by: WaId;
  /** The envelope's sender. */
  from: WaId;
  /** The envelope. */
  envelope_id: number;
  /** Whether the bytes decrypted (a message re-sent under a new session) or the ratchet refused a replay of bytes decrypted before. */
  decrypted: boolean;
}

/** A consumer's client decrypted a business message. */
export interface ConsumerReceivedEvent extends TraceEventBase {
  type: "consumer_received";
  /** Recipient. */
  consumer: WaId;
  /** The business. */
  business: WaId;
  /** The wamid. */
  message_id: string;
  /** The text, or the emoji of a reaction. */
  text: string;
  /** The business number's envelope that carried it. */
  envelope_id: number;
}

/** A receipt was sent. */
export interface ReceiptSentEvent extends TraceEventBase {
  type: "receipt_sent";
  /** Sender of the receipt. */
  by: WaId;
  /** To whom. */
  to: WaId;
  /** Delivered or read. */
  receipt: ReceiptKind;
  /** The envelopes acknowledged (`to` sent them). */
  ids: number[];
  /** The receipt's own envelope. */
  envelope_id: number;
}

/** The recipient had no session: it asked the sender to start a new one. */
export interface RetryRequestedEvent extends TraceEventBase {
  type: "retry_requested";
  /** Who asked. */
  by: WaId;
  /** The envelope's sender. */
  from: WaId;
  /** The envelope. */
  envelope_id: number;
  /** Why no session could read it. */
  reason: string;
}

/** A sender got a retry request, but session rebuilds back off: it keeps retransmitting until `until_ms`. */
export interface RetryDeferredEvent extends TraceEventBase {
  type: "retry_deferred";
  /** The sender. */
  by: WaId;
  /** The envelope the request named. */
  envelope_id: number;
  /** No rebuild before this time. */
  until_ms: number;
}

/** A sender sent an unacknowledged envelope again. */
export interface RetransmittedEvent extends TraceEventBase {
  type: "retransmitted";
  /** Who. */
  by: WaId;
  /** The envelope. */
  envelope_id: number;
  /** Attempt number (2 = first retransmission). */
  attempt: number;
}

/** The Cloud API posted a webhook to the business. */
export interface WebhookEvent extends TraceEventBase {
  type: "webhook";
  /** The business's phone number id. */
  phone_number_id: string;
  /** The Cloud API's exchange number. */
  exchange: number;
  /** The exact signed request. */
  request: TraceHttpRequest;
  /** The business's answer. */
  response: TraceHttpResponse;
  /** The wamids of the messages it carried. */
  messages: string[];
  /** The statuses it carried. */
  statuses: { wamid: string; status: string }[];
  /** Which attempt this was (1 = the first). */
  attempt: number;
}

/** A webhook attempt failed: an answer other than 200, or none. */
export interface WebhookFailedEvent extends TraceEventBase {
  type: "webhook_failed";
  /** The business's phone number id. */
  phone_number_id: string;
  /** The Cloud API's exchange number. */
  exchange: number;
  /** The exact signed request. */
  request: TraceHttpRequest;
  /** The answer, if one came. */
  response: TraceHttpResponse | null;
  /** `HTTP 503`, `connection refused`, `timed out`. */
  error: string;
  /** Which attempt this was. */
  attempt: number;
  /** When the next attempt is due; `null` when there is none. */
  retry_at_ms: number | null;
}

/** The Cloud API gave up on updates it could not deliver by webhook. */
export interface WebhookDroppedEvent extends TraceEventBase {
  type: "webhook_dropped";
  /** The business's phone number id. */
  phone_number_id: string;
  /** Wamids of the messages dropped. */
  messages: string[];
  /** The statuses dropped. */
  statuses: { wamid: string; status: string }[];
  /** Seven days of retries, or the message's retention passed. */
  reason: string;
}

/** The link to a business's webhook endpoint misbehaved. */
export interface WebhookFaultEvent extends TraceEventBase {
  type: "webhook_fault";
  /** The business's phone number id. */
  phone_number_id: string;
  /** The Cloud API's exchange number. */
  exchange: number;
  /** What happened. */
  fault: "down" | "fail" | "timeout" | "duplicate" | "reorder";
}

/** A Graph API call reached the Cloud API. */
export interface GraphApiEvent extends TraceEventBase {
  type: "graph_api";
  /** The request as received. */
  request: TraceHttpRequest;
  /** The response. */
  response: TraceHttpResponse;
  /** The wamid of the message the request created, if it created one. */
  wamid: string | null;
}

/** Messages expired and were purged. */
export interface RetentionPurgedEvent extends TraceEventBase {
  type: "retention_purged";
  /** The wamids purged. */
  wamids: string[];
  /** How many consumer phone numbers the Cloud API no longer holds. */
  numbers_forgotten: number;
  /** Outbound messages that expired undelivered (each gets a `failed` status). */
  undelivered: string[];
}

/** The integrity monitor changed its action on a business. */
export interface IntegrityActionTakenEvent extends TraceEventBase {
  type: "integrity_action_taken";
  /** The business. */
  business: WaId;
  /** The new action. */
  action: IntegrityAction;
  /** Why. */
  reason: string;
}

/** A consumer reported a business as spam. */
export interface SpamReportedEvent extends TraceEventBase {
  type: "spam_reported";
  /** Reporter. */
  consumer: WaId;
  /** Reported business. */
  business: WaId;
}

/** A consumer's device went online or offline. */
export interface ConnectivityChangedEvent extends TraceEventBase {
  type: "connectivity_changed";
  /** Who. */
  consumer: WaId;
  /** Now online? */
  online: boolean;
}

/** A business number got a new identity key (re-registration). */
export interface IdentityRotatedEvent extends TraceEventBase {
  type: "identity_rotated";
  /** The business number. */
  business: WaId;
}

/** Something failed: a typed error that no other event names. */
export interface FailureEvent extends TraceEventBase {
  type: "failure";
  /** The party it happened at. */
  by: string;
  /** What was being done. */
  what: string;
  /** The error. */
  error: string;
  /** Meta's error code, when one was reported to the business. */
  code: number | null;
}

/** One of Meta's systems shared data with another (statistics, business information, billing, or a breach). */
export interface MetaSharedEvent extends TraceEventBase {
  type: "meta_shared";
  /** The sender. */
  from: PartyKind;
  /** The recipient. */
  to: PartyKind;
  /** The message's type. */
  what: string;
  /** The message content it carried, if any (only a breach shares any). */
  content?: string;
}

/** A deliberate policy breach was switched on or off. */
export interface BreachChangedEvent extends TraceEventBase {
  type: "breach_changed";
  /** Which. */
  breach: BreachName;
  /** On? */
  on: boolean;
}

/** One trace event, discriminated by `type` (26 kinds). */
export type TraceEvent =
  | ConsumerSentEvent
  | SessionCreatedEvent
  | TransportAcceptedEvent
  | TransportQueuedEvent
  | TransportRefusedEvent
  | TransportFaultEvent
  | TransportDeliveredEvent
  | CloudApiDecryptedEvent
  | RejectedEvent
  | DuplicateIgnoredEvent
  | ConsumerReceivedEvent
  | ReceiptSentEvent
  | RetryRequestedEvent
  | RetransmittedEvent
  | WebhookEvent
  | WebhookFailedEvent
  | WebhookDroppedEvent
  | WebhookFaultEvent
  | GraphApiEvent
  | RetentionPurgedEvent
  | IntegrityActionTakenEvent
  | SpamReportedEvent
  | ConnectivityChangedEvent
  | IdentityRotatedEvent
  | CloudApiEncryptedEvent
  | RetryDeferredEvent
  | FailureEvent
  | MetaSharedEvent
  | BreachChangedEvent;

/** Every event `type`. */
export type TraceEventType = TraceEvent["type"];

/** The event of one `type`, e.g. `TraceEventOf<"webhook">`. */
export type TraceEventOf<T extends TraceEventType> = Extract<TraceEvent, { type: T }>;

/**
 * The trace: the single source of truth of a run. `importTrace` checks the
 * top level, the event order and the `type`s, not every field of every event.
 */
export interface Trace {
  /** Full or count-only. */
  mode: TraceMode;
  /** The events, oldest first (empty in count-only mode). */
  events: TraceEvent[];
  /** Events recorded in total. */
  total: number;
}
