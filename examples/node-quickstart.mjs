// cipherflow quickstart for Node 20+.
//
//   scripts/build-npm.sh                          # in the cipherflow checkout
//   mkdir my-app && cd my-app && npm init -y
//   npm install /path/to/cipherflow/target/npm/cipherflow-0.1.0.tgz
//   mkdir examples && cp /path/to/cipherflow/examples/node-quickstart.mjs examples/
//   node examples/node-quickstart.mjs
//
// Part 1 uses the Signal protocol directly (X3DH + Double Ratchet between two
// identities). Part 2 runs the four-party simulation of a WhatsApp Cloud API
// conversation and prints what each party holds. Exits with code 1 if any
// check fails.
import init, { Identity, PreKeyBundle, Simulation, safetyNumber, version } from "cipherflow";

await init(); // a no-op in Node; browsers must await it before anything else

const failures = [];
function check(ok, what) {
  if (!ok) failures.push(what);
  return ok;
}
const short = (hex) => `${hex.slice(0, 12)}…`;

console.log(`cipherflow ${version()}\n`);

// ── 1. The Signal protocol, low level ─────────────────────────────────────────
console.log("1. X3DH + Double Ratchet between two identities");
{
  const alice = Identity.generate();
  const bob = Identity.generate();

  // Bob publishes a bundle: identity key, signed prekey, one one-time prekey.
  const [oneTimeId] = bob.generateOneTimePreKeys(1);
  const published = bob.bundle(oneTimeId).toBytes();

  // Alice fetches it, checks the XEdDSA signature and runs X3DH.
  const bundle = PreKeyBundle.fromBytes(published);
  check(bundle.verify(), "the bundle's signed prekey signature verifies");
  const aliceSession = alice.initiateSession(bundle);
  const first = aliceSession.encrypt("Hi Bob, it's Alice.");

  // Bob builds his side of the session from Alice's first (prekey) message.
  const { session: bobSession, plaintext } = bob.acceptSession(first);
  const received = new TextDecoder().decode(plaintext);
  check(received === "Hi Bob, it's Alice.", "Bob decrypts Alice's first message");
  check(!bob.oneTimePreKeyIds().includes(oneTimeId), "Bob's used one-time prekey is deleted");

  const reply = bobSession.encrypt("Hi Alice!");
  const answer = aliceSession.decryptText(reply);
  check(answer === "Hi Alice!", "Alice decrypts Bob's reply");

  // Both sides compute the same 60 digits; compare them out of band.
  const aliceView = aliceSession.safetyNumber("alice@example.org", "bob@example.org");
  const bobView = bobSession.safetyNumber("bob@example.org", "alice@example.org");
  const fromKeys = safetyNumber("alice@example.org", alice.publicKey, "bob@example.org", bob.publicKey);
  check(aliceView === bobView && bobView === fromKeys, "both sides compute the same safety number");

  // A replayed message is refused with a stable error code.
  let replay = "accepted";
  try {
    aliceSession.decrypt(reply);
  } catch (e) {
    replay = e.code;
  }
  check(replay === "DUPLICATE_MESSAGE", "a replayed message is rejected with DUPLICATE_MESSAGE");

  console.log(`   alice → bob  prekey message, ${first.length} bytes, decrypted: "${received}"`);
  console.log(`   bob → alice  ratchet message, ${reply.length} bytes, decrypted: "${answer}"`);
  console.log(`   safety number, same on both sides: ${aliceView === bobView ? "yes" : "NO"}`);
  console.log(`     ${aliceView}`);
  console.log(`   replayed message: ${replay}`);

  // wasm memory is not garbage collected promptly: free what you no longer need.
  for (const o of [aliceSession, bobSession, bundle, alice, bob]) o.free();
}

// ── 2. The Cloud API flow, simulated ──────────────────────────────────────────
// A seed makes every key and id reproducible: for tests and workshops only.
const SEED = 42;
console.log(`\n2. A WhatsApp Cloud API conversation, simulated (seed ${SEED})`);
const sim = new Simulation({ seed: SEED });
const consumer = sim.addConsumer("+1 415 555 0101", "Ana");
const business = sim.addBusiness("+1 415 555 0199", "Acme Shoes");
const question = "Hi! Is my order #1234 on its way?";
const replyText = "Yes, Ana: it left our warehouse this morning.";

// Ana's WhatsApp client encrypts with the Signal protocol to the business number,
// whose keys the Cloud API holds. The Cloud API decrypts and posts a signed
// webhook to the business's server.
sim.consumerSendText(consumer, `+${business.display_phone_number}`, question);
sim.settle();
console.log("   Ana → Acme: Signal-encrypted up to the Cloud API, which decrypts for the business");
console.log("   (so not end-to-end to the business's server)");

// The business's server answers through the Graph API, exactly as it would
// call graph.facebook.com: POST /v21.0/{phone-number-id}/messages.
const inbound = sim.snapshot().businesses[0].inbox[0];
check(inbound?.body === question, "the business's webhook received the consumer's text");
const response = sim.cloudApi.request({
  method: "POST",
  path: `/v21.0/${business.phone_number_id}/messages`,
  headers: {
    Authorization: `Bearer ${business.access_token}`,
    "Content-Type": "application/json",
  },
  body: JSON.stringify({
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: inbound?.from,
    type: "text",
    text: { preview_url: false, body: replyText },
  }),
});
const wamid = response.json?.messages?.[0]?.id ?? "";
check(response.status === 200 && wamid.startsWith("wamid."), "the Graph API accepts the reply");
console.log(`   Acme → Ana: POST /v21.0/${business.phone_number_id}/messages → ${response.status}`);
console.log(`     messages[0].id = ${wamid}`);
sim.settle();

const panes = sim.snapshot();
const [phone] = panes.consumers;
const chat = phone.chats[0];
const { transport, cloud_api: cloud } = panes;
const [shop] = panes.businesses;

console.log(`\n   Consumer's WhatsApp client  ${phone.number} (${phone.name})`);
console.log(`     identity key ${short(phone.identity_key)}, a Signal session with ${chat.business} (${chat.session.role})`);
for (const m of chat.messages) {
  const state = m.outgoing ? `ticks: ${m.ticks}` : m.read ? "read" : "unread";
  console.log(`     ${m.outgoing ? "→" : "←"} "${m.text}" (${state})`);
}
console.log(`     safety number of ${chat.business}: ${chat.safety_number}`);

const signal = transport.log.filter((e) => e.kind === "signal");
const signalBytes = signal.reduce((n, e) => n + e.size, 0);
console.log("\n   WhatsApp transport  (routes and stores ciphertext only)");
console.log(
  `     ${transport.log_total} envelopes: ${signal.length} Signal messages (${signalBytes} bytes), ` +
    `${transport.log_total - signal.length} receipts; it sees from, to, time and size`,
);
for (const { business: b, signals: s } of transport.integrity) {
  console.log(`     integrity signals for ${b}: messages in window ${s.messages_in_window}, action ${s.action}`);
}

const number = cloud.numbers[0];
console.log(`\n   Cloud API  (run by Meta for the business: holds its keys, decrypts, keeps ≤ ${cloud.retention_days} days)`);
console.log(
  `     number ${number.phone_number_id} (${number.display_phone_number}): ` +
    `${number.sessions.length} Signal session(s), identity key ${short(number.identity_key)}`,
);
for (const m of cloud.store) {
  const days = Math.round(m.expires_in_ms / 86_400_000);
  console.log(`     ${m.direction.padEnd(8)} "${m.text}" (plaintext, expires in ${days} days)`);
}

console.log(`\n   Business server  ${shop.name}`);
for (const m of shop.inbox) {
  console.log(`     webhook from ${m.from}: "${m.body}" (signature verified: ${m.signature_verified})`);
}
for (const m of shop.outbound) {
  console.log(`     Graph API send to ${m.recipient_id}: status webhook "${m.status}"`);
}

check(chat.messages.some((m) => !m.outgoing && m.text === replyText), "the consumer received the reply");
check(shop.outbound[0]?.status === "delivered", "the business got a delivered status webhook");

const proof = sim.proof();
check(proof.holds, "the ciphertext-only proof holds");
console.log(
  `\n   Ciphertext-only proof: ${proof.holds ? "holds" : "DOES NOT HOLD"}: ` +
    `${proof.messages_checked} plaintexts searched for in ${proof.bytes_scanned} transport bytes, ` +
    `${proof.matches} matches`,
);

// One spam report: WhatsApp's integrity system hears about the business from
// the consumer's client (never the text).
sim.reportSpam(consumer, `+${business.display_phone_number}`);
const visibility = sim.visibility();
check(
  visibility.disagreements.every((d) => d.difference !== "breach"),
  "nothing reached WhatsApp or the rest of Meta that Meta's table says does not",
);
check(visibility.all_agree, "every cell of the computed visibility matrix agrees with Meta's");
console.log("   Who can see what, computed from what was delivered in this run (= as in Meta's table):");
const yn = (b) => (b ? "yes" : "no");
for (const [i, row] of visibility.computed.entries()) {
  const meta = visibility.published[i];
  const same = row.system === meta.system && row.rest_of_meta === meta.rest_of_meta && row.whatsapp === meta.whatsapp;
  console.log(
    `     ${same ? "=" : "≠"} ${row.label.padEnd(32)} ${(row.system ?? "not seen").padEnd(17)} ` +
      `rest of Meta ${yn(row.rest_of_meta).padEnd(3)} WhatsApp ${yn(row.whatsapp)}`,
  );
}
console.log(`   Matches Meta's table: ${visibility.all_agree ? "yes" : "NO"}`);
sim.free();

if (failures.length > 0) {
  console.error(`\nFAILED: ${failures.join("; ")}`);
  process.exitCode = 1;
} else {
  console.log("\nAll checks passed.");
}
