//! Property tests: every encoder/decoder round-trips, and no input makes a decoder
//! panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(not(target_arch = "wasm32"))]

use cipherflow_protocol::PreKeyBundle;
use cipherflow_protocol::keys::{KeyPair, PublicKey};
use cipherflow_protocol::wire::{Envelope, Header, PreKeyMessage, RatchetMessage};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn public_key() -> impl Strategy<Value = PublicKey> {
    any::<u64>().prop_map(|seed| KeyPair::generate(&mut ChaCha20Rng::seed_from_u64(seed)).public())
}

fn header() -> impl Strategy<Value = Header> {
    (public_key(), any::<u32>(), any::<u32>()).prop_map(|(ratchet_key, pn, n)| Header {
        ratchet_key,
        previous_chain_length: pn,
        index: n,
    })
}

fn ratchet_message() -> impl Strategy<Value = RatchetMessage> {
    (header(), proptest::collection::vec(any::<u8>(), 16..300))
        .prop_map(|(header, ciphertext)| RatchetMessage { header, ciphertext })
}

fn envelope() -> impl Strategy<Value = Envelope> {
    prop_oneof![
        ratchet_message().prop_map(Envelope::Ratchet),
        (
            public_key(),
            public_key(),
            any::<u32>(),
            any::<Option<u32>>(),
            ratchet_message()
        )
            .prop_map(|(identity_key, base_key, spk, opk, message)| {
                Envelope::PreKey(PreKeyMessage {
                    identity_key,
                    base_key,
                    signed_prekey_id: spk,
                    one_time_prekey_id: opk,
                    message,
                })
            }),
    ]
}

fn bundle() -> impl Strategy<Value = PreKeyBundle> {
    (
        public_key(),
        any::<u32>(),
        public_key(),
        proptest::collection::vec(any::<u8>(), 64),
        any::<Option<(u32, u64)>>(),
    )
        .prop_map(|(ik, id, spk, sig, opk)| PreKeyBundle {
            identity_key: ik,
            signed_prekey_id: id,
            signed_prekey: spk,
            signed_prekey_signature: sig.try_into().unwrap(),
            one_time_prekey: opk.map(|(id, seed)| {
                (
                    id,
                    KeyPair::generate(&mut ChaCha20Rng::seed_from_u64(seed)).public(),
                )
            }),
        })
}

proptest! {
    #[test]
    fn header_round_trips(h in header()) {
        prop_assert_eq!(Header::try_from(&h.encode()[..]), Ok(h));
    }

    #[test]
    fn envelope_round_trips(e in envelope()) {
        prop_assert_eq!(Envelope::try_from(&e.to_bytes()[..]), Ok(e));
    }

    #[test]
    fn bundle_round_trips(b in bundle()) {
        prop_assert_eq!(PreKeyBundle::try_from(&b.to_bytes()[..]), Ok(b));
    }

    #[test]
    fn public_key_round_trips(k in public_key()) {
        prop_assert_eq!(PublicKey::decode(&k.encode()), Ok(k));
    }

    #[test]
    fn truncations_and_extensions_are_typed_errors(e in envelope(), cut in any::<prop::sample::Index>(), extra in any::<u8>()) {
        let bytes = e.to_bytes();
        let cut = cut.index(bytes.len());
        prop_assert!(Envelope::try_from(&bytes[..cut]).is_err());
        let mut longer = bytes.clone();
        longer.push(extra);
        prop_assert!(Envelope::try_from(&longer[..]).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Envelope::try_from(&bytes[..]);
        let _ = PreKeyBundle::try_from(&bytes[..]);
        let _ = Header::try_from(&bytes[..]);
        let _ = PublicKey::decode(&bytes);
    }
}
