//! "What if": the deliberate policy breaches. Each switch makes one party
//! really behave that way; the matrix, the proof and the retention check then
//! turn red by themselves, which is how a workshop sees they are computed.

use cipherflow_flow::breach::Breach;
use yew::prelude::*;

use crate::model::command::Command;
use crate::state::{Action, DemoContext, ViewContext};

/// The breaches panel.
#[function_component(Breaches)]
pub fn breaches() -> Html {
    let (Some(demo), Some(view)) = (use_context::<DemoContext>(), use_context::<ViewContext>())
    else {
        return html! {};
    };
    let view = view.0;
    let r = &view.retention;
    html! {
        <section id="breaches" class="card breaches" aria-labelledby="breaches-heading">
            <div class="card-head">
                <h2 id="breaches-heading">{ "What if?" }</h2>
                <span id="retention-check" class={classes!("badge", if r.holds { "ok" } else { "bad" })}>
                    { if r.holds {
                        format!("retention holds: nothing older than {} days", r.retention_days)
                    } else {
                        format!("retention BROKEN: {} message(s) kept past {} days", r.overdue + r.queued_overdue, r.retention_days)
                    } }
                </span>
            </div>
            <p class="muted small">{ "Each switch makes a party break Meta's stated policy for real. Watch which checks turn red, and that nothing else does." }</p>
            <ul class="breach-list">
                { for view.breaches.iter().map(|b| {
                    let Some(breach) = Breach::from_name(b.name) else { return html! {} };
                    let on = b.on;
                    let onclick = {
                        let demo = demo.clone();
                        Callback::from(move |_: MouseEvent| demo.dispatch(Action::Run(Command::Breach { breach, on: !on })))
                    };
                    html! {
                        <li key={b.name}>
                            <button class={classes!("toggle", on.then_some("on"))} aria-pressed={on.to_string()}
                                id={format!("breach-{}", b.name)} {onclick}>{ if on { "on" } else { "off" } }</button>
                            <span>{ b.description }</span>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
