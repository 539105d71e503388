// cipherflow's npm package (wasm) as a contender; `cf` is the loaded module
// (Node: the installed package; browser: its web build after `init()`).
import { PLAINTEXT, checkPlaintext } from "./harness.mjs";

export function cipherflowContender(cf) {
  const alice = cf.Identity.generate();
  const bob = cf.Identity.generate();

  function handshake(t) {
    let t0 = performance.now();
    const [otk] = bob.generateOneTimePreKeys(1);
    const bundle = bob.bundle(otk);
    const wire = bundle.toBytes(); // what the server hands Alice
    bundle.free();
    let t1 = performance.now();
    t.bundle = t1 - t0;
    const aliceSession = alice.initiateSession(wire); // parses and verifies the bundle
    const first = aliceSession.encrypt(PLAINTEXT);
    t0 = performance.now();
    t.initiate = t0 - t1;
    const { session: bobSession, plaintext } = bob.acceptSession(first);
    checkPlaintext(plaintext);
    t1 = performance.now();
    t.respond = t1 - t0;
    return [aliceSession, bobSession];
  }

  const send = (from, to) => checkPlaintext(to.decrypt(from.encrypt(PLAINTEXT)));

  return {
    name: "cipherflow",
    setup() {
      const t = {};
      const [a, b] = handshake(t);
      a.free();
      b.free();
      return t;
    },
    pair() {
      const [a, b] = handshake({});
      send(b, a);
      return {
        oneWay(n) {
          for (let i = 0; i < n; i++) send(a, b);
        },
        alternate(n) {
          for (let i = 0; i < n; i++) {
            if (i % 2 === 0) send(a, b);
            else send(b, a);
          }
        },
        free() {
          a.free();
          b.free();
        },
      };
    },
  };
}
