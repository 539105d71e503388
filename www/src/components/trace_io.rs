//! Export the trace (with its seed and commands) as JSON, and import one: the
//! proof is recomputed from the imported bytes alone, and the commands are
//! replayed to check that they give the same trace.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlInputElement, Url};
use yew::prelude::*;

use crate::model::trace_file::{self, ImportError, MAX_FILE_BYTES};
use crate::state::{Action, DemoContext, ViewContext};
use cipherflow_flow::view::thousands;

fn download(name: &str, text: &str) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(err)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(err)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: HtmlAnchorElement = document
        .create_element("a")
        .map_err(err)?
        .dyn_into()
        .map_err(|_| "not an anchor".to_owned())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    Url::revoke_object_url(&url).map_err(err)?;
    Ok(())
}

/// The export/import panel.
#[function_component(TraceIo)]
pub fn trace_io() -> Html {
    let Some(demo) = use_context::<DemoContext>() else {
        return html! {};
    };
    let export_error = use_state(|| None::<String>);
    let export = {
        let demo = demo.clone();
        let export_error = export_error.clone();
        Callback::from(move |_: MouseEvent| {
            let w = demo.world.borrow();
            let result = trace_file::export(&w).and_then(|json| {
                download(&format!("cipherflow-trace-seed-{}.json", w.seed), &json)
            });
            export_error.set(result.err());
        })
    };
    let import = {
        let demo = demo.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let demo = demo.clone();
            let size = file.size() as usize;
            spawn_local(async move {
                let result = if size > MAX_FILE_BYTES {
                    Err(ImportError::TooLarge(size))
                } else {
                    match JsFuture::from(file.text()).await {
                        Ok(text) => trace_file::import(&text.as_string().unwrap_or_default()),
                        Err(e) => Err(ImportError::Shape(format!("unreadable file: {e:?}"))),
                    }
                };
                demo.dispatch(Action::Imported(Box::new(result)));
            });
            input.set_value("");
        })
    };
    // SHA-256 over the whole simulation state, from the core's view: equal
    // digests mean equal worlds (the workshop test reloads a link and compares).
    let digest = use_context::<ViewContext>()
        .map(|v| v.0.state_digest.clone())
        .unwrap_or_default();
    let load = {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| demo.dispatch(Action::LoadImported))
    };
    let report = demo.import.as_ref().map(|i| match &*i.result {
        Ok(r) => {
            let replay = match r.identical {
                Some(true) => "its commands replay to the identical trace, event for event",
                Some(false) => "its commands replay to a DIFFERENT trace: the file was edited or made by another version",
                None => "it carries no seed and commands, so nothing was replayed",
            };
            let loadable = i.world.borrow().is_some();
            html! {
                <div id="import-report" class={classes!("report", if r.proof.holds { "ok" } else { "bad" })} role="status">
                    <p>{ format!("Imported {} events, {} messages checked. Proof from the bytes alone: {} ({} plaintext windows found in {} transport bytes; {} of {} tampered envelopes rejected). {replay}.",
                        thousands(r.events as u64), r.messages, if r.proof.holds { "holds" } else { "FAILS" },
                        r.proof.matches, thousands(r.proof.bytes_scanned), r.proof.tampered_rejected, r.proof.tampered_envelopes) }</p>
                    if loadable { <button onclick={load.clone()} id="import-load">{ "Show the replayed world" }</button> }
                </div>
            }
        }
        Err(e) => html! { <p id="import-report" class="report bad" role="alert">{ format!("Import refused: {e}") }</p> },
    });
    html! {
        <section class="card trace-io" aria-labelledby="trace-heading">
            <h2 id="trace-heading">{ "Trace" }</h2>
            <p class="muted small">{ format!("{} events so far. Export writes the seed, the commands and every event with its exact bytes.",
                thousands(demo.world.borrow().sim.trace().events.len() as u64)) }</p>
            <p class="small">{ "State digest " }<code id="state-digest" title="SHA-256 over every party's state, the queue, the clock and the RNG position">{ digest }</code></p>
            <div class="row">
                <button onclick={export} id="trace-export">{ "Export JSON" }</button>
                <label class="file">{ "Import JSON " }
                    <input type="file" accept="application/json,.json" onchange={import} id="trace-import" />
                </label>
            </div>
            if let Some(e) = &*export_error { <p class="report bad" role="alert">{ format!("Export failed: {e}") }</p> }
            { report.unwrap_or_default() }
        </section>
    }
}
