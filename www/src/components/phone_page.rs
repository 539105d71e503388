//! `/?phone`: the workshop's phone page. The phone runs the consumer party
//! itself ([`PhoneModel`]): its identity and prekeys are made here, from
//! `crypto.getRandomValues`, and it talks to the transport of the
//! `cipherflow serve` that served the page over a WebSocket
//! (`/transport/v1/ws`). Its journal is kept in `localStorage`, sealed under
//! a key made on this device that is never sent anywhere, so a reload is the
//! same phone.

use std::cell::RefCell;
use std::rc::Rc;

use cipherflow_flow::live::phone_journal::PhoneInput;
use cipherflow_flow::live::phone_link::LinkState;
use cipherflow_flow::phone::PhoneNumber;
use gloo::timers::callback::{Interval, Timeout};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, Event, HtmlInputElement, HtmlSelectElement, MessageEvent, WebSocket};
use yew::prelude::*;

use crate::components::consumer_pane::ticks;
use crate::model::phone::PhoneModel;
use crate::server::search_param;

const KEY_ITEM: &str = "cipherflow-phone-key";
const JOURNAL_ITEM: &str = "cipherflow-phone-journal";
/// How long to wait before reconnecting a dropped socket, ms.
const RECONNECT_MS: u32 = 2_000;

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn random32() -> Option<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes)
}

/// The device key: made once, kept in this browser, never sent.
fn device_key() -> Option<[u8; 32]> {
    let store = storage()?;
    if let Some(key) = store
        .get_item(KEY_ITEM)
        .ok()
        .flatten()
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
    {
        return Some(key);
    }
    let key = random32()?;
    store.set_item(KEY_ITEM, &hex::encode(key)).ok()?;
    Some(key)
}

fn transport_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}/transport/v1/ws",
        location.host().ok()?
    ))
}

/// The page's state: the phone, its socket and what keeps them running.
#[derive(Default)]
struct Session {
    model: Option<PhoneModel>,
    socket: Option<WebSocket>,
    handlers: Vec<Closure<dyn FnMut(Event)>>,
    reconnect: Option<Timeout>,
    businesses: Vec<(String, String)>,
}

type Shared = Rc<RefCell<Session>>;

impl Session {
    fn load() -> Self {
        let mut session = Session::default();
        let (Some(key), Some(sealed)) = (
            device_key(),
            storage().and_then(|s| s.get_item(JOURNAL_ITEM).ok().flatten()),
        ) else {
            return session;
        };
        use base64::Engine as _;
        let restored = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|e| e.to_string())
            .and_then(|bytes| PhoneModel::restore(key, &bytes, random32().unwrap_or_default()));
        match restored {
            Ok(mut model) => {
                model.business = model.chats().first().cloned();
                session.model = Some(model);
            }
            Err(e) => {
                web_sys::console::warn_1(&format!("the stored phone does not open: {e}").into());
            }
        }
        session
    }

    fn save(&mut self) {
        let Some(sealed) = self.model.as_mut().and_then(PhoneModel::sealed) else {
            return;
        };
        use base64::Engine as _;
        if let Some(store) = storage() {
            let text = base64::engine::general_purpose::STANDARD.encode(sealed);
            if store.set_item(JOURNAL_ITEM, &text).is_err()
                && let Some(m) = self.model.as_mut()
            {
                m.notice = Some(
                    "this browser's storage is full: a reload would lose the newest messages"
                        .to_owned(),
                );
            }
        }
    }

    fn send(&self, frames: Vec<String>) {
        if let Some(ws) = &self.socket
            && ws.ready_state() == WebSocket::OPEN
        {
            for f in frames {
                let _ = ws.send_with_str(&f);
            }
        }
    }

    /// Gives the phone an input, sends what it answers, and keeps the journal.
    fn input(&mut self, input: PhoneInput) {
        let Some(model) = self.model.as_mut() else {
            return;
        };
        let frames = model.apply(input);
        self.send(frames);
        self.save();
    }
}

fn connect(shared: &Shared, update: &UseForceUpdateHandle) {
    let Some(url) = transport_url() else { return };
    let Ok(ws) = WebSocket::new(&url) else {
        return;
    };
    let mut handlers = Vec::new();
    let on_open = {
        let (shared, update) = (shared.clone(), update.clone());
        Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            shared.borrow_mut().input(PhoneInput::Open);
            update.force_update();
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    handlers.push(on_open);
    let on_message = {
        let (shared, update) = (shared.clone(), update.clone());
        Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            let Some(text) = e
                .dyn_ref::<MessageEvent>()
                .and_then(|m| m.data().as_string())
            else {
                return;
            };
            shared.borrow_mut().input(PhoneInput::Frame {
                now_ms: now_ms(),
                text,
            });
            update.force_update();
        })
    };
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    handlers.push(on_message);
    let on_close = {
        let (shared, update) = (shared.clone(), update.clone());
        Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            let _ = e.dyn_ref::<CloseEvent>();
            let offline = {
                let mut s = shared.borrow_mut();
                s.socket = None;
                s.input(PhoneInput::Closed { now_ms: now_ms() });
                s.model.as_ref().is_some_and(|m| m.offline)
            };
            update.force_update();
            if !offline {
                let (again, update) = (shared.clone(), update.clone());
                let timer = Timeout::new(RECONNECT_MS, move || connect(&again, &update));
                shared.borrow_mut().reconnect = Some(timer);
            }
        })
    };
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    handlers.push(on_close);
    let mut s = shared.borrow_mut();
    s.socket = Some(ws);
    s.handlers = handlers;
}

fn status(model: &PhoneModel, connected: bool) -> (&'static str, &'static str) {
    match (model.state(), connected, model.offline) {
        (_, _, true) => ("offline", "Offline: messages wait on this phone"),
        (LinkState::Open, _, _) => ("online", "Online"),
        (_, true, _) => ("connecting", "Proving this phone's identity…"),
        _ => ("connecting", "Connecting…"),
    }
}

/// The phone page.
#[function_component(PhonePage)]
pub fn phone_page() -> Html {
    let shared = use_mut_ref(Session::load);
    let update = use_force_update();
    let number_ref = use_node_ref();
    let name_ref = use_node_ref();
    let text_ref = use_node_ref();
    let business_ref = use_node_ref();

    // Start: connect a stored phone, run the retransmission timer, and read
    // the businesses of the workshop.
    {
        let (shared, update) = (shared.clone(), update.clone());
        use_effect_with((), move |_| {
            if shared.borrow().model.is_some() {
                connect(&shared, &update);
            }
            let tick = {
                let (shared, update) = (shared.clone(), update.clone());
                Interval::new(1_000, move || {
                    let mut s = shared.borrow_mut();
                    let now = now_ms();
                    let Some(model) = s.model.as_ref() else {
                        return;
                    };
                    let due = model.due(now);
                    let unread = model
                        .business
                        .as_ref()
                        .filter(|b| model.unread(b) > 0)
                        .cloned();
                    if due {
                        s.input(PhoneInput::Timeout { now_ms: now });
                    }
                    if let Some(business) = unread
                        && s.model
                            .as_ref()
                            .is_some_and(|m| m.state() == LinkState::Open)
                    {
                        s.input(PhoneInput::ReadChat {
                            now_ms: now,
                            business,
                        });
                        drop(s);
                        update.force_update();
                    }
                })
            };
            {
                let (shared, update) = (shared.clone(), update.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let list = businesses().await;
                    let first = list.first().and_then(|(_, n)| PhoneNumber::parse(n).ok());
                    let mut s = shared.borrow_mut();
                    s.businesses = list;
                    if let Some(m) = s.model.as_mut()
                        && m.business.is_none()
                    {
                        m.business = first;
                    }
                    drop(s);
                    update.force_update();
                });
            }
            move || drop(tick)
        });
    }

    let session = shared.borrow();
    let Some(model) = session.model.as_ref() else {
        let join = {
            let (shared, update) = (shared.clone(), update.clone());
            let (number_ref, name_ref) = (number_ref.clone(), name_ref.clone());
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                let read = |r: &NodeRef| {
                    r.cast::<HtmlInputElement>()
                        .map(|i| i.value())
                        .unwrap_or_default()
                };
                let (number, name) = (read(&number_ref), read(&name_ref));
                let (Some(seed), Some(key), Some(nonces)) = (random32(), device_key(), random32())
                else {
                    return;
                };
                match PhoneModel::register(&number, &name, now_ms(), seed, key, nonces) {
                    Ok(mut model) => {
                        let first = shared.borrow().businesses.first().cloned();
                        model.business = first.and_then(|(_, n)| PhoneNumber::parse(&n).ok());
                        let mut s = shared.borrow_mut();
                        s.model = Some(model);
                        s.save();
                        drop(s);
                        connect(&shared, &update);
                    }
                    Err(e) => {
                        if let Some(w) = web_sys::window() {
                            let _ = w.alert_with_message(&format!("Not joined: {e}"));
                        }
                    }
                }
                update.force_update();
            })
        };
        return html! {
            <main class="phone-page">
                <h1>{ "Join the workshop" }</h1>
                <p>{ "This page becomes a WhatsApp client: it makes its own Signal identity and prekeys, here, and encrypts on this phone. The server only ever receives their public halves." }</p>
                <form id="phone-join" onsubmit={join}>
                    <label>{ "Your number (a workshop alias is fine)" }
                        <input id="phone-number" ref={number_ref} type="tel" required=true placeholder="+1 650 555 0101" />
                    </label>
                    <label>{ "Your name" }
                        <input id="phone-name" ref={name_ref} required=true maxlength="40" />
                    </label>
                    <button type="submit">{ "Join" }</button>
                </form>
            </main>
        };
    };

    let connected = session.socket.is_some();
    let (state_class, state_text) = status(model, connected);
    let business = model.business.clone();
    let chat = business.as_ref().map(|b| model.chat(b)).unwrap_or_default();
    let safety = business.as_ref().and_then(|b| model.safety(b));
    let mut choices: Vec<(String, String)> = session.businesses.clone();
    for b in model.chats() {
        if !choices.iter().any(|(_, n)| *n == b.wa_id()) {
            choices.push((format!("+{}", b.wa_id()), b.wa_id().to_owned()));
        }
    }

    let send = {
        let (shared, update, text_ref) = (shared.clone(), update.clone(), text_ref.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = text_ref.cast::<HtmlInputElement>() else {
                return;
            };
            let text = input.value();
            if text.trim().is_empty() {
                return;
            }
            let mut s = shared.borrow_mut();
            let Some(to) = s.model.as_ref().and_then(|m| m.business.clone()) else {
                return;
            };
            s.input(PhoneInput::SendText {
                now_ms: now_ms(),
                to,
                text,
            });
            input.set_value("");
            drop(s);
            update.force_update();
        })
    };
    let choose = {
        let (shared, update, business_ref) = (shared.clone(), update.clone(), business_ref.clone());
        Callback::from(move |_: Event| {
            let Some(select) = business_ref.cast::<HtmlSelectElement>() else {
                return;
            };
            if let Some(m) = shared.borrow_mut().model.as_mut() {
                m.business = PhoneNumber::parse(&select.value()).ok();
            }
            update.force_update();
        })
    };
    let spam = {
        let (shared, update) = (shared.clone(), update.clone());
        Callback::from(move |_: MouseEvent| {
            let mut s = shared.borrow_mut();
            let Some(business) = s.model.as_ref().and_then(|m| m.business.clone()) else {
                return;
            };
            s.input(PhoneInput::ReportSpam { business });
            if let Some(m) = s.model.as_mut() {
                m.notice = Some(
                    "Reported: the transport counts it, without seeing any message.".to_owned(),
                );
            }
            drop(s);
            update.force_update();
        })
    };
    let toggle = {
        let (shared, update) = (shared.clone(), update.clone());
        Callback::from(move |_: MouseEvent| {
            let going_offline = {
                let mut s = shared.borrow_mut();
                let Some(m) = s.model.as_mut() else { return };
                m.offline = !m.offline;
                let offline = m.offline;
                s.reconnect = None;
                if offline && let Some(ws) = s.socket.take() {
                    let _ = ws.close();
                    s.input(PhoneInput::Closed { now_ms: now_ms() });
                }
                offline
            };
            if !going_offline {
                connect(&shared, &update);
            }
            update.force_update();
        })
    };

    html! {
        <main class="phone-page">
            <header class="phone-head">
                <div>
                    <strong id="phone-name-shown">{ model.name() }</strong>
                    <span class="phone-number">{ format!(" +{}", model.number().wa_id()) }</span>
                </div>
                <span id="phone-status" class={classes!("phone-status", state_class)}>{ state_text }</span>
                <button id="phone-online" type="button" onclick={toggle}>
                    { if model.offline { "Go online" } else { "Go offline" } }
                </button>
            </header>
            <label class="phone-business">{ "Chat with " }
                <select id="phone-business" ref={business_ref} onchange={choose}>
                    { for choices.iter().map(|(name, number)| {
                        let selected = business.as_ref().is_some_and(|b| b.wa_id() == number);
                        html! { <option value={number.clone()} {selected}>{ format!("{name} (+{number})") }</option> }
                    }) }
                </select>
            </label>
            <ol id="phone-chat" class="phone-chat" aria-live="polite">
                { for chat.iter().map(|m| html! {
                    <li class={classes!("bubble", if m.outgoing { "out" } else { "in" })}>
                        <span class="text">{ &m.text }</span>
                        if m.outgoing { { ticks(m.ticks) } }
                    </li>
                }) }
            </ol>
            <form id="phone-compose" class="phone-compose" onsubmit={send}>
                <input id="phone-text" ref={text_ref} maxlength="4096" placeholder="Message" autocomplete="off" />
                <button id="phone-send" type="submit" disabled={business.is_none()}>{ "Send" }</button>
            </form>
            if let Some(s) = safety {
                <section id="phone-safety" class="phone-safety">
                    <h2>{ "Safety number" }</h2>
                    <p class="digits">{ s.current }</p>
                    if let Some(previous) = s.previous {
                        <p class="report bad" role="alert">{ format!("The business's security code changed (it was {previous}).") }</p>
                    }
                </section>
            }
            <button id="phone-spam" type="button" onclick={spam} disabled={business.is_none()}>{ "Report spam" }</button>
            if let Some(n) = &model.notice {
                <p id="phone-notice" class="report" role="status">{ n }</p>
            }
            <p class="phone-note">
                { "Your messages are encrypted on this phone. The WhatsApp transport routes and stores ciphertext only. The Cloud API decrypts them for the business, so this leg is encrypted to the Cloud API, not end-to-end to the business's server. Your keys and chats stay in this browser, sealed under a key made here. Identity key: " }
                <code>{ model.identity_hex().get(..16).unwrap_or_default() }{ "…" }</code>
            </p>
        </main>
    }
}

/// The workshop's businesses (name, number), from the server's public room
/// endpoint (no token needed on the LAN); empty when it is not reachable.
async fn businesses() -> Vec<(String, String)> {
    if let Some(b) = search_param("business") {
        return vec![(format!("+{b}"), b)];
    }
    let json = crate::server::get_json("/workshop/v1/room")
        .await
        .unwrap_or_default();
    json["businesses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| {
            Some((
                b["name"].as_str()?.to_owned(),
                b["display_phone_number"].as_str()?.to_owned(),
            ))
        })
        .collect()
}
