//! # cipherflow-server
//!
//! `cipherflow serve`: the parties of the Cloud API flow running live behind
//! real sockets. A local Cloud API sandbox: real client code calls the Graph
//! API over HTTP, real webhook servers get signed POSTs, consumers driven
//! through the control API run the consumer party (real keys, real
//! encryption), and the app shows it all live.
//!
//! It is a second router over the simulation's parties (see
//! `docs/ARCHITECTURE.md`): the same party code, with the wall clock in
//! place of the virtual one, HTTP in place of the in-process webhook link,
//! and a journal in SQLite so that a `kill -9` loses nothing.
//!
//! - `engine/`: the live router, its inputs, its settings;
//! - `store/`: the data directory (SQLite, the data key, sealing);
//! - `actor.rs`: the thread that owns the engine;
//! - `webhook_out.rs`: webhook requests over HTTP to real endpoints;
//! - `http/`: the Graph API, the app subscription call, the control API, the
//!   live stream and the app, on one port;
//! - `workshop.rs`: `--workshop`: the LAN address, the join URL, its QR code;
//! - `cli.rs`: `cipherflow serve` and its flags.

pub mod actor;
pub mod cli;
pub mod engine;
pub mod http;
pub mod store;
pub mod webhook_out;
pub mod workshop;
