//! The flow's hand-written readers on arbitrary input, none of which may
//! panic: the application message inside the Signal ciphertext (what decodes
//! re-encodes to the same message), a Graph API send body, the trace reader
//! (`cipherflow-demo` trace JSON), phone numbers (what parses prints as E.164
//! and parses again to itself), wamids (what parses was written that way)
//! and base64.
#![no_main]

use cipherflow_flow::base64::decode_standard_into;
use cipherflow_flow::cloud_api::graph_api::parse_send;
use cipherflow_flow::ids::WamidKey;
use cipherflow_flow::phone::PhoneNumber;
use cipherflow_flow::trace::json::LightTrace;
use cipherflow_flow::wire::AppMessage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(message) = AppMessage::from_bytes(data) {
        assert_eq!(
            AppMessage::from_bytes(&message.to_bytes()),
            Some(message),
            "an application message does not round-trip"
        );
    }
    let _ = parse_send(data);
    let mut out = [0u8; 256];
    let _ = decode_standard_into(data, &mut out);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = LightTrace::parse(text);
    if let Ok(number) = PhoneNumber::parse(text) {
        assert_eq!(
            PhoneNumber::parse(&number.e164()),
            Ok(number),
            "E.164 does not parse to itself"
        );
    }
    if let Some((counterpart, key)) = WamidKey::parse(text) {
        assert_eq!(
            key.wamid(&counterpart),
            text,
            "a parsed wamid is not how it was written"
        );
    }
});
