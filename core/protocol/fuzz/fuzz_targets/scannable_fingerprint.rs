//! The scannable fingerprint (the QR code's bytes) on arbitrary input: no
//! panic, and whatever decodes re-encodes to exactly its bytes (one layout).
#![no_main]

use cipherflow_protocol::scannable_fingerprint::ScannableFingerprint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(fingerprint) = ScannableFingerprint::decode(data) {
        assert_eq!(
            fingerprint.encode(),
            data,
            "a scannable fingerprint does not round-trip"
        );
        assert_eq!(
            fingerprint.matches(data),
            Ok(false),
            "a code never matches itself"
        );
    }
});
