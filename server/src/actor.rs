//! One thread owns the engine (the parties and the database connection):
//! every HTTP handler sends it a [`Call`] and awaits the answer, so inputs are
//! applied one at a time, in the order they arrived, and the journal's order
//! is the order the parties saw. Between calls the thread sleeps until the
//! parties' next deadline, then runs what is due.
//!
//! After every call and every deadline it hands the webhook requests the
//! Cloud API produced to the sender (`webhook_out.rs`), and publishes the new
//! trace events to the live stream.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use cipherflow_flow::http::HttpResponse;
use cipherflow_flow::wire::HttpFailure;
use tokio::sync::{broadcast, oneshot};

use cipherflow_flow::SimError;
use cipherflow_flow::live::device_gate::GateError;
use cipherflow_flow::phone::PhoneNumber;
use cipherflow_flow::wire::device_frame::{DeviceFrame, KeysFrame, ServerFrame};
use cipherflow_protocol::keys::PublicKey;

use crate::engine::{Applied, Engine, EngineError, Input, Outgoing};

/// The longest the thread sleeps without a deadline (it re-reads the clock).
const IDLE_WAKE: Duration = Duration::from_secs(60);
/// Trace events the live stream buffers for a slow reader.
pub const STREAM_BUFFER: usize = 4096;

type ReadFn = Box<dyn FnOnce(&mut Engine) + Send>;

/// What a handler asks of the engine thread.
pub enum Call {
    /// Apply (and journal) an input.
    Apply(Input, oneshot::Sender<Result<Applied, EngineError>>),
    /// Point a business's webhook at a URL; answered when the handshake is
    /// done (true: verified).
    Subscribe {
        /// The input (a `ConnectWebhook`).
        input: Input,
        /// Where the outcome goes.
        reply: oneshot::Sender<Result<Handshake, EngineError>>,
    },
    /// What a real endpoint answered.
    Answer {
        /// The business.
        phone_number_id: String,
        /// The exchange.
        exchange: u64,
        /// Its answer.
        answer: Result<HttpResponse, HttpFailure>,
    },
    /// Read the world (the closure answers through its own channel).
    Read(ReadFn),
    /// A phone's connection passed the gate's handshake: attach it (and
    /// journal that), send `welcome` on its socket, and route what the
    /// transport sends its number there from now on.
    DeviceOpen {
        /// The number.
        number: PhoneNumber,
        /// Keys to register (a new number).
        keys: Option<KeysFrame>,
        /// The identity key the proof verified under.
        verified: PublicKey,
        /// Its socket.
        socket: DeviceSocket,
        /// Whether it is attached.
        reply: oneshot::Sender<Result<(), EngineError>>,
    },
    /// A frame from an open connection.
    DeviceFrame {
        /// The connection's number.
        number: PhoneNumber,
        /// The connection.
        conn: u64,
        /// The frame.
        frame: DeviceFrame,
        /// Whether the transport took it.
        reply: oneshot::Sender<Result<(), EngineError>>,
    },
    /// An open connection closed.
    DeviceClose {
        /// Its number.
        number: PhoneNumber,
        /// The connection.
        conn: u64,
    },
    /// Follow the world: its seed, the journal from `since`, and a receiver
    /// of what comes next, taken together so nothing falls between.
    Follow {
        /// The first journal row wanted.
        since: u64,
        /// Where the start goes.
        reply: oneshot::Sender<Result<Follow, EngineError>>,
    },
}

/// One event of the live stream that lets a replica follow the world.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// `input` (a journal row) or `clock` (the world's time and digest).
    pub kind: &'static str,
    /// Its JSON.
    pub data: Arc<str>,
}

/// The start of a replica's stream.
pub struct Follow {
    /// The seed and settings.
    pub world: serde_json::Value,
    /// The journal rows from `since` up to now, as `input` events' data.
    pub backlog: Vec<Arc<str>>,
    /// What comes after.
    pub next: broadcast::Receiver<LiveEvent>,
}

/// Sent on a socket's channel instead of a frame: a newer connection took
/// its number, and the connection ends (never valid JSON, so never a frame).
pub const REPLACED: &str = "\0replaced";

/// A phone's open socket, as the engine thread writes to it.
pub struct DeviceSocket {
    /// The connection's id (a newer connection for the same number replaces it).
    pub conn: u64,
    /// Text frames to send.
    pub frames: tokio::sync::mpsc::UnboundedSender<String>,
}

/// How a verification handshake ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The endpoint echoed the challenge with 200.
    pub verified: bool,
    /// What it answered, or how the request failed.
    pub detail: String,
}

/// A handle on the engine thread.
#[derive(Clone)]
pub struct EngineHandle {
    calls: mpsc::Sender<Call>,
    events: broadcast::Sender<Arc<str>>,
}

/// How often a followed world sends its clock (and digest) while time passes.
pub const CLOCK_EVERY: Duration = Duration::from_millis(500);

/// The engine thread stopped (it only stops when the process does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the engine has stopped")]
pub struct Gone;

impl EngineHandle {
    /// Sends the engine thread the call `make` builds around a reply
    /// channel, and waits for the reply.
    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Call) -> Result<T, Gone> {
        let (tx, rx) = oneshot::channel();
        self.calls.send(make(tx)).map_err(|_| Gone)?;
        rx.await.map_err(|_| Gone)
    }

    /// Applies an input.
    pub async fn apply(&self, input: Input) -> Result<Result<Applied, EngineError>, Gone> {
        self.call(|reply| Call::Apply(input, reply)).await
    }

    /// Connects a webhook and waits for its handshake.
    pub async fn subscribe(&self, input: Input) -> Result<Result<Handshake, EngineError>, Gone> {
        self.call(|reply| Call::Subscribe { input, reply }).await
    }

    /// Hands back what an endpoint answered.
    pub fn answer(
        &self,
        phone_number_id: String,
        exchange: u64,
        answer: Result<HttpResponse, HttpFailure>,
    ) {
        let _ = self.calls.send(Call::Answer {
            phone_number_id,
            exchange,
            answer,
        });
    }

    /// Computes something from the world on the engine thread.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Engine) -> T + Send + 'static,
    ) -> Result<T, Gone> {
        self.call(|reply| {
            let read: ReadFn = Box::new(move |engine: &mut Engine| {
                let _ = reply.send(f(engine));
            });
            Call::Read(read)
        })
        .await
    }

    /// Starts following the world from journal row `since`.
    pub async fn follow(&self, since: u64) -> Result<Result<Follow, EngineError>, Gone> {
        self.call(|reply| Call::Follow { since, reply }).await
    }

    /// Attaches a phone whose proof held.
    pub async fn device_open(
        &self,
        number: PhoneNumber,
        keys: Option<KeysFrame>,
        verified: PublicKey,
        socket: DeviceSocket,
    ) -> Result<Result<(), EngineError>, Gone> {
        self.call(|reply| Call::DeviceOpen {
            number,
            keys,
            verified,
            socket,
            reply,
        })
        .await
    }

    /// Hands the transport a frame from an open connection.
    pub async fn device_frame(
        &self,
        number: PhoneNumber,
        conn: u64,
        frame: DeviceFrame,
    ) -> Result<Result<(), EngineError>, Gone> {
        self.call(|reply| Call::DeviceFrame {
            number,
            conn,
            frame,
            reply,
        })
        .await
    }

    /// An open connection closed.
    pub fn device_close(&self, number: PhoneNumber, conn: u64) {
        let _ = self.calls.send(Call::DeviceClose { number, conn });
    }

    /// A receiver of the live stream: each item is one trace event as JSON.
    pub fn events(&self) -> broadcast::Receiver<Arc<str>> {
        self.events.subscribe()
    }
}

struct Waiter {
    phone_number_id: String,
    exchange: u64,
    reply: oneshot::Sender<Result<Handshake, EngineError>>,
}

struct Actor {
    engine: Engine,
    outgoing: tokio::sync::mpsc::UnboundedSender<Outgoing>,
    events: broadcast::Sender<Arc<str>>,
    published: usize,
    waiters: Vec<Waiter>,
    live: broadcast::Sender<LiveEvent>,
    /// When the clock was last sent to followers, and the time it said.
    clock_sent: (std::time::Instant, u64),
    /// The phones' open sockets, by number.
    sockets: std::collections::HashMap<PhoneNumber, DeviceSocket>,
}

/// Starts the engine thread. Webhook requests go to `outgoing`.
pub fn spawn(
    engine: Engine,
    outgoing: tokio::sync::mpsc::UnboundedSender<Outgoing>,
) -> std::io::Result<EngineHandle> {
    let (calls, rx) = mpsc::channel();
    let (events, _) = broadcast::channel(STREAM_BUFFER);
    let published = engine.sim().trace().events.len();
    let mut actor = Actor {
        engine,
        outgoing,
        events: events.clone(),
        published,
        waiters: Vec::new(),
        live: broadcast::channel(STREAM_BUFFER).0,
        clock_sent: (std::time::Instant::now(), 0),
        sockets: std::collections::HashMap::new(),
    };
    std::thread::Builder::new()
        .name("cipherflow-engine".to_owned())
        .spawn(move || actor.run(rx))?;
    Ok(EngineHandle { calls, events })
}

impl Actor {
    fn run(&mut self, rx: mpsc::Receiver<Call>) {
        self.after();
        loop {
            // Followers get the clock twice a second while time passes.
            let idle = if self.live.receiver_count() > 0 {
                CLOCK_EVERY
            } else {
                IDLE_WAKE
            };
            let wait = self.engine.until_next().map_or(idle, |d| d.min(idle));
            match rx.recv_timeout(wait) {
                Ok(call) => self.handle(call),
                Err(RecvTimeoutError::Timeout) => self.engine.tick(),
                Err(RecvTimeoutError::Disconnected) => return,
            }
            self.after();
        }
    }

    fn handle(&mut self, call: Call) {
        match call {
            Call::Apply(input, reply) => {
                let _ = reply.send(self.engine.apply(input));
            }
            Call::Subscribe { input, reply } => {
                let Input::ConnectWebhook {
                    phone_number_id, ..
                } = &input
                else {
                    return;
                };
                let pnid = phone_number_id.clone();
                if let Err(e) = self.engine.apply(input) {
                    let _ = reply.send(Err(e));
                    return;
                }
                // The handshake is the newest GET handed out for this number.
                let exchange = self
                    .engine
                    .peek_outgoing()
                    .iter()
                    .rev()
                    .find(|o| o.phone_number_id == pnid && o.request.method == "GET")
                    .map(|o| o.exchange);
                match exchange {
                    Some(exchange) => self.waiters.push(Waiter {
                        phone_number_id: pnid,
                        exchange,
                        reply,
                    }),
                    None => {
                        let _ = reply.send(Ok(Handshake {
                            verified: false,
                            detail: "no handshake was sent".to_owned(),
                        }));
                    }
                }
            }
            Call::Answer {
                phone_number_id,
                exchange,
                answer,
            } => {
                let detail = match &answer {
                    Ok(r) => format!("HTTP {} with {} bytes", r.status, r.body.len()),
                    Err(f) => f.as_str().to_owned(),
                };
                let result = self.engine.answer(&phone_number_id, exchange, answer);
                if let Some(at) = self
                    .waiters
                    .iter()
                    .position(|w| w.phone_number_id == phone_number_id && w.exchange == exchange)
                {
                    let w = self.waiters.swap_remove(at);
                    let outcome = result.map(|()| Handshake {
                        verified: self
                            .engine
                            .sim()
                            .cloud_api()
                            .number(&phone_number_id)
                            .is_some_and(|n| n.webhook_verified),
                        detail,
                    });
                    let _ = w.reply.send(outcome);
                }
            }
            Call::DeviceOpen {
                number,
                keys,
                verified,
                socket,
                reply,
            } => {
                let _ = reply.send(self.device_open(number, keys, verified, socket));
            }
            Call::DeviceFrame {
                number,
                conn,
                frame,
                reply,
            } => {
                let result = if self.sockets.get(&number).is_some_and(|s| s.conn == conn) {
                    self.engine
                        .apply(Input::DeviceFrame { number, frame })
                        .map(|_| ())
                } else {
                    Err(EngineError::Refused(SimError::DeviceNotAttached(number)))
                };
                let _ = reply.send(result);
            }
            Call::DeviceClose { number, conn } => {
                if self.sockets.get(&number).is_some_and(|s| s.conn == conn) {
                    self.sockets.remove(&number);
                    let _ = self.engine.apply(Input::DeviceDetach { number });
                }
            }
            Call::Read(f) => f(&mut self.engine),
            Call::Follow { since, reply } => {
                // Whatever was journaled before goes out to current followers
                // first, so the backlog below and the receiver do not overlap.
                self.after();
                let next = self.live.subscribe();
                let start = self.engine.journal_since(since).map(|backlog| Follow {
                    world: self.engine.world_json().clone(),
                    backlog,
                    next,
                });
                let _ = reply.send(start);
            }
        }
    }

    /// Attaches a phone. The directory is read again here, on the thread
    /// that changes it: a number registered since the gate looked it up
    /// (by another connection) opens only under that registration's key.
    fn device_open(
        &mut self,
        number: PhoneNumber,
        keys: Option<KeysFrame>,
        verified: PublicKey,
        socket: DeviceSocket,
    ) -> Result<(), EngineError> {
        if let Some(known) = self.engine.sim().registered_identity(&number)
            && known != verified
        {
            return Err(EngineError::Device(GateError::KeyMismatch(number)));
        }
        let registered = keys.is_some();
        self.engine.apply(Input::DeviceAttach {
            number: number.clone(),
            keys,
        })?;
        let welcome = ServerFrame::Welcome {
            number: number.clone(),
            registered,
        };
        let _ = socket.frames.send(welcome.to_json());
        // A newer connection replaces an older one, which is told so and
        // closed (its task holds a sender too, so dropping ours is not enough).
        if let Some(older) = self.sockets.insert(number, socket) {
            let _ = older.frames.send(REPLACED.to_owned());
        }
        Ok(())
    }

    /// Sends what the parties handed out, and publishes new trace events.
    fn after(&mut self) {
        for out in self.engine.take_outgoing() {
            let _ = self.outgoing.send(out);
        }
        for (number, message) in self.engine.take_device_output() {
            if let Some(socket) = self.sockets.get(&number) {
                let _ = socket
                    .frames
                    .send(ServerFrame::from_transport(&message).to_json());
            }
        }
        let events = &self.engine.sim().trace().events;
        if self.events.receiver_count() > 0 {
            for e in events.get(self.published..).unwrap_or_default() {
                if let Ok(json) = serde_json::to_string(e) {
                    let _ = self.events.send(Arc::from(json));
                }
            }
        }
        self.published = events.len();
        let rows = self.engine.take_journaled();
        if self.live.receiver_count() == 0 {
            return;
        }
        for data in rows {
            let _ = self.live.send(LiveEvent {
                kind: "input",
                data,
            });
        }
        let now = self.engine.sim().now_ms();
        let (at, said) = self.clock_sent;
        // The digest hashes the whole world: at most twice a second.
        if now != said && at.elapsed() >= CLOCK_EVERY {
            let digest = self.engine.sim().state_digest();
            let data = serde_json::json!({ "now_ms": now, "digest": digest }).to_string();
            let _ = self.live.send(LiveEvent {
                kind: "clock",
                data: Arc::from(data),
            });
            self.clock_sent = (std::time::Instant::now(), now);
        }
    }
}
