//! The control API, under `/control/v1`: what a test suite needs and Meta
//! has no endpoint for. `server/openapi.json` documents every route (served
//! at `/control/v1/openapi.json`). Consumers created here run the consumer
//! party inside the server, with real keys and real encryption; the transport
//! gets from them exactly what it would get from a phone.
//!
//! Bodies are JSON (`Content-Type: application/json`, at most
//! [`MAX_CONTROL_BODY`] bytes). Errors use Meta's envelope with a stable
//! `cipherflow_code` (`errors::control`). When the server has a control token
//! (`--control-token`, or one drawn and printed when it is bound to an
//! address other than loopback), every call needs `Authorization: Bearer
//! <token>`, or `?token=<token>` (for an `EventSource`, which cannot send
//! headers).

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cipherflow_flow::view::{View, ViewOptions};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{AppState, MAX_CONTROL_BODY, errors, events};
use crate::engine::{Applied, Engine, Input, number_json};

/// The OpenAPI description of this API.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// The most trace events one call returns.
pub const MAX_TRACE_PAGE: usize = 5_000;

/// A JSON body, read with the control API's limit and errors.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(request: Request, _: &S) -> Result<Self, Response> {
        let json = request
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(errors::control(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "the body must be JSON, sent with Content-Type: application/json".to_owned(),
            ));
        }
        let bytes = super::read_body(request.into_body(), MAX_CONTROL_BODY)
            .await
            .ok_or_else(|| {
                errors::control(
                    413,
                    "BODY_TOO_LARGE",
                    format!("control bodies are limited to {MAX_CONTROL_BODY} bytes"),
                )
            })?;
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| errors::control(400, "BAD_JSON", format!("the body does not parse: {e}")))
    }
}

/// The control routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/businesses", get(businesses).post(add_business))
        .route("/businesses/{pnid}/webhook", post(connect_webhook))
        .route("/businesses/{pnid}/messages", post(business_text))
        .route("/businesses/{pnid}/blast", post(business_blast))
        .route("/consumers", get(consumers).post(add_consumer))
        .route("/consumers/{number}/chats", get(chats))
        .route("/consumers/{number}/messages", post(send_text))
        .route("/consumers/{number}/reactions", post(react))
        .route("/consumers/{number}/read", post(read_chat))
        .route("/consumers/{number}/online", post(online))
        .route("/consumers/{number}/spam", post(report_spam))
        .route("/snapshot", get(snapshot))
        .route("/proof", get(proof))
        .route("/matrix", get(matrix))
        .route("/retention", get(retention))
        .route("/stats", get(stats))
        .route("/trace", get(trace))
        .route("/events", get(events::stream))
        .route("/follow", get(events::follow))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed(request: Request) -> Response {
    errors::control(
        405,
        "METHOD_NOT_ALLOWED",
        format!(
            "{} is not a method of {} (see /control/v1/openapi.json)",
            request.method(),
            request.uri().path()
        ),
    )
}

/// Requires the control token, when the server has one, as
/// `Authorization: Bearer <token>` (or `?token=` for an `EventSource`, which
/// cannot set headers).
pub async fn authorize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(token) = &state.control_token {
        let header = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let query = request.uri().query().and_then(|q| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix("token="))
                .map(str::to_owned)
        });
        let given = header.or(query).unwrap_or_default();
        if !same(given.as_bytes(), token.as_bytes()) {
            return errors::control(
                401,
                "UNAUTHORIZED",
                "this server's control API needs its token: Authorization: Bearer <token>"
                    .to_owned(),
            );
        }
    }
    next.run(request).await
}

/// Compares in time that does not depend on where the bytes differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Query parameters, with the control API's errors.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        // `token` is the guard's (for an EventSource), not the route's.
        let query: Vec<&str> = parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty() && *p != "token" && !p.starts_with("token="))
            .collect();
        let uri: axum::http::Uri = format!("/?{}", query.join("&")).parse().map_err(|_| {
            errors::control(400, "BAD_QUERY", "the query does not parse".to_owned())
        })?;
        Query::<T>::try_from_uri(&uri)
            .map(|Query(v)| Params(v))
            .map_err(|e| errors::control(400, "BAD_QUERY", e.body_text()))
    }
}

/// Runs an input and answers with what it returned.
async fn apply(state: &AppState, input: Input) -> Response {
    match state.engine.apply(input).await {
        Ok(Ok(Applied::Json(v))) => Json(v).into_response(),
        Ok(Ok(Applied::Http(r))) => errors::from_party(r),
        Ok(Err(e)) => errors::control_engine(&e),
        Err(gone) => errors::control(503, "UNAVAILABLE", gone.to_string()),
    }
}

/// Computes a JSON answer on the engine thread.
async fn read(state: &AppState, f: impl FnOnce(&mut Engine) -> Value + Send + 'static) -> Response {
    match state.engine.read(f).await {
        Ok(v) => Json(v).into_response(),
        Err(gone) => errors::control(503, "UNAVAILABLE", gone.to_string()),
    }
}

async fn health(State(state): State<AppState>) -> Response {
    read(&state, |e| {
        json!({
            "ok": e.halted().is_none(),
            "halted": e.halted(),
            "now_ms": e.now_ms(),
            "journal_rows": e.journal_len(),
            "webhooks_in_flight": e.in_flight(),
        })
    })
    .await
}

async fn openapi() -> Response {
    ([("content-type", "application/json")], OPENAPI).into_response()
}

async fn clock(State(state): State<AppState>) -> Response {
    read(
        &state,
        |e| json!({ "now_ms": e.now_ms(), "offset_ms": e.offset_ms() }),
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    ms: u64,
}

async fn advance(State(state): State<AppState>, Body(a): Body<Advance>) -> Response {
    apply(&state, Input::AdvanceClock { ms: a.ms }).await
}

async fn businesses(State(state): State<AppState>) -> Response {
    read(&state, |e| {
        let list: Vec<Value> = e
            .sim()
            .cloud_api()
            .numbers()
            .map(|n| {
                let mut v = number_json(n);
                v["webhook"] = json!({
                    "url": e.endpoint(&n.ids.phone_number_id).map(|u| u.as_str()),
                    "verified": n.webhook_verified,
                });
                v
            })
            .collect();
        json!({ "data": list })
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBusiness {
    number: String,
    name: String,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    app_secret: Option<String>,
    #[serde(default)]
    verify_token: Option<String>,
}

async fn add_business(State(state): State<AppState>, Body(b): Body<NewBusiness>) -> Response {
    let input = Input::AddBusiness {
        number: b.number,
        name: b.name,
        credentials: cipherflow_flow::BusinessCredentials {
            access_token: b.access_token,
            app_secret: b.app_secret,
            verify_token: b.verify_token,
        },
    };
    apply(&state, input).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Webhook {
    url: String,
    verify_token: String,
}

async fn connect_webhook(
    State(state): State<AppState>,
    Path(pnid): Path<String>,
    Body(w): Body<Webhook>,
) -> Response {
    if let Err(e) = crate::engine::CallbackUrl::parse(&w.url) {
        return errors::control(400, "BAD_CALLBACK_URL", e.to_string());
    }
    let input = Input::ConnectWebhook {
        phone_number_id: pnid,
        url: w.url,
        verify_token: w.verify_token,
    };
    match state.engine.subscribe(input).await {
        Ok(Ok(h)) => Json(json!({ "verified": h.verified, "detail": h.detail })).into_response(),
        Ok(Err(e)) => errors::control_engine(&e),
        Err(gone) => errors::control(503, "UNAVAILABLE", gone.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BusinessText {
    to: String,
    text: String,
}

/// The business's own server sends a text (the instructor's reply from the
/// projector): answered with the Graph API's answer to it.
async fn business_text(
    State(state): State<AppState>,
    Path(pnid): Path<String>,
    Body(t): Body<BusinessText>,
) -> Response {
    let input = Input::BusinessText {
        phone_number_id: pnid,
        to: t.to,
        text: t.text,
    };
    apply(&state, input).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Blast {
    text: String,
    count: u32,
}

async fn business_blast(
    State(state): State<AppState>,
    Path(pnid): Path<String>,
    Body(b): Body<Blast>,
) -> Response {
    let input = Input::BusinessBlast {
        phone_number_id: pnid,
        text: b.text,
        count: b.count,
    };
    apply(&state, input).await
}

async fn consumers(State(state): State<AppState>) -> Response {
    read(&state, |e| {
        let list: Vec<Value> = e
            .sim()
            .consumers()
            .values()
            .map(
                |c| json!({ "number": c.number().wa_id(), "name": c.name(), "online": c.online() }),
            )
            .collect();
        json!({ "data": list })
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewConsumer {
    number: String,
    name: String,
}

async fn add_consumer(State(state): State<AppState>, Body(c): Body<NewConsumer>) -> Response {
    apply(
        &state,
        Input::AddConsumer {
            number: c.number,
            name: c.name,
        },
    )
    .await
}

async fn chats(State(state): State<AppState>, Path(number): Path<String>) -> Response {
    let parsed = match cipherflow_flow::phone::PhoneNumber::parse(&number) {
        Ok(n) => n,
        Err(e) => return errors::control(400, "BAD_PHONE_NUMBER", e.to_string()),
    };
    let found = state
        .engine
        .read(move |e| {
            let c = e.sim().consumers().get(&parsed)?;
            let chats: Vec<Value> = c
                .chats()
                .iter()
                .map(|(business, chat)| {
                    let messages: Vec<_> = chat.iter().map(|b| b.to_message()).collect();
                    json!({ "business": business.wa_id(), "messages": messages })
                })
                .collect();
            Some(json!({ "number": c.number().wa_id(), "chats": chats }))
        })
        .await;
    match found {
        Ok(Some(v)) => Json(v).into_response(),
        Ok(None) => errors::control(
            404,
            "UNKNOWN_CONSUMER",
            format!("no consumer with number {number}"),
        ),
        Err(gone) => errors::control(503, "UNAVAILABLE", gone.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Text {
    to: String,
    text: String,
    #[serde(default)]
    reply_to: Option<String>,
}

async fn send_text(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Body(t): Body<Text>,
) -> Response {
    let input = Input::ConsumerText {
        consumer: number,
        to: t.to,
        text: t.text,
        reply_to: t.reply_to,
    };
    apply(&state, input).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reaction {
    to: String,
    message_id: String,
    emoji: String,
}

async fn react(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Body(r): Body<Reaction>,
) -> Response {
    let input = Input::ConsumerReact {
        consumer: number,
        to: r.to,
        message_id: r.message_id,
        emoji: r.emoji,
    };
    apply(&state, input).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Business {
    business: String,
}

async fn read_chat(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Body(b): Body<Business>,
) -> Response {
    let input = Input::ConsumerRead {
        consumer: number,
        business: b.business,
    };
    apply(&state, input).await
}

async fn report_spam(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Body(b): Body<Business>,
) -> Response {
    let input = Input::ConsumerReportSpam {
        consumer: number,
        business: b.business,
    };
    apply(&state, input).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Online {
    online: bool,
}

async fn online(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Body(o): Body<Online>,
) -> Response {
    let input = Input::ConsumerOnline {
        consumer: number,
        online: o.online,
    };
    apply(&state, input).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotQuery {
    #[serde(default)]
    list_limit: Option<usize>,
}

async fn snapshot(State(state): State<AppState>, Params(q): Params<SnapshotQuery>) -> Response {
    read(&state, move |e| {
        let options = ViewOptions {
            list_limit: q.list_limit.unwrap_or(500).clamp(1, 10_000),
            ..ViewOptions::default()
        };
        serde_json::to_value(View::of(e.sim(), &options)).unwrap_or(Value::Null)
    })
    .await
}

async fn proof(State(state): State<AppState>) -> Response {
    read(&state, |e| {
        serde_json::to_value(e.sim().proof()).unwrap_or(Value::Null)
    })
    .await
}

async fn matrix(State(state): State<AppState>) -> Response {
    read(&state, |e| {
        serde_json::to_value(e.sim().visibility()).unwrap_or(Value::Null)
    })
    .await
}

async fn retention(State(state): State<AppState>) -> Response {
    read(&state, |e| {
        serde_json::to_value(e.sim().retention_check()).unwrap_or(Value::Null)
    })
    .await
}

async fn stats(State(state): State<AppState>) -> Response {
    read(&state, |e| {
        serde_json::to_value(e.sim().delivery_stats()).unwrap_or(Value::Null)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TraceQuery {
    #[serde(default)]
    since: u64,
    #[serde(default)]
    limit: Option<usize>,
}

async fn trace(State(state): State<AppState>, Params(q): Params<TraceQuery>) -> Response {
    read(&state, move |e| {
        let trace = e.sim().trace();
        let limit = q.limit.unwrap_or(1_000).min(MAX_TRACE_PAGE);
        let from = trace.events.partition_point(|ev| ev.seq < q.since);
        let page = trace.events.get(from..).unwrap_or_default();
        let page = page.get(..limit.min(page.len())).unwrap_or_default();
        json!({
            "total": trace.total,
            "events": page,
            "next": page.last().map_or(q.since, |ev| ev.seq + 1),
        })
    })
    .await
}
