// The measuring loop shared by the Node and the browser benchmarks.
//
// A contender is one library seen through the same three rows:
//   setup()        one session setup, timed by phase and returned in ms:
//                  { bundle, initiate, respond }
//                    bundle:   Bob makes a one-time prekey and publishes a bundle
//                    initiate: Alice takes the bundle, starts a session and
//                              encrypts the first (prekey) message
//                    respond:  Bob builds his session from that message and
//                              decrypts it
//   pair()         an untimed setup plus one reply from Bob, so that Alice is
//                  past the prekey phase; returns { oneWay(n), alternate(n), free() }
//                  whose loops encrypt, serialize, parse and decrypt n messages.
// Every message is the same 32-byte plaintext (the native bench's), and every
// decrypted plaintext is checked.
//
// A contender marked `slow` (libsignal-protocol-typescript, two orders of
// magnitude behind) runs `slowSetups` setups and `slowMessages` messages per
// round instead, so that a full run fits in minutes: every row is a rate per
// setup or per message, and the count each contender ran is recorded beside it.
//
// Before any row, every contender runs a short untimed warm-up. Each row
// then runs `rounds` rounds; in a round every contender runs once, and the
// order rotates from round to round so that no library always goes first (or
// last, after the garbage the others left). The result keeps every round's
// rate, so the report can give medians and the spread of the ratios.

export const PLAINTEXT = new TextEncoder().encode("32 bytes of benchmark plaintext!");
if (PLAINTEXT.length !== 32) throw new Error("the plaintext must be 32 bytes");

/** Throws unless `bytes` (a Uint8Array or an ArrayBuffer) is PLAINTEXT. */
export function checkPlaintext(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length !== 32) throw new Error(`decrypted ${b.length} bytes, expected 32`);
  for (let i = 0; i < 32; i++) {
    if (b[i] !== PLAINTEXT[i]) throw new Error("decrypted plaintext differs");
  }
}

const now = () => performance.now();

async function setupRound(contender, setups) {
  const phases = { bundle: 0, initiate: 0, respond: 0 };
  const start = now();
  for (let i = 0; i < setups; i++) {
    const t = await contender.setup();
    phases.bundle += t.bundle;
    phases.initiate += t.initiate;
    phases.respond += t.respond;
  }
  const seconds = (now() - start) / 1000;
  return { rate: setups / seconds, phases };
}

async function messageRound(contender, kind, messages) {
  const pair = await contender.pair();
  const start = now();
  await pair[kind](messages);
  const seconds = (now() - start) / 1000;
  await pair.free();
  return { rate: messages / seconds };
}

/**
 * Runs every row for every contender. `log` gets one line per round.
 * Returns { config, rows: [{ id, label, unit, rates: { name: [per round] }, phases }] }.
 */
export async function runRows(contenders, options, log = () => {}) {
  const { setups, messages, rounds } = options;
  const slowSetups = options.slowSetups ?? setups;
  const slowMessages = options.slowMessages ?? messages;
  // Warm-up, untimed: wasm tiers up to its optimizing compiler, JS gets hot.
  for (const c of contenders) {
    const scale = c.slow ? 0.1 : 1;
    for (let i = 0; i < Math.ceil(5 * scale); i++) await c.setup();
    for (const kind of ["oneWay", "alternate"]) {
      const pair = await c.pair();
      await pair[kind](Math.min(Math.ceil(500 * scale), messages));
      await pair.free();
    }
  }
  const rows = [
    { id: "setup", label: "session setup (bundle, initiate, respond)", unit: "setups/s" },
    { id: "one_way", label: `${messages} messages one way`, unit: "msgs/s" },
    { id: "alternating", label: `${messages} messages alternating`, unit: "msgs/s" },
  ];
  for (const row of rows) {
    row.rates = Object.fromEntries(contenders.map((c) => [c.name, []]));
    const count = (c) =>
      row.id === "setup" ? (c.slow ? slowSetups : setups) : c.slow ? slowMessages : messages;
    row.counts = Object.fromEntries(contenders.map((c) => [c.name, count(c)]));
    if (row.id === "setup") row.phases = Object.fromEntries(contenders.map((c) => [c.name, []]));
    for (let r = 0; r < rounds; r++) {
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
      const line = [];
      for (const c of order) {
        const n = count(c);
        const res =
          row.id === "setup"
            ? await setupRound(c, n)
            : await messageRound(c, row.id === "one_way" ? "oneWay" : "alternate", n);
        row.rates[c.name].push(res.rate);
        if (res.phases) {
          // ms per setup, by phase
          const per = Object.fromEntries(
            Object.entries(res.phases).map(([k, v]) => [k, v / n]),
          );
          row.phases[c.name].push(per);
        }
        line.push(`${c.name} ${res.rate.toFixed(0)}`);
      }
      log(`${row.id} round ${r + 1}/${rounds}: ${line.join(", ")} ${row.unit}`);
    }
  }
  return { config: { setups, messages, rounds, slowSetups, slowMessages }, rows };
}
