//! A live world: the simulation driven by inputs from outside at the times
//! they arrived, as `cipherflow serve` drives it, and as a replica (the
//! app's live mode) follows it.
//!
//! The parties are deterministic given their generator's seed and their
//! inputs, so two worlds built with [`Simulation::with_seed`] from the same
//! seed, given the same [`Input`]s through [`apply`] at the same times (and
//! moved to the same times with [`Simulation::advance_to`] in between), are
//! the same world: [`Simulation::state_digest`] says so. A server rebuilds
//! itself from its journal this way; the app's live mode rebuilds the
//! server's world in the browser and compares digests.
//!
//! - `input.rs`: the inputs.
//! - `blast.rs`: the instructor's business: a reply, and a blast that
//!   trips the transport's integrity monitor.
//! - `device_gate.rs`: the transport's end of a device's connection: the
//!   handshake and the checks on every frame.
//! - `phone_link.rs`: the phone's end: the consumer party driven by frames.
//! - `phone_journal.rs`: a phone kept as its seed and its inputs, so that a
//!   reload of the phone's page rebuilds it.

pub mod blast;
pub mod device_gate;
mod input;
pub mod phone_journal;
pub mod phone_link;

use device_gate::GateError;
pub use input::Input;
use serde_json::{Value, json};

use crate::http::HttpResponse;
use crate::router::{SimError, Simulation};

/// What an applied input returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// An HTTP response (a Graph API request).
    Http(HttpResponse),
    /// A JSON value (a command).
    Json(Value),
}

/// Why an input was refused. A refused input changes nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// The parties refused it.
    #[error(transparent)]
    Refused(#[from] SimError),
    /// A callback URL that is not `http://host[:port][/path]`.
    #[error("callback_url {0:?} is not an http:// URL")]
    BadUrl(String),
    /// A device's frame that does not read, or speaks for another number.
    #[error(transparent)]
    Device(#[from] GateError),
    /// A blast the business may not send.
    #[error("blast refused: {0}")]
    BadBlast(String),
}

/// The path and query of an `http://` callback URL (`/` when it has none).
pub fn callback_path(url: &str) -> Result<&str, InputError> {
    let bad = || InputError::BadUrl(url.to_owned());
    let scheme = url.get(..7).ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("http://") {
        return Err(bad());
    }
    let rest = url.get(7..).ok_or_else(bad)?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    if end == 0 {
        return Err(bad());
    }
    match rest.get(end..) {
        Some(p) if p.starts_with('/') => Ok(p),
        Some("") | None => Ok("/"),
        // "http://host?x": a query with no path.
        Some(_) => Err(bad()),
    }
}

/// Applies `input` to `sim`, which the caller has moved to `at_ms` (the
/// time the input arrived).
pub fn apply(sim: &mut Simulation, at_ms: u64, input: &Input) -> Result<Applied, InputError> {
    let ok = || Ok(Applied::Json(json!({})));
    match input {
        Input::AddBusiness {
            number,
            name,
            credentials,
        } => {
            let handle = sim.add_business_with(number, name, credentials)?;
            Ok(Applied::Json(
                serde_json::to_value(&handle).unwrap_or(Value::Null),
            ))
        }
        Input::AddConsumer { number, name } => {
            let number = sim.add_consumer(number, name)?;
            Ok(Applied::Json(json!({ "number": number.wa_id() })))
        }
        Input::Graph { request } => Ok(Applied::Http(sim.cloud_api_request(request))),
        Input::ConnectWebhook {
            phone_number_id,
            url,
            verify_token,
        } => {
            sim.connect_webhook(phone_number_id, callback_path(url)?, verify_token)?;
            ok()
        }
        Input::WebhookAnswer {
            phone_number_id,
            exchange,
            answer,
        } => {
            sim.external_answer(phone_number_id, *exchange, answer.clone());
            ok()
        }
        Input::ConsumerText {
            consumer,
            to,
            text,
            reply_to,
        } => {
            let id = sim.consumer_reply(consumer, to, text, reply_to.as_deref())?;
            Ok(Applied::Json(json!({ "id": id })))
        }
        Input::ConsumerReact {
            consumer,
            to,
            message_id,
            emoji,
        } => {
            let id = sim.consumer_react(consumer, to, message_id, emoji)?;
            Ok(Applied::Json(json!({ "id": id })))
        }
        Input::ConsumerRead { consumer, business } => {
            let read = sim.consumer_read(consumer, business)?;
            Ok(Applied::Json(json!({ "read": read })))
        }
        Input::ConsumerOnline { consumer, online } => {
            sim.set_consumer_online(consumer, *online)?;
            ok()
        }
        Input::ConsumerReportSpam { consumer, business } => {
            sim.consumer_report_spam(consumer, business)?;
            ok()
        }
        Input::BusinessText {
            phone_number_id,
            to,
            text,
        } => Ok(Applied::Http(sim.business_send_text(
            phone_number_id,
            to,
            text,
        )?)),
        Input::BusinessBlast {
            phone_number_id,
            text,
            count,
        } => Ok(Applied::Json(blast::blast(
            sim,
            phone_number_id,
            text,
            *count,
        )?)),
        Input::AdvanceClock { ms } => {
            sim.advance_to(at_ms.saturating_add(*ms));
            Ok(Applied::Json(json!({ "now_ms": sim.now_ms() })))
        }
        Input::DeviceAttach { number, keys } => {
            let keys = keys
                .as_ref()
                .map(|k| k.to_keys())
                .transpose()
                .map_err(GateError::from)?;
            sim.attach_device(number, keys)?;
            ok()
        }
        Input::DeviceFrame { number, frame } => {
            if let crate::wire::device_frame::DeviceFrame::Ack { from, id } = frame {
                sim.device_ack(number, from, *id)?;
            } else {
                let message = device_gate::message_of(number, frame.clone())?;
                sim.device_message(number, message)?;
            }
            ok()
        }
        Input::DeviceDetach { number } => {
            sim.detach_device(number);
            ok()
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn callback_paths_are_read_off_http_urls() {
        assert_eq!(
            callback_path("http://127.0.0.1:3000/hooks/wa?t=1"),
            Ok("/hooks/wa?t=1")
        );
        assert_eq!(callback_path("HTTP://localhost"), Ok("/"));
        assert_eq!(callback_path("http://h:1/"), Ok("/"));
        for bad in [
            "https://x/w",
            "http://",
            "http:///w",
            "http://h?x=1",
            "ftp://x",
            "",
            "http",
        ] {
            assert!(callback_path(bad).is_err(), "{bad}");
        }
    }
}
