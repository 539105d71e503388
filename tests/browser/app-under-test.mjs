// The built app (dist/) under test, for a node:test file: served and opened
// in Chromium, with every console error or warning a failure.
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, openPage, root, screenshotDir, serveDir } from "./harness.mjs";

/**
 * The built app for one test file: serves dist/ and launches Chromium before
 * its tests, and stops both after. `open(query, viewport)` opens the app and
 * waits for the four panes.
 */
export function appUnderTest(defaultViewport) {
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
  return {
    async open(query, viewport = defaultViewport) {
      const opened = await openPage(browser, server.url + query, viewport);
      await opened.page.waitForSelector("#pane-business", { state: "attached", timeout: 30_000 });
      return opened;
    },
  };
}

/** Fails on any console error or warning the page logged, then closes it. */
export async function done({ context, problems }) {
  assert.deepEqual(problems, [], "no console errors or warnings");
  await context.close();
}
