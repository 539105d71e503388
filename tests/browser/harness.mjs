// Shared harness for the browser tests: serve the Trunk build (dist/) on an
// ephemeral 127.0.0.1 port and drive Debian's Chromium through playwright-core.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { chromium } from "playwright-core";

export const root = resolve(import.meta.dirname, "../..");
export const screenshotDir = join(root, "target/screenshots");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
};

/** Serves `dir` on 127.0.0.1 at a free port; resolves to { url, close }. */
export async function serveDir(dir) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(dir, path.endsWith("/") ? join(path, "index.html") : path);
    if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROME_BIN ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // playwright gives every launch a fresh, empty profile directory itself.
    ],
  });
}

/** Opens a page and records every console error or warning and page error. */
export async function openPage(browser, url, viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, context, problems };
}

/**
 * Starts the real `cipherflow serve` (target/debug/cipherflow, with the app
 * from dist/) on a random loopback port with a fresh data directory, plus
 * `extra` flags.
 * Resolves to { base, stop }.
 */
export async function startServer(name, extra = []) {
  const data = mkdtempSync(join(tmpdir(), `cipherflow-${name}-`));
  const server = spawn(
    join(root, "target/debug/cipherflow"),
    ["serve", "--port", "0", "--data", data, "--app", join(root, "dist"), ...extra],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const base = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`the server did not start: ${out}`)), 60_000);
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    server.on("exit", (code) => fail(new Error(`the server exited (${code}): ${out}`)));
  });
  return {
    base,
    stop: () => {
      server.kill("SIGKILL");
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * A phone page (`/?phone` at 390×844) that joined as `number` and `name`
 * and is online. Resolves to what openPage gives.
 */
export async function joinPhone(browser, base, number, name) {
  const phone = await openPage(browser, `${base}/?phone`, { width: 390, height: 844 });
  await phone.page.fill("#phone-number", number);
  await phone.page.fill("#phone-name", name);
  await phone.page.click("#phone-join button[type=submit]");
  await phone.page.waitForFunction(() => document.querySelector("#phone-status")?.innerText === "Online", null, { timeout: 30_000 });
  return phone;
}
