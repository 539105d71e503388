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

fn form_label(form: Form) -> &'static str {
    match form {
        Form::Ciphertext => "Signal ciphertext",
        Form::Plaintext => "plaintext in HTTPS",
    }
}

/// The connector between `left` and `right`.
#[function_component(Hop)]
pub fn hop(props: &HopProps) -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let world = demo.world.borrow();
    let journey = demo.highlighted().and_then(|k| world.journeys.get(k));
    let natural = if props.right == Party::Business {
        Form::Plaintext
    } else {
        Form::Ciphertext
    };
    let (rightward, leftward) = match journey {
        Some(j) => (
            j.crossed(props.left, props.right),
            j.crossed(props.right, props.left),
        ),
        None => (None, None),
    };
    let lit = rightward.or(leftward);
    let arrow = match (rightward.is_some(), leftward.is_some()) {
        (true, _) => "→",
        (_, true) => "←",
        _ => "⇄",
    };
    let form = lit.map_or(natural, |h| h.form);
    let label = match (journey, lit) {
        (Some(_), Some(h)) => format!(
            "{}{}",
            form_label(h.form),
            if h.times > 1 {
                format!(" ×{}", h.times)
            } else {
                String::new()
            }
        ),
        (Some(_), None) => "not crossed (yet)".to_owned(),
        (None, _) => form_label(natural).to_owned(),
    };
    let class = match form {
        Form::Ciphertext => "cipher",
        Form::Plaintext => "plain",
    };
    html! {
        <div class={classes!("hop", class, lit.is_some().then_some("lit"), (journey.is_some() && lit.is_none()).then_some("idle"))}
             aria-hidden="true" data-hop={format!("{:?}-{:?}", props.left, props.right)}>
            <span class="arrow">{ arrow }</span>
            <span class="hop-label">{ label }</span>
        </div>
    }
}
