//! The consumer's phone: the chat with the business, ticks, the safety
//! number and its change warning, compose, online/offline, report spam.

use cipherflow_flow::consumer::Ticks;
use cipherflow_flow::phone::PhoneNumber;
use yew::prelude::*;

use crate::components::format::clock;
use crate::components::message_item::MessageItem;
use crate::components::pane_frame::{PaneFrame, PaneProps, submit_text};
use crate::model::command::Command;
use crate::state::{Action, DemoContext, Pane, ViewContext};

/// A sent message's ticks, as WhatsApp draws them.
pub(crate) fn ticks(t: Ticks) -> Html {
    let (glyph, label, class) = match t {
        Ticks::Pending => ("🕓", "pending", "pending"),
        Ticks::Sent => ("✓", "sent", "sent"),
        Ticks::Delivered => ("✓✓", "delivered", "delivered"),
        Ticks::Read => ("✓✓", "read", "read"),
        Ticks::Failed => ("!", "not sent", "failed"),
    };
    html! { <span class={classes!("ticks", class)} aria-label={label} title={label}>{ glyph }</span> }
}

/// The consumer's pane.
#[function_component(ConsumerPane)]
pub fn consumer_pane(props: &PaneProps) -> Html {
    let (Some(demo), Some(view)) = (use_context::<DemoContext>(), use_context::<ViewContext>())
    else {
        return html! {};
    };
    let input = use_node_ref();
    let view = view.0;
    let cast = demo.world.borrow().cast.clone();
    let live = demo.live.is_some();
    let ana = view.consumers.iter().find(|c| c.number == cast.consumer);
    let chat = ana.and_then(|a| a.chats.iter().find(|c| c.business == cast.business));

    // The safety number costs 5,200 SHA-512 iterations per side: the core
    // computes it when the identity keys change, not on every render.
    let identities = {
        let world = demo.world.borrow();
        PhoneNumber::parse(&cast.consumer)
            .ok()
            .zip(PhoneNumber::parse(&cast.business).ok())
            .and_then(|(a, b)| {
                let p = world.sim.consumers().get(&a)?.peer_identity(&b)?;
                Some((
                    p.identity_key.encode().to_vec(),
                    p.previous.map(|k| k.encode().to_vec()),
                ))
            })
    };
    let safety = {
        let world = demo.world.clone();
        let (consumer, business) = (cast.consumer.clone(), cast.business.clone());
        use_memo(identities, move |ids| {
            let w = world.borrow();
            let (Ok(a), Ok(b), Some(_)) = (
                PhoneNumber::parse(&consumer),
                PhoneNumber::parse(&business),
                ids,
            ) else {
                return (None, None);
            };
            let ana = w.sim.consumers().get(&a);
            (
                ana.and_then(|c| c.safety_number(&b)).map(|s| s.to_string()),
                ana.and_then(|c| c.previous_safety_number(&b))
                    .map(|s| s.to_string()),
            )
        })
    };

    let send = submit_text(&demo, &input, |text| Command::Send { text });
    let run = |c: Command| {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::Run(c.clone())))
    };

    let Some(ana) = ana else {
        return html! { <PaneFrame pane={Pane::Consumer} role="WhatsApp client" focus={props.focus} active={props.active} /> };
    };
    let online = ana.online;
    let (current, previous) = (*safety).clone();
    let start = view.start_ms;

    html! {
        <PaneFrame pane={Pane::Consumer} role="WhatsApp client: encrypts with the Signal protocol" focus={props.focus} active={props.active}>
            <div class="phone">
                <div class="phone-top">
                    <div>
                        <strong>{ &cast.business_name }</strong>
                        <span class="muted">{ format!(" {}", cast.business) }</span>
                    </div>
                    <span class={classes!("presence", online.then_some("on"))} id="consumer-presence">
                        { if online { "online" } else { "offline" } }
                    </span>
                </div>
                if chat.is_some_and(|c| c.identity_changed) {
                    <p class="warn" role="alert" id="safety-changed">
                        { format!("Your security code with {} changed.", cast.business_name) }
                    </p>
                }
                <ol class="chat" aria-label="Chat with the business" id="consumer-chat">
                    if let Some(c) = chat.filter(|c| c.messages_total > c.messages.len()) {
                        <li class="more">{ format!("{} older messages not shown", c.messages_total - c.messages.len()) }</li>
                    }
                    { for chat.into_iter().flat_map(|c| &c.messages).map(|m| {
                        let label = format!("{}: {}", if m.outgoing { "you" } else { cast.business_name.as_str() }, m.text);
                        // A reply shows the message it quotes, when the chat still shows it.
                        let quoted = m.reply_to.as_ref().map(|id| {
                            chat.and_then(|c| c.messages.iter().find(|q| &q.id == id))
                                .map_or_else(|| "an earlier message".to_owned(), |q| q.text.clone())
                        });
                        let react = (!m.outgoing && !live).then(|| run(Command::React { message_id: m.id.clone(), emoji: "👍".to_owned() }));
                        html! {
                            <MessageItem key={m.id.clone()} journey={Some(AttrValue::from(m.id.clone()))} label={label}
                                class={classes!("bubble", if m.outgoing { "out" } else { "in" })}>
                                if let Some(q) = quoted { <blockquote class="quoted">{ q }</blockquote> }
                                <span class="text">{ &m.text }</span>
                                if let Some(r) = &m.reaction { <span class="reaction">{ r }</span> }
                                if let Some(onclick) = react {
                                    <button class="small react" title="React with 👍 (the business gets a reaction webhook)" {onclick}>{ "👍" }</button>
                                }
                                <span class="meta">
                                    { clock(m.at_ms, start) }
                                    if m.outgoing { { ticks(m.ticks) } }
                                    else if !m.read { <span class="unread">{ " · unread" }</span> }
                                </span>
                            </MessageItem>
                        }
                    }) }
                </ol>
                if chat.is_some_and(|c| c.typing) {
                    <p class="typing" id="consumer-typing">{ format!("{} is typing…", cast.business_name) }</p>
                }
                if !live {
                <form class="compose" onsubmit={send}>
                    <label for="consumer-input" class="sr-only">{ "Message to the business" }</label>
                    <input id="consumer-input" ref={input} placeholder="Message" maxlength="4096" autocomplete="off" />
                    <button type="submit" id="consumer-send">{ "Send" }</button>
                </form>
                }
                if !live {
                <div class="row">
                    <button onclick={run(Command::Online { on: !online })} aria-pressed={(!online).to_string()} id="consumer-offline">
                        { if online { "Go offline" } else { "Go online" } }
                    </button>
                    <button onclick={run(Command::Open)} id="consumer-read">{ "Read chat" }</button>
                    <button class="danger" onclick={run(Command::ReportSpam { consumer: 0 })} id="consumer-spam">{ "Report spam" }</button>
                </div>
                }
            </div>
            <details class="safety" open={previous.is_some()}>
                <summary>{ "Safety number" }</summary>
                if let Some(s) = current {
                    <p class="digits" id="safety-number">{ s }</p>
                } else {
                    <p class="muted">{ "No session with the business yet." }</p>
                }
                if let Some(p) = previous {
                    <p class="muted">{ "Before: " }<span class="digits old">{ p }</span></p>
                }
                <p class="muted small">{ "Compare it with the business's: equal numbers mean no one is in the middle of the Signal session. \
                    Note that the session ends at the Cloud API, which Meta runs for the business." }</p>
            </details>
        </PaneFrame>
    }
}
