//! The Cloud API: the hosted number and its keys, the decrypted store with
//! each message's retention countdown, the webhooks it posts (with their
//! `X-Hub-Signature-256`) and the Graph API requests it answers.

use cipherflow_flow::cloud_api::store::Direction;
use cipherflow_flow::view::{ExchangePane, WindowItem};
use yew::prelude::*;

use crate::components::format::{clock, countdown, pretty_body, short_hex};
use crate::components::message_item::MessageItem;
use crate::components::pane_frame::{PaneFrame, PaneProps};
use crate::state::{DemoContext, Pane, ViewContext};

/// One HTTP exchange, request and response, as the wire carries them.
pub fn exchange(title: String, x: &ExchangePane, lit: bool) -> Html {
    let (req, resp) = (&x.request, &x.response);
    let headers: String = req
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect();
    html! {
        <details class={classes!("http", lit.then_some("lit"))}>
            <summary>{ title }</summary>
            <pre class="req">{ format!("{} {}\n{headers}\n{}", req.method, req.path, pretty_body(&req.body)) }</pre>
            <pre class="resp">{ match (resp, &x.error) {
                (Some(r), _) => format!("HTTP {}\n{}", r.status, pretty_body(&r.body)),
                (None, e) => format!("no answer: {}", e.as_deref().unwrap_or("none")),
            } }</pre>
        </details>
    }
}

/// A customer service window with its countdown.
pub fn window_item(w: &WindowItem) -> Html {
    let state = if w.open {
        format!("open, closes in {}", countdown(w.closes_in_ms))
    } else {
        "closed: templates only".to_owned()
    };
    html! {
        <span class={classes!("window", if w.open { "open" } else { "closed" })}>
            { format!("+{}: {state}", w.consumer) }
        </span>
    }
}

/// The Cloud API's pane.
#[function_component(CloudPane)]
pub fn cloud_pane(props: &PaneProps) -> Html {
    let (Some(demo), Some(view)) = (use_context::<DemoContext>(), use_context::<ViewContext>())
    else {
        return html! {};
    };
    let view = view.0;
    let cloud = &view.cloud_api;
    let start = view.start_ms;
    let highlighted = demo.highlighted().map(str::to_owned);
    let lit = |keys: &[String]| highlighted.as_ref().is_some_and(|h| keys.contains(h));

    html! {
        <PaneFrame pane={Pane::CloudApi} role="Operated by Meta for the business: holds its Signal keys and decrypts" focus={props.focus} active={props.active}>
            <p class="honest">
                { "Signal encryption ends here. The leg from the consumer's phone to the Cloud API is end-to-end encrypted; \
                   the Cloud API decrypts on the business's behalf and forwards plaintext over HTTPS." }
            </p>
            { for cloud.numbers.iter().map(|n| html! {
                <dl class="facts" key={n.phone_number_id.clone()}>
                    <dt>{ "number" }</dt><dd>{ format!("{} ({})", n.display_phone_number, n.name) }</dd>
                    <dt>{ "phone number id" }</dt><dd><code>{ &n.phone_number_id }</code></dd>
                    <dt>{ "identity key" }</dt><dd><code title={n.identity_key.clone()}>{ short_hex(&n.identity_key) }</code></dd>
                    <dt>{ "in / out / webhooks" }</dt><dd>{ format!("{} / {} / {}", n.statistics.inbound, n.statistics.outbound, n.statistics.webhooks) }</dd>
                    <dt>{ "24-hour windows" }</dt>
                    <dd class="windows">
                        if n.windows.is_empty() { <span class="muted">{ "none open: free-form messages fail with 131047" }</span> }
                        { for n.windows.iter().map(window_item) }
                    </dd>
                    <dt>{ "templates" }</dt>
                    <dd class="templates">
                        { for n.templates.iter().map(|t| html! {
                            <span class={classes!("template", t.status.to_ascii_lowercase())} title={t.body.clone()}>
                                { format!("{} ({}, {}) {}", t.name, t.language, t.category.to_ascii_lowercase(), t.status) }
                            </span>
                        }) }
                    </dd>
                </dl>
            }) }
            <h3>{ format!("Decrypted store ({}), kept {} days", cloud.store_total, cloud.retention_days) }</h3>
            if cloud.store_total == 0 {
                <p class="muted" id="cloud-store-empty">{ "Nothing stored: every message has been purged or none was sent." }</p>
            }
            <ol class="store" id="cloud-store" aria-label="Messages the Cloud API holds">
                if cloud.store_total > cloud.store.len() {
                    <li class="more">{ format!("{} older messages not shown", cloud.store_total - cloud.store.len()) }</li>
                }
                { for cloud.store.iter().map(|m| {
                    let dir = match m.direction { Direction::Inbound => "from", Direction::Outbound => "to" };
                    let state = if m.state.is_empty() { String::new() } else { format!(" · {}", m.state) };
                    html! {
                        <MessageItem key={m.wamid.clone()} journey={m.journey.clone().map(AttrValue::from)} label={format!("stored message {dir} {}", m.consumer)} class="stored">
                            <span class="text">{ &m.text }</span>
                            <span class="meta">
                                { format!("{dir} {} · {}{state}", m.consumer, short_hex(&m.wamid)) }
                                <span class="countdown" title={format!("deleted at {}", clock(m.expires_at_ms, start))}>
                                    { format!(" · deleted in {}", countdown(m.expires_in_ms)) }
                                </span>
                            </span>
                        </MessageItem>
                    }
                }) }
            </ol>
            <h3>{ "Webhooks posted to the business" }</h3>
            if cloud.webhooks_retrying > 0 {
                <p class="retrying" id="cloud-webhooks-retrying">
                    { format!("{} webhook(s) failed and wait for their next attempt (retried for up to 7 days)", cloud.webhooks_retrying) }
                </p>
            }
            <div id="cloud-webhooks">
                { for cloud.webhooks.iter().map(|x| {
                    let sig = x.signature.as_deref().unwrap_or("(none: GET handshake)");
                    let outcome = match (&x.response, &x.error) {
                        (Some(r), _) => format!("HTTP {}", r.status),
                        (None, Some(e)) => e.clone(),
                        (None, None) => String::new(),
                    };
                    exchange(format!("{} {} · X-Hub-Signature-256: {} → {outcome}", clock(x.at_ms, start), x.request.method, short_hex(sig)), x, lit(&x.journeys))
                }) }
            </div>
            <h3>{ "Graph API requests" }</h3>
            <div id="cloud-graph">
                if cloud.graph.is_empty() { <p class="muted">{ "None yet." }</p> }
                { for cloud.graph.iter().map(|x| {
                    let status = x.response.as_ref().map_or(0, |r| r.status);
                    exchange(format!("{} {} {} → {status}", clock(x.at_ms, start), x.request.method, x.request.path), x, lit(&x.journeys))
                }) }
            </div>
        </PaneFrame>
    }
}
