//! The selected message, in a line: its ids on each leg, where it went and in
//! what form, and what happened to it on the way.

use cipherflow_flow::journey::{Form, Party};
use cipherflow_flow::retention::Direction;
use yew::prelude::*;

use crate::model::command::fault_name;
use crate::state::{Action, DemoContext};

fn party(p: Party) -> &'static str {
    match p {
        Party::Consumer => "consumer",
        Party::Transport => "transport",
        Party::CloudApi => "Cloud API",
        Party::Business => "business",
    }
}

/// The bar.
#[function_component(JourneyBar)]
pub fn journey_bar() -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let world = demo.world.borrow();
    let Some(j) = demo.selected.as_deref().and_then(|k| world.journeys.get(k)) else {
        return html! {
            <p class="journey-bar muted" id="journey-bar">
                { "Select a message in any pane to follow it through every party." }
            </p>
        };
    };
    let clear = {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::Select(None)))
    };
    let mut events = Vec::new();
    if j.transmissions > 1 {
        events.push(format!("sent {} times", j.transmissions));
    }
    for f in &j.faults {
        events.push(format!("transport fault: {}", fault_name(*f)));
    }
    if j.rejections > 0 {
        events.push(format!("{} rejected delivery(ies)", j.rejections));
    }
    if j.retry_requests > 0 {
        events.push(format!(
            "{} retry request(s): no session matched",
            j.retry_requests
        ));
    }
    if j.duplicates_ignored > 0 {
        events.push(format!("{} duplicate(s) ignored", j.duplicates_ignored));
    }
    if j.queued {
        events.push("queued for an offline phone".to_owned());
    }
    if j.refused {
        events.push("refused by the integrity system".to_owned());
    }
    if j.purged {
        events.push("purged by retention".to_owned());
    }
    if let Some(s) = j.statuses.last() {
        events.push(format!("status: {s}"));
    }
    html! {
        <section class="journey-bar" id="journey-bar" aria-live="polite" aria-label="Selected message">
            <strong>{ match j.direction { Direction::Inbound => "Consumer → business: ", Direction::Outbound => "Business → consumer: " } }</strong>
            <span class="quote">{ format!("“{}”", j.text) }</span>
            <ol class="hops">
                { for j.hops.iter().map(|h| html! {
                    <li class={match h.form { Form::Ciphertext => "cipher", Form::Plaintext => "plain" }}>
                        { format!("{} → {}: {}", party(h.from), party(h.to),
                            match h.form { Form::Ciphertext => "ciphertext", Form::Plaintext => "plaintext (HTTPS)" }) }
                    </li>
                }) }
            </ol>
            <span class="muted small">
                { format!("envelope {} · wamid {}{}",
                    j.envelope_id.map_or("–".to_owned(), |e| e.to_string()),
                    j.wamid.as_deref().unwrap_or("–"),
                    if events.is_empty() { String::new() } else { format!(" · {}", events.join(" · ")) }) }
            </span>
            <button class="small" onclick={clear}>{ "Clear selection" }</button>
        </section>
    }
}
