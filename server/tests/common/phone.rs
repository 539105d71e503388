//! A phone for the server's tests: the consumer party (`PhoneLink`, the same
//! code the workshop's phone page runs) with its own keys, on a real
//! WebSocket to the transport (`/transport/v1/ws`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use cipherflow_flow::consumer::Ticks;
use cipherflow_flow::live::phone_link::{LinkState, PhoneLink};
use cipherflow_flow::phone::PhoneNumber;
use cipherflow_flow::wire::device_frame::ServerFrame;
use futures_util::{SinkExt, StreamExt};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tokio_tungstenite::tungstenite::Message;

use super::Server;

/// The business number of the tests' config file.
pub const SHOP: &str = "15550783881";
/// How long a phone waits for anything.
pub const WAIT: Duration = Duration::from_secs(30);

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

pub fn ws_url(server: &Server) -> String {
    server
        .url("/transport/v1/ws")
        .replacen("http://", "ws://", 1)
}

/// A phone: the consumer party, its own keys, a real WebSocket.
pub struct Phone {
    pub link: PhoneLink,
    pub rng: ChaCha20Rng,
    pub ws: Option<Ws>,
    /// Every `error` frame the transport sent.
    pub errors: Vec<String>,
}

impl Phone {
    pub fn new(number: &str, seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let number = PhoneNumber::parse(number).unwrap();
        let link = PhoneLink::new(now_ms(), &mut rng, number, format!("phone {seed}"));
        Phone {
            link,
            rng,
            ws: None,
            errors: Vec::new(),
        }
    }

    /// Opens a socket and runs the handshake; true when the link opened.
    pub async fn connect(&mut self, url: &str) -> bool {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        self.ws = Some(ws);
        let hello = self.link.open();
        self.send(vec![hello]).await;
        let deadline = Instant::now() + WAIT;
        while self.link.state() != LinkState::Open && Instant::now() < deadline {
            if !self.pump_once(Duration::from_millis(500)).await {
                return false;
            }
        }
        self.link.state() == LinkState::Open
    }

    pub async fn send(&mut self, frames: Vec<String>) {
        let Some(ws) = self.ws.as_mut() else { return };
        for f in frames {
            if ws.send(Message::Text(f.into())).await.is_err() {
                return;
            }
        }
    }

    /// Reads one frame (or runs a due timer); false when the socket closed.
    pub async fn pump_once(&mut self, wait: Duration) -> bool {
        if self.link.poll_timeout().is_some_and(|t| t <= now_ms()) {
            let frames = self.link.on_timeout(now_ms(), &mut self.rng);
            self.send(frames).await;
        }
        let Some(ws) = self.ws.as_mut() else {
            return false;
        };
        let next = match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => return true,
            Ok(next) => next,
        };
        match next {
            Some(Ok(Message::Text(text))) => {
                if let Ok(ServerFrame::Error { code, .. }) = ServerFrame::parse(text.as_str()) {
                    self.errors.push(code);
                }
                // An error frame is kept above; anything else goes to the phone.
                if let Ok(frames) = self.link.on_frame(now_ms(), &mut self.rng, text.as_str()) {
                    self.send(frames).await;
                }
                true
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                self.closed();
                false
            }
            Some(Ok(_)) => true,
        }
    }

    pub fn closed(&mut self) {
        self.ws = None;
        self.link.closed(now_ms(), &mut self.rng);
    }

    /// Pumps until `done` holds (or the socket closes, or time runs out).
    pub async fn until(&mut self, what: &str, done: impl Fn(&PhoneLink) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(&self.link) {
            assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
            assert!(
                self.pump_once(Duration::from_millis(100)).await,
                "{what}: socket closed (errors: {:?})",
                self.errors
            );
        }
    }

    pub async fn send_text(&mut self, text: &str) -> String {
        let shop = PhoneNumber::parse(SHOP).unwrap();
        let (id, frames) = self
            .link
            .send_text(now_ms(), &mut self.rng, &shop, text)
            .unwrap();
        self.send(frames).await;
        id
    }

    /// Sends a text and pumps until the Cloud API's delivery receipt turns
    /// its ticks to two (the business's number has it).
    pub async fn send_and_deliver(&mut self, text: &str) {
        self.send_text(text).await;
        let text = text.to_owned();
        self.until(&format!("two ticks on {text:?}"), move |l| {
            l.client().chats().values().any(|c| {
                c.iter()
                    .any(|m| m.text == text && matches!(m.ticks, Ticks::Delivered | Ticks::Read))
            })
        })
        .await;
    }

    pub fn texts(&self) -> Vec<String> {
        let shop = PhoneNumber::parse(SHOP).unwrap();
        self.link
            .client()
            .chats()
            .get(&shop)
            .map(|c| c.iter().map(|m| m.text.to_owned()).collect())
            .unwrap_or_default()
    }

    /// Drops the TCP connection without a close frame.
    pub fn drop_socket(&mut self) {
        self.ws = None;
        self.link.closed(now_ms(), &mut self.rng);
    }
}
