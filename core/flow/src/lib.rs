//! # cipherflow-flow
//!
//! The Cloud API message flow: four parties (plus Business Manager and the rest
//! of Meta) exchanging real bytes in a deterministic simulation.
//!
//! The Cloud API decrypts on the business's behalf: the consumer-to-business
//! path is encrypted between the consumer's client and the Cloud API, and from
//! there the business receives plaintext over its webhook. It is not
//! "end-to-end" to the business's own server.

pub mod business;
pub mod business_manager;
pub mod cloud_api;
pub mod consumer;
pub mod envelope;
pub mod faults;
pub mod graph_api;
pub mod http;
pub mod ids;
pub mod integrity;
pub mod journey;
pub mod ledger;
pub mod panes;
pub mod phone;
pub mod proof;
pub mod retention;
pub mod sim;
pub mod trace;
pub mod trace_json;
pub mod trace_proof;
pub mod transport;
pub mod webhook;

pub use sim::{BusinessHandle, DeliveryStats, SimConfig, SimError, Simulation, StepBudgetExceeded};
