//! The webhook signature check (`X-Hub-Signature-256`) on arbitrary app
//! secrets, bodies and headers: it accepts exactly `sha256=` followed by the
//! HMAC-SHA256 of the body in hex (either case), and nothing else.
#![no_main]

use cipherflow_flow::cloud_api::webhook::verify_signature;
use cipherflow_protocol::crypto::kdf::hmac_sha256;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // [secret length] secret [header length] header body
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let Some((secret, rest)) = rest.split_at_checked(usize::from(n)) else {
        return;
    };
    let Some((&m, rest)) = rest.split_first() else {
        return;
    };
    let Some((header, body)) = rest.split_at_checked(usize::from(m)) else {
        return;
    };
    let (Ok(secret), Ok(header)) = (std::str::from_utf8(secret), std::str::from_utf8(header))
    else {
        return;
    };
    let expected = format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.as_bytes(), body))
    );
    let right = header.len() == expected.len()
        && header.get(..7) == Some("sha256=")
        && header.eq_ignore_ascii_case(&expected);
    assert_eq!(
        verify_signature(secret, body, Some(header)),
        right,
        "header {header:?}"
    );
    // The genuine signature always verifies, and no header never does.
    assert!(verify_signature(secret, body, Some(&expected)));
    assert!(!verify_signature(secret, body, None));
});
