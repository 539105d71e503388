//! The visibility matrix: what the core computed from this run (who was
//! given which category of data, and the ciphertext-only proof for content)
//! beside Meta's published table for the Cloud API. A cell is green where
//! they agree, grey where Meta says "yes" and nothing of it has reached that
//! party yet in this run, red where this run made available what Meta says
//! is not.

use cipherflow_flow::breach::Column;
use cipherflow_flow::ledger::matrix::{Difference, MatrixComparison, MatrixRow};
use yew::prelude::*;

use crate::state::ViewContext;

/// Props of [`Matrix`].
#[derive(Properties, PartialEq)]
pub struct MatrixProps {
    /// Whether the lesson points here.
    pub focus: bool,
}

fn cell(m: &MatrixComparison, c: &MatrixRow, p: &MatrixRow, column: Column) -> Html {
    let (computed, published, who, from) = match column {
        Column::WhatsApp => (c.whatsapp, p.whatsapp, "WhatsApp", &c.whatsapp_from),
        Column::RestOfMeta => (
            c.rest_of_meta,
            p.rest_of_meta,
            "the rest of Meta",
            &c.rest_of_meta_from,
        ),
    };
    let difference = m
        .disagreements
        .iter()
        .find(|d| d.data == c.data && d.column == column)
        .map(|d| d.difference);
    let (class, verdict) = match difference {
        None => ("agree", "agree"),
        Some(Difference::NotObserved) => ("unobserved", "not observed in this run yet"),
        Some(Difference::Breach) => ("disagree", "BREACH: available where Meta says it is not"),
    };
    let word = |b: bool| if b { "yes" } else { "no" };
    let source = if from.is_empty() {
        String::new()
    } else {
        format!(
            "from {}",
            from.iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    html! {
        <td class={classes!("cell", class)} title={source.clone()}
            aria-label={format!("{}, available to {who}: computed {}, Meta {}, {verdict}", c.label, word(computed), word(published))}>
            <span class="computed">{ word(computed) }</span>
            <span class="published">{ format!("Meta: {}", word(published)) }</span>
            if !source.is_empty() { <span class="source small">{ source }</span> }
        </td>
    }
}

/// The matrix panel.
#[function_component(Matrix)]
pub fn matrix(props: &MatrixProps) -> Html {
    let Some(view) = use_context::<ViewContext>() else {
        return html! {};
    };
    let m = &view.0.visibility;
    let breaches = m
        .disagreements
        .iter()
        .filter(|d| d.difference == Difference::Breach)
        .count();
    let (class, verdict) = if m.all_agree {
        ("ok", "computed = Meta's table, every cell".to_owned())
    } else if breaches > 0 {
        ("bad", format!("{breaches} cell(s) contradict Meta's table"))
    } else {
        ("pending", "not every cell observed yet".to_owned())
    };
    html! {
        <section id="matrix" class={classes!("card", "matrix", props.focus.then_some("focus"))} aria-labelledby="matrix-heading">
            <div class="card-head">
                <h2 id="matrix-heading">{ "Who can see what" }</h2>
                <span id="matrix-verdict" class={classes!("badge", class)}>{ verdict }</span>
            </div>
            <p class="muted small">
                { "Computed: from what the router delivered to WhatsApp (the transport) and to the rest of Meta in this run, \
                   each message classified by its type; content also from the ciphertext-only proof. Meta: the Cloud API's \
                   published data table. Grey until the run has exercised a row (billing needs a business message, \
                   integrity signals a spam report)." }
            </p>
            <table>
                <thead>
                    <tr><th scope="col">{ "data" }</th><th scope="col">{ "system" }</th><th scope="col">{ "WhatsApp" }</th><th scope="col">{ "rest of Meta" }</th></tr>
                </thead>
                <tbody>
                    { for m.computed.iter().zip(&m.published).map(|(c, p)| html! {
                        <tr key={c.label.clone()}>
                            <th scope="row">{ &c.label }</th>
                            <td>{ c.system.map_or("not seen", |s| s.label()) }</td>
                            { cell(m, c, p, Column::WhatsApp) }
                            { cell(m, c, p, Column::RestOfMeta) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}
