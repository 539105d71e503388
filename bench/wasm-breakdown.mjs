// Where the bytes of a wasm module go: the code section's function bodies,
// grouped by the crate (and cipherflow_core module) their symbol names name,
// plus the data section. It needs the module as rustc linked it, before
// wasm-bindgen and wasm-opt strip the names, so its shares are approximate for
// the shipped, optimized file. Generic std code (alloc::, core::) instantiated
// for a cipherflow type counts for that type's module, since its name says so.

const GROUPS = [
  [
    "flow simulation: cipherflow_core::flow and its JS API",
    /cipherflow_core(::|\.\.|\d+)flow|cipherflow_web(::|\.\.|\d+)(simulation|sim_options|trace_io|http_shape)|^(simulation|cloudapiendpoint)_/i,
  ],
  [
    "protocol: cipherflow_core::{protocol, crypto} and its JS API",
    /cipherflow_core(::|\.\.|\d+)(protocol|crypto)|cipherflow_web(::|\.\.|\d+)(identity|session|bundle|pickle_io)|^(identity|session|prekeybundle)_/i,
  ],
  ["other cipherflow code (errors, argument reading, entropy)", /cipherflow_core|cipherflow_web/],
  ["wasm-bindgen, js-sys, serde-wasm-bindgen, panic hook", /wasm_bindgen|js_sys|__wbindgen|__wbg|console_error_panic_hook/],
  ["crypto crates (curve25519-dalek, sha2, chacha20poly1305, hmac, ...)", /curve25519|x25519|sha2|hkdf|hmac|chacha|poly1305|ed25519|aead|universal_hash|subtle|zeroize|rand_chacha|rand_core|digest|block_buffer|getrandom/],
  ["serde, serde_json, hex, base64", /serde|hex|base64|ryu|itoa|zmij/],
  ["allocator and hash maps (dlmalloc, hashbrown)", /dlmalloc|hashbrown/],
  ["generic std code (alloc, core), panics, formatting", /alloc|core|std|fmt|panic/],
  ["other, unnamed", /^/],
];

/** { codeBytes, dataBytes, groups: [{ name, bytes }] } of a wasm module with a name section. */
export function breakdown(buf) {
  let p = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    let b;
    do {
      b = buf[p++];
      r += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return r;
  };
  const skipLimits = () => {
    const flags = buf[p++];
    leb();
    if (flags & 1) leb();
  };
  let imported = 0;
  let bodies = [];
  let dataBytes = 0;
  const names = new Map();
  while (p < buf.length) {
    const id = buf[p++];
    const len = leb();
    const end = p + len;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const skip = () => {
          const l = leb(); // read before adding: `p += leb()` would add to the old p
          p += l;
        };
        skip(); // module name
        skip(); // field name
        const kind = buf[p++];
        if (kind === 0) {
          leb();
          imported++;
        } else if (kind === 1) {
          p++;
          skipLimits();
        } else if (kind === 2) skipLimits();
        else if (kind === 3) p += 2;
        else if (kind === 4) {
          p++;
          leb();
        }
      }
    } else if (id === 10) {
      bodies = [];
      for (let n = leb(), i = 0; i < n; i++) {
        const size = leb();
        bodies.push([imported + i, size]);
        p += size;
      }
    } else if (id === 11) dataBytes = len;
    else if (id === 0) {
      const nameLen = leb();
      const name = buf.subarray(p, p + nameLen).toString();
      p += nameLen;
      if (name === "name") {
        while (p < end) {
          const sub = buf[p++];
          const subLen = leb();
          const subEnd = p + subLen;
          if (sub === 1) {
            for (let n = leb(); n > 0; n--) {
              const index = leb();
              const l = leb();
              names.set(index, buf.subarray(p, p + l).toString());
              p += l;
            }
          }
          p = subEnd;
        }
      }
    }
    p = end;
  }
  if (names.size === 0) throw new Error("the module has no name section");
  const totals = new Map(GROUPS.map(([g]) => [g, 0]));
  let codeBytes = 0;
  for (const [index, size] of bodies) {
    const name = names.get(index) ?? "";
    const [group] = GROUPS.find(([, re]) => re.test(name));
    totals.set(group, totals.get(group) + size);
    codeBytes += size;
  }
  return { codeBytes, dataBytes, groups: [...totals].map(([name, bytes]) => ({ name, bytes })) };
}
