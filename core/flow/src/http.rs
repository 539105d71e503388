//! HTTP-shaped requests and responses: method, path, headers and raw body bytes.
//!
//! Both the Cloud API and the business's webhook receiver take these, so client
//! code written against the real Graph API can be pointed at the simulation.

use serde::{Deserialize, Serialize};

/// An HTTP request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path with optional query string, e.g. `/v21.0/106540352242922/messages`.
    pub path: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    #[serde(with = "body_text")]
    pub body: Vec<u8>,
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    #[serde(with = "body_text")]
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A request with a JSON body and `Content-Type: application/json`.
    pub fn json(
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> Self {
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        all.push(("Content-Type".to_owned(), "application/json".to_owned()));
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: all,
            body: body.to_string().into_bytes(),
        }
    }

    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without its query string.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }

    /// A query parameter, percent-decoded (`+` is a space).
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.path.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k) == name).then(|| percent_decode(v))
        })
    }
}

impl HttpResponse {
    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A plain-text response.
    pub fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Bodies serialize as UTF-8 text when they are text (all JSON is), else as
/// `{"base64": ...}`-free hex with a `hex:` prefix, so traces stay readable.
pub(crate) mod body_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(body) {
            Ok(text) if !text.starts_with("hex:") => s.serialize_str(text),
            _ => s.serialize_str(&format!("hex:{}", hex::encode(body))),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        match text.strip_prefix("hex:") {
            Some(h) => hex::decode(h).map_err(serde::de::Error::custom),
            None => Ok(text.into_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        let r = HttpRequest {
            method: "GET".into(),
            path: "/webhook?hub.mode=subscribe&hub.verify_token=a%20b+c&hub.challenge=1158201444"
                .into(),
            headers: vec![],
            body: vec![],
        };
        assert_eq!(r.path_only(), "/webhook");
        assert_eq!(r.query("hub.mode").as_deref(), Some("subscribe"));
        assert_eq!(r.query("hub.verify_token").as_deref(), Some("a b c"));
        assert_eq!(r.query("hub.challenge").as_deref(), Some("1158201444"));
        assert_eq!(r.query("missing"), None);
    }

    #[test]
    fn headers_are_case_insensitive() {
        let r = HttpRequest::json(
            "POST",
            "/x",
            &[("Authorization", "Bearer t")],
            &serde_json::json!({}),
        );
        assert_eq!(r.header("authorization"), Some("Bearer t"));
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
}
