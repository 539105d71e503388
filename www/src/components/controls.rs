//! The simulation's controls: step, play, pause, speed, settle; the clock;
//! the fault toggles (each outcome shows up in the panes and the journey bar);
//! the seed.

use cipherflow_flow::cloud_api::store::DAY_MS;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::format::clock;
use crate::model::command::{Command, FAULTS, fault_on, toggle_probability};
use crate::model::preset::HOUR_MS;
use crate::state::{Action, DemoContext, SPEEDS};

/// The controls bar.
#[function_component(Controls)]
pub fn controls() -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let seed_input = use_node_ref();
    let world = demo.world.borrow();
    let sim = &world.sim;
    let pending = sim.pending();
    let faults = sim.config().faults;
    let run = |c: Command| {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::Run(c.clone())))
    };
    let play = {
        let demo = demo.clone();
        let on = !demo.playing;
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::SetPlaying(on)))
    };
    let speed = {
        let demo = demo.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = el.value().parse::<usize>() {
                demo.dispatch(Action::SetSpeed(i));
            }
        })
    };
    let reseed = {
        let demo = demo.clone();
        let seed_input = seed_input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(el) = seed_input.cast::<HtmlInputElement>() {
                match el.value().trim().parse::<u64>() {
                    Ok(seed) => demo.dispatch(Action::Restart(seed, demo.start.clone())),
                    Err(_) => el.set_custom_validity("a whole number"),
                }
            }
        })
    };
    html! {
        <section class="controls card" aria-label="Simulation controls" id="controls">
            <div class="group" role="group" aria-label="Run">
                <button onclick={run(Command::Step)} disabled={pending == 0} id="btn-step">{ "Step" }</button>
                <button onclick={play} aria-pressed={demo.playing.to_string()} disabled={pending == 0 && !demo.playing} id="btn-play">
                    { if demo.playing { "Pause" } else { "Play" } }
                </button>
                <label class="inline">{ "speed " }
                    <select onchange={speed} aria-label="Play speed" id="speed">
                        { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                            <option value={i.to_string()} selected={i == demo.speed}>{ format!("{s} steps/s") }</option>
                        }) }
                    </select>
                </label>
                <button onclick={run(Command::Settle)} disabled={pending == 0} id="btn-settle">{ "Settle" }</button>
                <span class="muted small" id="pending">{ format!("{pending} scheduled") }</span>
            </div>
            <div class="group" role="group" aria-label="Clock">
                <span class="clock" id="clock">{ clock(sim.now_ms(), sim.config().start_ms) }</span>
                <button onclick={run(Command::Advance { ms: HOUR_MS })} id="btn-hour">{ "+1 hour" }</button>
                <button onclick={run(Command::Advance { ms: DAY_MS })} id="btn-day">{ "+1 day" }</button>
                <button onclick={run(Command::Advance { ms: 30 * DAY_MS })} id="btn-30days">{ "+30 days" }</button>
            </div>
            <div class="group faults" role="group" aria-label="Transport faults">
                <span class="muted small">{ "faults:" }</span>
                { for FAULTS.iter().map(|&f| {
                    let on = fault_on(&faults, f);
                    let name = f.name();
                    html! {
                        <button class={classes!("toggle", on.then_some("on"))} aria-pressed={on.to_string()}
                            id={format!("fault-{name}")}
                            title={format!("{name} each delivery with probability {}", toggle_probability(f))}
                            onclick={run(Command::Fault { fault: f, on: !on })}>{ name }</button>
                    }
                }) }
            </div>
            <form class="group" onsubmit={reseed} aria-label="Seed">
                <label class="inline" for="seed">{ "seed " }</label>
                <input id="seed" ref={seed_input} inputmode="numeric" size="10" value={world.seed.to_string()} />
                <button type="submit">{ "Restart" }</button>
            </form>
        </section>
    }
}
