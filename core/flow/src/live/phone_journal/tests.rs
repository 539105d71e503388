//! A phone reloaded from its sealed journal is the same phone: same keys,
//! chats and sessions, and it goes on talking where it stopped.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::live::device_gate::{DeviceGate, GateOutcome};
use crate::router::{SimConfig, Simulation};
use crate::wire::device_frame::ServerFrame;

const SHOP: &str = "+1 415 555 0199";
const KEY: [u8; 32] = [42; 32];

fn shop() -> PhoneNumber {
    PhoneNumber::parse(SHOP).expect("number")
}

/// A server's world with one business, and a phone's connection to it.
struct World {
    sim: Simulation,
    pnid: String,
    gate: DeviceGate,
    server_rng: ChaCha20Rng,
}

impl World {
    fn new() -> Self {
        let mut sim = Simulation::with_seed(SimConfig::default(), [3; 32]).expect("config");
        let pnid = sim
            .add_business(SHOP, "Acme")
            .expect("business")
            .phone_number_id;
        Self {
            sim,
            pnid,
            gate: DeviceGate::new(),
            server_rng: ChaCha20Rng::seed_from_u64(5),
        }
    }

    /// Frames from the phone; everything they set off, until quiet (bounded).
    fn drive(&mut self, phone: &mut JournaledPhone, frames: Vec<String>) {
        let mut to_server = frames;
        for _ in 0..10_000 {
            let mut to_phone = Vec::new();
            for text in to_server.drain(..) {
                let sim = &self.sim;
                let outcome = self
                    .gate
                    .on_frame(&text, &mut self.server_rng, |n| sim.registered_identity(n))
                    .expect("gate");
                let number = phone.link().number().clone();
                match outcome {
                    GateOutcome::Reply(f) => to_phone.push(f.to_json()),
                    GateOutcome::Opened { number, keys } => {
                        let registered = keys.is_some();
                        self.sim.attach_device(&number, keys).expect("attach");
                        to_phone.push(ServerFrame::Welcome { number, registered }.to_json());
                    }
                    GateOutcome::Message(m) => {
                        self.sim.device_message(&number, m).expect("message")
                    }
                    GateOutcome::Ack { from, id } => {
                        self.sim.device_ack(&number, &from, id).expect("ack");
                    }
                }
            }
            while let Some((_, m)) = self.sim.poll_device_output() {
                to_phone.push(ServerFrame::from_transport(&m).to_json());
            }
            for text in to_phone {
                let now_ms = self.sim.now_ms();
                let out = phone
                    .apply(PhoneInput::Frame { now_ms, text })
                    .expect("the phone takes the frame");
                to_server.extend(out);
            }
            if to_server.is_empty() {
                match self.sim.next_deadline() {
                    Some(at) if at <= self.sim.now_ms() + 60_000 => self.sim.advance_to(at),
                    _ => return,
                }
            }
        }
        panic!("did not settle");
    }

    fn connect(&mut self, phone: &mut JournaledPhone) {
        self.gate = DeviceGate::new();
        let hello = phone.apply(PhoneInput::Open).expect("open");
        self.drive(phone, hello);
        assert_eq!(
            phone.link().state(),
            crate::live::phone_link::LinkState::Open
        );
    }

    fn close(&mut self, phone: &mut JournaledPhone) {
        let now_ms = self.sim.now_ms();
        phone.apply(PhoneInput::Closed { now_ms }).expect("close");
        let number = phone.link().number().clone();
        self.sim.detach_device(&number);
    }

    /// The person on `phone` writes to the shop, and the world carries it.
    fn send(&mut self, phone: &mut JournaledPhone, text: &str) {
        let now_ms = self.sim.now_ms();
        let frames = phone
            .apply(PhoneInput::SendText {
                now_ms,
                to: shop(),
                text: text.to_owned(),
            })
            .expect("send");
        self.drive(phone, frames);
    }

    fn reply(&mut self, phone: &mut JournaledPhone, text: &str) {
        let pnid = self.pnid.clone();
        let to = phone.link().number().wa_id().to_owned();
        self.sim
            .business_send_text(&pnid, &to, text)
            .expect("reply");
        self.drive(phone, Vec::new());
    }
}

fn chat(phone: &JournaledPhone) -> Vec<(String, crate::consumer::Ticks)> {
    phone
        .link()
        .client()
        .chats()
        .get(&shop())
        .map(|c| c.iter().map(|m| (m.text.to_owned(), m.ticks)).collect())
        .unwrap_or_default()
}

fn session_pickle(phone: &JournaledPhone) -> String {
    phone
        .link()
        .client()
        .session(&shop())
        .map(|s| s.pickle().to_string())
        .unwrap_or_default()
}

#[test]
fn a_reloaded_phone_is_the_same_phone_and_goes_on_talking() {
    let mut world = World::new();
    let number = PhoneNumber::parse("+1 415 555 0101").expect("number");
    let mut phone = JournaledPhone::new([9; 32], world.sim.now_ms(), number, "Ana".to_owned());
    world.connect(&mut phone);
    world.send(&mut phone, "before the reload");
    world.reply(&mut phone, "a reply before the reload");
    let now_ms = world.sim.now_ms();
    let frames = phone
        .apply(PhoneInput::ReadChat {
            now_ms,
            business: shop(),
        })
        .expect("read");
    world.drive(&mut phone, frames);
    assert!(phone.journal_len() > 5);

    // The page reloads: the socket is gone, the journal is in storage.
    let sealed = phone
        .seal(&mut ChaCha20Rng::seed_from_u64(1), &KEY)
        .expect("seal");
    let json = String::from_utf8_lossy(&sealed).into_owned();
    assert!(!json.contains("before the reload"), "the journal is sealed");
    world.sim.detach_device(phone.link().number());
    let mut reloaded = JournaledPhone::unseal(&KEY, &sealed).expect("unseal");
    assert_eq!(
        reloaded.link().client().identity_key(),
        phone.link().client().identity_key(),
        "the same identity"
    );
    assert_eq!(
        chat(&reloaded),
        chat(&phone),
        "the same chat, the same ticks"
    );
    assert_eq!(
        session_pickle(&reloaded),
        session_pickle(&phone),
        "the same session"
    );
    assert_eq!(
        reloaded.link().state(),
        crate::live::phone_link::LinkState::Closed
    );

    // It connects with its registered key (no registration) and goes on.
    world.connect(&mut reloaded);
    world.reply(&mut reloaded, "a reply after the reload");
    world.send(&mut reloaded, "after the reload");
    let texts: Vec<String> = chat(&reloaded).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        texts,
        [
            "before the reload",
            "a reply before the reload",
            "a reply after the reload",
            "after the reload"
        ]
    );
    let inbox: Vec<&str> = world.sim.businesses()[world.pnid.as_str()]
        .inbox
        .iter()
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(inbox, ["before the reload", "after the reload"]);

    // Reloaded twice, it is still the same phone.
    world.close(&mut reloaded);
    let sealed = reloaded
        .seal(&mut ChaCha20Rng::seed_from_u64(2), &KEY)
        .expect("seal");
    let again = JournaledPhone::unseal(&KEY, &sealed).expect("unseal");
    assert_eq!(chat(&again), chat(&reloaded));
    assert_eq!(session_pickle(&again), session_pickle(&reloaded));
}

#[test]
fn a_journal_opens_only_with_its_key_and_only_as_a_journal() {
    let phone = JournaledPhone::new(
        [1; 32],
        0,
        PhoneNumber::parse("+1 415 555 0101").expect("number"),
        "Ana".to_owned(),
    );
    let sealed = phone
        .seal(&mut ChaCha20Rng::seed_from_u64(1), &KEY)
        .expect("seal");
    assert!(matches!(
        JournaledPhone::unseal(&[0; 32], &sealed),
        Err(JournalError::Sealed(_))
    ));
    let mut altered = sealed.clone();
    if let Some(b) = altered.last_mut() {
        *b ^= 1;
    }
    assert!(matches!(
        JournaledPhone::unseal(&KEY, &altered),
        Err(JournalError::Sealed(_))
    ));
    assert!(matches!(
        JournaledPhone::unseal(&KEY, &[]),
        Err(JournalError::Sealed(_))
    ));
    // A session pickle sealed under the same key is not a journal.
    let session_like = seal_json(
        &mut ChaCha20Rng::seed_from_u64(3),
        &KEY,
        b"cipherflow session pickle v1",
        "{}",
    )
    .expect("seal");
    assert!(matches!(
        JournaledPhone::unseal(&KEY, &session_like),
        Err(JournalError::Sealed(_))
    ));
    // JSON that opens but is not a journal.
    let not_a_journal = seal_json(
        &mut ChaCha20Rng::seed_from_u64(4),
        &KEY,
        PHONE_JOURNAL_AAD,
        r#"{"seed":"00"}"#,
    )
    .expect("seal");
    assert!(matches!(
        JournaledPhone::unseal(&KEY, &not_a_journal),
        Err(JournalError::Malformed(_))
    ));
    assert_eq!(
        JournaledPhone::unseal(&KEY, &sealed)
            .expect("unseal")
            .link()
            .client()
            .identity_key(),
        phone.link().client().identity_key()
    );
}
