//! The scenario presets and the workshop's start button.

use yew::prelude::*;

use crate::model::link::Start;
use crate::model::preset::PRESETS;
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
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::Restart(seed, s.clone())))
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
