//! The root component. For now it shows the walking skeleton's one real
//! operation, run by the core when the page loads.

use cipherflow_core::sealed_exchange::SealedExchange;
use yew::prelude::*;

use crate::components::exchange_card::ExchangeCard;
use crate::entropy::platform_rng;

/// The plaintext the page seals on every run.
pub const DEMO_PLAINTEXT: &str = "Hello from the consumer's phone";

fn run_exchange() -> Result<SealedExchange, String> {
    let mut rng = platform_rng()?;
    SealedExchange::run(&mut rng, DEMO_PLAINTEXT).map_err(|e| e.to_string())
}

/// The whole page.
#[function_component(App)]
pub fn app() -> Html {
    let outcome = use_state(run_exchange);
    let rerun = {
        let outcome = outcome.clone();
        Callback::from(move |_| outcome.set(run_exchange()))
    };
    html! {
        <>
            <header class="site">
                <h1>{ "cipherflow" }</h1>
                <p>{ "Real cryptography, computed in your browser by Rust compiled to WebAssembly." }</p>
            </header>
            <main>
                <ExchangeCard outcome={(*outcome).clone()} plaintext={DEMO_PLAINTEXT} on_rerun={rerun} />
                <p class="note">
                    { "This page is the project's walking skeleton. The four-pane WhatsApp Cloud API \
                       simulation (consumer, transport, Cloud API, business) is not built yet." }
                </p>
            </main>
        </>
    }
}
