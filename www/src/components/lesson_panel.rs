//! The workshop: the current lesson step's explanation, with previous/next.
//! Moving to a step rebuilds the world from the seed and the lesson's
//! commands up to that step, and the URL follows, so a link reproduces it.
//! A presenter's remote moves it too (see `presenter.rs`).

use yew::prelude::*;

use crate::components::presenter::PresenterKeys;
use crate::model::lesson::{LessonStep, lesson};
use crate::model::link::Start;
use crate::state::{Action, DemoContext};

/// The panel (shown in workshop mode).
#[function_component(LessonPanel)]
pub fn lesson_panel() -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let Start::Lesson(k) = demo.start else {
        return html! {};
    };
    let steps = lesson();
    let Some(step): Option<&LessonStep> = steps.get(k) else {
        return html! {};
    };
    let seed = demo.world.borrow().seed;
    let go = |to: Option<usize>| {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| match to {
            Some(i) => demo.dispatch(Action::Restart(seed, Start::Lesson(i))),
            None => demo.dispatch(Action::Restart(seed, Start::Blank)),
        })
    };
    let n = steps.len();
    html! {
        <section class="lesson card" id="lesson" aria-labelledby="lesson-title" aria-live="polite">
            <PresenterKeys step={k} steps={n} {seed} />
            <div class="lesson-top">
                <span class="step-count" id="lesson-step">{ format!("Step {} of {n}", k + 1) }</span>
                <progress max={n.to_string()} value={(k + 1).to_string()} aria-label="Lesson progress"></progress>
                <h2 id="lesson-title">{ step.title }</h2>
                <div class="lesson-nav">
                    <button onclick={go(k.checked_sub(1))} disabled={k == 0} id="lesson-prev"
                        title="Page Up or ←">{ "← Previous" }</button>
                    <button onclick={go(Some(k + 1))} disabled={k + 1 >= n} id="lesson-next" class="primary"
                        title="Page Down, → or space">{ "Next →" }</button>
                    <button onclick={go(None)} id="lesson-leave">{ "Leave the workshop" }</button>
                </div>
            </div>
            <p id="lesson-text">{ step.text }</p>
        </section>
    }
}
