// The app's size budget: its wasm, gzipped at level 9, is at most 400 KB.
// Deterministic for a given build, so it is a test, not a benchmark.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "./harness.mjs";

export const BUDGET_GZIP_BYTES = 400_000;

test(`the app's wasm is at most ${BUDGET_GZIP_BYTES} bytes gzipped`, () => {
  const dist = join(root, "dist");
  const wasm = readdirSync(dist).filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `one wasm in dist/: ${wasm}`);
  const bytes = readFileSync(join(dist, wasm[0]));
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`# app wasm: ${bytes.length} B raw, ${gz} B gzipped (budget ${BUDGET_GZIP_BYTES})`);
  assert.ok(gz <= BUDGET_GZIP_BYTES, `${gz} B gzipped is over the ${BUDGET_GZIP_BYTES} B budget`);
});
