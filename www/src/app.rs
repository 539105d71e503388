//! The root: reads the link, holds the state (`use_reducer`), shares it by
//! context, keeps the URL in step, runs auto-play, and lays out the panes.

use std::rc::Rc;

use cipherflow_flow::journey::Party;
use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::breaches::Breaches;
use crate::components::business_pane::BusinessPane;
use crate::components::cloud_pane::CloudPane;
use crate::components::consumer_pane::ConsumerPane;
use crate::components::controls::Controls;
use crate::components::hop::Hop;
use crate::components::inspector::Inspector;
use crate::components::journey_bar::JourneyBar;
use crate::components::lesson_panel::LessonPanel;
use crate::components::live::{LiveBanner, LiveFeed};
use crate::components::matrix::Matrix;
use crate::components::phone_page::PhonePage;
use crate::components::phones_pane::PhonesPane;
use crate::components::presenter::ScaleControl;
use crate::components::presets::{Presets, ScenarioStrip};
use crate::components::trace_io::TraceIo;
use crate::components::transport_pane::TransportPane;
use crate::entropy::fresh_seed;
use crate::model::lesson::{Spot, lesson};
use crate::model::link::{self, Start};
use crate::state::{
    Action, Demo, DemoContext, Pane, SPEEDS, SelectedContext, ViewContext, view_options,
};

fn initial() -> Result<Demo, String> {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if search
        .trim_start_matches('?')
        .split('&')
        .any(|p| p == "live" || p.starts_with("live="))
    {
        let scale = link::parse(&search).0.scale;
        // Kept in memory, and off the address bar before the room sees it.
        let _ = crate::server::control_token();
        return Ok(Demo {
            scale,
            ..Demo::live()
        });
    }
    let (link, errors) = link::parse(&search);
    let notices = errors.iter().map(ToString::to_string).collect();
    Demo::from_link(link, fresh_seed(), notices)
}

/// Whether the page is the workshop's phone page (`/?phone`).
fn phone_page() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|s| {
            s.trim_start_matches('?')
                .split('&')
                .any(|p| p == "phone" || p.starts_with("phone="))
        })
}

/// The page.
#[function_component(App)]
pub fn app() -> Html {
    if phone_page() {
        return html! { <PhonePage /> };
    }
    let init = use_memo((), |_| initial());
    match &*init {
        Ok(demo) => html! { <Root initial={Rc::new(demo.clone())} /> },
        Err(e) => {
            html! { <main><p class="report bad" role="alert">{ format!("The simulation could not start: {e}") }</p></main> }
        }
    }
}

#[derive(Properties)]
struct RootProps {
    initial: Rc<Demo>,
}

impl PartialEq for RootProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.initial, &other.initial)
    }
}

#[function_component(Root)]
fn root(props: &RootProps) -> Html {
    let initial = props.initial.clone();
    let demo = use_reducer_eq(move || (*initial).clone());

    // The URL always reproduces what is on screen.
    let url = demo.link();
    use_effect_with(url, |url| {
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
        }
    });
    // The presentation scale: every size is in rem, so the root's font
    // size scales the page.
    use_effect_with(demo.scale, |&scale| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = root.style().set_property("font-size", &format!("{scale}%"));
        }
    });
    // Auto-play: one step per tick.
    {
        let demo = demo.clone();
        use_effect_with((demo.playing, demo.speed), move |(playing, speed)| {
            let interval = playing.then(|| {
                let per_second = SPEEDS.get(*speed).copied().unwrap_or(1).max(1);
                Interval::new(1_000 / per_second, move || demo.dispatch(Action::Tick))
            });
            move || drop(interval)
        });
    }
    // Mark the first complete render, for the render-time benchmark.
    use_effect_with((), |_| {
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let now = web_sys::window()
                .and_then(|w| w.performance())
                .map_or(0.0, |p| p.now());
            let _ = body.set_attribute("data-rendered-ms", &format!("{}", now as u64));
        }
    });

    // The core's view-model: once per change of the world.
    let view = {
        let world = demo.world.clone();
        use_memo(demo.version, move |_| {
            cipherflow_flow::view::View::of(&world.borrow().sim, &view_options())
        })
    };
    // The selected message in full: when the world or the selection changes.
    let selected = {
        let world = demo.world.clone();
        use_memo((demo.version, demo.selected.clone()), move |(_, key)| {
            key.as_deref()
                .and_then(|k| cipherflow_flow::view::Selected::of(&world.borrow().sim, k))
        })
    };
    let spots: &[Spot] = match demo.start {
        Start::Lesson(k) => lesson().get(k).map_or(&[], |s| s.spots),
        _ => &[],
    };
    let focus = |s: Spot| spots.contains(&s);
    let tab = demo.tab;
    let live = demo.live.is_some();
    // Live, with phones that run their own client (or none of the server's
    // own consumers yet): the room's phones stand in for the consumer.
    let room = live && {
        let w = demo.world.borrow();
        w.sim.external_devices().next().is_some() || w.sim.consumers().is_empty()
    };
    // The workshop or a scenario on a projector: the panes near the top, the
    // lesson or the scenario as a strip, the controls in a drawer.
    let projector = matches!(demo.start, Start::Lesson(_) | Start::Preset(_)) && !live;
    let tabs = Pane::ALL.iter().map(|&p| {
        let demo = demo.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            demo.dispatch(Action::Tab(p));
            // Bring the tab bar (sticky) and so the chosen pane to the top.
            if let Some(bar) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("party-tabs"))
            {
                bar.scroll_into_view();
            }
        });
        html! {
            <button role="tab" id={format!("tab-{}", p.id())} aria-selected={(p == tab).to_string()} aria-controls={p.id()}
                class={classes!(p.class(), (p == tab).then_some("on"))} {onclick}>{ p.title() }</button>
        }
    });
    html! {
        <ContextProvider<DemoContext> context={demo.clone()}>
        <ContextProvider<ViewContext> context={ViewContext(view)}>
        <ContextProvider<SelectedContext> context={SelectedContext(selected)}>
            <div class={classes!("app", projector.then_some("projector"))}>
            <header class="site">
                <div>
                    <h1>{ "cipherflow" }</h1>
                    <p>{ "A WhatsApp message to a business on Meta's Cloud API, on real bytes: X3DH and the Double Ratchet over X25519, \
                          HKDF-SHA256 and ChaCha20-Poly1305, computed in your browser." }</p>
                </div>
                <p class="honest small">{ "Consumer ↔ Cloud API: Signal end-to-end encryption. Cloud API → business: plaintext over HTTPS, \
                    because the Cloud API decrypts on the business's behalf." }</p>
                <ScaleControl />
            </header>
            <main>
                if live {
                    <LiveFeed />
                    <LiveBanner />
                } else if projector {
                    <LessonPanel />
                    <ScenarioStrip />
                    <details class="drawer" id="drawer">
                        <summary>{ "Scenarios and controls" }</summary>
                        <Presets />
                        <Controls />
                    </details>
                } else {
                    <Presets />
                    <Controls />
                }
                <p class="status" role="status" aria-live="polite" id="status">
                    { match &demo.status {
                        Some(Ok(s)) => html! { <span class="ok">{ s }</span> },
                        Some(Err(e)) => html! { <span class="bad">{ format!("Refused: {e}") }</span> },
                        None if live || projector => html! {},
                        None => html! { <span class="muted">{ format!("Seed {}: same seed and same actions, same bytes.", demo.world.borrow().seed) }</span> },
                    } }
                </p>
                { for demo.notices.iter().map(|n| html! { <p class="report bad" role="alert">{ n }</p> }) }
                <JourneyBar />
                <div class="tabs" role="tablist" aria-label="Parties" id="party-tabs">{ for tabs }</div>
                <div class="panes">
                    if room {
                        <PhonesPane focus={focus(Spot::Consumer)} active={tab == Pane::Consumer} />
                    } else {
                        <ConsumerPane focus={focus(Spot::Consumer)} active={tab == Pane::Consumer} />
                    }
                    <Hop left={Party::Consumer} right={Party::Transport} />
                    <TransportPane focus={focus(Spot::Transport)} active={tab == Pane::Transport} />
                    <Hop left={Party::Transport} right={Party::CloudApi} />
                    <CloudPane focus={focus(Spot::CloudApi)} active={tab == Pane::CloudApi} />
                    <Hop left={Party::CloudApi} right={Party::Business} />
                    <BusinessPane focus={focus(Spot::Business)} active={tab == Pane::Business} />
                </div>
                <div class="lower">
                    <Inspector focus={focus(Spot::Inspector)} />
                    <Matrix focus={focus(Spot::Matrix)} />
                    if !live {
                        <Breaches />
                        <TraceIo />
                    }
                </div>
            </main>
            </div>
        </ContextProvider<SelectedContext>>
        </ContextProvider<ViewContext>>
        </ContextProvider<DemoContext>>
    }
}
