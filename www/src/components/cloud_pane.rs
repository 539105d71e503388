//! The Cloud API: the hosted number and its keys, the decrypted store with
//! each message's retention countdown, the webhooks it posts (with their
//! `X-Hub-Signature-256`), the Graph API requests it answers, and status events.

use cipherflow_flow::http::{HttpRequest, HttpResponse};
use cipherflow_flow::retention::Direction;
use cipherflow_flow::trace::EventKind;
use yew::prelude::*;

use crate::components::format::{clock, countdown, pretty_body, short_hex};
use crate::components::message_item::MessageItem;
use crate::components::pane_frame::{PaneFrame, PaneProps};
use crate::state::{DemoContext, Pane};

/// Stored messages rendered (the newest).
pub const VISIBLE_STORED: usize = 40;
/// HTTP exchanges of each kind rendered (the newest).
pub const VISIBLE_HTTP: usize = 4;

/// One HTTP exchange, request and response, as the wire carries them.
pub fn exchange(title: String, req: &HttpRequest, resp: &HttpResponse, lit: bool) -> Html {
    let headers: String = req
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect();
    html! {
        <details class={classes!("http", lit.then_some("lit"))}>
            <summary>{ title }</summary>
            <pre class="req">{ format!("{} {}\n{headers}\n{}", req.method, req.path, pretty_body(&req.body)) }</pre>
            <pre class="resp">{ format!("HTTP {}\n{}", resp.status, pretty_body(&resp.body)) }</pre>
        </details>
    }
}

/// The Cloud API's pane.
#[function_component(CloudPane)]
pub fn cloud_pane(props: &PaneProps) -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let world = demo.world.borrow();
    let sim = &world.sim;
    let cloud = sim.cloud_api();
    let now = sim.now_ms();
    let start = sim.config().start_ms;
    let lit_wamid = demo
        .highlighted()
        .and_then(|k| world.journeys.get(k))
        .and_then(|j| j.wamid.clone());
    let lit_text = |body: &[u8]| {
        lit_wamid
            .as_ref()
            .is_some_and(|w| String::from_utf8_lossy(body).contains(w.as_str()))
    };

    let mut store: Vec<_> = cloud.store.iter().collect();
    store.sort_by(|a, b| (a.stored_at_ms, &a.wamid).cmp(&(b.stored_at_ms, &b.wamid)));
    let total = store.len();
    let shown = &store[total.saturating_sub(VISIBLE_STORED)..];

    // The newest webhooks and Graph API calls, newest first.
    let mut webhooks = Vec::new();
    let mut graph = Vec::new();
    for e in sim.trace().events.iter().rev() {
        match &e.kind {
            EventKind::Webhook {
                request, response, ..
            } if webhooks.len() < VISIBLE_HTTP => {
                webhooks.push((e.at_ms, request, response));
            }
            EventKind::GraphApi { request, response } if graph.len() < VISIBLE_HTTP => {
                graph.push((e.at_ms, request, response));
            }
            _ => {}
        }
        if webhooks.len() == VISIBLE_HTTP && graph.len() == VISIBLE_HTTP {
            break;
        }
    }

    html! {
        <PaneFrame pane={Pane::CloudApi} role="Operated by Meta for the business: holds its Signal keys and decrypts" focus={props.focus} active={props.active}>
            <p class="honest">
                { "Signal encryption ends here. The leg from the consumer's phone to the Cloud API is end-to-end encrypted; \
                   the Cloud API decrypts on the business's behalf and forwards plaintext over HTTPS." }
            </p>
            { for cloud.numbers().map(|n| html! {
                <dl class="facts" key={n.ids.phone_number_id.clone()}>
                    <dt>{ "number" }</dt><dd>{ format!("{} ({})", n.ids.display_phone_number.e164(), n.name) }</dd>
                    <dt>{ "phone number id" }</dt><dd><code>{ &n.ids.phone_number_id }</code></dd>
                    <dt>{ "identity key" }</dt><dd><code title={hex::encode(n.identity_key().encode())}>{ short_hex(&hex::encode(n.identity_key().encode())) }</code></dd>
                    <dt>{ "in / out / webhooks" }</dt><dd>{ format!("{} / {} / {}", n.statistics.inbound, n.statistics.outbound, n.statistics.webhooks) }</dd>
                </dl>
            }) }
            <h3>{ format!("Decrypted store ({total}), kept {} days", cloud.retention.in_days()) }</h3>
            if total == 0 {
                <p class="muted" id="cloud-store-empty">{ "Nothing stored: every message has been purged or none was sent." }</p>
            }
            <ol class="store" id="cloud-store" aria-label="Messages the Cloud API holds">
                if total > shown.len() {
                    <li class="more">{ format!("{} older messages not shown", total - shown.len()) }</li>
                }
                { for shown.iter().map(|m| {
                    let key = world.journeys.with_wamid(&m.wamid).map(|j| AttrValue::from(j.key.clone()));
                    let dir = match m.direction { Direction::Inbound => "from", Direction::Outbound => "to" };
                    let state = match m.direction {
                        Direction::Inbound => String::new(),
                        Direction::Outbound if m.read => " · read".to_owned(),
                        Direction::Outbound if m.delivered => " · delivered".to_owned(),
                        Direction::Outbound => format!(" · attempts {}", m.attempts),
                    };
                    html! {
                        <MessageItem key={m.wamid.clone()} journey={key} label={format!("stored message {dir} {}", m.consumer.e164())} class="stored">
                            <span class="text">{ &m.text }</span>
                            <span class="meta">
                                { format!("{dir} {} · {}{state}", m.consumer.e164(), short_hex(&m.wamid)) }
                                <span class="countdown" title={format!("deleted at {}", clock(m.expires_at_ms, start))}>
                                    { format!(" · deleted in {}", countdown(m.expires_at_ms.saturating_sub(now))) }
                                </span>
                            </span>
                        </MessageItem>
                    }
                }) }
            </ol>
            <h3>{ "Webhooks posted to the business" }</h3>
            <div id="cloud-webhooks">
                { for webhooks.iter().map(|(at, req, resp)| {
                    let sig = req.header("X-Hub-Signature-256").unwrap_or("(none: GET handshake)");
                    exchange(format!("{} {} · X-Hub-Signature-256: {}", clock(*at, start), req.method, short_hex(sig)), req, resp, lit_text(&req.body))
                }) }
            </div>
            <h3>{ "Graph API requests" }</h3>
            <div id="cloud-graph">
                if graph.is_empty() { <p class="muted">{ "None yet." }</p> }
                { for graph.iter().map(|(at, req, resp)| {
                    exchange(format!("{} {} {} → {}", clock(*at, start), req.method, req.path, resp.status), req, resp, lit_text(&resp.body))
                }) }
            </div>
        </PaneFrame>
    }
}
