//! cipherflow's protocol beside vodozemac's Olm, in one run, on the same work.
//!
//! Four rows, each a criterion group with a `cipherflow` and a `vodozemac`
//! benchmark, every message a 32-byte plaintext that is encrypted, turned into
//! wire bytes, parsed back and decrypted:
//!
//! 1. **session setup**: published keys as wire bytes -> outbound session ->
//!    first (prekey) message -> inbound session that decrypts it. cipherflow
//!    parses a `PreKeyBundle` and verifies its XEdDSA signature inside
//!    `Session::initiate`; vodozemac's `create_outbound_session` verifies
//!    nothing, so a third benchmark, `vodozemac+ed25519`, adds the Ed25519
//!    check of the signed one-time key that a Matrix client makes first.
//! 2. **one way**: 10,000 messages Alice -> Bob, after setup and a first reply.
//! 3. **alternating**: 10,000 messages, the sender changing every turn, so
//!    every message starts a new chain (a DH ratchet step).
//! 4. **sealed pickle**: serialize a session in its encrypted form and restore
//!    it. cipherflow: `Session::seal` + `Session::unseal` (JSON, then
//!    ChaCha20-Poly1305). vodozemac: `Session::pickle().encrypt(key)` +
//!    `SessionPickle::from_encrypted` + `Session::from_pickle` (JSON, then
//!    AES-256-CBC + HMAC-SHA-256, base64).
//!
//! After criterion, a summary pass measures every row again, alternating the
//! two libraries round by round (and which goes first) to spread machine
//! noise, and prints messages/s or operations/s from the medians together with
//! the ratio cipherflow / vodozemac: above 1.0 means cipherflow is faster.
//!
//! X25519 work per alternating turn, from the code: cipherflow's
//! `DoubleRatchet::encrypt` on an inactive sending chain does 1 key generation
//! (a fixed-base scalar multiplication) and 1 DH; `decrypt` of a new ratchet
//! key does 1 DH. So a turn costs 2 DH + 1 key generation, which the summary
//! confirms from `dh_ratchet_steps`. vodozemac does the same 2 DH + 1 key
//! generation per turn, but it stores only the secret ratchet key and derives
//! the public one (another fixed-base multiplication) on every encrypt.
//!
//! `cargo bench -p cipherflow-protocol -- --test` is criterion's smoke mode: every
//! benchmark runs once on 100 messages, and so does a one-round summary.
//!
//! Two environment variables serve `scripts/bench.sh`:
//! `CIPHERFLOW_BENCH_JSON=path` also writes the summary, every round's rate of
//! both contenders, as JSON to that path; `CIPHERFLOW_BENCH_SUMMARY_ONLY=1`
//! skips the criterion pass and runs the summary alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use cipherflow_protocol::wire::Envelope;
use cipherflow_protocol::{Account, PreKeyBundle, Session};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use vodozemac::olm::{
    Account as OlmAccount, OlmMessage, Session as OlmSession, SessionConfig, SessionPickle,
};
use vodozemac::{Curve25519PublicKey, Ed25519PublicKey, Ed25519Signature};

/// Messages in rows 2 and 3.
const MESSAGES: usize = 10_000;
/// Messages in rows 2 and 3 in smoke mode (`-- --test`).
const SMOKE_MESSAGES: usize = 100;
/// Every message's plaintext.
const PLAINTEXT: &[u8; 32] = b"32 bytes of benchmark plaintext!";
/// The key both libraries seal their pickles under.
const PICKLE_KEY: [u8; 32] = [0x5a; 32];

/// One library, able to set up sessions between its Alice and Bob.
trait Contender {
    /// Both parties' sessions, past the prekey phase.
    type Pair: Conversation;
    /// The benchmark's name.
    fn name(&self) -> &'static str;
    /// One session setup; the returned time covers the setup alone, not the
    /// one-time key generation that precedes it.
    fn setup(&mut self) -> Duration;
    /// An untimed setup followed by one reply from Bob, which ends Alice's
    /// prekey phase; Alice received last.
    fn established(&mut self) -> Self::Pair;
}

/// Two sessions talking to each other.
trait Conversation {
    /// Alice encrypts, the bytes go over the "wire", Bob decrypts.
    fn alice_to_bob(&mut self);
    /// The same, Bob to Alice.
    fn bob_to_alice(&mut self);
    /// Alice's session is sealed and restored, and the copy carries on.
    fn reseal_alice(&mut self);
}

/// cipherflow with a seeded RNG.
struct Cipherflow {
    rng: ChaCha20Rng,
    alice: Account,
    bob: Account,
    pairs: u64,
}

struct CipherflowPair {
    rng: ChaCha20Rng,
    alice: Session,
    bob: Session,
}

impl Cipherflow {
    fn new() -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(0xc1f);
        let alice = Account::new(&mut rng, 1_000);
        let bob = Account::new(&mut rng, 1_000);
        Self {
            rng,
            alice,
            bob,
            pairs: 0,
        }
    }

    /// A fresh one-time prekey, published in a bundle, as bytes.
    fn publish(&mut self) -> Vec<u8> {
        let ids = self
            .bob
            .generate_one_time_prekeys(&mut self.rng, 1)
            .unwrap();
        self.bob.bundle(Some(ids[0])).unwrap().to_bytes()
    }

    fn handshake(&mut self, bundle: &[u8]) -> (Session, Session) {
        let bundle = PreKeyBundle::try_from(bundle).unwrap();
        let mut alice = Session::initiate(&mut self.rng, self.alice.identity(), &bundle).unwrap();
        let wire = alice.encrypt(&mut self.rng, PLAINTEXT).unwrap().to_bytes();
        let Envelope::PreKey(first) = Envelope::try_from(wire.as_slice()).unwrap() else {
            panic!("the first message must be a prekey message");
        };
        let (bob, plaintext) = self.bob.accept(&first).unwrap();
        assert_eq!(plaintext, PLAINTEXT);
        (alice, bob)
    }
}

impl Contender for Cipherflow {
    type Pair = CipherflowPair;

    fn name(&self) -> &'static str {
        "cipherflow"
    }

    fn setup(&mut self) -> Duration {
        let bundle = self.publish();
        let start = Instant::now();
        let sessions = self.handshake(&bundle);
        let elapsed = start.elapsed();
        black_box(sessions);
        elapsed
    }

    fn established(&mut self) -> CipherflowPair {
        let bundle = self.publish();
        let (alice, bob) = self.handshake(&bundle);
        self.pairs += 1;
        let mut pair = CipherflowPair {
            rng: ChaCha20Rng::seed_from_u64(self.pairs),
            alice,
            bob,
        };
        pair.bob_to_alice();
        pair
    }
}

fn cipherflow_send(rng: &mut ChaCha20Rng, from: &mut Session, to: &mut Session) {
    let wire = from.encrypt(rng, PLAINTEXT).unwrap().to_bytes();
    let plaintext = to.decrypt_bytes(&wire).unwrap();
    assert_eq!(plaintext, PLAINTEXT);
}

impl Conversation for CipherflowPair {
    fn alice_to_bob(&mut self) {
        cipherflow_send(&mut self.rng, &mut self.alice, &mut self.bob);
    }

    fn bob_to_alice(&mut self) {
        cipherflow_send(&mut self.rng, &mut self.bob, &mut self.alice);
    }

    fn reseal_alice(&mut self) {
        let sealed = self.alice.seal(&mut self.rng, &PICKLE_KEY).unwrap();
        self.alice = Session::unseal(&PICKLE_KEY, &sealed).unwrap();
    }
}

/// vodozemac's Olm (it draws randomness from the OS itself).
struct Vodozemac {
    alice: OlmAccount,
    bob: OlmAccount,
    /// Whether setup first verifies Bob's Ed25519 signature on the one-time key.
    verify_signature: bool,
}

/// What Bob's server hands Alice: keys as base64, and the signed one-time key.
struct Published {
    identity_key: String,
    one_time_key: String,
    signed_json: String,
    signature: Ed25519Signature,
    signing_key: Ed25519PublicKey,
}

struct VodozemacPair {
    alice: OlmSession,
    bob: OlmSession,
}

impl Vodozemac {
    fn new(verify_signature: bool) -> Self {
        Self {
            alice: OlmAccount::new(),
            bob: OlmAccount::new(),
            verify_signature,
        }
    }

    fn publish(&mut self) -> Published {
        let one_time_key = self.bob.generate_one_time_keys(1).created[0].to_base64();
        self.bob.mark_keys_as_published();
        let signed_json = format!(r#"{{"key":"{one_time_key}"}}"#);
        Published {
            identity_key: self.bob.curve25519_key().to_base64(),
            signature: self.bob.sign(&signed_json),
            signed_json,
            one_time_key,
            signing_key: self.bob.ed25519_key(),
        }
    }

    fn handshake(&mut self, published: &Published) -> (OlmSession, OlmSession) {
        if self.verify_signature {
            published
                .signing_key
                .verify(published.signed_json.as_bytes(), &published.signature)
                .unwrap();
        }
        let identity_key = Curve25519PublicKey::from_base64(&published.identity_key).unwrap();
        let one_time_key = Curve25519PublicKey::from_base64(&published.one_time_key).unwrap();
        let mut alice = self
            .alice
            .create_outbound_session(SessionConfig::version_1(), identity_key, one_time_key)
            .unwrap();
        let (kind, wire) = alice.encrypt(PLAINTEXT).unwrap().to_parts();
        let OlmMessage::PreKey(first) = OlmMessage::from_parts(kind, &wire).unwrap() else {
            panic!("the first message must be a prekey message");
        };
        let created = self
            .bob
            .create_inbound_session(SessionConfig::version_1(), first.identity_key(), &first)
            .unwrap();
        assert_eq!(created.plaintext, PLAINTEXT);
        (alice, created.session)
    }
}

impl Contender for Vodozemac {
    type Pair = VodozemacPair;

    fn name(&self) -> &'static str {
        if self.verify_signature {
            "vodozemac+ed25519"
        } else {
            "vodozemac"
        }
    }

    fn setup(&mut self) -> Duration {
        let published = self.publish();
        let start = Instant::now();
        let sessions = self.handshake(&published);
        let elapsed = start.elapsed();
        black_box(sessions);
        elapsed
    }

    fn established(&mut self) -> VodozemacPair {
        let published = self.publish();
        let (alice, bob) = self.handshake(&published);
        let mut pair = VodozemacPair { alice, bob };
        pair.bob_to_alice();
        pair
    }
}

fn vodozemac_send(from: &mut OlmSession, to: &mut OlmSession) {
    let (kind, wire) = from.encrypt(PLAINTEXT).unwrap().to_parts();
    let message = OlmMessage::from_parts(kind, &wire).unwrap();
    let plaintext = to.decrypt(&message).unwrap();
    assert_eq!(plaintext, PLAINTEXT);
}

impl Conversation for VodozemacPair {
    fn alice_to_bob(&mut self) {
        vodozemac_send(&mut self.alice, &mut self.bob);
    }

    fn bob_to_alice(&mut self) {
        vodozemac_send(&mut self.bob, &mut self.alice);
    }

    fn reseal_alice(&mut self) {
        let sealed = self.alice.pickle().encrypt(&PICKLE_KEY);
        let pickle = SessionPickle::from_encrypted(&sealed, &PICKLE_KEY).unwrap();
        self.alice = OlmSession::from_pickle(pickle);
    }
}

/// The measured work of one benchmark row.
#[derive(Clone, Copy)]
enum Row {
    Setup,
    OneWay { messages: usize },
    Alternating { messages: usize },
    Reseal,
}

impl Row {
    /// Runs the row `runs` times and returns the time spent in the measured part.
    fn run<C: Contender>(self, contender: &mut C, runs: u64) -> Duration {
        match self {
            Row::Setup => (0..runs).map(|_| contender.setup()).sum(),
            Row::OneWay { messages } => (0..runs)
                .map(|_| {
                    let mut pair = contender.established();
                    let start = Instant::now();
                    (0..messages).for_each(|_| pair.alice_to_bob());
                    start.elapsed()
                })
                .sum(),
            Row::Alternating { messages } => (0..runs)
                .map(|_| {
                    let mut pair = contender.established();
                    let start = Instant::now();
                    alternate(&mut pair, messages);
                    start.elapsed()
                })
                .sum(),
            Row::Reseal => {
                let mut pair = conversed(contender);
                let start = Instant::now();
                (0..runs).for_each(|_| pair.reseal_alice());
                let elapsed = start.elapsed();
                // The restored session must still talk, both ways.
                pair.alice_to_bob();
                pair.bob_to_alice();
                elapsed
            }
        }
    }

    /// Operations per run: what the throughput counts.
    fn ops(self) -> usize {
        match self {
            Row::Setup | Row::Reseal => 1,
            Row::OneWay { messages } | Row::Alternating { messages } => messages,
        }
    }
}

/// `messages` messages, Alice first, the sender changing every message.
fn alternate(pair: &mut impl Conversation, messages: usize) {
    for turn in 0..messages {
        if turn.is_multiple_of(2) {
            pair.alice_to_bob();
        } else {
            pair.bob_to_alice();
        }
    }
}

/// A pair that has exchanged a few messages both ways, so the session to
/// pickle holds several receiving chains and a partly used sending chain.
fn conversed<C: Contender>(contender: &mut C) -> C::Pair {
    let mut pair = contender.established();
    alternate(&mut pair, 12);
    (0..3).for_each(|_| pair.alice_to_bob());
    pair
}

fn bench_contender<C: Contender>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    row: Row,
    contender: &mut C,
) {
    group.bench_function(contender.name(), |b| {
        b.iter_custom(|iters| row.run(contender, iters));
    });
}

struct Contenders {
    cipherflow: Cipherflow,
    vodozemac: Vodozemac,
    vodozemac_signed: Vodozemac,
}

fn bench_row(c: &mut Criterion, contenders: &mut Contenders, name: &str, row: Row) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(row.ops() as u64));
    match row {
        Row::Setup | Row::Reseal => {
            group.sample_size(20);
            group.warm_up_time(Duration::from_millis(500));
            group.measurement_time(Duration::from_secs(2));
        }
        Row::OneWay { .. } | Row::Alternating { .. } => {
            // One run is 10 ms to 1 s: flat sampling keeps it at 10 runs per sample set.
            group.sample_size(10);
            group.sampling_mode(SamplingMode::Flat);
            group.warm_up_time(Duration::from_millis(500));
            group.measurement_time(Duration::from_secs(3));
        }
    }
    bench_contender(&mut group, row, &mut contenders.cipherflow);
    bench_contender(&mut group, row, &mut contenders.vodozemac);
    if matches!(row, Row::Setup) {
        bench_contender(&mut group, row, &mut contenders.vodozemac_signed);
    }
    group.finish();
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len().is_multiple_of(2) {
        (samples[mid - 1] + samples[mid]) / 2.0
    } else {
        samples[mid]
    }
}

/// Every round's operations per second of one row, for both contenders.
struct Rates {
    ours: Vec<f64>,
    theirs: Vec<f64>,
}

/// Operations per second of `row` for both contenders, measured in `rounds`
/// interleaved rounds of `runs` runs each, alternating who goes first.
fn interleaved<A: Contender, B: Contender>(
    a: &mut A,
    b: &mut B,
    row: Row,
    rounds: usize,
    runs: u64,
) -> Rates {
    let ops = (row.ops() as u64 * runs) as f64;
    let mut a_rates = Vec::with_capacity(rounds);
    let mut b_rates = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let rate = |d: Duration| ops / d.as_secs_f64();
        if round.is_multiple_of(2) {
            a_rates.push(rate(row.run(a, runs)));
            b_rates.push(rate(row.run(b, runs)));
        } else {
            b_rates.push(rate(row.run(b, runs)));
            a_rates.push(rate(row.run(a, runs)));
        }
    }
    Rates {
        ours: a_rates,
        theirs: b_rates,
    }
}

/// DH ratchet half-steps per alternating turn, counted by cipherflow itself.
fn cipherflow_steps_per_turn(cipherflow: &mut Cipherflow, turns: usize) -> f64 {
    let steps = |pair: &CipherflowPair| {
        pair.alice.snapshot().ratchet.dh_ratchet_steps
            + pair.bob.snapshot().ratchet.dh_ratchet_steps
    };
    let mut pair = cipherflow.established();
    let before = steps(&pair);
    alternate(&mut pair, turns);
    (steps(&pair) - before) as f64 / turns as f64
}

fn summary(contenders: &mut Contenders, smoke: bool) {
    let messages = if smoke { SMOKE_MESSAGES } else { MESSAGES };
    let rounds = |n: usize| if smoke { 1 } else { n };
    let runs = |n: u64| if smoke { 1 } else { n };
    let Contenders {
        cipherflow: cf,
        vodozemac: vz,
        vodozemac_signed: vz_signed,
    } = contenders;
    // (id, label, unit, baseline, rates)
    let rows = [
        (
            "setup",
            "1 session setup",
            "setups/s",
            "vodozemac",
            interleaved(cf, vz, Row::Setup, rounds(9), runs(100)),
        ),
        (
            "setup_signed",
            "1 session setup",
            "setups/s",
            "vodozemac+ed25519",
            interleaved(cf, vz_signed, Row::Setup, rounds(9), runs(100)),
        ),
        (
            "one_way",
            "2 one way",
            "msgs/s",
            "vodozemac",
            interleaved(cf, vz, Row::OneWay { messages }, rounds(9), 1),
        ),
        (
            "alternating",
            "3 alternating",
            "msgs/s",
            "vodozemac",
            interleaved(cf, vz, Row::Alternating { messages }, rounds(5), 1),
        ),
        (
            "sealed_pickle",
            "4 sealed pickle",
            "round trips/s",
            "vodozemac",
            interleaved(cf, vz, Row::Reseal, rounds(9), runs(1000)),
        ),
    ];
    println!();
    if smoke {
        println!("Summary (smoke mode: one round, {messages} messages; not a measurement)");
    } else {
        println!(
            "Summary: medians of interleaved rounds in this run ({messages} messages per run)"
        );
    }
    println!(
        "{:<18} {:<14} {:>13} {:>19} {:>18} {:>7}",
        "row", "unit", "cipherflow", "against", "its rate", "ratio"
    );
    for (_, row, unit, against, rates) in &rows {
        let (ours, theirs) = (median(rates.ours.clone()), median(rates.theirs.clone()));
        println!(
            "{row:<18} {unit:<14} {ours:>13.0} {against:>19} {theirs:>18.0} {:>7.3}",
            ours / theirs
        );
    }
    println!(
        "ratio = cipherflow / vodozemac throughput; >= 1.00 means cipherflow is as fast or faster"
    );
    println!();
    let steps = cipherflow_steps_per_turn(cf, if smoke { 10 } else { 1000 });
    if let Ok(path) = std::env::var("CIPHERFLOW_BENCH_JSON") {
        let rows: Vec<_> = rows
            .iter()
            .map(|(id, label, unit, against, rates)| {
                let mut by_contender = serde_json::Map::new();
                by_contender.insert("cipherflow".into(), rates.ours.clone().into());
                by_contender.insert((*against).into(), rates.theirs.clone().into());
                serde_json::json!({
                    "id": id,
                    "label": label,
                    "unit": unit,
                    "baseline": against,
                    "rates": by_contender,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "smoke": smoke,
            "messages": messages,
            "dh_ratchet_half_steps_per_turn": steps,
            "rows": rows,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        println!("summary written to {path}");
    }
    println!(
        "cipherflow X25519 work per alternating turn: sender 1 key generation + 1 DH \
         (sending half-step), receiver 1 DH (receiving half-step) = 2 DH + 1 keygen; \
         measured {steps:.2} DH ratchet half-steps per turn"
    );
    println!(
        "vodozemac per turn: the same 2 DH + 1 keygen, plus 1 fixed-base multiplication \
         per encrypt to derive its ratchet public key"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--test");
    // Listing, or profiling one benchmark under a profiler: no summary pass.
    let listing = args
        .iter()
        .any(|a| a == "--list" || a.starts_with("--profile-time"));
    let messages = if smoke { SMOKE_MESSAGES } else { MESSAGES };

    let mut contenders = Contenders {
        cipherflow: Cipherflow::new(),
        vodozemac: Vodozemac::new(false),
        vodozemac_signed: Vodozemac::new(true),
    };
    let summary_only = std::env::var_os("CIPHERFLOW_BENCH_SUMMARY_ONLY").is_some_and(|v| v == "1");
    if summary_only && !listing {
        summary(&mut contenders, smoke);
        return;
    }
    let mut c = Criterion::default().without_plots().configure_from_args();
    bench_row(&mut c, &mut contenders, "1_session_setup", Row::Setup);
    bench_row(
        &mut c,
        &mut contenders,
        "2_one_way",
        Row::OneWay { messages },
    );
    bench_row(
        &mut c,
        &mut contenders,
        "3_alternating",
        Row::Alternating { messages },
    );
    bench_row(&mut c, &mut contenders, "4_sealed_pickle", Row::Reseal);
    c.final_summary();

    if !listing {
        summary(&mut contenders, smoke);
    }
}
