//! What a person (or a lesson, or a preset) can ask the simulation to do.
//!
//! A command is data, so a session is reproducible: a seed plus the list of
//! commands that were accepted rebuilds the exact same world, byte for byte.
//! That list goes into the page's URL and into exported traces.

use cipherflow_flow::breach::Breach;
use cipherflow_flow::faults::{Fault, FaultConfig};
use cipherflow_flow::http::HttpResponse;
use cipherflow_flow::{STEP_BUDGET, Simulation};
use serde::{Deserialize, Serialize};

use crate::model::cast::{self, Cast};

/// The marketing template the spam preset creates and blasts.
pub const BLAST_TEMPLATE: &str = "flash_sale";
/// Its body.
pub const BLAST_TEMPLATE_BODY: &str = "Offer from Example Shop: {{1}} Reply STOP to opt out.";

/// Most messages one bulk command sends.
pub const MAX_BULK: u32 = 10_000;
/// Most extra consumers one command registers.
pub const MAX_EXTRA_CONSUMERS: u32 = 200;

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "c", rename_all = "snake_case")]
pub enum Command {
    /// The consumer writes to the business.
    Send {
        /// The text.
        text: String,
    },
    /// The business replies through the Graph API.
    Reply {
        /// The text.
        text: String,
    },
    /// The business marks an inbound message read through the Graph API.
    MarkRead {
        /// Its wamid.
        wamid: String,
        /// Also show Ana "typing…".
        #[serde(default)]
        typing: bool,
    },
    /// The consumer opens the chat (read receipts go back).
    Open,
    /// The consumer's phone goes online or offline.
    Online {
        /// Online?
        on: bool,
    },
    /// A consumer reports the business as spam (0 = the main consumer, then
    /// the extra consumers in order).
    ReportSpam {
        /// Which consumer.
        consumer: u32,
    },
    /// A transport fault is switched on or off.
    Fault {
        /// Which fault.
        fault: Fault,
        /// On or off.
        on: bool,
    },
    /// Run the next scheduled action.
    Step,
    /// Run everything due within a minute.
    Settle,
    /// Move the clock forward.
    Advance {
        /// By this many ms.
        ms: u64,
    },
    /// The business number re-registers with a new identity key.
    RotateIdentity,
    /// A deliberate policy breach is switched on or off (a "what if").
    Breach {
        /// Which.
        breach: Breach,
        /// On or off.
        on: bool,
    },
    /// Register extra consumers (for the spam blast).
    AddConsumers {
        /// How many.
        n: u32,
    },
    /// The business sends the marketing template `flash_sale` to every
    /// extra consumer (none of them wrote first), `text` as its parameter.
    Blast {
        /// The text.
        text: String,
    },
    /// The business sends an approved template (in `en_US`) to the consumer:
    /// it goes whether the customer service window is open or not.
    Template {
        /// Its name.
        name: String,
        /// Its body parameters.
        #[serde(default)]
        params: Vec<String>,
    },
    /// The consumer reacts to a message of the chat.
    React {
        /// The message's id (a wamid for the business's).
        message_id: String,
        /// The emoji; empty removes the reaction.
        emoji: String,
    },
    /// The business submits a template for review.
    CreateTemplate {
        /// Its name.
        name: String,
        /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
        category: String,
        /// Its body, parameters as `{{1}}`...
        body: String,
    },
    /// The consumer sends `n` numbered messages, settling as it goes (the
    /// large-log demonstration).
    Bulk {
        /// How many.
        n: u32,
    },
}

/// Most work a replayed command list may ask for (see [`Command::cost`]): a
/// link or an imported file cannot make the page replay for minutes.
pub const MAX_REPLAY_COST: u64 = 100_000;

/// The probability a fault toggle sets. Replay is the one fault whose own
/// outcome is routed again (a replayed envelope draws a receipt, which may be
/// replayed in turn), so it stays below 1 to let the chain die out.
pub fn toggle_probability(fault: Fault) -> f64 {
    match fault {
        Fault::Replay => 0.5,
        _ => 1.0,
    }
}

/// The faults the toggles switch, in display order.
pub const FAULTS: [Fault; 5] = Fault::ALL;

/// Whether `fault` is switched on in `config`.
pub fn fault_on(config: &FaultConfig, fault: Fault) -> bool {
    config.probability(fault) > 0.0
}

/// Why a command was refused. A refused command changes nothing that matters
/// (the simulation refuses before acting) and is not recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused(pub String);

fn http_outcome(what: &str, r: HttpResponse) -> Result<String, Refused> {
    let body = String::from_utf8_lossy(&r.body).into_owned();
    if r.status == 200 {
        Ok(format!("{what}: HTTP 200 {body}"))
    } else {
        Err(Refused(format!("{what}: HTTP {} {body}", r.status)))
    }
}

impl Command {
    /// The work the command asks for, in messages or registrations: what a
    /// replay budget counts.
    pub fn cost(&self) -> u64 {
        match self {
            Command::Bulk { n } | Command::AddConsumers { n } => u64::from(*n),
            _ => 1,
        }
    }

    /// Runs the command on `sim`; says what happened, or why it was refused.
    pub fn apply(&self, sim: &mut Simulation, cast: &Cast) -> Result<String, Refused> {
        let err = |e: cipherflow_flow::SimError| Refused(e.to_string());
        match self {
            Command::Send { text } => {
                let id = sim
                    .consumer_send_text(cast::CONSUMER, cast::BUSINESS, text)
                    .map_err(err)?;
                Ok(format!(
                    "{} encrypted and sent message {id}",
                    cast::CONSUMER_NAME
                ))
            }
            Command::Reply { text } => {
                let r = sim
                    .business_send_text(&cast.phone_number_id, cast::CONSUMER_WA_ID, text)
                    .map_err(err)?;
                http_outcome("POST /messages", r)
            }
            Command::Template { name, params } => {
                let r = sim
                    .business_send_template(
                        &cast.phone_number_id,
                        cast::CONSUMER_WA_ID,
                        name,
                        "en_US",
                        params,
                    )
                    .map_err(err)?;
                http_outcome("POST /messages (template)", r)
            }
            Command::React { message_id, emoji } => {
                let id = sim
                    .consumer_react(cast::CONSUMER, cast::BUSINESS, message_id, emoji)
                    .map_err(err)?;
                Ok(format!(
                    "{} reacted {emoji} (message {id})",
                    cast::CONSUMER_NAME
                ))
            }
            Command::CreateTemplate {
                name,
                category,
                body,
            } => {
                let r = sim
                    .business_create_template(&cast.phone_number_id, name, category, body)
                    .map_err(err)?;
                http_outcome("POST /message_templates", r)
            }
            Command::MarkRead { wamid, typing } => {
                let r = if *typing {
                    sim.business_mark_read_typing(&cast.phone_number_id, wamid)
                } else {
                    sim.business_mark_read(&cast.phone_number_id, wamid)
                }
                .map_err(err)?;
                http_outcome("mark as read", r)
            }
            Command::Open => {
                let n = sim
                    .consumer_read(cast::CONSUMER, cast::BUSINESS)
                    .map_err(err)?;
                Ok(format!("{} read {n} message(s)", cast::CONSUMER_NAME))
            }
            Command::Online { on } => {
                sim.set_consumer_online(cast::CONSUMER, *on).map_err(err)?;
                Ok(format!(
                    "{}'s phone is {}",
                    cast::CONSUMER_NAME,
                    if *on { "online" } else { "offline" }
                ))
            }
            Command::ReportSpam { consumer } => {
                let number = cast::consumer_number(*consumer);
                sim.consumer_report_spam(&number, cast::BUSINESS)
                    .map_err(err)?;
                Ok(format!("{number} reported {} as spam", cast::BUSINESS_NAME))
            }
            Command::Fault { fault, on } => {
                let mut faults = sim.config().faults;
                faults.set(*fault, if *on { toggle_probability(*fault) } else { 0.0 });
                sim.set_faults(faults).map_err(err)?;
                Ok(format!(
                    "fault {} {}",
                    fault.name(),
                    if *on { "on" } else { "off" }
                ))
            }
            Command::Breach { breach, on } => {
                sim.set_breach(*breach, *on);
                Ok(format!(
                    "what if: {} {}",
                    breach.name(),
                    if *on { "on" } else { "off" }
                ))
            }
            Command::Step => {
                if sim.step() {
                    Ok("ran one scheduled action".to_owned())
                } else {
                    Err(Refused("nothing is scheduled".to_owned()))
                }
            }
            Command::Settle => match sim.settle_within(STEP_BUDGET) {
                Ok(n) => Ok(format!("ran {n} action(s)")),
                Err(e) => Ok(format!("{e}: the rest waits for the next step")),
            },
            Command::Advance { ms } => match sim.advance_within(*ms, STEP_BUDGET) {
                Ok(n) => Ok(format!("clock +{}; ran {n} action(s)", duration(*ms))),
                Err(e) => Ok(format!("clock moved; {e}")),
            },
            Command::RotateIdentity => {
                sim.rotate_business_identity(&cast.phone_number_id)
                    .map_err(err)?;
                Ok(format!(
                    "{} re-registered with a new identity key",
                    cast::BUSINESS_NAME
                ))
            }
            Command::AddConsumers { n } => {
                if *n == 0 || *n > MAX_EXTRA_CONSUMERS {
                    return Err(Refused(format!("1 to {MAX_EXTRA_CONSUMERS} consumers")));
                }
                let first = sim.consumers().len() as u32;
                for i in first..first + n {
                    sim.add_consumer(&cast::consumer_number(i), &format!("Customer {i}"))
                        .map_err(err)?;
                }
                Ok(format!("registered {n} more consumers"))
            }
            Command::Blast { text } => {
                let mut sent = 0;
                let mut refused = 0;
                for i in 1..sim.consumers().len() as u32 {
                    let to = cast::consumer_number(i);
                    let r = sim
                        .business_send_template(
                            &cast.phone_number_id,
                            to.trim_start_matches('+'),
                            BLAST_TEMPLATE,
                            "en_US",
                            std::slice::from_ref(text),
                        )
                        .map_err(err)?;
                    if r.status == 200 {
                        sent += 1;
                    } else {
                        refused += 1;
                    }
                }
                Ok(format!(
                    "blast: {sent} accepted by the API, {refused} refused"
                ))
            }
            Command::Bulk { n } => {
                if *n == 0 || *n > MAX_BULK {
                    return Err(Refused(format!("1 to {MAX_BULK} messages")));
                }
                for i in 1..=*n {
                    sim.consumer_send_text(
                        cast::CONSUMER,
                        cast::BUSINESS,
                        &format!("bulk message {i} of {n}"),
                    )
                    .map_err(err)?;
                    if i % 100 == 0 {
                        let _ = sim.settle_within(STEP_BUDGET);
                    }
                }
                let _ = sim.settle_within(STEP_BUDGET);
                Ok(format!("sent {n} messages"))
            }
        }
    }
}

/// `ms` as the largest whole unit: "1 h", "30 d", "250 ms".
pub fn duration(ms: u64) -> String {
    const S: u64 = 1_000;
    const M: u64 = 60 * S;
    const H: u64 = 60 * M;
    const D: u64 = 24 * H;
    for (unit, name) in [(D, "d"), (H, "h"), (M, "min"), (S, "s")] {
        if ms >= unit && ms.is_multiple_of(unit) {
            return format!("{} {name}", ms / unit);
        }
    }
    format!("{ms} ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_their_largest_unit() {
        assert_eq!(duration(3_600_000), "1 h");
        assert_eq!(duration(30 * 86_400_000), "30 d");
        assert_eq!(duration(1_500), "1500 ms");
    }

    #[test]
    fn commands_round_trip_through_json() {
        let all = vec![
            Command::Send { text: "hi".into() },
            Command::Fault {
                fault: Fault::Tamper,
                on: true,
            },
            Command::Advance { ms: 5 },
            Command::Step,
        ];
        let json = serde_json::to_string(&all).unwrap();
        assert!(
            json.contains(r#"{"c":"fault","fault":"tamper","on":true}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Vec<Command>>(&json).unwrap(), all);
    }
}
