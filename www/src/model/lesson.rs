//! The workshop: a guided lesson. Each step says what to look at, runs its
//! commands on the world, and names the panes that matter. The state at step
//! `k` is a fresh world with the commands of steps 1 to `k`, so a link with
//! the seed and the step number reproduces it exactly.

use cipherflow_flow::cloud_api::store::DAY_MS;
use cipherflow_flow::faults::Fault;

use crate::model::command::Command;
use crate::model::preset::HOUR_MS;

/// A part of the page a step points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spot {
    /// The consumer's phone.
    Consumer,
    /// The WhatsApp transport.
    Transport,
    /// The Cloud API.
    CloudApi,
    /// The business's server.
    Business,
    /// The crypto inspector.
    Inspector,
    /// The visibility matrix.
    Matrix,
}

/// One step of the lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonStep {
    /// Its heading.
    pub title: &'static str,
    /// What to notice.
    pub text: &'static str,
    /// What it does.
    pub commands: Vec<Command>,
    /// Where to look.
    pub spots: &'static [Spot],
}

fn step(
    title: &'static str,
    text: &'static str,
    spots: &'static [Spot],
    commands: Vec<Command>,
) -> LessonStep {
    LessonStep {
        title,
        text,
        commands,
        spots,
    }
}

/// The lesson.
pub fn lesson() -> Vec<LessonStep> {
    use Spot::*;
    vec![
        step(
            "Four parties",
            "Ana's WhatsApp client, the WhatsApp transport server, the Cloud API (run by Meta \
             for Acme) and Acme's own server. Both phones' Signal keys exist already: Ana's on her \
             phone, Acme's number's keys at the Cloud API. The transport holds only their public \
             prekey bundles.",
            &[Consumer, Transport, CloudApi, Business],
            vec![],
        ),
        step(
            "Ana encrypts",
            "Ana writes to Acme. Her client fetched Acme's prekey bundle, ran X3DH and encrypted the \
             text with the Double Ratchet. Open the crypto inspector: the X3DH steps and her \
             ratchet's first chain.",
            &[Consumer, Inspector],
            vec![Command::Send {
                text: "Hi! Is my order #1042 on its way?".to_owned(),
            }],
        ),
        step(
            "The transport carries ciphertext",
            "The transport logged the envelope: numbers, time, size and bytes it cannot read. The \
             badge is computed from those bytes: no 8-byte window of any plaintext appears in them.",
            &[Transport],
            vec![],
        ),
        step(
            "The Cloud API decrypts for Acme",
            "The envelope reaches the Cloud API, which holds Acme's Signal keys and decrypts it. \
             This is where the Signal encryption ends: the leg from Ana to the Cloud API is \
             end-to-end encrypted, the Cloud API itself reads the message, keeps it at most 30 days \
             and at once posts it on to Acme's webhook (the last arrow).",
            &[Transport, CloudApi],
            vec![Command::Step],
        ),
        step(
            "A signed webhook",
            "That webhook carried the plaintext to Acme's server over HTTPS, signed with \
             X-Hub-Signature-256 (HMAC-SHA256 under the app secret). Acme's server verifies the \
             signature before it believes the message.",
            &[CloudApi, Business],
            vec![Command::Settle],
        ),
        step(
            "Acme replies through the Graph API",
            "Acme's server POSTs /v21.0/{phone-number-id}/messages. The Cloud API answers with a \
             wamid, encrypts the reply for Ana's phone and hands the ciphertext to the transport.",
            &[Business, CloudApi, Transport],
            vec![
                Command::Reply {
                    text: "Yes! It shipped this morning.".to_owned(),
                },
                Command::Settle,
            ],
        ),
        step(
            "Ticks and statuses",
            "Ana opens the chat: her phone sends a read receipt. Acme gets `delivered`, then `read` \
             status webhooks; the ticks on Acme's message turn blue.",
            &[Consumer, Business],
            vec![Command::Open, Command::Settle],
        ),
        step(
            "The transport tampers",
            "Tampering is now on (see the fault toggles) and Ana sends again. The transport flips one \
             bit; the Cloud API's ChaCha20-Poly1305 check fails and it refuses the envelope (see \
             \"Faults and verdicts\"). Its session is exactly as it was before.",
            &[Transport, CloudApi],
            vec![
                Command::Fault {
                    fault: Fault::Tamper,
                    on: true,
                },
                Command::Send {
                    text: "My card ends in 4242.".to_owned(),
                },
                Command::Step,
            ],
        ),
        step(
            "Retransmission heals it",
            "Tampering is off again. With no receipt, Ana's phone retransmits the same envelope \
             after 2 seconds; this time it decrypts, and the business gets it exactly once.",
            &[Consumer, Transport, CloudApi],
            vec![
                Command::Fault {
                    fault: Fault::Tamper,
                    on: false,
                },
                Command::Advance { ms: 5_000 },
                Command::Settle,
            ],
        ),
        step(
            "A new identity key",
            "Acme's number re-registers (say, moving provider) with a new identity key. Ana's next \
             message starts a new session, and her phone warns that the safety number changed.",
            &[Consumer, Inspector],
            vec![
                Command::RotateIdentity,
                Command::Send {
                    text: "Are you still there?".to_owned(),
                },
                Command::Settle,
            ],
        ),
        step(
            "Offline: queued and retransmitted",
            "Ana's phone goes offline and Acme replies. The transport queues the ciphertext for her \
             device; the Cloud API keeps the plaintext and retransmits with backoff.",
            &[Transport, CloudApi],
            vec![
                Command::Online { on: false },
                Command::Reply {
                    text: "We are here! Your order arrives Friday.".to_owned(),
                },
                Command::Settle,
                Command::Advance { ms: HOUR_MS },
            ],
        ),
        step(
            "The 30-day purge",
            "Thirty days pass. The Cloud API deletes every stored message, and the consumer numbers \
             it held only for them; the undelivered reply is reported `failed`.",
            &[CloudApi, Business],
            vec![Command::Advance { ms: 30 * DAY_MS }],
        ),
        step(
            "The 24-hour window and templates",
            "Acme writes to Ana again, a month later. Free-form messages may only go within 24 hours \
             of Ana's last message: the Graph API answers 200, then a `failed` status arrives with \
             error 131047 (\"Re-engagement message\"). Acme sends its approved `hello_world` template \
             instead: it goes, and its status says it is billed. Both panes show the window.",
            &[CloudApi, Business],
            vec![
                Command::Reply {
                    text: "Anything else we can do for you?".to_owned(),
                },
                Command::Settle,
                Command::Template {
                    name: "hello_world".to_owned(),
                    params: Vec::new(),
                },
                Command::Settle,
            ],
        ),
        step(
            "Who saw what",
            "Ana reports a promotional message as spam: her client tells WhatsApp's integrity \
             system about Acme, and never sends the text. The visibility matrix is computed from \
             what the router delivered to WhatsApp and to the rest of Meta in this run, set beside \
             Meta's published table: every cell is green where they agree. Try a \"What if?\" switch \
             to see which cells turn red.",
            &[Matrix],
            vec![Command::ReportSpam { consumer: 0 }],
        ),
    ]
}

/// Every command up to and including step `index` (0-based).
pub fn commands_through(index: usize) -> Vec<Command> {
    lesson()
        .into_iter()
        .take(index + 1)
        .flat_map(|s| s.commands)
        .collect()
}

/// Where step `index`'s own commands begin in [`commands_through`]`(index)`.
pub fn step_begins(index: usize) -> usize {
    lesson().iter().take(index).map(|s| s.commands.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::world::World;
    use cipherflow_flow::cloud_api::store::Direction;

    #[test]
    fn the_lesson_has_at_least_eight_steps_and_every_command_is_accepted() {
        let steps = lesson();
        assert!(steps.len() >= 8);
        let mut w = World::new(42).unwrap();
        for (i, s) in steps.iter().enumerate() {
            for c in &s.commands {
                w.apply(c.clone())
                    .unwrap_or_else(|e| panic!("step {} ({}): {e:?}", i + 1, s.title));
            }
        }
        assert!(w.sim.proof().holds);
        assert!(w.sim.visibility().all_agree);
        // The purge emptied the store; what it holds now is the window
        // step's two sends (the refused reply and the template).
        let store = w.sim.cloud_api().store();
        assert_eq!(store.len(), 2, "the purge ran");
        assert!(store.iter().all(|m| m.direction == Direction::Outbound));
    }

    #[test]
    fn a_step_is_reproduced_from_its_number() {
        let (a, _) = World::replay(42, &commands_through(6)).unwrap();
        let (b, _) = World::replay(42, &commands_through(6)).unwrap();
        assert_eq!(a.sim.state_digest(), b.sim.state_digest());
    }
}
