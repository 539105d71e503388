//! The arrows between two neighbouring panes. With a message highlighted,
//! each arrow says whether that message crossed here, which way, how often,
//! and in what form: Signal ciphertext, or plaintext inside HTTPS.

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
    let journey = demo.highlighted().and_then(|k| world.sim.journeys().get(k));
    let natural = Form::between(props.left, props.right);
    let (hop, label) = match journey {
        Some(j) => {
            let (hop, label) = j.hop_between(props.left, props.right);
            (hop, label)
        }
        None => (None, natural.label().to_owned()),
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
    html! {
        <div class={classes!("hop", class, hop.is_some().then_some("lit"), (journey.is_some() && hop.is_none()).then_some("idle"))}
             aria-hidden="true" data-hop={format!("{:?}-{:?}", props.left, props.right)}>
            <span class="arrow">{ arrow }</span>
            <span class="hop-label">{ label }</span>
        </div>
    }
}
