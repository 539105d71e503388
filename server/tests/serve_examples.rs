//! The README's "Test your integration" examples, run against the real
//! server: an echo bot in Node and one in Python, each with its own webhook
//! endpoint, subscribed through Meta's app subscription call, answering
//! through the Graph API; each drives a consumer through the control API and
//! exits 0 once the echo is on the phone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Server, temp_dir};

fn run_example(interpreter: &str, script: &str, name: &str) {
    let dir = temp_dir(name);
    let server = Server::start(&dir.join("data"), &[]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let started = Instant::now();
    let mut child = Command::new(interpreter)
        .arg(root.join(script))
        .args(["--server", &server.base, "--selftest"])
        .spawn()
        .unwrap_or_else(|e| panic!("{interpreter} (installed by scripts/setup.sh): {e}"));
    // Bounded: the script gives up after 30 s itself; this is its backstop.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("{script} did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{script}: {status}");
}

#[test]
fn the_node_echo_bot_works_against_the_server() {
    run_example(
        "node",
        "examples/integration/node/echo_bot.mjs",
        "example-node",
    );
}

#[test]
fn the_python_echo_bot_works_against_the_server() {
    run_example(
        "python3",
        "examples/integration/python/echo_bot.py",
        "example-python",
    );
}
