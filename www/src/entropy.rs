//! A seed for a new visit, from the browser's `crypto.getRandomValues`.

/// A random seed below one million (short enough to read out in a workshop),
/// or 1 if the platform has no randomness.
pub fn fresh_seed() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes) % 1_000_000,
        Err(_) => 1,
    }
}
