//! The visibility matrix: what the core computed from this run (who touched
//! which category of data, and the ciphertext-only proof for content) beside
//! Meta's published table for the Cloud API. A cell is green where they agree.

use yew::prelude::*;

use crate::state::DemoContext;

/// Props of [`Matrix`].
#[derive(Properties, PartialEq)]
pub struct MatrixProps {
    /// Whether the lesson points here.
    pub focus: bool,
}

fn cell(computed: bool, published: bool, who: &str, label: &str) -> Html {
    let agree = computed == published;
    let word = |b: bool| if b { "yes" } else { "no" };
    html! {
        <td class={classes!("cell", if agree { "agree" } else { "disagree" })}
            aria-label={format!("{label}, available to {who}: computed {}, Meta {}{}", word(computed), word(published), if agree { ", agree" } else { ", DISAGREE" })}>
            <span class="computed">{ word(computed) }</span>
            <span class="published">{ format!("Meta: {}", word(published)) }</span>
        </td>
    }
}

/// The matrix panel.
#[function_component(Matrix)]
pub fn matrix(props: &MatrixProps) -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    // `visibility` runs the full proof: once per change of the world.
    let m = {
        let world = demo.world.clone();
        use_memo(demo.version, move |_| world.borrow().sim.visibility())
    };
    html! {
        <section id="matrix" class={classes!("card", "matrix", props.focus.then_some("focus"))} aria-labelledby="matrix-heading">
            <div class="card-head">
                <h2 id="matrix-heading">{ "Who can see what" }</h2>
                <span id="matrix-verdict" class={classes!("badge", if m.all_agree { "ok" } else { "pending" })}>
                    { if m.all_agree { "computed = Meta's table, every cell" } else { "not every cell agrees yet" } }
                </span>
            </div>
            <p class="muted small">
                { "Computed: from the ledger of what each party actually held in this run (content from the ciphertext-only proof). \
                   Meta: the Cloud API's published data table. Rows stay grey-red until the run has exercised them \
                   (billing needs a business message, integrity signals a business send or a spam report)." }
            </p>
            <table>
                <thead>
                    <tr><th scope="col">{ "data" }</th><th scope="col">{ "system" }</th><th scope="col">{ "WhatsApp" }</th><th scope="col">{ "rest of Meta" }</th></tr>
                </thead>
                <tbody>
                    { for m.computed.iter().zip(&m.published).map(|(c, p)| html! {
                        <tr key={c.label.clone()}>
                            <th scope="row">{ &c.label }</th>
                            <td>{ c.system.label() }</td>
                            { cell(c.whatsapp, p.whatsapp, "WhatsApp", &c.label) }
                            { cell(c.rest_of_meta, p.rest_of_meta, "the rest of Meta", &c.label) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}
