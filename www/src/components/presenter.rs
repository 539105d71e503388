//! For a room: the presentation scale (a control, kept in the link), the
//! keys presenter remotes send (Page Down / Page Up, the arrow keys, space)
//! moving the lesson, and each step bringing what it points at on screen.

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};
use yew::prelude::*;

use crate::model::link::{SCALES, Start};
use crate::state::{Action, DemoContext};

/// The "Text size" select.
#[function_component(ScaleControl)]
pub fn scale_control() -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let onchange = {
        let demo = demo.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>()
                && let Ok(p) = select.value().parse::<u16>()
            {
                demo.dispatch(Action::SetScale(p));
            }
        })
    };
    html! {
        <label class="inline scale">{ "Text size" }
            <select id="scale" {onchange} aria-label="Presentation scale">
                { for SCALES.iter().map(|&p| html! {
                    <option value={p.to_string()} selected={p == demo.scale}>{ format!("{p}%") }</option>
                }) }
            </select>
        </label>
    }
}

/// Where a key sends the lesson from step `k` of `n`: `Some(Some(i))` to
/// step `i`, `Some(None)` for a key of the lesson's that has nowhere to go
/// (taken, so the page does not scroll instead), `None` for other keys.
pub fn target(key: &str, k: usize, n: usize) -> Option<Option<usize>> {
    match key {
        "PageDown" | "ArrowRight" | " " => Some((k + 1 < n).then_some(k + 1)),
        "PageUp" | "ArrowLeft" => Some(k.checked_sub(1)),
        _ => None,
    }
}

/// Whether the key belongs to what has focus: a text field, a select, or
/// space on a button (which presses it).
fn for_the_focus(e: &KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return false;
    };
    let tag = el.tag_name();
    matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || el.has_attribute("contenteditable")
        || (e.key() == " " && matches!(tag.as_str(), "BUTTON" | "SUMMARY"))
}

/// Props of [`PresenterKeys`].
#[derive(Properties, PartialEq)]
pub struct PresenterProps {
    /// The step on screen (0-based).
    pub step: usize,
    /// How many steps.
    pub steps: usize,
    /// The world's seed.
    pub seed: u64,
}

/// Listens for the presenter's keys while a lesson is open, and brings a
/// step's crypto inspector or matrix on screen when it points at one.
#[function_component(PresenterKeys)]
pub fn presenter_keys(props: &PresenterProps) -> Html {
    let demo = use_context::<DemoContext>();
    use_effect_with(
        (props.step, props.steps, props.seed),
        move |&(k, n, seed)| {
            let listener =
                demo.zip(web_sys::window().and_then(|w| w.document()))
                    .map(|(demo, document)| {
                        let options = EventListenerOptions::enable_prevent_default();
                        EventListener::new_with_options(&document, "keydown", options, move |e| {
                            let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                                return;
                            };
                            if e.alt_key() || e.ctrl_key() || e.meta_key() || for_the_focus(e) {
                                return;
                            }
                            let Some(to) = target(&e.key(), k, n) else {
                                return;
                            };
                            e.prevent_default();
                            if let Some(i) = to {
                                demo.dispatch(Action::Restart(seed, Start::Lesson(i)));
                            }
                        })
                    });
            bring_on_screen();
            move || drop(listener)
        },
    );
    html! {}
}

/// Scrolls so that the ringed inspector or matrix shows its heading and up
/// to 320 px of itself; with neither ringed, back to the top, where the
/// lesson and the panes are.
fn bring_on_screen() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let card = window.document().and_then(|d| {
        d.query_selector("#inspector.focus, #matrix.focus")
            .ok()
            .flatten()
    });
    let Some(card) = card else {
        window.scroll_to_with_x_and_y(0.0, 0.0);
        return;
    };
    let height = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    let rect = card.get_bounding_client_rect();
    let want_top = (height - rect.height().min(320.0)).max(0.0);
    if rect.top() > want_top || rect.top() < 0.0 {
        window.scroll_by_with_x_and_y(0.0, rect.top() - want_top);
    }
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn presenter_keys_move_within_the_lesson() {
        assert_eq!(target("PageDown", 0, 14), Some(Some(1)));
        assert_eq!(target(" ", 3, 14), Some(Some(4)));
        assert_eq!(target("ArrowRight", 13, 14), Some(None));
        assert_eq!(target("PageUp", 5, 14), Some(Some(4)));
        assert_eq!(target("ArrowLeft", 0, 14), Some(None));
        assert_eq!(target("Enter", 5, 14), None);
        assert_eq!(target("a", 5, 14), None);
    }
}
