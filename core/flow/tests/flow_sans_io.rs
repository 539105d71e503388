//! The parties are sans-IO state machines: these tests drive them by hand, with
//! a clock that is a number and messages passed from one outbox to another in
//! a loop of a few lines, as quinn-proto's tests pass packets between two
//! endpoints. No `Simulation` is involved: the same party code runs under any
//! router.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::VecDeque;

use cipherflow_flow::business::BusinessServer;
use cipherflow_flow::cloud_api::store::RetentionPolicy;
use cipherflow_flow::cloud_api::webhook::{BusinessIds, WebhookConfig};
use cipherflow_flow::cloud_api::{CloudApi, HostingConfig};
use cipherflow_flow::consumer::{ConsumerClient, Ticks};
use cipherflow_flow::party::Party;
use cipherflow_flow::phone::PhoneNumber;
use cipherflow_flow::trace::EventKind;
use cipherflow_flow::transport::Transport;
use cipherflow_flow::transport::integrity::IntegrityPolicy;
use cipherflow_flow::wire::{Address, FromTransport, Message, Transmit};
use cipherflow_protocol::Account;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const PNID: &str = "106540352242923";

/// Four parties and a hand-written router: every message is delivered at once,
/// in order, by matching its address.
struct ByHand {
    now: u64,
    rng: ChaCha20Rng,
    consumer: ConsumerClient,
    transport: Transport,
    cloud: CloudApi,
    business: BusinessServer,
    events: Vec<EventKind>,
}

fn n(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).unwrap()
}

impl ByHand {
    fn new() -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let now = 1_000;
        let consumer = ConsumerClient::new(now, &mut rng, n("+16505550101"), "Ana".into(), None);
        let mut cloud = CloudApi::new(&mut rng, RetentionPolicy::default());
        let webhook = WebhookConfig {
            path: "/hook".into(),
            app_secret: "s3cret".into(),
            verify_token: "v".into(),
        };
        cloud.host_number(
            now,
            &mut rng,
            HostingConfig {
                ids: BusinessIds {
                    waba_id: "1".into(),
                    display_phone_number: n("+15550783881"),
                    phone_number_id: PNID.into(),
                },
                name: "Shop".into(),
                access_token: "token".into(),
                webhook: webhook.clone(),
            },
        );
        let business =
            BusinessServer::new("Shop".into(), PNID.into(), "token".into(), webhook, None);
        let mut world = Self {
            now,
            rng,
            consumer,
            transport: Transport::new(86_400_000, IntegrityPolicy::default()),
            cloud,
            business,
            events: Vec::new(),
        };
        world.pump();
        world
    }

    /// Delivers every message in every outbox until none is left.
    fn pump(&mut self) {
        let mut queue: VecDeque<Transmit> = VecDeque::new();
        loop {
            for outbox in [
                self.consumer.outbox(),
                self.transport.outbox(),
                self.cloud.outbox(),
                self.business.outbox(),
            ] {
                while let Some(e) = outbox.poll_event() {
                    self.events.push(e);
                }
                while let Some(t) = outbox.poll_transmit() {
                    queue.push_back(t);
                }
            }
            let Some(t) = queue.pop_front() else {
                return;
            };
            let (now, rng) = (self.now, &mut self.rng);
            match &t.to {
                Address::Number(x) if x == self.consumer.number() => {
                    self.consumer.handle(now, rng, &t.from, &t.to, t.message)
                }
                Address::Number(_) | Address::CloudApi => {
                    self.cloud.handle(now, rng, &t.from, &t.to, t.message)
                }
                Address::Transport => self.transport.handle(now, rng, &t.from, &t.to, t.message),
                Address::Business(_) => self.business.handle(now, rng, &t.from, &t.to, t.message),
                _ => {}
            }
        }
    }
}

#[test]
fn a_message_crosses_four_parties_driven_by_hand() {
    let mut w = ByHand::new();
    assert!(w.business.webhook_verified, "the handshake went through");
    let (now, rng) = (w.now, &mut w.rng);
    w.consumer
        .send_text(now, rng, &n("+15550783881"), "Where is my parcel?")
        .unwrap();
    w.pump();
    assert_eq!(w.business.inbox.len(), 1);
    assert_eq!(w.business.inbox[0].body, "Where is my parcel?");
    assert_eq!(w.business.inbox[0].profile_name, "Ana");
    let chat = &w.consumer.chats()[&n("+15550783881")];
    assert_eq!(chat.get(0).unwrap().ticks, Ticks::Delivered);
    assert!(
        w.events
            .iter()
            .any(|e| matches!(e, EventKind::CloudApiDecrypted { .. }))
    );
    // Nothing is left for later: no retransmission is due.
    assert!(w.consumer.poll_timeout().is_none());
}

#[test]
fn a_deadline_is_a_number_the_caller_passes() {
    let mut w = ByHand::new();
    // The phone goes offline with a message unsent: nothing leaves it.
    let (now, rng) = (w.now, &mut w.rng);
    w.consumer.set_online(now, rng, false);
    w.consumer
        .send_text(now, rng, &n("+15550783881"), "Written in a tunnel")
        .unwrap();
    w.pump();
    assert!(w.business.inbox.is_empty());
    // Back online an hour later, by the caller's clock.
    w.now += 3_600_000;
    let (now, rng) = (w.now, &mut w.rng);
    w.consumer.set_online(now, rng, true);
    w.pump();
    assert_eq!(w.business.inbox.len(), 1);
}

#[test]
fn a_forged_bundle_fails_the_send_with_metas_error_and_a_typed_event() {
    let mut w = ByHand::new();
    let ana = n("+16505550101");
    // The business writes first (a template: no window is open): the Cloud
    // API asks the transport for Ana's bundle.
    let request = w
        .business
        .template_request("16505550101", "hello_world", "en_US", &[]);
    w.business.request(request);
    // Hand the Cloud API a forged answer instead of the transport's: a bundle
    // whose signed prekey signature does not verify.
    let mut forger = Account::new(&mut w.rng, 0);
    let _ = forger.generate_one_time_prekeys(&mut w.rng, 1);
    let mut bundle = forger.bundle(None).unwrap();
    bundle.signed_prekey_signature[0] ^= 1;
    // Deliver the business's request, but not the transport's real answer.
    let (now, rng) = (w.now, &mut w.rng);
    let t = w.business.outbox().poll_transmit().unwrap();
    w.cloud.handle(now, rng, &t.from, &t.to, t.message);
    while w.cloud.outbox().poll_transmit().is_some() {}
    while w.cloud.outbox().poll_event().is_some() {}
    w.cloud.handle(
        now,
        rng,
        &Address::Transport,
        &Address::Number(n("+15550783881")),
        Message::FromTransport(FromTransport::Bundle {
            requester: n("+15550783881"),
            number: ana,
            bundle: Some(bundle),
        }),
    );
    w.pump();
    let failure = w.events.iter().find_map(|e| match e {
        EventKind::Failure { code, error, .. } => Some((*code, error.clone())),
        _ => None,
    });
    let (code, error) = failure.expect("a typed failure event");
    assert_eq!(code, Some(131000));
    assert!(error.contains("signature"), "{error}");
    assert_eq!(w.business.outbound[0].status, "failed");
    assert_eq!(w.business.outbound[0].error_code, Some(131000));
}

#[test]
fn a_message_a_party_has_no_use_for_is_dropped_and_said_so() {
    let mut w = ByHand::new();
    let (now, rng) = (w.now, &mut w.rng);
    // A business server handed a transport delivery (a router bug, or a forged frame).
    w.business.handle(
        now,
        rng,
        &Address::Transport,
        &Address::Business(PNID.into()),
        Message::FromTransport(FromTransport::PreKeyCount {
            number: n("+15550783881"),
            left: 0,
        }),
    );
    let event = w.business.outbox().poll_event().unwrap();
    assert!(
        matches!(&event, EventKind::Failure { what, .. } if what.contains("prekey_count")),
        "{event:?}"
    );
    // A device speaks only for its own number: the transport refuses a
    // submission claiming another sender.
    let (now, rng) = (w.now, &mut w.rng);
    let envelope = cipherflow_flow::wire::TransportEnvelope {
        id: 9,
        from: n("+15550783881"),
        to: n("+16505550101"),
        sent_at_ms: now,
        payload: cipherflow_flow::wire::Payload::Signal {
            bytes: vec![1, 2, 3],
        },
    };
    w.transport.handle(
        now,
        rng,
        &Address::Number(n("+16505550101")),
        &Address::Transport,
        Message::ToTransport(cipherflow_flow::wire::ToTransport::Submit {
            envelope,
            retransmission: false,
        }),
    );
    assert!(w.transport.log().is_empty());
    assert!(matches!(
        w.transport.outbox().poll_event(),
        Some(EventKind::Failure { .. })
    ));
}
