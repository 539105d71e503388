//! The Cloud API's Graph-API surface: `POST /{version}/{phone-number-id}/messages`
//! with bearer auth, parsed into typed requests, and Meta-style errors.
//!
//! Parsing is complete before anything changes: a request either yields a
//! [`SendRequest`] or a [`GraphError`], and the simulation acts only on the former.

use serde_json::{Value, json};

use crate::http::{HttpRequest, HttpResponse};
use crate::phone::PhoneNumber;

/// The longest text body Meta accepts, in characters.
pub const MAX_TEXT_BODY_CHARS: usize = 4096;

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
    },
    /// `status: "read"`: mark an inbound message as read.
    MarkRead {
        /// The inbound wamid.
        message_id: String,
    },
}

/// A Graph API error: HTTP status plus Meta's `error` object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GraphError {
    /// HTTP status.
    pub http_status: u16,
    /// `error.message`.
    pub message: String,
    /// `error.type`.
    pub error_type: String,
    /// `error.code`.
    pub code: u32,
    /// `error.error_subcode`, when Meta sends one.
    pub subcode: Option<u32>,
    /// `error.error_data.details`.
    pub details: String,
}

impl GraphError {
    fn new(
        http_status: u16,
        error_type: &str,
        code: u32,
        message: String,
        details: String,
    ) -> Self {
        Self {
            http_status,
            message,
            error_type: error_type.to_owned(),
            code,
            subcode: None,
            details,
        }
    }

    /// 401, code 190: the access token is missing or wrong.
    pub fn invalid_token() -> Self {
        Self::new(
            401,
            "OAuthException",
            190,
            "Invalid OAuth access token - Cannot parse access token".to_owned(),
            "The access token is missing, malformed or not valid for this phone number.".to_owned(),
        )
    }

    /// 400, code 100, subcode 33: no such phone number id.
    pub fn unknown_object(id: &str) -> Self {
        let mut e = Self::new(
            400,
            "GraphMethodException",
            100,
            format!(
                "Unsupported post request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
            ),
            format!("Unknown phone number id {id}"),
        );
        e.subcode = Some(33);
        e
    }

    /// 400, code 100: an invalid parameter.
    pub fn invalid_parameter(message: String, details: String) -> Self {
        Self::new(400, "OAuthException", 100, message, details)
    }

    /// 400, code 131008: a required parameter is missing.
    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            400,
            "OAuthException",
            131008,
            "(#131008) Required parameter is missing".to_owned(),
            format!("The parameter {name} is required."),
        )
    }

    /// 400, code 131009: a parameter value is not valid.
    pub fn invalid_value(details: String) -> Self {
        Self::new(
            400,
            "OAuthException",
            131009,
            "(#131009) Parameter value is not valid".to_owned(),
            details,
        )
    }

    /// 400, code 2500: a path that is not `POST /{version}/{phone-number-id}/messages`.
    pub fn unknown_path(path: &str) -> Self {
        Self::new(
            400,
            "OAuthException",
            2500,
            format!("Unknown path components: {path}"),
            "Use POST /{version}/{phone-number-id}/messages.".to_owned(),
        )
    }

    /// The HTTP response, with Meta's `error` envelope.
    pub fn to_response(&self, fbtrace_id: &str) -> HttpResponse {
        let mut error = json!({
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
            "error_data": { "messaging_product": "whatsapp", "details": self.details },
            "fbtrace_id": fbtrace_id
        });
        if let (Some(sub), Some(obj)) = (self.subcode, error.as_object_mut()) {
            obj.insert("error_subcode".to_owned(), json!(sub));
        }
        HttpResponse::json(self.http_status, &json!({ "error": error }))
    }
}

/// `(version, phone_number_id)` from `POST /{version}/{phone-number-id}/messages`.
pub fn route(req: &HttpRequest) -> Result<(String, String), GraphError> {
    let path = req.path_only();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        [version, id, "messages"] if is_version(version) && !id.is_empty() => {
            if !req.method.eq_ignore_ascii_case("POST") {
                return Err(GraphError::unknown_path(path));
            }
            Ok(((*version).to_owned(), (*id).to_owned()))
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

fn str_field<'a>(v: &'a Value, name: &str, shown: &str) -> Result<&'a str, GraphError> {
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
        return Ok(SendRequest::MarkRead { message_id });
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
            Ok(SendRequest::Text {
                input,
                to,
                body: body.to_owned(),
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
            })
        }
        other => Err(GraphError::invalid_value(format!(
            "message type \"{other}\" is not supported by this simulation (text, reaction)"
        ))),
    }
}

/// Meta's success response for a send.
pub fn send_response(input: &str, to: &PhoneNumber, wamid: &str) -> HttpResponse {
    HttpResponse::json(
        200,
        &json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": input, "wa_id": to.wa_id() }],
            "messages": [{ "id": wamid }]
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
                message_id: "wamid.x".into()
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
            ("v21.0".to_owned(), "1065".to_owned())
        );
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
