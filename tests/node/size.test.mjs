// A deterministic size budget for the wasm binaries of the packed package:
// each gzipped with zlib level 9 must be at most 200 KiB.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import { installPackage } from "./install.mjs";

const BUDGET = 200 * 1024; // bytes, gzipped (zlib level 9)
let packageDir;

before(() => {
  packageDir = installPackage().packageDir;
});

for (const file of ["web/cipherflow_web_bg.wasm", "node/cipherflow_web_bg.wasm"]) {
  test(`${file}: gzip -9 size <= ${BUDGET} bytes (200 KiB)`, () => {
    const raw = readFileSync(join(packageDir, file));
    assert.ok(WebAssembly.validate(raw), `${file} is a valid wasm module`);
    const gzipped = gzipSync(raw, { level: 9 }).length;
    console.log(`size: ${file}: raw ${raw.length} bytes, gzip -9 ${gzipped} bytes, budget ${BUDGET} bytes`);
    assert.ok(
      gzipped <= BUDGET,
      `${file} is ${gzipped} bytes gzipped (raw ${raw.length}), over the ${BUDGET}-byte budget by ${gzipped - BUDGET}`,
    );
  });
}
