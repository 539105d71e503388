//! A replica follows the running server over `/control/v1/follow`: it builds
//! the world from the seed, applies every journaled input at its time with
//! the same party code, and moves its clock as the server says; at every
//! `clock` event its state digest is the server's. This is what the app's
//! live mode does in the browser.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use cipherflow_flow::live::{self, Input};
use cipherflow_flow::{SimConfig, Simulation};
use common::{Http, Receiver, Server, config_file, eventually, temp_dir};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const SECRET: &str = "follow-app-secret";
const TOKEN: &str = "EAAG-test-token";
const ANA: &str = "16505550101";
const SHOP: &str = "15550783881";

/// A replica of the server's world.
struct Replica {
    sim: Option<Simulation>,
    inputs: u64,
    matched: u64,
    last_seq: u64,
    /// The world time of the last matching clock event.
    clock: u64,
}

impl Replica {
    fn on(&mut self, event: &str, data: &str) {
        let v: Value = serde_json::from_str(data).unwrap();
        match event {
            "world" => {
                let config: SimConfig = serde_json::from_value(v["config"].clone()).unwrap();
                let mut seed = [0u8; 32];
                hex::decode_to_slice(v["seed"].as_str().unwrap(), &mut seed).unwrap();
                self.sim = Some(Simulation::with_seed(config, seed).unwrap());
            }
            "input" => {
                let sim = self.sim.as_mut().unwrap();
                let seq = v["seq"].as_u64().unwrap();
                assert_eq!(seq, self.last_seq + 1, "rows in order, none missing");
                self.last_seq = seq;
                let at = v["at_ms"].as_u64().unwrap();
                let input: Input = serde_json::from_value(v["input"].clone()).unwrap();
                sim.advance_to(at);
                let _ = live::apply(sim, at, &input);
                // The server sends these; a replica only drops them.
                while sim.poll_external_request().is_some() {}
                self.inputs += 1;
            }
            "clock" => {
                let sim = self.sim.as_mut().unwrap();
                sim.advance_to(v["now_ms"].as_u64().unwrap());
                while sim.poll_external_request().is_some() {}
                assert_eq!(
                    sim.state_digest(),
                    v["digest"].as_str().unwrap(),
                    "the replica diverged at {} after {} inputs",
                    v["now_ms"],
                    self.inputs
                );
                self.matched += 1;
                self.clock = v["now_ms"].as_u64().unwrap();
            }
            other => panic!("unexpected event {other}: {data}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_rebuilt_from_the_stream_has_the_servers_digest() {
    let dir = temp_dir("follow");
    let receiver = Receiver::start("follow-verify").await;
    let config = config_file(&dir, &receiver, SECRET);
    let server = Server::start(&dir.join("data"), &["--config", config.to_str().unwrap()]);
    let http = Http::new();
    let seen = receiver.seen.clone();
    eventually(Duration::from_secs(30), "the handshake", || {
        let seen = seen.clone();
        async move { seen.lock().unwrap().handshakes >= 1 }
    })
    .await;
    // Something before the replica starts (it comes as backlog)...
    common::add_consumer(&http, &server, "+1 650 555 0101", "Ana").await;
    http.post_json(
        &server.url(&format!("/control/v1/consumers/{ANA}/messages")),
        &json!({"to": SHOP, "text": "before the replica"}),
    )
    .await;

    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let response = client
        .get(server.url("/control/v1/follow?since=1").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = response.into_body();

    // ...and more while it follows: both directions, a read, the clock.
    let (h, base) = (http.clone(), server.base.clone());
    let driver = tokio::spawn(async move {
        for i in 0..5 {
            h.post_json(
                &format!("{base}/control/v1/consumers/{ANA}/messages"),
                &json!({"to": SHOP, "text": format!("live {i}")}),
            )
            .await;
            tokio::time::sleep(Duration::from_millis(150)).await;
            let body = json!({"messaging_product": "whatsapp", "to": ANA, "type": "text",
                              "text": {"body": format!("answer {i}")}});
            h.graph(
                &format!("{base}/v24.0/106540352242923/messages"),
                TOKEN,
                &body,
            )
            .await
            .unwrap();
        }
        h.post_json(
            &format!("{base}/control/v1/consumers/{ANA}/read"),
            &json!({"business": SHOP}),
        )
        .await;
        h.post_json(
            &format!("{base}/control/v1/clock/advance"),
            &json!({"ms": 3_600_000}),
        )
        .await;
    });

    let mut replica = Replica {
        sim: None,
        inputs: 0,
        matched: 0,
        last_seq: 0,
        clock: 0,
    };
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut target: Option<(u64, u64)> = None;
    while Instant::now() < deadline {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("the stream went quiet")
            .unwrap()
            .unwrap();
        let Ok(data) = frame.into_data() else {
            continue;
        };
        text.push_str(std::str::from_utf8(&data).unwrap());
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let mut event = "message";
            let mut payload = String::new();
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = match e {
                        "world" => "world",
                        "input" => "input",
                        "clock" => "clock",
                        _ => "other",
                    };
                } else if let Some(d) = line.strip_prefix("data: ") {
                    payload.push_str(d);
                }
            }
            if !payload.is_empty() {
                eprintln!(
                    "event {event}: {}",
                    payload.get(..80.min(payload.len())).unwrap_or("")
                );
                replica.on(event, &payload);
            }
        }
        // Done when the driver finished, every row arrived, and a clock
        // event from after that matched.
        if target.is_none() && driver.is_finished() {
            let health = http.get(&server.url("/control/v1/health")).await.json();
            target = Some((
                health["journal_rows"].as_u64().unwrap(),
                health["now_ms"].as_u64().unwrap(),
            ));
        }
        if let Some((rows, now)) = target
            && replica.last_seq >= rows
            && replica.clock >= now
        {
            break;
        }
    }
    driver.await.unwrap();
    assert!(target.is_some(), "the replica did not catch up within 60 s");
    let sim = replica.sim.as_ref().unwrap();
    assert!(replica.inputs >= 13, "{} inputs", replica.inputs);
    assert!(replica.matched >= 2, "{} clock matches", replica.matched);
    // The replica's phone shows what the server's does.
    let server_chat = http
        .get(&server.url(&format!("/control/v1/consumers/{ANA}/chats")))
        .await
        .json();
    let ana = sim.consumers().values().next().unwrap();
    let texts: Vec<String> = ana
        .chats()
        .values()
        .next()
        .unwrap()
        .iter()
        .map(|b| b.text.to_owned())
        .collect();
    let server_texts: Vec<String> = server_chat["chats"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, server_texts);
    assert_eq!(texts.len(), 11);
}
