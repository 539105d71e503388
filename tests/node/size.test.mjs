// Deterministic size budgets for the wasm binaries of the packed package, each
// gzipped with zlib level 9: the full module (`cipherflow`) at most 200 KiB; the
// protocol-only module (`cipherflow/protocol`) at most 120 KB (vodozemac's wasm
// is about 262 KB).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import { installPackage } from "./install.mjs";

const FULL_BUDGET = 200 * 1024; // bytes, gzipped (zlib level 9): 200 KiB
const PROTOCOL_BUDGET = 120 * 1000; // bytes, gzipped (zlib level 9): 120 KB
let packageDir;

before(() => {
  packageDir = installPackage().packageDir;
});

const budgets = [
  ["web/cipherflow_web_bg.wasm", FULL_BUDGET],
  ["node/cipherflow_web_bg.wasm", FULL_BUDGET],
  ["protocol/web/cipherflow_protocol_bg.wasm", PROTOCOL_BUDGET],
  ["protocol/node/cipherflow_protocol_bg.wasm", PROTOCOL_BUDGET],
];

for (const [file, budget] of budgets) {
  test(`${file}: gzip -9 size <= ${budget} bytes`, () => {
    const raw = readFileSync(join(packageDir, file));
    assert.ok(WebAssembly.validate(raw), `${file} is a valid wasm module`);
    const gzipped = gzipSync(raw, { level: 9 }).length;
    console.log(`size: ${file}: raw ${raw.length} bytes, gzip -9 ${gzipped} bytes, budget ${budget} bytes`);
    assert.ok(
      gzipped <= budget,
      `${file} is ${gzipped} bytes gzipped (raw ${raw.length}), over the ${budget}-byte budget by ${gzipped - budget}`,
    );
  });
}

test("the protocol module holds none of the simulation", () => {
  // Names the flow's code would bring in (its exports and its types' names in
  // the wasm-bindgen glue); none may be in the protocol module or its glue.
  const wasm = readFileSync(join(packageDir, "protocol/web/cipherflow_protocol_bg.wasm"));
  const glue = readFileSync(join(packageDir, "protocol/web/cipherflow_protocol.js"), "utf8");
  for (const name of ["simulation_new", "cloudapiendpoint_request", "importTrace"]) {
    assert.equal(wasm.includes(Buffer.from(name)), false, `${name} in the protocol wasm`);
    assert.equal(glue.includes(name), false, `${name} in the protocol glue`);
  }
  // The full module does have them: the check above can fail.
  const fullWasm = readFileSync(join(packageDir, "web/cipherflow_web_bg.wasm"));
  assert.ok(fullWasm.includes(Buffer.from("simulation_new")), "the full wasm exports simulation_new");
});
