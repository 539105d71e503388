// A TypeScript program against `cipherflow/protocol`, the protocol-only entry of
// the packed package. Type-checked only (tests/node/typecheck.sh, strict, as a
// Node ESM project and as a bundler project), never run. It touches every
// export, method and getter with explicit annotations, and checks that the
// simulation is absent from this entry's types: an import of `Simulation` and
// a flow-only error code are errors here (`@ts-expect-error` fails the check
// if they ever become valid).
import init, { Identity, PreKeyBundle, Session, safetyNumber, start, version, wasmMemoryBytes } from "cipherflow/protocol";
import type {
  CipherflowError,
  CipherflowErrorCode,
  IdentityOptions,
  PreKeyBundleJson,
  PreKeyJson,
  ProtocolErrorCode,
  RatchetSnapshot,
  Role,
  SessionSnapshot,
} from "cipherflow/protocol";
// @ts-expect-error The protocol entry has no simulation.
import { Simulation } from "cipherflow/protocol";
// @ts-expect-error Nor the simulation's types.
import type { Panes } from "cipherflow/protocol";
// The full entry's error codes include the protocol's.
import type { CipherflowErrorCode as FullErrorCode } from "cipherflow";

await init();
start();
const packageVersion: string = version();
const memoryBytes: number = wasmMemoryBytes();

// ---------------------------------------------------------------------------
// Errors: exactly the protocol's codes
// ---------------------------------------------------------------------------

const PROTOCOL_CODES = {
  INVALID_ARGUMENT: true,
  ENTROPY_UNAVAILABLE: true,
  MALFORMED_MESSAGE: true,
  AUTHENTICATION_FAILED: true,
  DUPLICATE_MESSAGE: true,
  TOO_MANY_SKIPPED: true,
  BAD_SIGNATURE: true,
  INVALID_KEY: true,
  UNKNOWN_PREKEY: true,
  TOO_MANY_PREKEYS: true,
  SESSION_MISMATCH: true,
  PLAINTEXT_TOO_LONG: true,
  SESSION_UNUSABLE: true,
  INVALID_PICKLE: true,
  UNSEAL_FAILED: true,
} as const satisfies Record<CipherflowErrorCode, true>;
const sameUnion: Record<ProtocolErrorCode, true> = PROTOCOL_CODES;
// @ts-expect-error A flow code cannot come from the protocol entry.
const flowCode: CipherflowErrorCode = "WORK_LIMIT";
const widened: FullErrorCode = "UNSEAL_FAILED" satisfies CipherflowErrorCode;

function isCipherflowError(error: unknown): error is CipherflowError {
  if (!(error instanceof Error) || error.name !== "CipherflowError") return false;
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === "string" && Object.hasOwn(PROTOCOL_CODES, code);
}

function codeOf(run: () => void): CipherflowErrorCode | null {
  try {
    run();
    return null;
  } catch (error: unknown) {
    if (isCipherflowError(error)) return error.code;
    throw error;
  }
}
const malformed: CipherflowErrorCode | null = codeOf(() => {
  PreKeyBundle.fromBytes(new Uint8Array(3));
});

// ---------------------------------------------------------------------------
// Identity, PreKeyBundle, Session
// ---------------------------------------------------------------------------

const identityOptions: IdentityOptions = { seed: 1, nowMs: 1_750_000_000_000 };
const alice: Identity = Identity.generate(identityOptions);
const bob: Identity = Identity.generate();
const alicePublic: Uint8Array = alice.publicKey;
const oneTimeIds: number[] = bob.generateOneTimePreKeys(5);
const stillHeld: number[] = bob.oneTimePreKeyIds();
const rotatedId: number = bob.rotateSignedPreKey(1_750_000_000_000);
const rotatedNow: number = bob.rotateSignedPreKey();

const bundle: PreKeyBundle = bob.bundle(oneTimeIds[0]);
const bundleWithoutOneTime: PreKeyBundle = bob.bundle();
const bundleBytes: Uint8Array = bundle.toBytes();
const sameBundle: PreKeyBundle = PreKeyBundle.fromBytes(bundleBytes);
const verified: boolean = sameBundle.verify();
const bundleIdentity: Uint8Array = sameBundle.identityKey;
const signedPreKeyId: number = sameBundle.signedPreKeyId;
const oneTimePreKeyId: number | undefined = sameBundle.oneTimePreKeyId;
const bundleJson: PreKeyBundleJson = sameBundle.toJSON();
const oneTimePreKey: PreKeyJson | null = bundleJson.one_time_prekey;

const aliceSession: Session = alice.initiateSession(sameBundle);
const fromBytes: Session = alice.initiateSession(bundleWithoutOneTime.toBytes());
const accepted: { session: Session; plaintext: Uint8Array } = bob.acceptSession(aliceSession.encrypt("hello, Bob"));
const bobSession: Session = accepted.session;
const replyBytes: Uint8Array = aliceSession.decrypt(bobSession.encrypt(new TextEncoder().encode("hello, Alice")));
const replyText: string = bobSession.decryptText(aliceSession.encrypt("and again"));
const role: Role = aliceSession.role;
const local: Uint8Array = aliceSession.localIdentityKey;
const remote: Uint8Array = aliceSession.remoteIdentityKey;
const digits: string = aliceSession.safetyNumber("+16505550001", "+16505550002");
const sameDigits: string = safetyNumber("+16505550001", local, "+16505550002", remote);
const sessionSnapshot: SessionSnapshot = aliceSession.snapshot();
const ratchet: RatchetSnapshot = sessionSnapshot.ratchet;
const sendingIndex: number | null = ratchet.sending_index;

const key = new Uint8Array(32);
const restoredIdentity: Identity = Identity.restore(alice.serialize(key), key);
const restoredSession: Session = Session.restore(aliceSession.serialize());
for (const disposable of [restoredIdentity, restoredSession, fromBytes]) disposable[Symbol.dispose]();
bundle.free();

export const used = [
  packageVersion,
  memoryBytes,
  sameUnion,
  flowCode,
  widened,
  malformed,
  Simulation,
  alicePublic,
  stillHeld,
  rotatedId,
  rotatedNow,
  verified,
  bundleIdentity,
  signedPreKeyId,
  oneTimePreKeyId,
  oneTimePreKey,
  replyBytes,
  replyText,
  role,
  digits,
  sameDigits,
  sendingIndex,
];
export type UsedTypes = Panes;
