//! The WhatsApp transport: what it sees of every envelope (from, to, time,
//! size, id and the ciphertext bytes), its queues for offline devices, its
//! integrity signals, and the core's ciphertext-only proof.
//!
//! The log is virtualised: only the rows in view (plus a few) are in the DOM,
//! and the core reads just those rows, so 10,000 rows scroll as smoothly as 10.

use cipherflow_flow::view::TransportPane as TransportView;
use web_sys::HtmlElement;
use yew::prelude::*;

use cipherflow_flow::view::thousands;

use crate::components::format::clock;
use crate::components::pane_frame::{PaneFrame, PaneProps};
use crate::state::{Action, DemoContext, Pane, SelectedContext, ViewContext};

/// Height of one log row, px (the CSS uses the same).
pub const ROW_PX: usize = 40;
/// Height of the log viewport, px.
pub const VIEW_PX: usize = 320;
/// Rows rendered beyond the viewport on each side.
pub const OVERSCAN: usize = 6;

/// The transport's pane.
#[function_component(TransportPane)]
pub fn transport_pane(props: &PaneProps) -> Html {
    let (Some(demo), Some(view)) = (use_context::<DemoContext>(), use_context::<ViewContext>())
    else {
        return html! {};
    };
    let selected = use_context::<SelectedContext>().map_or_else(|| std::rc::Rc::new(None), |s| s.0);
    let view = view.0;
    let t = &view.transport;
    // The monitor's window, as the column headings say it.
    let per = match demo.world.borrow().sim.config().integrity.window_ms {
        3_600_000 => "h".to_owned(),
        60_000 => "min".to_owned(),
        ms => format!("{} s", ms / 1000),
    };
    let scroll_top = use_state(|| 0usize);
    let follow = use_state(|| true);
    let viewport = use_node_ref();
    let rows = t.log_total;
    let start = view.start_ms;
    let highlighted = demo.highlighted().map(str::to_owned);

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
    // The rows in view, read from the core once per change of the world or
    // of the window.
    let window = {
        let world = demo.world.clone();
        use_memo((demo.version, first, last), move |(_, first, last)| {
            TransportView::log_rows(&world.borrow().sim, *first..*last)
        })
    };

    html! {
        <PaneFrame pane={Pane::Transport} role="Routes and stores envelopes; holds ciphertext only" focus={props.focus} active={props.active}>
            <p id="proof-badge" class={classes!("badge", if t.badge.holds { "ok" } else { "bad" })} role="status">{ &t.badge.text }</p>
            <p class="muted small">{ &t.badge.detail }</p>
            <h3>{ format!("Envelope log ({} rows)", thousands(rows as u64)) }</h3>
            <p class="log-head muted small">{ "#id from → to, then time · size · the bytes it holds" }</p>
            <div class="log" ref={viewport} {onscroll} style={format!("height:{VIEW_PX}px")} tabindex="0"
                 role="region" aria-label="Envelope log, newest last" id="transport-log">
                <ol style={format!("height:{}px", rows * ROW_PX)} data-rows={rows.to_string()}>
                    { for window.iter().map(|row| {
                        let m = row;
                        let lit = highlighted.is_some() && row.journey == highlighted;
                        let bytes = if row.preview.is_empty() {
                            m.kind.replace('_', " ")
                        } else {
                            format!("{}…", row.preview)
                        };
                        let onclick = {
                            let demo = demo.clone();
                            let key = row.journey.clone();
                            Callback::from(move |_: MouseEvent| demo.dispatch(Action::Select(key.clone())))
                        };
                        html! {
                            <li key={format!("{}-{}", m.id, row.position)}
                                class={classes!("log-row", m.kind.clone(), lit.then_some("lit"))}
                                style={format!("top:{}px", row.position * ROW_PX)}
                                data-journey={row.journey.clone().unwrap_or_default()}
                                {onclick}>
                                <span class="l1">{ format!("#{} {} → {}", m.id, m.from.e164(), m.to.e164()) }</span>
                                <span class="l2">
                                    { format!("{} · {} B · ", clock(m.at_ms, start), m.size) }
                                    <code class="cipher">{ bytes }</code>
                                </span>
                            </li>
                        }
                    }) }
                </ol>
            </div>
            if let Some(s) = &*selected {
                if let Some(bytes) = &s.envelope_hex {
                    <details class="envelope" open=true>
                        <summary>{ format!("Envelope {} as the transport holds it ({} bytes)", s.journey.envelope_id.unwrap_or_default(), bytes.len() / 2) }</summary>
                        <code class="bytes" id="transport-selected-bytes">{ bytes }</code>
                    </details>
                }
            }
            <h3>{ "Faults and verdicts" }</h3>
            <ol class="verdicts" id="transport-verdicts" aria-label="Recent faults and what the recipients did">
                { for t.verdicts.iter().map(|l| html! {
                    <li key={l.seq.to_string()}>{ format!("{} {}", clock(l.at_ms, start), l.text) }</li>
                }) }
            </ol>
            <h3>{ "Queues for offline devices" }</h3>
            if t.queues.is_empty() {
                <p class="muted" id="transport-queues">{ "No device is offline with envelopes waiting." }</p>
            } else {
                <ul id="transport-queues">
                    { for t.queues.iter().map(|q| html! {
                        <li key={q.recipient.clone()}>{ format!("{}: {} envelope(s) waiting: {}", q.recipient, q.envelope_ids.len(),
                            q.envelope_ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }</li>
                    }) }
                </ul>
            }
            <h3>{ "Integrity signals" }</h3>
            <div class="scroll-x">
            <table class="signals" id="transport-integrity">
                <thead><tr><th scope="col">{ "business" }</th><th scope="col" title="messages within the monitor's sliding window">{ format!("msgs/{per}") }</th><th scope="col" title="distinct recipients within the monitor's sliding window">{ format!("rcpts/{per}") }</th><th scope="col">{ "spam reports" }</th></tr></thead>
                <tbody>
                    { for t.integrity.iter().map(|i| html! {
                        <>
                        <tr key={i.business.clone()}>
                            <td>{ &i.business }</td>
                            <td>{ i.signals.messages_in_window }</td>
                            <td>{ i.signals.recipients_in_window }</td>
                            <td>{ i.signals.spam_reports }</td>
                        </tr>
                        <tr key={format!("{}-action", i.business)}>
                            <td colspan="4" class={classes!("action", i.action)}>
                                { format!("action: {}", i.action) }
                                if let Some(r) = &i.signals.reason { <span class="muted small">{ format!(" ({r})") }</span> }
                            </td>
                        </tr>
                        </>
                    }) }
                </tbody>
            </table>
            </div>
        </PaneFrame>
    }
}
