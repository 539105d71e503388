//! The instructor's business on the projector, in live mode: a reply to any
//! phone whose customer service window is open, and a blast at everyone who
//! wrote. Both are calls to the server's control API (the server's own
//! business server sends them through the Graph API); what they cause comes
//! back through the follow stream like everything else, so the panes show
//! only what the replica computed.

use serde_json::json;
use yew::prelude::*;

/// What the blast says.
const BLAST_TEXT: &str = "FLASH SALE: 90% off everything, today only! Reply STOP to opt out";

/// Props of [`LiveCompose`].
#[derive(Properties, PartialEq)]
pub struct LiveComposeProps {
    /// The business.
    pub phone_number_id: AttrValue,
    /// Consumers whose window is open (digits), newest first.
    pub open: Vec<String>,
    /// How many texts the blast sends: past the monitor's throttle.
    pub blast: u32,
}

/// The live reply form and the blast.
#[function_component(LiveCompose)]
pub fn live_compose(props: &LiveComposeProps) -> Html {
    let to = use_node_ref();
    let text = use_node_ref();
    let said = use_state(|| None::<Result<String, String>>);
    let send = {
        let (to, text, said) = (to.clone(), text.clone(), said.clone());
        let path = format!("/control/v1/businesses/{}/messages", props.phone_number_id);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(to), Some(text)) = (
                to.cast::<web_sys::HtmlSelectElement>(),
                text.cast::<web_sys::HtmlTextAreaElement>(),
            ) else {
                return;
            };
            let body = json!({ "to": to.value(), "text": text.value() });
            if text.value().trim().is_empty() || to.value().is_empty() {
                return;
            }
            text.set_value("");
            let (path, said) = (crate::server::with_token(&path), said.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = crate::server::post_json(&path, &body).await;
                said.set(Some(answer.map(|v| {
                    format!(
                        "Graph API: accepted {}",
                        v["messages"][0]["id"].as_str().unwrap_or("?")
                    )
                })));
            });
        })
    };
    let blast = {
        let said = said.clone();
        let path = format!("/control/v1/businesses/{}/blast", props.phone_number_id);
        let count = props.blast;
        Callback::from(move |_: MouseEvent| {
            let (path, said) = (crate::server::with_token(&path), said.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let body = json!({ "text": BLAST_TEXT, "count": count });
                let answer = crate::server::post_json(&path, &body).await;
                said.set(Some(answer.map(|v| {
                    format!(
                        "Blast: the Graph API accepted {} of {count} sends to {} phones. The transport decides what goes out: watch its integrity line.",
                        v["accepted"], v["recipients"]
                    )
                })));
            });
        })
    };
    html! {
        <form class="compose" onsubmit={send} id="business-live">
            <label for="business-to">{ "Reply to (open windows only)" }</label>
            <select id="business-to" ref={to}>
                { for props.open.iter().map(|c| html! { <option value={c.clone()}>{ format!("+{c}") }</option> }) }
            </select>
            <textarea id="business-reply" ref={text} rows="2" maxlength="4096" placeholder="Reply from the business" />
            <button type="submit" id="business-send" disabled={props.open.is_empty()}>{ "Send reply (POST /messages)" }</button>
            <button type="button" id="business-blast" onclick={blast} disabled={props.open.is_empty()}
                title="The same promotion, round-robin to everyone who wrote: spam, as the integrity monitor sees it">
                { format!("Blast {} messages at everyone who wrote", props.blast) }
            </button>
            if let Some(s) = &*said {
                <p id="business-live-status" role="status" class={classes!("small", if s.is_ok() { "ok" } else { "bad" })}>
                    { match s { Ok(t) => t.clone(), Err(e) => format!("Refused: {e}") } }
                </p>
            }
        </form>
    }
}
