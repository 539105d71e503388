//! The scenario presets and the workshop's start button; and, on a
//! projector, the strip that says which scenario is on screen.

use yew::prelude::*;

use crate::model::link::Start;
use crate::model::preset::{self, PRESETS};
use crate::state::{Action, DemoContext};

/// The presets bar.
#[function_component(Presets)]
pub fn presets() -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let seed = demo.world.borrow().seed;
    let start = |s: Start| {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| {
            demo.dispatch(Action::Restart(seed, s.clone()));
            close_the_drawer();
        })
    };
    html! {
        <nav class="presets" aria-label="Scenarios" id="presets">
            <button class={classes!("primary", matches!(demo.start, Start::Lesson(_)).then_some("on"))}
                onclick={start(Start::Lesson(0))} id="start-workshop">{ "Workshop" }</button>
            { for PRESETS.iter().map(|p| html! {
                <button title={p.summary} id={format!("preset-{}", p.id)}
                    class={classes!((demo.start == Start::Preset(p.id)).then_some("on"))}
                    aria-pressed={(demo.start == Start::Preset(p.id)).to_string()}
                    onclick={start(Start::Preset(p.id))}>{ p.title }</button>
            }) }
            <button onclick={start(Start::Blank)} id="preset-blank">{ "Blank" }</button>
        </nav>
    }
}

/// On a projector the presets are in a drawer: once one is chosen, the
/// drawer folds away so that the panes come back up.
fn close_the_drawer() {
    if let Some(drawer) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("drawer"))
    {
        // Removing an attribute that is absent is not an error.
        let _ = drawer.remove_attribute("open");
    }
}

/// The scenario on screen, as a strip like the lesson's (the projector
/// layout): its title, what it shows, and a way to run it again or leave.
#[function_component(ScenarioStrip)]
pub fn scenario_strip() -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let Some(p) = (match &demo.start {
        Start::Preset(id) => preset::find(id),
        _ => None,
    }) else {
        return html! {};
    };
    let seed = demo.world.borrow().seed;
    let go = |s: Start| {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::Restart(seed, s.clone())))
    };
    html! {
        <section class="lesson scenario card" id="scenario" aria-labelledby="scenario-title">
            <div class="lesson-top">
                <span class="step-count">{ "Scenario" }</span>
                <h2 id="scenario-title">{ p.title }</h2>
                <div class="lesson-nav">
                    <button onclick={go(Start::Preset(p.id))} id="scenario-again">{ "Run it again" }</button>
                    <button onclick={go(Start::Blank)} id="scenario-leave">{ "Leave the scenario" }</button>
                </div>
            </div>
            <p id="scenario-text">{ p.summary }</p>
        </section>
    }
}
