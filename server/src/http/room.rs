//! What anyone in the room may read, without the control token: the
//! workshop's join URL (and its QR code), and the businesses a phone can
//! write to (a business's number is public, as on WhatsApp). The phone page
//! lists the businesses from here, so a phone on the LAN needs no token.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{AppState, errors};

/// `GET /workshop/v1/room`: `{ "join_url": "http://…/?phone" | null,
/// "businesses": [{ "name", "display_phone_number" }] }`.
pub async fn room(State(state): State<AppState>) -> Response {
    let join_url = state.join_url.as_deref().map(str::to_owned);
    let businesses = state
        .engine
        .read(|e| {
            e.sim()
                .cloud_api()
                .numbers()
                .map(|n| {
                    json!({
                        "name": n.name,
                        "display_phone_number": n.ids.display_phone_number.to_string(),
                    })
                })
                .collect::<Vec<Value>>()
        })
        .await;
    match businesses {
        Ok(list) => Json(json!({ "join_url": join_url, "businesses": list })).into_response(),
        Err(gone) => errors::control(503, "UNAVAILABLE", gone.to_string()),
    }
}

/// `GET /workshop/v1/join.svg`: the join URL as a QR code (404 when the
/// server was not started with `--workshop`).
pub async fn join_svg(State(state): State<AppState>) -> Response {
    let Some(url) = state.join_url.as_deref() else {
        return errors::unknown_path("/workshop/v1/join.svg");
    };
    match crate::workshop::qr_svg(url) {
        Ok(svg) => (
            [
                ("content-type", "image/svg+xml"),
                ("cache-control", "no-store"),
            ],
            svg,
        )
            .into_response(),
        Err(e) => errors::control(500, "UNAVAILABLE", e),
    }
}
