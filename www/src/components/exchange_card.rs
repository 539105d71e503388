//! Shows one X25519 + ChaCha20-Poly1305 exchange exactly as the core reported it.

use cipherflow_core::sealed_exchange::SealedExchange;
use yew::prelude::*;

/// Props: the core's outcome (or its error), the plaintext that was sealed, and
/// what to do when the user asks for fresh keys.
#[derive(Properties, PartialEq)]
pub struct ExchangeCardProps {
    /// What the core returned.
    pub outcome: Result<SealedExchange, String>,
    /// The plaintext that went in.
    pub plaintext: AttrValue,
    /// Re-runs the exchange with fresh keys.
    pub on_rerun: Callback<()>,
}

fn verdict(ok: bool, yes: &str, no: &str) -> Html {
    html! {
        <span class={classes!("verdict", if ok { "ok" } else { "bad" })}>
            { if ok { yes.to_owned() } else { no.to_owned() } }
        </span>
    }
}

/// The card.
#[function_component(ExchangeCard)]
pub fn exchange_card(props: &ExchangeCardProps) -> Html {
    let onclick = props.on_rerun.reform(|_: MouseEvent| ());
    let body = match &props.outcome {
        Ok(x) => html! {
            <dl class="facts" id="exchange-result">
                <dt>{ "Alice's public key" }</dt>
                <dd><code class="bytes" id="alice-public">{ hex::encode(x.alice_public) }</code></dd>
                <dt>{ "Bob's public key" }</dt>
                <dd><code class="bytes" id="bob-public">{ hex::encode(x.bob_public) }</code></dd>
                <dt>{ "Key agreement" }</dt>
                <dd id="secrets-match">{ verdict(x.secrets_match,
                    "both sides derived the same X25519 shared secret",
                    "the shared secrets differ") }</dd>
                <dt>{ "Plaintext" }</dt>
                <dd id="plaintext">{ props.plaintext.clone() }</dd>
                <dt>{ format!("Ciphertext ({} bytes)", x.ciphertext.len()) }</dt>
                <dd><code class="bytes" id="ciphertext">{ hex::encode(&x.ciphertext) }</code></dd>
                <dt>{ "Decrypted by Bob" }</dt>
                <dd id="recovered">{ x.recovered.clone() }</dd>
                <dt>{ "One flipped bit" }</dt>
                <dd id="tamper">{ verdict(x.tamper_rejected,
                    "rejected by ChaCha20-Poly1305",
                    "accepted: authentication is broken") }</dd>
            </dl>
        },
        Err(e) => {
            html! { <p class="verdict bad" id="exchange-error" role="alert">{ e.clone() }</p> }
        }
    };
    html! {
        <section class="card" aria-labelledby="exchange-title">
            <h2 id="exchange-title">{ "X25519 key agreement, then a ChaCha20-Poly1305 round trip" }</h2>
            { body }
            <button type="button" id="rerun" {onclick}>{ "Run again with fresh keys" }</button>
        </section>
    }
}
