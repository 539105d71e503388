// The protocol-only entry `cipherflow/protocol`: its own wasm module, built
// without the simulation (scripts/build-npm.sh). Loaded from the packed package
// installed into a fresh folder, through the package's exports map.
//
// It must export the protocol API and nothing of the flow, and speak exactly the
// bytes of the full entry: a session can be half in one and half in the other,
// and pickles move between them.
import { test, before } from "node:test";
import assert from "node:assert/strict";

import { installPackage } from "./install.mjs";

let pkg;
let full; // `cipherflow`
let protocol; // `cipherflow/protocol`

before(() => {
  pkg = installPackage();
  full = pkg.requireCjs();
  protocol = pkg.requireProtocol();
});

const utf8 = (bytes) => Buffer.from(bytes).toString("utf8");
const hex = (bytes) => Buffer.from(bytes).toString("hex");

/** What the protocol entry exports, and all it exports (CommonJS face). */
const PROTOCOL_EXPORTS = ["Identity", "PreKeyBundle", "Session", "safetyNumber", "start", "version", "wasmMemoryBytes"];

test("cipherflow/protocol exports the protocol API and nothing of the simulation", async () => {
  const names = Object.keys(protocol).filter((n) => n !== "__esModule").sort();
  assert.deepEqual(names, [...PROTOCOL_EXPORTS].sort());
  // Everything else the full entry exports is the simulation's.
  const fullOnly = Object.keys(full).filter((n) => !PROTOCOL_EXPORTS.includes(n));
  assert.deepEqual(fullOnly.sort(), ["CloudApiEndpoint", "Simulation"]);
  const esm = await pkg.importProtocolEsm();
  assert.deepEqual(
    Object.keys(esm).filter((n) => n !== "default").sort(),
    [...PROTOCOL_EXPORTS].sort(),
    "the ESM face exports the same names",
  );
  assert.equal(await esm.default(), undefined, "init() is a no-op in Node");
  for (const name of ["Simulation", "CloudApiEndpoint"]) {
    assert.equal(typeof full[name], "function", `the full entry has ${name}`);
    assert.equal(protocol[name], undefined, `the protocol entry has no ${name}`);
  }
  assert.equal(protocol.version(), pkg.packageJson().version);
  assert.notEqual(protocol.Identity, full.Identity, "its own module, its own classes");
  // Its own wasm instance: what grows one module's memory leaves the other's alone.
  const fullBefore = full.wasmMemoryBytes();
  const protocolBefore = protocol.wasmMemoryBytes();
  const held = [];
  for (let i = 0; held.length < 2_000 && protocol.wasmMemoryBytes() === protocolBefore; i++) {
    const identity = protocol.Identity.generate({ seed: i });
    identity.generateOneTimePreKeys(200);
    held.push(identity);
  }
  assert.ok(protocol.wasmMemoryBytes() > protocolBefore, "the protocol module's memory grew");
  assert.equal(full.wasmMemoryBytes(), fullBefore, "the full module's memory did not");
  for (const identity of held) identity.free();
});

test("same seed, same keys and same bytes in both entries", () => {
  for (const seed of [0, 1, 2 ** 32 - 1]) {
    const a = full.Identity.generate({ seed, nowMs: 1_750_000_000_000 });
    const b = protocol.Identity.generate({ seed, nowMs: 1_750_000_000_000 });
    assert.deepEqual(b.publicKey, a.publicKey, `seed ${seed}: identity key`);
    assert.deepEqual(b.generateOneTimePreKeys(3), a.generateOneTimePreKeys(3));
    assert.deepEqual(b.bundle(2).toBytes(), a.bundle(2).toBytes(), `seed ${seed}: bundle bytes`);
    assert.equal(utf8(b.serialize()), utf8(a.serialize()), `seed ${seed}: identity pickle`);
  }
  // The same conversation, message for message, in each module.
  const transcript = (mod) => {
    const alice = mod.Identity.generate({ seed: 40 });
    const bob = mod.Identity.generate({ seed: 41 });
    const opk = bob.generateOneTimePreKeys(1)[0];
    const a = alice.initiateSession(bob.bundle(opk));
    const out = [a.encrypt("one")];
    const { session: b } = bob.acceptSession(out[0]);
    out.push(b.encrypt("two"), a.encrypt("three"));
    return out.map(hex);
  };
  assert.deepEqual(transcript(protocol), transcript(full));
});

test("a session across the two entries: X3DH, ratchet turns, out of order, safety numbers", () => {
  // Alice uses the protocol entry; Bob, the full one. Only bytes cross.
  const alice = protocol.Identity.generate({ seed: 7 });
  const bob = full.Identity.generate({ seed: 8 });
  const [opk] = bob.generateOneTimePreKeys(1);
  const bundleBytes = bob.bundle(opk).toBytes();
  const bundle = protocol.PreKeyBundle.fromBytes(bundleBytes);
  assert.equal(bundle.verify(), true);
  assert.deepEqual(bundle.identityKey, bob.publicKey);

  const a = alice.initiateSession(bundle);
  const { session: b, plaintext } = bob.acceptSession(a.encrypt("hello from the protocol entry"));
  assert.equal(utf8(plaintext), "hello from the protocol entry");
  assert.equal(b.role, "responder");
  for (let turn = 0; turn < 6; turn++) {
    const [from, to] = turn % 2 === 0 ? [b, a] : [a, b];
    const sent = [1, 2, 3].map((i) => [`turn ${turn} · ${i} ✓`, from.encrypt(`turn ${turn} · ${i} ✓`)]);
    for (const [text, envelope] of sent.reverse()) assert.equal(to.decryptText(envelope), text);
  }
  assert.equal(a.snapshot().ratchet.dh_ratchet_steps, b.snapshot().ratchet.dh_ratchet_steps);

  const mine = a.safetyNumber("+14155550101", "+14155550102");
  const theirs = b.safetyNumber("+14155550102", "+14155550101");
  assert.match(mine, /^\d{5}( \d{5}){11}$/);
  assert.equal(mine, theirs, "both entries compute the same safety number");
  assert.equal(
    protocol.safetyNumber("+14155550101", alice.publicKey, "+14155550102", bob.publicKey),
    mine,
  );
});

test("pickles move between the entries, plain and sealed", () => {
  const key = new Uint8Array(32).fill(3);
  const alice = protocol.Identity.generate({ seed: 21 });
  const bob = full.Identity.generate({ seed: 22 });
  const a = alice.initiateSession(bob.bundle());
  const { session: b } = bob.acceptSession(a.encrypt("before the move"));

  // protocol → full, sealed; full → protocol, plain.
  const a2 = full.Session.restore(a.serialize(key), key);
  const b2 = protocol.Session.restore(b.serialize());
  assert.equal(b2.decryptText(a2.encrypt("after the move")), "after the move");
  assert.equal(a2.decryptText(b2.encrypt("and back")), "and back");
  const alice2 = full.Identity.restore(alice.serialize(key), key);
  assert.deepEqual(alice2.publicKey, alice.publicKey);
  const bob2 = protocol.Identity.restore(bob.serialize());
  assert.deepEqual(bob2.publicKey, bob.publicKey);
});

test("errors from the protocol entry are CipherflowErrors with protocol codes", () => {
  const alice = protocol.Identity.generate({ seed: 1 });
  assert.throws(
    () => alice.initiateSession(new Uint8Array([1, 2, 3])),
    (e) => e instanceof Error && e.name === "CipherflowError" && e.code === "MALFORMED_MESSAGE",
  );
  assert.throws(
    () => protocol.Identity.generate({ seed: "1" }),
    (e) => e.name === "CipherflowError" && e.code === "INVALID_ARGUMENT",
  );
  // (tests/node/errors.test.mjs raises every protocol code through this entry.)
});

test("every class frees, and Symbol.dispose works (for `using`)", () => {
  for (const [name, make] of [
    ["Identity", () => protocol.Identity.generate({ seed: 2 })],
    ["PreKeyBundle", () => protocol.Identity.generate({ seed: 3 }).bundle()],
    ["Session", () => protocol.Identity.generate({ seed: 4 }).initiateSession(full.Identity.generate({ seed: 5 }).bundle().toBytes())],
  ]) {
    const obj = make();
    assert.equal(typeof obj.free, "function", `${name}.free`);
    assert.equal(typeof obj[Symbol.dispose], "function", `${name}[Symbol.dispose]`);
    obj[Symbol.dispose]();
  }
});
