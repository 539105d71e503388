//! Meta-style `wamid.` message ids, drawn from the simulation's seeded RNG so
//! they are reproducible.
//!
//! A real wamid is base64 of a small binary record that starts with the
//! counterpart's number; this one follows the same layout:
//! `0x1C 0x18 len(number) number 0x15 0x02 0x00 0x12 0x18 0x14 <20 hex chars> 0x00`.

use rand_core::Rng;

use crate::phone::PhoneNumber;

/// A new wamid for a message exchanged with `counterpart`.
pub fn wamid(rng: &mut impl Rng, counterpart: &PhoneNumber) -> String {
    let number = counterpart.wa_id().as_bytes();
    let mut raw = Vec::with_capacity(40);
    raw.extend_from_slice(&[0x1C, 0x18]);
    raw.push(u8::try_from(number.len()).unwrap_or(u8::MAX));
    raw.extend_from_slice(number);
    raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x12, 0x18, 0x14]);
    let mut random = [0u8; 10];
    rng.fill_bytes(&mut random);
    raw.extend_from_slice(hex::encode_upper(random).as_bytes());
    raw.push(0x00);
    format!("wamid.{}", crate::base64::standard(&raw))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use base64::Engine as _;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn wamid_has_metas_layout() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let n = PhoneNumber::parse("16505551234").unwrap();
        let id = wamid(&mut rng, &n);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(id.strip_prefix("wamid.").unwrap())
            .unwrap();
        assert_eq!(&raw[..3], &[0x1C, 0x18, 11]);
        assert_eq!(&raw[3..14], b"16505551234");
        assert_eq!(raw.len(), 14 + 6 + 20 + 1);
        assert_ne!(id, wamid(&mut rng, &n));
    }
}
