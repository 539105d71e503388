// Precise types for the plain objects the protocol API returns and accepts.
// Appended to the generated .d.ts of both builds: `cipherflow` and `cipherflow/protocol` (see web/src/lib.rs).
//
// Objects the API returns are serde output: field names are the Rust field
// names (snake_case), `Option<T>` is `T | null`, 64-bit integers are numbers,
// public keys and byte strings are lowercase hex. Options objects the API takes
// are camelCase, every field optional (absent or `undefined`; `null` and
// non-finite numbers are refused), and unknown keys are refused.

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Every `code` the protocol API (Identity, PreKeyBundle, Session, safetyNumber) can throw. The strings are stable API. */
export type ProtocolErrorCode =
  /** A JS argument had the wrong type, shape or range. */
  | "INVALID_ARGUMENT"
  /** The platform could not provide secure randomness. */
  | "ENTROPY_UNAVAILABLE"
  /** The bytes are not a valid envelope, prekey message or bundle. */
  | "MALFORMED_MESSAGE"
  /** A message failed authentication: altered, or for another session. */
  | "AUTHENTICATION_FAILED"
  /** A message that was already decrypted (a replay). */
  | "DUPLICATE_MESSAGE"
  /** A message would skip more message keys than MAX_SKIP allows. */
  | "TOO_MANY_SKIPPED"
  /** A bundle's signed prekey signature does not verify. */
  | "BAD_SIGNATURE"
  /** A public key is invalid or of low order. */
  | "INVALID_KEY"
  /** A prekey id that is unknown or already used. */
  | "UNKNOWN_PREKEY"
  /** Generating more one-time prekeys than an identity may hold. */
  | "TOO_MANY_PREKEYS"
  /** A prekey message that belongs to a different session. */
  | "SESSION_MISMATCH"
  /** A plaintext longer than one message may carry. */
  | "PLAINTEXT_TOO_LONG"
  /** A session that cannot send: its chain counter is exhausted. */
  | "SESSION_UNUSABLE"
  /** A serialized identity or session that does not restore. */
  | "INVALID_PICKLE"
  /** A sealed identity or session that does not open: wrong key or altered bytes. */
  | "UNSEAL_FAILED";

/**
 * The one error type every fallible call throws: a plain `Error` whose `name`
 * is `"CipherflowError"` and whose `code` says what went wrong. It is not a
 * class: narrow a caught value by checking `name` and `code`.
 */
export interface CipherflowError extends Error {
  /** Always `"CipherflowError"`. */
  name: "CipherflowError";
  /** The stable error code; branch on this, never on `message`. */
  code: CipherflowErrorCode;
}

// ---------------------------------------------------------------------------
// Options (camelCase, all optional)
// ---------------------------------------------------------------------------

/** Options of `Identity.generate`. */
export interface IdentityOptions {
  /** Reproducible keys from this seed (a non-negative integer). Tests and workshops only: a seed makes keys guessable. */
  seed?: number;
  /** The clock, in ms since the Unix epoch, stamped on the signed prekey (default 0). */
  nowMs?: number;
}

// ---------------------------------------------------------------------------
// Low-level protocol
// ---------------------------------------------------------------------------

/** A prekey bundle as a plain object (`PreKeyBundle.toJSON()`); keys and signature in hex. */
export interface PreKeyBundleJson {
  /** The identity key, hex of its 33 bytes. */
  identity_key: string;
  /** The signed prekey's id. */
  signed_prekey_id: number;
  /** The signed prekey, hex of its 33 bytes. */
  signed_prekey: string;
  /** The XEdDSA signature of the signed prekey, hex of its 64 bytes. */
  signed_prekey_signature: string;
  /** The one-time prekey, if the bundle has one. */
  one_time_prekey: PreKeyJson | null;
}

/** A one-time prekey in a `PreKeyBundleJson`. */
export interface PreKeyJson {
  /** Its id. */
  id: number;
  /** The key, hex of its 33 bytes. */
  key: string;
}

/** Which side of X3DH a session was. */
export type Role = "initiator" | "responder";

/** Public facts about a Double Ratchet, for inspectors: no secret material. */
export interface RatchetSnapshot {
  /** Our current ratchet public key (DHs), hex of its 33 bytes. */
  our_ratchet_key: string;
  /** The remote party's current ratchet key (DHr), hex; null before one is known. */
  their_ratchet_key: string | null;
  /** Ns: the next sending index, or null while the sending chain is inactive. */
  sending_index: number | null;
  /** Nr: the next receiving index, or null before anything was received. */
  receiving_index: number | null;
  /** PN: the length of the previous sending chain. */
  previous_sending_length: number;
  /** Stored skipped message keys. */
  skipped_keys: number;
  /** DH ratchet steps taken so far. */
  dh_ratchet_steps: number;
}

/** Public facts about a session (`Session.snapshot()`): no secret material. */
export interface SessionSnapshot {
  /** Initiator or responder. */
  role: Role;
  /** Our identity key, hex of its 33 bytes. */
  local_identity: string;
  /** Their identity key, hex of its 33 bytes. */
  remote_identity: string;
  /** The initiator's ephemeral base key EK_A, hex of its 33 bytes. */
  base_key: string;
  /** Whether outgoing messages still carry the X3DH prekey data. */
  sends_prekey_messages: boolean;
  /** The ratchet's counters and public keys. */
  ratchet: RatchetSnapshot;
}
