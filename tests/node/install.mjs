// Shared by every tests/node/*.test.mjs: installs the packed npm package
// (target/npm/cipherflow-*.tgz, built by scripts/build-npm.sh) into a fresh
// temporary folder exactly as a user would, and loads it from there.
//
// Each test file calls `installPackage()` once (node --test runs every file in
// its own process) and gets back:
//   - appDir:        the consumer project folder (with node_modules/cipherflow)
//   - packageDir:    appDir/node_modules/cipherflow
//   - importEsm():   `import("cipherflow")` resolved from inside appDir
//   - requireCjs():  `require("cipherflow")` resolved from inside appDir
//   - freshCjsInstance(): a *second, separate* wasm instance of the package
//                    (the CommonJS entry evaluated again with an empty cache)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const npmDir = join(repoRoot, "target/npm");

/** The packed tarball, or a failed assertion telling how to build it. */
export function findTarball() {
  let names = [];
  try {
    names = readdirSync(npmDir);
  } catch {
    // no target/npm yet
  }
  const tgz = names.filter((f) => /^cipherflow-.*\.tgz$/.test(f)).sort();
  assert.ok(tgz.length > 0, "run scripts/build-npm.sh first: no cipherflow-*.tgz in target/npm");
  return join(npmDir, tgz[tgz.length - 1]);
}

/**
 * Installs the tarball into a new temporary folder (offline: the package has
 * no dependencies) and returns loaders resolving "cipherflow" from there.
 * The folder is removed when the process exits unless CIPHERFLOW_KEEP_TMP is set.
 */
export function installPackage() {
  const source = findTarball();
  const appDir = mkdtempSync(join(tmpdir(), "cipherflow-consumer-"));
  // Copy first, so a concurrent rebuild of target/npm cannot pull the file away mid-install.
  const tgz = join(appDir, "cipherflow.tgz");
  copyFileSync(source, tgz);
  assert.ok(statSync(tgz).size > 0, `${source} is empty`);
  writeFileSync(join(appDir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--offline", "--no-save", "--ignore-scripts", tgz],
    { cwd: appDir, stdio: "pipe" },
  );
  // An ES module inside the consumer's folder, so `import "cipherflow"` resolves
  // through the installed package's exports map exactly as in a user's project.
  writeFileSync(
    join(appDir, "esm-entry.mjs"),
    'export * from "cipherflow";\nexport { default } from "cipherflow";\n',
  );
  writeFileSync(
    join(appDir, "esm-protocol-entry.mjs"),
    'export * from "cipherflow/protocol";\nexport { default } from "cipherflow/protocol";\n',
  );
  if (!process.env.CIPHERFLOW_KEEP_TMP) {
    process.on("exit", () => {
      try {
        rmSync(appDir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    });
  }
  const require = createRequire(join(appDir, "index.js"));
  const packageDir = join(appDir, "node_modules", "cipherflow");
  return {
    appDir,
    packageDir,
    tarball: source,
    importEsm: () => import(pathToFileURL(join(appDir, "esm-entry.mjs")).href),
    requireCjs: () => require("cipherflow"),
    /** The protocol-only entry, `cipherflow/protocol`, through the exports map. */
    requireProtocol: () => require("cipherflow/protocol"),
    importProtocolEsm: () => import(pathToFileURL(join(appDir, "esm-protocol-entry.mjs")).href),
    packageJson: () => require("cipherflow/package.json"),
    /**
     * A second, independent instance of the package: its own wasm module
     * instance and linear memory, its own classes. The CommonJS entry is
     * evaluated again with its cache entry removed (the ESM entry and the first
     * `require` share one instance: node/index.mjs re-exports the CommonJS build).
     */
    freshCjsInstance: () => {
      const entry = require.resolve("cipherflow");
      const saved = require.cache[entry];
      delete require.cache[entry];
      try {
        return require("cipherflow");
      } finally {
        if (saved) require.cache[entry] = saved;
      }
    },
  };
}

/** The codes `cipherflow/protocol` can throw: those of web/src/error.rs not behind the `flow` feature. */
export const PROTOCOL_ERROR_CODES = Object.freeze([
  "INVALID_ARGUMENT",
  "ENTROPY_UNAVAILABLE",
  "MALFORMED_MESSAGE",
  "AUTHENTICATION_FAILED",
  "DUPLICATE_MESSAGE",
  "TOO_MANY_SKIPPED",
  "BAD_SIGNATURE",
  "INVALID_KEY",
  "UNKNOWN_PREKEY",
  "TOO_MANY_PREKEYS",
  "SESSION_MISMATCH",
  "PLAINTEXT_TOO_LONG",
  "SESSION_UNUSABLE",
  "INVALID_PICKLE",
  "UNSEAL_FAILED",
]);

/** Every code in web/src/error.rs (`ErrorCode::as_str`), the public error contract. */
export const ERROR_CODES = Object.freeze([
  ...PROTOCOL_ERROR_CODES,
  "INVALID_PHONE_NUMBER",
  "INVALID_CONFIG",
  "UNKNOWN_CONSUMER",
  "UNKNOWN_BUSINESS",
  "NUMBER_TAKEN",
  "NOT_REGISTERED",
  "INVALID_TEXT",
  "UNKNOWN_MESSAGE",
  "INVALID_TRACE",
  "WORK_LIMIT",
]);

/** True when `e` is a CipherflowError with a known code. */
export function isCipherflowError(e) {
  return (
    e instanceof Error &&
    e.name === "CipherflowError" &&
    typeof e.code === "string" &&
    ERROR_CODES.includes(e.code)
  );
}
