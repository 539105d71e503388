// Node tests of the packed npm package `cipherflow` (target/npm/cipherflow-*.tgz),
// installed into a fresh folder exactly as a user would install it.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "../..");
let appDir;

before(() => {
  const npmDir = join(root, "target/npm");
  const tgz = readdirSync(npmDir).find((f) => /^cipherflow-.*\.tgz$/.test(f));
  assert.ok(tgz, "run scripts/build-npm.sh first: no cipherflow-*.tgz in target/npm");
  appDir = mkdtempSync(join(tmpdir(), "cipherflow-consumer-"));
  writeFileSync(join(appDir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", join(npmDir, tgz)], {
    cwd: appDir,
    stdio: "pipe",
  });
  // An ES module inside the consumer's folder, so `import "cipherflow"` resolves
  // through the installed package's exports map exactly as in a user's project.
  writeFileSync(
    join(appDir, "esm-entry.mjs"),
    'export * from "cipherflow";\nexport { default } from "cipherflow";\n',
  );
});

const importEsm = () => import(pathToFileURL(join(appDir, "esm-entry.mjs")).href);

const HEX64 = /^[0-9a-f]{64}$/;

test("ESM import: sealedExchange round-trips with X25519 + ChaCha20-Poly1305", async () => {
  const mod = await importEsm();
  assert.equal(typeof mod.default, "function", "default init exists for browser parity");
  await mod.default();
  const r = mod.sealedExchange("hello, business", 42);
  assert.match(r.alicePublic, HEX64);
  assert.match(r.bobPublic, HEX64);
  assert.notEqual(r.alicePublic, r.bobPublic);
  assert.equal(r.secretsMatch, true);
  assert.equal(r.recovered, "hello, business");
  assert.equal(r.tamperRejected, true);
  // 15 plaintext bytes + 16-byte Poly1305 tag, hex-encoded.
  assert.equal(r.ciphertext.length, (15 + 16) * 2);
  assert.ok(!r.ciphertext.includes(Buffer.from("hello").toString("hex")));
});

test("CommonJS require gives the same deterministic bytes for the same seed", async () => {
  const require = createRequire(join(appDir, "x.js"));
  const cjs = require("cipherflow");
  const esm = await importEsm();
  const a = cjs.sealedExchange("same", 7);
  const b = esm.sealedExchange("same", 7);
  assert.deepEqual(a, b);
  const c = cjs.sealedExchange("same", 8);
  assert.notEqual(a.ciphertext, c.ciphertext);
  // Without a seed the keys come from the platform CSPRNG: two runs differ.
  assert.notEqual(cjs.sealedExchange("x").alicePublic, cjs.sealedExchange("x").alicePublic);
  assert.equal(cjs.version(), require("cipherflow/package.json").version);
});

test("bad arguments throw CipherflowError with a stable code", () => {
  const require = createRequire(join(appDir, "x.js"));
  const { sealedExchange } = require("cipherflow");
  for (const [args, why] of [
    [[42], "plaintext not a string"],
    [[undefined], "plaintext missing"],
    [["x", -1], "negative seed"],
    [["x", 1.5], "fractional seed"],
    [["x", 2 ** 60], "unsafe integer seed"],
    [["x", Number.NaN], "NaN seed"],
  ]) {
    assert.throws(
      () => sealedExchange(...args),
      (e) => e instanceof Error && e.name === "CipherflowError" && e.code === "INVALID_ARGUMENT",
      why,
    );
  }
  // Still fully usable afterwards.
  assert.equal(sealedExchange("still alive", 1).recovered, "still alive");
});
