// The examples in examples/, run against the packed npm package exactly as a user
// would: target/npm/cipherflow-*.tgz installed into a fresh folder, then
// `node examples/node-quickstart.mjs` there, and browser.html and
// protocol-browser.html (next to node_modules) served over http and loaded in
// headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { launchBrowser, serveDir } from "../browser/harness.mjs";

const root = resolve(import.meta.dirname, "../..");
const examples = join(root, "examples");
let appDir;

before(() => {
  const npmDir = join(root, "target/npm");
  const tgz = existsSync(npmDir) ? readdirSync(npmDir).filter((f) => /^cipherflow-.*\.tgz$/.test(f)) : [];
  assert.ok(tgz.length > 0, "no target/npm/cipherflow-*.tgz: run scripts/build-npm.sh first");
  appDir = mkdtempSync(join(tmpdir(), "cipherflow-examples-"));
  // Copy first, so a concurrent rebuild of target/npm cannot pull the file away mid-install.
  const local = join(appDir, "cipherflow.tgz");
  copyFileSync(join(npmDir, tgz.sort().at(-1)), local);
  writeFileSync(join(appDir, "package.json"), JSON.stringify({ name: "examples-app", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", local], {
    cwd: appDir,
    stdio: "pipe",
  });
  // As documented: the quickstart in examples/ beside node_modules, browser.html next to node_modules.
  mkdirSync(join(appDir, "examples"));
  copyFileSync(join(examples, "node-quickstart.mjs"), join(appDir, "examples", "node-quickstart.mjs"));
  copyFileSync(join(examples, "browser.html"), join(appDir, "browser.html"));
  copyFileSync(join(examples, "protocol-browser.html"), join(appDir, "protocol-browser.html"));
});

after(() => {
  if (appDir && !process.env.CIPHERFLOW_KEEP_TMP) rmSync(appDir, { recursive: true, force: true });
});

test("examples/node-quickstart.mjs runs against the installed package and every check passes", () => {
  const run = spawnSync(process.execPath, ["examples/node-quickstart.mjs"], {
    cwd: appDir,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(run.status, 0, `exit ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  const out = run.stdout;
  for (const line of [
    /^cipherflow \d+\.\d+\.\d+$/m,
    /alice → bob {2}prekey message, \d+ bytes, decrypted: "Hi Bob, it's Alice\."/,
    /bob → alice {2}ratchet message, \d+ bytes, decrypted: "Hi Alice!"/,
    /safety number, same on both sides: yes\n {5}(\d{5} ){11}\d{5}\n/,
    /replayed message: DUPLICATE_MESSAGE/,
    /Acme → Ana: POST \/v21\.0\/\d+\/messages → 200\n {5}messages\[0\]\.id = wamid\.\S+/,
    /Consumer's WhatsApp client {2}\+14155550101 \(Ana\)/,
    /← "Yes, Ana: it left our warehouse this morning\." \(unread\)/,
    /WhatsApp transport {2}\(routes and stores ciphertext only\)\n {5}4 envelopes: 2 Signal messages/,
    /Cloud API {2}\(run by Meta for the business: holds its keys, decrypts, keeps ≤ 30 days\)/,
    /inbound {2}"Hi! Is my order #1234 on its way\?" \(plaintext, expires in 30 days\)/,
    /webhook from 14155550101: "Hi! Is my order #1234 on its way\?" \(signature verified: true\)/,
    /status webhook "delivered"/,
    /Ciphertext-only proof: holds: 2 plaintexts searched for in \d+ transport bytes, 0 matches/,
    /= Message content +Cloud API +rest of Meta no +WhatsApp no$/m,
    /Matches Meta's table: yes/,
    /^All checks passed\.$/m,
  ]) {
    assert.match(out, line);
  }
  // It never calls the consumer-to-business leg end-to-end without the caveat.
  assert.match(out, /not end-to-end to the business's server/);
});

test("examples/browser.html loads the package's web build without a bundler and renders the four parties", async () => {
  // The same static server and Chromium launch as the browser suite.
  const server = await serveDir(appDir);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    const wasm = page.waitForResponse((r) => r.url().endsWith("/cipherflow_web_bg.wasm"));
    await page.goto(`${server.url}browser.html`);
    const wasmResponse = await wasm;
    assert.equal(wasmResponse.status(), 200);
    assert.equal(wasmResponse.headers()["content-type"], "application/wasm");

    await page.waitForSelector('#status:not([data-state="running"])', { timeout: 30_000 });
    const state = await page.getAttribute("#status", "data-state");
    const text = await page.innerText("body");
    assert.equal(state, "done", `page state ${state}:\n${text}\n${problems.join("\n")}`);
    assert.deepEqual(problems, []);

    for (const fact of [
      "Done: every check passed.",
      "Consumer's WhatsApp client",
      "Ana, +14155550101",
      "sent: “Hello Acme, is my order on its way?”",
      "received: “Yes, it ships today.”",
      "WhatsApp transport",
      "routes and stores ciphertext only",
      "2 Signal envelopes",
      "Cloud API",
      "run by Meta for the business: holds its keys and decrypts",
      "inbound in plaintext: “Hello Acme, is my order on its way?”",
      "kept at most 30 days",
      "Business server",
      "signature verified: true",
      "Graph API reply: HTTP 200, status webhook “delivered”",
      "same safety number: yes",
      "Ciphertext-only proof: holds (0 plaintext matches",
      "Visibility matrix agrees with Meta's: yes",
    ]) {
      assert.ok(text.includes(fact), `page lacks ${JSON.stringify(fact)}:\n${text}`);
    }
    assert.match(text, /safety number: (\d{5} ){11}\d{5}/);
  } finally {
    await browser.close();
    await server.close();
  }
});

test("examples/protocol-browser.html runs X3DH and the ratchet from the protocol-only module alone", async () => {
  const server = await serveDir(appDir);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const problems = [];
    const wasmFetched = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("response", (r) => {
      if (r.url().endsWith(".wasm")) wasmFetched.push(r.url().slice(server.url.length));
    });
    await page.goto(`${server.url}protocol-browser.html`);
    await page.waitForSelector('#status:not([data-state="running"])', { timeout: 30_000 });
    const state = await page.getAttribute("#status", "data-state");
    const text = await page.innerText("body");
    assert.equal(state, "done", `page state ${state}:\n${text}\n${problems.join("\n")}`);
    assert.deepEqual(problems, []);
    // Only the protocol module was fetched: the full one never is.
    assert.deepEqual(wasmFetched, ["node_modules/cipherflow/protocol/web/cipherflow_protocol_bg.wasm"]);
    for (const fact of [
      "Done: every check passed.",
      "the bundle's signed prekey signature verifies: yes",
      "Bob reads “Hi Bob, it's Alice.”: yes",
      "Alice reads “Hi Alice!”: yes",
      "a replayed message is refused (DUPLICATE_MESSAGE): yes",
      "same safety number on both sides: yes",
      "a sealed identity restores with its key: yes",
    ]) {
      assert.ok(text.includes(fact), `page lacks ${JSON.stringify(fact)}:\n${text}`);
    }
    assert.match(text, /Bob's bundle: 173 bytes/);
    assert.match(text, /safety number: (\d{5} ){11}\d{5}/);
  } finally {
    await browser.close();
    await server.close();
  }
});
