//! Bodies checked byte for byte against Meta's examples (webhook reference,
//! Sep 2026 copy: the text message, the reaction, the v24.0 `sent` status
//! with per-message pricing, the `failed` status), with Meta's escaping.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;

fn ids() -> BusinessIds {
    BusinessIds {
        waba_id: "102290129340398".into(),
        display_phone_number: PhoneNumber::parse("15550783881").unwrap(),
        phone_number_id: "106540352242922".into(),
    }
}

fn user() -> PhoneNumber {
    PhoneNumber::parse("16505551234").unwrap()
}

const HEAD: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"#;
const TAIL: &str = r#"},"field":"messages"}]}]}"#;

fn text(wamid: &str, body: &str, name: &str) -> Update {
    Update::Message(InboundUpdate {
        from: user(),
        profile_name: name.into(),
        wamid: wamid.into(),
        timestamp_s: 1749416383,
        content: InboundContent::Text {
            body: body.into(),
            context: None,
        },
    })
}

fn status(wamid: &str, status: Status) -> StatusUpdate {
    StatusUpdate {
        wamid: wamid.into(),
        status,
        timestamp_s: 1750030073,
        recipient: user(),
        callback_data: None,
        pricing: None,
        error: None,
    }
}

fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[test]
fn inbound_text_is_metas_example() {
    let body = body(
        &ids(),
        &[text(
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
            "Does it come in another color?",
            "Sheena Nelson",
        )],
    );
    let expected = format!(
        "{HEAD}{}{TAIL}",
        r#""contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color?"}}]"#
    );
    assert_eq!(utf8(body), expected);
}

#[test]
fn names_and_texts_are_escaped_as_meta_escapes_them() {
    let body = body(&ids(), &[text("wamid.A", "1/2 café 東京 👍", "José")]);
    let s = utf8(body.clone());
    assert!(body.is_ascii());
    assert!(s.contains(r#""name":"Jos\u00e9""#), "{s}");
    assert!(
        s.contains(r#""body":"1\/2 caf\u00e9 \u6771\u4eac \ud83d\udc4d""#),
        "{s}"
    );
    // The escapes are JSON: a parser reads back the original text.
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let value = &v["entry"][0]["changes"][0]["value"];
    assert_eq!(value["messages"][0]["text"]["body"], "1/2 café 東京 👍");
    assert_eq!(value["contacts"][0]["profile"]["name"], "José");
}

#[test]
fn reactions_and_quoted_replies() {
    let reaction = Update::Message(InboundUpdate {
        from: user(),
        profile_name: "Sheena Nelson".into(),
        wamid: "wamid.R".into(),
        timestamp_s: 1749419544,
        content: InboundContent::Reaction {
            message_id: "wamid.B".into(),
            emoji: "👍".into(),
        },
    });
    let s = utf8(body(&ids(), std::slice::from_ref(&reaction)));
    assert!(
        s.contains(r#""messages":[{"from":"16505551234","id":"wamid.R","timestamp":"1749419544","type":"reaction","reaction":{"message_id":"wamid.B","emoji":"\ud83d\udc4d"}}]"#),
        "{s}"
    );
    // Removing a reaction: Meta leaves `emoji` out.
    let Update::Message(mut removed) = reaction else {
        panic!("a message")
    };
    removed.content = InboundContent::Reaction {
        message_id: "wamid.B".into(),
        emoji: String::new(),
    };
    let s = utf8(body(&ids(), &[Update::Message(removed)]));
    assert!(s.contains(r#""reaction":{"message_id":"wamid.B"}}"#), "{s}");
    let reply = Update::Message(InboundUpdate {
        from: user(),
        profile_name: "Sheena Nelson".into(),
        wamid: "wamid.Q".into(),
        timestamp_s: 1750016800,
        content: InboundContent::Text {
            body: "Is this still available?".into(),
            context: Some((ids().display_phone_number, "wamid.B".into())),
        },
    });
    let s = utf8(body(&ids(), &[reply]));
    assert!(
        s.contains(r#""messages":[{"context":{"from":"15550783881","id":"wamid.B"},"from":"16505551234","id":"wamid.Q""#),
        "{s}"
    );
}

#[test]
fn sent_status_with_per_message_pricing() {
    let mut sent = status(
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
        Status::Sent,
    );
    sent.pricing = Some(Pricing {
        category: PricingCategory::Marketing,
        in_window: true,
    });
    let expected = format!(
        "{HEAD}{}{TAIL}",
        r#""statuses":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=","status":"sent","timestamp":"1750030073","recipient_id":"16505551234","pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"marketing"}}]"#
    );
    assert_eq!(
        utf8(body(&ids(), &[Update::Status(sent.clone())])),
        expected
    );
    // Meta's pricing page: a non-template message in the window is free.
    sent.pricing = Some(Pricing {
        category: PricingCategory::Service,
        in_window: true,
    });
    sent.callback_data = Some("1744434060".into());
    let s = utf8(body(&ids(), &[Update::Status(sent)]));
    assert!(
        s.contains(r#""recipient_id":"16505551234","biz_opaque_callback_data":"1744434060","pricing":{"billable":false,"pricing_model":"PMP","type":"free_customer_service","category":"service"}}"#),
        "{s}"
    );
}

#[test]
fn pricing_follows_the_window() {
    let p = |category, in_window| Pricing {
        category,
        in_window,
    };
    use PricingCategory::*;
    assert!(!p(Service, true).billable());
    assert!(!p(Utility, true).billable());
    assert!(p(Utility, false).billable());
    assert!(p(Marketing, true).billable());
    assert!(p(Authentication, true).billable());
    assert_eq!(p(Utility, true).pricing_type(), "free_customer_service");
    assert_eq!(p(Marketing, false).pricing_type(), "regular");
}

#[test]
fn failed_status_is_metas_example() {
    let mut failed = status(
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA",
        Status::Failed,
    );
    failed.timestamp_s = 1751142888;
    let title = "This message was not delivered to maintain healthy ecosystem engagement.";
    failed.error = Some(StatusError {
        code: 131049,
        title: title.into(),
        message: title.into(),
        details: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.".into(),
    });
    let expected = format!(
        "{HEAD}{}{TAIL}",
        r#""statuses":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA","status":"failed","timestamp":"1751142888","recipient_id":"16505551234","errors":[{"code":131049,"title":"This message was not delivered to maintain healthy ecosystem engagement.","message":"This message was not delivered to maintain healthy ecosystem engagement.","error_data":{"details":"In order to maintain a healthy ecosystem engagement, the message failed to be delivered."},"href":"\/documentation\/business-messaging\/whatsapp\/support\/error-codes"}]}]"#
    );
    assert_eq!(utf8(body(&ids(), &[Update::Status(failed)])), expected);
}

#[test]
fn a_batch_carries_every_update_in_two_changes() {
    let updates = [
        text("wamid.1", "one", "Ana"),
        Update::Status(status("wamid.S1", Status::Delivered)),
        text("wamid.2", "two", "Ana"),
        Update::Status(status("wamid.S2", Status::Read)),
    ];
    let v: serde_json::Value = serde_json::from_slice(&body(&ids(), &updates)).unwrap();
    let changes = v["entry"][0]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    let messages = changes[0]["value"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["id"], "wamid.2");
    // One sender, named once.
    assert_eq!(changes[0]["value"]["contacts"].as_array().unwrap().len(), 1);
    assert!(changes[0]["value"].get("statuses").is_none());
    let statuses = changes[1]["value"]["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[1]["status"], "read");
    assert!(changes[1]["value"].get("contacts").is_none());
}
