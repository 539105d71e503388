//! Every wire parser on arbitrary bytes: none may panic, and whatever parses must
//! re-encode to exactly the bytes it came from (the formats have one encoding).
#![no_main]

use cipherflow_protocol::PreKeyBundle;
use cipherflow_protocol::keys::PublicKey;
use cipherflow_protocol::wire::{Envelope, Header, RatchetMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::try_from(data) {
        assert_eq!(envelope.to_bytes(), data, "Envelope does not round-trip");
    }
    if let Ok(message) = RatchetMessage::try_from(data) {
        assert_eq!(
            message.to_bytes(),
            data,
            "RatchetMessage does not round-trip"
        );
    }
    if let Ok(bundle) = PreKeyBundle::try_from(data) {
        assert_eq!(bundle.to_bytes(), data, "PreKeyBundle does not round-trip");
    }
    if let Ok(header) = Header::try_from(data) {
        assert_eq!(header.encode(), data, "Header does not round-trip");
    }
    if let Ok(key) = PublicKey::decode(data) {
        assert_eq!(key.encode(), data, "PublicKey does not round-trip");
    }
});
