//! The projector's list of the room's phones, in place of the consumer's
//! pane when the server follows phones that run their own client: what the
//! server can know about each one (its number, the public keys it
//! published, whether it is connected, whom it exchanges envelopes with, how
//! many and how large, what waits for it), computed by the replica from the
//! server's journal. Their chats are not here: the plaintext exists only on
//! the phones. With `--workshop`, the join URL and its QR code head the list.

use cipherflow_flow::view::phones::phones;
use cipherflow_flow::view::thousands;
use yew::prelude::*;

use crate::components::format::clock;
use crate::components::pane_frame::{PaneFrame, PaneProps};
use crate::state::{DemoContext, Pane};

/// Rows shown at most (a workshop is a room, not a stadium).
const MAX_ROWS: usize = 300;

/// The room's phones.
#[function_component(PhonesPane)]
pub fn phones_pane(props: &PaneProps) -> Html {
    let join = use_state(|| None::<String>);
    {
        let join = join.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(room) = crate::server::get_json("/workshop/v1/room").await {
                    join.set(room["join_url"].as_str().map(str::to_owned));
                }
            });
        });
    }
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let world = demo.world.borrow();
    let start = world.sim.config().start_ms;
    let rows = phones(&world.sim, MAX_ROWS);
    let total = world.sim.external_devices().count();
    let connected = world
        .sim
        .external_devices()
        .filter(|n| world.sim.device_connected(n))
        .count();
    html! {
        <PaneFrame pane={Pane::Consumer} title="Consumers: the room's phones" role="Each phone runs its own WhatsApp client, with keys made on the phone" focus={props.focus} active={props.active}>
            if let Some(url) = &*join {
                <figure class="join" id="join">
                    <img src="/workshop/v1/join.svg" width="220" height="220" alt={format!("QR code of {url}")} />
                    <figcaption>{ "Scan to join, or open " }<strong id="join-url">{ url }</strong></figcaption>
                </figure>
            }
            <p class="report" id="phones-honest">
                { "Their messages are encrypted on each phone, and their plaintext exists only on the phones: \
                   the server holds what is listed here (numbers, public keys, sizes, times, whom each one talks to) \
                   and ciphertext. The Cloud API decrypts what phones send to its businesses, on their behalf." }
            </p>
            <h3>{ format!("Phones in the room: {total} ({connected} connected)") }</h3>
            if total > rows.len() {
                <p class="muted small">{ format!("The first {} by number are listed.", rows.len()) }</p>
            }
            <ol class="phones" id="phones-list" aria-label="Phones as the server knows them">
                { for rows.iter().map(|r| html! {
                    <li key={r.number.clone()} class={classes!("phone-row", r.connected.then_some("online"))}>
                        <span class="number">{ &r.number }</span>
                        <span class="state">{ if r.connected { "● connected" } else { "○ offline" } }</span>
                        <span class="meta small">
                            { format!("identity key {}… · {} prekeys left · sent {} ({} B) · received {} ({} B)",
                                r.identity_key, r.prekeys_left, r.sent, thousands(r.sent_bytes), r.received, thousands(r.received_bytes)) }
                        </span>
                        <span class="meta small">
                            { format!("talks to {} · last seen {}", if r.peers.is_empty() { "nobody yet".to_owned() } else { r.peers.join(", ") },
                                r.last_seen_ms.map_or_else(|| "never".to_owned(), |t| clock(t, start))) }
                            if r.queued > 0 { <strong>{ format!(" · {} queued", r.queued) }</strong> }
                            if r.unacknowledged > 0 { { format!(" · {} awaiting ack", r.unacknowledged) } }
                        </span>
                    </li>
                }) }
            </ol>
        </PaneFrame>
    }
}
