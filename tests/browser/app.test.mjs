// Browser tests of the Trunk-built demo (dist/), in Debian's headless Chromium
// driven by playwright-core. Each test opens its own page and fails on any
// console error or warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { appUnderTest, done } from "./app-under-test.mjs";
import { screenshotDir } from "./harness.mjs";

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const { open } = appUnderTest(LAPTOP);

const text = (page, sel) => page.locator(sel).innerText();

/** Clicks Step until `predicate` holds in the page (at most `max` times). */
async function stepUntil(page, predicate, arg, max = 40) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(predicate, arg)) return;
    await page.click("#btn-step");
  }
  assert.fail("the condition never held");
}

test("a consumer message is ciphertext at the transport and plaintext at the Cloud API and business", async () => {
  const opened = await open("?seed=7");
  const { page } = opened;
  const secret = "The vault code is pineapple-4711";
  await page.fill("#consumer-input", secret);
  await page.click("#consumer-send");
  // The transport has logged a signal envelope from the consumer.
  await page.waitForSelector("#transport-log li.signal");
  assert.match(await text(page, "#transport-log li.signal .l1"), /\+16505551234 → \+15550001111/);
  assert.match(await text(page, "#transport-log li.signal .cipher"), /^[0-9a-f]{24}…$/);
  // Deliver it: the Cloud API decrypts, then posts the webhook.
  await stepUntil(page, (s) => document.querySelector("#business-inbox")?.innerText.includes(s), secret);
  assert.ok((await text(page, "#cloud-store")).includes(secret), "the Cloud API store holds the plaintext");
  assert.ok((await text(page, "#business-inbox")).includes(secret), "the business inbox shows it");
  assert.match(await text(page, "#business-inbox"), /signature verified ✓/);
  assert.ok((await text(page, "#cloud-webhooks")).includes("X-Hub-Signature-256: sha256=") ||
    (await page.locator("#cloud-webhooks summary").first().innerText()).includes("X-Hub-Signature-256"));

  // Nowhere in the transport pane's DOM: not its text, not any attribute.
  const transportText = await text(page, "#pane-transport");
  assert.ok(!transportText.includes(secret), "plaintext in the transport pane");
  for (let i = 0; i + 8 <= secret.length; i++) {
    assert.ok(!transportText.includes(secret.slice(i, i + 8)), `plaintext window ${secret.slice(i, i + 8)} in the transport pane`);
  }
  const transportHtml = await page.locator("#pane-transport").evaluate((e) => e.outerHTML);
  assert.ok(!transportHtml.includes(secret.slice(0, 12)), "plaintext in the transport pane's markup");
  assert.match(await text(page, "#proof-badge"), /content visible to transport: none — 1 messages, [\d,]+ bytes checked/);

  // Select it in the business pane: it lights up in every pane it crossed,
  // ciphertext at the transport, plaintext at the Cloud API.
  await page.click("#business-inbox li.msg");
  const key = await page.locator("#business-inbox li.msg").first().getAttribute("data-journey");
  for (const pane of ["#consumer-chat", "#transport-log", "#cloud-store", "#business-inbox"]) {
    assert.equal(await page.locator(`${pane} .lit[data-journey="${key}"]`).count(), 1, `highlighted in ${pane}`);
  }
  assert.match(await text(page, "#transport-selected-bytes"), /^[0-9a-f]+$/);
  assert.ok((await text(page, `#cloud-store .lit`)).includes(secret));
  assert.match(await text(page, "#journey-bar"), /consumer → transport: Signal ciphertext.*transport → Cloud API: Signal ciphertext.*Cloud API → business: plaintext in HTTPS/s);
  assert.equal(await page.locator(".hop.lit").count(), 3, "three hop arrows lit");
  await done(opened);
});

test("a business reply reaches the consumer and the ticks follow the receipts", async () => {
  const opened = await open("?seed=11");
  const { page } = opened;
  await page.fill("#consumer-input", "Where is my parcel?");
  await page.click("#consumer-send");
  await page.click("#btn-settle");
  await page.fill("#business-reply", "It arrives tomorrow before noon.");
  await page.click("#business-send");
  assert.match(await text(page, "#status"), /HTTP 200/);
  assert.match(await text(page, "#cloud-graph"), /POST \/v\d+\.\d+\/\d+\/messages → 200/);
  await page.click("#btn-settle");
  await page.waitForFunction(() => document.querySelector("#consumer-chat").innerText.includes("It arrives tomorrow"));
  assert.match(await text(page, "#business-statuses"), /delivered/);
  // Ana reads it: a read receipt, and the business gets `read`.
  await page.click("#consumer-read");
  await page.click("#btn-settle");
  assert.match(await text(page, "#business-statuses"), /read/);
  // Ana's own message: delivered (two grey ticks), then read (blue) once the business marks it read.
  const ticks = page.locator("#consumer-chat li.out .ticks").first();
  assert.equal(await ticks.getAttribute("aria-label"), "delivered");
  await page.getByRole("button", { name: "Mark as read" }).first().click();
  await page.click("#btn-settle");
  assert.equal(await ticks.getAttribute("aria-label"), "read");
  assert.match(await ticks.getAttribute("class"), /read/);
  await done(opened);
});

test("the 30-day purge empties the Cloud API store and shows the failed status", async () => {
  const opened = await open("?seed=3");
  const { page } = opened;
  await page.fill("#consumer-input", "Call me back please");
  await page.click("#consumer-send");
  await page.click("#btn-settle");
  await page.click("#consumer-offline");
  assert.equal(await text(page, "#consumer-presence"), "offline");
  await page.fill("#business-reply", "We called, you were away.");
  await page.click("#business-send");
  await page.click("#btn-settle");
  assert.match(await text(page, "#transport-queues"), /\+16505551234: 1 envelope\(s\) waiting/);
  assert.match(await text(page, "#cloud-store"), /deleted in 29 d 23 h/);
  await page.click("#btn-30days");
  assert.equal(await page.locator("#cloud-store li.msg").count(), 0);
  assert.match(await text(page, "#cloud-store-empty"), /Nothing stored/);
  assert.match(await text(page, "#business-statuses"), /failed/);
  await done(opened);
});

test("transport tampering is rejected, healed by retransmission, and the matrix is all green", async () => {
  const opened = await open("?seed=21");
  const { page } = opened;
  await page.click("#fault-tamper");
  assert.equal(await page.locator("#fault-tamper").getAttribute("aria-pressed"), "true");
  await page.fill("#consumer-input", "My card ends in 4242");
  await page.click("#consumer-send");
  await page.click("#btn-step");
  await page.click("#consumer-chat li.out");
  assert.match(await text(page, "#journey-bar"), /network fault: tamper/);
  assert.match(await text(page, "#journey-bar"), /rejected delivery|retry request/);
  assert.match(await text(page, "#pane-transport"), /Tampered envelopes: [1-9]\d*, rejected by their recipient: [1-9]/);
  assert.equal(await page.locator("#business-inbox li.msg").count(), 0, "nothing tampered reached the business");
  assert.match(await text(page, "#transport-verdicts"), /network fault tamper/);
  assert.match(await text(page, "#transport-verdicts"), /rejected by \+15550001111 \(tampered\)|retry request/);
  await page.click("#fault-tamper");
  await page.click("#btn-hour");
  await page.click("#btn-settle").catch(() => {});
  await page.waitForFunction(() => document.querySelector("#business-inbox").innerText.includes("4242"));
  assert.equal(await page.locator("#business-inbox li.msg").count(), 1, "delivered exactly once");
  // A business message exercises the billing row; until a spam report the
  // integrity signals have not reached the rest of Meta, and the matrix says so
  // instead of filling the cell in from Meta's table.
  await page.fill("#business-reply", "Thanks, noted.");
  await page.click("#business-send");
  await page.click("#btn-settle");
  assert.match(await text(page, "#matrix-verdict"), /not every cell observed yet/);
  await page.click("#consumer-spam");
  await page.click("#btn-settle");
  assert.match(await text(page, "#matrix-verdict"), /computed = Meta's table, every cell/);
  assert.equal(await page.locator("#matrix td.disagree").count(), 0);
  assert.equal(await page.locator("#matrix td.agree").count(), 12);
  await done(opened);
});

test("every fault toggle has a visible outcome", async () => {
  const opened = await open("?seed=31");
  const { page } = opened;
  const expected = {
    drop: /network fault drop/,
    duplicate: /duplicate ignored|network fault duplicate/,
    reorder: /network fault reorder/,
    replay: /network fault replay/,
  };
  await page.fill("#consumer-input", "first, so there is something to replay");
  await page.click("#consumer-send");
  await page.click("#btn-settle");
  for (const [fault, outcome] of Object.entries(expected)) {
    await page.click(`#fault-${fault}`);
    await page.fill("#consumer-input", `under ${fault}`);
    await page.click("#consumer-send");
    await page.click("#btn-step");
    await page.click(`#fault-${fault}`);
    await page.click("#btn-hour");
    assert.match(await text(page, "#transport-verdicts"), outcome, fault);
    assert.ok((await text(page, "#business-inbox")).includes(`under ${fault}`), `${fault}: delivered in the end`);
  }
  assert.match(await text(page, "#proof-badge"), /none/);
  await done(opened);
});

test("the workshop runs from the first step to the last, and reloading its URL reproduces the state", async () => {
  const opened = await open("?seed=42");
  const { page } = opened;
  await page.click("#start-workshop");
  const total = Number((await text(page, "#lesson-step")).match(/of (\d+)/)[1]);
  assert.ok(total >= 8, `${total} steps`);
  for (let k = 1; k <= total; k++) {
    assert.equal(await text(page, "#lesson-step"), `Step ${k} of ${total}`);
    assert.ok((await text(page, "#lesson-text")).length > 60, "every step explains itself");
    assert.ok(page.url().includes(`lesson=${k}`) && page.url().includes("seed=42"), page.url());
    assert.ok((await page.locator(".focus").count()) >= 1, `step ${k} points at a pane`);
    if (k === 2) assert.match(await text(page, "#x3dh-steps"), /DH1 = DH\(IK_A, SPK_B\)/);
    if (k < total) await page.click("#lesson-next");
  }
  assert.equal(await page.locator("#lesson-next").isDisabled(), true);
  assert.match(await text(page, "#matrix-verdict"), /every cell/);
  const digest = await text(page, "#state-digest");
  const badge = await text(page, "#proof-badge");
  assert.match(digest, /^[0-9a-f]{64}$/);
  const url = page.url();
  await page.reload();
  await page.waitForSelector("#pane-business", { state: "attached" });
  assert.equal(page.url(), url);
  assert.equal(await text(page, "#state-digest"), digest, "the link reproduces the exact state");
  assert.equal(await text(page, "#proof-badge"), badge);
  assert.equal(await text(page, "#lesson-step"), `Step ${total} of ${total}`);
  // A link to a middle step, opened fresh, gives the state that step had.
  const mid = await open("?seed=42&lesson=6");
  await mid.page.waitForSelector("#lesson");
  assert.equal(await text(mid.page, "#lesson-step"), `Step 6 of ${total}`);
  const viaLink = await text(mid.page, "#state-digest");
  await mid.page.click("#lesson-prev");
  await mid.page.click("#lesson-next");
  assert.equal(await text(mid.page, "#state-digest"), viaLink);
  await done(mid);
  await done(opened);
});

test("the secret fingerprints appear only with show secrets on, and match across the session", async () => {
  const opened = await open("?seed=5&preset=hello");
  const { page } = opened;
  assert.equal(await page.locator("#inspector code.secret").count(), 0);
  await page.check("#show-secrets");
  const secrets = await page.locator("#inspector .ratchet").evaluateAll((cols) =>
    cols.map((c) => [...c.querySelectorAll("code.secret")].map((e) => e.textContent)));
  assert.equal(secrets.length, 2);
  assert.match(secrets[0][0], /^[0-9a-f]{8}$/);
  assert.equal(secrets[0][0], secrets[1][0], "both ends hold the same root key");
  await done(opened);
});

test("an exported trace imports, proves and replays identically", async () => {
  const opened = await open("?seed=9&preset=tamper");
  const { page } = opened;
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#trace-export")]);
  const path = join(screenshotDir, "exported-trace.json");
  await download.saveAs(path);
  const file = JSON.parse(readFileSync(path, "utf8"));
  assert.equal(file.format, "cipherflow-demo/1");
  assert.equal(file.seed, 9);
  assert.ok(file.trace.events.some((e) => e.type === "transport_fault" && e.fault === "tamper"));
  await page.setInputFiles("#trace-import", path);
  await page.waitForSelector("#import-report");
  assert.match(await text(page, "#import-report"), /Proof from the bytes alone: holds.*replay to the identical trace/s);
  await page.setInputFiles("#trace-import", { name: "bad.json", mimeType: "application/json", buffer: Buffer.from("{\"trace\": 7}") });
  await page.waitForFunction(() => document.querySelector("#import-report")?.innerText.includes("Import refused"));
  await done(opened);
});

test("10,000 messages: the transport log is virtualised and the page stays usable", async () => {
  const opened = await open("?seed=1&preset=bulk");
  const { page } = opened;
  await page.waitForSelector("#transport-log");
  const rows = Number(await page.locator("#transport-log ol").getAttribute("data-rows"));
  assert.ok(rows >= 10_000, `${rows} rows in the log`);
  const rendered = await page.locator("#transport-log li").count();
  assert.ok(rendered > 0 && rendered < 40, `${rendered} rows in the DOM`);
  assert.match(await text(page, "#proof-badge"), /none — 10,000 messages/);
  // Scroll to the top: other rows render, still a handful.
  await page.locator("#transport-log").evaluate((e) => { e.scrollTop = 0; e.dispatchEvent(new Event("scroll")); });
  await page.waitForFunction(() => document.querySelector("#transport-log li")?.style.top === "0px");
  assert.ok((await page.locator("#transport-log li").count()) < 40);
  // Still interactive.
  await page.fill("#consumer-input", "one more");
  await page.click("#consumer-send");
  assert.match(await text(page, "#status"), /encrypted and sent/);
  await done(opened);
});

test("keyboard: a message is selected with Enter, toggles are buttons with state", async () => {
  const opened = await open("?seed=4&preset=hello");
  const { page } = opened;
  const item = page.locator("#business-inbox li.msg").first();
  await item.focus();
  await page.keyboard.press("Enter");
  assert.equal(await item.getAttribute("aria-pressed"), "true");
  assert.match(await text(page, "#journey-bar"), /Consumer → business/);
  await page.keyboard.press(" ");
  assert.equal(await item.getAttribute("aria-pressed"), "false");
  for (const id of ["#fault-drop", "#fault-duplicate", "#fault-reorder", "#fault-tamper", "#fault-replay"]) {
    assert.equal(await page.locator(id).getAttribute("aria-pressed"), "false");
  }
  await done(opened);
});

for (const [name, vp] of [["laptop", LAPTOP], ["phone", PHONE]]) {
  test(`layout at ${vp.width}x${vp.height}: nothing overflows, every pane is reachable; screenshots saved`, async () => {
    const opened = await open("?seed=7&preset=hello", vp);
    const { page } = opened;
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
    if (name === "laptop") {
      const tops = await page.locator(".pane").evaluateAll((ps) => ps.map((p) => p.getBoundingClientRect().top));
      assert.equal(new Set(tops).size, 1, "four panes side by side");
      assert.equal(await page.locator(".tabs").isVisible(), false);
    } else {
      assert.equal(await page.locator(".tabs").isVisible(), true);
      for (const tab of ["Transport", "Cloud API", "Business", "Consumer"]) {
        await page.getByRole("tab", { name: new RegExp(tab, "i") }).click();
        const visible = await page.locator(".pane").evaluateAll((ps) => ps.filter((p) => p.offsetParent !== null).length);
        assert.equal(visible, 1, `one pane at a time (${tab})`);
        const o = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(o <= 0, `${tab}: ${o}px overflow`);
        await page.screenshot({ path: join(screenshotDir, `demo-${name}-${vp.width}x${vp.height}-${tab.replace(" ", "-").toLowerCase()}.png`), animations: "disabled" });
      }
    }
    await page.screenshot({ path: join(screenshotDir, `demo-${name}-${vp.width}x${vp.height}.png`), animations: "disabled" });
    await page.screenshot({ path: join(screenshotDir, `demo-${name}-${vp.width}x${vp.height}-full.png`), fullPage: true, animations: "disabled" });
    await done(opened);
  });
}
