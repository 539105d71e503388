//! Errors the server answers itself, before a request reaches the Cloud API
//! party: in Meta's `error` envelope for everything a Graph API client may
//! call, and in the same envelope with a stable `cipherflow_code` for the
//! control API. Never a stack trace, never the request's content.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cipherflow_flow::SimError;
use cipherflow_flow::cloud_api::graph_api::GraphError;
use cipherflow_flow::http::HttpResponse;
use serde_json::json;

use crate::engine::EngineError;

/// An `fbtrace_id` for an error the server answers itself: 11 random
/// base64url characters, as Meta's look.
pub fn fbtrace_id() -> String {
    let mut raw = [0u8; 8];
    let _ = getrandom::fill(&mut raw);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut n = u64::from_be_bytes(raw);
    (0..11)
        .map(|_| {
            let c = alphabet[(n % 64) as usize] as char;
            n /= 64;
            c
        })
        .collect()
}

/// Converts the parties' HTTP response into axum's.
pub fn from_party(r: HttpResponse) -> Response {
    let mut builder = Response::builder().status(r.status);
    for (k, v) in &r.headers {
        if !k.eq_ignore_ascii_case("content-length") {
            builder = builder.header(k.as_str(), v.as_str());
        }
    }
    builder
        .body(axum::body::Body::from(r.body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// A Graph API error answered by the server.
pub fn graph(e: GraphError) -> Response {
    from_party(e.to_response(&fbtrace_id()))
}

fn coded(http_status: u16, code: u32, message: &str, details: String) -> GraphError {
    GraphError {
        http_status,
        message: message.to_owned(),
        error_type: "OAuthException".to_owned(),
        code,
        subcode: None,
        details,
    }
}

/// 413, code 100: the body is over the limit.
pub fn too_large(limit: usize) -> Response {
    graph(coded(
        413,
        100,
        "(#100) Request body too large",
        format!("Request bodies are limited to {limit} bytes."),
    ))
}

/// 431, code 100: the request's target and headers are over the limit.
pub fn headers_too_large(limit: usize) -> Response {
    graph(coded(
        431,
        100,
        "(#100) Request headers too large",
        format!("The request line and headers are limited to {limit} bytes."),
    ))
}

/// 503, code 2: the service cannot take requests now.
pub fn unavailable(details: String) -> Response {
    graph(coded(
        503,
        2,
        "(#2) Service temporarily unavailable",
        details,
    ))
}

/// 400, code 100: a bad parameter of a call the server answers itself.
pub fn invalid_parameter(details: String) -> Response {
    graph(GraphError {
        message: "(#100) Invalid parameter".to_owned(),
        ..coded(400, 100, "", details)
    })
}

/// 400, code 2500: a path nobody answers.
pub fn unknown_path(path: &str) -> Response {
    graph(GraphError::unknown_path(path))
}

/// 401, code 190: no or a wrong access token.
pub fn invalid_token() -> Response {
    graph(GraphError::invalid_token())
}

/// A control API error: Meta's envelope, `type: "CipherflowControlException"`,
/// and a stable `cipherflow_code`.
pub fn control(status: u16, cipherflow_code: &str, message: String) -> Response {
    let body = json!({
        "error": {
            "message": message,
            "type": "CipherflowControlException",
            "code": status,
            "cipherflow_code": cipherflow_code,
            "fbtrace_id": fbtrace_id(),
        }
    });
    from_party(HttpResponse::json(status, &body))
}

/// An engine error as a control API answer.
pub fn control_engine(e: &EngineError) -> Response {
    match e {
        EngineError::Refused(sim) => {
            let (status, code) = match sim {
                SimError::PhoneNumber(_) => (400, "BAD_PHONE_NUMBER"),
                SimError::UnknownConsumer(_) => (404, "UNKNOWN_CONSUMER"),
                SimError::UnknownBusiness(_) => (404, "UNKNOWN_BUSINESS"),
                SimError::NumberTaken(_) => (409, "NUMBER_TAKEN"),
                SimError::NotRegistered(_) => (404, "NOT_REGISTERED"),
                SimError::BadText { .. } => (400, "BAD_TEXT"),
                SimError::UnknownMessage(_) => (404, "UNKNOWN_MESSAGE"),
                SimError::ClockBackwards => (400, "CLOCK_BACKWARDS"),
                // Phones on the transport's WebSocket get the gate's own codes
                // in error frames; no control route attaches a device.
                SimError::DeviceNotAttached(_) | SimError::WrongSender { .. } => {
                    (400, "DEVICE_REFUSED")
                }
                SimError::Faults(_) | SimError::Retention(_) | SimError::WebhookPolicy(_) => {
                    (400, "BAD_SETTING")
                }
            };
            control(status, code, e.to_string())
        }
        EngineError::Url(_) => control(400, "BAD_CALLBACK_URL", e.to_string()),
        EngineError::Device(_) => control(400, "DEVICE_REFUSED", e.to_string()),
        EngineError::Blast(_) => control(400, "BAD_BLAST", e.to_string()),
        EngineError::Halted(_) | EngineError::Store(_) | EngineError::BadJournal { .. } => {
            control(503, "UNAVAILABLE", e.to_string())
        }
    }
}
