// @signalapp/libsignal-client as a contender: Signal's own Rust libsignal, as a
// native Node add-on (its prebuilt binary ships inside the npm package). Its
// sessions are PQXDH, so every bundle carries a Kyber prekey: this bench signs
// one last-resort Kyber prekey up front and reuses it (as Signal does once its
// one-time Kyber keys run out), so a setup pays the Kyber encapsulation and
// decapsulation but no Kyber key generation. The stores keep live
// SessionRecord objects in Maps: the cheapest store there is.
import * as S from "@signalapp/libsignal-client";
import { PLAINTEXT, checkPlaintext } from "./harness.mjs";

class Identities extends S.IdentityKeyStore {
  constructor(pair, registrationId) {
    super();
    this.pair = pair;
    this.registrationId = registrationId;
    this.known = new Map();
  }
  async getIdentityKey() {
    return this.pair.privateKey;
  }
  async getLocalRegistrationId() {
    return this.registrationId;
  }
  async saveIdentity(address, key) {
    const had = this.known.get(address.toString());
    this.known.set(address.toString(), key);
    return had && !had.equals(key) ? S.IdentityChange.ReplacedExisting : S.IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity() {
    return true;
  }
  async getIdentity(address) {
    return this.known.get(address.toString()) ?? null;
  }
}

class Sessions extends S.SessionStore {
  constructor() {
    super();
    this.map = new Map();
  }
  async saveSession(address, record) {
    this.map.set(address.toString(), record);
  }
  async getSession(address) {
    return this.map.get(address.toString()) ?? null;
  }
  async getExistingSessions(addresses) {
    return addresses.map((a) => this.map.get(a.toString())).filter(Boolean);
  }
}

class PreKeys extends S.PreKeyStore {
  constructor() {
    super();
    this.map = new Map();
  }
  async savePreKey(id, record) {
    this.map.set(id, record);
  }
  async getPreKey(id) {
    return this.map.get(id);
  }
  async removePreKey(id) {
    this.map.delete(id);
  }
}

class SignedPreKeys extends S.SignedPreKeyStore {
  constructor() {
    super();
    this.map = new Map();
  }
  async saveSignedPreKey(id, record) {
    this.map.set(id, record);
  }
  async getSignedPreKey(id) {
    return this.map.get(id);
  }
}

class KyberPreKeys extends S.KyberPreKeyStore {
  constructor() {
    super();
    this.map = new Map();
  }
  async saveKyberPreKey(id, record) {
    this.map.set(id, record);
  }
  async getKyberPreKey(id) {
    return this.map.get(id);
  }
  async markKyberPreKeyUsed() {
    // a last-resort key stays
  }
}

function party(registrationId) {
  const identity = S.IdentityKeyPair.generate();
  const p = {
    identity,
    identities: new Identities(identity, registrationId),
    sessions: new Sessions(),
    preKeys: new PreKeys(),
    signed: new SignedPreKeys(),
    kyber: new KyberPreKeys(),
  };
  const signedKey = S.PrivateKey.generate();
  const signedPub = signedKey.getPublicKey();
  const signedSig = identity.privateKey.sign(signedPub.serialize());
  p.signed.map.set(1, S.SignedPreKeyRecord.new(1, Date.now(), signedPub, signedKey, signedSig));
  const kyberPair = S.KEMKeyPair.generate();
  const kyberSig = identity.privateKey.sign(kyberPair.getPublicKey().serialize());
  p.kyber.map.set(1, S.KyberPreKeyRecord.new(1, Date.now(), kyberPair, kyberSig));
  p.published = { signedPub, signedSig, kyberPub: kyberPair.getPublicKey(), kyberSig };
  return p;
}

export function libsignalContender() {
  const alice = party(1);
  const bob = party(2);
  let next = 1;

  async function encrypt(from, fromAddress, toAddress) {
    const m = await S.signalEncrypt(PLAINTEXT, toAddress, fromAddress, from.sessions, from.identities);
    return { type: m.type(), bytes: m.serialize() };
  }

  async function decrypt(to, toAddress, fromAddress, m) {
    if (m.type === S.CiphertextMessageType.PreKey) {
      return S.signalDecryptPreKey(
        S.PreKeySignalMessage.deserialize(m.bytes),
        fromAddress,
        toAddress,
        to.sessions,
        to.identities,
        to.preKeys,
        to.signed,
        to.kyber,
      );
    }
    return S.signalDecrypt(S.SignalMessage.deserialize(m.bytes), fromAddress, toAddress, to.sessions, to.identities);
  }

  async function handshake(t) {
    // Fresh addresses every time, so stores never pile up sessions.
    const n = next++;
    const aliceAddress = S.ProtocolAddress.new(`alice${n}`, 1);
    const bobAddress = S.ProtocolAddress.new(`bob${n}`, 1);
    let t0 = performance.now();
    const preKey = S.PrivateKey.generate();
    const preKeyPub = preKey.getPublicKey();
    await bob.preKeys.savePreKey(n, S.PreKeyRecord.new(n, preKeyPub, preKey));
    const { signedPub, signedSig, kyberPub, kyberSig } = bob.published;
    const bundle = S.PreKeyBundle.new(2, 1, n, preKeyPub, 1, signedPub, signedSig, bob.identity.publicKey, 1, kyberPub, kyberSig);
    let t1 = performance.now();
    t.bundle = t1 - t0;
    await S.processPreKeyBundle(bundle, bobAddress, aliceAddress, alice.sessions, alice.identities); // verifies both signatures
    const first = await encrypt(alice, aliceAddress, bobAddress);
    if (first.type !== S.CiphertextMessageType.PreKey) throw new Error("the first message must be a PreKeySignalMessage");
    t0 = performance.now();
    t.initiate = t0 - t1;
    checkPlaintext(await decrypt(bob, bobAddress, aliceAddress, first));
    t1 = performance.now();
    t.respond = t1 - t0;
    const free = () => {
      alice.sessions.map.delete(bobAddress.toString());
      alice.identities.known.delete(bobAddress.toString());
      bob.sessions.map.delete(aliceAddress.toString());
      bob.identities.known.delete(aliceAddress.toString());
    };
    return { aliceAddress, bobAddress, free };
  }

  return {
    name: "libsignal-client",
    async setup() {
      const t = {};
      (await handshake(t)).free();
      return t;
    },
    async pair() {
      const { aliceAddress: A, bobAddress: B, free } = await handshake({});
      const aToB = async () => checkPlaintext(await decrypt(bob, B, A, await encrypt(alice, A, B)));
      const bToA = async () => checkPlaintext(await decrypt(alice, A, B, await encrypt(bob, B, A)));
      await bToA();
      return {
        async oneWay(n) {
          for (let i = 0; i < n; i++) await aToB();
        },
        async alternate(n) {
          for (let i = 0; i < n; i++) {
            if (i % 2 === 0) await aToB();
            else await bToA();
          }
        },
        free,
      };
    },
  };
}
