#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use cipherflow_protocol::Account;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::*;
use crate::wire::{EnvelopeRef, Payload, ReceiptKind};

fn number(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).expect("number")
}

fn envelope() -> TransportEnvelope {
    TransportEnvelope {
        id: 7,
        from: number("14155550101"),
        to: number("14155550199"),
        sent_at_ms: 1_750_000_000_123,
        payload: Payload::Receipt {
            receipt: ReceiptKind::Read,
            ids: vec![1, 2],
        },
    }
}

#[test]
fn every_frame_reads_back_as_written() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let account = Account::with_one_time_prekeys::<3>(&mut rng, 0);
    let keys = KeysFrame::from_keys(&PublishedKeys {
        bundle: account.bundle(None).expect("bundle"),
        one_time: account.one_time_prekeys(),
    });
    let device = [
        DeviceFrame::Hello {
            number: "+1 415 555 0101".to_owned(),
        },
        DeviceFrame::Proof {
            signature: vec![9; 64],
            keys: Some(keys.clone()),
        },
        DeviceFrame::Proof {
            signature: vec![9; 64],
            keys: None,
        },
        DeviceFrame::PublishPreKeys {
            one_time: keys.one_time.clone(),
        },
        DeviceFrame::FetchBundle {
            number: "14155550199".to_owned(),
        },
        DeviceFrame::Submit {
            envelope: envelope(),
            retransmission: true,
        },
        DeviceFrame::SpamReport {
            business: "14155550199".to_owned(),
        },
        DeviceFrame::Ack {
            from: number("14155550199"),
            id: 12,
        },
    ];
    for frame in device {
        assert_eq!(DeviceFrame::parse(&frame.to_json()), Ok(frame.clone()));
    }
    let server = [
        ServerFrame::Challenge { nonce: vec![1; 32] },
        ServerFrame::Welcome {
            number: number("14155550101"),
            registered: true,
        },
        ServerFrame::Bundle {
            number: number("14155550199"),
            bundle: None,
        },
        ServerFrame::Accepted { id: 3 },
        ServerFrame::Refused {
            id: 3,
            action: IntegrityAction::Throttled,
        },
        ServerFrame::PreKeyCount { left: 4 },
        ServerFrame::Deliver {
            envelope: envelope(),
        },
        ServerFrame::Error {
            code: "BAD_PROOF".to_owned(),
            message: "no".to_owned(),
        },
    ];
    for frame in server {
        assert_eq!(ServerFrame::parse(&frame.to_json()), Ok(frame.clone()));
    }
    // The keys decode to what was published.
    let decoded = keys.to_keys().expect("keys");
    assert_eq!(decoded.bundle.identity_key, account.identity_key());
    assert_eq!(decoded.one_time, account.one_time_prekeys());
}

#[test]
fn the_transport_s_messages_cross_as_frames_and_back() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let account = Account::with_one_time_prekeys::<1>(&mut rng, 0);
    let ana = number("14155550101");
    let bundle = account
        .bundle(account.one_time_prekeys().first().map(|(id, _)| *id))
        .expect("bundle");
    let messages = [
        FromTransport::Bundle {
            requester: ana.clone(),
            number: number("14155550199"),
            bundle: Some(bundle),
        },
        FromTransport::Accepted {
            envelope: EnvelopeRef {
                from: ana.clone(),
                id: 5,
            },
        },
        FromTransport::PreKeyCount {
            number: ana.clone(),
            left: 2,
        },
        FromTransport::Deliver {
            envelope: envelope(),
        },
    ];
    for message in messages {
        let text = ServerFrame::from_transport(&message).to_json();
        let back = ServerFrame::parse(&text)
            .expect("frame")
            .to_from_transport(&ana)
            .expect("message")
            .expect("not a handshake frame");
        // FromTransport has no PartialEq: compare their debug forms.
        assert_eq!(format!("{back:?}"), format!("{message:?}"));
    }
}

#[test]
fn bad_frames_are_typed_errors() {
    assert!(matches!(
        DeviceFrame::parse("{"),
        Err(FrameError::Malformed(_))
    ));
    assert!(matches!(
        DeviceFrame::parse(
            r#"{"type":"submit","envelope":{"id":1,"from":"x","to":"1","sent_at_ms":0,"payload":{"kind":"typing"}}}"#
        ),
        Err(FrameError::Malformed(_))
    ));
    assert!(matches!(
        ServerFrame::parse(&" ".repeat(MAX_FRAME_BYTES + 1)),
        Err(FrameError::TooLarge(_))
    ));
    let too_many: Vec<(PreKeyId, String)> = (0..=MAX_FRAME_PREKEYS as u32)
        .map(|i| (i, "05".repeat(33)))
        .collect();
    assert_eq!(
        decode_one_time(&too_many),
        Err(FrameError::TooManyPreKeys(MAX_FRAME_PREKEYS + 1))
    );
    assert!(matches!(
        decode_one_time(&[(1, "zz".to_owned())]),
        Err(FrameError::BadKeys(_))
    ));
    // A bundle that does not decode, as the transport would send it.
    let bad = ServerFrame::Bundle {
        number: number("14155550199"),
        bundle: Some("0011".to_owned()),
    };
    assert!(matches!(
        bad.to_from_transport(&number("14155550101")),
        Err(FrameError::BadKeys(_))
    ));
}

#[test]
fn the_auth_message_binds_the_number_and_the_nonce() {
    let a = auth_message(&number("14155550101"), &[1; 32]);
    assert!(a.starts_with(b"cipherflow transport auth v1\0"));
    assert_ne!(a, auth_message(&number("14155550102"), &[1; 32]));
    assert_ne!(a, auth_message(&number("14155550101"), &[2; 32]));
    // "1" + nonce cannot be mistaken for "11" + a shorter nonce: the number is
    // terminated and the nonce has a fixed length.
    assert_eq!(a.len(), 29 + 11 + 1 + 32);
}

#[test]
fn frame_names_are_the_documented_ones() {
    let publish = DeviceFrame::PublishPreKeys { one_time: vec![] }.to_json();
    assert!(publish.contains(r#""type":"publish_prekeys""#), "{publish}");
    let count = ServerFrame::PreKeyCount { left: 1 }.to_json();
    assert_eq!(count, r#"{"type":"prekey_count","left":1}"#);
    // The hand-written reader refuses what the derived one did: unknown
    // fields, and a wrong type for a field.
    for bad in [
        r#"{"type":"prekey_count","left":1,"extra":true}"#,
        r#"{"type":"accepted","id":"7"}"#,
        r#"{"type":"refused","id":1,"action":"exploded"}"#,
        r#"{"type":"welcome","number":"not a number","registered":true}"#,
        r#"{"type":"deliver"}"#,
    ] {
        assert!(
            matches!(ServerFrame::parse(bad), Err(FrameError::Malformed(_))),
            "{bad}"
        );
    }
}

#[test]
fn every_payload_kind_reads_back_as_written() {
    for payload in [
        Payload::Signal {
            bytes: vec![0, 1, 254, 255],
        },
        Payload::Receipt {
            receipt: ReceiptKind::Delivered,
            ids: vec![],
        },
        Payload::Typing,
        Payload::RetryRequest { id: u64::MAX },
    ] {
        let frame = DeviceFrame::Submit {
            envelope: TransportEnvelope {
                payload,
                ..envelope()
            },
            retransmission: false,
        };
        assert_eq!(DeviceFrame::parse(&frame.to_json()), Ok(frame.clone()));
        let text = frame.to_json();
        // The same bytes through serde (as a journal row) read the same.
        let via_serde: DeviceFrame = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(via_serde, frame);
    }
}
