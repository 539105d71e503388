// A TypeScript program against the packed `cipherflow` package. It is type-checked
// only (tests/node/typecheck.sh runs `tsc --noEmit` in a folder where the .tgz is
// installed), never run: it touches every export, every method and getter of
// every class, and the declared shapes of what they return, with explicit
// annotations, so a type that drifts from the API fails the build.
import init, {
  CloudApiEndpoint,
  Identity,
  PreKeyBundle,
  Session,
  Simulation,
  safetyNumber,
  start,
  version,
  wasmMemoryBytes,
} from "cipherflow";
import type {
  BreachName,
  BusinessHandle,
  BusinessPane,
  BusinessSignals,
  ChatMessage,
  ChatPane,
  CipherflowError,
  CipherflowErrorCode,
  CloudApiPane,
  ConsumerPane,
  DataCategory,
  DataSystem,
  DeliveryStats,
  Direction,
  EnvelopeMetadata,
  Fault,
  FaultOptions,
  HttpRequestInit,
  HttpResponse,
  IdentityOptions,
  InboxMessage,
  IntegrityAction,
  IntegrityPane,
  JsonValue,
  MatrixComparison,
  MatrixRow,
  NumberPane,
  OutboundStatus,
  Panes,
  PartyKind,
  Payload,
  PreKeyBundleJson,
  PreKeyJson,
  ProofReport,
  QueuePane,
  RatchetSnapshot,
  ReceiptKind,
  Role,
  SessionSnapshot,
  SimulationOptions,
  SnapshotOptions,
  Statistics,
  StoredPane,
  Ticks,
  Trace,
  TraceEvent,
  TraceEventOf,
  TraceEventType,
  TraceHttpRequest,
  TraceHttpResponse,
  TraceMode,
  TransportEnvelope,
  TransportPane,
  WaId,
  WebhookFaultOptions,
  WebhookOptions,
  WindowItem,
  TemplatePane,
  TemplateState,
  BillingCounts,
} from "cipherflow";

// ---------------------------------------------------------------------------
// Module-level exports
// ---------------------------------------------------------------------------

await init();
start();
const packageVersion: string = version();
const memoryBytes: number = wasmMemoryBytes();

// ---------------------------------------------------------------------------
// Errors: a type guard that narrows `unknown` to CipherflowError
// ---------------------------------------------------------------------------

/** Every code, checked against the declared union in both directions by `satisfies`. */
const ERROR_CODES = {
  INVALID_ARGUMENT: true,
  ENTROPY_UNAVAILABLE: true,
  MALFORMED_MESSAGE: true,
  AUTHENTICATION_FAILED: true,
  DUPLICATE_MESSAGE: true,
  TOO_MANY_SKIPPED: true,
  BAD_SIGNATURE: true,
  INVALID_KEY: true,
  UNKNOWN_PREKEY: true,
  TOO_MANY_PREKEYS: true,
  SESSION_MISMATCH: true,
  PLAINTEXT_TOO_LONG: true,
  SESSION_UNUSABLE: true,
  INVALID_PICKLE: true,
  UNSEAL_FAILED: true,
  INVALID_PHONE_NUMBER: true,
  INVALID_CONFIG: true,
  UNKNOWN_CONSUMER: true,
  UNKNOWN_BUSINESS: true,
  NUMBER_TAKEN: true,
  NOT_REGISTERED: true,
  INVALID_TEXT: true,
  UNKNOWN_MESSAGE: true,
  INVALID_TRACE: true,
  WORK_LIMIT: true,
} as const satisfies Record<CipherflowErrorCode, true>;

function isCipherflowError(error: unknown): error is CipherflowError {
  if (!(error instanceof Error) || error.name !== "CipherflowError") return false;
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

function codeOf(run: () => void): CipherflowErrorCode | null {
  try {
    run();
    return null;
  } catch (error: unknown) {
    if (isCipherflowError(error)) {
      const name: "CipherflowError" = error.name;
      const message: string = error.message;
      void name;
      void message;
      return error.code;
    }
    throw error;
  }
}

const notAKey: CipherflowErrorCode | null = codeOf(() => {
  PreKeyBundle.fromBytes(new Uint8Array(3));
});
if (notAKey === "MALFORMED_MESSAGE") {
  // Narrowed to one literal.
  const exact: "MALFORMED_MESSAGE" = notAKey;
  void exact;
}

// ---------------------------------------------------------------------------
// Identity, PreKeyBundle, Session
// ---------------------------------------------------------------------------

const identityOptions: IdentityOptions = { seed: 1, nowMs: 1_750_000_000_000 };
const alice: Identity = Identity.generate(identityOptions);
const bob: Identity = Identity.generate(); // the options are optional
const alicePublic: Uint8Array = alice.publicKey;
const oneTimeIds: number[] = bob.generateOneTimePreKeys(5);
const stillHeld: number[] = bob.oneTimePreKeyIds();
const rotatedId: number = bob.rotateSignedPreKey(1_750_000_000_000);
const rotatedNow: number = bob.rotateSignedPreKey();

const bundle: PreKeyBundle = bob.bundle(oneTimeIds[0]);
const bundleWithoutOneTime: PreKeyBundle = bob.bundle();
const bundleBytes: Uint8Array = bundle.toBytes();
const sameBundle: PreKeyBundle = PreKeyBundle.fromBytes(bundleBytes);
const verified: boolean = sameBundle.verify();
const bundleIdentity: Uint8Array = sameBundle.identityKey;
const signedPreKeyId: number = sameBundle.signedPreKeyId;
const oneTimePreKeyId: number | undefined = sameBundle.oneTimePreKeyId;
const bundleJson: PreKeyBundleJson = sameBundle.toJSON();
const identityKeyHex: string = bundleJson.identity_key;
const oneTimePreKey: PreKeyJson | null = bundleJson.one_time_prekey;
const oneTimeKeyHex: string | null = oneTimePreKey?.key ?? null;

const aliceSession: Session = alice.initiateSession(sameBundle);
const fromBytes: Session = alice.initiateSession(bundleWithoutOneTime.toBytes());
const firstMessage: Uint8Array = aliceSession.encrypt("hello, Bob");
const accepted: { session: Session; plaintext: Uint8Array } = bob.acceptSession(firstMessage);
const bobSession: Session = accepted.session;
const reply: Uint8Array = bobSession.encrypt(new TextEncoder().encode("hello, Alice"));
const replyBytes: Uint8Array = aliceSession.decrypt(reply);
const replyText: string = bobSession.decryptText(aliceSession.encrypt("and again"));
const role: Role = aliceSession.role;
const roleLiteral: "initiator" | "responder" = bobSession.role;
const local: Uint8Array = aliceSession.localIdentityKey;
const remote: Uint8Array = aliceSession.remoteIdentityKey;
const digits: string = aliceSession.safetyNumber("+16505550001", "+16505550002");
const sameDigits: string = safetyNumber("+16505550001", local, "+16505550002", remote);

const sessionSnapshot: SessionSnapshot = aliceSession.snapshot();
const ratchet: RatchetSnapshot = sessionSnapshot.ratchet;
const sendingIndex: number | null = ratchet.sending_index;
const theirRatchetKey: string | null = ratchet.their_ratchet_key;
const snapshotRole: Role = sessionSnapshot.role;

const key = new Uint8Array(32);
const sealedIdentity: Uint8Array = alice.serialize(key);
const plainIdentity: Uint8Array = alice.serialize();
const restoredIdentity: Identity = Identity.restore(sealedIdentity, key);
const restoredPlainIdentity: Identity = Identity.restore(plainIdentity);
const sealedSession: Session = Session.restore(aliceSession.serialize(key), key);
const plainSession: Session = Session.restore(aliceSession.serialize());

for (const disposable of [restoredIdentity, restoredPlainIdentity, sealedSession, fromBytes]) {
  disposable[Symbol.dispose]();
}
plainSession.free();
bundle.free();
sameBundle[Symbol.dispose]();
bundleWithoutOneTime.free();

// ---------------------------------------------------------------------------
// Simulation and its Cloud API endpoint
// ---------------------------------------------------------------------------

const faults: FaultOptions = { drop: 0.05, duplicate: 0.05, reorder: 0.1, tamper: 0.02, replay: 0.01 };
const traceMode: TraceMode = "full";
const options: SimulationOptions = {
  seed: 42,
  retentionDays: 30,
  startMs: 1_750_000_000_000,
  faults,
  integrity: {
    windowMs: 3_600_000,
    flagMessages: 1_000,
    throttleMessages: 5_000,
    flagRecipientShare: 0.5,
    blockSpamReports: 3,
  },
  trace: traceMode,
  historyLimit: 1_000,
};
const sim: Simulation = new Simulation(options);
const defaultSim: Simulation = new Simulation();
defaultSim.free();

const consumer: string = sim.addConsumer("+1 650 555 0001", "Ana");
const business: BusinessHandle = sim.addBusiness("+1 650 555 9000", "Shop");
const businessNumber: WaId = business.display_phone_number;
const messageId: string = sim.consumerSendText(consumer, businessNumber, "Does it come in another colour?");
const replyId: string = sim.consumerSendText(consumer, businessNumber, "I mean the jacket.", messageId);
sim.setConsumerOnline(consumer, false);
sim.setConsumerOnline(consumer, true);
const ranSteps: number = sim.run();
const ranBounded: number = sim.run(1_000, 60_000);
const stepped: boolean = sim.step();
sim.advance(1_000);
const settled: number = sim.settle();
const now: number = sim.nowMs;
const pending: number = sim.pending;

const sent: HttpResponse = sim.businessSendText(business.phone_number_id, consumer, "Yes: blue and green.");
const status: number = sent.status;
const contentType: string | undefined = sent.headers["Content-Type"];
const body: string = sent.body;
const json: JsonValue | null = sent.json;
let wamid = "";
if (json !== null && typeof json === "object" && !Array.isArray(json)) {
  const messages: JsonValue | undefined = json["messages"];
  if (Array.isArray(messages) && messages[0] && typeof messages[0] === "object" && !Array.isArray(messages[0])) {
    const id: JsonValue | undefined = messages[0]["id"];
    if (typeof id === "string") wamid = id;
  }
}
const reacted: HttpResponse = sim.businessReact(business.phone_number_id, consumer, messageId, "👍");
const marked: HttpResponse = sim.businessMarkRead(business.phone_number_id, wamid);
const read: number = sim.consumerRead(consumer, businessNumber);
sim.reportSpam(consumer, businessNumber);
sim.rotateBusinessIdentity(business.phone_number_id);
sim.setFaults({ tamper: 0.5 });
sim.setFaults({});
const webhookFaults: WebhookFaultOptions = { fail: 0.1, timeout: 0.1, duplicate: 0.2, reorder: 0.2 };
sim.setWebhookFaults(webhookFaults);
sim.setWebhookFaults({});
sim.setWebhookEndpoint(business.phone_number_id, false);
sim.setWebhookEndpoint(business.phone_number_id, true);
const reactionId: string = sim.consumerReact(consumer, businessNumber, wamid, "👍");
const batching: WebhookOptions = { batchMax: 10, batchWindowMs: 2_000 };
const batched = new Simulation({ seed: 3, webhooks: batching, webhookFaults: { duplicate: 0.5 } });
const breach: BreachName = "retention_never_purges";
sim.setBreach(breach, true);
sim.setBreach("retention_never_purges", false);

const handshake: HttpRequestInit = {
  method: "GET",
  path: `/webhook?hub.mode=subscribe&hub.verify_token=${business.verify_token}&hub.challenge=42`,
};
const verification: HttpResponse = sim.businessWebhook(business.phone_number_id, handshake);
const forged: HttpResponse = sim.businessWebhook(business.phone_number_id, {
  method: "POST",
  path: "/webhook",
  headers: [["X-Hub-Signature-256", "sha256=00"]],
  body: { object: "whatsapp_business_account", entry: [] },
});

const cloudApi: CloudApiEndpoint = sim.cloudApi;
const graphRequest: HttpRequestInit = {
  method: "POST",
  path: `/v21.0/${business.phone_number_id}/messages`,
  headers: { Authorization: `Bearer ${business.access_token}`, "Content-Type": "application/json" },
  body: { messaging_product: "whatsapp", to: consumer, type: "text", text: { body: "Hi" } },
};
const graph: HttpResponse = cloudApi.request(graphRequest);
const rawBody: HttpResponse = cloudApi.request({ method: "POST", path: "/", body: new Uint8Array([1, 2]) });
const textBody: HttpResponse = cloudApi.request({ method: "GET", path: "/", body: "plain" });
cloudApi.free();

// ---------------------------------------------------------------------------
// Panes
// ---------------------------------------------------------------------------

const snapshotOptions: SnapshotOptions = { listLimit: 50 };
const panes: Panes = sim.snapshot(snapshotOptions);
const everything: Panes = sim.snapshot();
const consumers: ConsumerPane[] = panes.consumers;
const chats: ChatPane[] = consumers.flatMap((c) => c.chats);
const bubbles: ChatMessage[] = chats.flatMap((c) => c.messages);
const ticks: Ticks[] = bubbles.map((m) => m.ticks);
const reactions: (string | null)[] = bubbles.map((m) => m.reaction);
const safetyNumbers: (string | null)[] = chats.map((c) => c.safety_number);
const chatSessions: (SessionSnapshot | null)[] = chats.map((c) => c.session);

const transport: TransportPane = panes.transport;
const log: EnvelopeMetadata[] = transport.log;
const payloadKinds: ("signal" | "receipt" | "retry_request" | "typing")[] = log.map((row) => row.kind);
const typing: boolean[] = chats.map((c) => c.typing);
const quoting: (string | null)[] = bubbles.map((m) => m.reply_to);
const queues: QueuePane[] = transport.queues;
const integrityPanes: IntegrityPane[] = transport.integrity;
const signals: BusinessSignals[] = integrityPanes.map((p) => p.signals);
const actions: IntegrityAction[] = signals.map((s) => s.action);

const cloud: CloudApiPane = panes.cloud_api;
const numbers: NumberPane[] = cloud.numbers;
const statistics: Statistics[] = numbers.map((n) => n.statistics);
const stored: StoredPane[] = cloud.store;
const directions: Direction[] = stored.map((s) => s.direction);
const windows: WindowItem[] = numbers.flatMap((n) => n.windows);
const templates: TemplatePane[] = numbers.flatMap((n) => n.templates);
const retrying: number = cloud.webhooks_retrying;
const webhookErrors: (string | null)[] = cloud.webhooks.map((x) => x.error);

const businesses: BusinessPane[] = panes.businesses;
const inbox: InboxMessage[] = businesses.flatMap((b) => b.inbox);
const outbound: OutboundStatus[] = businesses.flatMap((b) => b.outbound);
const failures: (number | null)[] = outbound.map((o) => o.error_code);
const billable: (boolean | null)[] = outbound.map((o) => o.billable);
const billing: BillingCounts[] = businesses.map((b) => b.billing_from_statuses);
const learnt: TemplateState[] = businesses.flatMap((b) => b.templates);
const businessWindows: WindowItem[] = businesses.flatMap((b) => b.windows);
const inboxKinds: string[] = inbox.map((m) => m.kind);
const delivery: DeliveryStats = panes.delivery;
const digest: string = panes.state_digest === sim.stateDigest() ? panes.state_digest : everything.state_digest;

// ---------------------------------------------------------------------------
// Proof and visibility
// ---------------------------------------------------------------------------

const proof: ProofReport = sim.proof();
const holds: boolean = proof.holds && panes.proof.matches === 0;
const visibility: MatrixComparison = sim.visibility();
const rows: MatrixRow[] = visibility.computed.concat(visibility.published);
const categories: DataCategory[] = rows.map((r) => r.data);
// A computed row's system is null when nothing of its category was seen.
const systems: (DataSystem | null)[] = rows.map((r) => r.system);
const seenSystems: DataSystem[] = systems.filter((x): x is DataSystem => x !== null);
const agree: boolean = visibility.all_agree && panes.visibility.all_agree;

// ---------------------------------------------------------------------------
// The trace: a discriminated union on `type`
// ---------------------------------------------------------------------------

const trace: Trace = sim.trace();
const traceJson: string = sim.exportTrace();
const imported: Trace = Simulation.importTrace(traceJson);
const reproved: ProofReport = Simulation.proveTrace(traceJson);
const mode: TraceMode = imported.mode;
const total: number = trace.total;

/** A one-line description of any event; the `never` default proves all 21 kinds are handled. */
function describe(event: TraceEvent): string {
  const at = `#${event.seq} @${event.at_ms}`;
  switch (event.type) {
    case "consumer_sent":
      return `${at} ${event.consumer} -> ${event.business}: ${event.text} (${event.message_id}, envelope ${event.envelope_id})`;
    case "session_created":
      return `${at} ${event.holder} <-> ${event.peer} initiator=${event.initiator} ${event.remote_identity} changed=${event.identity_changed}`;
    case "transport_accepted": {
      const envelope: TransportEnvelope = event.envelope;
      const payload: Payload = envelope.payload;
      let detail: string;
      switch (payload.kind) {
        case "signal":
          detail = `signal ${payload.bytes.length / 2} bytes`;
          break;
        case "receipt": {
          const receipt: ReceiptKind = payload.receipt;
          detail = `${receipt} receipt for ${payload.ids.join(",")}`;
          break;
        }
        case "retry_request":
          detail = `retry request for ${payload.id}`;
          break;
        case "typing":
          detail = "typing…";
          break;
      }
      return `${at} accepted ${envelope.id} ${envelope.from} -> ${envelope.to} @${envelope.sent_at_ms} ${detail} size=${event.size} retransmission=${event.retransmission}`;
    }
    case "transport_queued":
      return `${at} queued ${event.envelope_id} for ${event.to}`;
    case "transport_refused": {
      const action: IntegrityAction = event.action;
      return `${at} refused ${event.envelope_id} from ${event.business}: ${action}`;
    }
    case "transport_fault": {
      const fault: Fault = event.fault;
      return `${at} fault ${fault} on ${event.envelope_id}`;
    }
    case "transport_delivered":
      return `${at} delivered ${event.envelope_id} to ${event.to} tampered=${event.tampered}`;
    case "cloud_api_decrypted":
      return `${at} Cloud API decrypted ${event.envelope_id} from ${event.from} for ${event.phone_number_id}: ${event.wamid} ${event.text}`;
    case "rejected":
      return `${at} ${event.by} rejected ${event.envelope_id}: ${event.error} tampered=${event.tampered}`;
    case "duplicate_ignored":
      return `${at} ${event.by} ignored duplicate ${event.envelope_id}`;
    case "consumer_received":
      return `${at} ${event.consumer} <- ${event.business}: ${event.text} (${event.message_id})`;
    case "receipt_sent": {
      const receipt: ReceiptKind = event.receipt;
      return `${at} ${event.by} -> ${event.to} ${receipt} ${event.ids.join(",")}`;
    }
    case "retry_requested":
      return `${at} ${event.by} asked for a retry of ${event.envelope_id}`;
    case "retransmitted":
      return `${at} ${event.by} retransmitted ${event.envelope_id} (attempt ${event.attempt})`;
    case "webhook": {
      const request: TraceHttpRequest = event.request;
      const response: TraceHttpResponse = event.response;
      const headers: [string, string][] = request.headers;
      return `${at} webhook to ${event.phone_number_id}: ${request.method} ${request.path} (${headers.length} headers, ${request.body.length} body chars) -> ${response.status} ${response.body}`;
    }
    case "webhook_failed": {
      const answered: TraceHttpResponse | null = event.response;
      const next: number | null = event.retry_at_ms;
      return `${at} webhook attempt ${event.attempt} to ${event.phone_number_id} failed: ${event.error} (${answered?.status ?? "no answer"}), next ${next ?? "never"}`;
    }
    case "webhook_dropped":
      return `${at} dropped ${event.messages.length} message(s) and ${event.statuses.length} status(es): ${event.reason}`;
    case "webhook_fault":
      return `${at} webhook link fault ${event.fault} on exchange ${event.exchange}`;
    case "graph_api":
      return `${at} ${event.request.method} ${event.request.path} -> ${event.response.status} ${event.response.headers.map(([k, v]) => `${k}: ${v}`).join("; ")}`;
    case "retention_purged":
      return `${at} purged ${event.wamids.length} (${event.numbers_forgotten} numbers forgotten, ${event.undelivered.length} undelivered)`;
    case "integrity_action_taken":
      return `${at} ${event.business}: ${event.action} (${event.reason})`;
    case "spam_reported":
      return `${at} ${event.consumer} reported ${event.business}`;
    case "connectivity_changed":
      return `${at} ${event.consumer} online=${event.online}`;
    case "identity_rotated":
      return `${at} ${event.business} has a new identity key`;
    case "cloud_api_encrypted":
      return `${at} ${event.business} -> ${event.to}: ${event.wamid} in envelope ${event.envelope_id} (epoch ${event.epoch})`;
    case "retry_deferred":
      return `${at} ${event.by} defers a rebuild of ${event.envelope_id} until ${event.until_ms}`;
    case "failure": {
      const code: number | null = event.code;
      return `${at} ${event.by} failed ${event.what}: ${event.error} (${code ?? "no Meta code"})`;
    }
    case "meta_shared": {
      const from: PartyKind = event.from;
      const content: string | undefined = event.content;
      return `${at} ${from} -> ${event.to}: ${event.what}${content === undefined ? "" : ` (${content})`}`;
    }
    case "breach_changed": {
      const breach: BreachName = event.breach;
      return `${at} breach ${breach} ${event.on ? "on" : "off"}`;
    }
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

const lines: string[] = trace.events.map(describe);
const webhooks: TraceEventOf<"webhook">[] = trace.events.filter(
  (e): e is TraceEventOf<"webhook"> => e.type === "webhook",
);
const kinds: Set<TraceEventType> = new Set(trace.events.map((e) => e.type));

// ---------------------------------------------------------------------------
// Mistakes the types must refuse (each line must be an error)
// ---------------------------------------------------------------------------

// @ts-expect-error: unknown option keys are refused at runtime (INVALID_ARGUMENT), so they are type errors.
new Simulation({ sed: 1 });
// @ts-expect-error: null is refused for numbers (JSON.stringify makes NaN null).
new Simulation({ seed: null });
// @ts-expect-error: the trace mode is "full" or "count_only".
new Simulation({ trace: "partial" });
// @ts-expect-error: snapshot fields are snake_case.
void panes.nowMs;
// @ts-expect-error: HttpResponse.json is JSON, not `any`.
void sent.json.messages;
// @ts-expect-error: a trace event's fields exist only on its own kind.
void trace.events[0].text;
// @ts-expect-error: not an error code.
const badCode: CipherflowErrorCode = "NOT_A_CODE";
// @ts-expect-error: a bundle's one-time prekey is nullable.
const mustCheck: string = bundleJson.one_time_prekey.key;
// @ts-expect-error: headers are strings.
cloudApi.request({ method: "GET", path: "/", headers: { "X-Count": 1 } });

export const used: unknown[] = [
  packageVersion, memoryBytes, notAKey, alicePublic, stillHeld, rotatedId, rotatedNow, verified,
  bundleIdentity, signedPreKeyId, oneTimePreKeyId, identityKeyHex, oneTimeKeyHex, replyBytes,
  replyText, role, roleLiteral, digits, sameDigits, sendingIndex, theirRatchetKey, snapshotRole,
  ranSteps, ranBounded, stepped, settled, now, pending, status, contentType, body, reacted, marked,
  read, verification, forged, graph, rawBody, textBody, ticks, reactions, safetyNumbers,
  chatSessions, payloadKinds, queues, actions, statistics, directions, inbox, failures, delivery,
  digest, holds, categories, systems, seenSystems, agree, imported, reproved, mode, total, lines, webhooks,
  kinds, badCode, mustCheck, accepted.plaintext,
];
