// Browser benchmark: cipherflow's web build (wasm) against
// @privacyresearch/libsignal-protocol-typescript in headless Chromium, both in
// one page. Bundles page.mjs with esbuild, serves it on 127.0.0.1 with
// cross-origin isolation (so performance.now() is precise to 5 us rather than
// 100 us), and drives Chromium through playwright-core with the browser tests'
// launch flags.
//
//   node bench/browser/run.mjs --app DIR --work DIR --out FILE [--setups N]
//        [--messages N] [--slow-setups N] [--slow-messages N] [--rounds N]
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { extname, join, normalize, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { launchBrowser } from "../../tests/browser/harness.mjs";

const { values: opt } = parseArgs({
  options: {
    app: { type: "string" },
    work: { type: "string" },
    out: { type: "string" },
    setups: { type: "string", default: "100" },
    messages: { type: "string", default: "10000" },
    "slow-setups": { type: "string" },
    "slow-messages": { type: "string" },
    rounds: { type: "string", default: "5" },
  },
});
if (!opt.app || !opt.work || !opt.out) throw new Error("usage: run.mjs --app DIR --work DIR --out FILE [...]");
const int = (v) => (v === undefined ? undefined : Number.parseInt(v, 10));

const work = resolve(opt.work);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const appRequire = createRequire(join(resolve(opt.app), "index.js"));
const packageDir = join(appRequire.resolve("cipherflow/package.json"), "..");
cpSync(join(packageDir, "web"), join(work, "cipherflow"), { recursive: true });
await esbuild.build({
  entryPoints: [join(import.meta.dirname, "page.mjs")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  external: ["./cipherflow/*"],
  outfile: join(work, "bench.js"),
  logLevel: "warning",
});
writeFileSync(
  join(work, "index.html"),
  '<!doctype html><meta charset="utf-8"><title>cipherflow bench</title><link rel="icon" href="data:,"><script type="module" src="./bench.js"></script>\n',
);

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  const file = join(work, path === "/" ? "index.html" : path);
  if (!file.startsWith(work)) return res.writeHead(403).end();
  try {
    const body = readFileSync(file);
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    res.end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await launchBrowser();
try {
  const page = await (await browser.newContext()).newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "log") console.log(m.text());
    else if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30_000 });
  const options = {
    setups: int(opt.setups),
    messages: int(opt.messages),
    slowSetups: int(opt["slow-setups"]),
    slowMessages: int(opt["slow-messages"]),
    rounds: int(opt.rounds),
  };
  const result = await page.evaluate((o) => window.runBench(o), options);
  if (problems.length) throw new Error(`the page reported problems:\n${problems.join("\n")}`);
  const benchRequire = createRequire(import.meta.url);
  const doc = {
    runtime: `Chromium ${browser.version()} (headless)`,
    versions: {
      cipherflow: result.cipherflowVersion,
      "libsignal-protocol-typescript": benchRequire("@privacyresearch/libsignal-protocol-typescript/package.json").version,
      "curve25519-typescript": benchRequire("@privacyresearch/curve25519-typescript/package.json").version,
      esbuild: esbuild.version,
    },
    ...result,
  };
  writeFileSync(opt.out, JSON.stringify(doc, null, 2));
  console.log(`browser: written to ${opt.out} in ${result.seconds.toFixed(1)}s (crossOriginIsolated: ${result.crossOriginIsolated})`);
} finally {
  await browser.close();
  server.close();
}
