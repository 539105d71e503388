// Browser tests of the Trunk-built app (dist/), in Debian's headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, openPage, root, screenshotDir, serveDir } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await serveDir(join(root, "dist"));
  browser = await launchBrowser();
  mkdirSync(screenshotDir, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const VIEWPORTS = [
  { name: "laptop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

for (const vp of VIEWPORTS) {
  test(`the core's exchange runs on load and is shown (${vp.width}x${vp.height})`, async () => {
    const { page, context, problems } = await openPage(browser, server.url, {
      width: vp.width,
      height: vp.height,
    });
    await page.waitForSelector("#exchange-result", { timeout: 20_000 });
    const text = (id) => page.locator(id).innerText();
    const alice = await text("#alice-public");
    const bob = await text("#bob-public");
    assert.match(alice, /^[0-9a-f]{64}$/);
    assert.match(bob, /^[0-9a-f]{64}$/);
    assert.notEqual(alice, bob);
    assert.match(await text("#secrets-match"), /same X25519 shared secret/);
    const plaintext = await text("#plaintext");
    assert.equal(plaintext, "Hello from the consumer's phone");
    assert.equal(await text("#recovered"), plaintext);
    const ct = await text("#ciphertext");
    assert.equal(ct.length, (Buffer.byteLength(plaintext) + 16) * 2);
    assert.ok(!ct.includes(Buffer.from(plaintext.slice(0, 8)).toString("hex")));
    assert.match(await text("#tamper"), /rejected by ChaCha20-Poly1305/);

    // "Run again" asks the core for fresh keys: the page shows new ones.
    await page.getByRole("button", { name: "Run again with fresh keys" }).click();
    await page.waitForFunction((old) => document.querySelector("#alice-public")?.textContent !== old, alice);
    assert.equal(await text("#recovered"), plaintext);

    // Nothing overflows the viewport sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);

    await page.screenshot({ path: join(screenshotDir, `skeleton-${vp.name}-${vp.width}x${vp.height}.png`), fullPage: true });
    assert.deepEqual(problems, [], "no console errors or warnings");
    await context.close();
  });
}
