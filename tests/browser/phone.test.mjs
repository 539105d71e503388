// The workshop's phone page (`/?phone`) against the real `cipherflow serve`:
// several headless Chromium pages at phone size join as WhatsApp clients.
// Each makes its own keys, encrypts in its own wasm, and talks to the
// business through the server's transport over a WebSocket. A page at
// projector size follows the server (`/?live`). Checked: each phone sends
// and receives; the projector's transport pane holds no attendee's
// plaintext and its proof holds; a reloaded phone keeps its identity and
// chat; a phone offline gets its queue when back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { joinPhone, launchBrowser, openPage, screenshotDir, startServer } from "./harness.mjs";

const PROJECTOR = { width: 1280, height: 800 };
const WAIT = { timeout: 30_000 };
let base, stop, browser, shop;

before(async () => {
  ({ base, stop } = await startServer("phones"));
  browser = await launchBrowser();
  mkdirSync(screenshotDir, { recursive: true });
  [shop] = (await (await fetch(`${base}/control/v1/businesses`)).json()).data;
});

after(async () => {
  await browser?.close();
  stop?.();
});

async function reply(to, body) {
  const r = await fetch(`${base}/v24.0/${shop.phone_number_id}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${shop.access_token}`, "content-type": "application/json" },
    body: JSON.stringify({ messaging_product: "whatsapp", to, type: "text", text: { body } }),
  });
  assert.equal(r.status, 200, await r.text());
}

async function inbox() {
  const panes = await (await fetch(`${base}/control/v1/snapshot`)).json();
  return JSON.stringify(panes.businesses);
}

async function until(what, check) {
  const start = Date.now();
  while (Date.now() - start < 30_000) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: not within 30 s`);
}

const joinAs = (number, name) => joinPhone(browser, base, number, name);

async function send(page, text) {
  await page.fill("#phone-text", text);
  await page.click("#phone-send");
}

const chatHas = (page, text) =>
  page.waitForFunction((t) => document.querySelector("#phone-chat")?.innerText.includes(t), text, WAIT);

test("phones join, chat with the business, survive a reload and an outage; the projector sees ciphertext only", async () => {
  const people = [
    ["+1 650 555 0201", "16505550201", "Ada"],
    ["+1 650 555 0202", "16505550202", "Bea"],
    ["+1 650 555 0203", "16505550203", "Cy"],
  ];
  const phones = [];
  for (const [number, , name] of people) phones.push(await joinAs(number, name));
  const projector = await openPage(browser, `${base}/?live`, PROJECTOR);

  // Each phone writes; the business's server gets each text (decrypted by the Cloud API).
  for (const [i, phone] of phones.entries()) {
    await send(phone.page, `secret plan ${i} from ${people[i][2]}`);
  }
  for (const [i] of phones.entries()) {
    await until(`the business has message ${i}`, async () => (await inbox()).includes(`secret plan ${i} from`));
  }
  // Each phone gets the business's answer.
  for (const [i, phone] of phones.entries()) {
    await reply(people[i][1], `answer ${i} for ${people[i][2]}`);
    await chatHas(phone.page, `answer ${i} for`);
  }
  // Two ticks on each phone's own message, turned read by the business's page view? Two at least.
  for (const phone of phones) {
    await phone.page.waitForFunction(
      () => [...document.querySelectorAll("#phone-chat .bubble.out .ticks")].every((t) => ["delivered", "read"].includes(t.getAttribute("aria-label"))),
      null,
      WAIT,
    );
  }
  // The safety number is shown, and both halves are the phone's and the business's.
  assert.match(await phones[0].page.locator("#phone-safety .digits").innerText(), /^\d{5}( \d{5}){11}$/);

  // The projector follows the server: the transport pane holds no plaintext,
  // and the proof computed over the real traffic holds.
  await projector.page.waitForFunction(() => document.querySelector("#live-status")?.innerText.includes("in step"), null, WAIT);
  await projector.page.waitForFunction(() => document.querySelector("#business-inbox")?.innerText.includes("secret plan 2"), null, WAIT);
  const transport = await projector.page.locator("#pane-transport").innerText();
  assert.equal(await projector.page.locator("#proof-badge.ok").count(), 1, "the proof badge holds");
  for (const [i] of phones.entries()) {
    assert.ok(!transport.includes(`secret plan ${i}`), `the transport pane shows plaintext ${i}`);
    assert.ok(!transport.includes(`answer ${i} for`), `the transport pane shows reply ${i}`);
  }
  const proof = await (await fetch(`${base}/control/v1/proof`)).json();
  assert.equal(proof.holds, true, JSON.stringify(proof));
  assert.ok(proof.messages_checked >= 6, JSON.stringify(proof));
  await phones[0].page.screenshot({ path: join(screenshotDir, "phone-390.png"), fullPage: true });
  await projector.page.screenshot({ path: join(screenshotDir, "projector-phones-1280.png"), fullPage: true });

  // A reload is the same phone: its identity, its chat, and it comes back online.
  const before = await phones[1].page.locator(".phone-note code").innerText();
  const safety = await phones[1].page.locator("#phone-safety .digits").innerText();
  await phones[1].page.reload();
  await phones[1].page.waitForFunction(() => document.querySelector("#phone-status")?.innerText === "Online", null, WAIT);
  assert.equal(await phones[1].page.locator(".phone-note code").innerText(), before);
  assert.equal(await phones[1].page.locator("#phone-safety .digits").innerText(), safety);
  await chatHas(phones[1].page, "secret plan 1 from Bea");
  await chatHas(phones[1].page, "answer 1 for Bea");
  await send(phones[1].page, "after my reload");
  await until("the business has the text sent after the reload", async () => (await inbox()).includes("after my reload"));

  // Offline: the answer waits at the transport, and arrives when the phone is back.
  await phones[2].page.click("#phone-online");
  await phones[2].page.waitForFunction(() => document.querySelector("#phone-status")?.innerText.startsWith("Offline"), null, WAIT);
  await reply(people[2][1], "sent while you were offline");
  await new Promise((r) => setTimeout(r, 1_000));
  assert.ok(!(await phones[2].page.locator("#phone-chat").innerText()).includes("sent while you were offline"));
  await phones[2].page.click("#phone-online");
  await chatHas(phones[2].page, "sent while you were offline");

  for (const p of [...phones, projector]) assert.deepEqual(p.problems, []);
  for (const p of [...phones, projector]) await p.context.close();
});
