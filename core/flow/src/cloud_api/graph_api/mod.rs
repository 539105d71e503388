//! The Cloud API's Graph-API surface: `POST /{version}/{phone-number-id}/messages`
//! and `GET`/`POST /{version}/{waba-id}/message_templates`, with bearer
//! auth, parsed into typed requests, and Meta-style errors.
//!
//! Parsing is complete before anything changes: a request either yields a
//! [`SendRequest`] or a [`GraphError`], and the simulation acts only on the former.
//!
//! - `errors.rs`: every error answer, with Meta's code;
//! - `template_requests.rs`: creating and listing templates.

mod errors;
mod template_requests;

pub use errors::GraphError;
pub use template_requests::{
    TemplateParameter, parse_template_create, template_created_response, template_list_response,
};

use serde_json::{Value, json};

use crate::http::{HttpRequest, HttpResponse};
use crate::phone::PhoneNumber;

/// The longest text body Meta accepts, in characters.
pub const MAX_TEXT_BODY_CHARS: usize = 4096;
/// The longest `biz_opaque_callback_data` Meta accepts, in characters.
pub const MAX_CALLBACK_DATA_CHARS: usize = 512;

/// A validated send request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendRequest {
    /// `type: "text"`.
    Text {
        /// `to` exactly as given (echoed as `contacts[].input`).
        input: String,
        /// `to`, parsed.
        to: PhoneNumber,
        /// `text.body`.
        body: String,
        /// `context.message_id`: the message this one replies to.
        context: Option<String>,
        /// `biz_opaque_callback_data`, echoed in the message's statuses.
        callback_data: Option<String>,
    },
    /// `type: "reaction"`.
    Reaction {
        /// `to` as given.
        input: String,
        /// `to`, parsed.
        to: PhoneNumber,
        /// The wamid reacted to.
        message_id: String,
        /// The emoji (empty removes a reaction).
        emoji: String,
        /// `biz_opaque_callback_data`, echoed in the message's statuses.
        callback_data: Option<String>,
    },
    /// `type: "template"`.
    Template {
        /// `to` as given.
        input: String,
        /// `to`, parsed.
        to: PhoneNumber,
        /// `template.name`.
        name: String,
        /// `template.language.code`.
        language: String,
        /// The body component's parameters, in order.
        body: Vec<TemplateParameter>,
        /// The header component's parameters.
        header: Vec<TemplateParameter>,
        /// `biz_opaque_callback_data`, echoed in the message's statuses.
        callback_data: Option<String>,
    },
    /// `status: "read"`: mark an inbound message (and the earlier ones of
    /// the conversation) as read.
    MarkRead {
        /// The inbound wamid.
        message_id: String,
        /// `typing_indicator: {"type": "text"}`: show "typing…" to the consumer.
        typing: bool,
    },
}

/// What a request is for, from its method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `POST /{version}/{phone-number-id}/messages`.
    Messages {
        /// The phone number id.
        phone_number_id: String,
    },
    /// `GET /{version}/{waba-id}/message_templates`.
    ListTemplates {
        /// The WhatsApp Business Account id.
        waba_id: String,
    },
    /// `POST /{version}/{waba-id}/message_templates`.
    CreateTemplate {
        /// The WhatsApp Business Account id.
        waba_id: String,
    },
}

/// The route of a request; any other method or path is refused (code 2500).
pub fn route(req: &HttpRequest) -> Result<Route, GraphError> {
    let path = req.path_only();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let post = req.method.eq_ignore_ascii_case("POST");
    let get = req.method.eq_ignore_ascii_case("GET");
    match parts.as_slice() {
        [version, id, "messages"] if is_version(version) && !id.is_empty() && post => {
            Ok(Route::Messages {
                phone_number_id: (*id).to_owned(),
            })
        }
        [version, id, "message_templates"] if is_version(version) && !id.is_empty() => {
            let waba_id = (*id).to_owned();
            match (get, post) {
                (true, _) => Ok(Route::ListTemplates { waba_id }),
                (_, true) => Ok(Route::CreateTemplate { waba_id }),
                _ => Err(GraphError::unknown_path(path)),
            }
        }
        _ => Err(GraphError::unknown_path(path)),
    }
}

fn is_version(v: &str) -> bool {
    v.strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        })
}

/// The bearer token from `Authorization`.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let h = req.header("Authorization")?;
    let (scheme, token) = h.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("Bearer")
        .then_some(token.trim())
}

/// An optional string field: absent or null is `None`.
pub(crate) fn opt_str_field<'a>(
    v: &'a Value,
    name: &str,
    shown: &str,
) -> Result<Option<&'a str>, GraphError> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => str_field(v, name, shown).map(Some),
    }
}

fn callback_data(v: &Value) -> Result<Option<String>, GraphError> {
    let data = opt_str_field(v, "biz_opaque_callback_data", "biz_opaque_callback_data")?;
    let chars = data.map_or(0, |d| d.chars().count());
    if chars > MAX_CALLBACK_DATA_CHARS {
        return Err(GraphError::invalid_parameter(
            format!(
                "(#100) Param biz_opaque_callback_data must be at most {MAX_CALLBACK_DATA_CHARS} characters long."
            ),
            format!("biz_opaque_callback_data has {chars} characters"),
        ));
    }
    Ok(data.map(str::to_owned))
}

pub(crate) fn str_field<'a>(v: &'a Value, name: &str, shown: &str) -> Result<&'a str, GraphError> {
    match v.get(name) {
        None | Some(Value::Null) => Err(GraphError::missing_parameter(shown)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(GraphError::invalid_parameter(
            format!("(#100) Param {shown} must be a string."),
            format!("{shown} has the wrong type"),
        )),
    }
}

/// Parses and validates a send body.
pub fn parse_send(body: &[u8]) -> Result<SendRequest, GraphError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        GraphError::invalid_parameter(
            "(#100) Invalid parameter".to_owned(),
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    if !v.is_object() {
        return Err(GraphError::invalid_parameter(
            "(#100) Invalid parameter".to_owned(),
            "The request body must be a JSON object.".to_owned(),
        ));
    }
    let product = str_field(&v, "messaging_product", "messaging_product")?;
    if product != "whatsapp" {
        return Err(GraphError::invalid_parameter(
            format!(
                "(#100) Param messaging_product must be one of {{WHATSAPP}} - got \"{product}\"."
            ),
            "messaging_product must be \"whatsapp\".".to_owned(),
        ));
    }
    if v.get("status").is_some() {
        let status = str_field(&v, "status", "status")?;
        if status != "read" {
            return Err(GraphError::invalid_value(format!(
                "status must be \"read\", got \"{status}\""
            )));
        }
        let message_id = str_field(&v, "message_id", "message_id")?.to_owned();
        let typing = match v.get("typing_indicator") {
            None | Some(Value::Null) => false,
            Some(t) => {
                let kind = str_field(t, "type", "typing_indicator['type']")?;
                if kind != "text" {
                    return Err(GraphError::invalid_value(format!(
                        "typing_indicator['type'] must be \"text\", got \"{kind}\""
                    )));
                }
                true
            }
        };
        return Ok(SendRequest::MarkRead { message_id, typing });
    }
    if let Some(rt) = v.get("recipient_type")
        && rt.as_str() != Some("individual")
    {
        return Err(GraphError::invalid_value(
            "recipient_type must be \"individual\"".to_owned(),
        ));
    }
    let input = str_field(&v, "to", "to")?.to_owned();
    let to =
        PhoneNumber::parse(&input).map_err(|e| GraphError::invalid_value(format!("to: {e}")))?;
    let kind = match v.get("type") {
        None | Some(Value::Null) => "text",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(GraphError::invalid_value(
                "type must be a string".to_owned(),
            ));
        }
    };
    match kind {
        "text" => {
            let text = v
                .get("text")
                .ok_or_else(|| GraphError::missing_parameter("text"))?;
            let body = str_field(text, "body", "text['body']")?;
            let chars = body.chars().count();
            if chars > MAX_TEXT_BODY_CHARS {
                return Err(GraphError::invalid_parameter(
                    format!(
                        "(#100) Param text['body'] must be at most {MAX_TEXT_BODY_CHARS} characters long."
                    ),
                    format!("text['body'] has {chars} characters"),
                ));
            }
            if body.is_empty() {
                return Err(GraphError::invalid_value(
                    "text['body'] is empty".to_owned(),
                ));
            }
            let context = match v.get("context") {
                None | Some(Value::Null) => None,
                Some(c) => Some(str_field(c, "message_id", "context['message_id']")?.to_owned()),
            };
            Ok(SendRequest::Text {
                input,
                to,
                body: body.to_owned(),
                context,
                callback_data: callback_data(&v)?,
            })
        }
        "reaction" => {
            let r = v
                .get("reaction")
                .ok_or_else(|| GraphError::missing_parameter("reaction"))?;
            Ok(SendRequest::Reaction {
                input,
                to,
                message_id: str_field(r, "message_id", "reaction['message_id']")?.to_owned(),
                emoji: str_field(r, "emoji", "reaction['emoji']")?.to_owned(),
                callback_data: callback_data(&v)?,
            })
        }
        "template" => template_requests::parse_template_send(&v, input, to, callback_data(&v)?),
        other => Err(GraphError::invalid_value(format!(
            "message type \"{other}\" is not supported by this simulation (text, reaction, template)"
        ))),
    }
}

/// Meta's success response for a send. A template send's message also says
/// `"message_status": "accepted"`, as in Meta's example.
pub fn send_response(input: &str, to: &PhoneNumber, wamid: &str, template: bool) -> HttpResponse {
    let message = if template {
        json!({ "id": wamid, "message_status": "accepted" })
    } else {
        json!({ "id": wamid })
    };
    HttpResponse::json(
        200,
        &json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": input, "wa_id": to.wa_id() }],
            "messages": [message]
        }),
    )
}

/// Meta's response to mark-as-read.
pub fn success_response() -> HttpResponse {
    HttpResponse::json(200, &json!({ "success": true }))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn parse(v: Value) -> Result<SendRequest, GraphError> {
        parse_send(v.to_string().as_bytes())
    }

    #[test]
    fn parses_text_reaction_and_read() {
        assert!(matches!(
            parse(json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"+1 650 555 1234","type":"text","text":{"preview_url":false,"body":"hi"}})),
            Ok(SendRequest::Text { ref input, ref body, .. }) if input == "+1 650 555 1234" && body == "hi"
        ));
        assert!(matches!(
            parse(
                json!({"messaging_product":"whatsapp","to":"16505551234","type":"reaction","reaction":{"message_id":"wamid.x","emoji":"👍"}})
            ),
            Ok(SendRequest::Reaction { .. })
        ));
        assert_eq!(
            parse(json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.x"})),
            Ok(SendRequest::MarkRead {
                message_id: "wamid.x".into(),
                typing: false
            })
        );
    }

    #[test]
    fn each_bad_input_has_its_error() {
        assert_eq!(parse_send(b"{nope").unwrap_err().code, 100);
        assert_eq!(parse(json!([])).unwrap_err().code, 100);
        assert_eq!(parse(json!({"to":"16505551234"})).unwrap_err().code, 131008);
        let e = parse(json!({"messaging_product":"sms","to":"16505551234","text":{"body":"x"}}))
            .unwrap_err();
        assert_eq!((e.code, e.http_status), (100, 400));
        assert_eq!(
            parse(json!({"messaging_product":"whatsapp","to":"16505551234","type":"text"}))
                .unwrap_err()
                .code,
            131008
        );
        let long = "é".repeat(MAX_TEXT_BODY_CHARS + 1);
        let e =
            parse(json!({"messaging_product":"whatsapp","to":"16505551234","text":{"body":long}}))
                .unwrap_err();
        assert_eq!(e.code, 100);
        assert!(e.message.contains("4096"));
        let exact = "é".repeat(MAX_TEXT_BODY_CHARS);
        assert!(
            parse(json!({"messaging_product":"whatsapp","to":"16505551234","text":{"body":exact}}))
                .is_ok()
        );
        assert_eq!(
            parse(json!({"messaging_product":"whatsapp","to":"abc","text":{"body":"x"}}))
                .unwrap_err()
                .code,
            131009
        );
    }

    #[test]
    fn routes_and_tokens() {
        let req = |m: &str, p: &str| HttpRequest {
            method: m.into(),
            path: p.into(),
            headers: vec![("authorization".into(), "Bearer abc ".into())],
            body: vec![],
        };
        assert_eq!(
            route(&req("POST", "/v21.0/1065/messages")).unwrap(),
            Route::Messages {
                phone_number_id: "1065".to_owned()
            }
        );
        assert_eq!(
            route(&req("GET", "/v21.0/1022/message_templates?limit=5")).unwrap(),
            Route::ListTemplates {
                waba_id: "1022".to_owned()
            }
        );
        assert_eq!(
            route(&req("POST", "/v21.0/1022/message_templates")).unwrap(),
            Route::CreateTemplate {
                waba_id: "1022".to_owned()
            }
        );
        assert!(route(&req("DELETE", "/v21.0/1022/message_templates")).is_err());
        assert!(route(&req("GET", "/v21.0/1065/messages")).is_err());
        assert!(route(&req("POST", "/21.0/1065/messages")).is_err());
        assert!(route(&req("POST", "/v21.0/1065/media")).is_err());
        assert_eq!(bearer_token(&req("POST", "/")), Some("abc"));
        let r = GraphError::unknown_object("42").to_response("AbC");
        let body = r.body_json().unwrap();
        assert_eq!(r.status, 400);
        assert_eq!(body["error"]["error_subcode"], 33);
        assert_eq!(body["error"]["fbtrace_id"], "AbC");
    }
}
