//! The crypto inspector: for the consumer–business session, the X3DH steps
//! that built it and both ends' Double Ratchet state side by side: chain
//! counters, DH ratchet turns and public keys, shortened. Secret material is
//! shown only as short fingerprints, and only with "show secrets" on.

use cipherflow_flow::phone::PhoneNumber;
use cipherflow_protocol::keys::PublicKey;
use cipherflow_protocol::{Role, Session};
use yew::prelude::*;

use crate::components::format::short_hex;
use crate::state::{Action, DemoContext};

/// Props of [`Inspector`].
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// Whether the lesson points here.
    pub focus: bool,
}

fn key(k: &PublicKey) -> Html {
    let full = hex::encode(k.encode());
    html! { <code title={full.clone()}>{ short_hex(&full) }</code> }
}

fn opt(v: Option<u32>) -> String {
    v.map_or("inactive".to_owned(), |n| n.to_string())
}

fn x3dh_steps(s: &Session, consumer: &str, business: &str) -> Html {
    let snap = s.snapshot();
    let (ik_a, ik_b) = match snap.role {
        Role::Initiator => (snap.local_identity, snap.remote_identity),
        Role::Responder => (snap.remote_identity, snap.local_identity),
    };
    let (spk, opk) = s.prekey_ids();
    html! {
        <ol class="x3dh" id="x3dh-steps">
            <li>{ format!("{consumer}'s client fetched {business}'s prekey bundle from the transport: identity key IK") }<sub>{ "B" }</sub>{ " " }{ key(&ik_b) }
                { format!(", signed prekey #{spk} (its XEdDSA signature verified)") }
                { match opk { Some(id) => format!(", one-time prekey #{id}."), None => ", no one-time prekey left.".to_owned() } }</li>
            <li>{ "The client generated an ephemeral key EK" }<sub>{ "A" }</sub>{ " " }{ key(&snap.base_key) }{ " and computed, with its identity key IK" }<sub>{ "A" }</sub>{ " " }{ key(&ik_a) }{ ":" }
                <ul>
                    <li>{ "DH1 = DH(IK_A, SPK_B)" }</li>
                    <li>{ "DH2 = DH(EK_A, IK_B)" }</li>
                    <li>{ "DH3 = DH(EK_A, SPK_B)" }</li>
                    if opk.is_some() { <li>{ "DH4 = DH(EK_A, OPK_B)" }</li> }
                </ul>
            </li>
            <li>{ "SK = HKDF-SHA256(0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 ‖ DH4, info \"cipherflow X3DH v1\"): the root of the Double Ratchet. \
                   AD = Encode(IK_A) ‖ Encode(IK_B) binds both identities to every message." }</li>
            <li>{ format!("The first messages carry EK_A and the prekey ids (prekey messages) until {business}'s first reply; the Cloud API repeats \
                   the DHs with its private keys, gets the same SK, and deletes the one-time prekey.") }</li>
        </ol>
    }
}

fn ratchet_column(title: &str, s: Option<&Session>, secrets: bool) -> Html {
    let Some(s) = s else {
        return html! { <div class="ratchet"><h4>{ title }</h4><p class="muted">{ "No session." }</p></div> };
    };
    let snap = s.snapshot();
    let r = &snap.ratchet;
    let f = s.secret_fingerprints();
    html! {
        <div class="ratchet">
            <h4>{ title }</h4>
            <dl class="facts">
                <dt>{ "role" }</dt><dd>{ match snap.role { Role::Initiator => "initiator (Alice)", Role::Responder => "responder (Bob)" } }</dd>
                <dt>{ "our ratchet key" }</dt><dd>{ key(&r.our_ratchet_key) }</dd>
                <dt>{ "their ratchet key" }</dt><dd>{ r.their_ratchet_key.as_ref().map_or(html! {"none yet"}, key) }</dd>
                <dt>{ "sending chain Ns" }</dt><dd class="ns">{ opt(r.sending_index) }</dd>
                <dt>{ "receiving chain Nr" }</dt><dd class="nr">{ opt(r.receiving_index) }</dd>
                <dt>{ "previous chain PN" }</dt><dd>{ r.previous_sending_length }</dd>
                <dt>{ "DH ratchet turns" }</dt><dd class="turns">{ r.dh_ratchet_steps }</dd>
                <dt>{ "skipped keys held" }</dt><dd>{ r.skipped_keys }</dd>
                <dt>{ "prekey messages" }</dt><dd>{ if snap.sends_prekey_messages { "still sent" } else { "done" } }</dd>
                if secrets {
                    <dt>{ "root key RK" }</dt><dd><code class="secret">{ f.root_key }</code></dd>
                    <dt>{ "sending chain CKs" }</dt><dd><code class="secret">{ f.sending_chain.unwrap_or_else(|| "–".into()) }</code></dd>
                    <dt>{ "receiving chain CKr" }</dt><dd><code class="secret">{ f.receiving_chain.unwrap_or_else(|| "–".into()) }</code></dd>
                }
            </dl>
        </div>
    }
}

/// The inspector.
#[function_component(Inspector)]
pub fn inspector(props: &InspectorProps) -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let world = demo.world.borrow();
    let (Ok(ana_n), Ok(acme_n)) = (
        PhoneNumber::parse(&world.cast.consumer),
        PhoneNumber::parse(&world.cast.business),
    ) else {
        return html! {};
    };
    let ana = world
        .sim
        .consumers()
        .get(&ana_n)
        .and_then(|c| c.session(&acme_n));
    let cloud = world
        .sim
        .cloud_api()
        .number(&world.cast.phone_number_id)
        .and_then(|n| n.session(&ana_n));
    let consumer_name = world
        .sim
        .consumers()
        .get(&ana_n)
        .map_or_else(String::new, |c| c.name().to_owned());
    let business_name = world.cast.business_name.clone();
    let toggle = {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::ToggleSecrets))
    };
    html! {
        <section id="inspector" class={classes!("card", "inspector", props.focus.then_some("focus"))} aria-labelledby="inspector-heading">
            <div class="card-head">
                <h2 id="inspector-heading">{ "Crypto inspector" }</h2>
                <label class="switch">
                    <input type="checkbox" id="show-secrets" checked={demo.show_secrets} onclick={toggle} />
                    { " show secrets (workshop)" }
                </label>
            </div>
            if demo.show_secrets {
                <p class="warn small">{ "Fingerprints only: the first 4 bytes of a labelled SHA-256 of each key. Equal fingerprints on both sides \
                    show both hold the same key; the keys themselves never leave the core." }</p>
            }
            <h3>{ "X3DH" }</h3>
            { match ana.or(cloud) {
                Some(s) => x3dh_steps(s, &consumer_name, &business_name),
                None => html! { <p class="muted">{ "No session yet: send a message to run X3DH." }</p> },
            } }
            <h3>{ "Double Ratchet, both ends" }</h3>
            <div class="ratchets">
                { ratchet_column(&format!("{consumer_name}'s phone"), ana, demo.show_secrets) }
                { ratchet_column(&format!("Cloud API, for {business_name}"), cloud, demo.show_secrets) }
            </div>
        </section>
    }
}
