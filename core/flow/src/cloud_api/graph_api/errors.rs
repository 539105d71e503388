//! Graph API errors as Meta answers them: an HTTP status and Meta's `error`
//! object (`message` = "(#code) title", `type`, `code`, `error_subcode`
//! where Meta has one, `error_data.details`, `fbtrace_id`). Every code the
//! Cloud API can answer with is made here, so FLOW.md can list them.

use serde_json::json;

use crate::http::HttpResponse;

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

    /// 400, code 2500: a path the Graph API does not have.
    pub fn unknown_path(path: &str) -> Self {
        Self::new(
            400,
            "OAuthException",
            2500,
            format!("Unknown path components: {path}"),
            "Use POST /{version}/{phone-number-id}/messages, or GET or POST /{version}/{waba-id}/message_templates.".to_owned(),
        )
    }

    fn coded(http_status: u16, code: u32, title: &str, details: String) -> Self {
        Self::new(
            http_status,
            "OAuthException",
            code,
            format!("(#{code}) {title}"),
            details,
        )
    }

    /// 400, code 130429: the number's throughput (80 messages per second) is
    /// used up. With subcode 2494055, as in Meta's example.
    pub fn throughput() -> Self {
        let mut e = Self::coded(
            400,
            130429,
            "Rate limit hit",
            "Cloud API message throughput has been reached.".to_owned(),
        );
        e.subcode = Some(2494055);
        e
    }

    /// 400, code 131056: too many messages to one consumer in a short time.
    pub fn pair_rate_limit() -> Self {
        Self::coded(
            400,
            131056,
            "(Business Account, Consumer Account) pair rate limit hit",
            "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.".to_owned(),
        )
    }

    /// 400, code 132000: a template send fills the wrong number of parameters.
    pub fn template_param_count(part: &str, given: usize, expected: usize) -> Self {
        Self::coded(
            400,
            132000,
            "Number of parameters does not match the expected number of params",
            format!(
                "{part}: number of localizable_params ({given}) does not match the expected number of params ({expected})"
            ),
        )
    }

    /// 400, code 132001: no such template in that language, or not approved.
    pub fn template_missing(details: String) -> Self {
        Self::coded(
            400,
            132001,
            "Template name does not exist in the translation",
            details,
        )
    }

    /// 400, code 132005: the filled-in template is too long.
    pub fn template_too_long(details: String) -> Self {
        Self::coded(400, 132005, "Translated text too long", details)
    }

    /// 400, code 132012: a parameter is not of the template's format (text).
    pub fn template_parameter_format(details: String) -> Self {
        Self::coded(
            400,
            132012,
            "Parameter format does not match format in the created template",
            details,
        )
    }

    /// 400, code 100 with a subcode: a template Meta refuses at creation.
    pub fn template_creation(subcode: Option<u32>, details: String) -> Self {
        let mut e = Self::invalid_parameter("(#100) Invalid parameter".to_owned(), details);
        e.subcode = subcode;
        e
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
