//! The HTTP front: one port for everything.
//!
//! | path | what | file |
//! |---|---|---|
//! | `/{version}/{phone-number-id}/messages`, `/{version}/{waba-id}/message_templates` | the Graph API, answered by the Cloud API party | `graph.rs` |
//! | `/{version}/{app-id}/subscriptions` | the app's webhook subscription (Meta's shape), with the handshake | `subscriptions.rs` |
//! | `/control/v1/...` | what a test suite needs and Meta has no endpoint for | `control.rs` |
//! | `/control/v1/events` | the live stream (server-sent events) | `events.rs` |
//! | `/workshop/v1/room`, `/workshop/v1/join.svg` | the join URL, its QR code and the businesses, for anyone in the room (no token) | `room.rs` |
//! | `/transport/v1/ws` | the WhatsApp transport for phones that run their own client (WebSocket) | `transport.rs` |
//! | anything else | the Yew app, from the Trunk build | `mod.rs` |
//!
//! Limits: request line and headers 16 KiB ([`MAX_HEADER_BYTES`], 431) and 10 s to
//! send them; bodies 1 MiB on the Graph API ([`MAX_GRAPH_BODY`]), 64 KiB on
//! the control API and the subscription call; at most [`MAX_CONNECTIONS`]
//! connections at once.

mod control;
pub mod errors;
mod events;
mod graph;
#[cfg(test)]
mod openapi_check;
mod room;
mod subscriptions;
pub mod transport;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::actor::EngineHandle;

/// The most bytes of request line and headers a request may have.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The most bytes the HTTP layer buffers while reading a request's head.
pub const MAX_HEAD_BUFFER: usize = 64 * 1024;
/// The largest Graph API body.
pub const MAX_GRAPH_BODY: usize = 1024 * 1024;
/// The largest control API body.
pub const MAX_CONTROL_BODY: usize = 64 * 1024;
/// Connections served at once; more wait to be accepted.
pub const MAX_CONNECTIONS: usize = 1024;
/// How much of an oversized body is read and thrown away before the 413, so
/// that the client sees the answer and its connection stays usable; past
/// this the connection is closed.
pub const MAX_DISCARDED_BODY: usize = 16 * 1024 * 1024;
/// How long a client may take to send its request line and headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The engine thread.
    pub engine: EngineHandle,
    /// The Trunk build of the app, if there is one.
    pub app_dir: Option<PathBuf>,
    /// The bearer token the control API requires, if any.
    pub control_token: Option<Arc<str>>,
    /// The phones' join URL (`--workshop`).
    pub join_url: Option<Arc<str>>,
}

/// A body read whole, up to `limit` bytes; `None` when it is longer (what
/// follows the limit is read and dropped, up to [`MAX_DISCARDED_BODY`]).
pub async fn read_body(body: axum::body::Body, limit: usize) -> Option<bytes::Bytes> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut kept = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return None;
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen > limit.saturating_add(MAX_DISCARDED_BODY) {
            return None;
        }
        if seen <= limit {
            kept.extend_from_slice(&data);
        }
    }
    (seen <= limit).then(|| kept.freeze())
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let control = control::router().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        control::authorize,
    ));
    Router::new()
        .route("/transport/v1/ws", axum::routing::get(transport::handle))
        .route("/workshop/v1/room", axum::routing::get(room::room))
        .route("/workshop/v1/join.svg", axum::routing::get(room::join_svg))
        .nest("/control/v1", control)
        .fallback(fallback)
        .layer(axum::middleware::from_fn(limit_head))
        .with_state(state)
}

/// Refuses a request whose target and headers together exceed
/// [`MAX_HEADER_BYTES`] with 431 and Meta's error JSON. (The HTTP layer
/// below stops reading at [`MAX_HEAD_BUFFER`], whatever arrives.)
async fn limit_head(request: Request, next: axum::middleware::Next) -> Response {
    let size = request.uri().to_string().len()
        + request
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if size > MAX_HEADER_BYTES {
        return errors::headers_too_large(MAX_HEADER_BYTES);
    }
    next.run(request).await
}

/// Whether a path's first segment is a Graph API version (`v21.0`, `v24.0`).
fn is_graph_path(path: &str) -> bool {
    let first = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    let Some(version) = first.strip_prefix('v') else {
        return false;
    };
    let (major, minor) = version.split_once('.').unwrap_or((version, "0"));
    !major.is_empty()
        && !minor.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && minor.bytes().all(|b| b.is_ascii_digit())
}

async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if is_graph_path(&path) {
        if path.trim_end_matches('/').ends_with("/subscriptions") {
            return subscriptions::handle(state, request).await;
        }
        return graph::handle(state, request).await;
    }
    if path == "/control" || path.starts_with("/control/") {
        return errors::control(
            404,
            "UNKNOWN_PATH",
            format!("no control endpoint at {path}"),
        );
    }
    match &state.app_dir {
        Some(dir)
            if request.method() == axum::http::Method::GET
                || request.method() == axum::http::Method::HEAD =>
        {
            let serve = ServeDir::new(dir).append_index_html_on_directories(true);
            match serve.oneshot(request).await {
                Ok(r) if r.status() != axum::http::StatusCode::NOT_FOUND => r.into_response(),
                _ => errors::unknown_path(&path),
            }
        }
        Some(_) => errors::unknown_path(&path),
        None if path == "/" => axum::response::Html(NO_APP).into_response(),
        None => errors::unknown_path(&path),
    }
}

const NO_APP: &str = "<!doctype html><meta charset=utf-8><title>cipherflow serve</title>\
<h1>cipherflow serve</h1><p>The Graph API and the control API are up on this port. \
The app was not found: build it with <code>./scripts/demo.sh</code> (or <code>trunk build --release</code>) \
and start the server from the repository, or pass <code>--app DIR</code>.</p>\
<p>Control API: <a href=\"/control/v1/openapi.json\">/control/v1/openapi.json</a></p>";

/// Serves `router` on `listener` until the process ends.
pub async fn serve(listener: TcpListener, router: Router) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return Ok(());
        };
        let (stream, _peer): (_, SocketAddr) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors and the like: wait, then go on.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEAD_BUFFER)
                .serve_connection(TokioIo::new(stream), service)
                // The transport's WebSocket upgrades its connection.
                .with_upgrades();
            let _ = connection.await;
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_paths_start_with_a_version() {
        for p in ["/v21.0/1/messages", "/v24.0/", "/v3/x"] {
            assert!(is_graph_path(p), "{p}");
        }
        for p in [
            "/",
            "/index.html",
            "/vx.0/a",
            "/v.1/a",
            "/v21./a",
            "/control/v1",
            "/video.mp4",
        ] {
            assert!(!is_graph_path(p), "{p}");
        }
    }
}
