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
use futures_util::{StreamExt, stream};
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

/// `?since=N` of the follow stream.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowQuery {
    #[serde(default)]
    since: u64,
}

/// `GET /control/v1/follow?since=N`: what a replica needs to rebuild the
/// world and keep up with it. First a `world` event (the seed and settings),
/// then one `input` event per journal row from `since` on (`{seq, at_ms,
/// input}`), as they are journaled; and twice a second while time passes a
/// `clock` event (`{now_ms, digest}`): a replica that applied every input
/// at its `at_ms` and moved its clock to `now_ms` has this state digest.
/// A reader that falls behind gets `resync` and should start again.
pub async fn follow(
    State(state): State<AppState>,
    super::control::Params(q): super::control::Params<FollowQuery>,
) -> Response {
    let start = match state.engine.follow(q.since).await {
        Ok(Ok(start)) => start,
        Ok(Err(e)) => return super::errors::control_engine(&e),
        Err(gone) => return super::errors::control(503, "UNAVAILABLE", gone.to_string()),
    };
    let head = std::iter::once(
        Event::default()
            .event("world")
            .data(start.world.to_string()),
    )
    .chain(
        start
            .backlog
            .into_iter()
            .map(|row| Event::default().event("input").data(&*row)),
    )
    .map(Ok::<_, Infallible>);
    let tail = stream::unfold(Some(start.next), |receiver| async move {
        let mut receiver = receiver?;
        let event = match receiver.recv().await {
            Ok(e) => Event::default().event(e.kind).data(&*e.data),
            Err(RecvError::Lagged(n)) => {
                let e = Event::default()
                    .event("resync")
                    .data(format!("{{\"missed\":{n}}}"));
                return Some((Ok(e), None));
            }
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), Some(receiver)))
    });
    Sse::new(stream::iter(head).chain(tail))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
