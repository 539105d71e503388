//! # cipherflow-flow
//!
//! The Cloud API message flow: the parties a WhatsApp message to a business
//! crosses, each a sans-IO state machine, and a router that delivers their
//! messages in virtual time.
//!
//! | party | module | talks to |
//! |---|---|---|
//! | the consumer's WhatsApp client | [`consumer`] | the transport |
//! | the WhatsApp transport server | [`transport`] | devices; receives Meta's shares |
//! | the Cloud API | [`cloud_api`] | the transport (as each hosted number's device), businesses (HTTPS), Business Manager, the rest of Meta |
//! | the business's server | [`business`] | the Cloud API (HTTPS), Business Manager (sign-up) |
//! | Business Manager | [`business_manager`] | the transport, the rest of Meta |
//! | the rest of Meta | [`rest_of_meta`] | nobody: it only receives |
//!
//! No party holds a reference to another, reads a clock or owns randomness
//! (see [`party`]); they exchange the typed messages of [`wire`]. The
//! [`Simulation`] is a router: it delivers the messages (with latency and
//! faults on the network between the transport and the devices), and derives
//! from what it delivers the [`ledger`] of who holds what, the
//! [`proof`] that the transport only ever held ciphertext, and the [`trace`],
//! in which every event carries the ids that link it to its message
//! ([`journey`]).
//!
//! The Cloud API decrypts on the business's behalf: the consumer-to-business
//! path is encrypted between the consumer's client and the Cloud API, and from
//! there the business receives plaintext over its webhook. It is not
//! "end-to-end" to the business's own server.
//!
//! ```
//! use cipherflow_flow::{SimConfig, Simulation};
//!
//! let mut sim = Simulation::new(SimConfig { seed: 7, ..SimConfig::default() }).unwrap();
//! sim.add_consumer("+1 650 555 0101", "Ana").unwrap();
//! let shop = sim.add_business("+1 555 078 3881", "Shop").unwrap();
//! sim.consumer_send_text("+16505550101", "+15550783881", "Is my order shipped?").unwrap();
//! sim.settle();
//! // The business got the plaintext by webhook; the transport held ciphertext only.
//! assert_eq!(sim.businesses()[&shop.phone_number_id].inbox[0].body, "Is my order shipped?");
//! assert!(sim.proof().holds);
//! ```

pub mod base64;
pub mod breach;
pub mod business;
pub mod business_manager;
pub mod cloud_api;
pub mod consumer;
pub mod device;
pub mod faults;
pub mod http;
pub mod ids;
pub mod journey;
pub mod ledger;
pub mod live;
pub mod maps;
pub mod party;
pub mod phone;
pub mod proof;
pub mod rest_of_meta;
pub mod router;
mod short_str;
pub mod trace;
pub mod transport;
pub mod view;
pub mod wire;

pub use router::{
    BusinessCredentials, BusinessHandle, DeliveryStats, ExternalRequest, STEP_BUDGET, SimConfig,
    SimError, Simulation, StepBudgetExceeded,
};
