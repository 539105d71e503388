//! The cipherflow browser app, built by Trunk: one pane per party of the
//! WhatsApp Cloud API message flow. It is a view of what `cipherflow-flow`
//! computes: the simulation, the trace, the journeys and the proof all come
//! from the core; the page only chooses what to show.

mod app;
mod components;
mod entropy;
mod model;
mod server;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
