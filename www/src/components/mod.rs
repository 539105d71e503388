//! One component per file.

pub mod exchange_card;
