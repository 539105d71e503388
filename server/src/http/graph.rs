//! The Graph API over HTTP: the request, as received (method, path and
//! query, headers, raw body), goes to the Cloud API party, which
//! authenticates it, checks it and answers in Meta's shapes. The server only
//! limits the body's size first.

use axum::extract::Request;
use axum::response::Response;
use cipherflow_flow::http::HttpRequest;

use super::{AppState, MAX_GRAPH_BODY, errors};
use crate::engine::{Applied, EngineError, Input};

/// Reads a request's parts and body (up to `limit` bytes).
pub async fn read(request: Request, limit: usize) -> Result<HttpRequest, Response> {
    let (parts, body) = request.into_parts();
    let body = super::read_body(body, limit)
        .await
        .ok_or_else(|| errors::too_large(limit))?;
    let headers = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    Ok(HttpRequest {
        method: parts.method.as_str().to_owned(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
        headers,
        body: body.to_vec(),
    })
}

/// `/{version}/...`: to the Cloud API.
pub async fn handle(state: AppState, request: Request) -> Response {
    let request = match read(request, MAX_GRAPH_BODY).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    match state.engine.apply(Input::Graph { request }).await {
        Ok(Ok(Applied::Http(response))) => errors::from_party(response),
        Ok(Ok(Applied::Json(_))) => errors::unavailable("unexpected answer".to_owned()),
        Ok(Err(e @ EngineError::Halted(_))) => errors::unavailable(e.to_string()),
        Ok(Err(e)) => errors::unavailable(e.to_string()),
        Err(gone) => errors::unavailable(gone.to_string()),
    }
}
