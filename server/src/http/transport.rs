//! `GET /transport/v1/ws`: the WhatsApp transport as a real WebSocket server,
//! for phones that run the consumer party themselves (the workshop's phone
//! page, or any client of the frames in `cipherflow_flow::wire::device_frame`).
//!
//! One task per connection. Its [`DeviceGate`] runs the handshake (the phone
//! signs a fresh nonce with its identity key; the server never receives a
//! private key) and checks every later frame; the engine thread journals each
//! frame it takes and routes what the transport sends back to the socket.
//!
//! Limits, each leaving every other connection served:
//!
//! - a frame over [`MAX_FRAME_BYTES`] ends the connection (the WebSocket
//!   layer refuses to read it);
//! - [`HANDSHAKE_TIMEOUT`] to finish the handshake, and a failed handshake
//!   ends the connection;
//! - frames beyond [`RATE_PER_SECOND`] a second (after a burst of
//!   [`RATE_BURST`]) are answered `RATE_LIMITED` and dropped, and after
//!   [`MAX_DROPPED`] of them the connection is closed;
//! - a binary frame, or a text frame that does not read, is answered with an
//!   `error` frame (and ends a connection still in its handshake);
//! - a newer connection for the same number ends the older one (`REPLACED`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use cipherflow_flow::live::device_gate::{DeviceGate, GateError, GateOutcome};
use cipherflow_flow::wire::device_frame::{
    DeviceFrame, FrameError, KeysFrame, MAX_FRAME_BYTES, ServerFrame,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::actor::{DeviceSocket, REPLACED};
use crate::engine::EngineError;
use crate::http::AppState;

/// How long a connection has to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Frames a second a connection may send, sustained.
pub const RATE_PER_SECOND: f64 = 50.0;
/// Frames a connection may send at once.
pub const RATE_BURST: f64 = 200.0;
/// Frames dropped for the rate before the connection is closed.
pub const MAX_DROPPED: u32 = 1_000;

static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

/// The upgrade.
pub async fn handle(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| connection(state, socket))
}

/// A token bucket: [`RATE_BURST`] frames at once, [`RATE_PER_SECOND`] after.
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new() -> Self {
        Self {
            tokens: RATE_BURST,
            at: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * RATE_PER_SECOND;
        self.tokens = (self.tokens + refill).min(RATE_BURST);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What the connection does after a frame.
enum Next {
    Go,
    Close(&'static str),
}

/// One connection, from upgrade to close.
struct Connection {
    state: AppState,
    id: u64,
    gate: DeviceGate,
    rng: ChaCha20Rng,
    frames: tokio::sync::mpsc::UnboundedSender<String>,
}

async fn connection(state: AppState, mut socket: WebSocket) {
    let mut seed = [0u8; 32];
    if getrandom::fill(&mut seed).is_err() {
        let _ = socket
            .send(Message::Close(Some(close(1011, "no randomness"))))
            .await;
        return;
    }
    let (frames, mut outgoing) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut c = Connection {
        state,
        id: NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed),
        gate: DeviceGate::new(),
        rng: ChaCha20Rng::from_seed(seed),
        frames,
    };
    let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
    let mut bucket = Bucket::new();
    let mut dropped = 0u32;
    let reason = loop {
        let open = c.gate.is_open();
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    None | Some(Err(_)) => break None,
                    Some(Ok(Message::Close(_))) => break None,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Binary(_))) => {
                        let error = GateError::Frame(FrameError::Malformed(
                            "frames are JSON text, not binary".to_owned(),
                        ));
                        let _ = c.frames.send(error.frame().to_json());
                        if !open {
                            break Some("binary frame during the handshake");
                        }
                        continue;
                    }
                    Some(Ok(Message::Text(text))) => text,
                };
                if !bucket.take() {
                    dropped += 1;
                    let limited = ServerFrame::Error {
                        code: "RATE_LIMITED".to_owned(),
                        message: format!("over {RATE_PER_SECOND} frames a second: dropped"),
                    };
                    let _ = c.frames.send(limited.to_json());
                    if dropped > MAX_DROPPED {
                        break Some("flooding");
                    }
                    continue;
                }
                match c.on_text(text.as_str()).await {
                    Next::Go => {}
                    Next::Close(why) => break Some(why),
                }
            }
            out = outgoing.recv() => match out {
                Some(text) if text == REPLACED => {
                    let replaced = ServerFrame::Error {
                        code: "REPLACED".to_owned(),
                        message: "a newer connection for this number took over".to_owned(),
                    };
                    let _ = socket.send(Message::Text(replaced.to_json().into())).await;
                    break Some("replaced by a newer connection for this number");
                }
                Some(text) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break None;
                    }
                }
                None => break None,
            },
            () = tokio::time::sleep_until(deadline), if !open => {
                break Some("handshake timed out");
            }
        }
    };
    // What is queued for the socket still goes (an error frame, say).
    while let Ok(text) = outgoing.try_recv() {
        if text == REPLACED {
            continue;
        }
        if socket.send(Message::Text(text.into())).await.is_err() {
            break;
        }
    }
    if let Some(why) = reason {
        let _ = socket.send(Message::Close(Some(close(1008, why)))).await;
    }
    if let Some(number) = c.gate.number().cloned() {
        c.state.engine.device_close(number, c.id);
    }
}

fn close(code: u16, reason: &str) -> CloseFrame {
    CloseFrame {
        code,
        reason: reason.into(),
    }
}

impl Connection {
    fn error(&self, error: &GateError) {
        let _ = self.frames.send(error.frame().to_json());
    }

    async fn on_text(&mut self, text: &str) -> Next {
        // The proof is checked against the directory as it is now.
        let registered = match self.gate.claimed().cloned() {
            Some(number) => {
                let read = self
                    .state
                    .engine
                    .read(move |e| e.sim().registered_identity(&number))
                    .await;
                match read {
                    Ok(key) => key,
                    Err(_) => return Next::Close("the engine has stopped"),
                }
            }
            None => None,
        };
        let was_open = self.gate.is_open();
        let outcome = match self.gate.on_frame(text, &mut self.rng, |_| registered) {
            Ok(outcome) => outcome,
            Err(e) => {
                self.error(&e);
                return if was_open {
                    Next::Go
                } else {
                    Next::Close("the handshake failed")
                };
            }
        };
        match outcome {
            GateOutcome::Reply(frame) => {
                let _ = self.frames.send(frame.to_json());
                Next::Go
            }
            GateOutcome::Opened { number, keys } => {
                let verified = match (&keys, registered) {
                    (Some(k), _) => k.bundle.identity_key,
                    (None, Some(key)) => key,
                    (None, None) => return Next::Close("the handshake failed"),
                };
                let socket = DeviceSocket {
                    conn: self.id,
                    frames: self.frames.clone(),
                };
                let keys = keys.as_ref().map(KeysFrame::from_keys);
                match self
                    .state
                    .engine
                    .device_open(number, keys, verified, socket)
                    .await
                {
                    Ok(Ok(())) => Next::Go,
                    Ok(Err(e)) => {
                        self.engine_error(&e);
                        Next::Close("the transport refused the number")
                    }
                    Err(_) => Next::Close("the engine has stopped"),
                }
            }
            GateOutcome::Message(_) | GateOutcome::Ack { .. } => {
                // The gate read it already: this parse cannot fail.
                let Ok(frame) = DeviceFrame::parse(text) else {
                    return Next::Go;
                };
                let Some(number) = self.gate.number().cloned() else {
                    return Next::Go;
                };
                match self.state.engine.device_frame(number, self.id, frame).await {
                    Ok(Ok(())) => Next::Go,
                    Ok(Err(e)) => {
                        self.engine_error(&e);
                        Next::Go
                    }
                    Err(_) => Next::Close("the engine has stopped"),
                }
            }
        }
    }

    fn engine_error(&self, e: &EngineError) {
        let code = match e {
            EngineError::Device(d) => d.code(),
            EngineError::Refused(cipherflow_flow::SimError::NumberTaken(_)) => "NUMBER_TAKEN",
            EngineError::Refused(cipherflow_flow::SimError::NotRegistered(_)) => "NOT_REGISTERED",
            EngineError::Refused(_) => "REFUSED",
            _ => "UNAVAILABLE",
        };
        let frame = ServerFrame::Error {
            code: code.to_owned(),
            message: e.to_string(),
        };
        let _ = self.frames.send(frame.to_json());
    }
}
