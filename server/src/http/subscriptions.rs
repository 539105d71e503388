//! `POST /{version}/{app-id}/subscriptions`, shaped like Meta's app
//! subscription call: `object=whatsapp_business_account`, `callback_url`,
//! `verify_token`, `fields`, authenticated with the app access token
//! `{app-id}|{app-secret}` (as `access_token` or a bearer header). The
//! server answers once the Cloud API's handshake against the URL is done:
//! `{"success": true}`, or Meta's code 2200 with what the endpoint answered.
//! `GET` lists the subscription. Parameters come from the query, a form body
//! or a JSON body.

use axum::extract::Request;
use axum::response::Response;
use cipherflow_flow::cloud_api::graph_api::GraphError;
use cipherflow_flow::http::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use super::graph::read;
use super::{AppState, MAX_CONTROL_BODY, errors};
use crate::engine::{Input, app_id};

/// A parameter from the query, or from the body (form or JSON).
fn param(request: &HttpRequest, name: &str) -> Option<String> {
    if let Some(v) = request.query(name) {
        return Some(v);
    }
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&request.body) {
        return match map.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            other => Some(other.to_string()),
        };
    }
    let form = HttpRequest {
        path: format!("/?{}", String::from_utf8_lossy(&request.body)),
        ..HttpRequest::json("POST", "/", &[], &Value::Null)
    };
    form.query(name)
}

fn token(request: &HttpRequest) -> Option<String> {
    param(request, "access_token").or_else(|| {
        let h = request.header("authorization")?;
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("OAuth "))
            .map(str::to_owned)
    })
}

/// The segments: `/{version}/{app-id}/subscriptions`.
fn app_of(path: &str) -> Option<String> {
    let mut parts = path.trim_matches('/').split('/');
    let (_version, app, last) = (parts.next()?, parts.next()?, parts.next()?);
    (last == "subscriptions" && parts.next().is_none()).then(|| app.to_owned())
}

/// Handles the call.
pub async fn handle(state: AppState, request: Request) -> Response {
    let request = match read(request, MAX_CONTROL_BODY).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    let Some(app) = app_of(request.path_only()) else {
        return errors::unknown_path(request.path_only());
    };
    let given = token(&request);
    let lookup = app.clone();
    let found = state
        .engine
        .read(move |engine| {
            let n = engine
                .sim()
                .cloud_api()
                .numbers()
                .find(|n| app_id(&n.ids.phone_number_id) == lookup)?;
            let url = engine
                .endpoint(&n.ids.phone_number_id)
                .map(|u| u.as_str().to_owned());
            Some((
                n.ids.phone_number_id.clone(),
                n.webhook.app_secret.clone(),
                url,
                n.webhook_verified,
            ))
        })
        .await;
    let Ok(found) = found else {
        return errors::unavailable("the engine has stopped".to_owned());
    };
    let Some((pnid, secret, url, verified)) = found else {
        return errors::graph(GraphError::unknown_object(&app));
    };
    if given.as_deref() != Some(format!("{app}|{secret}").as_str()) {
        return errors::invalid_token();
    }
    match request.method.as_str() {
        "GET" => {
            let data: Vec<Value> = url
                .into_iter()
                .map(|u| {
                    json!({
                        "object": "whatsapp_business_account",
                        "callback_url": u,
                        "active": verified,
                        "fields": [{ "name": "messages", "version": "v24.0" }],
                    })
                })
                .collect();
            errors::from_party(HttpResponse::json(200, &json!({ "data": data })))
        }
        "POST" => subscribe(state, &request, pnid).await,
        _ => errors::unknown_path(request.path_only()),
    }
}

async fn subscribe(state: AppState, request: &HttpRequest, pnid: String) -> Response {
    match param(request, "object").as_deref() {
        Some("whatsapp_business_account") => {}
        other => {
            return errors::invalid_parameter(format!(
                "object must be whatsapp_business_account, got {}",
                other.unwrap_or("nothing")
            ));
        }
    }
    let Some(url) = param(request, "callback_url") else {
        return errors::invalid_parameter("callback_url is required".to_owned());
    };
    let Some(verify_token) = param(request, "verify_token") else {
        return errors::invalid_parameter("verify_token is required".to_owned());
    };
    if let Err(e) = crate::engine::CallbackUrl::parse(&url) {
        return errors::invalid_parameter(e.to_string());
    }
    let input = Input::ConnectWebhook {
        phone_number_id: pnid,
        url,
        verify_token,
    };
    match state.engine.subscribe(input).await {
        Ok(Ok(h)) if h.verified => {
            errors::from_party(HttpResponse::json(200, &json!({ "success": true })))
        }
        Ok(Ok(h)) => errors::graph(GraphError {
            http_status: 400,
            message: format!(
                "(#2200) Callback verification failed with the following errors: {}",
                h.detail
            ),
            error_type: "OAuthException".to_owned(),
            code: 2200,
            subcode: None,
            details: "The endpoint must answer the GET with status 200 and exactly the hub.challenge value, when hub.verify_token matches.".to_owned(),
        }),
        Ok(Err(e)) => errors::invalid_parameter(e.to_string()),
        Err(gone) => errors::unavailable(gone.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parameters_come_from_the_query_a_form_or_json() {
        let q = HttpRequest {
            path: "/v24.0/7/subscriptions?callback_url=http%3A%2F%2Fa%2Fw&access_token=7%7Cs"
                .to_owned(),
            ..HttpRequest::json("POST", "/", &[], &Value::Null)
        };
        assert_eq!(param(&q, "callback_url").as_deref(), Some("http://a/w"));
        assert_eq!(token(&q).as_deref(), Some("7|s"));
        let form = HttpRequest {
            body: b"object=whatsapp_business_account&verify_token=a+b".to_vec(),
            ..HttpRequest::json(
                "POST",
                "/v24.0/7/subscriptions",
                &[("Authorization", "Bearer 7|s")],
                &Value::Null,
            )
        };
        assert_eq!(param(&form, "verify_token").as_deref(), Some("a b"));
        assert_eq!(token(&form).as_deref(), Some("7|s"));
        let json = HttpRequest::json(
            "POST",
            "/v24.0/7/subscriptions",
            &[],
            &json!({"fields": ["messages", "statuses"], "verify_token": "t"}),
        );
        assert_eq!(param(&json, "fields").as_deref(), Some("messages,statuses"));
        assert_eq!(param(&json, "missing"), None);
        assert_eq!(app_of("/v24.0/7123/subscriptions").as_deref(), Some("7123"));
        assert_eq!(app_of("/v24.0/7123/subscriptions/x"), None);
    }
}
