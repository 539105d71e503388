// Node tests of the packed npm package `cipherflow` (target/npm/cipherflow-*.tgz),
// installed into a fresh folder exactly as a user would install it
// (see install.mjs; build the tarball with scripts/build-npm.sh).
import { test, before } from "node:test";
import assert from "node:assert/strict";

import { installPackage } from "./install.mjs";

let pkg; // the installed package (loaders)
let cf; // the CommonJS face, loaded once

before(() => {
  pkg = installPackage();
  cf = pkg.requireCjs();
});

const utf8 = (bytes) => Buffer.from(bytes).toString("utf8");
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const pickleOf = (obj) => utf8(obj.serialize()); // pickle JSON, no key
const SAFETY_NUMBER = /^\d{5}( \d{5}){11}$/;

/** Alice (initiator) and Bob (responder, with one-time prekeys) from seeds. */
function pair(mod = cf, seedA = 1, seedB = 2) {
  const alice = mod.Identity.generate({ seed: seedA });
  const bob = mod.Identity.generate({ seed: seedB });
  const opks = bob.generateOneTimePreKeys(5);
  return { alice, bob, opks };
}

test("ESM import (with a no-op default init) and CommonJS require both work", async () => {
  const esm = await pkg.importEsm();
  assert.equal(typeof esm.default, "function", "default init exists for browser parity");
  assert.equal(await esm.default(), undefined, "init() is a no-op in Node");
  for (const name of ["Identity", "PreKeyBundle", "Session", "Simulation", "CloudApiEndpoint"]) {
    assert.equal(typeof esm[name], "function", `ESM exports ${name}`);
    assert.equal(typeof cf[name], "function", `CommonJS exports ${name}`);
  }
  for (const name of ["safetyNumber", "version", "wasmMemoryBytes"]) {
    assert.equal(typeof esm[name], "function", `ESM exports ${name}()`);
    assert.equal(typeof cf[name], "function", `CommonJS exports ${name}()`);
  }
  const { version } = pkg.packageJson();
  assert.equal(esm.version(), version);
  assert.equal(cf.version(), version);
  assert.ok(cf.wasmMemoryBytes() > 0);
  // Both faces work end to end.
  for (const mod of [esm, cf]) {
    const { alice, bob, opks } = pair(mod, 10, 11);
    const session = alice.initiateSession(bob.bundle(opks[0]));
    const { plaintext } = bob.acceptSession(session.encrypt("hi from " + mod.version()));
    assert.equal(utf8(plaintext), "hi from " + version);
  }
});

test("low-level round trip: bundles, X3DH, Double Ratchet turns, out-of-order, safety numbers", () => {
  const { PreKeyBundle, Session, safetyNumber } = cf;
  const { alice, bob, opks } = pair();
  assert.deepEqual(opks, [1, 2, 3, 4, 5]);
  assert.deepEqual(bob.oneTimePreKeyIds(), opks);
  assert.equal(alice.publicKey.length, 33);
  assert.equal(alice.publicKey[0], 0x05);
  assert.ok(alice.publicKey instanceof Uint8Array);

  // Bundle: object, bytes, JSON.
  const bundle = bob.bundle(opks[0]);
  assert.equal(bundle.oneTimePreKeyId, opks[0]);
  assert.equal(typeof bundle.signedPreKeyId, "number");
  assert.deepEqual(bundle.identityKey, bob.publicKey);
  const bytes = bundle.toBytes();
  assert.ok(bytes instanceof Uint8Array);
  assert.equal(bytes.length, 1 + 33 + 4 + 33 + 64 + 1 + 4 + 33);
  const decoded = PreKeyBundle.fromBytes(bytes);
  assert.equal(decoded.verify(), true);
  assert.deepEqual(decoded.toBytes(), bytes);
  const json = decoded.toJSON();
  assert.deepEqual(JSON.parse(JSON.stringify(decoded)), json, "toJSON is what JSON.stringify uses");
  assert.deepEqual(Object.keys(json).sort(), [
    "identity_key",
    "one_time_prekey",
    "signed_prekey",
    "signed_prekey_id",
    "signed_prekey_signature",
  ]);
  assert.equal(json.identity_key, hex(bob.publicKey));
  assert.equal(json.signed_prekey_id, bundle.signedPreKeyId);
  assert.match(json.signed_prekey, /^05[0-9a-f]{64}$/);
  assert.match(json.signed_prekey_signature, /^[0-9a-f]{128}$/);
  assert.deepEqual(json.one_time_prekey.id, opks[0]);
  assert.match(json.one_time_prekey.key, /^05[0-9a-f]{64}$/);
  const noOpk = bob.bundle();
  assert.equal(noOpk.oneTimePreKeyId, undefined);
  assert.equal(noOpk.toJSON().one_time_prekey, null);
  assert.equal(noOpk.toBytes().length, 1 + 33 + 4 + 33 + 64 + 1);

  // Initiate with a PreKeyBundle object, and a second session with bundle bytes.
  const a = alice.initiateSession(decoded);
  assert.equal(a.role, "initiator");
  const first = a.encrypt("hello bob");
  const second = a.encrypt(new Uint8Array([0, 1, 2, 255]));
  const accepted = bob.acceptSession(first);
  assert.deepEqual(Object.keys(accepted).sort(), ["plaintext", "session"]);
  assert.ok(accepted.plaintext instanceof Uint8Array);
  assert.equal(utf8(accepted.plaintext), "hello bob");
  const b = accepted.session;
  assert.ok(b instanceof Session);
  assert.equal(b.role, "responder");
  assert.deepEqual([...b.decrypt(second)], [0, 1, 2, 255], "a second prekey message decrypts");
  assert.ok(!bob.oneTimePreKeyIds().includes(opks[0]), "the used one-time prekey is deleted");

  const viaBytes = alice.initiateSession(bob.bundle(opks[1]).toBytes());
  const acceptedBytes = bob.acceptSession(viaBytes.encrypt(new Uint8Array([7, 7])));
  assert.deepEqual([...acceptedBytes.plaintext], [7, 7]);
  assert.equal(acceptedBytes.session.decryptText(viaBytes.encrypt("bytes bundle ok")), "bytes bundle ok");

  // Several DH ratchet turns, both ways.
  for (let turn = 0; turn < 6; turn++) {
    const [from, to] = turn % 2 === 0 ? [b, a] : [a, b];
    for (let i = 0; i < 3; i++) {
      const text = `turn ${turn} message ${i} ✓`;
      assert.equal(to.decryptText(from.encrypt(text)), text);
    }
  }
  const steps = a.snapshot().ratchet.dh_ratchet_steps;
  assert.ok(steps >= 6, `several DH ratchet steps (got ${steps})`);

  // Out-of-order delivery, across a ratchet turn.
  const batch = ["m0", "m1", "m2", "m3", "m4"].map((t) => [t, a.encrypt(t)]);
  for (const i of [3, 0, 4, 2, 1]) assert.equal(b.decryptText(batch[i][1]), batch[i][0]);
  const late = b.encrypt("late one");
  const reply = b.encrypt("after the late one");
  assert.equal(a.decryptText(reply), "after the late one");
  const afterTurn = a.encrypt("new chain");
  assert.equal(b.decryptText(afterTurn), "new chain");
  assert.equal(a.decryptText(late), "late one");

  // Safety numbers: both sides agree, and the free function agrees.
  const snA = a.safetyNumber("+15550001", "+15550002");
  const snB = b.safetyNumber("+15550002", "+15550001");
  assert.match(snA, SAFETY_NUMBER);
  assert.equal(snA, snB);
  assert.equal(safetyNumber("+15550001", alice.publicKey, "+15550002", bob.publicKey), snA);
  assert.equal(safetyNumber("+15550002", bob.publicKey, "+15550001", alice.publicKey), snA);
  assert.deepEqual(a.localIdentityKey, alice.publicKey);
  assert.deepEqual(a.remoteIdentityKey, bob.publicKey);
  assert.deepEqual(b.localIdentityKey, bob.publicKey);
  assert.deepEqual(b.remoteIdentityKey, alice.publicKey);

  // Snapshot: public facts only.
  const snap = a.snapshot();
  assert.equal(snap.role, "initiator");
  assert.equal(snap.local_identity, hex(alice.publicKey));
  assert.equal(snap.remote_identity, hex(bob.publicKey));
  assert.match(snap.base_key, /^05[0-9a-f]{64}$/);
  assert.equal(snap.sends_prekey_messages, false, "Bob has replied");
  for (const k of [
    "our_ratchet_key",
    "their_ratchet_key",
    "sending_index",
    "receiving_index",
    "previous_sending_length",
    "skipped_keys",
    "dh_ratchet_steps",
  ]) {
    assert.ok(k in snap.ratchet, `snapshot.ratchet.${k}`);
  }
  assert.equal(b.snapshot().role, "responder");
  const snapText = JSON.stringify(snap);
  const pickle = JSON.parse(pickleOf(a));
  for (const secret of [pickle.ratchet.root_key, pickle.ratchet.ratchet_secret]) {
    assert.ok(!snapText.includes(secret), "no secret in the snapshot");
  }
});

test("serialize/restore with and without a key, for Identity and Session", () => {
  const { Identity, Session } = cf;
  const { alice, bob, opks } = pair(cf, 21, 22);
  const key = new Uint8Array(32).map((_, i) => i * 7 + 1);

  // Identity, plain pickle JSON.
  const plain = bob.serialize();
  assert.ok(plain instanceof Uint8Array);
  assert.equal(typeof JSON.parse(utf8(plain)), "object");
  const bob2 = Identity.restore(plain);
  assert.deepEqual(bob2.publicKey, bob.publicKey);
  assert.deepEqual(bob2.oneTimePreKeyIds(), bob.oneTimePreKeyIds());
  assert.equal(pickleOf(bob2), utf8(plain));
  const bob2b = Identity.restore(plain, undefined);
  assert.deepEqual(bob2b.publicKey, bob.publicKey);

  // Identity, sealed.
  const sealed = bob.serialize(key);
  assert.ok(!utf8(sealed).includes(hex(bob.publicKey)), "sealed bytes are not the pickle");
  assert.notDeepEqual(sealed, bob.serialize(key), "a fresh nonce each time");
  const bob3 = Identity.restore(sealed, key);
  assert.deepEqual(bob3.publicKey, bob.publicKey);
  assert.equal(pickleOf(bob3), utf8(plain));

  // A restored identity accepts a session on a prekey the original published.
  const a = alice.initiateSession(bob.bundle(opks[0]));
  const first = a.encrypt("to the restored bob");
  const { session: b, plaintext } = bob3.acceptSession(first);
  assert.equal(utf8(plaintext), "to the restored bob");
  assert.equal(a.decryptText(b.encrypt("pong")), "pong");

  // Session, plain and sealed; the restored copies continue the conversation.
  const aPlain = a.serialize();
  const bSealed = b.serialize(key);
  const a2 = Session.restore(aPlain);
  const b2 = Session.restore(bSealed, key);
  assert.equal(pickleOf(a2), utf8(aPlain));
  assert.equal(pickleOf(b2), pickleOf(b));
  assert.equal(a2.role, "initiator");
  assert.equal(b2.role, "responder");
  for (let i = 0; i < 4; i++) {
    assert.equal(b2.decryptText(a2.encrypt(`restored ${i}`)), `restored ${i}`);
    assert.equal(a2.decryptText(b2.encrypt(`reply ${i}`)), `reply ${i}`);
  }
  assert.equal(
    a2.safetyNumber("alice", "bob"),
    b2.safetyNumber("bob", "alice"),
    "restored sessions keep their identities",
  );
});

test("two separate module instances exchange only raw bytes (consumer ↔ Cloud API)", async () => {
  const esm = await pkg.importEsm();
  // node/index.mjs re-exports the CommonJS build, so `import` and `require`
  // share ONE wasm instance (no dual-package hazard: objects can be mixed).
  assert.equal(esm.Identity, cf.Identity, "ESM and CommonJS faces share one instance");
  // A second, separate wasm instance: the CommonJS entry evaluated again.
  const other = pkg.freshCjsInstance();
  assert.notEqual(other.Identity, esm.Identity, "separate instance: different classes");
  assert.notEqual(other.Session, esm.Session);

  const consumerSide = esm; // the consumer's phone
  const cloudSide = other; // the Cloud API, hosting the business's identity
  const business = cloudSide.Identity.generate({ seed: 900 });
  const [opk] = business.generateOneTimePreKeys(1);
  const bundleBytes = business.bundle(opk).toBytes(); // → published, as bytes
  assert.ok(bundleBytes instanceof Uint8Array);

  const consumer = consumerSide.Identity.generate({ seed: 901 });
  // An object of one instance is not a PreKeyBundle of the other: only bytes cross.
  const phone = consumer.initiateSession(new Uint8Array(bundleBytes));
  const envelope = phone.encrypt("Where is my order #1234?");
  const { session: cloud, plaintext } = business.acceptSession(new Uint8Array(envelope));
  assert.equal(utf8(plaintext), "Where is my order #1234?");
  assert.ok(cloud instanceof cloudSide.Session);
  assert.ok(!(cloud instanceof consumerSide.Session));

  for (let i = 0; i < 5; i++) {
    const out = cloud.encrypt(`Your order ships on day ${i}`);
    assert.equal(phone.decryptText(new Uint8Array(out)), `Your order ships on day ${i}`);
    const back = phone.encrypt(`thanks ${i}`);
    assert.equal(cloud.decryptText(new Uint8Array(back)), `thanks ${i}`);
  }
  assert.equal(
    phone.safetyNumber("+15550100", "+15550999"),
    cloud.safetyNumber("+15550999", "+15550100"),
  );
  // The two instances have separate linear memories.
  assert.ok(consumerSide.wasmMemoryBytes() > 0 && cloudSide.wasmMemoryBytes() > 0);
});

test("a failed decrypt leaves the session exactly as it was", () => {
  const { alice, bob, opks } = pair(cf, 31, 32);
  const a = alice.initiateSession(bob.bundle(opks[0]));
  const { session: b } = bob.acceptSession(a.encrypt("first"));
  assert.equal(a.decryptText(b.encrypt("reply")), "reply");

  const good = a.encrypt("genuine");
  const tampered = Uint8Array.from(good);
  tampered[tampered.length - 5] ^= 0x01;
  const headerFlip = Uint8Array.from(good);
  headerFlip[10] ^= 0x80;
  const truncated = good.slice(0, good.length - 1);
  const garbage = new Uint8Array(good.length).map((_, i) => (i * 31 + 7) & 0xff);
  const otherSession = alice.initiateSession(bob.bundle(opks[1])).encrypt("another session");
  const nonUtf8 = a.encrypt(new Uint8Array([0xff, 0xfe, 0xfd]));

  const before = pickleOf(b);
  const attempts = [
    ["tampered ciphertext", () => b.decrypt(tampered)],
    ["flipped header byte", () => b.decrypt(headerFlip)],
    ["truncated", () => b.decrypt(truncated)],
    ["garbage", () => b.decrypt(garbage)],
    ["empty", () => b.decrypt(new Uint8Array(0))],
    ["prekey message of another session", () => b.decrypt(otherSession)],
    ["tampered via decryptText", () => b.decryptText(tampered)],
  ];
  for (const [why, attempt] of attempts) {
    assert.throws(attempt, (e) => e.name === "CipherflowError", why);
    assert.equal(pickleOf(b), before, `session unchanged after: ${why}`);
  }
  // decryptText of a non-UTF-8 plaintext fails without consuming the message.
  assert.throws(
    () => b.decryptText(nonUtf8),
    (e) => e.code === "INVALID_ARGUMENT",
  );
  assert.equal(pickleOf(b), before, "session unchanged after a non-UTF-8 decryptText");

  assert.equal(b.decryptText(good), "genuine", "the next genuine message still decrypts");
  assert.deepEqual([...b.decrypt(nonUtf8)], [0xff, 0xfe, 0xfd], "and the non-UTF-8 one via decrypt()");
  // Replays fail and change nothing either.
  const afterGood = pickleOf(b);
  assert.throws(() => b.decrypt(good), (e) => e.code === "DUPLICATE_MESSAGE");
  assert.equal(pickleOf(b), afterGood);

  // A tampered message that opens a NEW DH ratchet step must not half-apply it.
  const newChain = b.encrypt("new ratchet step");
  const aBefore = pickleOf(a);
  const badStep = Uint8Array.from(newChain);
  badStep[badStep.length - 1] ^= 0x01;
  assert.throws(() => a.decrypt(badStep), (e) => e.code === "AUTHENTICATION_FAILED");
  assert.equal(pickleOf(a), aBefore, "no half-applied DH ratchet step");
  assert.equal(a.decryptText(newChain), "new ratchet step");

  // A tampered message far ahead in the chain must not store the skipped keys.
  const ahead = [];
  for (let i = 0; i < 50; i++) ahead.push(b.encrypt(`ahead ${i}`));
  const aBeforeSkip = pickleOf(a);
  const badAhead = Uint8Array.from(ahead[49]);
  badAhead[badAhead.length - 3] ^= 0x10;
  assert.throws(() => a.decrypt(badAhead), (e) => e.code === "AUTHENTICATION_FAILED");
  assert.equal(pickleOf(a), aBeforeSkip, "no skipped keys stored by a failed decrypt");
  assert.equal(a.snapshot().ratchet.skipped_keys, 0);
  assert.equal(a.decryptText(ahead[49]), "ahead 49");
  assert.equal(a.snapshot().ratchet.skipped_keys, 49);
  assert.equal(a.decryptText(ahead[0]), "ahead 0");
});

test("determinism: same seed → same keys and bytes; Simulation traces and digests", () => {
  const { Identity, Simulation } = cf;
  const run = (seedA, seedB) => {
    const alice = Identity.generate({ seed: seedA });
    const bob = Identity.generate({ seed: seedB, nowMs: 1_700_000_000_000 });
    const opks = bob.generateOneTimePreKeys(3);
    const bundle = bob.bundle(opks[1]).toBytes();
    const a = alice.initiateSession(bundle);
    const first = a.encrypt("deterministic");
    const { session: b } = bob.acceptSession(first);
    const reply = b.encrypt("also deterministic");
    return {
      alice: hex(alice.publicKey),
      bob: hex(bob.publicKey),
      bundle: hex(bundle),
      first: hex(first),
      reply: hex(reply),
      pickleA: pickleOf(a),
      pickleB: pickleOf(b),
      identity: pickleOf(bob),
    };
  };
  assert.deepEqual(run(5, 6), run(5, 6));
  const other = run(5, 7);
  const base = run(5, 6);
  assert.equal(other.alice, base.alice);
  assert.notEqual(other.bob, base.bob);
  assert.notEqual(other.first, base.first);
  // Without a seed, keys come from the platform CSPRNG.
  assert.notDeepEqual(Identity.generate().publicKey, Identity.generate().publicKey);
  assert.notDeepEqual(Identity.generate(undefined).publicKey, Identity.generate({}).publicKey);

  const simulate = (seed) => {
    const sim = new Simulation({ seed, faults: { drop: 0.1, reorder: 0.2, duplicate: 0.1 } });
    const consumer = sim.addConsumer("+1 650 555 1234", "Ann");
    const biz = sim.addBusiness("+1 650 555 0000", "Shop");
    for (let i = 0; i < 5; i++) {
      sim.consumerSendText(consumer, "+16505550000", `question ${i}`);
      sim.run();
      sim.businessSendText(biz.phone_number_id, "16505551234", `answer ${i}`);
    }
    sim.settle();
    sim.consumerRead(consumer, "+16505550000");
    sim.advance(10 * 60 * 1000);
    return { trace: sim.exportTrace(), digest: sim.stateDigest(), handle: biz };
  };
  const one = simulate(42);
  const two = simulate(42);
  assert.equal(typeof one.trace, "string");
  assert.ok(one.trace.length > 1000);
  assert.equal(one.trace, two.trace, "same seed, same actions: identical trace JSON");
  assert.equal(one.digest, two.digest);
  assert.match(one.digest, /^[0-9a-f]{64}$/);
  assert.deepEqual(one.handle, two.handle);
  const three = simulate(43);
  assert.notEqual(three.trace, one.trace, "different seed: different trace");
  assert.notEqual(three.digest, one.digest);
  assert.notEqual(three.handle.access_token, one.handle.access_token);
});
