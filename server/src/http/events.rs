//! `GET /control/v1/events`: the live stream, as server-sent events. Each
//! trace event the parties record is one SSE event named `trace` whose data
//! is the event's JSON (the same as `GET /control/v1/trace` returns). A
//! reader too slow to keep up gets a `lagged` event saying how many it
//! missed (it can fetch them from `/control/v1/trace`); a comment every 15 s
//! keeps idle connections open.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::broadcast::error::RecvError;

use super::AppState;

/// Streams trace events as they are recorded.
pub async fn stream(State(state): State<AppState>) -> Response {
    let receiver = state.engine.events();
    let events = stream::unfold(receiver, |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(json) => Event::default().event("trace").data(&*json),
            Err(RecvError::Lagged(n)) => Event::default()
                .event("lagged")
                .data(format!("{{\"missed\":{n}}}")),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok::<_, Infallible>(event), receiver))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
