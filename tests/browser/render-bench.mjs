// Benchmark (not a test): time from navigation to the first complete render
// of all four panes, against a baseline measured in the same run: navigating
// to a static page with the same stylesheet and no wasm. Rounds alternate
// between the two to spread machine noise. Prints medians, spread and the
// ratio. Usage: node tests/browser/render-bench.mjs [rounds] (after
// `scripts/wasm-env trunk build --release`).
import { writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, root, serveDir } from "./harness.mjs";

const rounds = Number(process.argv[2] ?? 15);
const dist = join(root, "dist");
const css = readdirSync(dist).find((f) => f.endsWith(".css"));
writeFileSync(join(dist, "bench-baseline.html"),
  `<!DOCTYPE html><html><head><link rel="stylesheet" href="/${css}"></head><body><section id="pane-business">static</section>` +
  `<script>addEventListener("load", () => document.body.setAttribute("data-rendered-ms", String(Math.round(performance.now()))));</script></body></html>`);

const server = await serveDir(dist);
const browser = await launchBrowser();

async function measure(path, ready) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(server.url + path);
  await page.waitForFunction(ready, null, { timeout: 60_000 });
  // Navigation start is time 0 of performance.now().
  const ms = await page.evaluate(() => {
    const mark = document.body.getAttribute("data-rendered-ms");
    return mark ? Number(mark) : performance.now();
  });
  await context.close();
  return ms;
}

const appReady = () => document.body.hasAttribute("data-rendered-ms") &&
  ["#pane-consumer", "#pane-transport", "#pane-cloud", "#pane-business"].every((s) => document.querySelector(s));
const baseReady = () => document.body.hasAttribute("data-rendered-ms");

const app = [], base = [];
await measure("?seed=7&preset=hello", appReady); // warm the server and the browser cache of nothing
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    app.push(await measure("?seed=7&preset=hello", appReady));
    base.push(await measure("bench-baseline.html", baseReady));
  } else {
    base.push(await measure("bench-baseline.html", baseReady));
    app.push(await measure("?seed=7&preset=hello", appReady));
  }
}
await browser.close();
await server.close();

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const spread = (xs) => { const s = [...xs].sort((a, b) => a - b); return [s[0], s[s.length - 1]]; };
const [a, b] = [median(app), median(base)];
console.log(`first complete render of the four panes (hello preset, 1280x800), ${rounds} rounds:`);
console.log(`  app:      median ${a.toFixed(0)} ms  (min ${spread(app)[0].toFixed(0)}, max ${spread(app)[1].toFixed(0)})`);
console.log(`  baseline: median ${b.toFixed(0)} ms  (static page, same stylesheet)`);
console.log(`  ratio app / baseline: ${(a / b).toFixed(2)}`);
