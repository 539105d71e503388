//! Scenario presets: each is a list of commands run on a fresh world.

use cipherflow_flow::cloud_api::store::DAY_MS;
use cipherflow_flow::faults::Fault;

use crate::model::command::{BLAST_TEMPLATE, BLAST_TEMPLATE_BODY, Command};

/// One hour in ms.
pub const HOUR_MS: u64 = 3_600_000;

/// A preset scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// Its id in the URL.
    pub id: &'static str,
    /// Its button label.
    pub title: &'static str,
    /// What it shows.
    pub summary: &'static str,
}

/// Every preset, in display order.
pub const PRESETS: [Preset; 8] = [
    Preset {
        id: "hello",
        title: "Hello",
        summary: "Ana writes, the Cloud API decrypts and posts a webhook, Acme replies, Ana reads it.",
    },
    Preset {
        id: "offline",
        title: "Offline consumer",
        summary: "Acme replies while Ana's phone is off: the transport queues, the Cloud API retransmits, she comes back.",
    },
    Preset {
        id: "purge",
        title: "30-day purge",
        summary: "A reply never reaches an offline phone: after 30 days the Cloud API deletes it and reports `failed`.",
    },
    Preset {
        id: "spam",
        title: "Spam blast",
        summary: "Acme messages every user; the transport flags it, three spam reports block it, later sends fail.",
    },
    Preset {
        id: "window",
        title: "24-hour window",
        summary: "A day after Ana's last message Acme's free-form reply fails (131047); its template goes, billed; Ana answers and the window reopens.",
    },
    Preset {
        id: "tamper",
        title: "Transport tampering",
        summary: "The transport flips a bit: the Cloud API's AEAD check rejects it, and the retransmission gets through.",
    },
    Preset {
        id: "keychange",
        title: "Key change",
        summary: "Acme's number re-registers with a new identity key: a new session, and Ana's safety number changes.",
    },
    Preset {
        id: "bulk",
        title: "10,000 messages",
        summary: "Ana sends 10,000 messages: the transport log stays responsive (a virtualised list).",
    },
];

/// The preset with this id.
pub fn find(id: &str) -> Option<Preset> {
    PRESETS.iter().copied().find(|p| p.id == id)
}

fn send(text: &str) -> Command {
    Command::Send {
        text: text.to_owned(),
    }
}

fn reply(text: &str) -> Command {
    Command::Reply {
        text: text.to_owned(),
    }
}

/// The commands of the hello exchange.
pub fn hello() -> Vec<Command> {
    vec![
        send("Hi! Is my order #1042 on its way?"),
        Command::Settle,
        reply("Yes! It shipped this morning."),
        Command::Settle,
        Command::Open,
        Command::Settle,
    ]
}

/// The commands of preset `id`.
pub fn commands(id: &str) -> Vec<Command> {
    match id {
        "hello" => hello(),
        "offline" => vec![
            send("Can I change the size to 39?"),
            Command::Settle,
            Command::Online { on: false },
            reply("Done: size 39 is on its way."),
            Command::Settle,
            Command::Advance { ms: HOUR_MS },
            Command::Online { on: true },
            Command::Settle,
        ],
        "purge" => vec![
            send("Please call me back."),
            Command::Settle,
            Command::Online { on: false },
            reply("We tried to reach you."),
            Command::Settle,
            Command::Advance { ms: 30 * DAY_MS },
            Command::Advance { ms: HOUR_MS },
        ],
        "spam" => vec![
            Command::AddConsumers { n: 20 },
            // None of them wrote first: a blast needs an approved marketing
            // template, reviewed in a minute.
            Command::CreateTemplate {
                name: BLAST_TEMPLATE.to_owned(),
                category: "MARKETING".to_owned(),
                body: BLAST_TEMPLATE_BODY.to_owned(),
            },
            Command::Advance { ms: 60_000 },
            Command::Blast {
                text: "MEGA SALE: 90% off everything, today only!".to_owned(),
            },
            Command::Settle,
            Command::ReportSpam { consumer: 1 },
            Command::ReportSpam { consumer: 2 },
            Command::ReportSpam { consumer: 3 },
            Command::Blast {
                text: "Last chance: MEGA SALE ends tonight!".to_owned(),
            },
            Command::Settle,
        ],
        "window" => {
            let mut c = hello();
            c.extend([
                Command::Advance { ms: 25 * HOUR_MS },
                reply("Did the parcel arrive?"),
                Command::Settle,
                Command::Template {
                    name: "hello_world".to_owned(),
                    params: Vec::new(),
                },
                Command::Settle,
                send("Yes, thanks!"),
                Command::Settle,
                reply("Great, enjoy!"),
                Command::Settle,
            ]);
            c
        }
        "tamper" => vec![
            Command::Fault {
                fault: Fault::Tamper,
                on: true,
            },
            send("My card ends in 4242."),
            Command::Step,
            Command::Fault {
                fault: Fault::Tamper,
                on: false,
            },
            Command::Advance { ms: 5_000 },
            Command::Settle,
        ],
        "keychange" => {
            let mut c = hello();
            c.extend([
                Command::RotateIdentity,
                send("Are you still there?"),
                Command::Settle,
            ]);
            c
        }
        "bulk" => vec![Command::Bulk { n: 10_000 }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::world::World;
    use cipherflow_flow::transport::integrity::IntegrityAction;

    fn run(id: &str) -> World {
        let (w, refused) = World::replay(5, &commands(id)).unwrap();
        assert_eq!(refused, 0, "preset {id}");
        w
    }

    #[test]
    fn every_preset_runs_without_a_refused_command() {
        for p in PRESETS.iter().filter(|p| p.id != "bulk") {
            let w = run(p.id);
            assert!(w.sim.proof().holds, "preset {}", p.id);
        }
    }

    #[test]
    fn the_purge_preset_empties_the_store_and_fails_the_reply() {
        let w = run("purge");
        assert_eq!(w.sim.cloud_api().store().len(), 0);
        let b = w.sim.businesses().values().next().unwrap();
        assert!(b.outbound.iter().any(|s| s.status == "failed"));
    }

    #[test]
    fn the_spam_preset_blocks_the_business() {
        let w = run("spam");
        let signals = w.sim.transport().integrity().signals();
        let acme = signals.values().next().unwrap();
        assert_eq!(acme.action, IntegrityAction::Blocked);
    }

    #[test]
    fn the_window_preset_fails_outside_it_and_the_template_goes() {
        let w = run("window");
        let b = w.sim.businesses().values().next().unwrap();
        let outcome: Vec<(&str, Option<u64>, Option<bool>)> = b
            .outbound
            .iter()
            .map(|s| (s.status.as_str(), s.error_code, s.billable))
            .collect();
        assert_eq!(
            outcome,
            [
                ("read", None, Some(false)),
                ("failed", Some(131047), None),
                ("delivered", None, Some(true)),
                ("delivered", None, Some(false)),
            ]
        );
    }

    #[test]
    fn the_tamper_preset_rejects_then_delivers() {
        let w = run("tamper");
        let j = &w.sim.journeys().all()[0];
        // The damaged first copy is a prekey message, which the Cloud API
        // cannot tell from one made for keys it no longer holds: it refuses
        // it by asking for a retry rather than by a plain rejection.
        assert!(
            j.faults.contains(&cipherflow_flow::faults::Fault::Tamper),
            "{j:?}"
        );
        assert!(j.rejections + j.retry_requests >= 1 && j.decrypted, "{j:?}");
        assert_eq!(
            w.sim.proof().tampered_rejected,
            w.sim.proof().tampered_envelopes
        );
    }

    #[test]
    fn the_key_change_preset_changes_the_safety_number() {
        let w = run("keychange");
        let ana = w.sim.consumers().values().next().unwrap();
        let acme =
            cipherflow_flow::phone::PhoneNumber::parse(crate::model::cast::BUSINESS).unwrap();
        assert!(ana.previous_safety_number(&acme).is_some());
        assert_ne!(ana.previous_safety_number(&acme), ana.safety_number(&acme));
    }
}
