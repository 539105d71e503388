//! What the server's integration tests share: the real `cipherflow` binary
//! started on a random loopback port, an HTTP client, and a webhook receiver
//! (a small HTTP server in the test) that verifies every signature. Nothing
//! here reaches into the server's process: only sockets.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

pub mod phone;

/// A free loopback port for a server that restarts on it, chosen below the
/// system's ephemeral range where the system says what that is: a port the
/// system hands out (to a `:0` bind, or as a client's source port) could be
/// taken by a concurrent test between a kill and the restart.
pub fn free_port() -> u16 {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok());
    if let Some(start) = ephemeral_start.filter(|s| *s > 11_000) {
        let span = u32::from(start - 10_000);
        let seed = std::process::id().wrapping_mul(2_654_435_761);
        for i in 0..span {
            let port = 10_000 + u16::try_from((seed.wrapping_add(i * 7_919)) % span).unwrap();
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return port;
            }
        }
    }
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A fresh, empty directory for one test, removed when the test passes (a
/// failed test leaves it for inspection).
pub fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("cipherflow-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// See [`temp_dir`].
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The server process.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub data: PathBuf,
    pub stdout: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `cipherflow serve --port 0 --data DIR` plus `extra`, and waits
    /// for its "listening on" line.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Self::start_on(data, 0, extra)
    }

    /// [`Server::start`] on a given port (a restart keeps its address).
    pub fn start_on(data: &Path, port: u16, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cipherflow"))
            .args(["serve", "--port", &port.to_string(), "--data"])
            .arg(data)
            .args(["--app", "/nonexistent-app-dir"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start cipherflow");
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let keep = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("cipherflow serve: listening on ") {
                    let _ = tx.send(url.to_owned());
                }
                keep.lock().unwrap().push(line);
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server did not say where it listens");
        Server {
            child,
            base,
            data: data.to_owned(),
            stdout: lines,
        }
    }

    /// `kill -9`, and wait for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP response, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "not JSON ({}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A small HTTP client.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for Http {
    fn default() -> Self {
        Self::new()
    }
}

impl Http {
    pub fn new() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
        }
    }

    /// Sends a request; an error is a transport failure (refused, reset).
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Reply, String> {
        let mut b = hyper::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let request = b.body(Full::new(body.into())).map_err(|e| e.to_string())?;
        let go = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes()
                .to_vec();
            Ok(Reply {
                status,
                headers,
                body,
            })
        };
        tokio::time::timeout(Duration::from_secs(60), go)
            .await
            .map_err(|_| "timed out".to_owned())?
    }

    pub async fn get(&self, url: &str) -> Reply {
        self.send("GET", url, &[], Bytes::new()).await.unwrap()
    }

    pub async fn post_json(&self, url: &str, body: &Value) -> Reply {
        self.send(
            "POST",
            url,
            &[("content-type", "application/json")],
            body.to_string(),
        )
        .await
        .unwrap()
    }

    /// A Graph API call with a bearer token.
    pub async fn graph(&self, url: &str, token: &str, body: &Value) -> Result<Reply, String> {
        let auth = format!("Bearer {token}");
        self.send(
            "POST",
            url,
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
            ],
            body.to_string(),
        )
        .await
    }
}

/// How the receiver answers POSTs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 200.
    Ok,
    /// This status.
    Status(u16),
    /// Never answers (the server's timeout must fire).
    Hang,
}

/// What the receiver saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every POST's parsed body, in arrival order.
    pub posts: Vec<Value>,
    /// POSTs whose signature did not verify (must stay empty).
    pub bad_signatures: usize,
    /// Inbound messages by wamid: (text, how many POSTs carried it).
    pub messages: BTreeMap<String, (String, usize)>,
    /// Statuses by wamid: every status value seen, in order.
    pub statuses: BTreeMap<String, Vec<String>>,
    /// Handshakes answered.
    pub handshakes: usize,
    /// POSTs answered with something other than 200.
    pub refused: usize,
    /// When each message text first arrived (for latency figures).
    pub text_at: BTreeMap<String, Instant>,
    /// When each (wamid, status) first arrived.
    pub status_at: BTreeMap<(String, String), Instant>,
}

/// A webhook endpoint in the test process.
pub struct Receiver {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Seen>>,
    pub mode: Arc<Mutex<Mode>>,
    pub app_secret: Arc<Mutex<String>>,
    pub verify_token: String,
}

impl Receiver {
    /// Starts one on a random loopback port.
    pub async fn start(verify_token: &str) -> Receiver {
        use axum::extract::{Query, State};
        use axum::response::IntoResponse;
        use axum::routing::get;

        type Shared = (
            Arc<Mutex<Seen>>,
            Arc<Mutex<Mode>>,
            Arc<Mutex<String>>,
            String,
        );
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mode = Arc::new(Mutex::new(Mode::Ok));
        let secret = Arc::new(Mutex::new(String::new()));
        let state: Shared = (
            seen.clone(),
            mode.clone(),
            secret.clone(),
            verify_token.to_owned(),
        );

        async fn verify(
            State((seen, _, _, token)): State<Shared>,
            Query(q): Query<BTreeMap<String, String>>,
        ) -> axum::response::Response {
            if q.get("hub.mode").map(String::as_str) == Some("subscribe")
                && q.get("hub.verify_token") == Some(&token)
            {
                seen.lock().unwrap().handshakes += 1;
                q.get("hub.challenge")
                    .cloned()
                    .unwrap_or_default()
                    .into_response()
            } else {
                (axum::http::StatusCode::FORBIDDEN, "bad token").into_response()
            }
        }

        async fn post(
            State((seen, mode, secret, _)): State<Shared>,
            headers: axum::http::HeaderMap,
            body: Bytes,
        ) -> axum::response::Response {
            let m = *mode.lock().unwrap();
            if m == Mode::Hang {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            let signature = headers
                .get("x-hub-signature-256")
                .and_then(|v| v.to_str().ok());
            let ok = cipherflow_flow::cloud_api::webhook::verify_signature(
                &secret.lock().unwrap(),
                &body,
                signature,
            );
            let mut s = seen.lock().unwrap();
            if !ok {
                s.bad_signatures += 1;
            }
            if let Mode::Status(code) = m {
                s.refused += 1;
                return (axum::http::StatusCode::from_u16(code).unwrap(), "no").into_response();
            }
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            for change in v["entry"][0]["changes"].as_array().into_iter().flatten() {
                for m in change["value"]["messages"].as_array().into_iter().flatten() {
                    let id = m["id"].as_str().unwrap_or_default().to_owned();
                    let text = m["text"]["body"].as_str().unwrap_or_default().to_owned();
                    s.text_at.entry(text.clone()).or_insert_with(Instant::now);
                    s.messages.entry(id).or_insert((text, 0)).1 += 1;
                }
                for st in change["value"]["statuses"].as_array().into_iter().flatten() {
                    let id = st["id"].as_str().unwrap_or_default().to_owned();
                    let status = st["status"].as_str().unwrap_or_default().to_owned();
                    s.status_at
                        .entry((id.clone(), status.clone()))
                        .or_insert_with(Instant::now);
                    s.statuses.entry(id).or_default().push(status);
                }
            }
            s.posts.push(v);
            "EVENT_RECEIVED".into_response()
        }

        let app = axum::Router::new()
            .route("/webhook", get(verify).post(post))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            addr,
            seen,
            mode,
            app_secret: secret,
            verify_token: verify_token.to_owned(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/webhook", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

/// Waits until `check` holds, polling; panics with `what` after `limit`.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what}: not within {limit:?}");
}

/// The first business as the control API lists it.
pub async fn business(http: &Http, server: &Server) -> Value {
    let list = http.get(&server.url("/control/v1/businesses")).await.json();
    list["data"][0].clone()
}

/// Adds a consumer.
pub async fn add_consumer(http: &Http, server: &Server, number: &str, name: &str) {
    let r = http
        .post_json(
            &server.url("/control/v1/consumers"),
            &json!({"number": number, "name": name}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

/// A config file with one business with fixed credentials and the
/// receiver as its webhook.
pub fn config_file(dir: &Path, receiver: &Receiver, secret: &str) -> PathBuf {
    let path = dir.join("config.json");
    let config = json!({
        "businesses": [{
            "number": "+1 555 078 3881",
            "name": "Test Shop",
            "access_token": "EAAG-test-token",
            "app_secret": secret,
            "webhook": { "url": receiver.url(), "verify_token": receiver.verify_token },
        }],
    });
    std::fs::write(&path, config.to_string()).unwrap();
    *receiver.app_secret.lock().unwrap() = secret.to_owned();
    path
}
