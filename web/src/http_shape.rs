//! HTTP-shaped values between JS and the simulation: a request is `{ method,
//! path, headers?, body? }` as a Graph API client would send it; a response is
//! `{ status, headers, body, json }`.

use cipherflow_flow::http::{HttpRequest, HttpResponse};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::args;
use crate::error::invalid_argument;
use crate::output;

/// Reads `{ method, path, headers?, body? }`. `headers` is an object of strings
/// or an array of `[name, value]` pairs; `body` is a string, a `Uint8Array`, or
/// any other JSON value (sent as its `JSON.stringify`).
pub fn request(value: &JsValue) -> Result<HttpRequest, JsValue> {
    if !value.is_object() || Array::is_array(value) || value.is_function() {
        return Err(invalid_argument(
            "request must be an object { method, path, headers?, body? }",
        ));
    }
    let field = |name: &str| Reflect::get(value, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let method = args::string(&field("method"), "request.method")?;
    let path = args::string(&field("path"), "request.path")?;
    let headers = headers(&field("headers"))?;
    let body = body(&field("body"))?;
    Ok(HttpRequest {
        method,
        path,
        headers,
        body,
    })
}

fn headers(value: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    // Read through JSON.stringify, which catches throwing getters and proxies.
    let bad =
        || invalid_argument("request.headers must be an object of strings or [name, value] pairs");
    let json = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(bad)?;
    let parsed: serde_json::Value = serde_json::from_slice(json.as_bytes()).map_err(|_| bad())?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned).ok_or_else(bad);
    match parsed {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(name, v)| Ok((name.clone(), text(v)?)))
            .collect(),
        serde_json::Value::Array(pairs) => pairs
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([name, v]) => Ok((text(name)?, text(v)?)),
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

fn body(value: &JsValue) -> Result<Vec<u8>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if value.is_instance_of::<js_sys::Uint8Array>() {
        return args::bytes(value, "request.body");
    }
    let json = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| invalid_argument("request.body is not JSON-serializable"))?;
    Ok(json.into_bytes())
}

/// `{ status, headers, body, json }`: `body` is the text, `json` its parse (or
/// `null` when the body is not JSON).
pub fn response(response: &HttpResponse) -> Result<JsValue, JsValue> {
    let out = Object::new();
    output::set(&out, "status", &JsValue::from(response.status));
    let headers = Object::new();
    for (name, value) in &response.headers {
        output::set(&headers, name, &value.into());
    }
    output::set(&out, "headers", &headers.into());
    output::set(
        &out,
        "body",
        &String::from_utf8_lossy(&response.body).as_ref().into(),
    );
    let json = match response.body_json() {
        Some(v) => output::plain(&v)?,
        None => JsValue::NULL,
    };
    output::set(&out, "json", &json);
    Ok(out.into())
}
