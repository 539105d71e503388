//! The worked example of `docs/PROTOCOL.md`, generated and checked.
//!
//! One seeded run through the public API (two accounts, Bob's bundle with one
//! one-time prekey, Alice's first prekey message, Bob's reply), then an
//! independent re-derivation of every byte from the document's formulas, written
//! against the primitive crates (`x25519-dalek`, `hkdf`, `hmac`, `sha2`,
//! `chacha20poly1305`) and not against cipherflow's own KDF, ratchet or wire
//! code. (The XEdDSA signature is reproduced with `xeddsa::sign_with_nonce` from
//! the drawn `Z`, and checked as Ed25519 with `ed25519-dalek`.) The two must
//! agree byte for byte; the rendered section must then sit verbatim between the
//! markers in `docs/PROTOCOL.md`.
//!
//! `CIPHERFLOW_BLESS=1 cargo test -p cipherflow-protocol --test protocol_doc`
//! rewrites that section instead of comparing it.
//!
//! File I/O makes this native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::PathBuf;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use cipherflow_protocol::account::{MAX_ONE_TIME_PREKEYS, MAX_SIGNED_PREKEYS};
use cipherflow_protocol::crypto::xeddsa;
use cipherflow_protocol::pickle::{PICKLE_VERSION, SEALED_PICKLE_AAD, SEALED_PICKLE_VERSION};
use cipherflow_protocol::ratchet::{MAX_PREVIOUS_CHAINS, MAX_SKIP, MAX_SKIPPED_KEYS};
use cipherflow_protocol::safety_number::ITERATIONS;
use cipherflow_protocol::wire::{
    Envelope, HEADER_LEN, MAX_CIPHERTEXT_LEN, MAX_PLAINTEXT_LEN, VERSION,
};
use cipherflow_protocol::x3dh::{AD_LEN, X3DH_INFO};
use cipherflow_protocol::{Account, PreKeyBundle, Session};
use ed25519_dalek::{Signature, VerifyingKey};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256, Sha512};

/// The seed of the one `ChaCha20Rng` every random byte of the example comes from.
const SEED: u64 = 2026;
/// The injected clock; it reaches no byte on the wire.
const NOW_MS: u64 = 0;
const ALICE_ID: &str = "+15551230001";
const BOB_ID: &str = "+15551230002";
const FIRST: &str = "Hello, business!";
const REPLY: &str = "Hi Alice, how can we help?";

const START: &str = "<!-- worked-example:start -->";
const END: &str = "<!-- worked-example:end -->";

// ---------------------------------------------------------------------------
// The reference: the document's formulas over the primitive crates.
// ---------------------------------------------------------------------------

mod reference {
    use super::*;

    pub const RATCHET_INFO: &[u8] = b"cipherflow Ratchet v1";
    pub const MESSAGE_KEYS_INFO: &[u8] = b"cipherflow MessageKeys v1";

    pub fn public(secret: &[u8; 32]) -> [u8; 32] {
        x25519_dalek::x25519(*secret, x25519_dalek::X25519_BASEPOINT_BYTES)
    }

    pub fn dh(secret: &[u8; 32], public: &[u8; 32]) -> [u8; 32] {
        x25519_dalek::x25519(*secret, *public)
    }

    /// `Encode(PK) = 0x05 || u`.
    pub fn encode(u: &[u8; 32]) -> Vec<u8> {
        [&[0x05][..], u].concat()
    }

    pub fn hkdf<const N: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; N] {
        let mut okm = [0u8; N];
        Hkdf::<Sha256>::new(Some(salt), ikm)
            .expand(info, &mut okm)
            .unwrap();
        okm
    }

    pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).unwrap();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// `SK = HKDF(salt = 0x00×32, ikm = 0xFF×32 || DH1 || DH2 || DH3 [|| DH4], info)`.
    pub fn x3dh(dhs: &[[u8; 32]]) -> [u8; 32] {
        let mut ikm = vec![0xFF; 32];
        for d in dhs {
            ikm.extend_from_slice(d);
        }
        hkdf(&[0u8; 32], &ikm, X3DH_INFO)
    }

    /// `KDF_RK(rk, dh_out)`: (new root key, chain key).
    pub fn kdf_rk(rk: &[u8; 32], dh_out: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
        let okm: [u8; 64] = hkdf(rk, dh_out, RATCHET_INFO);
        (split(&okm[..32]), split(&okm[32..]))
    }

    /// `KDF_CK(ck)`: (message key, next chain key).
    pub fn kdf_ck(ck: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
        (hmac(ck, &[0x01]), hmac(ck, &[0x02]))
    }

    /// The message key's AEAD key and nonce.
    pub fn message_keys(mk: &[u8; 32]) -> ([u8; 32], [u8; 12]) {
        let okm: [u8; 44] = hkdf(&[0u8; 32], mk, MESSAGE_KEYS_INFO);
        (split(&okm[..32]), split(&okm[32..]))
    }

    /// `Encode(DHs) || PN || N`.
    pub fn header(ratchet_key: &[u8; 32], pn: u32, n: u32) -> Vec<u8> {
        [
            encode(ratchet_key),
            pn.to_be_bytes().to_vec(),
            n.to_be_bytes().to_vec(),
        ]
        .concat()
    }

    pub fn seal(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        ChaCha20Poly1305::new(&Key::from(*key))
            .encrypt(
                &Nonce::from(*nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .unwrap()
    }

    /// `0x11 || header || len || ciphertext`.
    pub fn ratchet_message(header: &[u8], ciphertext: &[u8]) -> Vec<u8> {
        [
            &[0x11][..],
            header,
            &u32::try_from(ciphertext.len()).unwrap().to_be_bytes(),
            ciphertext,
        ]
        .concat()
    }

    /// One party's 30 digits of a safety number.
    pub fn fingerprint_half(id: &[u8], key: &[u8]) -> String {
        let mut hash: Vec<u8> = Sha512::new()
            .chain_update([0u8, 0u8])
            .chain_update(key)
            .chain_update(id)
            .chain_update(key)
            .finalize()
            .to_vec();
        for _ in 1..5200 {
            hash = Sha512::new()
                .chain_update(&hash)
                .chain_update(key)
                .finalize()
                .to_vec();
        }
        hash[..30]
            .chunks(5)
            .map(|c| {
                let v = c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                format!("{:05}", v % 100_000)
            })
            .collect()
    }

    pub fn split<const N: usize>(bytes: &[u8]) -> [u8; N] {
        bytes.try_into().unwrap()
    }
}

use reference::{dh, encode, public};

// ---------------------------------------------------------------------------
// The run through the public API, and every value the section shows.
// ---------------------------------------------------------------------------

/// The random draws, in the order the public API makes them.
struct Draws {
    ik_a: [u8; 32],
    spk_a: [u8; 32],
    z_a: [u8; 64],
    ik_b: [u8; 32],
    spk_b: [u8; 32],
    z_b: [u8; 64],
    opk_b: [u8; 32],
    ek_a: [u8; 32],
    ratchet_a1: [u8; 32],
    ratchet_b1: [u8; 32],
}

impl Draws {
    fn from_seed(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        Self {
            ik_a: draw(&mut rng),
            spk_a: draw(&mut rng),
            z_a: draw(&mut rng),
            ik_b: draw(&mut rng),
            spk_b: draw(&mut rng),
            z_b: draw(&mut rng),
            opk_b: draw(&mut rng),
            ek_a: draw(&mut rng),
            ratchet_a1: draw(&mut rng),
            ratchet_b1: draw(&mut rng),
        }
    }
}

/// `N` bytes from `rng`, as `StaticSecret::random_from_rng` (32) and XEdDSA's `Z`
/// (64) draw them: one `fill_bytes` each.
fn draw<const N: usize>(rng: &mut ChaCha20Rng) -> [u8; N] {
    let mut bytes = [0u8; N];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// What the public API produced.
struct Run {
    chacha_seed: [u8; 32],
    ik_a: [u8; 32],
    spk_a: (u32, [u8; 32], [u8; 64]),
    bundle: PreKeyBundle,
    bundle_bytes: Vec<u8>,
    prekey_bytes: Vec<u8>,
    reply_bytes: Vec<u8>,
    first_plaintext: Vec<u8>,
    reply_plaintext: Vec<u8>,
    safety_alice: String,
    safety_bob: String,
    safety_grouped: String,
    bob_pickle: String,
    alice_pickle: String,
    opks_left: usize,
}

fn run() -> Run {
    let mut rng = ChaCha20Rng::seed_from_u64(SEED);
    let chacha_seed = rng.get_seed();
    let alice = Account::new(&mut rng, NOW_MS);
    let mut bob = Account::new(&mut rng, NOW_MS);
    let opk_ids = bob.generate_one_time_prekeys(&mut rng, 1).unwrap();
    let bundle = bob.bundle(Some(opk_ids[0])).unwrap();
    let bundle_bytes = bundle.to_bytes();

    // Alice fetches the bundle as bytes, as from a directory.
    let fetched = PreKeyBundle::try_from(bundle_bytes.as_slice()).unwrap();
    assert_eq!(fetched, bundle);
    let mut alice_session = Session::initiate(&mut rng, alice.identity(), &fetched).unwrap();
    let prekey_bytes = alice_session
        .encrypt(&mut rng, FIRST.as_bytes())
        .unwrap()
        .to_bytes();

    // Bob receives bytes; a 0x12 envelope with no matching session goes to accept.
    let Envelope::PreKey(prekey) = Envelope::try_from(prekey_bytes.as_slice()).unwrap() else {
        panic!("Alice's first message must be a prekey message");
    };
    let (mut bob_session, first_plaintext) = bob.accept(&prekey).unwrap();
    let reply = bob_session.encrypt(&mut rng, REPLY.as_bytes()).unwrap();
    assert!(matches!(reply, Envelope::Ratchet(_)));
    let reply_bytes = reply.to_bytes();
    let reply_plaintext = alice_session.decrypt_bytes(&reply_bytes).unwrap();

    let alice_view = alice_session.safety_number(ALICE_ID.as_bytes(), BOB_ID.as_bytes());
    let bob_view = bob_session.safety_number(BOB_ID.as_bytes(), ALICE_ID.as_bytes());
    assert_eq!(alice_view, bob_view);

    let spk_a = alice.current_signed_prekey();
    Run {
        chacha_seed,
        ik_a: *alice.identity_key().as_bytes(),
        spk_a: (spk_a.id, *spk_a.public().as_bytes(), spk_a.signature),
        bundle,
        bundle_bytes,
        prekey_bytes,
        reply_bytes,
        first_plaintext,
        reply_plaintext,
        safety_alice: alice_view.digits().to_owned(),
        safety_bob: bob_view.digits().to_owned(),
        safety_grouped: alice_view.to_string(),
        bob_pickle: bob_session.pickle().to_string(),
        alice_pickle: alice_session.pickle().to_string(),
        opks_left: bob.one_time_prekeys().len(),
    }
}

/// Every value the reference derives.
struct Derived {
    pub_ik_a: [u8; 32],
    pub_ik_b: [u8; 32],
    pub_spk_b: [u8; 32],
    pub_opk_b: [u8; 32],
    pub_ek_a: [u8; 32],
    pub_a1: [u8; 32],
    pub_b1: [u8; 32],
    ed_ik_b: [u8; 32],
    dh: [[u8; 32]; 4],
    sk: [u8; 32],
    ad: Vec<u8>,
    // Alice's initialisation and message 0 on her first sending chain.
    init_dh: [u8; 32],
    rk1: [u8; 32],
    cks_a: [u8; 32],
    mk_a0: [u8; 32],
    ck_a1: [u8; 32],
    key_a0: [u8; 32],
    nonce_a0: [u8; 12],
    header_a0: Vec<u8>,
    ct_a0: Vec<u8>,
    // Bob's reply.
    reply_dh: [u8; 32],
    rk2: [u8; 32],
    cks_b: [u8; 32],
    mk_b0: [u8; 32],
    ck_b1: [u8; 32],
    key_b0: [u8; 32],
    nonce_b0: [u8; 12],
    header_b0: Vec<u8>,
    ct_b0: Vec<u8>,
    prekey_bytes: Vec<u8>,
    reply_bytes: Vec<u8>,
    bundle_bytes: Vec<u8>,
    safety: String,
}

fn derive(d: &Draws, signature_b: &[u8; 64], spk_id: u32, opk_id: u32) -> Derived {
    let pub_ik_a = public(&d.ik_a);
    let pub_ik_b = public(&d.ik_b);
    let pub_spk_b = public(&d.spk_b);
    let pub_opk_b = public(&d.opk_b);
    let pub_ek_a = public(&d.ek_a);
    let pub_a1 = public(&d.ratchet_a1);
    let pub_b1 = public(&d.ratchet_b1);

    // X3DH, Alice's side; Bob's side must agree.
    let dh = [
        dh(&d.ik_a, &pub_spk_b),
        dh(&d.ek_a, &pub_ik_b),
        dh(&d.ek_a, &pub_spk_b),
        dh(&d.ek_a, &pub_opk_b),
    ];
    let bob_dh = [
        reference::dh(&d.spk_b, &pub_ik_a),
        reference::dh(&d.ik_b, &pub_ek_a),
        reference::dh(&d.spk_b, &pub_ek_a),
        reference::dh(&d.opk_b, &pub_ek_a),
    ];
    assert_eq!(dh, bob_dh);
    let sk = reference::x3dh(&dh);
    let ad = [encode(&pub_ik_a), encode(&pub_ik_b)].concat();

    // Alice: RK = SK, DHr = SPK_B, DHs = A1, (RK, CKs) = KDF_RK(SK, DH(A1, SPK_B)).
    let init_dh = reference::dh(&d.ratchet_a1, &pub_spk_b);
    let (rk1, cks_a) = reference::kdf_rk(&sk, &init_dh);
    let (mk_a0, ck_a1) = reference::kdf_ck(&cks_a);
    let (key_a0, nonce_a0) = reference::message_keys(&mk_a0);
    let header_a0 = reference::header(&pub_a1, 0, 0);
    let ct_a0 = reference::seal(
        &key_a0,
        &nonce_a0,
        &[ad.as_slice(), &header_a0].concat(),
        FIRST.as_bytes(),
    );
    let inner = reference::ratchet_message(&header_a0, &ct_a0);
    let prekey_bytes = [
        &[0x12][..],
        &encode(&pub_ik_a),
        &encode(&pub_ek_a),
        &spk_id.to_be_bytes(),
        &[0x01],
        &opk_id.to_be_bytes(),
        &u32::try_from(inner.len()).unwrap().to_be_bytes(),
        &inner,
    ]
    .concat();

    // Bob: RK = SK, DHs = SPK_B. Receiving A1 gives KDF_RK(SK, DH(SPK_B, A1)),
    // the same (RK1, CK) Alice derived; sending then draws B1.
    assert_eq!(
        reference::kdf_rk(&sk, &reference::dh(&d.spk_b, &pub_a1)),
        (rk1, cks_a)
    );
    let reply_dh = reference::dh(&d.ratchet_b1, &pub_a1);
    let (rk2, cks_b) = reference::kdf_rk(&rk1, &reply_dh);
    assert_eq!(reply_dh, reference::dh(&d.ratchet_a1, &pub_b1));
    let (mk_b0, ck_b1) = reference::kdf_ck(&cks_b);
    let (key_b0, nonce_b0) = reference::message_keys(&mk_b0);
    let header_b0 = reference::header(&pub_b1, 0, 0);
    let ct_b0 = reference::seal(
        &key_b0,
        &nonce_b0,
        &[ad.as_slice(), &header_b0].concat(),
        REPLY.as_bytes(),
    );
    let reply_bytes = reference::ratchet_message(&header_b0, &ct_b0);

    let bundle_bytes = [
        &[0x13][..],
        &encode(&pub_ik_b),
        &spk_id.to_be_bytes(),
        &encode(&pub_spk_b),
        signature_b,
        &[0x01],
        &opk_id.to_be_bytes(),
        &encode(&pub_opk_b),
    ]
    .concat();

    let alice_half = reference::fingerprint_half(ALICE_ID.as_bytes(), &encode(&pub_ik_a));
    let bob_half = reference::fingerprint_half(BOB_ID.as_bytes(), &encode(&pub_ik_b));
    let safety = if alice_half <= bob_half {
        alice_half + &bob_half
    } else {
        bob_half + &alice_half
    };

    Derived {
        pub_ik_a,
        pub_ik_b,
        pub_spk_b,
        pub_opk_b,
        pub_ek_a,
        pub_a1,
        pub_b1,
        ed_ik_b: xeddsa::edwards_public_key(&pub_ik_b).unwrap(),
        dh,
        sk,
        ad,
        init_dh,
        rk1,
        cks_a,
        mk_a0,
        ck_a1,
        key_a0,
        nonce_a0,
        header_a0,
        ct_a0,
        reply_dh,
        rk2,
        cks_b,
        mk_b0,
        ck_b1,
        key_b0,
        nonce_b0,
        header_b0,
        ct_b0,
        prekey_bytes,
        reply_bytes,
        bundle_bytes,
        safety,
    }
}

/// Checks the run against the reference, field by field, then byte for byte.
fn check(run: &Run, d: &Draws, x: &Derived) {
    let b = &run.bundle;
    assert_eq!(run.ik_a, x.pub_ik_a, "IK_A is the first draw");
    assert_eq!(run.spk_a.1, public(&d.spk_a), "SPK_A is the second draw");
    assert_eq!(
        run.spk_a.2,
        xeddsa::sign_with_nonce(&d.ik_a, &encode(&run.spk_a.1), &d.z_a),
        "Alice's SPK signature uses the third draw as Z"
    );
    assert_eq!(b.identity_key.as_bytes(), &x.pub_ik_b);
    assert_eq!(b.signed_prekey.as_bytes(), &x.pub_spk_b);
    assert_eq!(
        b.one_time_prekey.map(|(_, k)| *k.as_bytes()),
        Some(x.pub_opk_b)
    );
    // XEdDSA with the drawn Z reproduces the signature, which is also an
    // ordinary Ed25519 signature under IK_B's Edwards form.
    assert_eq!(
        b.signed_prekey_signature,
        xeddsa::sign_with_nonce(&d.ik_b, &encode(&x.pub_spk_b), &d.z_b)
    );
    VerifyingKey::from_bytes(&x.ed_ik_b)
        .unwrap()
        .verify_strict(
            &encode(&x.pub_spk_b),
            &Signature::from_bytes(&b.signed_prekey_signature),
        )
        .unwrap();

    assert_eq!(x.ad.len(), AD_LEN);
    assert_eq!(x.header_a0.len(), HEADER_LEN);
    assert_eq!(hex::encode(&run.bundle_bytes), hex::encode(&x.bundle_bytes));
    assert_eq!(hex::encode(&run.prekey_bytes), hex::encode(&x.prekey_bytes));
    assert_eq!(hex::encode(&run.reply_bytes), hex::encode(&x.reply_bytes));
    assert_eq!(run.first_plaintext, FIRST.as_bytes());
    assert_eq!(run.reply_plaintext, REPLY.as_bytes());
    assert_eq!(run.safety_alice, x.safety);
    assert_eq!(run.safety_bob, x.safety);
    assert_eq!(run.opks_left, 0, "the one-time prekey is deleted on use");

    // The pickles hold exactly the ratchet state the reference predicts.
    let bob: serde_json::Value = serde_json::from_str(&run.bob_pickle).unwrap();
    let r = &bob["ratchet"];
    assert_eq!(bob["version"], 1);
    assert_eq!(bob["role"], "responder");
    assert_eq!(r["root_key"], hex::encode(x.rk2));
    assert_eq!(r["ratchet_secret"], hex::encode(d.ratchet_b1));
    assert_eq!(r["remote_ratchet_key"], hex::encode(encode(&x.pub_a1)));
    assert_eq!(r["sending"]["key"], hex::encode(x.ck_b1));
    assert_eq!(r["sending"]["index"], 1);
    assert_eq!(r["receiving"][0], hex::encode(encode(&x.pub_a1)));
    assert_eq!(r["receiving"][1]["key"], hex::encode(x.ck_a1));
    assert_eq!(r["receiving"][1]["index"], 1);
    let alice: serde_json::Value = serde_json::from_str(&run.alice_pickle).unwrap();
    let r = &alice["ratchet"];
    assert_eq!(alice["pending_prekey"], serde_json::Value::Null);
    assert_eq!(r["root_key"], hex::encode(x.rk2));
    assert_eq!(r["ratchet_secret"], hex::encode(d.ratchet_a1));
    assert_eq!(
        r["sending"],
        serde_json::Value::Null,
        "inactive sending chain"
    );
    assert_eq!(r["previous_sending_length"], 1);
    let (_, ckr_a1) = reference::kdf_ck(&x.cks_b);
    assert_eq!(r["receiving"][1]["key"], hex::encode(ckr_a1));
}

// ---------------------------------------------------------------------------
// Rendering.
// ---------------------------------------------------------------------------

/// `label` then the hex of `bytes`, 32 bytes a line, continuation lines aligned.
fn kv(out: &mut String, label: &str, bytes: &[u8]) {
    const WIDTH: usize = 22;
    let hex = hex::encode(bytes);
    let mut lines = hex.as_bytes().chunks(64);
    let first = lines.next().map_or("", |l| std::str::from_utf8(l).unwrap());
    writeln!(out, "{label:<WIDTH$}{first}").unwrap();
    for line in lines {
        writeln!(out, "{:<WIDTH$}{}", "", std::str::from_utf8(line).unwrap()).unwrap();
    }
}

/// A code block of `kv` lines.
fn kv_block(out: &mut String, rows: &[(&str, &[u8])]) {
    out.push_str("```text\n");
    for (label, bytes) in rows {
        kv(out, label, bytes);
    }
    out.push_str("```\n\n");
}

/// A message annotated field by field: offset, length, field, hex (16 bytes a
/// line; an `Encode(PK)` shows its type byte on a line of its own, then u).
fn annotated(out: &mut String, fields: &[(&str, &[u8])], whole: &[u8]) {
    out.push_str("```text\noffset  len  field                           bytes\n");
    let mut offset = 0;
    for (name, bytes) in fields {
        let (head, rest) = match bytes.split_first() {
            Some((&0x05, u)) if name.contains("Encode(") => (vec!["05".to_owned()], u),
            _ => (Vec::new(), *bytes),
        };
        let lines = head.into_iter().chain(rest.chunks(16).map(hex::encode));
        for (i, line) in lines.enumerate() {
            if i == 0 {
                writeln!(out, "{offset:>6} {:>4}  {name:<32}{line}", bytes.len()).unwrap();
            } else {
                writeln!(out, "{:>6} {:>4}  {:<32}{line}", "", "", "").unwrap();
            }
        }
        offset += bytes.len();
    }
    writeln!(out, "{offset:>6}        (end)").unwrap();
    out.push_str("```\n\n");
    assert_eq!(
        fields
            .iter()
            .flat_map(|(_, b)| b.iter())
            .copied()
            .collect::<Vec<_>>(),
        whole
    );
}

/// The whole message as one hex block, 32 bytes a line.
fn hex_block(out: &mut String, bytes: &[u8]) {
    out.push_str("```text\n");
    for line in hex::encode(bytes).as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str("```\n\n");
}

/// Compact JSON re-indented (two spaces), keeping the field order.
fn pretty_json(compact: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth -= 1;
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

fn render(run: &Run, d: &Draws, x: &Derived) -> String {
    let b = &run.bundle;
    let spk_id = b.signed_prekey_id;
    let (opk_id, _) = b.one_time_prekey.unwrap();
    let mut s = String::new();
    let o = &mut s;

    o.push_str(
        "<!-- Generated by core/tests/protocol_doc.rs; do not edit by hand. Regenerate with\n\
         CIPHERFLOW_BLESS=1 cargo test -p cipherflow-protocol --test protocol_doc -->\n\n",
    );

    // 12.1 Inputs.
    o.push_str("### 12.1 Inputs\n\n");
    writeln!(
        o,
        "Every random byte comes from one `rand_chacha::ChaCha20Rng` created with \
         `ChaCha20Rng::seed_from_u64({SEED})` (rand_chacha 0.10, rand_core 0.10), whose \
         32-byte ChaCha20 seed is `{}`. The clock reads {NOW_MS} ms (it reaches no byte on \
         the wire). The public API draws, in this order:\n",
        hex::encode(run.chacha_seed)
    )
    .unwrap();
    o.push_str(
        "| # | bytes | drawn by | becomes |\n\
         |---|---|---|---|\n\
         | 1 | 32 | `Account::new` (Alice) | IK_A secret |\n\
         | 2 | 32 | `Account::new` (Alice) | SPK_A secret (id 1; not used below) |\n\
         | 3 | 64 | `Account::new` (Alice) | Z of XEdDSA(IK_A, Encode(SPK_A)) |\n\
         | 4 | 32 | `Account::new` (Bob) | IK_B secret |\n\
         | 5 | 32 | `Account::new` (Bob) | SPK_B secret (id 1) |\n\
         | 6 | 64 | `Account::new` (Bob) | Z of XEdDSA(IK_B, Encode(SPK_B)) |\n\
         | 7 | 32 | `Account::generate_one_time_prekeys(1)` (Bob) | OPK_B secret (id 1) |\n\
         | 8 | 32 | `Session::initiate` (Alice) | EK_A secret (the base key) |\n\
         | 9 | 32 | `Session::initiate` (Alice) | A1: Alice's first ratchet key |\n\
         | 10 | 32 | `Session::encrypt` (Bob's reply) | B1: Bob's first ratchet key |\n\n\
         Alice's first `encrypt`, Bob's `accept` and Alice's `decrypt` draw nothing. \
         An X25519 secret is the 32 drawn bytes as they are (clamping happens inside X25519). \
         These are example keys only: every secret below is published on purpose.\n\n",
    );
    writeln!(
        o,
        "Plaintexts: `{FIRST}` (Alice to Bob, {} bytes) and `{REPLY}` (Bob's reply, {} bytes). \
         Stable identifiers for the safety number: `{ALICE_ID}` (Alice) and `{BOB_ID}` (Bob).\n",
        FIRST.len(),
        REPLY.len()
    )
    .unwrap();

    // 12.2 Keys.
    o.push_str("### 12.2 Keys\n\n");
    o.push_str(
        "Secrets as drawn; public keys as raw u (32 bytes). `Encode(PK)` is `05` followed by u. \
         `IK_B (Ed25519)` is the Edwards form of IK_B (§2.4), under which Bob's signature \
         verifies with any Ed25519 verifier.\n\n",
    );
    kv_block(
        o,
        &[
            ("IK_A secret", &d.ik_a),
            ("IK_A public", &x.pub_ik_a),
            ("IK_B secret", &d.ik_b),
            ("IK_B public", &x.pub_ik_b),
            ("IK_B (Ed25519)", &x.ed_ik_b),
            ("SPK_B secret", &d.spk_b),
            ("SPK_B public", &x.pub_spk_b),
            ("Z (SPK_B signature)", &d.z_b),
            ("OPK_B secret", &d.opk_b),
            ("OPK_B public", &x.pub_opk_b),
            ("EK_A secret", &d.ek_a),
            ("EK_A public", &x.pub_ek_a),
            ("A1 secret", &d.ratchet_a1),
            ("A1 public", &x.pub_a1),
            ("B1 secret", &d.ratchet_b1),
            ("B1 public", &x.pub_b1),
        ],
    );
    o.push_str("Alice's own signed prekey (drawn but not used in this exchange):\n\n");
    kv_block(
        o,
        &[
            ("SPK_A secret", &d.spk_a),
            ("SPK_A public", &run.spk_a.1),
            ("Z (SPK_A signature)", &d.z_a),
            ("SPK_A signature", &run.spk_a.2),
        ],
    );

    // 12.3 Bundle.
    o.push_str("### 12.3 Bob's bundle\n\n");
    writeln!(
        o,
        "`Account::bundle(Some({opk_id}))`: the current signed prekey (id {spk_id}) and \
         one-time prekey {opk_id}; {} bytes.\n",
        run.bundle_bytes.len()
    )
    .unwrap();
    let spk_id_bytes = spk_id.to_be_bytes();
    let opk_id_bytes = opk_id.to_be_bytes();
    let ik_b_enc = encode(&x.pub_ik_b);
    let spk_b_enc = encode(&x.pub_spk_b);
    let opk_b_enc = encode(&x.pub_opk_b);
    annotated(
        o,
        &[
            ("type (0x13 bundle)", &[0x13]),
            ("Encode(IK_B)", &ik_b_enc),
            ("SPK id (u32 BE)", &spk_id_bytes),
            ("Encode(SPK_B)", &spk_b_enc),
            ("XEdDSA(IK_B, Encode(SPK_B))", &b.signed_prekey_signature),
            ("OPK flag", &[0x01]),
            ("OPK id (u32 BE)", &opk_id_bytes),
            ("Encode(OPK_B)", &opk_b_enc),
        ],
        &run.bundle_bytes,
    );
    hex_block(o, &run.bundle_bytes);

    // 12.4 X3DH.
    o.push_str("### 12.4 X3DH\n\n");
    o.push_str(
        "Alice computes these from IK_A, EK_A and the bundle; Bob computes the same from \
         IK_B, SPK_B, OPK_B and the prekey message (§4).\n\n",
    );
    kv_block(
        o,
        &[
            ("DH1 = DH(IK_A,SPK_B)", &x.dh[0]),
            ("DH2 = DH(EK_A,IK_B)", &x.dh[1]),
            ("DH3 = DH(EK_A,SPK_B)", &x.dh[2]),
            ("DH4 = DH(EK_A,OPK_B)", &x.dh[3]),
            ("SK", &x.sk),
            ("AD", &x.ad),
        ],
    );

    // 12.5 Alice's first message.
    o.push_str("### 12.5 Alice's first message\n\n");
    o.push_str(
        "Alice initialises her ratchet (§5.5): RK = SK, DHr = SPK_B, DHs = A1, \
         (RK1, CKs) = KDF_RK(SK, DH(A1, SPK_B)). Message 0 of that chain:\n\n",
    );
    kv_block(
        o,
        &[
            ("DH(A1, SPK_B)", &x.init_dh),
            ("RK1", &x.rk1),
            ("CKs (index 0)", &x.cks_a),
            ("MK = HMAC(CKs, 01)", &x.mk_a0),
            ("CKs' = HMAC(CKs, 02)", &x.ck_a1),
            ("AEAD key", &x.key_a0),
            ("AEAD nonce", &x.nonce_a0),
            ("header", &x.header_a0),
            (
                "aad = AD || header",
                &[x.ad.as_slice(), &x.header_a0].concat(),
            ),
            ("plaintext", FIRST.as_bytes()),
            ("ciphertext || tag", &x.ct_a0),
        ],
    );
    writeln!(
        o,
        "The prekey message (§7.3), {} bytes:\n",
        run.prekey_bytes.len()
    )
    .unwrap();
    let ik_a_enc = encode(&x.pub_ik_a);
    let ek_a_enc = encode(&x.pub_ek_a);
    let a1_enc = encode(&x.pub_a1);
    let inner = reference::ratchet_message(&x.header_a0, &x.ct_a0);
    let inner_len = u32::try_from(inner.len()).unwrap().to_be_bytes();
    let ct_len_a = u32::try_from(x.ct_a0.len()).unwrap().to_be_bytes();
    let (ct_a, tag_a) = x.ct_a0.split_at(x.ct_a0.len() - 16);
    annotated(
        o,
        &[
            ("type (0x12 prekey)", &[0x12]),
            ("Encode(IK_A)", &ik_a_enc),
            ("Encode(EK_A) (base key)", &ek_a_enc),
            ("SPK id (u32 BE)", &spk_id_bytes),
            ("OPK flag", &[0x01]),
            ("OPK id (u32 BE)", &opk_id_bytes),
            ("inner length (u32 BE)", &inner_len),
            ("inner: type (0x11 ratchet)", &[0x11]),
            ("inner: header Encode(A1)", &a1_enc),
            ("inner: header PN (u32 BE)", &0u32.to_be_bytes()),
            ("inner: header N (u32 BE)", &0u32.to_be_bytes()),
            ("inner: ciphertext len (u32 BE)", &ct_len_a),
            ("inner: encrypted plaintext", ct_a),
            ("inner: Poly1305 tag", tag_a),
        ],
        &run.prekey_bytes,
    );
    hex_block(o, &run.prekey_bytes);

    // 12.6 Bob's reply.
    o.push_str("### 12.6 Bob's reply\n\n");
    o.push_str(
        "Bob looks up SPK id 1 and OPK id 1, runs X3DH (same SK and AD), initialises with \
         RK = SK and DHs = SPK_B, and decrypts: A1 is a new ratchet key, so he takes the \
         receiving half of a DH ratchet step, KDF_RK(SK, DH(SPK_B, A1)), which gives exactly \
         Alice's RK1 and her CKs as his receiving chain. The first message decrypts, so the \
         session is created and OPK_B is deleted. To reply he takes the sending half \
         (§5.6, §5.7): a fresh B1, (RK2, CKs) = KDF_RK(RK1, DH(B1, A1)), PN = 0. Message 0 of \
         that chain:\n\n",
    );
    kv_block(
        o,
        &[
            ("DH(B1, A1)", &x.reply_dh),
            ("RK2", &x.rk2),
            ("CKs (index 0)", &x.cks_b),
            ("MK = HMAC(CKs, 01)", &x.mk_b0),
            ("CKs' = HMAC(CKs, 02)", &x.ck_b1),
            ("AEAD key", &x.key_b0),
            ("AEAD nonce", &x.nonce_b0),
            ("header", &x.header_b0),
            ("plaintext", REPLY.as_bytes()),
            ("ciphertext || tag", &x.ct_b0),
        ],
    );
    writeln!(
        o,
        "Alice has heard back, so from now on she sends plain ratchet messages. \
         The reply (§7.2), {} bytes:\n",
        run.reply_bytes.len()
    )
    .unwrap();
    let b1_enc = encode(&x.pub_b1);
    let ct_len_b = u32::try_from(x.ct_b0.len()).unwrap().to_be_bytes();
    let (ct_b, tag_b) = x.ct_b0.split_at(x.ct_b0.len() - 16);
    annotated(
        o,
        &[
            ("type (0x11 ratchet)", &[0x11]),
            ("header Encode(B1)", &b1_enc),
            ("header PN (u32 BE)", &0u32.to_be_bytes()),
            ("header N (u32 BE)", &0u32.to_be_bytes()),
            ("ciphertext len (u32 BE)", &ct_len_b),
            ("encrypted plaintext", ct_b),
            ("Poly1305 tag", tag_b),
        ],
        &run.reply_bytes,
    );
    hex_block(o, &run.reply_bytes);

    // 12.7 Plaintexts.
    o.push_str("### 12.7 Decrypted plaintexts\n\n");
    o.push_str("```text\n");
    writeln!(
        o,
        "Bob reads    {:?}  ({})",
        String::from_utf8_lossy(&run.first_plaintext),
        hex::encode(&run.first_plaintext)
    )
    .unwrap();
    writeln!(
        o,
        "Alice reads  {:?}  ({})",
        String::from_utf8_lossy(&run.reply_plaintext),
        hex::encode(&run.reply_plaintext)
    )
    .unwrap();
    o.push_str("```\n\n");

    // 12.8 Pickle.
    o.push_str("### 12.8 Bob's session pickle after the reply\n\n");
    o.push_str(
        "`Session::pickle()` (§8.1), re-indented here for reading (the real output is one \
         line of JSON with the same fields in the same order). `root_key` is RK2, \
         `ratchet_secret` is B1, `sending` is his chain after message 0, `receiving` is \
         Alice's A1 chain after message 0.\n\n",
    );
    o.push_str("```json\n");
    o.push_str(&pretty_json(&run.bob_pickle));
    o.push_str("\n```\n\n");

    // 12.9 Safety number.
    o.push_str("### 12.9 Safety number\n\n");
    writeln!(
        o,
        "Alice's `safety_number(\"{ALICE_ID}\", \"{BOB_ID}\")` and Bob's \
         `safety_number(\"{BOB_ID}\", \"{ALICE_ID}\")` (§9), {ITERATIONS} iterations:\n"
    )
    .unwrap();
    o.push_str("```text\n");
    writeln!(o, "{}", run.safety_alice).unwrap();
    writeln!(o, "{}", run.safety_grouped).unwrap();
    o.push_str("```\n");
    s
}

// ---------------------------------------------------------------------------
// The document.
// ---------------------------------------------------------------------------

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/PROTOCOL.md")
}

fn read_doc() -> String {
    std::fs::read_to_string(doc_path())
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", doc_path().display()))
}

/// The byte range strictly between the markers.
fn section_range(doc: &str) -> std::ops::Range<usize> {
    let start = doc
        .find(START)
        .unwrap_or_else(|| panic!("docs/PROTOCOL.md has no {START} marker"))
        + START.len();
    let end = doc[start..]
        .find(END)
        .unwrap_or_else(|| panic!("docs/PROTOCOL.md has no {END} marker after {START}"))
        + start;
    start..end
}

#[test]
fn worked_example_matches_the_document() {
    let run = run();
    let draws = Draws::from_seed(SEED);
    let spk_id = run.bundle.signed_prekey_id;
    let opk_id = run.bundle.one_time_prekey.unwrap().0;
    let derived = derive(&draws, &run.bundle.signed_prekey_signature, spk_id, opk_id);
    check(&run, &draws, &derived);

    let section = format!("\n{}", render(&run, &draws, &derived));
    let doc = read_doc();
    let range = section_range(&doc);
    if std::env::var("CIPHERFLOW_BLESS").as_deref() == Ok("1") {
        let mut updated = doc.clone();
        updated.replace_range(range, &section);
        if updated != doc {
            std::fs::write(doc_path(), updated).unwrap();
        }
        return;
    }
    assert!(
        doc[range] == section,
        "the worked example in docs/PROTOCOL.md is out of date; regenerate it with \
         CIPHERFLOW_BLESS=1 cargo test -p cipherflow-protocol --test protocol_doc"
    );
}

/// The same seed gives the same bytes: the example is reproducible.
#[test]
fn the_run_is_deterministic() {
    let (a, b) = (run(), run());
    assert_eq!(a.bundle_bytes, b.bundle_bytes);
    assert_eq!(a.prekey_bytes, b.prekey_bytes);
    assert_eq!(a.reply_bytes, b.reply_bytes);
}

/// The constants the document states (§1, §5.9, §6, §7, §8) are the code's.
#[test]
fn the_documents_constants_are_the_codes() {
    let doc = read_doc();
    let rows = [
        format!("| `MAX_SKIP` | {MAX_SKIP} |"),
        format!("| `MAX_SKIPPED_KEYS` | {MAX_SKIPPED_KEYS} |"),
        format!("| `MAX_PREVIOUS_CHAINS` | {MAX_PREVIOUS_CHAINS} |"),
        format!("| `MAX_PLAINTEXT_LEN` | {MAX_PLAINTEXT_LEN} |"),
        format!("| `MAX_CIPHERTEXT_LEN` | {MAX_CIPHERTEXT_LEN} |"),
        format!("| `MAX_SIGNED_PREKEYS` | {MAX_SIGNED_PREKEYS} |"),
        format!("| `MAX_ONE_TIME_PREKEYS` | {MAX_ONE_TIME_PREKEYS} |"),
        format!("| `PICKLE_VERSION` | {PICKLE_VERSION} |"),
        format!("| `SEALED_PICKLE_VERSION` | 0x{SEALED_PICKLE_VERSION:02x} |"),
        format!("| `ITERATIONS` (safety number) | {ITERATIONS} |"),
        format!("| protocol version | {VERSION} |"),
        format!(
            "| X3DH `info` | `{}` |",
            std::str::from_utf8(X3DH_INFO).unwrap()
        ),
        format!(
            "| `KDF_RK` `info` | `{}` |",
            std::str::from_utf8(reference::RATCHET_INFO).unwrap()
        ),
        format!(
            "| message keys `info` | `{}` |",
            std::str::from_utf8(reference::MESSAGE_KEYS_INFO).unwrap()
        ),
        format!(
            "| sealed pickle AAD | `{}` |",
            std::str::from_utf8(SEALED_PICKLE_AAD).unwrap()
        ),
    ];
    let missing: Vec<_> = rows.iter().filter(|r| !doc.contains(r.as_str())).collect();
    assert!(
        missing.is_empty(),
        "docs/PROTOCOL.md does not state: {missing:#?}"
    );
}
