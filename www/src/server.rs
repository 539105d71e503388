//! The page's calls to the `cipherflow serve` it was loaded from: the
//! control token (taken from the address once, then removed from the
//! address bar, so a projector does not show it to the room), JSON GETs and
//! POSTs, and the answers' errors as text.

use std::cell::RefCell;

use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static TOKEN: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// A query parameter of the page's address.
pub fn search_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_owned)
}

/// The control token the page was opened with (`?token=`), if any. The
/// first call takes it from the address and removes it from the address
/// bar; later calls answer from memory.
pub fn control_token() -> Option<String> {
    TOKEN.with(|t| {
        t.borrow_mut()
            .get_or_insert_with(|| {
                let token = search_param("token");
                if token.is_some() {
                    hide_token();
                }
                token
            })
            .clone()
    })
}

/// Replaces the address with the same one without its `token`.
fn hide_token() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let (Ok(path), Ok(search)) = (location.pathname(), location.search()) else {
        return;
    };
    let kept: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("token="))
        .collect();
    let url = if kept.is_empty() {
        path
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// `path` with the control token, for the control API.
pub fn with_token(path: &str) -> String {
    match control_token() {
        Some(t) => format!(
            "{path}{}token={t}",
            if path.contains('?') { '&' } else { '?' }
        ),
        None => path.to_owned(),
    }
}

/// GETs `path` and reads its JSON (an error's message when it is not 2xx).
pub async fn get_json(path: &str) -> Result<Value, String> {
    let window = web_sys::window().ok_or("no window")?;
    answer(window.fetch_with_str(path)).await
}

/// POSTs `body` as JSON to `path` and reads the answer's JSON.
pub async fn post_json(path: &str, body: &Value) -> Result<Value, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body.to_string()));
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &headers,
        &JsValue::from_str("content-type"),
        &JsValue::from_str("application/json"),
    );
    init.set_headers(&headers);
    answer(window.fetch_with_str_and_init(path, &init)).await
}

async fn answer(fetch: js_sys::Promise) -> Result<Value, String> {
    let response = JsFuture::from(fetch)
        .await
        .map_err(|_| "the server did not answer".to_owned())?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| "not a response".to_owned())?;
    let text = JsFuture::from(response.text().map_err(|_| "no body".to_owned())?)
        .await
        .map_err(|_| "the body did not arrive".to_owned())?
        .as_string()
        .unwrap_or_default();
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if response.ok() {
        Ok(json)
    } else {
        Err(json["error"]["message"]
            .as_str()
            .map_or_else(|| format!("HTTP {}", response.status()), str::to_owned))
    }
}
