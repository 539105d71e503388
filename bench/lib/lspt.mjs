// @privacyresearch/libsignal-protocol-typescript as a contender: pure
// TypeScript, X25519 from @privacyresearch/curve25519-typescript (asm.js),
// AES-CBC and HMAC through WebCrypto. Its API goes through a storage interface;
// this one keeps everything in Maps (sessions as the serialized strings the
// library hands it), the cheapest store there is.
import {
  KeyHelper,
  SessionBuilder,
  SessionCipher,
  SignalProtocolAddress,
} from "@privacyresearch/libsignal-protocol-typescript";
import { PLAINTEXT, checkPlaintext } from "./harness.mjs";

const PLAINTEXT_BUFFER = PLAINTEXT.slice().buffer;

class MemoryStore {
  constructor(identity, registrationId) {
    this.identity = identity;
    this.registrationId = registrationId;
    this.map = new Map();
  }
  async getIdentityKeyPair() {
    return this.identity;
  }
  async getLocalRegistrationId() {
    return this.registrationId;
  }
  async isTrustedIdentity() {
    return true;
  }
  async saveIdentity(address, key) {
    const had = this.map.has(`identity:${address}`);
    this.map.set(`identity:${address}`, key);
    return had;
  }
  async loadPreKey(id) {
    return this.map.get(`prekey:${id}`);
  }
  async storePreKey(id, pair) {
    this.map.set(`prekey:${id}`, pair);
  }
  async removePreKey(id) {
    this.map.delete(`prekey:${id}`);
  }
  async loadSignedPreKey(id) {
    return this.map.get(`signed:${id}`);
  }
  async storeSignedPreKey(id, pair) {
    this.map.set(`signed:${id}`, pair);
  }
  async removeSignedPreKey(id) {
    this.map.delete(`signed:${id}`);
  }
  async loadSession(address) {
    return this.map.get(`session:${address}`);
  }
  async storeSession(address, record) {
    this.map.set(`session:${address}`, record);
  }
  forget(address) {
    this.map.delete(`session:${address}`);
    this.map.delete(`identity:${address}`);
  }
}

async function party() {
  const identity = await KeyHelper.generateIdentityKeyPair();
  const store = new MemoryStore(identity, KeyHelper.generateRegistrationId());
  const signed = await KeyHelper.generateSignedPreKey(identity, 1);
  await store.storeSignedPreKey(1, signed.keyPair);
  return { store, identity, signed };
}

export async function lsptContender() {
  const alice = await party();
  const bob = await party();
  let next = 1;

  async function handshake(t) {
    // Fresh addresses every time, so records never pile up sessions.
    const n = next++;
    const aliceAddress = new SignalProtocolAddress(`alice${n}`, 1);
    const bobAddress = new SignalProtocolAddress(`bob${n}`, 1);
    let t0 = performance.now();
    const preKey = await KeyHelper.generatePreKey(n);
    await bob.store.storePreKey(n, preKey.keyPair);
    const bundle = {
      identityKey: bob.identity.pubKey,
      registrationId: bob.store.registrationId,
      signedPreKey: {
        keyId: bob.signed.keyId,
        publicKey: bob.signed.keyPair.pubKey,
        signature: bob.signed.signature,
      },
      preKey: { keyId: preKey.keyId, publicKey: preKey.keyPair.pubKey },
    };
    let t1 = performance.now();
    t.bundle = t1 - t0;
    await new SessionBuilder(alice.store, bobAddress).processPreKey(bundle); // verifies the signature
    const aliceCipher = new SessionCipher(alice.store, bobAddress);
    const first = await aliceCipher.encrypt(PLAINTEXT_BUFFER);
    if (first.type !== 3) throw new Error("the first message must be a PreKeyWhisperMessage");
    t0 = performance.now();
    t.initiate = t0 - t1;
    const bobCipher = new SessionCipher(bob.store, aliceAddress);
    checkPlaintext(await bobCipher.decryptPreKeyWhisperMessage(first.body, "binary"));
    t1 = performance.now();
    t.respond = t1 - t0;
    const free = () => {
      alice.store.forget(bobAddress.toString());
      bob.store.forget(aliceAddress.toString());
    };
    return { aliceCipher, bobCipher, free };
  }

  const send = async (from, to) => {
    const message = await from.encrypt(PLAINTEXT_BUFFER);
    const plaintext =
      message.type === 3
        ? await to.decryptPreKeyWhisperMessage(message.body, "binary")
        : await to.decryptWhisperMessage(message.body, "binary");
    checkPlaintext(plaintext);
  };

  return {
    name: "libsignal-protocol-typescript",
    slow: true,
    async setup() {
      const t = {};
      const h = await handshake(t);
      h.free();
      return t;
    },
    async pair() {
      const { aliceCipher: a, bobCipher: b, free } = await handshake({});
      await send(b, a);
      return {
        async oneWay(n) {
          for (let i = 0; i < n; i++) await send(a, b);
        },
        async alternate(n) {
          for (let i = 0; i < n; i++) {
            if (i % 2 === 0) await send(a, b);
            else await send(b, a);
          }
        },
        free,
      };
    },
  };
}
