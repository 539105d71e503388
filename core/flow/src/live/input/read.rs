//! Reading an [`Input`] from its JSON by hand. The derived reader of an
//! internally tagged enum buffers every field in serde's generic `Content`
//! and grows with each variant: for these sixteen it was the largest single
//! function of the app's wasm (45 KB). This one dispatches on `input` and
//! reads the fields it needs; nested values (requests, answers, frames)
//! keep their own readers. It accepts exactly what the derived writer
//! produces, and, like the derived reader, ignores fields it does not know.

use serde::Deserialize;
use serde_json::Value;

use super::Input;
use crate::phone::PhoneNumber;
use cipherflow_protocol::json_fields::{FieldError, Fields};

impl<'de> Deserialize<'de> for Input {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        input_of(&value).map_err(|e| serde::de::Error::custom(e.0))
    }
}

/// A nested value with its own (derived or hand-written) reader.
fn nested<T: serde::de::DeserializeOwned>(
    f: &Fields<'_>,
    field: &'static str,
) -> Result<T, FieldError> {
    let v = f
        .value(field)
        .ok_or_else(|| FieldError(format!("missing field `{field}`")))?;
    T::deserialize(v).map_err(|e| FieldError(format!("{field}: {e}")))
}

/// An optional nested value: absent or null is `None`.
fn optional<T: serde::de::DeserializeOwned>(
    f: &Fields<'_>,
    field: &'static str,
) -> Result<Option<T>, FieldError> {
    match f.value(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => nested(f, field).map(Some),
    }
}

fn string(f: &Fields<'_>, field: &'static str) -> Result<String, FieldError> {
    f.str(field).map(str::to_owned)
}

fn number(f: &Fields<'_>) -> Result<PhoneNumber, FieldError> {
    nested(f, "number")
}

fn input_of(value: &Value) -> Result<Input, FieldError> {
    let f = Fields::of(value, "input")?;
    Ok(match f.str("input")? {
        "add_business" => Input::AddBusiness {
            number: string(&f, "number")?,
            name: string(&f, "name")?,
            credentials: optional(&f, "credentials")?.unwrap_or_default(),
        },
        "add_consumer" => Input::AddConsumer {
            number: string(&f, "number")?,
            name: string(&f, "name")?,
        },
        "graph" => Input::Graph {
            request: nested(&f, "request")?,
        },
        "connect_webhook" => Input::ConnectWebhook {
            phone_number_id: string(&f, "phone_number_id")?,
            url: string(&f, "url")?,
            verify_token: string(&f, "verify_token")?,
        },
        "webhook_answer" => Input::WebhookAnswer {
            phone_number_id: string(&f, "phone_number_id")?,
            exchange: f.u64("exchange")?,
            answer: nested(&f, "answer")?,
        },
        "consumer_text" => Input::ConsumerText {
            consumer: string(&f, "consumer")?,
            to: string(&f, "to")?,
            text: string(&f, "text")?,
            reply_to: optional(&f, "reply_to")?,
        },
        "consumer_react" => Input::ConsumerReact {
            consumer: string(&f, "consumer")?,
            to: string(&f, "to")?,
            message_id: string(&f, "message_id")?,
            emoji: string(&f, "emoji")?,
        },
        "consumer_read" => Input::ConsumerRead {
            consumer: string(&f, "consumer")?,
            business: string(&f, "business")?,
        },
        "consumer_online" => Input::ConsumerOnline {
            consumer: string(&f, "consumer")?,
            online: f.bool("online")?,
        },
        "consumer_report_spam" => Input::ConsumerReportSpam {
            consumer: string(&f, "consumer")?,
            business: string(&f, "business")?,
        },
        "business_text" => Input::BusinessText {
            phone_number_id: string(&f, "phone_number_id")?,
            to: string(&f, "to")?,
            text: string(&f, "text")?,
        },
        "business_blast" => Input::BusinessBlast {
            phone_number_id: string(&f, "phone_number_id")?,
            text: string(&f, "text")?,
            count: f.u32("count")?,
        },
        "advance_clock" => Input::AdvanceClock { ms: f.u64("ms")? },
        "device_attach" => Input::DeviceAttach {
            number: number(&f)?,
            keys: optional(&f, "keys")?,
        },
        "device_frame" => Input::DeviceFrame {
            number: number(&f)?,
            frame: nested(&f, "frame")?,
        },
        "device_detach" => Input::DeviceDetach {
            number: number(&f)?,
        },
        other => return Err(FieldError(format!("unknown input {other:?}"))),
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::http::{HttpRequest, HttpResponse};
    use crate::router::BusinessCredentials;
    use crate::wire::HttpFailure;
    use crate::wire::device_frame::{DeviceFrame, KeysFrame};

    fn n(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s).expect("number")
    }

    /// One of every input, with optional fields both set and unset.
    fn every_input() -> Vec<Input> {
        let s = |t: &str| t.to_owned();
        vec![
            Input::AddBusiness {
                number: s("+1 555 078 3881"),
                name: s("Shop"),
                credentials: BusinessCredentials {
                    access_token: Some(s("EAAG")),
                    app_secret: None,
                    verify_token: Some(s("v")),
                },
            },
            Input::AddBusiness {
                number: s("15550783882"),
                name: s("Other"),
                credentials: BusinessCredentials::default(),
            },
            Input::AddConsumer {
                number: s("16505550101"),
                name: s("Ana"),
            },
            Input::Graph {
                request: HttpRequest {
                    method: s("POST"),
                    path: s("/v24.0/1/messages"),
                    headers: vec![(s("authorization"), s("Bearer x"))],
                    body: vec![0xff, 0, 1],
                },
            },
            Input::ConnectWebhook {
                phone_number_id: s("1"),
                url: s("http://127.0.0.1:3000/w"),
                verify_token: s("t"),
            },
            Input::WebhookAnswer {
                phone_number_id: s("1"),
                exchange: 7,
                answer: Ok(HttpResponse {
                    status: 200,
                    headers: vec![],
                    body: b"EVENT_RECEIVED".to_vec(),
                }),
            },
            Input::WebhookAnswer {
                phone_number_id: s("1"),
                exchange: 8,
                answer: Err(HttpFailure::TimedOut),
            },
            Input::ConsumerText {
                consumer: s("16505550101"),
                to: s("15550783881"),
                text: s("hi"),
                reply_to: Some(s("m1")),
            },
            Input::ConsumerText {
                consumer: s("16505550101"),
                to: s("15550783881"),
                text: s("hi again"),
                reply_to: None,
            },
            Input::ConsumerReact {
                consumer: s("a"),
                to: s("b"),
                message_id: s("c"),
                emoji: s("👍"),
            },
            Input::ConsumerRead {
                consumer: s("a"),
                business: s("b"),
            },
            Input::ConsumerOnline {
                consumer: s("a"),
                online: false,
            },
            Input::ConsumerReportSpam {
                consumer: s("a"),
                business: s("b"),
            },
            Input::BusinessText {
                phone_number_id: s("1"),
                to: s("16505550101"),
                text: s("Welcome"),
            },
            Input::BusinessBlast {
                phone_number_id: s("1"),
                text: s("SALE"),
                count: 80,
            },
            Input::AdvanceClock { ms: 86_400_000 },
            Input::DeviceAttach {
                number: n("16505550101"),
                keys: Some(KeysFrame {
                    bundle: vec![5, 6, 7],
                    one_time: vec![(1, s("05aa"))],
                }),
            },
            Input::DeviceAttach {
                number: n("16505550102"),
                keys: None,
            },
            Input::DeviceFrame {
                number: n("16505550101"),
                frame: DeviceFrame::SpamReport {
                    business: s("15550783881"),
                },
            },
            Input::DeviceFrame {
                number: n("16505550101"),
                frame: DeviceFrame::Ack {
                    from: n("15550783881"),
                    id: 3,
                },
            },
            Input::DeviceDetach {
                number: n("16505550101"),
            },
        ]
    }

    #[test]
    fn every_input_reads_back_as_the_derived_writer_wrote_it() {
        let all = every_input();
        let kinds: std::collections::BTreeSet<&str> = all.iter().map(Input::kind).collect();
        assert_eq!(kinds.len(), 16, "one of each kind");
        for input in all {
            let json = serde_json::to_string(&input).expect("json");
            let back: Input = serde_json::from_str(&json).expect(&json);
            assert_eq!(back, input, "{json}");
        }
    }

    #[test]
    fn defaults_unknown_fields_and_mistakes_read_as_the_derived_reader_did() {
        // Optional fields may be missing; unknown ones are ignored.
        let read = |j: &str| serde_json::from_str::<Input>(j);
        assert_eq!(
            read(r#"{"input":"add_business","number":"1","name":"S","extra":1}"#).expect("read"),
            Input::AddBusiness {
                number: "1".to_owned(),
                name: "S".to_owned(),
                credentials: BusinessCredentials::default(),
            }
        );
        assert!(matches!(
            read(r#"{"input":"consumer_text","consumer":"a","to":"b","text":"t"}"#),
            Ok(Input::ConsumerText { reply_to: None, .. })
        ));
        for bad in [
            r#"{"input":"nope"}"#,
            r#"{"input":"add_consumer","number":"1"}"#,
            r#"{"input":"advance_clock","ms":-1}"#,
            r#"{"input":"business_blast","phone_number_id":"1","text":"x","count":4294967296}"#,
            r#"{"input":"device_detach","number":"12"}"#,
            r#"{"input":"graph","request":{"method":"GET"}}"#,
            r#"{"number":"1"}"#,
            r#"[]"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
