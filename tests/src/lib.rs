//! Cross-crate scenarios for cipherflow live in `tests/tests/`. This library is
//! empty on purpose: the crate exists so the scenarios build against the public
//! APIs of the workspace crates exactly as a user would.
