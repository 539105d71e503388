//! The WhatsApp transport: what it sees of every envelope (from, to, time,
//! size, id and the ciphertext bytes), its queues for offline devices, its
//! integrity signals, and the core's ciphertext-only proof.
//!
//! The log is virtualised: only the rows in view (plus a few) are in the DOM,
//! so 10,000 rows scroll as smoothly as 10.

use cipherflow_flow::integrity::IntegrityAction;
use cipherflow_flow::trace::EventKind;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::components::format::{clock, hex_preview, thousands};
use crate::components::pane_frame::{PaneFrame, PaneProps};
use crate::state::{Action, DemoContext, Pane};

/// Height of one log row, px (the CSS uses the same).
pub const ROW_PX: usize = 40;
/// Height of the log viewport, px.
pub const VIEW_PX: usize = 320;
/// Rows rendered beyond the viewport on each side.
pub const OVERSCAN: usize = 6;

/// Fault and verdict events listed (the newest).
pub const VISIBLE_VERDICTS: usize = 6;

fn action_label(a: IntegrityAction) -> &'static str {
    match a {
        IntegrityAction::None => "none",
        IntegrityAction::Flagged => "flagged",
        IntegrityAction::Throttled => "throttled",
        IntegrityAction::Blocked => "blocked",
    }
}

/// The transport's pane.
#[function_component(TransportPane)]
pub fn transport_pane(props: &PaneProps) -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let scroll_top = use_state(|| 0usize);
    let follow = use_state(|| true);
    let viewport = use_node_ref();
    // The full-trace proof rescans every byte the transport held: once per
    // change of the world, not on every hover.
    let proof = {
        let world = demo.world.clone();
        use_memo(demo.version, move |_| world.borrow().sim.proof())
    };
    let world = demo.world.borrow();
    let t = world.sim.transport();
    let start = world.sim.config().start_ms;
    let rows = t.log.len();
    let highlighted = demo.highlighted().and_then(|k| world.journeys.get(k));

    // Keep the newest rows in view while the user has not scrolled up.
    {
        let viewport = viewport.clone();
        let follow = *follow;
        use_effect_with((rows, follow), move |(rows, follow)| {
            if *follow && let Some(el) = viewport.cast::<HtmlElement>() {
                el.set_scroll_top((rows * ROW_PX) as i32);
            }
        });
    }
    let onscroll = {
        let scroll_top = scroll_top.clone();
        let follow = follow.clone();
        Callback::from(move |e: Event| {
            let el: HtmlElement = e.target_unchecked_into();
            let top = el.scroll_top().max(0) as usize;
            let at_bottom = top + el.client_height().max(0) as usize + ROW_PX
                >= el.scroll_height().max(0) as usize;
            scroll_top.set(top);
            follow.set(at_bottom);
        })
    };
    let first = (*scroll_top / ROW_PX).saturating_sub(OVERSCAN).min(rows);
    let last = ((*scroll_top + VIEW_PX) / ROW_PX + OVERSCAN).min(rows);

    let holds = proof.matches == 0;
    let badge = if holds {
        format!(
            "content visible to transport: none — {} messages, {} bytes checked",
            thousands(proof.messages_checked),
            thousands(proof.bytes_scanned)
        )
    } else {
        format!(
            "content visible to transport: FOUND — {} plaintext windows matched",
            proof.matches
        )
    };

    html! {
        <PaneFrame pane={Pane::Transport} role="Routes and stores envelopes; holds ciphertext only" focus={props.focus} active={props.active}>
            <p id="proof-badge" class={classes!("badge", if holds { "ok" } else { "bad" })} role="status">{ badge }</p>
            <p class="muted small">
                { format!("Computed by the core from the transport's bytes: every 8-byte window of every plaintext sent, \
                    searched in all {} bytes the transport held. Tampered envelopes: {}, rejected by their recipient: {}.",
                    thousands(proof.bytes_scanned), proof.tampered_envelopes, proof.tampered_rejected) }
            </p>
            <h3>{ format!("Envelope log ({} rows)", thousands(rows as u64)) }</h3>
            <p class="log-head muted small">{ "#id from → to, then time · size · the bytes it holds" }</p>
            <div class="log" ref={viewport} {onscroll} style={format!("height:{VIEW_PX}px")} tabindex="0"
                 role="region" aria-label="Envelope log, newest last" id="transport-log">
                <ol style={format!("height:{}px", rows * ROW_PX)} data-rows={rows.to_string()}>
                    { for t.log.range(first..last).enumerate().map(|(i, row)| {
                        let journey = world.journeys.carried_by(row.id).filter(|_| row.kind == "signal");
                        let key = journey.map(|j| j.key.clone());
                        let lit = highlighted.is_some_and(|h| Some(&h.key) == key.as_ref());
                        let bytes = if row.kind == "signal" {
                            world.ciphertext(row.id).map(|b| hex_preview(b, 12)).unwrap_or_default()
                        } else {
                            row.kind.replace('_', " ")
                        };
                        let onclick = {
                            let demo = demo.clone();
                            let key = key.clone();
                            Callback::from(move |_: MouseEvent| demo.dispatch(Action::Select(key.clone())))
                        };
                        html! {
                            <li key={format!("{}-{}", row.id, first + i)}
                                class={classes!("log-row", row.kind.clone(), lit.then_some("lit"))}
                                style={format!("top:{}px", (first + i) * ROW_PX)}
                                data-journey={key.clone().unwrap_or_default()}
                                {onclick}>
                                <span class="l1">{ format!("#{} {} → {}", row.id, row.from.e164(), row.to.e164()) }</span>
                                <span class="l2">
                                    { format!("{} · {} B · ", clock(row.at_ms, start), row.size) }
                                    <code class="cipher">{ bytes }</code>
                                </span>
                            </li>
                        }
                    }) }
                </ol>
            </div>
            if let Some(j) = highlighted {
                if let Some(bytes) = j.envelope_id.and_then(|id| world.ciphertext(id)) {
                    <details class="envelope" open=true>
                        <summary>{ format!("Envelope {} as the transport holds it ({} bytes)", j.envelope_id.unwrap_or_default(), bytes.len()) }</summary>
                        <code class="bytes" id="transport-selected-bytes">{ hex::encode(bytes) }</code>
                    </details>
                }
            }
            <h3>{ "Faults and verdicts" }</h3>
            <ol class="verdicts" id="transport-verdicts" aria-label="Recent faults and what the recipients did">
                { for world.sim.trace().events.iter().rev().filter_map(|e| {
                    let line = match &e.kind {
                        EventKind::TransportFault { envelope_id, fault } =>
                            format!("#{envelope_id}: transport fault {}", crate::model::command::fault_name(*fault)),
                        EventKind::Rejected { by, envelope_id, error, tampered } =>
                            format!("#{envelope_id}: rejected by {}{}: {error}", by.e164(), if *tampered { " (tampered)" } else { "" }),
                        EventKind::DuplicateIgnored { by, envelope_id } =>
                            format!("#{envelope_id}: duplicate ignored by {}", by.e164()),
                        EventKind::RetryRequested { by, envelope_id } =>
                            format!("#{envelope_id}: {} asked for a new session (retry request)", by.e164()),
                        EventKind::Retransmitted { by, envelope_id, attempt } =>
                            format!("#{envelope_id}: retransmitted by {} (attempt {attempt})", by.e164()),
                        EventKind::TransportRefused { envelope_id, business, .. } =>
                            format!("#{envelope_id}: refused from {} (integrity action)", business.e164()),
                        _ => return None,
                    };
                    Some(html! { <li key={e.seq.to_string()}>{ format!("{} {line}", clock(e.at_ms, start)) }</li> })
                }).take(VISIBLE_VERDICTS) }
            </ol>
            <h3>{ "Queues for offline devices" }</h3>
            if t.queues.values().all(Vec::is_empty) {
                <p class="muted" id="transport-queues">{ "No device is offline with envelopes waiting." }</p>
            } else {
                <ul id="transport-queues">
                    { for t.queues.iter().filter(|(_, q)| !q.is_empty()).map(|(n, q)| html! {
                        <li key={n.e164()}>{ format!("{}: {} envelope(s) waiting: {}", n.e164(), q.len(),
                            q.iter().map(|e| e.id.to_string()).collect::<Vec<_>>().join(", ")) }</li>
                    }) }
                </ul>
            }
            <h3>{ "Integrity signals" }</h3>
            <div class="scroll-x">
            <table class="signals" id="transport-integrity">
                <thead><tr><th scope="col">{ "business" }</th><th scope="col" title="messages in the last hour">{ "msgs/h" }</th><th scope="col" title="distinct recipients in the last hour">{ "rcpts/h" }</th><th scope="col">{ "spam reports" }</th><th scope="col">{ "action" }</th></tr></thead>
                <tbody>
                    { for t.integrity.signals().iter().map(|(n, s)| html! {
                        <tr key={n.e164()}>
                            <td>{ n.e164() }</td>
                            <td>{ s.messages_in_window }</td>
                            <td>{ s.recipients_in_window }</td>
                            <td>{ s.spam_reports }</td>
                            <td class={classes!("action", action_label(s.action))} title={s.reason.clone().unwrap_or_default()}>
                                { action_label(s.action) }
                                if let Some(r) = &s.reason { <span class="muted small">{ format!(" ({r})") }</span> }
                            </td>
                        </tr>
                    }) }
                </tbody>
            </table>
            </div>
        </PaneFrame>
    }
}
