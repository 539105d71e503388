// Size table: every figure gzipped with zlib level 9, as tests/node/size.test.mjs
// measures our budget.
//
//   node bench/size.mjs --app DIR --dist DIR --work DIR --out FILE [--named WASM]
//
// - cipherflow npm wasm: web/cipherflow_web_bg.wasm of the installed package
//   (and its JS glue beside it, for completeness); with --named, the same
//   module optimized with its names kept (wasm-opt -Oz -g), to say where its
//   bytes go (bench/wasm-breakdown.mjs);
// - cipherflow app wasm: DIST/*.wasm of `trunk build --release`, if built;
// - vodozemac wasm: a known figure, stated, not measured;
// - @matrix-org/matrix-sdk-crypto-wasm: the .wasm its npm package ships;
// - libsignal-protocol-typescript: an esbuild bundle (minified) of everything
//   it exports, with its dependencies: the curve library
//   (@privacyresearch/curve25519-typescript), protobuf and the msrcrypto
//   fallback that it bundles in; the curve library's share is given too.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { breakdown } from "./wasm-breakdown.mjs";

const { values: opt } = parseArgs({
  options: {
    app: { type: "string" },
    dist: { type: "string" },
    work: { type: "string" },
    out: { type: "string" },
    named: { type: "string" },
  },
});
if (!opt.app || !opt.dist || !opt.work || !opt.out) throw new Error("usage: size.mjs --app DIR --dist DIR --work DIR --out FILE");

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const measure = (path) => {
  const raw = readFileSync(path);
  return { raw: raw.length, gzip: gz(raw) };
};
const benchRequire = createRequire(import.meta.url);
const packageDir = (req, name) => join(req.resolve(`${name}/package.json`), "..");
const rows = [];

const app = createRequire(join(resolve(opt.app), "index.js"));
const cfDir = packageDir(app, "cipherflow");
rows.push({
  id: "cipherflow_npm",
  what: "web/cipherflow_web_bg.wasm",
  version: app("cipherflow/package.json").version,
  ...measure(join(cfDir, "web/cipherflow_web_bg.wasm")),
  glue: measure(join(cfDir, "web/cipherflow_web.js")),
  // Where its bytes go, from the same module built with its names kept.
  breakdown: opt.named ? breakdown(readFileSync(opt.named)) : undefined,
});

const dist = resolve(opt.dist);
const appWasm = existsSync(dist) ? readdirSync(dist).filter((f) => f.endsWith(".wasm")) : [];
rows.push(
  appWasm.length === 1
    ? { id: "cipherflow_app", what: `dist/${appWasm[0]} (trunk build --release)`, ...measure(join(dist, appWasm[0])) }
    : { id: "cipherflow_app", what: "dist/*.wasm (trunk build --release)", missing: appWasm.length ? `${appWasm.length} wasm files in dist/` : "not built" },
);

rows.push({ id: "vodozemac", what: "its wasm", known: "~262 KB gzipped, known figure (not measured here)", gzip: 262 * 1024 });

// Its exports map hides package.json: found by path, as npm installed it.
const mx = join(import.meta.dirname, "node_modules/@matrix-org/matrix-sdk-crypto-wasm");
const mxWasm = readdirSync(join(mx, "pkg")).filter((f) => f.endsWith(".wasm"));
if (mxWasm.length !== 1) throw new Error(`expected one .wasm in ${mx}/pkg, found ${mxWasm.length}`);
rows.push({
  id: "matrix_sdk_crypto_wasm",
  what: `pkg/${mxWasm[0]}`,
  version: JSON.parse(readFileSync(join(mx, "package.json"), "utf8")).version,
  ...measure(join(mx, "pkg", mxWasm[0])),
});

mkdirSync(opt.work, { recursive: true });
const entry = join(opt.work, "lspt-entry.mjs");
writeFileSync(entry, 'export * from "@privacyresearch/libsignal-protocol-typescript";\n');
const outfile = join(opt.work, "lspt.min.js");
const built = await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outfile,
  metafile: true,
  nodePaths: [join(import.meta.dirname, "node_modules")],
  logLevel: "warning",
});
const inputs = Object.values(built.metafile.outputs)[0].inputs;
const share = (pattern) =>
  Object.entries(inputs)
    .filter(([path]) => path.includes(pattern))
    .reduce((sum, [, v]) => sum + v.bytesInOutput, 0);
rows.push({
  id: "lspt",
  what: "esbuild --bundle --minify of all it exports, dependencies included",
  version: benchRequire("@privacyresearch/libsignal-protocol-typescript/package.json").version,
  ...measure(outfile),
  curveRawShare: share("curve25519-typescript"),
  msrcryptoRawShare: share("msrcrypto"),
});

writeFileSync(opt.out, JSON.stringify({ rows }, null, 2));
for (const r of rows) console.log(`size: ${r.id}: ${r.missing ?? r.known ?? `raw ${r.raw}, gzip ${r.gzip}`}`);
