//! One component per file, as in Yew's function_todomvc.

pub mod breaches;
pub mod business_pane;
pub mod cloud_pane;
pub mod consumer_pane;
pub mod controls;
pub mod format;
pub mod hop;
pub mod inspector;
pub mod journey_bar;
pub mod lesson_panel;
pub mod live;
pub mod live_compose;
pub mod matrix;
pub mod message_item;
pub mod pane_frame;
pub mod phone_page;
pub mod phones_pane;
pub mod presenter;
pub mod presets;
pub mod trace_io;
pub mod transport_pane;
