//! Phones outside the router, end to end in one process: each phone is a
//! [`PhoneLink`] (the consumer party driven by frames), each connection a
//! [`DeviceGate`], and every frame crosses as JSON text, as it does over a
//! WebSocket. Only the socket is missing.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::consumer::Ticks;
use crate::ledger::DataCategory;
use crate::live::device_gate::{DeviceGate, GateOutcome};
use crate::live::phone_link::{LinkState, PhoneLink};
use crate::phone::PhoneNumber;
use crate::router::{SimConfig, SimError, Simulation};
use crate::wire::device_frame::{DeviceFrame, ServerFrame};
use crate::wire::{PartyKind, ToTransport};

const SHOP: &str = "+1 415 555 0199";

/// One phone and its connection (when the socket is up).
struct Phone {
    link: PhoneLink,
    gate: Option<DeviceGate>,
    rng: ChaCha20Rng,
    /// Frames the phone sent, as the transport received them.
    sent: Vec<String>,
}

/// A server's world, a server-side generator (for nonces), and phones.
struct Room {
    sim: Simulation,
    server_rng: ChaCha20Rng,
    phones: Vec<Phone>,
    pnid: String,
}

impl Room {
    fn new() -> Self {
        let mut sim = Simulation::with_seed(SimConfig::default(), [7; 32]).expect("config");
        let shop = sim.add_business(SHOP, "Acme").expect("business");
        Self {
            sim,
            server_rng: ChaCha20Rng::seed_from_u64(99),
            phones: Vec::new(),
            pnid: shop.phone_number_id,
        }
    }

    fn shop() -> PhoneNumber {
        PhoneNumber::parse(SHOP).expect("number")
    }

    fn add_phone(&mut self, number: &str, seed: u64) -> usize {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let number = PhoneNumber::parse(number).expect("number");
        let link = PhoneLink::new(self.sim.now_ms(), &mut rng, number, format!("phone {seed}"));
        self.phones.push(Phone {
            link,
            gate: None,
            rng,
            sent: Vec::new(),
        });
        self.phones.len() - 1
    }

    /// The socket opens and the handshake runs to its end.
    fn connect(&mut self, i: usize) {
        let hello = self.phones[i].link.open();
        self.phones[i].gate = Some(DeviceGate::new());
        self.server_gets(i, vec![hello]);
        self.pump();
        assert_eq!(self.phones[i].link.state(), LinkState::Open);
    }

    fn disconnect(&mut self, i: usize) {
        let now = self.sim.now_ms();
        let phone = &mut self.phones[i];
        phone.gate = None;
        phone.link.closed(now, &mut phone.rng);
        let number = phone.link.number().clone();
        self.sim.detach_device(&number);
    }

    /// Frames from phone `i` through its gate into the world; the gate's
    /// replies go straight back to the phone.
    fn server_gets(&mut self, i: usize, frames: Vec<String>) {
        for text in frames {
            self.phones[i].sent.push(text.clone());
            let Some(gate) = self.phones[i].gate.as_mut() else {
                continue;
            };
            let sim = &self.sim;
            let outcome = gate
                .on_frame(&text, &mut self.server_rng, |n| sim.registered_identity(n))
                .expect("the gate takes the phone's frames");
            match outcome {
                GateOutcome::Reply(frame) => self.phone_gets(i, &frame.to_json()),
                GateOutcome::Opened { number, keys } => {
                    let registered = keys.is_some();
                    self.sim.attach_device(&number, keys).expect("attach");
                    self.phone_gets(i, &ServerFrame::Welcome { number, registered }.to_json());
                }
                GateOutcome::Message(m) => {
                    let number = self.phones[i].link.number().clone();
                    self.sim.device_message(&number, m).expect("device message");
                }
                GateOutcome::Ack { from, id } => {
                    let number = self.phones[i].link.number().clone();
                    self.sim.device_ack(&number, &from, id).expect("ack");
                }
            }
        }
    }

    fn phone_gets(&mut self, i: usize, text: &str) {
        let now = self.sim.now_ms();
        let phone = &mut self.phones[i];
        let frames = phone
            .link
            .on_frame(now, &mut phone.rng, text)
            .expect("the phone takes the transport's frames");
        self.server_gets(i, frames);
    }

    /// Delivers what waits for the phones, and runs the phones' timers, until
    /// nothing is left (bounded).
    fn pump(&mut self) {
        for _ in 0..10_000 {
            if let Some((number, message)) = self.sim.poll_device_output() {
                let i = self.index(&number);
                assert!(
                    self.phones[i].gate.is_some(),
                    "nothing goes to a closed socket"
                );
                self.phone_gets(i, &ServerFrame::from_transport(&message).to_json());
                continue;
            }
            let now = self.sim.now_ms();
            let due = (0..self.phones.len()).find(|&i| {
                self.phones[i].link.state() == LinkState::Open
                    && self.phones[i].link.poll_timeout().is_some_and(|t| t <= now)
            });
            if let Some(i) = due {
                let phone = &mut self.phones[i];
                let frames = phone.link.on_timeout(now, &mut phone.rng);
                self.server_gets(i, frames);
                continue;
            }
            match self.sim.next_deadline() {
                Some(at) if at <= now + 60_000 => self.sim.advance_to(at),
                _ => return,
            }
        }
        panic!("the room did not settle");
    }

    fn index(&self, number: &PhoneNumber) -> usize {
        self.phones
            .iter()
            .position(|p| p.link.number() == number)
            .expect("a phone of the room")
    }

    fn send(&mut self, i: usize, text: &str) -> String {
        let now = self.sim.now_ms();
        let phone = &mut self.phones[i];
        let (id, frames) = phone
            .link
            .send_text(now, &mut phone.rng, &Self::shop(), text)
            .expect("send");
        self.server_gets(i, frames);
        self.pump();
        id
    }

    fn chat_texts(&self, i: usize) -> Vec<(String, Ticks)> {
        self.phones[i]
            .link
            .client()
            .chats()
            .get(&Self::shop())
            .map(|c| c.iter().map(|m| (m.text.to_owned(), m.ticks)).collect())
            .unwrap_or_default()
    }
}

#[test]
fn phones_outside_the_router_chat_with_a_business_through_the_transport() {
    let mut room = Room::new();
    let ana = room.add_phone("+1 415 555 0101", 1);
    let bo = room.add_phone("+1 415 555 0102", 2);
    room.connect(ana);
    room.connect(bo);
    for i in [ana, bo] {
        let number = room.phones[i].link.number().clone();
        assert!(room.sim.is_external_device(&number));
        assert!(room.sim.device_connected(&number));
        assert!(
            room.sim.registered_identity(&number).is_some(),
            "registered by the proof"
        );
    }

    room.send(ana, "Hello from Ana's own phone");
    room.send(bo, "Bo here, is my order on its way?");
    let inbox: Vec<(String, String)> = room.sim.businesses()[room.pnid.as_str()]
        .inbox
        .iter()
        .map(|m| (m.from.clone(), m.body.clone()))
        .collect();
    assert_eq!(
        inbox,
        [
            (
                "14155550101".to_owned(),
                "Hello from Ana's own phone".to_owned()
            ),
            (
                "14155550102".to_owned(),
                "Bo here, is my order on its way?".to_owned()
            ),
        ]
    );

    let pnid = room.pnid.clone();
    let answer = room
        .sim
        .business_send_text(&pnid, "14155550101", "Hi Ana, it ships today.")
        .expect("reply");
    assert_eq!(answer.status, 200);
    room.pump();
    assert_eq!(
        room.chat_texts(ana),
        [
            ("Hello from Ana's own phone".to_owned(), Ticks::Delivered),
            ("Hi Ana, it ships today.".to_owned(), Ticks::Delivered),
        ]
    );
    assert_eq!(room.chat_texts(bo).len(), 1, "Bo got nothing of Ana's chat");

    // Reading sends a read receipt over the link: Ana's ticks at the business turn blue.
    let now = room.sim.now_ms();
    let frames = room.phones[ana].link.read_chat(now, &Room::shop());
    assert!(!frames.is_empty());
    room.server_gets(ana, frames);
    room.pump();
    let statuses = &room.sim.businesses()[pnid.as_str()].outbound;
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].status, "read");

    // The transport held ciphertext only; what the phones typed was decrypted
    // only by the Cloud API.
    let proof = room.sim.proof();
    assert!(proof.holds, "{proof:?}");
    assert!(proof.messages_checked >= 3, "{proof:?}");
    // No frame a phone sent carries its plaintext.
    for phone in &room.phones {
        for frame in &phone.sent {
            assert!(!frame.contains("Hello from Ana"), "{frame}");
            assert!(!frame.contains("Bo here"), "{frame}");
        }
    }
    // The ledger records what was handed to the phones (ciphertext), and no
    // plaintext at them: what they decrypt happens on the phone, where the
    // server cannot see it.
    let ledger = room.sim.ledger();
    assert!(ledger.count(PartyKind::Consumer, DataCategory::EncryptedContent) > 0);
    assert_eq!(
        ledger.count(PartyKind::Consumer, DataCategory::MessageContent),
        0
    );
}

#[test]
fn a_phone_offline_gets_its_queue_when_back() {
    let mut room = Room::new();
    let ana = room.add_phone("+1 415 555 0101", 1);
    room.connect(ana);
    room.send(ana, "I will be on a plane");
    room.disconnect(ana);
    let number = room.phones[ana].link.number().clone();
    assert!(!room.sim.device_connected(&number));

    let pnid = room.pnid.clone();
    for text in ["Reply one", "Reply two"] {
        room.sim
            .business_send_text(&pnid, "14155550101", text)
            .expect("reply");
    }
    room.pump();
    assert_eq!(
        room.chat_texts(ana).len(),
        1,
        "nothing reaches a closed socket"
    );
    assert_eq!(
        room.sim.transport().queues().get(&number).len(),
        2,
        "queued at the transport"
    );

    // Back: a new socket, the same keys (no registration this time).
    room.connect(ana);
    // Queued envelopes cross the network each with its own latency: the
    // replies may arrive in either order, as they can on WhatsApp.
    let mut texts: Vec<String> = room.chat_texts(ana).into_iter().map(|(t, _)| t).collect();
    texts.sort();
    assert_eq!(texts, ["I will be on a plane", "Reply one", "Reply two"]);
    assert_eq!(room.sim.transport().queues().get(&number).len(), 0);
}

#[test]
fn a_text_written_offline_goes_when_the_link_is_back() {
    let mut room = Room::new();
    let ana = room.add_phone("+1 415 555 0101", 1);
    room.connect(ana);
    room.disconnect(ana);
    room.send(ana, "written in a tunnel");
    assert!(room.sim.businesses()[room.pnid.as_str()].inbox.is_empty());
    room.connect(ana);
    room.pump();
    let inbox = &room.sim.businesses()[room.pnid.as_str()].inbox;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].body, "written in a tunnel");
}

#[test]
fn the_router_checks_every_message_against_the_device_number() {
    let mut room = Room::new();
    let ana = room.add_phone("+1 415 555 0101", 1);
    room.connect(ana);
    let ana_number = room.phones[ana].link.number().clone();
    let other = PhoneNumber::parse("+1 415 555 0177").expect("number");
    let before = room.sim.state_digest();
    assert_eq!(
        room.sim.device_message(
            &ana_number,
            ToTransport::SpamReport {
                reporter: other.clone(),
                business: Room::shop(),
            }
        ),
        Err(SimError::WrongSender {
            expected: ana_number.clone(),
            claimed: other.clone(),
        })
    );
    assert_eq!(
        room.sim.device_message(
            &other,
            ToTransport::Connect {
                number: other.clone()
            }
        ),
        Err(SimError::DeviceNotAttached(other.clone()))
    );
    // A number the router runs itself cannot be taken over.
    assert_eq!(
        room.sim.attach_device(&Room::shop(), None),
        Err(SimError::NumberTaken(Room::shop()))
    );
    assert_eq!(
        room.sim.attach_device(&other, None),
        Err(SimError::NotRegistered(other.clone()))
    );
    assert_eq!(
        room.sim.state_digest(),
        before,
        "refused messages change nothing"
    );
}

#[test]
fn the_same_inputs_give_the_same_world() {
    // Two servers fed the same frames in the same order end in the same state.
    let run = || {
        let mut room = Room::new();
        let ana = room.add_phone("+1 415 555 0101", 1);
        room.connect(ana);
        room.send(ana, "deterministic");
        room.sim.state_digest()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_spam_report_from_a_phone_reaches_the_integrity_monitor() {
    let mut room = Room::new();
    let ana = room.add_phone("+1 415 555 0101", 1);
    room.connect(ana);
    let frames = room.phones[ana].link.report_spam(&Room::shop());
    assert_eq!(frames.len(), 1);
    assert!(matches!(
        DeviceFrame::parse(&frames[0]),
        Ok(DeviceFrame::SpamReport { .. })
    ));
    room.server_gets(ana, frames);
    room.pump();
    let signals = room.sim.transport().integrity().signals();
    let reports: u64 = signals.iter().map(|(_, s)| s.spam_reports).sum();
    assert_eq!(reports, 1);
}

#[test]
fn what_a_phone_never_acknowledged_is_delivered_again() {
    let mut room = Room::new();
    let ana = room.add_phone("+1 415 555 0101", 1);
    room.connect(ana);
    room.send(ana, "hello");
    let number = room.phones[ana].link.number().clone();
    assert_eq!(
        room.sim.unacknowledged(&number),
        0,
        "every delivery was acknowledged"
    );

    // The reply is handed to the socket, but the socket dies before it is read.
    let pnid = room.pnid.clone();
    room.sim
        .business_send_text(&pnid, "14155550101", "lost in the socket")
        .expect("reply");
    let mut lost = 0;
    for _ in 0..1_000 {
        match room.sim.poll_device_output() {
            Some((_, crate::wire::FromTransport::Deliver { .. })) => lost += 1,
            Some(_) => {}
            None => match room.sim.next_deadline() {
                Some(at) if lost == 0 => room.sim.advance_to(at),
                _ => break,
            },
        }
    }
    assert_eq!(lost, 1);
    assert_eq!(room.sim.unacknowledged(&number), 1);
    room.disconnect(ana);
    assert_eq!(room.sim.unacknowledged(&number), 0);
    assert_eq!(
        room.sim.transport().queues().get(&number).len(),
        1,
        "queued again"
    );

    room.connect(ana);
    let texts: Vec<String> = room.chat_texts(ana).into_iter().map(|(t, _)| t).collect();
    assert_eq!(texts, ["hello", "lost in the socket"]);
    assert_eq!(room.sim.unacknowledged(&number), 0);
}

#[test]
fn the_projector_lists_the_phones_with_what_the_server_knows_of_them() {
    let mut room = Room::new();
    let ana = room.add_phone("+1 415 555 0101", 1);
    let bo = room.add_phone("+1 415 555 0102", 2);
    room.connect(ana);
    room.connect(bo);
    room.send(ana, "Is the blue one in stock?");
    room.send(ana, "And in size 9?");
    room.send(bo, "Where is my parcel?");
    room.disconnect(bo);
    let pnid = room.pnid.clone();
    room.sim
        .business_send_text(&pnid, "14155550102", "Bo, yours has shipped")
        .expect("reply");
    room.pump();

    let rows = crate::view::phones::phones(&room.sim, 100);
    assert_eq!(rows.len(), 2);
    let (a, b) = (&rows[0], &rows[1]);
    assert_eq!(
        (a.number.as_str(), b.number.as_str()),
        ("+14155550101", "+14155550102")
    );
    assert!(a.connected && !b.connected);
    let key = room
        .sim
        .registered_identity(room.phones[ana].link.number())
        .expect("key");
    assert_eq!(a.identity_key, hex::encode(&key.encode()[1..9]));
    // Two messages out; back came two delivery receipts.
    assert_eq!((a.sent, a.received), (2, 2), "{a:?}");
    assert!(a.sent_bytes > a.received_bytes, "{a:?}");
    assert_eq!(a.peers, ["+14155550199"]);
    assert!(a.last_seen_ms.is_some());
    // Bo is offline: the business's reply waits in the transport's queue.
    assert_eq!((b.queued, b.received, b.sent), (1, 2, 1), "{b:?}");
    // What the server knows of a phone is metadata: no text of the chat.
    let json = serde_json::to_string(&rows).expect("json");
    for text in ["blue one", "size 9", "parcel", "shipped"] {
        assert!(!json.contains(text), "{text} in {json}");
    }
    assert_eq!(crate::view::phones::phones(&room.sim, 1).len(), 1);
}
