//! The selected message, in a line: its ids on each leg, where it went and in
//! what form, and what happened to it on the way (all as the core says it).

use cipherflow_flow::cloud_api::store::Direction;
use cipherflow_flow::journey::Form;
use yew::prelude::*;

use crate::state::{Action, DemoContext, SelectedContext};

/// The bar.
#[function_component(JourneyBar)]
pub fn journey_bar() -> Html {
    let (Some(demo), Some(selected)) = (
        use_context::<DemoContext>(),
        use_context::<SelectedContext>(),
    ) else {
        return html! {};
    };
    let Some(selected) = &*selected.0 else {
        return html! {
            <p class="journey-bar muted" id="journey-bar">
                { "Select a message in any pane to follow it through every party." }
            </p>
        };
    };
    let j = &selected.journey;
    let clear = {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::Select(None)))
    };
    let happenings = j.happenings();
    html! {
        <section class="journey-bar" id="journey-bar" aria-live="polite" aria-label="Selected message">
            <strong>{ match j.direction { Direction::Inbound => "Consumer → business: ", Direction::Outbound => "Business → consumer: " } }</strong>
            <span class="quote">{ format!("“{}”", j.text) }</span>
            <ol class="hops">
                { for j.hops.iter().map(|h| html! {
                    <li class={match h.form { Form::Ciphertext => "cipher", Form::Plaintext => "plain" }}>
                        { format!("{} → {}: {}", h.from.label(), h.to.label(), h.form.label()) }
                    </li>
                }) }
            </ol>
            <span class="muted small">
                { format!("envelope {} · wamid {}{}",
                    j.envelope_id.map_or("–".to_owned(), |e| e.to_string()),
                    j.wamid.as_deref().unwrap_or("–"),
                    if happenings.is_empty() { String::new() } else { format!(" · {}", happenings.join(" · ")) }) }
            </span>
            <button class="small" onclick={clear}>{ "Clear selection" }</button>
        </section>
    }
}
