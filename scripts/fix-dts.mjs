// scripts/fix-dts.mjs: post-processes the TypeScript declarations wasm-bindgen
// writes, and checks them. Used by scripts/build-npm.sh on every shipped .d.ts.
//
//   node scripts/fix-dts.mjs fix   FILE...
//       1. `any` becomes `unknown` in the raw wasm export signatures
//          (`readonly name: (...) => ...` in InitOutput, `export const name: (...)`
//          in *_bg.wasm.d.ts): nobody calls those, and `unknown` is honest.
//       2. Trailing parameters typed `T | undefined` become optional (`name?: T`).
//          wasm-bindgen writes an `unchecked_param_type` on a plain `JsValue`
//          verbatim, so `Identity.generate(options: IdentityOptions | undefined)`
//          would have to be called with an explicit `undefined`; the functions
//          accept a missing argument. (A Rust `Option<JsValue>` parameter gets the
//          `?` from wasm-bindgen itself, and then there is nothing to rewrite.)
//   node scripts/fix-dts.mjs check FILE...
//       Exits 1 if `any` is used as a type anywhere (comments and string
//       literals are ignored, so "On any error" in a doc comment is fine).
import { readFileSync, writeFileSync } from "node:fs";

const [mode, ...files] = process.argv.slice(2);
if (!["fix", "check"].includes(mode) || files.length === 0) {
  console.error("usage: node scripts/fix-dts.mjs fix|check FILE...");
  process.exit(2);
}

const RAW_EXPORT = /^\s*(readonly|export const) [A-Za-z0-9_$]+: \(/;
// A method, static method, constructor or function declaration on one line.
const SIGNATURE = /^(\s*(?:static |export function |export declare function )?[A-Za-z_$][\w$]*)\((.*)\)(: .*)?;$/;

/** Splits a parameter list at its top-level commas. */
function splitParams(list) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if ("([{<".includes(c)) depth++;
    else if (")]}>".includes(c) && list[i - 1] !== "=") depth--;
    else if (c === "," && depth === 0) {
      out.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (list.trim()) out.push(list.slice(start).trim());
  return out;
}

/** `line` with its trailing `name: T | undefined` parameters made optional. */
function optionalTail(line) {
  const m = SIGNATURE.exec(line);
  if (!m) return line;
  const params = splitParams(m[2]);
  for (let i = params.length - 1; i >= 0; i--) {
    const p = /^([A-Za-z_$][\w$]*): (.+) \| undefined$/.exec(params[i]);
    if (!p) break;
    params[i] = `${p[1]}?: ${p[2]}`;
  }
  return `${m[1]}(${params.join(", ")})${m[3] ?? ""};`;
}

/** `text` with comments and string literals blanked out (newlines kept, so line numbers hold). */
function codeOnly(text) {
  let out = "";
  let i = 0;
  const blank = (s) => s.replace(/[^\n]/g, " ");
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === "/" && next === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      out += c + blank(text.slice(i + 1, j)) + c;
      i = j + 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

let failed = false;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  if (mode === "fix") {
    const code = codeOnly(text).split("\n");
    const fixed = text
      .split("\n")
      .map((line, n) => {
        if (code[n].trim() === "") return line; // a comment line
        if (RAW_EXPORT.test(line)) return line.replace(/\bany\b/g, "unknown");
        return optionalTail(line);
      })
      .join("\n");
    if (fixed !== text) writeFileSync(file, fixed);
    continue;
  }
  const original = text.split("\n");
  codeOnly(text)
    .split("\n")
    .forEach((line, n) => {
      if (/\bany\b/.test(line)) {
        console.error(`${file}:${n + 1}: \`any\` in a shipped type: ${original[n].trim()}`);
        failed = true;
      }
    });
}
if (failed) {
  console.error("the shipped .d.ts files must not use `any` (see scripts/fix-dts.mjs)");
  process.exit(1);
}
