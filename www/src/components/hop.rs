//! The arrows between two neighbouring panes. With a message highlighted,
//! each arrow says whether that message crossed here, which way, how often,
//! and in what form: Signal ciphertext, or plaintext inside HTTPS. With none
//! highlighted, they follow the message the last step or command moved
//! (see `model/travel.rs`): the hops it just made light one after another,
//! in the order it made them.

use cipherflow_flow::journey::{Form, Party};
use yew::prelude::*;

use crate::state::DemoContext;

/// Props of [`Hop`].
#[derive(Properties, PartialEq)]
pub struct HopProps {
    /// The pane on the left.
    pub left: Party,
    /// The pane on the right.
    pub right: Party,
}

/// The connector between `left` and `right`.
#[function_component(Hop)]
pub fn hop(props: &HopProps) -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let world = demo.world.borrow();
    let travel = demo.travel.as_ref();
    let journey = demo
        .highlighted()
        .or(travel.map(|t| t.key.as_str()))
        .and_then(|k| world.sim.journeys().get(k));
    let natural = Form::between(props.left, props.right);
    let (hop, label) = match journey {
        Some(j) => j.hop_between(props.left, props.right),
        None => (None, natural.label().to_owned()),
    };
    // Where this hop comes in the travelling message's path, if it is one
    // the last action made.
    let order = match (journey, hop, travel) {
        (Some(j), Some(h), Some(t)) if j.key == t.key => j
            .hops
            .iter()
            .position(|x| std::ptr::eq(x, h))
            .and_then(|i| t.order(i)),
        _ => None,
    };
    let arrow = match hop {
        Some(h) if h.from == props.left => "→",
        Some(_) => "←",
        None => "⇄",
    };
    let class = match hop.map_or(natural, |h| h.form) {
        Form::Ciphertext => "cipher",
        Form::Plaintext => "plain",
    };
    let rightward = hop.is_none_or(|h| h.from == props.left);
    html! {
        // A new run is a new element, so its animation starts over.
        <div key={order.map_or(String::new(), |_| travel.map_or(0, |t| t.run).to_string())}
             class={classes!("hop", class, hop.is_some().then_some("lit"),
                (journey.is_some() && hop.is_none()).then_some("idle"),
                order.is_some().then_some("travel"), (!rightward).then_some("leftward"))}
             style={order.map(|o| format!("--hop-order: {o}"))}
             aria-hidden="true" data-hop={format!("{:?}-{:?}", props.left, props.right)}
             data-order={order.map(|o| o.to_string())}>
            <span class="arrow">{ arrow }</span>
            <span class="hop-label">{ label }</span>
        </div>
    }
}
