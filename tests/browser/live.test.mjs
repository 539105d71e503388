// Live mode: the app served by a real `cipherflow serve` (the binary, on a
// random loopback port) follows the server's world. Messages driven through
// the control API and the Graph API appear in the panes, and the page's own
// replica agrees with the server's state digest.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, openPage, screenshotDir, startServer } from "./harness.mjs";

let base, stop, browser;

before(async () => {
  ({ base, stop } = await startServer("live"));
  browser = await launchBrowser();
  mkdirSync(screenshotDir, { recursive: true });
});

after(async () => {
  await browser?.close();
  stop?.();
});

async function control(path, body) {
  const r = await fetch(`${base}/control/v1${path}`, {
    method: body ? "POST" : "GET",
    headers: { "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  const json = await r.json();
  assert.equal(r.status, 200, JSON.stringify(json));
  return json;
}

const text = (page, sel) => page.locator(sel).innerText();

test("the app follows the running server and agrees with its state digest", async () => {
  const [shop] = (await control("/businesses")).data;
  await control("/consumers", { number: "+1 650 555 0101", name: "Ana" });
  await control("/consumers/16505550101/messages", { to: shop.display_phone_number, text: "Before the page opened" });

  const { page, context, problems } = await openPage(browser, `${base}/?live`, { width: 1280, height: 800 });
  await page.waitForFunction(() => document.querySelector("#live-status")?.innerText.includes("in step"), null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector("#consumer-chat")?.innerText.includes("Before the page opened"));
  // The demo's controls are not there: this world changes only through the server.
  assert.equal(await page.locator("#consumer-send").count(), 0);
  assert.equal(await page.locator("#controls").count(), 0);

  // While the page watches: a consumer message, and the business's answer
  // through the Graph API with its bearer token.
  await control("/consumers/16505550101/messages", { to: shop.display_phone_number, text: "Is my order shipped?" });
  const r = await fetch(`${base}/v24.0/${shop.phone_number_id}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${shop.access_token}`, "content-type": "application/json" },
    body: JSON.stringify({ messaging_product: "whatsapp", to: "16505550101", type: "text", text: { body: "Yes, on Friday." } }),
  });
  assert.equal(r.status, 200);
  await page.waitForFunction(() => document.querySelector("#consumer-chat")?.innerText.includes("Yes, on Friday."), null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector("#business-inbox")?.innerText.includes("Is my order shipped?"));
  // The replica's digest keeps matching the server's after the new inputs.
  await page.waitForFunction(
    () => /in step with the server ✓ state digest equal at ([3-9]|\d\d+) checks/.test(document.querySelector("#live-status")?.innerText ?? ""),
    null,
    { timeout: 30_000 },
  );
  assert.match(await text(page, "#live-status"), /in step.*\d+ inputs/s);
  await page.screenshot({ path: join(screenshotDir, "live-1280.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
