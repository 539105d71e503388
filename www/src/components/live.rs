//! Live mode's wiring and banner. The feed opens an `EventSource` on the
//! server's `/control/v1/follow` stream (same origin: `cipherflow serve`
//! serves this page), hands every event to the [`Replica`], and at most four
//! times a second tells the page the world changed. The banner says where the
//! world comes from and whether this replica's state digest equals the
//! server's.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};
use yew::prelude::*;

use crate::model::live::Replica;
use crate::state::{Action, DemoContext};
use cipherflow_flow::view::thousands;

/// How often the page re-renders while events arrive, ms.
const REFRESH_MS: u32 = 250;

/// What the feed holds while the page is open: the stream, its listeners and
/// the refresh timer (dropping them stops all three).
type Feed = (EventSource, Vec<Closure<dyn FnMut(MessageEvent)>>, Interval);

/// The follow stream's URL, with the page's control token when it has one
/// (an `EventSource` cannot send an `Authorization` header).
fn follow_url() -> String {
    crate::server::with_token("/control/v1/follow?since=1")
}

/// Opens the stream and feeds the replica; renders nothing.
#[function_component(LiveFeed)]
pub fn live_feed() -> Html {
    let demo = use_context::<DemoContext>();
    let world = demo.as_ref().map(|d| d.world.clone());
    use_effect_with((), move |_| {
        let mut keep: Option<Feed> = None;
        if let (Some(demo), Some(world)) = (demo, world) {
            let replica = Rc::new(RefCell::new(Replica::new(world)));
            if let Ok(source) = EventSource::new(&follow_url()) {
                let mut closures = Vec::new();
                for kind in ["world", "input", "clock", "resync"] {
                    let replica = replica.clone();
                    let on = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                        let data = e.data().as_string().unwrap_or_default();
                        replica.borrow_mut().on_event(kind, &data);
                    });
                    let _ =
                        source.add_event_listener_with_callback(kind, on.as_ref().unchecked_ref());
                    closures.push(on);
                }
                // The browser reconnects by itself; until then, say so.
                let down = {
                    let replica = replica.clone();
                    Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| {
                        let mut r = replica.borrow_mut();
                        r.status.connected = false;
                        r.dirty = true;
                    })
                };
                source.set_onerror(Some(down.as_ref().unchecked_ref()));
                closures.push(down);
                let refresh = {
                    let replica = replica.clone();
                    Interval::new(REFRESH_MS, move || {
                        let mut r = replica.borrow_mut();
                        if r.dirty {
                            r.dirty = false;
                            demo.dispatch(Action::LiveRefresh(r.status.clone()));
                        }
                    })
                };
                keep = Some((source, closures, refresh));
            }
        }
        move || {
            if let Some((source, closures, refresh)) = keep {
                source.close();
                drop(refresh);
                drop(closures);
            }
        }
    });
    html! {}
}

/// Where the world on screen comes from, and whether it agrees.
#[function_component(LiveBanner)]
pub fn live_banner() -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let Some(s) = &demo.live else {
        return html! {};
    };
    let (class, verdict) = match (&s.error, s.in_sync, s.started) {
        (Some(e), _, _) => ("bad", format!("stopped: {e}")),
        (None, _, false) => ("muted", "connecting to the server…".to_owned()),
        (None, None, true) => ("muted", "rebuilding the server's world…".to_owned()),
        (None, Some(true), true) => (
            "ok",
            format!(
                "in step with the server ✓ state digest equal at {} checks",
                thousands(s.matched)
            ),
        ),
        (None, Some(false), true) => (
            "bad",
            "out of step: this replica's state digest differs from the server's".to_owned(),
        ),
    };
    html! {
        <section class="card live" id="live-banner" aria-live="polite">
            <h2>{ "Live: following cipherflow serve" }</h2>
            <p class="muted small">
                { "This page rebuilds the running server's world: the same seed, every input the server took \
                   (Graph API requests, your webhook's answers, control API commands) applied at the same time \
                   by the same party code, compiled to WebAssembly. Nothing on screen is copied from the server's state. \
                   Drive it with your code or the control API; the buttons are off here." }
            </p>
            <p class={classes!("status", class)} id="live-status">
                { verdict }
                { format!(" · {} inputs", thousands(s.inputs)) }
                if !s.connected && s.started { <span class="bad">{ " · stream interrupted, reconnecting" }</span> }
            </p>
        </section>
    }
}
