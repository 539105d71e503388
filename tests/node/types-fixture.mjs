// Writes types-fixture.ts: real output of the installed `cipherflow` package
// (a snapshot, a trace, HTTP responses, error codes...) as object literals
// annotated with the package's declared types. tsc's excess-property and
// literal checks then prove each declared shape matches what the Rust side
// produces: a missing field, an extra field or an unknown enum string is a type
// error. Run by tests/node/typecheck.sh inside the folder the .tgz is installed in:
//
//   node tests/node/types-fixture.mjs <folder>
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const dir = resolve(process.argv[2] ?? ".");
const cf = createRequire(join(dir, "package.json"))("cipherflow");

const codes = new Set();
const attempt = (run) => {
  try {
    run();
  } catch (e) {
    if (e?.name !== "CipherflowError") throw e;
    codes.add(e.code);
  }
};

// A scenario that reaches every trace event kind it can.
const sim = new cf.Simulation({ seed: 11, retentionDays: 1, integrity: { blockSpamReports: 2 } });
const ana = sim.addConsumer("+1 650 555 0001", "Ana");
const ben = sim.addConsumer("+1 650 555 0002", "Ben");
const shop = sim.addBusiness("+1 650 555 9000", "Shop");
const other = sim.addBusiness("+1 650 555 9001", "Other");
const shopNumber = shop.display_phone_number;

sim.consumerSendText(ana, shopNumber, "Does it come in another colour?");
sim.settle();
const responses = [sim.businessSendText(shop.phone_number_id, ana, "Yes: blue and green.")];
sim.settle();
const inbound = sim.snapshot().businesses.find((b) => b.name === "Shop").inbox[0];
responses.push(sim.businessMarkRead(shop.phone_number_id, inbound.wamid));
sim.settle();
const bubble = sim.snapshot().consumers[0].chats[0].messages[0];
responses.push(sim.businessReact(shop.phone_number_id, ana, bubble.id, "👍"));
sim.consumerRead(ana, shopNumber);
sim.settle();

// Offline: queued, then delivered when the phone comes back.
sim.setConsumerOnline(ben, false);
responses.push(sim.businessSendText(shop.phone_number_id, ben, "Your order has shipped."));
sim.settle();
sim.setConsumerOnline(ben, true);
sim.settle();

// Faults: drops (retransmissions), duplicates, reordering, tampering, replays.
sim.setFaults({ drop: 0.2, duplicate: 0.2, reorder: 0.2, tamper: 0.2, replay: 0.2 });
for (let i = 0; i < 12; i++) {
  sim.consumerSendText(i % 2 ? ana : ben, shopNumber, `Question number ${i} about my order`);
  responses.push(sim.businessSendText(shop.phone_number_id, i % 2 ? ben : ana, `Answer number ${i} to you`));
  sim.run(1000, 5000);
}
sim.setFaults({});
sim.advance(120_000);
sim.settle();

// A new business identity: a new session and a changed safety number.
sim.rotateBusinessIdentity(shop.phone_number_id);
sim.consumerSendText(ana, shopNumber, "Is this still the same shop?");
sim.settle();
responses.push(sim.businessSendText(shop.phone_number_id, ana, "It is, we re-registered."));
sim.settle();

// Spam reports until the other business is blocked; then its sends are refused.
sim.consumerSendText(ana, other.display_phone_number, "Hello other shop, anyone there?");
sim.settle();
sim.reportSpam(ana, other.display_phone_number);
sim.reportSpam(ben, other.display_phone_number);
responses.push(sim.businessSendText(other.phone_number_id, ana, "Buy now, limited offer!"));
sim.settle();

// Webhooks sent by hand, and raw Graph API requests.
responses.push(
  sim.businessWebhook(shop.phone_number_id, {
    method: "GET",
    path: `/webhook?hub.mode=subscribe&hub.verify_token=${shop.verify_token}&hub.challenge=42`,
  }),
  sim.businessWebhook(shop.phone_number_id, {
    method: "POST",
    path: "/webhook",
    headers: [["X-Hub-Signature-256", "sha256=00"]],
    body: { object: "whatsapp_business_account", entry: [] },
  }),
  sim.cloudApi.request({
    method: "POST",
    path: `/v21.0/${shop.phone_number_id}/messages`,
    headers: { Authorization: "Bearer wrong" },
    body: new Uint8Array([0xff, 0xfe]),
  }),
  sim.cloudApi.request({ method: "GET", path: "/nowhere" }),
);

// Outbound messages to an offline phone expire undelivered: a retention purge.
sim.setConsumerOnline(ben, false);
responses.push(sim.businessSendText(shop.phone_number_id, ben, "This one will expire undelivered."));
sim.settle();
sim.advance(2 * 86_400_000);
sim.settle();

const panes = sim.snapshot();
const trace = sim.trace();

// Errors: every code the API can be made to throw from JS.
attempt(() => new cf.Simulation({ nope: 1 }));
attempt(() => new cf.Simulation({ faults: { drop: 2 } }));
attempt(() => sim.addConsumer("not a number", "X"));
attempt(() => sim.addConsumer(ana, "Again"));
attempt(() => sim.consumerSendText("+1 650 555 0999", shopNumber, "hi there"));
attempt(() => sim.consumerSendText(ana, "+1 650 555 0998", "hi there"));
attempt(() => sim.consumerSendText(ana, shopNumber, ""));
attempt(() => sim.businessSendText("000", ana, "hello"));
attempt(() => cf.Simulation.importTrace("{}"));
attempt(() => cf.PreKeyBundle.fromBytes(new Uint8Array(3)));
attempt(() => cf.Identity.restore(new Uint8Array([1, 2, 3])));
attempt(() => cf.Identity.restore(new Uint8Array(64), new Uint8Array(32)));
const alice = cf.Identity.generate({ seed: 1 });
const bob = cf.Identity.generate({ seed: 2 });
const [otk] = bob.generateOneTimePreKeys(1);
attempt(() => bob.generateOneTimePreKeys(1_000_000));
const session = alice.initiateSession(bob.bundle(otk));
const first = session.encrypt("hello");
const { session: bobSession } = bob.acceptSession(first);
attempt(() => bob.acceptSession(first));
const second = session.encrypt("again");
bobSession.decrypt(second);
attempt(() => bobSession.decrypt(second));
const tampered = session.encrypt("tampered");
tampered[tampered.length - 1] ^= 1;
attempt(() => bobSession.decrypt(tampered));
attempt(() => cf.safetyNumber("a", new Uint8Array(33), "b", new Uint8Array(33)));

const seen = new Set(trace.events.map((e) => e.type));
const literal = (value) => JSON.stringify(value, null, 1);
const fixture = `// Generated by tests/node/types-fixture.mjs from the installed package's output.
import type {
  BusinessHandle, CipherflowError, HttpResponse, MatrixComparison, Panes, PreKeyBundleJson,
  ProofReport, SessionSnapshot, Trace,
} from "cipherflow";

export const handle: BusinessHandle = ${literal(shop)};
export const panes: Panes = ${literal(panes)};
export const trace: Trace = ${literal(trace)};
export const proof: ProofReport = ${literal(cf.Simulation.proveTrace(sim.exportTrace()))};
export const visibility: MatrixComparison = ${literal(sim.visibility())};
export const responses: HttpResponse[] = ${literal(responses)};
export const sessionSnapshot: SessionSnapshot = ${literal(bobSession.snapshot())};
export const bundleJson: PreKeyBundleJson = ${literal(bob.bundle(bob.generateOneTimePreKeys(1)[0]).toJSON())};
export const bundleJsonWithoutOneTime: PreKeyBundleJson = ${literal(bob.bundle().toJSON())};
export const errors: Pick<CipherflowError, "name" | "code">[] = ${literal([...codes].map((code) => ({ name: "CipherflowError", code })))};
`;
writeFileSync(join(dir, "types-fixture.ts"), fixture);
console.log(
  `types-fixture.ts: ${trace.events.length} events of ${seen.size}/21 kinds` +
    ` (${[...seen].sort().join(", ")}), ${codes.size} error codes (${[...codes].sort().join(", ")})`,
);
