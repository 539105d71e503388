// Show the hop: when a lesson step or a command moves a message, the arrows
// between the panes light one after another in the order it crossed them,
// each labelled with the form it had there, and the arrow points the way it
// went. The animations are paused and seeked (Web Animations API), so what
// is asserted does not depend on how fast this machine is. With
// prefers-reduced-motion nothing moves, and the hops are still lit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appUnderTest, done } from "./app-under-test.mjs";

const { open } = appUnderTest({ width: 1280, height: 800 });

/** Each hop arrow, left to right: its pair, order, classes, arrow, label. */
const hops = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll(".hop")].map((h) => ({
      hop: h.dataset.hop,
      order: h.dataset.order === undefined ? null : Number(h.dataset.order),
      travel: h.classList.contains("travel"),
      lit: h.classList.contains("lit"),
      form: h.classList.contains("cipher") ? "cipher" : "plain",
      arrow: h.querySelector(".arrow").textContent,
      label: h.querySelector(".hop-label").textContent,
      delay: getComputedStyle(h).animationDelay,
    })),
  );

/** Pauses every animation at `ms` after it started, and reads each hop's opacity. */
const opacitiesAt = (page, ms) =>
  page.evaluate((ms) => {
    for (const a of document.getAnimations()) {
      a.pause();
      a.currentTime = ms;
    }
    return Object.fromEntries(
      [...document.querySelectorAll(".hop")].map((h) => [h.dataset.hop, Number(getComputedStyle(h).opacity)]),
    );
  }, ms);

test("a reply travels business → Cloud API → transport → phone, one hop after another", async () => {
  // Step 6 of the lesson: Acme replies through the Graph API.
  const opened = await open("?seed=42&lesson=6");
  const { page } = opened;
  assert.match(await page.locator("#lesson-title").innerText(), /Acme replies/);
  const h = await hops(page);
  assert.deepEqual(
    h.map(({ hop, order, travel, lit, form, arrow, delay }) => ({ hop, order, travel, lit, form, arrow, delay })),
    [
      { hop: "Consumer-Transport", order: 2, travel: true, lit: true, form: "cipher", arrow: "←", delay: "1.6s" },
      { hop: "Transport-CloudApi", order: 1, travel: true, lit: true, form: "cipher", arrow: "←", delay: "0.8s" },
      { hop: "CloudApi-Business", order: 0, travel: true, lit: true, form: "plain", arrow: "←", delay: "0s" },
    ],
  );
  assert.match(h[0].label, /Signal/i);
  assert.match(h[2].label, /HTTPS/i);
  // 1 s in: the first hop is lit, the last has not started (it still waits).
  const at1s = await opacitiesAt(page, 1000);
  assert.equal(at1s["CloudApi-Business"], 1, "the first hop has lit");
  assert.ok(at1s["Consumer-Transport"] < 0.3, `the last hop waits its turn (opacity ${at1s["Consumer-Transport"]})`);
  // 2.6 s in: all three are lit.
  const at3s = await opacitiesAt(page, 2600);
  assert.deepEqual(Object.values(at3s), [1, 1, 1]);
  await done(opened);
});

test("only the hops a step made move; the earlier ones are simply lit", async () => {
  // Step 9: the retransmission heals the tampered message, which crossed the
  // first two hops in step 8; now only its webhook is new.
  const opened = await open("?seed=42&lesson=9");
  const { page } = opened;
  const h = await hops(page);
  assert.deepEqual(
    h.map(({ order, travel, lit, arrow }) => ({ order, travel, lit, arrow })),
    [
      { order: null, travel: false, lit: true, arrow: "→" },
      { order: null, travel: false, lit: true, arrow: "→" },
      { order: 0, travel: true, lit: true, arrow: "→" },
    ],
  );
  // Step 10 sends a new message: a new element, its animation from the start.
  await page.evaluate(() => {
    document.querySelector('[data-hop="CloudApi-Business"]').dataset.seen = "step 9";
  });
  await page.keyboard.press("PageDown");
  const restarted = await page.evaluate(() => {
    const h = document.querySelector('[data-hop="CloudApi-Business"]');
    return { order: h.dataset.order, seen: h.dataset.seen ?? null, animations: h.getAnimations().length };
  });
  assert.deepEqual(restarted, { order: "2", seen: null, animations: 1 }, "a new element, animating from the start");
  await done(opened);
});

test("a message sent from the compose field lights the hop it made", async () => {
  const opened = await open("?seed=7");
  const { page } = opened;
  assert.equal((await hops(page)).filter((x) => x.travel).length, 0, "nothing travels before anything is sent");
  await page.fill("#consumer-input", "Is my order on its way?");
  await page.click("#consumer-send");
  const sent = await hops(page);
  assert.deepEqual(sent.filter((x) => x.travel).map((x) => [x.hop, x.order, x.arrow]), [["Consumer-Transport", 0, "→"]]);
  await page.click("#btn-settle");
  const settled = await hops(page);
  assert.deepEqual(settled.map((x) => [x.hop, x.order]), [["Consumer-Transport", null], ["Transport-CloudApi", 0], ["CloudApi-Business", 1]]);
  await done(opened);
});

test("with prefers-reduced-motion nothing moves, and the hops are lit", async () => {
  const opened = await open("?seed=42&lesson=6");
  const { page } = opened;
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.keyboard.press("PageUp");
  await page.keyboard.press("PageDown");
  assert.equal(await page.evaluate(() => document.getAnimations().length), 0, "no animation runs");
  const h = await hops(page);
  assert.deepEqual(h.map((x) => [x.travel, x.lit]), [[true, true], [true, true], [true, true]]);
  const opacity = await page.evaluate(() => [...document.querySelectorAll(".hop")].map((h) => Number(getComputedStyle(h).opacity)));
  assert.deepEqual(opacity, [1, 1, 1]);
  await done(opened);
});
