//! The business's own server: an inbox fed by signed webhooks (each one's
//! signature verified), statuses of what it sent, a reply composer that
//! issues a real Graph API request, and "mark as read".

use yew::prelude::*;

use crate::components::cloud_pane::window_item;
use crate::components::format::short_hex;
use crate::components::live_compose::LiveCompose;
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
    let live = demo.live.is_some();
    let external = demo.world.borrow().sim.webhook_is_external(&pnid);
    let Some(b) = view.businesses.iter().find(|b| b.phone_number_id == pnid) else {
        return html! { <PaneFrame pane={Pane::Business} role="The business's server" focus={props.focus} active={props.active} /> };
    };
    let send = submit_text(&demo, &reply, |text| Command::Reply { text });
    // Whom the business may write to: the windows as the Cloud API counts
    // them (its inbox here is empty when the webhook is a real endpoint),
    // newest first.
    let open: Vec<String> = {
        let world = demo.world.borrow();
        let now = world.sim.now_ms();
        let mut open: Vec<(u64, String)> = world
            .sim
            .cloud_api()
            .number(&pnid)
            .map(|n| n.windows())
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, closes)| *closes > now)
            .map(|(c, closes)| (closes, c.wa_id().to_owned()))
            .collect();
        open.sort_by(|a, b| b.cmp(a));
        open.into_iter().map(|(_, c)| c).collect()
    };
    // Past the monitor's throttle, with room to show the refusals.
    let blast = {
        let policy = demo.world.borrow().sim.config().integrity;
        let max = cipherflow_flow::live::blast::MAX_BLAST;
        u32::try_from(policy.throttle_messages.saturating_add(20)).map_or(max, |n| n.min(max))
    };
    let template = {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| {
            demo.dispatch(Action::Run(Command::Template {
                name: "hello_world".to_owned(),
                params: Vec::new(),
            }));
        })
    };

    html! {
        <PaneFrame pane={Pane::Business} role="The business's own server: signed webhooks in, Graph API requests out" focus={props.focus} active={props.active}>
            <p class="muted small">
                { format!("{} · webhook {} · {} webhook POST(s) refused for a bad signature",
                    b.name, if b.webhook_verified { "verified by handshake" } else { "not verified" }, b.rejected_webhooks) }
            </p>
            if external {
                <p class="report" id="business-external">
                    { "This business's webhook is a real endpoint outside cipherflow (your server): the Cloud API POSTs there,                        so the in-process server below receives nothing. The Cloud API pane shows every POST and what your endpoint answered." }
                </p>
            }
            <p class="muted small" id="business-delivery">
                { format!("webhooks arrive at least once: {} duplicate message(s) ignored by wamid, {} late status(es) ignored",
                    b.duplicates_ignored, b.stale_statuses) }
            </p>
            <p class="windows" id="business-windows">
                <span class="muted small">{ "24-hour windows (from the webhooks' timestamps): " }</span>
                if b.windows.is_empty() { <span class="muted small">{ "none: only templates may be sent" }</span> }
                { for b.windows.iter().map(window_item) }
            </p>
            <h3>{ format!("Inbox ({})", b.inbox_total) }</h3>
            <ol class="inbox" id="business-inbox" aria-label="Messages received by webhook">
                if b.inbox_total > b.inbox.len() {
                    <li class="more">{ format!("{} older messages not shown", b.inbox_total - b.inbox.len()) }</li>
                }
                { for b.inbox.iter().rev().map(|m| {
                    let mark = |typing: bool| {
                        let demo = demo.clone();
                        let wamid = m.wamid.clone();
                        Callback::from(move |e: MouseEvent| {
                            e.stop_propagation();
                            demo.dispatch(Action::Run(Command::MarkRead { wamid: wamid.clone(), typing }));
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
                            } else if !live {
                                <button class="small" onclick={mark(false)}>{ "Mark as read" }</button>
                                <button class="small" onclick={mark(true)} title="Marks it read and shows Ana \"typing…\" for up to 25 s">{ "Read + typing…" }</button>
                            }
                        </MessageItem>
                    }
                }) }
            </ol>
            if live {
                <LiveCompose phone_number_id={pnid.clone()} open={open} blast={blast} />
            } else {
            <form class="compose" onsubmit={send}>
                <label for="business-reply">{ "Reply (POST /messages)" }</label>
                <textarea id="business-reply" ref={reply} rows="2" maxlength="4096" placeholder="Reply to Ana" />
                <button type="submit" id="business-send">{ "Send reply" }</button>
                <button type="button" id="business-template" onclick={template} title="Approved templates may be sent outside the 24-hour window">
                    { "Send template hello_world" }
                </button>
            </form>
            }
            if !b.templates.is_empty() {
                <p class="templates muted small" id="business-templates">
                    { "templates (status webhooks): " }
                    { for b.templates.iter().map(|t| html! {
                        <span class={classes!("template", t.status.to_ascii_lowercase())}>{ format!("{} {} ", t.name, t.status) }</span>
                    }) }
                </p>
            }
            <p class="billing small" id="business-billing">
                { format!("Billing per the statuses' pricing: {} billed, {} free · Business Manager: {} billed, {} free",
                    b.billing_from_statuses.billable, b.billing_from_statuses.free, b.billing_by_meta.billable, b.billing_by_meta.free) }
            </p>
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
                                if let (Some(billable), Some(category)) = (s.billable, &s.pricing_category) {
                                    { format!(" · {category}, {}", if billable { "billed" } else { "free" }) }
                                }
                            </span>
                        </MessageItem>
                    }
                }) }
            </ol>
        </PaneFrame>
    }
}
