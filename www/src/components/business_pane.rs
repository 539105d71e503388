//! The business's own server: an inbox fed by signed webhooks (each one's
//! signature verified), statuses of what it sent, a reply composer that
//! issues a real Graph API request, and "mark as read".

use yew::prelude::*;

use crate::components::format::short_hex;
use crate::components::message_item::MessageItem;
use crate::components::pane_frame::{PaneFrame, PaneProps, submit_text};
use crate::model::command::Command;
use crate::state::{Action, DemoContext, Pane, ViewContext};

/// The business's pane.
#[function_component(BusinessPane)]
pub fn business_pane(props: &PaneProps) -> Html {
    let (Some(demo), Some(view)) = (use_context::<DemoContext>(), use_context::<ViewContext>())
    else {
        return html! {};
    };
    let reply = use_node_ref();
    let view = view.0;
    let pnid = demo.world.borrow().cast.phone_number_id.clone();
    let Some(b) = view.businesses.iter().find(|b| b.phone_number_id == pnid) else {
        return html! { <PaneFrame pane={Pane::Business} role="The business's server" focus={props.focus} active={props.active} /> };
    };
    let send = submit_text(&demo, &reply, |text| Command::Reply { text });

    html! {
        <PaneFrame pane={Pane::Business} role="The business's own server: signed webhooks in, Graph API requests out" focus={props.focus} active={props.active}>
            <p class="muted small">
                { format!("{} · webhook {} · {} webhook POST(s) refused for a bad signature",
                    b.name, if b.webhook_verified { "verified by handshake" } else { "not verified" }, b.rejected_webhooks) }
            </p>
            <h3>{ format!("Inbox ({})", b.inbox_total) }</h3>
            <ol class="inbox" id="business-inbox" aria-label="Messages received by webhook">
                if b.inbox_total > b.inbox.len() {
                    <li class="more">{ format!("{} older messages not shown", b.inbox_total - b.inbox.len()) }</li>
                }
                { for b.inbox.iter().rev().map(|m| {
                    let mark = {
                        let demo = demo.clone();
                        let wamid = m.wamid.clone();
                        Callback::from(move |e: MouseEvent| {
                            e.stop_propagation();
                            demo.dispatch(Action::Run(Command::MarkRead { wamid: wamid.clone() }));
                        })
                    };
                    html! {
                        <MessageItem key={m.wamid.clone()} journey={m.journey.clone().map(AttrValue::from)} label={format!("webhook message from {}", m.profile_name)} class="inbound">
                            <span class="text">{ &m.body }</span>
                            <span class="meta">
                                { format!("{} (+{}) · {} · ", m.profile_name, m.from, short_hex(&m.wamid)) }
                                if m.signature_verified {
                                    <span class="sig ok" title="X-Hub-Signature-256 verified with the app secret">{ "signature verified ✓" }</span>
                                }
                            </span>
                            if m.marked_read {
                                <span class="muted small">{ "marked read" }</span>
                            } else {
                                <button class="small" onclick={mark}>{ "Mark as read" }</button>
                            }
                        </MessageItem>
                    }
                }) }
            </ol>
            <form class="compose" onsubmit={send}>
                <label for="business-reply">{ "Reply (POST /messages)" }</label>
                <textarea id="business-reply" ref={reply} rows="2" maxlength="4096" placeholder="Reply to Ana" />
                <button type="submit" id="business-send">{ "Send reply" }</button>
            </form>
            <h3>{ "Statuses of sent messages" }</h3>
            <ol class="statuses" id="business-statuses">
                { for b.outbound.iter().rev().map(|s| {
                    html! {
                        <MessageItem key={s.wamid.clone()} journey={s.journey.clone().map(AttrValue::from)} label={format!("status {}", s.status)} class={classes!("status", s.status.clone())}>
                            <span class="text">{ &s.text }</span>
                            <span class="meta">
                                { format!("to +{} · {} · ", s.recipient_id, short_hex(&s.wamid)) }
                                <strong class={classes!("status-word", s.status.clone())}>{ &s.status }</strong>
                                if let Some(code) = s.error_code { { format!(" (error {code})") } }
                            </span>
                        </MessageItem>
                    }
                }) }
            </ol>
        </PaneFrame>
    }
}
