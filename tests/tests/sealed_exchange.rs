//! The walking skeleton's slice, through the core's public API only.

use cipherflow_protocol::crypto::aead;
use cipherflow_protocol::sealed_exchange::SealedExchange;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[test]
fn fresh_keys_every_run_and_every_run_round_trips() {
    let mut rng = ChaCha20Rng::seed_from_u64(2026);
    let mut seen = std::collections::HashSet::new();
    for i in 0..50 {
        let text = format!("message {i}: ünïcødé and emoji 🔐");
        let run = SealedExchange::run(&mut rng, &text).unwrap();
        assert!(run.secrets_match);
        assert!(run.tamper_rejected);
        assert_eq!(run.recovered, text);
        assert_eq!(run.ciphertext.len(), text.len() + aead::TAG_LEN);
        assert!(seen.insert(run.alice_public), "a key repeated");
        assert!(seen.insert(run.bob_public), "a key repeated");
    }
}

#[test]
fn empty_plaintext_is_just_a_tag() {
    let run = SealedExchange::run(&mut ChaCha20Rng::seed_from_u64(0), "").unwrap();
    assert_eq!(run.ciphertext.len(), aead::TAG_LEN);
    assert_eq!(run.recovered, "");
    assert!(run.tamper_rejected);
}
