//! The page's model: plain Rust, no DOM. It is tested natively.

pub mod cast;
pub mod command;
pub mod lesson;
pub mod link;
pub mod live;
pub mod phone;
pub mod preset;
pub mod trace_file;
pub mod travel;
pub mod world;
