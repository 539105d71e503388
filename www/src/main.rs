//! The cipherflow browser app, built by Trunk. It is a view of what
//! `cipherflow-core` computes; it computes nothing of its own.

mod app;
mod components;
mod entropy;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
