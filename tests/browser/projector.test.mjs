// The workshop on a projector: at 1024×768, 1280×800 and 1920×1080, with the
// lesson open at every step, what the step points at is on screen (from the
// element boxes), the arrows of the message it moved too; with every scenario
// open, the four panes are; the presenter's keys move the lesson, never while
// a text field has focus; the presentation scale survives a reload of the
// link. Screenshots of steps 1, 4, 8 and 13 (and of a scenario) go to
// target/screenshots/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { appUnderTest, done } from "./app-under-test.mjs";
import { root, screenshotDir } from "./harness.mjs";

const PROJECTORS = [
  { width: 1024, height: 768 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];
const { open } = appUnderTest(PROJECTORS[1]);
const PANES = ["pane-consumer", "pane-transport", "pane-cloud", "pane-business"];
const SHOTS = [1, 4, 8, 13];
/** How much of a pane (or card) must show below its top edge. */
const SHOWN = 300;

/** The boxes of the strip (the lesson, or the scenario), the four panes, the
 * ringed elements and the arrows of a travelling message. */
const boxes = (page, strip = "lesson") =>
  page.evaluate(([panes, strip]) => {
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { id: el.id, top: r.top, bottom: r.bottom, height: r.height };
    };
    return {
      lesson: box(document.getElementById(strip)),
      panes: panes.map((id) => box(document.getElementById(id))),
      ringed: [...document.querySelectorAll(".focus")].map(box),
      travelling: [...document.querySelectorAll(".hop.travel .arrow")].map(box),
    };
  }, [PANES, strip]);

/** `b`'s top edge and `SHOWN` px of it (or all of it) lie inside the viewport. */
function assertShown(b, height, what) {
  assert.ok(b.top >= 0, `${what}: ${b.id} starts above the viewport (top ${Math.round(b.top)})`);
  const needed = b.top + Math.min(SHOWN, b.height);
  assert.ok(needed <= height, `${what}: ${b.id} shows only ${Math.round(height - b.top)} px (top ${Math.round(b.top)}, viewport ${height})`);
}

for (const viewport of PROJECTORS) {
  const size = `${viewport.width}x${viewport.height}`;
  test(`projector ${size}: every step's panes are on screen with the lesson open`, async () => {
    const opened = await open("?seed=42&lesson=1", viewport);
    const { page } = opened;
    const total = Number((await page.locator("#lesson-step").innerText()).match(/of (\d+)/)[1]);
    let travelled = 0;
    const first = await boxes(page);
    // Step 1 points at all four panes: their headings and 300 px, at once.
    for (const pane of first.panes) assertShown(pane, viewport.height, `${size} step 1`);
    console.log(`# ${size}: pane tops ${first.panes.map((p) => `${p.id.slice(5)} ${Math.round(p.top)}`).join(", ")}`);
    for (let k = 1; k <= total; k++) {
      assert.equal(await page.locator("#lesson-step").innerText(), `Step ${k} of ${total}`);
      await page.waitForTimeout(50); // the step's scroll, if any, is synchronous; let layout settle
      const b = await boxes(page);
      assert.ok(b.ringed.length >= 1, `step ${k} rings something`);
      const cards = b.ringed.filter((r) => r.id === "inspector" || r.id === "matrix");
      // A ringed inspector or matrix is brought on screen; otherwise the
      // ringed panes and the lesson strip are.
      for (const r of cards.length ? cards : b.ringed) assertShown(r, viewport.height, `${size} step ${k}`);
      if (!cards.length) assert.ok(b.lesson.top >= 0 && b.lesson.bottom <= viewport.height, `step ${k}: the lesson is on screen`);
      // The arrows of a message the step moved are on screen too.
      if (!cards.length) for (const a of b.travelling) assert.ok(a.top >= 0 && a.bottom <= viewport.height, `step ${k}: a travelling hop's arrow at ${Math.round(a.top)} px is off screen`);
      travelled += b.travelling.length;
      if (SHOTS.includes(k)) await page.screenshot({ path: join(screenshotDir, `projector-${size}-step${k}.png`), animations: "disabled" });
      if (k < total) await page.keyboard.press("PageDown");
    }
    console.log(`# ${size}: ${travelled} hop arrows lit in turn over the lesson`);
    assert.ok(travelled >= 10, `the lesson's messages travel (${travelled} hop arrows lit in turn)`);
    await done(opened);
  });
}

for (const viewport of PROJECTORS) {
  const size = `${viewport.width}x${viewport.height}`;
  test(`projector ${size}: every scenario's panes are on screen, the controls a click away`, async () => {
    const opened = await open("?seed=42&preset=hello", viewport);
    const { page } = opened;
    const ids = await page.locator("#presets button[id^=preset-]:not(#preset-blank)").evaluateAll((bs) => bs.map((b) => b.id.slice(7)));
    assert.ok(ids.length >= 8, `${ids.length} scenarios`);
    const tops = [];
    for (const id of ids) {
      // Each scenario is chosen from the drawer, as a presenter would; the
      // drawer folds away again.
      await page.click("#drawer > summary");
      await page.click(`#preset-${id}`);
      assert.equal(await page.locator("#drawer").evaluate((d) => d.open), false, "the drawer folds away");
      await page.waitForFunction((id) => new URL(location.href).searchParams.get("preset") === id, id);
      const b = await boxes(page, "scenario");
      for (const pane of b.panes) assertShown(pane, viewport.height, `${size} ${id}`);
      assert.ok(b.lesson.top >= 0 && b.lesson.bottom <= viewport.height, `${id}: the scenario strip is on screen`);
      assert.equal(await page.locator("#scenario-title").innerText(), await page.locator(`#preset-${id}`).textContent());
      tops.push(`${id} ${Math.round(Math.max(...b.panes.map((p) => p.top)))}`);
      if (id === "hello") await page.screenshot({ path: join(screenshotDir, `projector-${size}-preset-hello.png`), animations: "disabled" });
    }
    console.log(`# ${size}: lowest pane top per scenario: ${tops.join(", ")}`);
    await page.click("#scenario-leave");
    assert.equal(await page.locator("#scenario").count(), 0, "a blank world has no strip");
    await done(opened);
  });
}

test("presenter keys: Page Down, arrows and space move the lesson, not while typing", async () => {
  const opened = await open("?seed=42&lesson=3", PROJECTORS[1]);
  const { page } = opened;
  const step = async () => Number((await page.locator("#lesson-step").innerText()).match(/Step (\d+)/)[1]);
  await page.keyboard.press("PageDown");
  assert.equal(await step(), 4);
  await page.keyboard.press("ArrowRight");
  assert.equal(await step(), 5);
  await page.keyboard.press("Space");
  assert.equal(await step(), 6);
  await page.keyboard.press("ArrowLeft");
  assert.equal(await step(), 5);
  await page.keyboard.press("PageUp");
  assert.equal(await step(), 4);
  assert.match(page.url(), /lesson=4/);
  // In the compose field the keys are the field's.
  await page.focus("#pane-consumer input");
  for (const key of ["PageDown", "ArrowRight", "ArrowLeft", "Space", "PageUp"]) await page.keyboard.press(key);
  assert.equal(await step(), 4, "keys typed in the compose field leave the lesson alone");
  // Space on a focused button presses that button only.
  await page.focus("#lesson-next");
  await page.keyboard.press("Space");
  assert.equal(await step(), 5, "space on Next moves one step, not two");
  await done(opened);
});

test("the presentation scale is a control, kept in the link and through a reload", async () => {
  const opened = await open("?seed=42&lesson=2", PROJECTORS[1]);
  const { page } = opened;
  const title = () => page.evaluate(() => parseFloat(getComputedStyle(document.getElementById("lesson-title")).fontSize));
  const paneTitle = () => page.evaluate(() => parseFloat(getComputedStyle(document.querySelector("#pane-consumer h2")).fontSize));
  const [t100, p100] = [await title(), await paneTitle()];
  await page.selectOption("#scale", "150");
  assert.match(page.url(), /scale=150/);
  assert.ok(Math.abs((await title()) / t100 - 1.5) < 0.02, "the lesson's type is 1.5 times larger");
  assert.ok(Math.abs((await paneTitle()) / p100 - 1.5) < 0.02, "the panes' type is 1.5 times larger");
  await page.keyboard.press("PageDown");
  assert.match(page.url(), /lesson=3/);
  assert.match(page.url(), /scale=150/, "moving through the lesson keeps the scale");
  await page.reload();
  await page.waitForSelector("#pane-business", { state: "attached" });
  assert.equal(await page.locator("#scale").inputValue(), "150");
  assert.ok(Math.abs((await paneTitle()) / p100 - 1.5) < 0.02, "the reloaded link keeps the scale");
  await page.selectOption("#scale", "100");
  assert.doesNotMatch(page.url(), /scale=/);
  await done(opened);
});

test("the built app carries no dev-server artefacts", () => {
  // `trunk serve` injects a live-reload script; the demo serves a release
  // build without it (through cipherflow serve, or any static file server,
  // as the tests above do with zero console errors or warnings).
  const html = readFileSync(join(root, "dist", "index.html"), "utf8");
  assert.doesNotMatch(html, /well-known\/trunk|__TRUNK_|autoreload/i);
  assert.match(html, /<script type="module"/);
});
