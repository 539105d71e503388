//! The command line: `cipherflow serve [flags]`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::{Engine, Settings, WebhookSeed};
use crate::store::Store;

/// The help text.
pub const HELP: &str = "\
cipherflow serve: a local WhatsApp Cloud API sandbox, with the encryption,
the transport and retention visible.

USAGE:
    cipherflow serve [FLAGS]

FLAGS:
    --host ADDR            address to bind (default 127.0.0.1; anything else
                           also needs the control token, drawn if not given)
    --workshop             a room of phones: bind this machine's LAN address
                           (unless --host says otherwise), print the phones'
                           join URL and its QR code, and, for a new world,
                           throttle a business past 60 sends a minute
    --port PORT            port (default 8080; 0 picks a free one)
    --data DIR             data directory, created on first start
                           (default ./cipherflow-data)
    --config FILE          JSON configuration: businesses, consumers, webhooks,
                           retention (see README, \"Test your integration\")
    --webhook URL          callback URL of the first business (http://...)
    --verify-token TOKEN   its verify token (required with --webhook)
    --control-token TOKEN  require Authorization: Bearer TOKEN on /control/v1
    --app DIR              the app's Trunk build (default ./dist if present)
    --webhook-timeout-ms MS  how long a webhook endpoint may take to answer
                           (default 20000, as Meta; a test may shorten it)
    -h, --help             this text
    -V, --version          the version
";

/// Parsed flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeArgs {
    /// Address to bind.
    pub host: IpAddr,
    /// Port.
    pub port: u16,
    /// Data directory.
    pub data: PathBuf,
    /// Configuration file.
    pub config: Option<PathBuf>,
    /// The first business's callback URL and verify token.
    pub webhook: Option<(String, String)>,
    /// The control token.
    pub control_token: Option<String>,
    /// The app's directory.
    pub app: Option<PathBuf>,
    /// How long a webhook endpoint may take to answer.
    pub webhook_timeout_ms: u64,
    /// Workshop mode (`--workshop`).
    pub workshop: bool,
    /// Whether `--host` was given.
    pub host_given: bool,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Serve.
    Serve(ServeArgs),
    /// Print the help.
    Help,
    /// Print the version.
    Version,
}

/// Parses the arguments after the program's name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => return Ok(Command::Help),
        Some("-V" | "--version") => return Ok(Command::Version),
        Some("serve") => {}
        Some(other) => return Err(format!("unknown command {other:?} (try --help)")),
    }
    let mut a = ServeArgs {
        host: IpAddr::from([127, 0, 0, 1]),
        port: 8080,
        data: PathBuf::from("cipherflow-data"),
        config: None,
        webhook: None,
        control_token: None,
        app: None,
        webhook_timeout_ms: cipherflow_flow::router::WEBHOOK_TIMEOUT_MS,
        workshop: false,
        host_given: false,
    };
    let mut webhook = None;
    let mut verify = None;
    while let Some(flag) = it.next() {
        if matches!(flag.as_str(), "-h" | "--help") {
            return Ok(Command::Help);
        }
        if flag == "--workshop" {
            a.workshop = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value (try --help)"))?;
        match flag.as_str() {
            "--host" => {
                a.host_given = true;
                a.host = value
                    .parse()
                    .map_err(|_| format!("--host {value:?} is not an IP address"))?;
            }
            "--port" => {
                a.port = value
                    .parse()
                    .map_err(|_| format!("--port {value:?} is not a port number"))?;
            }
            "--data" => a.data = PathBuf::from(value),
            "--config" => a.config = Some(PathBuf::from(value)),
            "--webhook" => webhook = Some(value.clone()),
            "--verify-token" => verify = Some(value.clone()),
            "--control-token" => a.control_token = Some(value.clone()),
            "--app" => a.app = Some(PathBuf::from(value)),
            "--webhook-timeout-ms" => {
                a.webhook_timeout_ms = value
                    .parse()
                    .ok()
                    .filter(|ms| (1..=600_000).contains(ms))
                    .ok_or_else(|| {
                    format!("--webhook-timeout-ms {value:?} is not 1 to 600000")
                })?;
            }
            other => return Err(format!("unknown flag {other:?} (try --help)")),
        }
    }
    a.webhook = match (webhook, verify) {
        (Some(url), Some(token)) => Some((url, token)),
        (None, None) => None,
        (Some(_), None) => return Err("--webhook needs --verify-token".to_owned()),
        (None, Some(_)) => return Err("--verify-token needs --webhook".to_owned()),
    };
    Ok(Command::Serve(a))
}

/// The settings: the configuration file, then the flags over it.
pub fn settings(args: &ServeArgs) -> Result<Settings, String> {
    let mut settings = match &args.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let s = Settings::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            if s.businesses.is_empty() {
                Settings {
                    businesses: Settings::default().businesses,
                    ..s
                }
            } else {
                s
            }
        }
        None => Settings::default(),
    };
    if args.workshop && settings.integrity.is_none() {
        settings.integrity = Some(crate::engine::WORKSHOP_INTEGRITY);
    }
    if let Some((url, verify_token)) = &args.webhook
        && let Some(first) = settings.businesses.first_mut()
    {
        first.webhook = Some(WebhookSeed {
            url: url.clone(),
            verify_token: verify_token.clone(),
        });
    }
    Ok(settings)
}

fn draw_token() -> String {
    let mut raw = [0u8; 18];
    let _ = getrandom::fill(&mut raw);
    hex::encode(raw)
}

/// Runs `cipherflow serve` until the process is stopped.
pub async fn serve(mut args: ServeArgs) -> Result<(), String> {
    if args.workshop && !args.host_given {
        args.host = crate::workshop::lan_address().ok_or(
            "--workshop: this machine has no address on a local network; connect to the room's \
             network, or pass --host ADDR",
        )?;
    }
    let settings = settings(&args)?;
    let store = Store::open(&args.data).map_err(|e| e.to_string())?;
    // What an earlier process journaled (the settings may add rows after).
    let replayed = store.journal_len();
    let started = std::time::Instant::now();
    let engine = Engine::open(store, &settings).map_err(|e| e.to_string())?;
    let replay_ms = started.elapsed().as_millis();
    let (out_tx, out_rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = crate::actor::spawn(engine, out_tx).map_err(|e| e.to_string())?;
    tokio::spawn(crate::webhook_out::run(
        out_rx,
        handle.clone(),
        std::time::Duration::from_millis(args.webhook_timeout_ms),
    ));

    let control_token = match (&args.control_token, args.host.is_loopback()) {
        (Some(t), _) => Some(t.clone()),
        (None, true) => None,
        (None, false) => Some(draw_token()),
    };
    let app_dir = args.app.clone().or_else(|| {
        let dist = PathBuf::from("dist");
        dist.join("index.html").exists().then_some(dist)
    });
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let join_url = if args.workshop {
        crate::workshop::join_url(addr)
    } else {
        None
    };
    let state = crate::http::AppState {
        engine: handle.clone(),
        app_dir: app_dir.clone(),
        control_token: control_token.clone().map(Arc::from),
        join_url: join_url.clone().map(Arc::from),
    };

    let businesses = handle
        .read(|e| {
            e.sim()
                .cloud_api()
                .numbers()
                .map(|n| {
                    format!(
                        "  {} {}: phone_number_id {} waba_id {} app_id {}\n    access_token {}\n    app_secret {}{}",
                        n.ids.display_phone_number,
                        n.name,
                        n.ids.phone_number_id,
                        n.ids.waba_id,
                        crate::engine::app_id(&n.ids.phone_number_id),
                        n.access_token,
                        n.webhook.app_secret,
                        e.endpoint(&n.ids.phone_number_id)
                            .map(|u| format!("\n    webhook {}", u.as_str()))
                            .unwrap_or_default(),
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .await
        .map_err(|e| e.to_string())?;
    println!("cipherflow serve: listening on http://{addr}");
    println!(
        "data: {} ({replayed} journal rows replayed in {replay_ms} ms)",
        args.data.display()
    );
    match &app_dir {
        Some(dir) => println!("app: {}", dir.display()),
        None => println!("app: not built (./scripts/demo.sh builds it)"),
    }
    if let Some(t) = &control_token {
        println!("control token: {t}");
    }
    println!("businesses:\n{businesses}");
    println!("Graph API: http://{addr}/v24.0/<phone_number_id>/messages");
    println!("control API: http://{addr}/control/v1/openapi.json");
    println!("transport (phones that run their own client): ws://{addr}/transport/v1/ws");
    if let Some(url) = &join_url {
        workshop_banner(url, control_token.as_deref(), &handle).await;
    }

    let router = crate::http::router(state);
    tokio::select! {
        served = crate::http::serve(listener, router) => served.map_err(|e| e.to_string()),
        () = stop_signal() => {
            println!("cipherflow serve: stopping (everything is journaled)");
            Ok(())
        }
    }
}

/// What the instructor needs: the phones' join URL and its QR code, the
/// projector's address, and the integrity policy the world runs under.
async fn workshop_banner(url: &str, token: Option<&str>, engine: &crate::actor::EngineHandle) {
    let base = url.trim_end_matches("/?phone");
    println!();
    println!("WORKSHOP");
    println!("  phones join at {url}");
    if url.starts_with("http://127.") || url.starts_with("http://[::1]") {
        println!(
            "  (a loopback address: only this machine can join; --host names the LAN address)"
        );
    }
    match crate::workshop::qr_text(url) {
        Ok(qr) => println!("{qr}"),
        Err(e) => println!("  (no QR code: {e})"),
    }
    match token {
        Some(t) => println!("  projector: {base}/?live&token={t}"),
        None => println!("  projector: {base}/?live"),
    }
    let policy = engine.read(|e| e.sim().config().integrity).await;
    if let Ok(p) = policy {
        println!(
            "  integrity: flagged past {} and throttled past {} sends by a business within {} s",
            p.flag_messages,
            p.throttle_messages,
            p.window_ms / 1000
        );
        if p != crate::engine::WORKSHOP_INTEGRITY {
            println!(
                "  (this data directory's world was created without --workshop: start with a new --data \
                 directory for the workshop's thresholds)"
            );
        }
    }
}

async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn args(list: &[&str]) -> Result<Command, String> {
        parse(&list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn flags_parse_and_mistakes_are_named() {
        let Command::Serve(a) = args(&[
            "serve",
            "--port",
            "0",
            "--data",
            "/tmp/x",
            "--webhook",
            "http://127.0.0.1:9/w",
            "--verify-token",
            "t",
        ])
        .unwrap() else {
            panic!("not serve");
        };
        assert_eq!(a.port, 0);
        assert!(a.host.is_loopback());
        assert_eq!(
            a.webhook,
            Some(("http://127.0.0.1:9/w".to_owned(), "t".to_owned()))
        );
        assert_eq!(args(&[]).unwrap(), Command::Help);
        assert_eq!(args(&["--version"]).unwrap(), Command::Version);
        assert!(
            args(&["serve", "--port"])
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            args(&["serve", "--port", "99999"])
                .unwrap_err()
                .contains("port")
        );
        assert!(
            args(&["serve", "--bogus", "1"])
                .unwrap_err()
                .contains("unknown flag")
        );
        assert!(
            args(&["serve", "--webhook", "http://x/"])
                .unwrap_err()
                .contains("--verify-token")
        );
        assert!(args(&["start"]).unwrap_err().contains("unknown command"));
        let Command::Serve(w) = args(&["serve", "--workshop", "--port", "9"]).unwrap() else {
            panic!("not serve");
        };
        assert!(w.workshop && !w.host_given && w.port == 9);
        let s = settings(&w).unwrap();
        assert_eq!(s.integrity, Some(crate::engine::WORKSHOP_INTEGRITY));
        let Command::Serve(h) = args(&["serve", "--host", "0.0.0.0"]).unwrap() else {
            panic!("not serve");
        };
        assert!(h.host_given && !h.workshop);
        assert_eq!(settings(&h).unwrap().integrity, None);
    }
}
