//! A list entry that stands for one message: click, Enter or Space selects
//! it; hovering highlights it. Every pane the message passed through then
//! highlights its own entry for it.

use yew::prelude::*;

use crate::state::{Action, DemoContext};

/// Props of [`MessageItem`].
#[derive(Properties, PartialEq)]
pub struct MessageItemProps {
    /// The message's journey key, if it belongs to a message.
    pub journey: Option<AttrValue>,
    /// Extra classes.
    #[prop_or_default]
    pub class: Classes,
    /// What a screen reader says for it.
    pub label: AttrValue,
    /// The entry's content.
    #[prop_or_default]
    pub children: Html,
}

/// One selectable message entry (`<li>`).
#[function_component(MessageItem)]
pub fn message_item(props: &MessageItemProps) -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let Some(key) = props.journey.clone() else {
        return html! { <li class={props.class.clone()} aria-label={props.label.clone()}>{ props.children.clone() }</li> };
    };
    let selected = demo.selected.as_deref() == Some(&*key);
    let lit = demo.highlighted() == Some(&*key);
    let toggle = {
        let demo = demo.clone();
        let key = key.clone();
        move || {
            let now = if demo.selected.as_deref() == Some(&*key) {
                None
            } else {
                Some(key.to_string())
            };
            demo.dispatch(Action::Select(now));
        }
    };
    let onclick = {
        let toggle = toggle.clone();
        Callback::from(move |_: MouseEvent| toggle())
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            toggle();
        }
    });
    let onmouseenter = {
        let demo = demo.clone();
        let key = key.clone();
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::Hover(Some(key.to_string()))))
    };
    let onmouseleave = {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::Hover(None)))
    };
    html! {
        <li
            class={classes!("msg", props.class.clone(), lit.then_some("lit"), selected.then_some("selected"))}
            tabindex="0"
            role="button"
            aria-pressed={selected.to_string()}
            aria-label={props.label.clone()}
            data-journey={key.clone()}
            {onclick} {onkeydown} {onmouseenter} {onmouseleave}
        >
            { props.children.clone() }
        </li>
    }
}
