// The simulation's Cloud API, driven with real Graph-API-shaped requests, and
// the webhooks the business receives, checked against Meta's documented shapes
// (core/flow/tests/fixtures/meta/) and signatures (HMAC-SHA256 with the app secret).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { installPackage, repoRoot } from "./install.mjs";

let cf;

before(() => {
  cf = installPackage().requireCjs();
});

const fixture = (name) =>
  JSON.parse(readFileSync(join(repoRoot, "core/flow/tests/fixtures/meta", name), "utf8"));

/** The shape of a JSON value: object keys (sorted) and value types, recursively. */
function shape(value) {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shape(value[k])]),
    );
  }
  return typeof value;
}

const CONSUMER = "+1 650 555 1234";
const CONSUMER_DIGITS = "16505551234";
const BUSINESS = "+1 650 555 0000";

function world(options = { seed: 11 }) {
  const sim = new cf.Simulation(options);
  const consumer = sim.addConsumer(CONSUMER, "Ann");
  const h = sim.addBusiness(BUSINESS, "Shop");
  return { sim, consumer, h };
}

/** A Graph API request as a real client sends it. */
function graph(sim, h, body, { token = h.access_token, pnid = h.phone_number_id, method = "POST" } = {}) {
  return sim.cloudApi.request({
    method,
    path: `/v21.0/${pnid}/messages`,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body,
  });
}

const textBody = (to, text) => ({
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to,
  type: "text",
  text: { body: text },
});

/** Meta's sample template, which may be sent outside the 24-hour window. */
const helloWorld = (to) => ({
  messaging_product: "whatsapp",
  to,
  type: "template",
  template: { name: "hello_world", language: { code: "en_US" } },
});

/** The consumer writes first: the business may answer free-form for 24 hours. */
function openWindow(sim, consumer) {
  sim.consumerSendText(consumer, BUSINESS, "Hi! A question about my order.");
  sim.settle();
}

const webhooks = (sim) => sim.trace().events.filter((e) => e.type === "webhook");
const header = (pairs, name) =>
  pairs.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

test("POST /v21.0/{phone-number-id}/messages: 200 with Meta's send response", () => {
  const { sim, consumer, h } = world();
  openWindow(sim, consumer);
  assert.match(h.phone_number_id, /^\d+$/);
  assert.match(h.waba_id, /^\d+$/);
  assert.equal(h.display_phone_number, "16505550000");
  assert.match(h.access_token, /^EAAG/);
  assert.equal(typeof h.app_secret, "string");
  assert.equal(typeof h.verify_token, "string");

  const res = graph(sim, h, textBody(CONSUMER_DIGITS, "Your order #1234 has shipped"));
  assert.equal(res.status, 200, res.body);
  assert.equal(res.headers["Content-Type"], "application/json");
  assert.deepEqual(JSON.parse(res.body), res.json, "json is the parsed body");
  assert.deepEqual(shape(res.json), shape(fixture("send_response.json")));
  assert.equal(res.json.messaging_product, "whatsapp");
  assert.deepEqual(res.json.contacts, [{ input: CONSUMER_DIGITS, wa_id: CONSUMER_DIGITS }]);
  assert.equal(res.json.messages.length, 1);
  assert.match(res.json.messages[0].id, /^wamid\./);

  // `to` is echoed exactly as given (contacts[].input) and normalized as wa_id.
  const plus = graph(sim, h, textBody("+1 (650) 555-1234", "formatted number"));
  assert.equal(plus.status, 200, plus.body);
  assert.deepEqual(plus.json.contacts, [{ input: "+1 (650) 555-1234", wa_id: CONSUMER_DIGITS }]);
  assert.notEqual(plus.json.messages[0].id, res.json.messages[0].id);

  // The body may also be a JSON string or its UTF-8 bytes.
  const asString = graph(sim, h, JSON.stringify(textBody(CONSUMER_DIGITS, "string body")));
  assert.equal(asString.status, 200, asString.body);
  const asBytes = graph(sim, h, Buffer.from(JSON.stringify(textBody(CONSUMER_DIGITS, "bytes"))));
  assert.equal(asBytes.status, 200, asBytes.body);
  // Headers as [name, value] pairs work too, and the scheme is case-insensitive.
  const pairs = sim.cloudApi.request({
    method: "POST",
    path: `/v21.0/${h.phone_number_id}/messages`,
    headers: [["authorization", `bearer ${h.access_token}`]],
    body: textBody(CONSUMER_DIGITS, "pairs"),
  });
  assert.equal(pairs.status, 200, pairs.body);

  sim.settle();
  const statuses = sim.snapshot().businesses[0].outbound;
  assert.equal(statuses.length, 5);
  for (const s of statuses) assert.equal(s.status, "delivered", JSON.stringify(s));
  const chat = sim.snapshot().consumers[0].chats[0];
  assert.equal(chat.business, "+16505550000");
  // Arrival order follows the simulated network latency, not the send order.
  const received = chat.messages.filter((m) => !m.outgoing);
  assert.deepEqual(
    received.map((m) => m.text).sort(),
    ["Your order #1234 has shipped", "bytes", "formatted number", "pairs", "string body"],
  );
  assert.deepEqual(
    chat.messages.filter((m) => m.outgoing).map((m) => m.text),
    ["Hi! A question about my order."],
  );
});

test("a wrong or missing token is 401 with Meta's OAuthException, code 190", () => {
  const { sim, h } = world();
  const digestBefore = sim.stateDigest();
  for (const token of ["wrong", "", h.access_token + "x"]) {
    const res = graph(sim, h, textBody(CONSUMER_DIGITS, "hi"), { token });
    assert.equal(res.status, 401, res.body);
    assert.equal(res.json.error.type, "OAuthException");
    assert.equal(res.json.error.code, 190);
    assert.equal(typeof res.json.error.message, "string");
    assert.equal(typeof res.json.error.fbtrace_id, "string");
    assert.equal(res.json.error.error_data.messaging_product, "whatsapp");
  }
  const noAuth = sim.cloudApi.request({
    method: "POST",
    path: `/v21.0/${h.phone_number_id}/messages`,
    body: textBody(CONSUMER_DIGITS, "hi"),
  });
  assert.equal(noAuth.status, 401);
  assert.equal(noAuth.json.error.code, 190);
  // Meta's documented error keys are a superset of what we send (no user title/msg).
  const documented = Object.keys(fixture("error_response_invalid_token_190.json").error);
  for (const k of ["message", "type", "code", "fbtrace_id"]) assert.ok(documented.includes(k));
  assert.equal(sim.snapshot().businesses[0].outbound.length, 0, "nothing was sent");
  // Refused requests change no state (the digest), but they are traced.
  assert.equal(sim.stateDigest(), digestBefore);
  const refused = sim.trace().events.filter((e) => e.type === "graph_api");
  assert.equal(refused.length, 4);
  assert.ok(refused.every((e) => e.response.status === 401));
});

test("bad requests are 400s with Meta's codes; nothing is sent", () => {
  const { sim, h } = world();
  const cases = [
    ["missing text", { messaging_product: "whatsapp", to: CONSUMER_DIGITS, type: "text" }, 131008],
    ["missing to", { messaging_product: "whatsapp", type: "text", text: { body: "x" } }, 131008],
    ["missing messaging_product", { to: CONSUMER_DIGITS, text: { body: "x" } }, 131008],
    ["wrong product", { ...textBody(CONSUMER_DIGITS, "x"), messaging_product: "sms" }, 100],
    ["bad number", textBody("not a number", "x"), 131009],
    ["empty body text", textBody(CONSUMER_DIGITS, ""), 131009],
    ["too long", textBody(CONSUMER_DIGITS, "x".repeat(4097)), 100],
    ["unsupported type", { ...textBody(CONSUMER_DIGITS, "x"), type: "image" }, 131009],
    ["recipient_type group", { ...textBody(CONSUMER_DIGITS, "x"), recipient_type: "group" }, 131009],
    ["body not JSON", "{nope", 100],
    ["body a JSON array", [], 100],
  ];
  for (const [why, body, code] of cases) {
    const res = graph(sim, h, body);
    assert.equal(res.status, 400, `${why}: ${res.body}`);
    assert.equal(res.json.error.code, code, `${why}: ${res.body}`);
    assert.equal(res.json.error.type, "OAuthException", why);
    assert.equal(typeof res.json.error.error_data.details, "string", why);
  }
  // An unknown phone number id with a valid token: GraphMethodException 100/33.
  const unknown = graph(sim, h, textBody(CONSUMER_DIGITS, "x"), { pnid: "999" });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.error.type, "GraphMethodException");
  assert.equal(unknown.json.error.code, 100);
  assert.equal(unknown.json.error.error_subcode, 33);
  // A wrong method or path: code 2500.
  const get = graph(sim, h, textBody(CONSUMER_DIGITS, "x"), { method: "GET" });
  assert.equal(get.status, 400);
  assert.equal(get.json.error.code, 2500);
  const media = sim.cloudApi.request({
    method: "POST",
    path: `/v21.0/${h.phone_number_id}/media`,
    headers: { Authorization: `Bearer ${h.access_token}` },
  });
  assert.equal(media.json.error.code, 2500);
  sim.settle();
  assert.equal(sim.snapshot().businesses[0].outbound.length, 0, "nothing was sent");
  assert.equal(sim.snapshot().consumers[0].chats.length, 0);
});

test("mark as read and reactions", () => {
  const { sim, consumer, h } = world();
  sim.consumerSendText(consumer, "+16505550000", "Is the blue one in stock?");
  sim.settle();
  const inbox = sim.snapshot().businesses[0].inbox;
  assert.equal(inbox.length, 1);
  const inbound = inbox[0];
  assert.equal(inbound.body, "Is the blue one in stock?");
  assert.equal(inbound.from, CONSUMER_DIGITS);
  assert.equal(inbound.profile_name, "Ann");
  assert.equal(inbound.signature_verified, true);
  assert.match(inbound.wamid, /^wamid\./);

  // Mark as read: Meta's request shape → {"success": true}; the consumer sees "read".
  const readBody = { messaging_product: "whatsapp", status: "read", message_id: inbound.wamid };
  assert.deepEqual(shape(readBody), shape(fixture("mark_as_read_request.json")));
  const read = graph(sim, h, readBody);
  assert.equal(read.status, 200, read.body);
  assert.deepEqual(read.json, fixture("mark_as_read_response.json"));
  const unknownRead = graph(sim, h, { ...readBody, message_id: "wamid.nope" });
  assert.equal(unknownRead.status, 400);
  assert.equal(unknownRead.json.error.code, 131009);
  sim.settle();
  const bubble = sim.snapshot().consumers[0].chats[0].messages[0];
  assert.equal(bubble.outgoing, true);
  assert.equal(bubble.ticks, "read", JSON.stringify(bubble));

  // A reaction to the consumer's message, in Meta's request shape.
  const reaction = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: CONSUMER_DIGITS,
    type: "reaction",
    reaction: { message_id: inbound.wamid, emoji: "👍" },
  };
  assert.deepEqual(shape(reaction), shape(fixture("send_reaction_request.json")));
  const res = graph(sim, h, reaction);
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(shape(res.json), shape(fixture("send_response.json")));
  const missing = graph(sim, h, { ...reaction, reaction: { emoji: "👍" } });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.code, 131008);
  sim.settle();
  const snap = sim.snapshot();
  assert.equal(snap.consumers[0].chats[0].messages[0].reaction, "👍", "the consumer sees the reaction");
  // The same through the convenience methods.
  assert.equal(sim.businessReact(h.phone_number_id, CONSUMER_DIGITS, inbound.wamid, "❤️").status, 200);
  assert.equal(sim.businessMarkRead(h.phone_number_id, inbound.wamid).status, 200);
});

test("webhooks the business receives are Meta's JSON, signed with X-Hub-Signature-256", () => {
  const { sim, consumer, h } = world();
  sim.consumerSendText(consumer, "+16505550000", "Hello from Ann");
  sim.settle();
  const res = graph(sim, h, textBody(CONSUMER_DIGITS, "Hello Ann"));
  sim.settle();
  sim.consumerRead(consumer, "+16505550000");
  sim.settle();

  const posts = webhooks(sim).filter((e) => e.request.method === "POST");
  assert.ok(posts.length >= 4, `inbound + sent/delivered/read statuses (got ${posts.length})`);
  for (const event of posts) {
    assert.equal(event.phone_number_id, h.phone_number_id);
    const { headers, body } = event.request;
    assert.equal(header(headers, "Content-Type"), "application/json");
    const expected =
      "sha256=" + createHmac("sha256", h.app_secret).update(Buffer.from(body, "utf8")).digest("hex");
    assert.equal(header(headers, "X-Hub-Signature-256"), expected, "HMAC-SHA256(app secret, body)");
    assert.equal(event.response.status, 200);
    assert.equal(event.response.body, "EVENT_RECEIVED");
    const payload = JSON.parse(body);
    assert.equal(payload.object, "whatsapp_business_account");
    assert.equal(payload.entry[0].id, h.waba_id);
    assert.equal(payload.entry[0].changes[0].field, "messages");
    assert.deepEqual(payload.entry[0].changes[0].value.metadata, {
      display_phone_number: h.display_phone_number,
      phone_number_id: h.phone_number_id,
    });
  }
  const values = posts.map((e) => JSON.parse(e.request.body).entry[0].changes[0].value);
  const inbound = values.find((v) => v.messages);
  assert.deepEqual(shape(inbound), shape(fixture("webhook_inbound_text.json").entry[0].changes[0].value));
  assert.equal(inbound.messages[0].text.body, "Hello from Ann");
  assert.equal(inbound.contacts[0].profile.name, "Ann");
  const wamid = res.json.messages[0].id;
  const statuses = values
    .flatMap((v) => v.statuses ?? [])
    .filter((s) => s.id === wamid)
    .map((s) => s.status);
  assert.deepEqual(statuses, ["sent", "delivered", "read"]);

  // A forged POST (bad signature) is refused by the business.
  const forged = sim.businessWebhook(h.phone_number_id, {
    method: "POST",
    path: "/webhook",
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + "0".repeat(64) },
    body: posts[0].request.body,
  });
  assert.equal(forged.status, 401);
  // A correctly signed replay of the same body is accepted (HMAC alone has no replay protection).
  const sig = createHmac("sha256", h.app_secret).update(posts[0].request.body).digest("hex");
  const resigned = sim.businessWebhook(h.phone_number_id, {
    method: "POST",
    path: "/webhook",
    headers: { "X-Hub-Signature-256": `sha256=${sig}` },
    body: posts[0].request.body,
  });
  assert.equal(resigned.status, 200);
  assert.equal(sim.snapshot().businesses[0].rejected_webhooks, 1);
});

test("businessWebhook GET verification handshake", () => {
  const { sim, h } = world();
  // The Cloud API verified the webhook when the business was added.
  const first = webhooks(sim)[0];
  assert.equal(first.request.method, "GET");
  assert.match(first.request.path, /^\/webhook\?/);
  assert.equal(first.response.status, 200);
  assert.equal(sim.snapshot().businesses[0].webhook_verified, true);

  const q = (token, challenge = "1158201444") =>
    `/webhook?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=${challenge}`;
  const ok = sim.businessWebhook(h.phone_number_id, { method: "GET", path: q(h.verify_token) });
  assert.equal(ok.status, 200);
  assert.equal(ok.body, "1158201444", "the challenge is echoed");
  const text = sim.businessWebhook(h.phone_number_id, { method: "GET", path: q(h.verify_token, "abc") });
  assert.equal(text.body, "abc");
  const bad = sim.businessWebhook(h.phone_number_id, { method: "GET", path: q("wrong") });
  assert.equal(bad.status, 403);
  const noMode = sim.businessWebhook(h.phone_number_id, {
    method: "GET",
    path: `/webhook?hub.verify_token=${encodeURIComponent(h.verify_token)}&hub.challenge=1`,
  });
  assert.equal(noMode.status, 403);
  const wrongPath = sim.businessWebhook(h.phone_number_id, { method: "GET", path: "/elsewhere" });
  assert.equal(wrongPath.status, 404);
  const put = sim.businessWebhook(h.phone_number_id, { method: "PUT", path: "/webhook" });
  assert.equal(put.status, 405);
});

test("offline consumer + 31 days: status failed, Cloud API store emptied", () => {
  const { sim, consumer, h } = world({ seed: 12 });
  sim.setConsumerOnline(consumer, false);
  // Ann never wrote: the business reaches her with a template.
  const res = graph(sim, h, helloWorld(CONSUMER_DIGITS));
  assert.equal(res.status, 200);
  sim.settle();
  let snap = sim.snapshot();
  assert.equal(snap.businesses[0].outbound[0].status, "sent");
  assert.equal(snap.cloud_api.store.length, 1);
  assert.match(snap.cloud_api.store[0].text, /^Hello World\n\nWelcome and congratulations!!/);
  assert.equal(snap.transport.queues.length, 1);

  sim.advance(31 * 24 * 60 * 60 * 1000);
  snap = sim.snapshot();
  const status = snap.businesses[0].outbound[0];
  assert.equal(status.wamid, res.json.messages[0].id);
  assert.equal(status.status, "failed");
  assert.equal(typeof status.error_code, "number");
  assert.deepEqual(snap.cloud_api.store, []);
  assert.equal(snap.cloud_api.store_total, 0);
  assert.deepEqual(snap.transport.queues, [], "the transport queue expired too");
  // The failed status webhook carries Meta's errors[] entry.
  const failed = webhooks(sim)
    .filter((e) => e.request.method === "POST")
    .map((e) => JSON.parse(e.request.body).entry[0].changes[0].value)
    .flatMap((v) => v.statuses ?? [])
    .find((s) => s.status === "failed");
  assert.ok(failed, "a failed status webhook was posted");
  assert.deepEqual(
    shape(failed),
    shape(fixture("webhook_status_failed.json").entry[0].changes[0].value.statuses[0]),
  );
  // Coming back online later delivers nothing old.
  sim.setConsumerOnline(consumer, true);
  sim.settle();
  assert.equal(sim.snapshot().consumers[0].chats.flatMap((c) => c.messages).length, 0);
});

test("tamper faults: the proof holds and visibility agrees with Meta's table", () => {
  const { sim, consumer, h } = world({ seed: 13, faults: { tamper: 0.3, drop: 0.1 } });
  const texts = [];
  for (let i = 0; i < 15; i++) {
    const q = `confidential question ${i}: account 99${i}`;
    const a = `confidential answer ${i}: balance ${i * 1000}`;
    texts.push(q, a);
    sim.consumerSendText(consumer, "+16505550000", q);
    sim.run();
    assert.equal(graph(sim, h, textBody(CONSUMER_DIGITS, a)).status, 200);
  }
  sim.settle();
  sim.advance(24 * 60 * 60 * 1000); // long enough for every retransmission
  const proof = sim.proof();
  assert.equal(proof.holds, true, JSON.stringify(proof));
  assert.equal(proof.matches, 0);
  assert.ok(proof.tampered_envelopes > 0, "tampering actually happened");
  assert.equal(proof.tampered_rejected, proof.tampered_envelopes, "every tampered envelope rejected");
  // Without a spam report, WhatsApp was given no integrity signal: that cell
  // alone is "not observed" (Meta says available; nothing reached it).
  let vis = sim.visibility();
  assert.deepEqual(vis.disagreements, [
    { data: "integrity_signals", column: "whatsapp", difference: "not_observed" },
  ]);
  sim.reportSpam(consumer, "+16505550000");
  vis = sim.visibility();
  assert.equal(vis.all_agree, true, JSON.stringify(vis));
  const snap = sim.snapshot();
  assert.equal(snap.delivery.delivered_to_business, 15);
  assert.equal(snap.delivery.duplicate_business_deliveries, 0);
  assert.equal(snap.delivery.delivered_to_consumer, 15);

  // The transport pane holds no plaintext.
  const transport = JSON.stringify(snap.transport);
  for (const t of texts) assert.ok(!transport.includes(t), `transport pane leaks "${t}"`);
  assert.ok(!transport.includes("confidential"));
  // The Cloud API does hold plaintext (it decrypts on the business's behalf).
  assert.ok(JSON.stringify(snap.cloud_api).includes("confidential"));

  // exportTrace → importTrace / proveTrace give the same trace and proof.
  const json = sim.exportTrace();
  assert.deepEqual(cf.Simulation.importTrace(json), JSON.parse(json));
  assert.deepEqual(cf.Simulation.importTrace(json), sim.trace());
  assert.deepEqual(cf.Simulation.proveTrace(json), proof);
  // A trace with one plaintext planted in a transport envelope fails the proof.
  const trace = JSON.parse(json);
  const accepted = trace.events.find((e) => e.type === "transport_accepted");
  assert.ok(accepted, "transport_accepted events exist");
  accepted.envelope.payload.bytes += Buffer.from(texts[0], "utf8").toString("hex");
  const planted = cf.Simulation.proveTrace(JSON.stringify(trace));
  assert.equal(planted.holds, false, JSON.stringify(planted));
  assert.ok(planted.matches >= 1);
});

test("setBreach: each breach turns only its own check red, and switching it off stops it", () => {
  const { sim, consumer, h } = world({ seed: 17 });
  const exercise = (n) => {
    sim.consumerSendText(consumer, "+16505550000", `question ${n} about my order`);
    sim.settle();
    assert.equal(graph(sim, h, textBody(CONSUMER_DIGITS, `answer ${n} about your order`)).status, 200);
    sim.settle();
  };
  exercise(0);
  sim.reportSpam(consumer, "+16505550000");
  sim.settle();
  assert.equal(sim.visibility().all_agree, true, JSON.stringify(sim.visibility().disagreements));
  const names = sim.snapshot().breaches.map((b) => b.name);
  assert.deepEqual(names, [
    "content_to_rest_of_meta",
    "plaintext_to_transport",
    "consumer_numbers_to_rest_of_meta",
    "integrity_to_rest_of_meta",
    "retention_never_purges",
  ]);
  assert.ok(sim.snapshot().breaches.every((b) => !b.on));

  sim.setBreach("content_to_rest_of_meta", true);
  assert.ok(sim.snapshot().breaches.find((b) => b.name === "content_to_rest_of_meta").on);
  exercise(1);
  assert.deepEqual(sim.visibility().disagreements, [
    { data: "message_content", column: "rest_of_meta", difference: "breach" },
  ]);
  assert.equal(sim.proof().holds, true, "the transport still saw only ciphertext");
  sim.setBreach("content_to_rest_of_meta", false);

  sim.setBreach("plaintext_to_transport", true);
  exercise(2);
  assert.equal(sim.proof().holds, false, "a plaintext copy reached the transport");
  assert.ok(sim.proof().matches > 0);
  sim.setBreach("plaintext_to_transport", false);

  const changes = sim.trace().events.filter((e) => e.type === "breach_changed");
  assert.deepEqual(
    changes.map((e) => [e.breach, e.on]),
    [
      ["content_to_rest_of_meta", true],
      ["content_to_rest_of_meta", false],
      ["plaintext_to_transport", true],
      ["plaintext_to_transport", false],
    ],
  );
  for (const [args, what] of [
    [["no_such_breach", true], "unknown name"],
    [["retention_never_purges", "yes"], "non-boolean"],
    [[42, true], "non-string name"],
  ]) {
    assert.throws(() => sim.setBreach(...args), (e) => e.code === "INVALID_ARGUMENT", what);
  }
  assert.ok(sim.snapshot().breaches.every((b) => !b.on));
});

test(
  "under tamper faults, every message the business sees as delivered reached the consumer",
  () => {
    // Was a core bug (fixed): a tampered header index that pointed backwards
    // read as a replay and was acknowledged. Seed 206 reproduced it.
    const { sim, consumer, h } = world({ seed: 206, faults: { tamper: 0.5 } });
    openWindow(sim, consumer);
    for (let i = 0; i < 4; i++) {
      assert.equal(graph(sim, h, textBody(CONSUMER_DIGITS, `m${i}`)).status, 200);
    }
    sim.settle();
    sim.advance(24 * 60 * 60 * 1000);
    const snap = sim.snapshot();
    const delivered = snap.businesses[0].outbound.filter((o) => o.status === "delivered").length;
    const shown = snap.consumers[0].chats[0].messages
      .filter((m) => !m.outgoing)
      .map((m) => m.text)
      .sort();
    assert.equal(delivered, 4);
    assert.deepEqual(shown, ["m0", "m1", "m2", "m3"], "a 'delivered' message the consumer never got");
    assert.equal(snap.delivery.delivered_to_consumer, 4);
  },
);

test("webhook bytes are Meta's escaped JSON, and the signature is the HMAC of exactly those bytes", () => {
  const sim = new cf.Simulation({ seed: 21, webhooks: { batchMax: 10, batchWindowMs: 5_000 } });
  const jose = sim.addConsumer("+1 650 555 4321", "José 東京 😀");
  const ann = sim.addConsumer(CONSUMER, "Ann");
  const h = sim.addBusiness(BUSINESS, "Shop");
  sim.consumerSendText(jose, BUSINESS, "Is 1/2 price on? café 😀");
  sim.consumerSendText(ann, BUSINESS, "Me too / 同じ");
  sim.settle();
  const posts = webhooks(sim).filter((e) => e.request.method === "POST");
  assert.equal(posts.length, 1, "both messages in one batched POST");
  const { body, headers } = posts[0].request;
  // The body is ASCII: non-ASCII as lowercase \uXXXX per UTF-16 unit, "/" as "\/".
  assert.match(body, /^[\x00-\x7f]*$/);
  assert.ok(body.includes('"name":"Jos\\u00e9 \\u6771\\u4eac \\ud83d\\ude00"'), body);
  assert.ok(body.includes('"body":"Is 1\\/2 price on? caf\\u00e9 \\ud83d\\ude00"'), body);
  assert.ok(body.startsWith('{"object":"whatsapp_business_account","entry":[{"id":"'), body);
  assert.equal(header(headers, "Content-Length"), String(Buffer.byteLength(body)));
  assert.equal(header(headers, "Content-Type"), "application/json");
  // An independent HMAC (node:crypto) over the raw bytes matches the header...
  const expected = `sha256=${createHmac("sha256", h.app_secret).update(Buffer.from(body, "utf8")).digest("hex")}`;
  assert.equal(header(headers, "X-Hub-Signature-256"), expected);
  // ...and one over re-serialized JSON does not: receivers must hash the raw body.
  const reserialized = JSON.stringify(JSON.parse(body));
  assert.notEqual(reserialized, body);
  assert.notEqual(`sha256=${createHmac("sha256", h.app_secret).update(reserialized).digest("hex")}`, expected);
  // The batch carries both messages, and the business read both.
  const value = JSON.parse(body).entry[0].changes[0].value;
  assert.equal(value.messages.length, 2);
  assert.equal(value.contacts.length, 2);
  const inbox = sim.snapshot().businesses[0].inbox.map((m) => m.body).sort();
  assert.deepEqual(inbox, ["Is 1/2 price on? café 😀", "Me too / 同じ"]);
});

test("a free-form message outside the 24-hour window fails with 131047; a template goes", () => {
  const { sim, consumer, h } = world({ seed: 22 });
  const early = graph(sim, h, textBody(CONSUMER_DIGITS, "Hello?"));
  assert.equal(early.status, 200, "accepted, as Meta accepts it");
  const tmpl = graph(sim, h, helloWorld(CONSUMER_DIGITS));
  assert.equal(tmpl.json.messages[0].message_status, "accepted");
  sim.settle();
  const statuses = sim.snapshot().businesses[0].outbound;
  const failed = statuses.find((s) => s.wamid === early.json.messages[0].id);
  assert.equal(failed.status, "failed");
  assert.equal(failed.error_code, 131047);
  const billed = statuses.find((s) => s.wamid === tmpl.json.messages[0].id);
  assert.equal(billed.status, "delivered");
  assert.equal(billed.billable, true);
  assert.equal(billed.pricing_category, "utility");
  // The consumer writes: the window opens for 24 hours.
  sim.consumerSendText(consumer, BUSINESS, "Hi");
  sim.settle();
  const [window] = sim.snapshot().cloud_api.numbers[0].windows;
  assert.equal(window.open, true);
  assert.equal(window.closes_in_ms, 24 * 60 * 60 * 1000 - (sim.nowMs - (window.closes_at_ms - 24 * 60 * 60 * 1000)));
  assert.equal(graph(sim, h, textBody(CONSUMER_DIGITS, "Welcome back")).status, 200);
  sim.settle();
  const last = sim.snapshot().businesses[0].outbound.at(-1);
  assert.equal(last.status, "delivered");
  assert.equal(last.billable, false);
});
