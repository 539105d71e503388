// Node benchmark: the packed `cipherflow` npm package (wasm) against
// @signalapp/libsignal-client (native add-on) and
// @privacyresearch/libsignal-protocol-typescript (pure TypeScript), all three
// in this one process, rows and rounds from ../lib/harness.mjs.
//
//   node bench/node/run.mjs --app DIR --out FILE [--setups N] [--messages N]
//        [--slow-setups N] [--slow-messages N] [--rounds N]
//
// DIR is a folder into which scripts/bench.sh installed the packed tarball, so
// `cipherflow` loads exactly as a user's `require("cipherflow")` would.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runRows } from "../lib/harness.mjs";
import { cipherflowContender } from "../lib/cipherflow.mjs";
import { libsignalContender } from "../lib/libsignal.mjs";
import { lsptContender } from "../lib/lspt.mjs";

const { values: opt } = parseArgs({
  options: {
    app: { type: "string" },
    out: { type: "string" },
    setups: { type: "string", default: "100" },
    messages: { type: "string", default: "10000" },
    "slow-setups": { type: "string" },
    "slow-messages": { type: "string" },
    rounds: { type: "string", default: "5" },
  },
});
if (!opt.app || !opt.out) throw new Error("usage: run.mjs --app DIR --out FILE [...]");
const int = (v) => (v === undefined ? undefined : Number.parseInt(v, 10));

const appRequire = createRequire(join(resolve(opt.app), "index.js"));
const cf = appRequire("cipherflow");
const benchRequire = createRequire(import.meta.url);
const versionOf = (name) => benchRequire(`${name}/package.json`).version;

const contenders = [cipherflowContender(cf), libsignalContender(), await lsptContender()];
const options = {
  setups: int(opt.setups),
  messages: int(opt.messages),
  slowSetups: int(opt["slow-setups"]),
  slowMessages: int(opt["slow-messages"]),
  rounds: int(opt.rounds),
};
const started = Date.now();
const result = await runRows(contenders, options, (line) => console.log(`node: ${line}`));
const doc = {
  runtime: `Node ${process.versions.node} (V8 ${process.versions.v8})`,
  versions: {
    cipherflow: cf.version(),
    "libsignal-client": versionOf("@signalapp/libsignal-client"),
    "libsignal-protocol-typescript": versionOf("@privacyresearch/libsignal-protocol-typescript"),
    "curve25519-typescript": versionOf("@privacyresearch/curve25519-typescript"),
  },
  seconds: (Date.now() - started) / 1000,
  wasmMemoryBytes: cf.wasmMemoryBytes(),
  ...result,
};
writeFileSync(opt.out, JSON.stringify(doc, null, 2));
console.log(`node: written to ${opt.out} in ${doc.seconds.toFixed(1)}s`);
